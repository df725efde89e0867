/* Given-data sensitivity (sensitivity.h): first-order indices by the binned
 * correlation ratio, and partial rank correlation coefficients, from one
 * plain Monte Carlo sample x (n x k, row-major) and its outputs y.
 *
 * Cost: a sort per factor (n log n), then O(n) per factor per bootstrap
 * resample with the bins kept; PRCC forms the rank covariance matrix once
 * (n k^2) and eliminates in it per factor (k^3), never an n x k regression
 * per factor. */
#include "tradesim/sensitivity.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>

#include "sensitivity_impl.h"

/* TS_EBAD naming the first non-finite factor value. */
static ts_status check_x(const double *x, size_t n, size_t k, const char *what, ts_error *err)
{
    for (size_t j = 0; j < n * k; j++)
        if (!isfinite(x[j]))
            return ts_error_set(err, TS_EBAD, "%s: point %zu, factor %zu is not a finite number",
                                what, j / k, j % k);
    return TS_OK;
}

/* ---- first order by the correlation ratio --------------------------------- */

/* Bins of factor i into bin[0..n-1] (ids 0..*nbins-1): equal-count cuts at
 * ranks floor(pos M / n), moved past runs of equal values. order is scratch
 * of n, col scratch of n. */
static void make_bins(const double *x, size_t n, size_t k, size_t i, size_t M, uint32_t *bin,
                      size_t *nbins, size_t *order, double *col)
{
    for (size_t j = 0; j < n; j++)
        col[j] = x[j * k + i];
    gsl_sort_index(order, col, 1, n);
    size_t cur = 0, cur_target = 0;
    for (size_t pos = 0; pos < n; pos++) {
        size_t target = pos * M / n;
        if (pos > 0 && target > cur_target && col[order[pos]] != col[order[pos - 1]]) {
            cur++;
            cur_target = target;
        }
        bin[order[pos]] = (uint32_t)cur;
    }
    *nbins = cur + 1;
}

/* Weights w of the points (1 each, or a resample's counts) with their
 * weighted centred outputs wy and the totals every factor shares. */
typedef struct {
    double *w, *wy;
    double W, S, SS;
} weighted;

static void weigh(weighted *q, const double *yc, size_t n)
{
    q->W = q->S = q->SS = 0.0;
    for (size_t j = 0; j < n; j++) {
        q->wy[j] = q->w[j] * yc[j];
        q->W += q->w[j];
        q->S += q->wy[j];
        q->SS += q->wy[j] * yc[j];
    }
}

/* The corrected correlation ratio of the weighted outputs q over bins; sum
 * and cnt are scratch of nbins. 0 when y does not vary. No branch on a zero
 * weight: a third of a resample's weights are zero, at random. */
static double corr_ratio(const weighted *q, size_t n, const uint32_t *bin, size_t nbins,
                         double *sum, double *cnt)
{
    memset(sum, 0, nbins * sizeof *sum);
    memset(cnt, 0, nbins * sizeof *cnt);
    for (size_t j = 0; j < n; j++) {
        sum[bin[j]] += q->wy[j];
        cnt[bin[j]] += q->w[j];
    }
    double W = q->W, total = q->SS - q->S * q->S / W, between = -q->S * q->S / W;
    size_t used = 0;
    for (size_t b = 0; b < nbins; b++)
        if (cnt[b] > 0.0) {
            between += sum[b] * sum[b] / cnt[b];
            used++;
        }
    if (!(total > TS_SENS_CONSTANT * q->SS) || W <= (double)used)
        return 0.0;
    double within = total - between;
    return (between - (double)(used - 1) * within / (W - (double)used)) / total;
}

/* e's percentile interval from column i of boot (B x k; scratch after it),
 * shifted by the bootstrap bias. A resample repeats points, which adds its
 * own noise to the bin means: the resamples centre about (M' - 1) / n above
 * the estimate. The bias is the mean of the resamples minus the estimate
 * (Efron & Tibshirani 1993, 10.2). */
static void shifted_interval(ts_estimate *e, double *boot, size_t B, size_t k, size_t i,
                             double level)
{
    double bias = 0.0;
    for (size_t b = 0; b < B; b++)
        bias += (boot[b * k + i] - e->value) / (double)B;
    ts_sens_percentile(e, boot, B, k, i, level, boot + B * k);
    e->lo -= bias;
    e->hi -= bias;
}

ts_status ts_given_first_order(const double *x, const double *y, size_t n, size_t k,
                               const ts_boot_options *opt, ts_estimate *s1, ts_error *err)
{
    const char *what = "first-order indices";
    if (n < 4 || k < 1)
        return ts_error_set(err, TS_EBAD, "%s: needs at least 4 points and 1 factor (got %zu "
                            "points, %zu factors)", what, n, k);
    ts_status status = ts_sens_check_boot(opt, what, err);
    if (status == TS_OK)
        status = ts_sens_check_finite(y, n, what, err);
    if (status == TS_OK)
        status = check_x(x, n, k, what, err);
    if (status != TS_OK)
        return status;
    size_t M = (size_t)ceil(sqrt((double)n)), B = opt->resamples;
    uint32_t *bin = malloc(n * k * sizeof *bin);
    size_t *nbins = malloc(k * sizeof *nbins), *order = malloc(n * sizeof *order);
    double *yc = malloc(n * sizeof *yc), *sum = malloc(2 * (M + 1) * sizeof *sum);
    weighted q = {.w = malloc(n * sizeof *q.w), .wy = malloc(n * sizeof *q.wy)};
    double *boot = malloc((B * k + B + 1) * sizeof *boot);
    gsl_rng *r = ts_design_rng(opt->seed);
    if (!bin || !nbins || !order || !yc || !sum || !q.w || !q.wy || !boot || !r) {
        status = ts_error_set(err, TS_EIO, "%s: out of memory", what);
        goto done;
    }
    double mean = 0.0, msq = 0.0, var = 0.0;
    for (size_t j = 0; j < n; j++)
        mean += y[j] / (double)n;
    for (size_t j = 0; j < n; j++) {
        yc[j] = y[j] - mean;
        msq += y[j] * y[j];
        var += yc[j] * yc[j];
    }
    for (size_t i = 0; i < k; i++)
        make_bins(x, n, k, i, M, bin + i * n, &nbins[i], order, q.w);
    /* The estimates (every weight 1), then the resamples. */
    for (size_t j = 0; j < n; j++)
        q.w[j] = 1.0;
    weigh(&q, yc, n);
    for (size_t i = 0; i < k; i++)
        s1[i].value = corr_ratio(&q, n, bin + i * n, nbins[i], sum, sum + M + 1);
    for (size_t b = 0; b < B; b++) {
        memset(q.w, 0, n * sizeof *q.w);
        for (size_t j = 0; j < n; j++)
            q.w[gsl_rng_uniform_int(r, (unsigned long)n)] += 1.0;
        weigh(&q, yc, n);
        for (size_t i = 0; i < k; i++)
            boot[b * k + i] = corr_ratio(&q, n, bin + i * n, nbins[i], sum, sum + M + 1);
    }
    for (size_t i = 0; i < k; i++) {
        if (!(var > TS_SENS_CONSTANT * msq) || nbins[i] < 2)
            ts_sens_undefined(&s1[i]);
        else
            shifted_interval(&s1[i], boot, B, k, i, opt->level);
    }
done:
    free(bin);
    free(nbins);
    free(order);
    free(yc);
    free(sum);
    free(q.w);
    free(q.wy);
    free(boot);
    gsl_rng_free(r);
    return status;
}

/* ---- PRCC ------------------------------------------------------------------ */

/* Average ranks (1..n; ties share their mean rank) of v (stride s) into rank,
 * centred on (n + 1) / 2, so exact half-integers. order and col are scratch. */
static void centred_ranks(const double *v, size_t s, size_t n, double *rank, size_t *order,
                          double *col)
{
    for (size_t j = 0; j < n; j++)
        col[j] = v[j * s];
    gsl_sort_index(order, col, 1, n);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && col[order[b]] == col[order[a]])
            b++;
        double avg = 0.5 * (double)(a + 1 + b) - 0.5 * (double)(n + 1);
        for (size_t c = a; c < b; c++)
            rank[order[c]] = avg;
        a = b;
    }
}

/* Below this share of its own variance, what is left of a variable after the
 * others are regressed out is collinearity, not signal. */
#define TS_PRCC_COLLINEAR 1e-10

/* Residual covariance of factor i and y (the last variable) given the other
 * factors, by eliminating them one at a time in a copy a of the (k+1)^2
 * covariance c (a Schur complement: the same as regressing on them by least
 * squares). A factor left with no variance of its own is skipped. *used
 * counts those eliminated; done is scratch of k + 1. */
static void eliminate_others(const double *c, size_t k, size_t i, double *a, bool *done,
                             size_t *used)
{
    size_t m = k + 1;
    memcpy(a, c, m * m * sizeof *a);
    memset(done, 0, m * sizeof *done);
    *used = 0;
    for (size_t p = 0; p < k; p++) {
        if (p == i || !(a[p * m + p] > TS_PRCC_COLLINEAR * c[p * m + p]))
            continue;
        done[p] = true;
        ++*used;
        for (size_t u = 0; u < m; u++) {
            if (done[u])
                continue;
            double f = a[u * m + p] / a[p * m + p];
            for (size_t v = 0; v < m; v++)
                if (!done[v])
                    a[u * m + v] -= f * a[p * m + v];
        }
    }
}

static void prcc_interval(ts_estimate *e, double rho, size_t n, size_t used, double level)
{
    *e = (ts_estimate){.value = rho, .lo = -1.0, .hi = 1.0};
    double dof = (double)n - 3.0 - (double)used;
    if (fabs(rho) >= 1.0) {
        e->lo = e->hi = rho;
    } else if (dof > 0.0) {
        double z = atanh(rho), half = gsl_cdf_ugaussian_Pinv(0.5 + 0.5 * level) / sqrt(dof);
        e->lo = tanh(z - half);
        e->hi = tanh(z + half);
    }
}

ts_status ts_prcc(const double *x, const double *y, size_t n, size_t k, double level,
                  ts_estimate *prcc, ts_error *err)
{
    const char *what = "prcc";
    if (n < 3 || k < 1)
        return ts_error_set(err, TS_EBAD, "%s: needs at least 3 points and 1 factor (got %zu "
                            "points, %zu factors)", what, n, k);
    if (!(level > 0.0 && level < 1.0))
        return ts_error_set(err, TS_EBAD, "%s: the interval level must lie in (0, 1)", what);
    ts_status status = ts_sens_check_finite(y, n, what, err);
    if (status == TS_OK)
        status = check_x(x, n, k, what, err);
    if (status != TS_OK)
        return status;
    size_t m = k + 1;
    double *rank = malloc(n * m * sizeof *rank), *col = malloc(n * sizeof *col);
    size_t *order = malloc(n * sizeof *order);
    double *c = calloc(m * m, sizeof *c), *a = malloc(m * m * sizeof *a);
    bool *done = malloc(m * sizeof *done);
    if (!rank || !col || !order || !c || !a || !done) {
        status = ts_error_set(err, TS_EIO, "%s: out of memory", what);
        goto done;
    }
    /* Ranks column by column (factor i at rank[i n..], y last). */
    for (size_t i = 0; i < k; i++)
        centred_ranks(x + i, k, n, rank + i * n, order, col);
    centred_ranks(y, 1, n, rank + k * n, order, col);
    for (size_t u = 0; u < m; u++)
        for (size_t v = u; v < m; v++) {
            double s = 0.0;
            for (size_t j = 0; j < n; j++)
                s += rank[u * n + j] * rank[v * n + j];
            c[u * m + v] = c[v * m + u] = s;
        }
    for (size_t i = 0; i < k; i++) {
        size_t used;
        eliminate_others(c, k, i, a, done, &used);
        double sii = a[i * m + i], syy = a[k * m + k], siy = a[i * m + k];
        if (!(sii > TS_PRCC_COLLINEAR * c[i * m + i]) || !(syy > TS_PRCC_COLLINEAR * c[k * m + k])) {
            ts_sens_undefined(&prcc[i]);
            continue;
        }
        /* sqrt of the product: exactly 1 when the two residuals are one vector. */
        double rho = siy / sqrt(sii * syy);
        prcc_interval(&prcc[i], fmax(-1.0, fmin(1.0, rho)), n, used, level);
    }
done:
    free(rank);
    free(col);
    free(order);
    free(c);
    free(a);
    free(done);
    return status;
}
