/* Experimental designs on the unit cube [0,1]^k: Latin hypercube, the
 * Saltelli scheme on a scrambled Sobol sequence, and Morris trajectories.
 *
 * A design is a table of n points (rows) by k factors, row-major, in unit
 * coordinates; the caller maps coordinate u of factor i to a value by the
 * factor's quantile function. Every design is a pure function of its
 * arguments and a uint64 seed (no global state, safe from any thread), and
 * is released by ts_design_free. Formulas and references: docs/experiments.md
 * ("Designs"). */
#ifndef TRADESIM_DESIGN_H
#define TRADESIM_DESIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "tradesim/error.h"

typedef enum {
    TS_DESIGN_LHS,
    TS_DESIGN_SALTELLI,
    TS_DESIGN_MORRIS,
} ts_design_kind;

/* The largest k of ts_design_saltelli: it uses 2k dimensions of GSL's Sobol
 * generator, which has 40. */
#define TS_SALTELLI_MAX_FACTORS 20

typedef struct {
    ts_design_kind kind;
    size_t n, k;      /* n points of k factors */
    size_t base;      /* LHS: n; Saltelli: N (n = N (k + 2)); Morris: trajectories r (n = r (k + 1)) */
    double *u;        /* n * k coordinates, point j's factor i at u[j * k + i]; owned */
    /* Morris only (NULL otherwise), one entry per point: the factor that
     * moved from the previous point of the trajectory (-1 at a trajectory's
     * first point) and the signed step in unit coordinates (+Delta or
     * -Delta; 0 at a first point). */
    int *moved;
    double *step;
    int levels;       /* Morris: p; 0 otherwise */
} ts_design;

/* A taus2 generator seeded by splitmix64(seed): the one way this module and
 * its estimators turn a seed into random numbers. NULL when out of memory. */
gsl_rng *ts_design_rng(uint64_t seed);

/* Latin hypercube (McKay, Beckman & Conover 1979): each factor's [0,1) cut
 * into n equal strata, a random permutation of the strata per factor, each
 * point at a uniform position inside its stratum, strictly inside (0,1).
 * n >= 1, k >= 1. */
ts_status ts_design_lhs(size_t n, size_t k, uint64_t seed, ts_design *out, ts_error *err);

/* Saltelli's scheme (Saltelli 2002, 2010) for first-order and total Sobol
 * indices. Matrices A and B are dimensions 0..k-1 and k..2k-1 of one
 * 2k-dimensional Sobol sequence (gsl_qrng_sobol), starting at its first
 * point, each dimension scrambled by a random digital shift drawn from seed:
 * the coordinate's 32-bit binary fraction XOR a random 32-bit mask, plus
 * 2^-33, so every coordinate lies strictly inside (0,1). The shift keeps the
 * sequence's net property (every point of an elementary interval stays in
 * one), so N a power of two is best; any N >= 2 is accepted.
 * Row order, N (k + 2) rows: for each base row j = 0..N-1, in turn
 *   A_j, AB_j^(1), ..., AB_j^(k), B_j
 * where AB_j^(i) is A_j with column i taken from B_j. So row j (k + 2) is
 * A_j, row j (k + 2) + 1 + i is AB_j^(i+1), row j (k + 2) + k + 1 is B_j.
 * 1 <= k <= TS_SALTELLI_MAX_FACTORS. */
ts_status ts_design_saltelli(size_t n_base, size_t k, uint64_t seed, ts_design *out,
                             ts_error *err);

/* Morris's randomised one-at-a-time trajectories (Morris 1991): r
 * trajectories of k + 1 points on the grid {0, 1/(p-1), ..., 1} of p levels
 * (p even, >= 2; 4 is usual), step Delta = p / (2 (p - 1)). Each trajectory
 * draws a base point whose levels allow a step of +Delta, a direction per
 * factor and an order of the factors; from its first point each factor in
 * turn moves by +-Delta. Rows are trajectory after trajectory; moved and
 * step say which factor moved to reach each row. The grid includes 0 and 1:
 * a factor with an unbounded distribution needs a finite value there (a
 * truncated quantile). r >= 1, k >= 1. */
ts_status ts_design_morris(size_t r, size_t k, int levels, uint64_t seed, ts_design *out,
                           ts_error *err);

/* Morris trajectories spread out over the cube (Campolongo, Cariboni &
 * Saltelli 2007): a pool of pool_size trajectories drawn as ts_design_morris
 * draws them (its first r are ts_design_morris(r, ...)'s), of which the r
 * kept are chosen greedily: the trajectory with the smallest sum of squared
 * distances to the others left is removed until r are left (ties: the later
 * one), the distance between two trajectories being the sum of the Euclidean
 * distances between their points. The kept ones stay in pool order.
 * r <= pool_size <= 2000; cost O(pool_size^2 k^3). */
ts_status ts_design_morris_spread(size_t r, size_t pool_size, size_t k, int levels,
                                  uint64_t seed, ts_design *out, ts_error *err);

/* Releases what d owns and zeroes it (NULL or zeroed: nothing). */
void ts_design_free(ts_design *d);

#endif
