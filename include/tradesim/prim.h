/* Scenario discovery by PRIM, the patient rule induction method (Friedman &
 * Fisher 1999): boxes in factor space where a condition is concentrated.
 *
 * Input: n points of k factor values x (row-major, any scale) and, per point,
 * whether the condition holds (y). A box is lo_i <= x_i <= hi_i for every
 * factor; a bound equal to the data's own minimum or maximum does not
 * restrict. For a box over the points still in play: mass = its points / n,
 * density = its cases (y true) / its points, coverage = its cases / all
 * cases of the data.
 *
 * Peeling: from the box of all points in play, each step removes the slice of
 * one factor at its low or high end (peel_alpha of the box's points, at least
 * one, a run of equal values taken whole) that leaves the highest density;
 * ties go to the larger remaining box, then the lower factor, then the low
 * end. Peeling stops when every peel would leave fewer than min_mass n points.
 * The chosen box is the first box on the trajectory (the largest) that is
 * denser than the first and whose density reaches threshold, or, when none
 * does, the densest (the first of equals). Pasting then widens it: each step adds, at one end of one factor,
 * the nearest paste_alpha of the box's points among those outside only that
 * bound (at least one, equal values whole), the one that raises the density
 * most, while the density strictly rises.
 * Covering: the chosen box's points leave play and the search repeats, up to
 * max_boxes boxes; it stops earlier when no cases are left or a chosen box's
 * density is no higher than the density of the points it was found among.
 * Deterministic: no random numbers; results depend on x and y only. */
#ifndef TRADESIM_PRIM_H
#define TRADESIM_PRIM_H

#include <stdbool.h>
#include <stddef.h>

#include "tradesim/error.h"

typedef struct {
    double peel_alpha;  /* in (0, 0.5]; 0.05 */
    double paste_alpha; /* in [0, 0.5]; 0.05; 0 disables pasting */
    double min_mass;    /* in (0, 1]; 0.05 */
    double threshold;   /* in [0, 1]; 0.8 */
    int max_boxes;      /* >= 1; 3 */
} ts_prim_options;

ts_prim_options ts_prim_defaults(void);

typedef struct {
    double *lo, *hi;             /* k each; owned */
    bool *restricted;            /* k: lo or hi inside the data's range; owned */
    int n_restricted;
    size_t n_points, n_cases;    /* among the points in play */
    double mass, density, coverage;
} ts_prim_box;

/* One box of the cover and how it was found. */
typedef struct {
    ts_prim_box box;             /* the chosen box, pasted */
    ts_prim_box *trajectory;     /* peeling: [0] is all points in play; owned */
    size_t n_steps;              /* entries of trajectory */
    size_t chosen;               /* the trajectory entry that was pasted */
    double start_density;        /* cases / points among the points in play */
} ts_prim_found;

typedef struct {
    size_t n, k, n_cases;
    double mean;                 /* n_cases / n */
    double *data_lo, *data_hi;   /* k: the data's range per factor; owned */
    int n_boxes;
    ts_prim_found *boxes;        /* in the order found; owned */
} ts_prim_result;

/* Runs PRIM with opt (NULL: ts_prim_defaults()) into out, which the caller
 * releases with ts_prim_free (also after a failure). TS_EBAD for bad options,
 * n < 2, k < 1 or a non-finite x. O(k n log n) per peeling step. */
ts_status ts_prim(const double *x, const bool *y, size_t n, size_t k, const ts_prim_options *opt,
                  ts_prim_result *out, ts_error *err);

void ts_prim_free(ts_prim_result *res);

#endif
