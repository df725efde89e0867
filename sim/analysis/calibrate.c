/* Calibration: the distance between simulated and observed paths, simulated
 * minimum distance by Nelder-Mead, ABC rejection (calibrate.h; docs/cli.md,
 * "calibrate"). The files are written by calibrate_out.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "calibrate_impl.h"
#include "tradesim/agreement.h"
#include "tradesim/design.h"
#include "tradesim/engine.h"
#include "tradesim/pool.h"
#include "tradesim/uncertain.h"

const char *const ts_cal_method_names[TS_CAL_COUNT] = {"smd", "smd_median", "abc",
                                                        "abc_smc"};

/* A distance standing for parameter values the scenario refuses. */
#define INFEASIBLE 1e300
/* Shares kept off the unit cube's faces (the quantile is infinite there). */
#define U_EDGE 1e-9

/* ---- one point: a run and its distances ----------------------------------- */

/* Observation i's value in replicate r. */
static double obs_value(const ts_run *run, const ts_cal_obs *o, int r)
{
    if (o->column < 0)
        return run->first_deal_step[r] < 0 ? run->T : run->first_deal_step[r];
    return run->traj[((size_t)r * run->T + (size_t)o->step) * run->C + (size_t)o->column];
}

static double term(const ts_cal_obs *o, double sim)
{
    double z = (sim - o->value) / o->sd;
    return z * z;
}

void ts_cal_distances(const ts_cal_target *t, const double *sim, double *in, double *out,
                      double *per_series_in, double *per_series_out)
{
    *in = *out = 0.0;
    for (int s = 0; per_series_in && s < t->n_series; s++)
        per_series_in[s] = per_series_out[s] = 0.0;
    for (int i = 0; i < t->n; i++) {
        const ts_cal_obs *o = &t->obs[i];
        double d = term(o, sim[i]);
        if (o->weight > 0) {
            *in += o->weight * d;
            if (per_series_in)
                per_series_in[o->series] += o->weight * d;
        } else {
            *out += d;
            if (per_series_out)
                per_series_out[o->series] += d;
        }
    }
}

ts_status ts_cal_eval(const cal_ctx *c, const double *values, int threads, double *sim,
                      double *drep, double *band, ts_error *err)
{
    ts_engine_opts eo = {.threads = threads, .cancel = c->o->cancel, .values = values};
    ts_agreement_hook_opts(&eo, NULL);
    ts_run *run = NULL;
    ts_error e2;
    ts_status st = ts_engine_run(c->e, &eo, &run, &e2);
    if (st == TS_EBAD) {   /* values the scenario refuses: an infeasible point */
        for (int i = 0; i < c->t->n; i++)
            sim[i] = INFEASIBLE;
        for (int r = 0; drep && r < c->R; r++)
            drep[r] = INFEASIBLE;
        return TS_OK;
    }
    if (st != TS_OK) {
        *err = e2;
        return st;
    }
    int R = run->R;
    double *col = malloc((size_t)R * sizeof *col);
    if (!col) {
        ts_run_free(run);
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    }
    for (int i = 0; i < c->t->n; i++) {
        const ts_cal_obs *o = &c->t->obs[i];
        double sum = 0.0;
        for (int r = 0; r < R; r++)
            sum += col[r] = obs_value(run, o, r);
        sim[i] = sum / R;
        if (c->median || band) {
            gsl_sort(col, 1, (size_t)R);
            if (c->median)
                sim[i] = gsl_stats_median_from_sorted_data(col, 1, (size_t)R);
            if (band) {
                band[2 * i] = gsl_stats_quantile_from_sorted_data(col, 1, (size_t)R, 0.025);
                band[2 * i + 1] = gsl_stats_quantile_from_sorted_data(col, 1, (size_t)R, 0.975);
            }
        }
    }
    for (int r = 0; drep && r < R; r++) {
        double d = 0.0;
        for (int i = 0; i < c->t->n; i++)
            if (c->t->obs[i].weight > 0)
                d += c->t->obs[i].weight * term(&c->t->obs[i], obs_value(run, &c->t->obs[i], r));
        drep[r] = d;
    }
    free(col);
    ts_run_free(run);
    return TS_OK;
}

/* u in (0,1)^k to the parameters' values. */
void ts_cal_values_of(const ts_scenario *sc, const double *u, double *x)
{
    for (int j = 0; j < sc->n_uncertain; j++) {
        const ts_uncertain *p = &sc->uncertain[j];
        double s = fmin(fmax(u[j], U_EDGE), 1.0 - U_EDGE);
        x[j] = ts_uncertain_value(p, ts_dist_quantile(&p->dist, s));
    }
}

/* ---- the Latin hypercube stage -------------------------------------------- */

static ts_status point_task(void *ctx, void *local, long p, ts_error *err)
{
    (void)local;
    cal_ctx *c = ctx;
    if (atomic_load(&c->done[p]))
        return TS_OK;   /* kept from the partial file */
    ts_status st = ts_cal_eval(c, c->x + (size_t)p * c->k, 1, c->psim + (size_t)p * c->t->n,
                               c->drep ? c->drep + (size_t)p * c->R : NULL, NULL, err);
    if (st == TS_OK)
        atomic_store(&c->done[p], 1);
    return st;
}

static void poll_points(void *ctx, long done, long total)
{
    cal_ctx *c = ctx;
    ts_cal_cache_flush_points(c);
    if (c->o->progress)
        c->o->progress(c->o->progress_ctx, "design", done, total);
}

static ts_status run_design(cal_ctx *c, const char *folder, ts_error *err)
{
    ts_design d = {0};
    uint64_t seed = ts_splitmix64(c->sc->seed ^ UINT64_C(0x63616c6962726174));   /* "calibrat" */
    ts_status st = ts_design_lhs((size_t)c->P, (size_t)c->k, seed, &d, err);
    if (st != TS_OK)
        return st;
    c->u = d.u;
    d.u = NULL;
    ts_design_free(&d);
    size_t P = (size_t)c->P;
    c->x = malloc(P * (size_t)c->k * sizeof *c->x);
    c->dist = malloc(P * sizeof *c->dist);
    c->psim = malloc(P * (size_t)c->t->n * sizeof *c->psim);
    c->done = calloc(P, sizeof *c->done);
    c->flushed = calloc(P, 1);
    if (!c->x || !c->dist || !c->psim || !c->done || !c->flushed)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for %d points", c->P);
    for (int p = 0; p < c->P; p++)
        ts_cal_values_of(c->sc, c->u + (size_t)p * c->k, c->x + (size_t)p * c->k);
    if ((st = ts_cal_cache_open(c, folder, c->o->resume, err)) != TS_OK)
        return st;
    int loaded = 0;
    for (int p = 0; p < c->P; p++)
        loaded += atomic_load(&c->done[p]);
    ts_pool_job job = {.threads = c->o->threads, .n_tasks = c->P, .ctx = c,
                       .task = point_task, .cancel = c->o->cancel, .name = c->sc->name,
                       .poll = poll_points};
    st = ts_pool_run(&job, err);
    ts_cal_cache_flush_points(c);
    for (int p = 0; p < c->P; p++) {
        double out;
        c->evals += atomic_load(&c->done[p]);
        ts_cal_distances(c->t, c->psim + (size_t)p * c->t->n, &c->dist[p], &out, NULL, NULL);
    }
    c->evals -= loaded;
    return st;
}

/* ---- simulated minimum distance: Nelder-Mead on logit(u) ------------------- */

typedef struct {
    cal_ctx *c;
    double *sim, *u, *x;
    ts_status st;
    ts_error *err;
} nm_ctx;

static double nm_f(const gsl_vector *z, void *params)
{
    nm_ctx *n = params;
    if (n->st != TS_OK)
        return INFEASIBLE;
    for (int j = 0; j < n->c->k; j++)
        n->u[j] = 1.0 / (1.0 + exp(-gsl_vector_get(z, (size_t)j)));
    ts_cal_values_of(n->c->sc, n->u, n->x);
    n->st = ts_cal_eval_cached(n->c, n->x, n->sim, n->err);
    double in = INFEASIBLE, out;
    if (n->st == TS_OK)
        ts_cal_distances(n->c->t, n->sim, &in, &out, NULL, NULL);
    return in;
}

static ts_status nelder_mead(cal_ctx *c, const double *u0, double *u_best, ts_error *err)
{
    int k = c->k, iters = c->o->max_iter > 0 ? c->o->max_iter : 200;
    nm_ctx n = {.c = c, .err = err, .st = TS_OK};
    n.sim = malloc((size_t)c->t->n * sizeof *n.sim + 1);
    n.u = malloc((size_t)k * sizeof *n.u);
    n.x = malloc((size_t)k * sizeof *n.x);
    gsl_vector *z = gsl_vector_alloc((size_t)k), *step = gsl_vector_alloc((size_t)k);
    gsl_multimin_fminimizer *m =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, (size_t)k);
    ts_status st = TS_OK;
    if (!n.sim || !n.u || !n.x || !z || !step || !m) {
        st = ts_error_set(err, TS_EIO, "tradesim: out of memory");
        goto done;
    }
    for (int j = 0; j < k; j++) {
        double u = fmin(fmax(u0[j], 1e-6), 1.0 - 1e-6);
        gsl_vector_set(z, (size_t)j, log(u / (1.0 - u)));
        /* A first simplex about 0.15 wide in u around the start. */
        gsl_vector_set(step, (size_t)j, fmax(0.6, 0.15 / (u * (1.0 - u))));
    }
    gsl_multimin_function f = {.f = nm_f, .n = (size_t)k, .params = &n};
    if (gsl_multimin_fminimizer_set(m, &f, z, step) != GSL_SUCCESS) {
        st = n.st != TS_OK ? n.st : ts_error_set(err, TS_EIO, "nelder-mead: cannot start");
        goto done;
    }
    for (int it = 0; it < iters && n.st == TS_OK; it++) {
        if (c->o->cancel && atomic_load(c->o->cancel))
            break;
        if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS)
            break;
        if (c->o->progress)
            c->o->progress(c->o->progress_ctx, "nelder-mead", it + 1, iters);
        /* Converged: the simplex within about 1e-4 of u around its centre. */
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 4e-4) == GSL_SUCCESS)
            break;
    }
    if (n.st != TS_OK) {
        st = n.st;
        goto done;
    }
    if (c->o->cancel && atomic_load(c->o->cancel)) {
        st = ts_error_set(err, TS_EIO, "%s: interrupted by signal %d", c->sc->name,
                          atomic_load(c->o->cancel));
        goto done;
    }
    const gsl_vector *zb = gsl_multimin_fminimizer_x(m);
    for (int j = 0; j < k; j++)
        u_best[j] = 1.0 / (1.0 + exp(-gsl_vector_get(zb, (size_t)j)));
done:
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(z);
    gsl_vector_free(step);
    free(n.sim);
    free(n.u);
    free(n.x);
    return st;
}

/* ---- ABC rejection ---------------------------------------------------------- */

typedef struct {
    double d;
    long id;   /* point * R + replicate */
} pair;

static int pair_cmp(const void *a, const void *b)
{
    const pair *p = a, *q = b;
    if (p->d != q->d)
        return p->d < q->d ? -1 : 1;
    return (p->id > q->id) - (p->id < q->id);
}

/* The accepted pairs, closest first, into c->acc (c->n_acc of them); the
 * estimate is each parameter's posterior median, the interval its 2.5% and
 * 97.5% quantiles. */
static ts_status abc_accept(cal_ctx *c, double *est, double *lo, double *hi, ts_error *err)
{
    long n = (long)c->P * c->R;
    double share = c->o->accept > 0 ? c->o->accept : 0.05;
    long m = (long)ceil(share * (double)n);
    m = m < 1 ? 1 : m > n ? n : m;
    pair *all = malloc((size_t)n * sizeof *all);
    double *col = malloc((size_t)m * sizeof *col);
    c->acc = malloc((size_t)m * sizeof *c->acc);
    c->acc_d = malloc((size_t)m * sizeof *c->acc_d);
    if (!all || !col || !c->acc || !c->acc_d) {
        free(all);
        free(col);
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for %ld histories", n);
    }
    for (long i = 0; i < n; i++)
        all[i] = (pair){.d = c->drep[i], .id = i};
    qsort(all, (size_t)n, sizeof *all, pair_cmp);
    c->n_acc = m;
    for (long i = 0; i < m; i++) {
        c->acc[i] = all[i].id;
        c->acc_d[i] = all[i].d;
    }
    for (int j = 0; j < c->k; j++) {
        for (long i = 0; i < m; i++)
            col[i] = c->x[(size_t)(c->acc[i] / c->R) * c->k + (size_t)j];
        gsl_sort(col, 1, (size_t)m);
        est[j] = ts_uncertain_value(&c->sc->uncertain[j],
                                    gsl_stats_median_from_sorted_data(col, 1, (size_t)m));
        lo[j] = gsl_stats_quantile_from_sorted_data(col, 1, (size_t)m, 0.025);
        hi[j] = gsl_stats_quantile_from_sorted_data(col, 1, (size_t)m, 0.975);
    }
    c->accept_d = all[m - 1].d;
    free(all);
    free(col);
    return TS_OK;
}

/* ---- the whole calibration -------------------------------------------------- */

ts_status ts_calibrate(const ts_scenario *sc, const ts_cal_target *t, const char *folder,
                       const ts_cal_opts *o, ts_cal_result *res, ts_error *err)
{
    *res = (ts_cal_result){0};
    if (sc->n_uncertain == 0)
        return ts_error_set(err, TS_EBAD, "%s: no uncertain parameters: the parameters to fit "
                            "and their priors are the scenario's `uncertain` list "
                            "(docs/scenario-format.md)", sc->path);
    if ((unsigned)o->method >= TS_CAL_COUNT)
        return ts_error_set(err, TS_EBAD, "unknown calibration method");
    bool abc = o->method == TS_CAL_ABC || o->method == TS_CAL_ABC_SMC;
    cal_ctx c = {.sc = sc, .t = t, .o = o, .k = sc->n_uncertain, .R = sc->replicates,
                 .median = o->method == TS_CAL_SMD_MEDIAN,
                 .P = o->n > 0 ? o->n : abc ? 256 : 32};
    size_t k = (size_t)c.k;
    double *est = calloc(4 * k, sizeof *est), *lo = est + k, *hi = est + 2 * k,
           *u_best = est + 3 * k;
    ts_status st = TS_OK;
    c.e = ts_engine_alloc(sc, err);
    if (!c.e || !est) {
        st = c.e ? ts_error_set(err, TS_EIO, "tradesim: out of memory") : err->code;
        goto done;
    }
    if (abc) {
        c.drep = malloc((size_t)c.P * (size_t)c.R * sizeof *c.drep);
        if (!c.drep) {
            st = ts_error_set(err, TS_EIO, "tradesim: out of memory for %d x %d histories",
                              c.P, c.R);
            goto done;
        }
    }
    if ((st = run_design(&c, folder, err)) != TS_OK)
        goto done;
    if (o->method == TS_CAL_ABC_SMC) {
        st = ts_cal_abc_smc(&c, est, lo, hi, err);
    } else if (abc) {
        st = abc_accept(&c, est, lo, hi, err);
    } else {
        int best = 0;
        for (int p = 1; p < c.P; p++)
            if (c.dist[p] < c.dist[best])
                best = p;
        if (!(c.dist[best] < INFEASIBLE)) {
            st = ts_error_set(err, TS_EBAD, "%s: every point of the design breaks a rule of the "
                              "scenario: narrow the priors", sc->path);
            goto done;
        }
        st = nelder_mead(&c, c.u + (size_t)best * k, u_best, err);
        if (st == TS_OK) {
            ts_cal_values_of(sc, u_best, est);
            st = ts_cal_interval(&c, est, lo, hi, err);
        }
    }
    if (st == TS_OK)
        st = ts_cal_write(&c, folder, est, lo, hi, res, err);
    res->evaluations = c.evals;
done:
    if (c.cache_path[0]) {
        ts_error e2;
        ts_status cs = ts_cal_cache_close(&c, st == TS_OK, &e2);
        if (st == TS_OK && cs != TS_OK) {
            *err = e2;
            st = cs;
        }
    }
    free(est);
    free(c.u);
    free(c.x);
    free(c.dist);
    free(c.psim);
    free(c.done);
    free(c.flushed);
    free(c.drep);
    free(c.acc);
    free(c.acc_d);
    free(c.smc_x);
    free(c.smc_w);
    free(c.smc_share);
    ts_engine_free(c.e);
    return st;
}
