/* Statistics over replicates: quantiles, means and intervals, via GSL.
 *
 * Quantiles follow GSL's gsl_stats_quantile_from_sorted_data (linear
 * interpolation between order statistics, Hyndman & Fan type 7). Intervals
 * are two-sided 95% unless a level is given. */
#ifndef TRADESIM_STATS_H
#define TRADESIM_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* A column of values, one per replicate, read from a CSV and grown as it is
 * read; {0} is empty, free(v) releases it. */
typedef struct {
    double *v;
    size_t n, cap;
} ts_values;

/* Appends x. False (vals unchanged) when out of memory. */
bool ts_values_push(ts_values *vals, double x);

/* Sorts x (n values, stride 1) in place and writes the quantiles at probs[k]
 * (0..1) into out[k]. n > 0. */
void ts_stats_quantiles(double *x, size_t n, const double *probs, size_t n_probs, double *out);

/* Mean and sample standard deviation (0 when n < 2). */
void ts_stats_mean_sd(const double *x, size_t n, double *mean, double *sd);

/* Wilson score interval for k successes in n trials at level (e.g. 0.95). */
void ts_stats_wilson(size_t k, size_t n, double level, double *lo, double *hi);

/* t interval for a mean (Student t with n-1 df). lo = hi = mean when n < 2. */
void ts_stats_mean_ci(const double *x, size_t n, double level, double *mean, double *lo, double *hi);

/* Welch's interval for mean(b) - mean(a) from summary figures. */
void ts_stats_welch(double mean_a, double sd_a, size_t n_a, double mean_b, double sd_b,
                    size_t n_b, double level, double *diff, double *lo, double *hi);

/* Wald interval for p_b - p_a (two independent proportions). */
void ts_stats_two_prop(size_t k_a, size_t n_a, size_t k_b, size_t n_b, double level,
                       double *diff, double *lo, double *hi);

/* Paired t interval for mean(b - a) over n pairs (a[k], b[k]): the mean d of
 * the differences, d ± t(n-1)·sd/sqrt(n) with sd their sample standard
 * deviation. Constant differences collapse the interval onto d; with n < 2
 * it is NaN (and d too when n = 0). */
void ts_stats_paired(const double *a, const double *b, size_t n, double level, double *diff,
                     double *lo, double *hi);

/* Paired Wald interval for p_b - p_a from n pairs of 0/1 outcomes, a_only of
 * them 1 in a and 0 in b, b_only the reverse: d = (b_only - a_only)/n,
 * d ± z·sqrt(((a_only + b_only)/n - d²)/n) (the variance of the per-pair
 * difference with divisor n, as the independent Wald interval has). NaN when
 * n = 0. */
void ts_stats_paired_prop(size_t a_only, size_t b_only, size_t n, double level, double *diff,
                          double *lo, double *hi);

#endif
