/* Experiments: designs over the uncertain parameters, points run through the
 * engine, points.csv and sensitivity.csv (experiment.h; docs/experiments.md). */
#include "tradesim/experiment.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tradesim/agreement.h"
#include "tradesim/csv.h"
#include "tradesim/csvread.h"
#include "tradesim/design.h"
#include "tradesim/engine.h"
#include "tradesim/output.h"
#include "tradesim/pool.h"
#include "tradesim/sensitivity.h"
#include "tradesim/uncertain.h"

const char *const ts_experiment_design_names[TS_EXP_COUNT] = {"grid", "lhs", "sobol", "morris"};

static const int default_n[TS_EXP_COUNT] = {3, 64, 64, 16};

/* Morris' grid levels (p) and the digits of points.partial.csv (exact). */
#define MORRIS_LEVELS 4
#define EXACT 17

/* ---- designs ---------------------------------------------------------------- */

/* A grid factor's values: a discrete factor's own; a bounded one's n levels
 * from end to end; an unbounded one's n quantiles at the middles of n
 * equal-probability strata. */
static int grid_levels(const ts_uncertain *u, int n, double *out)
{
    const ts_dist *d = &u->dist;
    if (d->kind == TS_DIST_DISCRETE) {
        for (int i = 0; i < d->n; i++)
            out[i] = d->values[i];
        return d->n;
    }
    double lo, hi;
    ts_dist_support(d, &lo, &hi);
    bool bounded = isfinite(lo) && isfinite(hi);
    for (int i = 0; i < n; i++) {
        double s = bounded ? (n > 1 ? (double)i / (n - 1) : 0.5) : (i + 0.5) / n;
        out[i] = ts_uncertain_value(u, ts_dist_quantile(d, s));
    }
    return n;
}

static ts_status grid_points(const ts_scenario *sc, int n, double **values, int *n_points,
                             ts_error *err)
{
    int k = sc->n_uncertain, count[TS_MAX_ISSUES * 4];
    double *lev[TS_MAX_ISSUES * 4] = {NULL};
    double total = 1.0;
    ts_status st = TS_OK;
    for (int j = 0; j < k && st == TS_OK; j++) {
        const ts_uncertain *u = &sc->uncertain[j];
        int m = u->dist.kind == TS_DIST_DISCRETE ? u->dist.n : n;
        lev[j] = malloc((size_t)m * sizeof **lev);
        if (!lev[j])
            st = ts_error_set(err, TS_EIO, "tradesim: out of memory for the design");
        else
            total *= count[j] = grid_levels(u, n, lev[j]);
    }
    if (st == TS_OK && total > 1e7)
        st = ts_error_set(err, TS_EBAD, "%s: a grid of %.0f points: at most 10000000 (use fewer "
                          "levels, or the lhs or sobol design)", sc->path, total);
    double *x = st == TS_OK ? malloc((size_t)total * (size_t)k * sizeof *x) : NULL;
    if (st == TS_OK && !x)
        st = ts_error_set(err, TS_EIO, "tradesim: out of memory for the design");
    if (st == TS_OK) {
        /* The first factor varies slowest, as nested loops in the file's order. */
        for (long p = 0; p < (long)total; p++) {
            long rest = p;
            for (int j = k - 1; j >= 0; j--) {
                x[(size_t)p * k + j] = lev[j][rest % count[j]];
                rest /= count[j];
            }
        }
        *values = x;
        *n_points = (int)total;
    }
    for (int j = 0; j < k; j++)
        free(lev[j]);
    return st;
}

/* The unit-cube design of the other kinds, from the scenario's seed. */
static ts_status cube_design(const ts_scenario *sc, const ts_experiment_opts *o, int n,
                             ts_design *d, ts_error *err)
{
    size_t k = (size_t)sc->n_uncertain;
    uint64_t seed = ts_splitmix64(sc->seed ^ UINT64_C(0x6578706572696d65));   /* "experime" */
    switch (o->design) {
    case TS_EXP_LHS:
        return ts_design_lhs((size_t)n, k, seed, d, err);
    case TS_EXP_SOBOL:
        return ts_design_saltelli((size_t)n, k, seed, d, err);
    default:
        return ts_design_morris((size_t)n, k, MORRIS_LEVELS, seed, d, err);
    }
}

ts_status ts_experiment_points(const ts_scenario *sc, const ts_experiment_opts *o,
                               double **values, int *n_points, ts_error *err)
{
    *values = NULL;
    *n_points = 0;
    if (sc->n_uncertain == 0)
        return ts_error_set(err, TS_EBAD, "%s: no uncertain parameters: an experiment's factors "
                            "are the scenario's `uncertain` list (docs/scenario-format.md)",
                            sc->path);
    if ((unsigned)o->design >= TS_EXP_COUNT)
        return ts_error_set(err, TS_EBAD, "unknown design");
    int n = o->n > 0 ? o->n : default_n[o->design];
    if (o->design == TS_EXP_GRID)
        return grid_points(sc, n, values, n_points, err);
    ts_design d = {0};
    ts_status st = cube_design(sc, o, n, &d, err);
    if (st != TS_OK)
        return st;
    size_t k = (size_t)sc->n_uncertain;
    double *x = malloc(d.n * k * sizeof *x + 1);
    if (!x) {
        ts_design_free(&d);
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for the design");
    }
    for (size_t j = 0; j < k; j++) {
        const ts_uncertain *u = &sc->uncertain[j];
        double lo, hi;
        ts_dist_support(&u->dist, &lo, &hi);
        /* Morris' grid holds 0 and 1: an unbounded factor takes the middles of
         * its p equal-probability strata instead, as a grid does. */
        bool mid = o->design == TS_EXP_MORRIS && !(isfinite(lo) && isfinite(hi));
        for (size_t p = 0; p < d.n; p++) {
            double s = d.u[p * k + j];
            if (mid)
                s = (s * (MORRIS_LEVELS - 1) + 0.5) / MORRIS_LEVELS;
            x[p * k + j] = ts_uncertain_value(u, ts_dist_quantile(&u->dist, s));
        }
    }
    *values = x;
    *n_points = (int)d.n;
    ts_design_free(&d);
    return TS_OK;
}

/* ---- the points --------------------------------------------------------------- */

typedef struct {
    const ts_scenario *sc;
    const ts_engine *e;
    const ts_experiment_opts *o;
    const double *x;          /* [P][k] */
    int P, k, M;              /* points, factors, metrics */
    long first, last;         /* the block run: points [first, last) */
    double *y;                /* [P][M] */
    atomic_char *done;        /* [P]: 1 when y's row is in */
    char *written;            /* [P]: in the partial file */
    FILE *partial;
    ts_status partial_st;
    int partial_errno;
    long ran;
} exp_ctx;

char (*ts_experiment_metrics(const ts_scenario *sc, int *m))[TS_OUTCOME_NAME]
{
    static const char *const first[] = {"deal_probability", "deals", "breaches", "failed_talks"};
    int n = ts_output_outcomes(sc, NULL, NULL, NULL);
    char (*names)[TS_OUTCOME_NAME] = malloc(((size_t)n + 4) * sizeof *names);
    if (!names)
        return NULL;
    for (int j = 0; j < 4; j++)
        snprintf(names[j], TS_OUTCOME_NAME, "%s", first[j]);
    ts_output_outcomes(sc, NULL, names + 4, NULL);
    *m = n + 4;
    return names;
}

static ts_status point_task(void *ctx, void *local, long p, ts_error *err)
{
    (void)local;
    exp_ctx *c = ctx;
    p += c->first;
    if (atomic_load(&c->done[p]))
        return TS_OK;   /* kept from points.partial.csv */
    ts_engine_opts eo = {.threads = 1, .cancel = c->o->cancel, .values = c->x + (size_t)p * c->k};
    ts_agreement_hook_opts(&eo, NULL);
    ts_run *run = NULL;
    ts_status st = ts_engine_run(c->e, &eo, &run, err);
    if (st != TS_OK)
        return st;
    double *y = c->y + (size_t)p * c->M;
    double s[4] = {0};
    for (int r = 0; r < run->R; r++) {
        s[0] += run->deal[r];
        s[1] += run->deals[r];
        s[2] += run->breaches[r];
        s[3] += run->failed_talks[r];
    }
    for (int j = 0; j < 4; j++)
        y[j] = s[j] / run->R;
    int m = ts_output_outcomes(c->sc, run, NULL, y + 4);
    ts_run_free(run);
    if (m < 0)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    atomic_store(&c->done[p], 1);
    return TS_OK;
}

/* Appends the finished points not yet in points.partial.csv, exactly
 * (%.17g), and syncs: a point survives any interruption once here. */
static void flush_partial(exp_ctx *c)
{
    if (!c->partial || c->partial_st != TS_OK)
        return;
    bool any = false;
    for (long p = c->first; p < c->last; p++) {
        if (c->written[p] || !atomic_load(&c->done[p]))
            continue;
        fprintf(c->partial, "%ld", p);
        for (int j = 0; j < c->M; j++)
            fprintf(c->partial, ",%.17g", c->y[(size_t)p * c->M + j]);
        fputc('\n', c->partial);
        c->written[p] = 1;
        c->ran++;
        any = true;
    }
    if (any && (fflush(c->partial) != 0 || fsync(fileno(c->partial)) != 0)) {
        c->partial_st = TS_EIO;
        c->partial_errno = errno;
    }
}

static void poll_points(void *ctx, long done, long total)
{
    exp_ctx *c = ctx;
    flush_partial(c);
    if (c->o->progress)
        c->o->progress(c->o->progress_ctx, done, total);
}

/* ---- files ------------------------------------------------------------------- */

static ts_status write_design(const char *path, const ts_scenario *sc, const double *x, int P,
                              ts_error *err)
{
    ts_csv *f = ts_csv_open(path, EXACT, err);
    if (!f)
        return TS_EIO;
    int k = sc->n_uncertain;
    ts_csv_str(f, "point");
    for (int j = 0; j < k; j++)
        ts_csv_str(f, sc->uncertain[j].name);
    ts_csv_end_row(f);
    for (int p = 0; p < P; p++) {
        ts_csv_int(f, p);
        for (int j = 0; j < k; j++)
            ts_csv_num(f, x[(size_t)p * k + j]);
        ts_csv_end_row(f);
    }
    return ts_csv_commit(f, err);
}

static ts_status write_points(const char *path, const exp_ctx *c,
                              const char (*names)[TS_OUTCOME_NAME], ts_error *err)
{
    ts_csv *f = ts_csv_open(path, c->sc->precision, err);
    if (!f)
        return TS_EIO;
    ts_csv_str(f, "point");
    for (int j = 0; j < c->k; j++)
        ts_csv_str(f, c->sc->uncertain[j].name);
    for (int j = 0; j < c->M; j++)
        ts_csv_str(f, names[j]);
    ts_csv_end_row(f);
    for (int p = 0; p < c->P; p++) {
        ts_csv_int(f, p);
        for (int j = 0; j < c->k; j++)
            ts_csv_num(f, c->x[(size_t)p * c->k + j]);
        for (int j = 0; j < c->M; j++)
            ts_csv_num(f, c->y[(size_t)p * c->M + j]);
        ts_csv_end_row(f);
    }
    return ts_csv_commit(f, err);
}

/* The headline outputs: each actor's total, the deal probability, each
 * lever's final level (means over replicates). */
static int headline(const ts_scenario *sc, const char (*names)[TS_OUTCOME_NAME], int M, int *out)
{
    char want[TS_MAX_ISSUES + 3][TS_OUTCOME_NAME];
    int n = 0;
    for (int a = 0; a < 2; a++)
        snprintf(want[n++], TS_OUTCOME_NAME, "%s_total", sc->actors[a].id);
    snprintf(want[n++], TS_OUTCOME_NAME, "deal_probability");
    for (int i = 0; i < sc->n_issues; i++)
        snprintf(want[n++], TS_OUTCOME_NAME, "%s_final", sc->issues[i].id);
    int m = 0;
    for (int w = 0; w < n; w++)
        for (int j = 0; j < M; j++)
            if (!strcmp(names[j], want[w])) {
                out[m++] = j;
                break;
            }
    return m;
}

void ts_experiment_put_estimate(ts_csv *f, const char *output, const char *param,
                                const char *method, const char *index, const ts_estimate *e)
{
    ts_csv_str(f, output);
    ts_csv_str(f, param);
    ts_csv_str(f, method);
    ts_csv_str(f, index);
    if (e->undefined) {
        ts_csv_empty(f);
        ts_csv_empty(f);
        ts_csv_empty(f);
    } else {
        ts_csv_num(f, e->value);
        ts_csv_num(f, e->lo);
        ts_csv_num(f, e->hi);
    }
    ts_csv_end_row(f);
}

void ts_experiment_put_header(ts_csv *f)
{
    static const char *const head[] = {"output", "parameter", "method", "index", "value",
                                       "lo95", "hi95"};
    for (int j = 0; j < 7; j++)
        ts_csv_str(f, head[j]);
    ts_csv_end_row(f);
}

ts_status ts_experiment_put_given(ts_csv *f, const char *output, const char *factor,
                                  size_t stride, const double *x, const double *y, size_t n,
                                  size_t k, const ts_boot_options *bo, ts_estimate *work,
                                  ts_error *err)
{
    ts_estimate *s1 = work, *pr = work + k;
    ts_status st = ts_given_first_order(x, y, n, k, bo, s1, err);
    if (st == TS_OK)
        st = ts_prcc(x, y, n, k, 0.95, pr, err);
    for (size_t j = 0; j < k && st == TS_OK; j++) {
        const char *name = factor + j * stride;
        ts_experiment_put_estimate(f, output, name, "given_data", "S1", &s1[j]);
        ts_experiment_put_estimate(f, output, name, "given_data", "PRCC", &pr[j]);
    }
    return st;
}

/* sensitivity.csv: Sobol S1 and ST, Morris mu_star, mu and sigma, or (grid,
 * lhs) the given-data first-order index and PRCC of the points. */
static ts_status write_sensitivity(const char *path, const exp_ctx *c,
                                   const char (*names)[TS_OUTCOME_NAME], const ts_design *d,
                                   ts_error *err)
{
    int outs[TS_MAX_ISSUES + 3];
    int n_out = headline(c->sc, names, c->M, outs);
    size_t k = (size_t)c->k, P = (size_t)c->P;
    double *y = malloc((P + 1) * sizeof *y);
    ts_estimate *a = calloc(3 * k + 1, sizeof *a);
    if (!y || !a) {
        free(y);
        free(a);
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for the sensitivity indices");
    }
    ts_estimate *b = a + k, *s = a + 2 * k;
    ts_csv *f = ts_csv_open(path, c->sc->precision, err);
    ts_status st = f ? TS_OK : TS_EIO;
    if (f)
        ts_experiment_put_header(f);
    ts_boot_options bo = ts_boot_defaults();
    bo.seed = ts_splitmix64(c->sc->seed ^ UINT64_C(0x626f6f74));   /* "boot" */
    for (int o = 0; o < n_out && st == TS_OK; o++) {
        const char *out = names[outs[o]];
        for (size_t p = 0; p < P; p++)
            y[p] = c->y[p * (size_t)c->M + (size_t)outs[o]];
        if (c->o->design == TS_EXP_SOBOL) {
            st = ts_sobol_indices(y, d->base, k, &bo, a, b, NULL, err);
            for (size_t j = 0; j < k && st == TS_OK; j++) {
                ts_experiment_put_estimate(f, out, c->sc->uncertain[j].name, "sobol", "S1", &a[j]);
                ts_experiment_put_estimate(f, out, c->sc->uncertain[j].name, "sobol", "ST", &b[j]);
            }
        } else if (c->o->design == TS_EXP_MORRIS) {
            st = ts_morris_indices(d, y, &bo, a, b, s, err);
            for (size_t j = 0; j < k && st == TS_OK; j++) {
                ts_experiment_put_estimate(f, out, c->sc->uncertain[j].name, "morris", "mu_star", &b[j]);
                ts_experiment_put_estimate(f, out, c->sc->uncertain[j].name, "morris", "mu", &a[j]);
                ts_experiment_put_estimate(f, out, c->sc->uncertain[j].name, "morris", "sigma", &s[j]);
            }
        } else {
            st = ts_experiment_put_given(f, out, c->sc->uncertain[0].name, sizeof c->sc->uncertain[0],
                                         c->x, y, P, k, &bo, a, err);
        }
    }
    free(y);
    free(a);
    if (st != TS_OK) {
        ts_csv_abort(f);
        return st;
    }
    return ts_csv_commit(f, err);
}

/* ---- resuming ---------------------------------------------------------------- */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *g = realloc(buf, cap = cap * 2 + 8192);
            if (!g) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = g;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Points of points.partial.csv whose rows are whole (a row cut short by a
 * kill is run again). */
static void load_partial(exp_ctx *c, const char *path)
{
    char *text = read_text(path);
    if (!text)
        return;
    char *line = text;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break;   /* cut short */
        *nl = '\0';
        char *p = line, *end;
        long pt = strtol(p, &end, 10);
        bool ok = end != p && pt >= c->first && pt < c->last;
        double *y = ok ? c->y + (size_t)pt * c->M : NULL;
        for (int j = 0; ok && j < c->M; j++) {
            if (*end != ',') {
                ok = false;
                break;
            }
            p = end + 1;
            y[j] = strtod(p, &end);
            ok = end != p;
        }
        if (ok && *end == '\0') {
            atomic_store(&c->done[pt], 1);
            c->written[pt] = 1;
        }
        line = nl + 1;
    }
    free(text);
}

/* The folder holds this experiment's scenario.cfg and design.csv. */
static bool same_experiment(const char *folder, const char *scenario_text, const char *design_tmp)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_SCENARIO);
    char *have = read_text(path);
    bool same = have && !strcmp(have, scenario_text);
    free(have);
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_DESIGN);
    have = read_text(path);
    char *want = read_text(design_tmp);
    same = same && have && want && !strcmp(have, want);
    free(have);
    free(want);
    return same;
}

/* ---- the run ------------------------------------------------------------------ */

/* The unit-cube design sobol's and morris' estimators need (empty for the
 * others). */
static ts_status estimator_design(const ts_scenario *sc, const ts_experiment_opts *o,
                                  ts_design *d, ts_error *err)
{
    if (o->design != TS_EXP_SOBOL && o->design != TS_EXP_MORRIS)
        return TS_OK;
    return cube_design(sc, o, o->n > 0 ? o->n : default_n[o->design], d, err);
}

ts_status ts_experiment_write_inputs(const ts_scenario *sc, const char *folder, const double *x,
                                     int P, ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_DESIGN);
    ts_status st = write_design(path, sc, x, P, err);
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_SCENARIO);
    return st == TS_OK ? ts_scenario_write(sc, path, err) : st;
}

ts_status ts_experiment_write_results(const ts_scenario *sc, const char *folder,
                                      const ts_experiment_opts *o, const double *x, int P,
                                      const double *y, ts_error *err)
{
    exp_ctx c = {.sc = sc, .o = o, .x = x, .P = P, .k = sc->n_uncertain, .y = (double *)y};
    char (*names)[TS_OUTCOME_NAME] = ts_experiment_metrics(sc, &c.M);
    if (!names)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    ts_design d = {0};
    ts_status st = estimator_design(sc, o, &d, err);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_POINTS);
    if (st == TS_OK)
        st = write_points(path, &c, (const char(*)[TS_OUTCOME_NAME])names, err);
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_SENSITIVITY);
    if (st == TS_OK)
        st = write_sensitivity(path, &c, (const char(*)[TS_OUTCOME_NAME])names, &d, err);
    ts_design_free(&d);
    free(names);
    return st;
}

/* A shard's values.csv: its block's rows, every metric exact. */
static ts_status write_values(const char *path, const exp_ctx *c,
                              const char (*names)[TS_OUTCOME_NAME], ts_error *err)
{
    ts_csv *f = ts_csv_open(path, EXACT, err);
    if (!f)
        return TS_EIO;
    ts_csv_str(f, "point");
    for (int j = 0; j < c->M; j++)
        ts_csv_str(f, names[j]);
    ts_csv_end_row(f);
    for (long p = c->first; p < c->last; p++) {
        ts_csv_int(f, p);
        for (int j = 0; j < c->M; j++)
            ts_csv_num(f, c->y[(size_t)p * c->M + j]);
        ts_csv_end_row(f);
    }
    return ts_csv_commit(f, err);
}

/* The block [o->first, o->last) of the design, clamped to its P points. */
static void block_of(const ts_experiment_opts *o, int P, long *first, long *last)
{
    *first = o->first < 0 ? 0 : o->first > P ? P : o->first;
    *last = o->last <= 0 || o->last > P ? P : o->last;
    if (*last < *first)
        *last = *first;
}

/* Runs c's block on the pool; the finished points go to the partial file
 * (when c->partial). */
static ts_status run_points(exp_ctx *c, ts_error *err)
{
    ts_pool_job job = {.threads = c->o->threads,
                       .n_tasks = c->last - c->first,
                       .ctx = c,
                       .task = point_task,
                       .cancel = c->o->cancel,
                       .name = c->sc->name,
                       .poll = poll_points};
    ts_status st = c->last > c->first ? ts_pool_run(&job, err) : TS_OK;
    flush_partial(c);
    return st;
}

ts_status ts_experiment_run_block(const ts_scenario *sc, const ts_experiment_opts *o,
                                  double *y, ts_error *err)
{
    double *x = NULL;
    int P = 0;
    ts_status st = ts_experiment_points(sc, o, &x, &P, err);
    if (st != TS_OK)
        return st;
    exp_ctx c = {.sc = sc, .o = o, .x = x, .P = P, .k = sc->n_uncertain, .y = y};
    block_of(o, P, &c.first, &c.last);
    char (*names)[TS_OUTCOME_NAME] = ts_experiment_metrics(sc, &c.M);
    c.e = ts_engine_alloc(sc, err);
    c.done = calloc((size_t)P + 1, sizeof *c.done);
    c.written = calloc((size_t)P + 1, 1);
    if (!c.e)
        st = err->code;
    else if (!names || !c.done || !c.written)
        st = ts_error_set(err, TS_EIO, "tradesim: out of memory for %d points", P);
    else
        st = run_points(&c, err);
    free(names);
    free(c.done);
    free(c.written);
    ts_engine_free((ts_engine *)c.e);
    free(x);
    return st;
}

ts_status ts_experiment_run(const ts_scenario *sc, const char *folder,
                            const ts_experiment_opts *o, long *done_out, ts_error *err)
{
    if (done_out)
        *done_out = 0;
    double *x = NULL;
    int P = 0;
    ts_status st = ts_experiment_points(sc, o, &x, &P, err);
    if (st != TS_OK)
        return st;
    ts_engine *e = ts_engine_alloc(sc, err);
    char *text = ts_scenario_to_string(sc);
    exp_ctx c = {.sc = sc, .e = e, .o = o, .x = x, .P = P, .k = sc->n_uncertain};
    block_of(o, P, &c.first, &c.last);
    char (*names)[TS_OUTCOME_NAME] = NULL;
    char path[4200], dtmp[4300] = "";
    if (!e || !text) {
        st = e ? ts_error_set(err, TS_EIO, "tradesim: out of memory") : err->code;
        goto done;
    }
    names = ts_experiment_metrics(sc, &c.M);
    c.y = calloc((size_t)P * (size_t)c.M + 1, sizeof *c.y);
    c.done = calloc((size_t)P + 1, sizeof *c.done);
    c.written = calloc((size_t)P + 1, 1);
    if (!names || !c.y || !c.done || !c.written) {
        st = ts_error_set(err, TS_EIO, "tradesim: out of memory for %d points", P);
        goto done;
    }
    /* The design is written beside its final name first: --resume compares. */
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_DESIGN);
    snprintf(dtmp, sizeof dtmp, "%s/.%s.new", folder, TS_EXP_DESIGN);
    if ((st = write_design(dtmp, sc, x, P, err)) != TS_OK)
        goto done;
    char ppath[4200];
    snprintf(ppath, sizeof ppath, "%s/%s", folder, TS_EXP_PARTIAL);
    if (o->resume && same_experiment(folder, text, dtmp)) {
        load_partial(&c, ppath);
    } else {
        unlink(ppath);
        static const char *const old[] = {TS_EXP_POINTS, TS_EXP_SENSITIVITY, TS_EXP_VALUES};
        for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", folder, old[i]);
            unlink(path);
        }
        snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_SCENARIO);
        if ((st = ts_scenario_write(sc, path, err)) != TS_OK)
            goto done;
    }
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_DESIGN);
    if (rename(dtmp, path) != 0) {
        st = ts_error_set(err, TS_EIO, "%s: cannot write: %s", path, strerror(errno));
        goto done;
    }
    c.partial = fopen(ppath, "a");
    if (!c.partial) {
        st = ts_error_set(err, TS_EIO, "%s: cannot write: %s", ppath, strerror(errno));
        goto done;
    }
    st = run_points(&c, err);
    if (fclose(c.partial) != 0 && c.partial_st == TS_OK) {
        c.partial_st = TS_EIO;
        c.partial_errno = errno;
    }
    c.partial = NULL;
    if (st == TS_OK && c.partial_st != TS_OK)
        st = ts_error_set(err, TS_EIO, "%s: cannot write: %s", ppath, strerror(c.partial_errno));
    if (st != TS_OK)
        goto done;
    if (o->progress)
        o->progress(o->progress_ctx, c.last - c.first, c.last - c.first);
    if (o->values_only) {
        snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_VALUES);
        st = write_values(path, &c, (const char(*)[TS_OUTCOME_NAME])names, err);
    } else {
        st = ts_experiment_write_results(sc, folder, o, x, P, c.y, err);
    }
    if (st == TS_OK)
        unlink(ppath);
done:
    if (c.partial)
        fclose(c.partial);
    if (done_out)
        *done_out = c.ran;
    if (dtmp[0])
        unlink(dtmp);
    free(names);
    free(c.y);
    free(c.done);
    free(c.written);
    free(text);
    free(x);
    ts_engine_free(e);
    return st;
}
