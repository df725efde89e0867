/* Scenario discovery by a classification tree (CART; Breiman, Friedman,
 * Olshen & Stone 1984), the second method beside PRIM (prim.h): the leaves of
 * a tree grown on whether a condition holds are boxes, reported densest
 * first.
 *
 * Growing: a node is split on the factor and value that most lower the Gini
 * impurity 2 p (1 - p) weighted by points (p its share of cases), between two
 * distinct values, each side keeping at least min_mass n points; ties go to
 * the lower factor, then the lower value. A node is a leaf at max_depth, when
 * it holds only cases or none, or when no split changes the share of cases.
 * A leaf's box is closed on the values its points hold at each split
 * (x <= the largest value on the low side, x >= the smallest on the high
 * side); factors never split keep the data's range. Mass, density and
 * coverage are as in prim.h over all n points. Deterministic. */
#ifndef TRADESIM_CART_H
#define TRADESIM_CART_H

#include <stdbool.h>
#include <stddef.h>

#include "tradesim/error.h"
#include "tradesim/prim.h"

typedef struct {
    int max_depth;   /* 1..30; 4 */
    double min_mass; /* (0, 0.5]; 0.05: points in a leaf >= min_mass n (and >= 1) */
} ts_cart_options;

ts_cart_options ts_cart_defaults(void);

typedef struct {
    size_t n, k, n_cases;
    int n_leaves;
    ts_prim_box *leaves; /* densest first (then larger, then left before right); owned */
    int *depth;          /* per leaf; owned */
} ts_cart_result;

/* Grows the tree with opt (NULL: ts_cart_defaults()) into out, released by
 * ts_cart_free (also after a failure). TS_EBAD for bad options, n < 2,
 * k < 1 or a non-finite x. O(k n log n) per level. */
ts_status ts_cart(const double *x, const bool *y, size_t n, size_t k, const ts_cart_options *opt,
                  ts_cart_result *out, ts_error *err);

void ts_cart_free(ts_cart_result *res);

#endif
