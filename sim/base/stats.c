/* Statistics over replicates: quantiles, means and 95% intervals, via GSL.
 *
 * Every statistic is pure (no state, no allocation) and never calls GSL with
 * arguments its error handler would reject: degenerate inputs (n too small,
 * zero variance) are handled here and documented in stats.h or below. */
#include "tradesim/stats.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* Two-sided critical value of the standard normal at level (0.95 -> 1.96). */
static double z_crit(double level)
{
    return gsl_cdf_ugaussian_Pinv(0.5 + 0.5 * level);
}

static double t_crit(double level, double df)
{
    return gsl_cdf_tdist_Pinv(0.5 + 0.5 * level, df);
}

bool ts_values_push(ts_values *vals, double x)
{
    if (vals->n == vals->cap) {
        size_t cap = vals->cap ? 2 * vals->cap : 256;
        double *v = realloc(vals->v, cap * sizeof *v);
        if (!v)
            return false;
        vals->v = v;
        vals->cap = cap;
    }
    vals->v[vals->n++] = x;
    return true;
}

void ts_stats_quantiles(double *x, size_t n, const double *probs, size_t n_probs, double *out)
{
    if (n == 0) {
        for (size_t k = 0; k < n_probs; k++)
            out[k] = NAN;
        return;
    }
    gsl_sort(x, 1, n);
    for (size_t k = 0; k < n_probs; k++)
        out[k] = gsl_stats_quantile_from_sorted_data(x, 1, n, probs[k]);
}

void ts_stats_mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    /* No data has no mean: NaN, so it cannot pass for a real zero. */
    *mean = n > 0 ? gsl_stats_mean(x, 1, n) : NAN;
    *sd = n > 1 ? gsl_stats_sd_m(x, 1, n, *mean) : 0.0;
}

void ts_stats_wilson(size_t k, size_t n, double level, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    double z = z_crit(level), z2 = z * z, nn = (double)n;
    double p = (double)k / nn;
    double denom = 1.0 + z2 / nn;
    double centre = (p + z2 / (2.0 * nn)) / denom;
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
    /* At k = 0 the exact bound is 0 (and 1 at k = n); centre - half cancels to
     * a rounding residue such as 2e-19 there, so pin it. */
    *lo = k == 0 ? 0.0 : fmax(0.0, centre - half);
    *hi = k >= n ? 1.0 : fmin(1.0, centre + half);
}

void ts_stats_mean_ci(const double *x, size_t n, double level, double *mean, double *lo, double *hi)
{
    double sd;
    ts_stats_mean_sd(x, n, mean, &sd);
    if (n < 2) {
        *lo = *hi = *mean;
        return;
    }
    double half = t_crit(level, (double)(n - 1)) * sd / sqrt((double)n);
    *lo = *mean - half;
    *hi = *mean + half;
}

/* Welch-Satterthwaite degrees of freedom. With one side constant the other's
 * n-1 is what remains; with both constant the difference is known exactly,
 * so the interval collapses onto it. Fewer than two values on a side leave
 * its variance unknown: the interval is NaN (never "significant"). */
void ts_stats_welch(double mean_a, double sd_a, size_t n_a, double mean_b, double sd_b,
                    size_t n_b, double level, double *diff, double *lo, double *hi)
{
    *diff = (n_a > 0 && n_b > 0) ? mean_b - mean_a : NAN;
    if (n_a < 2 || n_b < 2) {
        *lo = *hi = NAN;
        return;
    }
    double va = sd_a * sd_a / (double)n_a, vb = sd_b * sd_b / (double)n_b;
    double se2 = va + vb;
    if (!(se2 > 0.0)) {
        *lo = *hi = *diff;
        return;
    }
    double df = se2 * se2 / (va * va / (double)(n_a - 1) + vb * vb / (double)(n_b - 1));
    double half = t_crit(level, df) * sqrt(se2);
    *lo = *diff - half;
    *hi = *diff + half;
}

void ts_stats_two_prop(size_t k_a, size_t n_a, size_t k_b, size_t n_b, double level,
                       double *diff, double *lo, double *hi)
{
    if (n_a == 0 || n_b == 0) {
        *diff = *lo = *hi = NAN;
        return;
    }
    double pa = (double)k_a / (double)n_a, pb = (double)k_b / (double)n_b;
    *diff = pb - pa;
    double se = sqrt(pa * (1.0 - pa) / (double)n_a + pb * (1.0 - pb) / (double)n_b);
    double half = z_crit(level) * se;
    *lo = *diff - half;
    *hi = *diff + half;
}

void ts_stats_paired(const double *a, const double *b, size_t n, double level, double *diff,
                     double *lo, double *hi)
{
    /* Two passes over the differences, kept on the fly (no allocation). */
    double sum = 0.0;
    for (size_t k = 0; k < n; k++)
        sum += b[k] - a[k];
    *diff = n > 0 ? sum / (double)n : NAN;
    if (n < 2) {
        *lo = *hi = NAN;
        return;
    }
    double ss = 0.0;
    for (size_t k = 0; k < n; k++) {
        double r = (b[k] - a[k]) - *diff;
        ss += r * r;
    }
    if (!(ss > 0.0)) {
        *lo = *hi = *diff;
        return;
    }
    double half = t_crit(level, (double)(n - 1)) * sqrt(ss / (double)(n - 1) / (double)n);
    *lo = *diff - half;
    *hi = *diff + half;
}

void ts_stats_paired_prop(size_t a_only, size_t b_only, size_t n, double level, double *diff,
                          double *lo, double *hi)
{
    if (n == 0) {
        *diff = *lo = *hi = NAN;
        return;
    }
    double nn = (double)n;
    *diff = ((double)b_only - (double)a_only) / nn;
    /* mean of d² minus d², never below 0 (rounding when every pair moved) */
    double var = fmax(0.0, (double)(a_only + b_only) / nn - *diff * *diff);
    double half = z_crit(level) * sqrt(var / nn);
    *lo = *diff - half;
    *hi = *diff + half;
}
