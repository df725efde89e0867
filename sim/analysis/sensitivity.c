/* Sensitivity indices (sensitivity.h): Sobol (Saltelli 2010 first order,
 * Jansen 1999 total), Morris statistics, the binned correlation ratio and
 * PRCC, each with its interval.
 *
 * Every bootstrap draws its resamples from one generator seeded by the
 * options' seed, resample after resample, each resample's indices before its
 * statistics are computed, so results depend on the seed only. Outputs are
 * centred before products are summed: the estimators are then invariant to a
 * shift of y and do not lose digits to a large mean. */
#include "tradesim/sensitivity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>

#include "tradesim/stats.h"
#include "sensitivity_impl.h"

ts_boot_options ts_boot_defaults(void)
{
    return (ts_boot_options){.resamples = 1000, .level = 0.95, .seed = 0};
}

ts_status ts_sens_check_finite(const double *y, size_t n, const char *what, ts_error *err)
{
    for (size_t j = 0; j < n; j++)
        if (!isfinite(y[j]))
            return ts_error_set(err, TS_EBAD, "%s: output %zu is not a finite number", what, j);
    return TS_OK;
}

ts_status ts_sens_check_boot(const ts_boot_options *opt, const char *what, ts_error *err)
{
    if (!opt || !(opt->level > 0.0 && opt->level < 1.0))
        return ts_error_set(err, TS_EBAD, "%s: the interval level must lie in (0, 1)", what);
    return TS_OK;
}

void ts_sens_undefined(ts_estimate *e)
{
    if (e)
        *e = (ts_estimate){.value = 0.0, .lo = 0.0, .hi = 0.0, .undefined = true};
}

/* Percentile interval of e->value from the b-th column of boot (stride k,
 * B rows); scratch holds B. With no resamples the interval is the value. */
void ts_sens_percentile(ts_estimate *e, const double *boot, size_t B, size_t k, size_t col,
                       double level, double *scratch)
{
    if (!e)
        return;
    e->undefined = false;
    if (B == 0) {
        e->lo = e->hi = e->value;
        return;
    }
    for (size_t b = 0; b < B; b++)
        scratch[b] = boot[b * k + col];
    double probs[2] = {0.5 - 0.5 * level, 0.5 + 0.5 * level}, q[2];
    ts_stats_quantiles(scratch, B, probs, 2, q);
    e->lo = q[0];
    e->hi = q[1];
}

/* Resample indices 0..n-1 with replacement into idx. */
void ts_sens_resample(gsl_rng *r, size_t n, size_t *idx)
{
    for (size_t j = 0; j < n; j++)
        idx[j] = (size_t)gsl_rng_uniform_int(r, (unsigned long)n);
}

/* ---- Sobol ---------------------------------------------------------------- */

/* S1 and ST (k each) from the base rows idx[0..N-1] (identity when NULL).
 * False when V is zero at this resolution (indices 0). */
static bool sobol_once(const double *y, size_t N, size_t k, const size_t *idx, double *s1,
                       double *st)
{
    size_t w = k + 2;
    double mean = 0.0, msq = 0.0;
    for (size_t j = 0; j < N; j++) {
        size_t row = idx ? idx[j] : j;
        mean += y[row * w] + y[row * w + k + 1];
    }
    mean /= (double)(2 * N);
    double var = 0.0;
    for (size_t j = 0; j < N; j++) {
        size_t row = idx ? idx[j] : j;
        double a = y[row * w] - mean, b = y[row * w + k + 1] - mean;
        var += a * a + b * b;
        msq += y[row * w] * y[row * w] + y[row * w + k + 1] * y[row * w + k + 1];
    }
    var /= (double)(2 * N);
    msq /= (double)(2 * N);
    for (size_t i = 0; i < k; i++)
        s1[i] = st[i] = 0.0;
    if (!(var > TS_SENS_CONSTANT * msq))
        return false;
    for (size_t j = 0; j < N; j++) {
        const double *r = y + (idx ? idx[j] : j) * w;
        double fa = r[0] - mean, fb = r[k + 1] - mean;
        for (size_t i = 0; i < k; i++) {
            double fab = r[1 + i] - mean;
            s1[i] += fb * (fab - fa);
            st[i] += (fa - fab) * (fa - fab);
        }
    }
    for (size_t i = 0; i < k; i++) {
        s1[i] /= (double)N * var;
        st[i] /= 2.0 * (double)N * var;
    }
    return true;
}

ts_status ts_sobol_indices(const double *y, size_t n_base, size_t k, const ts_boot_options *opt,
                           ts_estimate *s1, ts_estimate *st, bool *constant, ts_error *err)
{
    const char *what = "sobol indices";
    if (n_base < 2 || k < 1)
        return ts_error_set(err, TS_EBAD, "%s: needs a base of at least 2 rows and 1 factor "
                            "(got %zu rows, %zu factors)", what, n_base, k);
    ts_status status = ts_sens_check_boot(opt, what, err);
    if (status == TS_OK)
        status = ts_sens_check_finite(y, n_base * (k + 2), what, err);
    if (status != TS_OK)
        return status;
    size_t B = opt->resamples;
    double *v1 = malloc(k * sizeof *v1), *vt = malloc(k * sizeof *vt);
    double *boot = malloc((2 * B * k + B + 1) * sizeof *boot);
    size_t *idx = malloc(n_base * sizeof *idx);
    gsl_rng *r = ts_design_rng(opt->seed);
    if (!v1 || !vt || !boot || !idx || !r) {
        status = ts_error_set(err, TS_EIO, "%s: out of memory", what);
        goto done;
    }
    bool varies = sobol_once(y, n_base, k, NULL, v1, vt);
    if (constant)
        *constant = !varies;
    if (!varies) {
        for (size_t i = 0; i < k; i++) {
            ts_sens_undefined(&s1[i]);
            ts_sens_undefined(&st[i]);
        }
        goto done;
    }
    double *b1 = boot, *bt = boot + B * k, *scratch = boot + 2 * B * k;
    for (size_t b = 0; b < B; b++) {
        ts_sens_resample(r, n_base, idx);
        sobol_once(y, n_base, k, idx, b1 + b * k, bt + b * k);
    }
    for (size_t i = 0; i < k; i++) {
        s1[i].value = v1[i];
        st[i].value = vt[i];
        ts_sens_percentile(&s1[i], b1, B, k, i, opt->level, scratch);
        ts_sens_percentile(&st[i], bt, B, k, i, opt->level, scratch);
    }
done:
    free(v1);
    free(vt);
    free(boot);
    free(idx);
    gsl_rng_free(r);
    return status;
}

/* ---- Morris ---------------------------------------------------------------- */

/* mu, mu_star, sigma (k each) over the trajectories idx[0..R-1] (identity
 * when NULL) of the effects ee (R x k). */
static void morris_once(const double *ee, size_t R, size_t k, const size_t *idx, double *mu,
                        double *mu_star, double *sigma)
{
    for (size_t i = 0; i < k; i++) {
        double s = 0.0, sa = 0.0;
        for (size_t t = 0; t < R; t++) {
            double e = ee[(idx ? idx[t] : t) * k + i];
            s += e;
            sa += fabs(e);
        }
        double m = s / (double)R, ss = 0.0;
        for (size_t t = 0; t < R; t++) {
            double e = ee[(idx ? idx[t] : t) * k + i] - m;
            ss += e * e;
        }
        mu[i] = m;
        mu_star[i] = sa / (double)R;
        sigma[i] = R > 1 ? sqrt(ss / (double)(R - 1)) : 0.0;
    }
}

/* The elementary effects (r x k) of d's trajectories; TS_EBAD when d is not a
 * Morris design whose every trajectory moves each factor once. */
static ts_status morris_effects(const ts_design *d, const double *y, double *ee, ts_error *err)
{
    size_t k = d->k, w = k + 1;
    for (size_t t = 0; t < d->base; t++) {
        for (size_t i = 0; i < k; i++)
            ee[t * k + i] = NAN;
        for (size_t s = 1; s < w; s++) {
            size_t row = t * w + s;
            int i = d->moved[row];
            if (i < 0 || (size_t)i >= k || d->step[row] == 0.0 || !isnan(ee[t * k + (size_t)i]))
                return ts_error_set(err, TS_EBAD, "morris indices: trajectory %zu does not move "
                                    "each factor once", t);
            ee[t * k + (size_t)i] = (y[row] - y[row - 1]) / d->step[row];
        }
    }
    return TS_OK;
}

ts_status ts_morris_indices(const ts_design *d, const double *y, const ts_boot_options *opt,
                            ts_estimate *mu, ts_estimate *mu_star, ts_estimate *sigma,
                            ts_error *err)
{
    const char *what = "morris indices";
    if (!d || d->kind != TS_DESIGN_MORRIS || !d->moved || !d->step || d->base < 1 ||
        d->n != d->base * (d->k + 1))
        return ts_error_set(err, TS_EBAD, "%s: the design is not a Morris design", what);
    ts_status status = ts_sens_check_boot(opt, what, err);
    if (status == TS_OK)
        status = ts_sens_check_finite(y, d->n, what, err);
    if (status != TS_OK)
        return status;
    size_t R = d->base, k = d->k, B = opt->resamples;
    double *ee = malloc(R * k * sizeof *ee);
    double *val = malloc(3 * k * sizeof *val);
    double *boot = malloc((3 * B * k + B + 1) * sizeof *boot);
    size_t *idx = malloc(R * sizeof *idx);
    gsl_rng *r = ts_design_rng(opt->seed);
    if (!ee || !val || !boot || !idx || !r) {
        status = ts_error_set(err, TS_EIO, "%s: out of memory", what);
        goto done;
    }
    status = morris_effects(d, y, ee, err);
    if (status != TS_OK)
        goto done;
    morris_once(ee, R, k, NULL, val, val + k, val + 2 * k);
    double *bm = boot, *bs = boot + B * k, *bg = boot + 2 * B * k, *scratch = boot + 3 * B * k;
    for (size_t b = 0; b < B; b++) {
        ts_sens_resample(r, R, idx);
        morris_once(ee, R, k, idx, bm + b * k, bs + b * k, bg + b * k);
    }
    for (size_t i = 0; i < k; i++) {
        ts_estimate *out[3] = {mu ? &mu[i] : NULL, mu_star ? &mu_star[i] : NULL,
                               sigma ? &sigma[i] : NULL};
        const double *src[3] = {bm, bs, bg};
        for (int m = 0; m < 3; m++) {
            if (!out[m])
                continue;
            out[m]->value = val[(size_t)m * k + i];
            ts_sens_percentile(out[m], src[m], B, k, i, opt->level, scratch);
        }
    }
done:
    free(ee);
    free(val);
    free(boot);
    free(idx);
    gsl_rng_free(r);
    return status;
}
