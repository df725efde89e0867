/* ABC-SMC (Toni, Welch, Strelkowa, Ipsen & Stumpf 2009) with the adaptive
 * kernel of Beaumont, Cornuet, Marin & Robert (2009), on the priors'
 * quantile scale (calibrate.h; docs/cli.md, "calibrate").
 *
 * On the quantile scale u = F(theta) every prior is uniform on (0,1)^k, so
 * a particle's weight is 1 / sum_j w_j K(u | u_j) and needs no prior
 * density; discrete priors need no special case. Each particle runs the
 * scenario's R replicates, each one history; a particle's acceptance is the
 * share of its histories within epsilon (an unbiased estimate of the ABC
 * likelihood, so the population targets the same posterior as one history
 * per particle; Del Moral, Doucet & Jasra 2012). Generation 0 is the Latin
 * hypercube of the design stage. Each later generation's epsilon is the
 * median of the distances within the last epsilon; proposals come in
 * batches of N from a generator seeded by (seed, generation, batch) and are
 * taken in index order, so the population does not depend on -j. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "calibrate_impl.h"
#include "tradesim/design.h"
#include "tradesim/pool.h"
#include "tradesim/uncertain.h"

#define GENERATIONS 5
#define MAX_BATCHES 20

typedef struct {
    cal_ctx *c;
    const double *x;   /* [B][k] values */
    double *sim;       /* [B][n] */
    double *drep;      /* [B][R] */
} batch_ctx;

static ts_status batch_task(void *ctx, void *local, long p, ts_error *err)
{
    (void)local;
    batch_ctx *b = ctx;
    cal_ctx *c = b->c;
    return ts_cal_eval(c, b->x + (size_t)p * c->k, 1, b->sim + (size_t)p * c->t->n,
                       b->drep + (size_t)p * c->R, NULL, err);
}

static double share_within(const double *d, int R, double eps)
{
    int in = 0;
    for (int r = 0; r < R; r++)
        in += d[r] <= eps;
    return (double)in / R;
}

/* The median of the population's distances within eps. */
static double next_eps(const double *d, int n, int R, double eps)
{
    size_t m = 0;
    double *v = malloc(((size_t)n * R + 1) * sizeof *v);
    if (!v)
        return eps;
    for (long i = 0; i < (long)n * R; i++)
        if (d[i] <= eps)
            v[m++] = d[i];
    double e = eps;
    if (m > 0) {
        gsl_sort(v, 1, m);
        e = gsl_stats_median_from_sorted_data(v, 1, m);
    }
    free(v);
    return e;
}

typedef struct {
    double v, w;
} wpair;

static int wpair_cmp(const void *a, const void *b)
{
    double x = ((const wpair *)a)->v, y = ((const wpair *)b)->v;
    return (x > y) - (x < y);
}

/* The q-quantile of values weighted by w: the first value whose cumulative
 * weight reaches q. */
static double wquantile(wpair *p, int n, double q)
{
    double cum = 0.0;
    for (int i = 0; i < n; i++) {
        cum += p[i].w;
        if (cum >= q - 1e-12)
            return p[i].v;
    }
    return p[n - 1].v;
}

ts_status ts_cal_abc_smc(cal_ctx *c, double *est, double *lo, double *hi, ts_error *err)
{
    int N = c->P, k = c->k, R = c->R, n = c->t->n;
    size_t Nk = (size_t)N * k, NR = (size_t)N * R;
    double *u = malloc(Nk * sizeof *u), *w = malloc((size_t)N * sizeof *w);
    double *d = malloc(NR * sizeof *d), *nu = malloc(Nk * sizeof *nu);
    double *nw = malloc((size_t)N * sizeof *nw), *nd = malloc(NR * sizeof *nd);
    double *pu = malloc(Nk * sizeof *pu), *px = malloc(Nk * sizeof *px);
    double *psim = malloc((size_t)N * n * sizeof *psim), *pd = malloc(NR * sizeof *pd);
    double *sd = malloc((size_t)k * sizeof *sd);
    wpair *wp = malloc((size_t)N * sizeof *wp);
    ts_status st = TS_OK;
    if (!u || !w || !d || !nu || !nw || !nd || !pu || !px || !psim || !pd || !sd || !wp) {
        st = ts_error_set(err, TS_EIO, "tradesim: out of memory for %d particles", N);
        goto done;
    }
    /* Generation 0: the design, weights its shares within the median. */
    double eps = next_eps(c->drep, N, R, INFINITY);
    int np = 0;
    for (int p = 0; p < N; p++) {
        double s = share_within(c->drep + (size_t)p * R, R, eps);
        if (s <= 0)
            continue;
        memcpy(u + (size_t)np * k, c->u + (size_t)p * k, (size_t)k * sizeof *u);
        memcpy(d + (size_t)np * R, c->drep + (size_t)p * R, (size_t)R * sizeof *d);
        w[np++] = s;
    }
    for (int g = 1; g <= GENERATIONS && np > 0; g++) {
        double sum = 0.0;
        for (int i = 0; i < np; i++)
            sum += w[i];
        if (!(sum > 0.0))
            break;
        for (int j = 0; j < k; j++) {
            double m = 0.0, v = 0.0;
            for (int i = 0; i < np; i++)
                m += w[i] / sum * u[(size_t)i * k + j];
            for (int i = 0; i < np; i++)
                v += w[i] / sum * pow(u[(size_t)i * k + j] - m, 2);
            sd[j] = fmax(sqrt(2.0 * v), 1e-4);
        }
        double ge = next_eps(d, np, R, eps);
        gsl_ran_discrete_t *pick = gsl_ran_discrete_preproc((size_t)np, w);
        if (!pick) {
            st = ts_error_set(err, TS_EIO, "tradesim: out of memory");
            goto done;
        }
        int got = 0;
        for (int b = 0; b < MAX_BATCHES && got < N && st == TS_OK; b++) {
            gsl_rng *rng = ts_design_rng(c->sc->seed ^ ts_splitmix64(UINT64_C(0x736d63) +
                                                                   (uint64_t)g * 1000 + b));
            if (!rng) {
                st = ts_error_set(err, TS_EIO, "tradesim: out of memory");
                break;
            }
            for (int p = 0; p < N; p++) {
                const double *from = u + gsl_ran_discrete(rng, pick) * (size_t)k;
                double *to = pu + (size_t)p * k;
                for (int j = 0; j < k; j++) {
                    double x = -1.0;
                    for (int tries = 0; tries < 100 && !(x > 0.0 && x < 1.0); tries++)
                        x = from[j] + gsl_ran_gaussian_ziggurat(rng, sd[j]);
                    to[j] = x > 0.0 && x < 1.0 ? x : from[j];
                }
                ts_cal_values_of(c->sc, to, px + (size_t)p * k);
            }
            gsl_rng_free(rng);
            batch_ctx bc = {.c = c, .x = px, .sim = psim, .drep = pd};
            ts_pool_job job = {.threads = c->o->threads, .n_tasks = N, .ctx = &bc,
                               .task = batch_task, .cancel = c->o->cancel, .name = c->sc->name};
            if ((st = ts_pool_run(&job, err)) != TS_OK)
                break;
            c->evals += N;
            for (int p = 0; p < N && got < N; p++) {
                double s = share_within(pd + (size_t)p * R, R, ge);
                if (s <= 0)
                    continue;
                double den = 0.0;
                for (int i = 0; i < np; i++) {
                    double kern = w[i] / sum;
                    for (int j = 0; j < k; j++)
                        kern *= gsl_ran_gaussian_pdf(pu[(size_t)p * k + j] -
                                                     u[(size_t)i * k + j], sd[j]);
                    den += kern;
                }
                memcpy(nu + (size_t)got * k, pu + (size_t)p * k, (size_t)k * sizeof *nu);
                memcpy(nd + (size_t)got * R, pd + (size_t)p * R, (size_t)R * sizeof *nd);
                nw[got++] = den > 0 ? s / den : 0.0;
            }
            if (c->o->progress)
                c->o->progress(c->o->progress_ctx, "abc-smc generation", g, GENERATIONS);
        }
        gsl_ran_discrete_free(pick);
        if (st != TS_OK)
            goto done;
        if (got == 0)
            break;   /* no proposal within the new epsilon: keep the last population */
        double *t;
        t = u, u = nu, nu = t;
        t = w, w = nw, nw = t;
        t = d, d = nd, nd = t;
        np = got;
        eps = ge;
    }
    /* The final population: posterior.csv's rows and the weighted quantiles. */
    double sum = 0.0;
    for (int i = 0; i < np; i++)
        sum += w[i];
    c->smc_n = np;
    c->smc_eps = eps;
    c->smc_x = malloc(((size_t)np * k + 1) * sizeof *c->smc_x);
    c->smc_w = malloc(((size_t)np + 1) * sizeof *c->smc_w);
    c->smc_share = malloc(((size_t)np + 1) * sizeof *c->smc_share);
    if (!c->smc_x || !c->smc_w || !c->smc_share) {
        st = ts_error_set(err, TS_EIO, "tradesim: out of memory");
        goto done;
    }
    for (int i = 0; i < np; i++) {
        ts_cal_values_of(c->sc, u + (size_t)i * k, c->smc_x + (size_t)i * k);
        c->smc_w[i] = w[i] / sum;
        c->smc_share[i] = share_within(d + (size_t)i * R, R, eps);
    }
    for (int j = 0; j < k; j++) {
        for (int i = 0; i < np; i++)
            wp[i] = (wpair){.v = c->smc_x[(size_t)i * k + j], .w = c->smc_w[i]};
        qsort(wp, (size_t)np, sizeof *wp, wpair_cmp);
        est[j] = ts_uncertain_value(&c->sc->uncertain[j], wquantile(wp, np, 0.5));
        lo[j] = wquantile(wp, np, 0.025);
        hi[j] = wquantile(wp, np, 0.975);
    }
done:
    free(u);
    free(w);
    free(d);
    free(nu);
    free(nw);
    free(nd);
    free(pu);
    free(px);
    free(psim);
    free(pd);
    free(sd);
    free(wp);
    return st;
}
