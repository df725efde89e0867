/* Global sensitivity indices with 95% intervals: Sobol first-order and total
 * indices from a Saltelli design, Morris elementary effects, and given-data
 * indices (first-order by the correlation ratio, PRCC) from one plain Monte
 * Carlo sample.
 *
 * Pure functions: the caller owns every array (k estimates per index),
 * bootstrap resamples come from a generator seeded by the options' seed
 * (ts_design_rng), so a result never depends on the thread or the machine.
 * No NaN or infinity is returned: an index that has no meaning (a constant
 * output, a constant factor) is 0 with interval [0, 0] and `undefined` set;
 * a non-finite output value is refused (TS_EBAD). Formulas, bin rule and
 * references: docs/experiments.md ("Sensitivity indices"). */
#ifndef TRADESIM_SENSITIVITY_H
#define TRADESIM_SENSITIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradesim/design.h"
#include "tradesim/error.h"

/* An index with its interval. */
typedef struct {
    double value, lo, hi;
    bool undefined; /* no meaning here: value = lo = hi = 0 */
} ts_estimate;

/* Bootstrap (Efron 1979; percentile intervals). */
typedef struct {
    size_t resamples; /* 0: intervals collapse to the value */
    double level;     /* two-sided, in (0, 1) */
    uint64_t seed;
} ts_boot_options;

/* 1000 resamples, level 0.95, seed 0. */
ts_boot_options ts_boot_defaults(void);

/* Sobol indices from y, the outputs of a ts_design_saltelli design of base
 * n_base and k factors in its row order (n_base (k + 2) values). First order
 * S1_i = mean_j(f(B_j) (f(AB_j^i) - f(A_j))) / V (Saltelli et al. 2010),
 * total ST_i = mean_j((f(A_j) - f(AB_j^i))^2) / (2 V) (Jansen 1999), V the
 * variance (divisor 2N) of the f(A) and f(B) values pooled, every f first
 * centred on their mean (same expectations; invariant to a shift). Intervals:
 * bootstrap over the base rows j. When V <= 1e-24 mean(y^2) the output is
 * constant: every index is undefined and *constant (if not NULL) is set.
 * s1 and st have k entries. */
ts_status ts_sobol_indices(const double *y, size_t n_base, size_t k, const ts_boot_options *opt,
                           ts_estimate *s1, ts_estimate *st, bool *constant, ts_error *err);

/* Morris statistics from y, the outputs of the ts_design_morris design d in
 * its row order (d->n values): per factor the elementary effects
 * EE = (y_s - y_{s-1}) / step_s (output per unit of the normalised factor),
 * one per trajectory; mu = mean EE, mu_star = mean |EE|, sigma = sample
 * standard deviation of EE (0 with one trajectory). Intervals: bootstrap over
 * trajectories. mu, mu_star and sigma have d->k entries; any may be NULL. */
ts_status ts_morris_indices(const ts_design *d, const double *y, const ts_boot_options *opt,
                            ts_estimate *mu, ts_estimate *mu_star, ts_estimate *sigma,
                            ts_error *err);

/* First-order indices from a given sample: x is n x k (row-major) factor
 * values, y the n outputs. For each factor the points are sorted by x_i and
 * cut into M = ceil(sqrt(n)) bins of equal count (a bin boundary never splits
 * points with equal x_i, so a factor with few distinct values gets fewer
 * bins); S1_i is the bias-corrected correlation ratio
 *   (SS_between - (M' - 1) SS_within / (n - M')) / SS_total
 * with M' the bins used; it can fall slightly below 0 for a factor without
 * effect. Intervals: bootstrap over points, with the bins kept. A factor
 * with one distinct value, or a constant y, is undefined. n >= 4. */
ts_status ts_given_first_order(const double *x, const double *y, size_t n, size_t k,
                               const ts_boot_options *opt, ts_estimate *s1, ts_error *err);

/* Partial rank correlation coefficients (Iman & Conover 1980; Marino et al.
 * 2008): x and y rank-transformed (average ranks for ties), the ranks of
 * x_i and of y each regressed by least squares on the ranks of the other
 * factors, and the residuals correlated. Interval by Fisher's z with
 * standard error 1 / sqrt(n - 3 - (k' - 1)), k' the factors used, at level.
 * A factor that is constant, or whose ranks the others explain, is undefined
 * (and left out of the others' regressions); with a constant y every factor
 * is. n >= 3. */
ts_status ts_prcc(const double *x, const double *y, size_t n, size_t k, double level,
                  ts_estimate *prcc, ts_error *err);

#endif
