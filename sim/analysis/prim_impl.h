/* Boxes as PRIM and CART report them (prim.c, cart.c). */
#ifndef TRADESIM_PRIM_IMPL_H
#define TRADESIM_PRIM_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "tradesim/prim.h"

/* What a box's figures are relative to: all n points of k factors, their
 * cases and their range. */
typedef struct {
    size_t n, k, n_cases;
    const double *data_lo, *data_hi;
} ts_box_frame;

/* Fills b with copies of lo and hi (k each), the factors they restrict and
 * the figures of points and cases; false (b zeroed) when out of memory. */
bool ts_prim_box_set(ts_prim_box *b, const ts_box_frame *f, const double *lo, const double *hi,
                     size_t points, size_t cases);
/* Releases what b owns and zeroes it. */
void ts_prim_box_free(ts_prim_box *b);

#endif
