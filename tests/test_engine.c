/* Tests of the engine (engine.h) and the output files (output.h): seeding,
 * identical results whatever the thread count, replicate independence,
 * events (set, add, param, random with once) and their fixed draw sequence,
 * the talks hook and held levers, the memory limit, the files written, the
 * per-issue parts of the totals and the status quo against a hand-written
 * loop. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "tradesim/engine.h"
#include "tradesim/output.h"
#include "tradesim/scenario.h"

static const char *const noisy =
    "name = \"noisy\";\n"
    "calendar = { start = \"2025-01-06\"; end = \"2025-06-30\"; step = \"week\"; };\n"
    "monte_carlo = { replicates = 23; seed = 42L; };\n"
    "output = { trajectories = 2; };\n"
    "actors = ( { id = \"us\"; noise = 0.05; strategy = { kind = \"tit_for_tat\"; }; },\n"
    "  { id = \"cn\"; noise = 0.02; strategy = { kind = \"best_response\"; speed = 0.5; }; } );\n"
    "issues = ( { id = \"t_us\"; kind = \"tariff\"; owner = \"us\"; max = 2.0; initial = 0.2;\n"
    "             max_step = 0.2; imports_bn = 439.0; },\n"
    "  { id = \"t_cn\"; kind = \"tariff\"; owner = \"cn\"; max = 2.0; initial = 0.1; max_step = 0.2;\n"
    "    imports_bn = 144.0; },\n"
    "  { id = \"pl\"; kind = \"pledge\"; owner = \"cn\"; initial = 0.5; max_step = 0.1;\n"
    "    verification_noise = 0.2; benefit_bn = 5.0; cost_bn = 0.5; } );\n"
    "events = ( { probability = 0.1; label = \"shock\"; add = { t_us = 0.3; }; } );\n";

static ts_scenario *parse(const char *text, const char *over)
{
    ts_error err;
    const char *ov[1] = {over};
    ts_scenario *sc = ts_scenario_parse(text, "test.cfg", ov, over ? 1 : 0, &err);
    if (!sc)
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(sc);
    return sc;
}

static ts_run *run_with(const ts_engine *e, int threads)
{
    ts_engine_opts o = {.threads = threads};
    ts_run *run = NULL;
    ts_error err;
    assert_int_equal(ts_engine_run(e, &o, &run, &err), TS_OK);
    return run;
}

static void test_seeds(void **state)
{
    (void)state;
    /* splitmix64's first output from state 0 (Steele, Lea & Flood 2014). */
    assert_true(ts_splitmix64(0) == 0xe220a8397b1dcdafULL);
    assert_true(ts_engine_replicate_seed(7, 3) == ts_splitmix64(7 ^ ts_splitmix64(4)));
    assert_true(ts_engine_replicate_seed(7, 3) != ts_engine_replicate_seed(7, 4));
}

static void assert_runs_equal(const ts_run *a, const ts_run *b, int R)
{
    size_t tc = (size_t)a->T * a->C;
    assert_memory_equal(a->seed, b->seed, (size_t)R * sizeof *a->seed);
    assert_memory_equal(a->traj, b->traj, (size_t)R * tc * sizeof(double));
    assert_memory_equal(a->total, b->total, (size_t)R * 2 * sizeof(double));
    assert_memory_equal(a->final, b->final, (size_t)R * a->n_issues * sizeof(double));
    assert_memory_equal(a->status_quo, b->status_quo, (size_t)R * 2 * sizeof(double));
    assert_int_equal(a->n_contrib, b->n_contrib);
    assert_memory_equal(a->contrib, b->contrib, (size_t)R * 2 * a->n_contrib * sizeof(double));
    for (int k = 0; k < R; k++) {
        assert_int_equal(a->log[k].n, b->log[k].n);
        for (int i = 0; i < a->log[k].n; i++)
            assert_int_equal(a->log[k].rows[i].step, b->log[k].rows[i].step);
    }
}

/* Progress reports rise and reach the total exactly once, last: a progress
 * line ends there, so a second report of the total would print it twice. */
typedef struct {
    long calls, at_total, last_done, last_total;
    bool rising;
} progress_log;

static void record_progress(void *ctx, long done, long total)
{
    progress_log *p = ctx;
    p->rising = p->rising && done >= p->last_done && done <= total;
    p->calls++;
    p->at_total += done == total;
    p->last_done = done;
    p->last_total = total;
}

static void test_progress_reports(void **state)
{
    (void)state;
    ts_scenario *sc = parse(noisy, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    for (int threads = 1; threads <= 2; threads++) {
        progress_log p = {.rising = true};
        ts_engine_opts o = {.threads = threads, .progress = record_progress, .progress_ctx = &p};
        ts_run *run = NULL;
        assert_int_equal(ts_engine_run(e, &o, &run, NULL), TS_OK);
        assert_true(p.rising);
        assert_true(p.calls >= 1);
        assert_int_equal(p.at_total, 1);
        assert_int_equal(p.last_done, sc->replicates);
        assert_int_equal(p.last_total, sc->replicates);
        ts_run_free(run);
    }
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* The caller's side tasks: each run once, in the first job that asks, with
 * the replicates' results unchanged and progress counting replicates only; a
 * failing one fails the run with its message. */
typedef struct {
    atomic_int calls[7];
    long fail_at;   /* -1: none */
} side_log;

static ts_status count_side(void *ctx, long i, ts_error *err)
{
    side_log *l = ctx;
    atomic_fetch_add(&l->calls[i], 1);
    if (i == l->fail_at)
        return ts_error_set(err, TS_EIO, "side task %ld failed", i);
    return TS_OK;
}

static void test_side_tasks(void **state)
{
    (void)state;
    ts_scenario *sc = parse(noisy, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_run *plain = run_with(e, 1);
    for (int threads = 1; threads <= 3; threads++) {
        side_log l = {.fail_at = -1};
        ts_engine_side side = {.n_tasks = 7, .ctx = &l, .task = count_side};
        atomic_init(&side.taken, false);
        progress_log p = {.rising = true};
        ts_engine_opts o = {.threads = threads, .side = &side, .progress = record_progress,
                            .progress_ctx = &p};
        ts_run *run = NULL;
        assert_int_equal(ts_engine_run(e, &o, &run, NULL), TS_OK);
        assert_true(atomic_load(&side.taken));
        for (int i = 0; i < 7; i++)
            assert_int_equal(atomic_load(&l.calls[i]), 1);
        assert_runs_equal(plain, run, sc->replicates);
        assert_true(p.rising);
        assert_int_equal(p.last_done, sc->replicates);
        assert_int_equal(p.last_total, sc->replicates);
        /* taken: a second job runs none of them */
        ts_run *block = ts_run_alloc(e, 5);
        assert_non_null(block);
        assert_int_equal(ts_engine_run_block(e, &o, block, 3, 5, NULL), TS_OK);
        for (int i = 0; i < 7; i++)
            assert_int_equal(atomic_load(&l.calls[i]), 1);
        ts_run_free(block);
        ts_run_free(run);
        /* a failing one */
        side_log bad = {.fail_at = 4};
        ts_engine_side fails = {.n_tasks = 7, .ctx = &bad, .task = count_side};
        atomic_init(&fails.taken, false);
        ts_engine_opts fo = {.threads = threads, .side = &fails};
        ts_error err;
        run = NULL;
        assert_int_equal(ts_engine_run(e, &fo, &run, &err), TS_EIO);
        assert_null(run);
        assert_string_equal(err.msg, "side task 4 failed");
    }
    ts_run_free(plain);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* A replicate stepped by hand: each lever's running sum of its level after
 * every step, divided by T, is the run's mean to the bit (the engine sums the
 * level columns of the stored rows), and the last level its final. */
static void test_means_of_levels(void **state)
{
    (void)state;
    ts_scenario *sc = parse(noisy, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_run *run = run_with(e, 2);
    ts_replicate *r = ts_replicate_alloc(e);
    int n = sc->n_issues, T = run->T;
    for (int k = 0; k < sc->replicates; k += 5) {
        ts_replicate_reset(e, r, k);
        double sum[TS_MAX_ISSUES] = {0.0};
        for (int t = 0; t < T; t++) {
            assert_int_equal(ts_replicate_step(e, r, NULL, NULL, NULL, NULL), TS_OK);
            for (int i = 0; i < n; i++)
                sum[i] += r->w.st[i].x;
        }
        for (int i = 0; i < n; i++) {
            double mean = sum[i] / T;
            assert_memory_equal(&run->mean[(size_t)k * n + i], &mean, sizeof mean);
            assert_memory_equal(&run->final[(size_t)k * n + i], &r->w.st[i].x, sizeof mean);
        }
    }
    ts_replicate_free(r);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

static void test_threads_and_independence(void **state)
{
    (void)state;
    ts_scenario *sc = parse(noisy, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_run *one = run_with(e, 1), *three = run_with(e, 3);
    assert_runs_equal(one, three, sc->replicates);
    /* No options: the defaults (one thread per core, no talks hook). */
    ts_run *plain = NULL;
    assert_int_equal(ts_engine_run(e, NULL, &plain, NULL), TS_OK);
    assert_runs_equal(one, plain, sc->replicates);
    ts_run_free(plain);
    /* Replicates differ from one another (the seeds mix). */
    assert_true(one->total[0] != one->total[2]);
    ts_run_free(three);
    /* Replicate k does not depend on how many replicates there are. */
    ts_scenario *more = parse(noisy, "monte_carlo.replicates=40");
    ts_engine *e2 = ts_engine_alloc(more, NULL);
    ts_run *big = run_with(e2, 2);
    assert_runs_equal(one, big, sc->replicates);
    ts_run_free(big);
    ts_run_free(one);
    ts_engine_free(e2);
    ts_engine_free(e);
    ts_scenario_free(more);
    ts_scenario_free(sc);
}

static const char *const evented =
    "name = \"ev\";\n"
    "calendar = { step = \"abstract\"; steps = 10; };\n"
    "monte_carlo = { replicates = 1; seed = 3L; };\n"
    "actors = ( { id = \"a\"; strategy = { kind = \"hold\"; }; }, { id = \"b\"; } );\n"
    "issues = ( { id = \"x\"; kind = \"custom\"; owner = \"a\"; min = 0; max = 1; initial = 0.5;\n"
    "             payoff = { a = { linear = 1.0; }; }; },\n"
    "  { id = \"c\"; kind = \"chip_licence\"; owner = \"b\"; initial = 0.0; } );\n"
    "events = ( { step = 2; set = { x = 0.9; }; label = \"up\"; },\n"
    "  { step = 4; add = { x = 0.3; }; label = \"more\"; },\n"
    "  { step = 5; param = { x = { max_step = 0.5; }; a = { discount = 0.1; }; }; label = \"p\"; },\n"
    "  { probability = 1.0; once = true; label = \"once\"; add = { x = -0.5; }; },\n"
    "  { probability = 0.0; label = \"never\"; set = { x = 0.0; }; } );\n";

static void test_events(void **state)
{
    (void)state;
    ts_scenario *sc = parse(evented, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_replicate *r = ts_replicate_alloc(e);
    ts_replicate_reset(e, r, 0);
    double x[10];
    for (int t = 0; t < 10; t++) {
        assert_int_equal(ts_replicate_step(e, r, NULL, NULL, NULL, NULL), TS_OK);
        x[t] = r->w.st[0].x;
    }
    /* Step 0: the random `once` event fires (p = 1): 0.5 - 0.5 = 0. */
    assert_float_equal(x[0], 0.0, 1e-15);
    assert_float_equal(x[1], 0.0, 1e-15);   /* once: not again */
    assert_float_equal(x[2], 0.9, 1e-15);
    assert_float_equal(x[4], 1.0, 0.0);     /* add clamps to max */
    assert_float_equal(r->w.issue[0].max_step, 0.5, 0.0);
    assert_float_equal(sc->issues[0].max_step, 1.0, 0.0);   /* the scenario is untouched */
    assert_float_equal(r->w.factor[0], 1.0 / 1.1, 1e-15);
    assert_int_equal(r->log.n, 4);
    int steps[4] = {0, 2, 4, 5};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r->log.rows[i].step, steps[i]);
        assert_int_equal(r->log.rows[i].type, TS_LOG_EVENT);
    }
    /* One uniform per random event per step, whether it fires or not, and no
     * other draw (no noise): 2 x 10 draws. */
    gsl_rng *ref = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(ref, (unsigned long)ts_engine_replicate_seed(3, 0));
    for (int k = 0; k < 20; k++)
        gsl_rng_uniform(ref);
    assert_true(gsl_rng_get(ref) == gsl_rng_get(r->rng));
    gsl_rng_free(ref);
    ts_replicate_free(r);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* A long replicate notices a signal between steps (every 1024 steps), not
 * only between replicates: the hook raises the flag at step 100. */
static ts_status raise_hook(void *ctx, const ts_engine *e, ts_replicate *r, ts_error *err)
{
    (void)e;
    (void)err;
    if (r->w.step == 100)
        atomic_store((atomic_int *)ctx, 15);
    return TS_OK;
}

static void test_cancel_mid_replicate(void **state)
{
    (void)state;
    ts_scenario *sc = parse(evented, "calendar.steps=5000");
    ts_engine *e = ts_engine_alloc(sc, NULL);
    atomic_int flag;
    atomic_init(&flag, 0);
    ts_engine_opts o = {.threads = 1, .talks = raise_hook, .talks_ctx = &flag, .cancel = &flag};
    ts_run *run = NULL;
    ts_error err;
    assert_int_equal(ts_engine_run(e, &o, &run, &err), TS_EIO);
    assert_null(run);
    assert_string_equal(err.msg, "ev: interrupted by signal 15");
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* A generator name GSL does not know (the loader refuses it first; the
 * engine checks again for scenarios built in code). */
static void test_unknown_generator(void **state)
{
    (void)state;
    ts_scenario *sc = parse(evented, NULL);
    char keep[sizeof sc->rng];
    memcpy(keep, sc->rng, sizeof keep);
    snprintf(sc->rng, sizeof sc->rng, "nope");
    ts_error err;
    assert_null(ts_engine_alloc(sc, &err));
    assert_int_equal(err.code, TS_EBAD);
    assert_string_equal(err.msg, "test.cfg: monte_carlo.rng: 'nope' is not a GSL generator");
    memcpy(sc->rng, keep, sizeof keep);
    ts_engine *e = ts_engine_alloc(sc, &err);
    assert_non_null(e);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* A param event on pressure_weight mid-run: the owner's pressure index (in
 * trajectories.csv's <actor>_pressure) follows from the next step on. Lever y
 * runs from 1 to 3, so its pressure at 2.5 is 0.75. */
static const char *const reweighted =
    "name = \"rw\";\n"
    "calendar = { step = \"abstract\"; steps = 6; };\n"
    "monte_carlo = { replicates = 1; seed = 3L; };\n"
    "actors = ( { id = \"a\"; strategy = { kind = \"hold\"; }; },\n"
    "  { id = \"b\"; strategy = { kind = \"hold\"; }; } );\n"
    "issues = ( { id = \"x\"; kind = \"custom\"; owner = \"a\"; min = 0; max = 1; initial = 0.2; },\n"
    "  { id = \"y\"; kind = \"custom\"; owner = \"a\"; min = 1; max = 3; initial = 2.5; } );\n"
    "events = ( { step = 3; param = { y = { pressure_weight = 3.0; }; }; label = \"w\"; } );\n";

static void test_pressure_weight_event(void **state)
{
    (void)state;
    ts_scenario *sc = parse(reweighted, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_replicate *r = ts_replicate_alloc(e);
    ts_replicate_reset(e, r, 0);
    assert_float_equal(r->w.pressure[0], (0.2 + 0.75) / 2, 1e-15);
    for (int t = 0; t < 6; t++) {
        assert_int_equal(ts_replicate_step(e, r, NULL, NULL, NULL, NULL), TS_OK);
        double want = t < 3 ? (0.2 + 0.75) / 2 : (0.2 + 3 * 0.75) / 4;
        assert_float_equal(r->w.pressure[0], want, 1e-15);
        assert_float_equal(r->w.seen_p[0], want, 1e-15);
        assert_float_equal(r->w.pressure[1], 0.0, 0.0);
    }
    assert_float_equal(sc->issues[1].pressure_weight, 1.0, 0.0);
    /* the next replicate starts from the scenario's weights */
    ts_replicate_reset(e, r, 1);
    assert_float_equal(r->w.pressure[0], (0.2 + 0.75) / 2, 1e-15);
    ts_replicate_free(r);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* A talks phase that holds lever 0 at 0.3 from step 2 on. */
static ts_status hold_hook(void *ctx, const ts_engine *e, ts_replicate *r, ts_error *err)
{
    (void)e;
    (void)err;
    int *calls = ctx;
    (*calls)++;
    if (r->w.step == 2) {
        ts_world_set_level(&r->w, 0, 0.3);
        r->w.held[0] = true;
        r->agreement = 1;
        r->deal = 1;
        r->first_deal_step = 2;
        return ts_log_add(&r->log, 2, TS_LOG_AGREEMENT, "deal", "x=0.3");
    }
    return TS_OK;
}

static void test_talks_hook_and_held(void **state)
{
    (void)state;
    ts_scenario *sc = parse(evented, "actors.[0].strategy.kind=\"always_escalate\"");
    int n_events = sc->n_events;
    sc->n_events = 0;   /* only the hook moves things here */
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_replicate *r = ts_replicate_alloc(e);
    ts_replicate_reset(e, r, 0);
    int calls = 0;
    for (int t = 0; t < 10; t++) {
        assert_int_equal(ts_replicate_step(e, r, hold_hook, &calls, NULL, NULL), TS_OK);
        if (t < 2)
            assert_float_equal(r->w.st[0].x, 1.0, 0.0);   /* max_step 1: escalated at once */
        else
            assert_float_equal(r->w.st[0].x, 0.3, 0.0);   /* held: strategy leaves it */
    }
    assert_int_equal(calls, 10);
    assert_int_equal(r->log.n, 1);
    assert_string_equal(r->log.rows[0].detail, "x=0.3");
    ts_replicate_free(r);
    ts_engine_free(e);
    sc->n_events = n_events;
    ts_scenario_free(sc);
}

static void test_memory_limit(void **state)
{
    (void)state;
    ts_scenario *sc = parse(noisy, "monte_carlo.replicates=100000000");
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_run *run = NULL;
    ts_error err;
    assert_int_equal(ts_engine_run(e, NULL, &run, &err), TS_EIO);
    assert_null(run);
    assert_non_null(strstr(err.msg, "bytes"));
    ts_engine_free(e);
    ts_scenario_free(sc);
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_output_files(void **state)
{
    (void)state;
    ts_scenario *sc = parse(noisy, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_run *run = run_with(e, 2);
    char dir[64];
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "engine_out"));
    ts_error err;
    assert_int_equal(ts_output_write(e, run, dir, 2, &err), TS_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/noisy/summary.csv", dir);
    char *s = ts_test_read_file(path, NULL);
    assert_non_null(s);
    assert_true(starts_with(s, "replicate,seed,deal,first_deal_step,first_deal_date,deals,breaches,"
                           "failed_talks,t_us_final,t_us_mean,t_cn_final,t_cn_mean,pl_final,"
                           "pl_mean,us_total,cn_total,joint_total,us_vs_status_quo,"
                           "cn_vs_status_quo,joint_vs_status_quo,us_t_us_total,us_t_cn_total,"
                           "us_pl_total,cn_t_us_total,cn_t_cn_total,cn_pl_total\n0,"));
    assert_non_null(strstr(s, "\n1,"));
    assert_non_null(strstr(s, ",0,,,0,0,0,"));   /* no deal: empty step and date */
    free(s);
    snprintf(path, sizeof path, "%s/noisy/trajectories.csv", dir);
    s = ts_test_read_file(path, NULL);
    assert_true(starts_with(s, "replicate,step,date,t_us,t_cn,pl,us_pressure,us_trust,us_payoff,"
                           "us_total,cn_pressure,cn_trust,cn_payoff,cn_total,agreement\n"
                           "0,0,2025-01-06,"));
    free(s);
    snprintf(path, sizeof path, "%s/noisy/aggregate.csv", dir);
    s = ts_test_read_file(path, NULL);
    assert_true(starts_with(s, "step,date,t_us_mean,t_us_p05,t_us_p50,t_us_p95,t_cn_mean"));
    free(s);
    snprintf(path, sizeof path, "%s/noisy/log.csv", dir);
    s = ts_test_read_file(path, NULL);
    assert_true(starts_with(s, "replicate,step,date,type,label,detail\n"));
    assert_non_null(strstr(s, ",event,shock,t_us+=0.3\n"));
    free(s);
    snprintf(path, sizeof path, "%s/noisy/scenario.cfg", dir);
    s = ts_test_read_file(path, NULL);
    assert_non_null(s);
    free(s);

    /* Writing where a folder cannot be made fails with TS_EIO, naming it. */
    snprintf(path, sizeof path, "%s/noisy/summary.csv", dir);
    assert_int_equal(ts_output_write(e, run, path, 1, &err), TS_EIO);
    assert_non_null(strstr(err.msg, "summary.csv"));
    /* The files already there are still the complete earlier ones. */
    s = ts_test_read_file(path, NULL);
    assert_true(starts_with(s, "replicate,seed,"));
    free(s);
    ts_test_remove_tree(dir);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);
}


/* Each actor's per-issue parts (interactions last) add up to its total, to
 * 1e-9 of the parts' magnitudes (a few hundred additions round at ~1e-15). */
static void assert_parts_sum(const ts_run *run)
{
    int nc = run->n_contrib;
    for (int k = 0; k < run->R; k++)
        for (int a = 0; a < 2; a++) {
            const double *c = run->contrib + ((size_t)k * 2 + (size_t)a) * (size_t)nc;
            double sum = 0.0, mag = 0.0;
            for (int i = 0; i < nc; i++) {
                sum += c[i];
                mag += fabs(c[i]);
            }
            assert_true(mag > 0.0);
            assert_float_equal(sum, run->total[2 * (size_t)k + a], 1e-9 * mag);
        }
}

static const char *const kinds =
    "name = \"kinds\";\n"
    "calendar = { start = \"2025-01-06\"; end = \"2026-06-29\"; step = \"week\"; };\n"
    "monte_carlo = { replicates = 7; seed = 9L; };\n"
    "actors = ( { id = \"us\"; discount = 0.03; noise = 0.02;\n"
    "             strategy = { kind = \"tit_for_tat\"; }; },\n"
    "  { id = \"cn\"; discount = 0.05; strategy = { kind = \"always_escalate\"; }; } );\n"
    "issues = ( { id = \"t\"; kind = \"tariff\"; owner = \"us\"; max = 2.0; initial = 0.2;\n"
    "             max_step = 0.1; imports_bn = 439.0; },\n"
    "  { id = \"chip\"; kind = \"chip_licence\"; owner = \"us\"; initial = 0.5; max_step = 0.1;\n"
    "    sales_bn = 15.0; strategic_value_bn = 20.0; erosion = 0.5; recovery = 0.2;\n"
    "    access_value_bn = 30.0; market_share = 0.9; },\n"
    "  { id = \"re\"; kind = \"export_control\"; owner = \"cn\"; initial = 0.3; max_step = 0.1;\n"
    "    exports_bn = 1.5; disruption_bn = 60.0; convexity = 1.5; diversification = 0.3; },\n"
    "  { id = \"pl\"; kind = \"pledge\"; owner = \"cn\"; initial = 0.5; max_step = 0.1;\n"
    "    verification_noise = 0.1; cost_bn = 0.5; benefit_bn = 5.0; },\n"
    "  { id = \"soy\"; kind = \"custom\"; owner = \"cn\"; max = 25.0; initial = 12.5;\n"
    "    payoff = { us = { linear = 0.4; }; cn = { constant = -1.0; quadratic = -0.01; }; }; } );\n"
    "interactions = ( { actor = \"us\"; issues = [\"t\", \"soy\"]; coef = -0.5; },\n"
    "  { actor = \"cn\"; issues = [\"re\", \"pl\"]; coef = 2.0; } );\n"
    "events = ( { probability = 0.05; label = \"shock\"; add = { t = 0.3; }; } );\n";

static void test_parts_sum_to_totals(void **state)
{
    (void)state;
    ts_scenario *sc = parse(noisy, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_run *run = run_with(e, 2);
    assert_int_equal(run->n_contrib, 3);   /* no interactions: no column for them */
    assert_parts_sum(run);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);

    sc = parse(kinds, NULL);
    e = ts_engine_alloc(sc, NULL);
    run = run_with(e, 2);
    assert_int_equal(run->n_contrib, 6);   /* five issues and the interactions */
    assert_parts_sum(run);
    for (int k = 0; k < run->R; k++)
        for (int a = 0; a < 2; a++)
            assert_true(run->contrib[((size_t)k * 2 + (size_t)a) * 6 + 5] != 0.0);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* The status quo: an export control (its D evolving with the level held) and
 * a custom lever that both sides move, a scheduled event changing D (a shock),
 * diversification and cn's discount, a scheduled level (ignored by the status
 * quo) and a random event, once, changing reputation_bn and us's discount:
 * each replicate's status quo replays the replicate's own firing of it. */
static const char *const sq_text =
    "name = \"sq\";\n"
    "calendar = { start = \"2025-01-06\"; end = \"2025-12-29\"; step = \"week\"; };\n"
    "monte_carlo = { replicates = 8; seed = 5L; };\n"
    "actors = ( { id = \"us\"; discount = 0.05; strategy = { kind = \"always_escalate\"; }; },\n"
    "  { id = \"cn\"; discount = 0.02; noise = 0.01; strategy = { kind = \"always_concede\"; }; } );\n"
    "issues = ( { id = \"re\"; kind = \"export_control\"; owner = \"cn\"; initial = 0.4;\n"
    "             max_step = 0.05; exports_bn = 2.0; disruption_bn = 50.0; convexity = 1.5;\n"
    "             dependence = 0.9; diversification = 0.4; drift = 0.05; reputation_bn = 0.5; },\n"
    "  { id = \"soy\"; kind = \"custom\"; owner = \"us\"; max = 10.0; initial = 3.0; max_step = 0.5;\n"
    "    payoff = { us = { linear = 0.3; quadratic = -0.02; }; cn = { constant = 1.0;\n"
    "    linear = -0.1; }; }; } );\n"
    "events = ( { step = 10; param = { re = { dependence = 0.7; diversification = 0.1; };\n"
    "             cn = { discount = 0.1; }; }; label = \"shock\"; },\n"
    "  { step = 20; set = { re = 1.0; }; label = \"ban\"; },\n"
    "  { probability = 0.03; once = true; label = \"rand\";\n"
    "    param = { re = { reputation_bn = 2.0; }; us = { discount = 0.2; }; }; } );\n";

/* sq_text's status quo written out: levels 0.4 and 3 throughout; fired: the
 * step at which the random event fired, -1 when it did not. */
static void hand_status_quo(const ts_scenario *sc, int fired, double out[2])
{
    const double h = sc->calendar.step_years, q = 0.4, c = 3.0, g = 1.5;
    double D = 0.9, div = 0.4, rep = 0.5;
    double f_us = pow(1.05, -h), f_cn = pow(1.02, -h), w_us = 1.0, w_cn = 1.0;
    double tot_us = 0.0, tot_cn = 0.0;
    for (int t = 0; t < sc->calendar.steps; t++) {
        if (t == 10) {
            D = 0.7;
            div = 0.1;
            f_cn = pow(1.1, -h);
        }
        if (t == fired) {
            rep = 2.0;
            f_us = pow(1.2, -h);
        }
        double u_cn = -2.0 * q * D - rep * q + 1.0 - 0.1 * c;
        double u_us = -50.0 * pow(q * D, g) + 0.3 * c - 0.02 * c * c;
        tot_us += w_us * u_us * h;
        tot_cn += w_cn * u_cn * h;
        w_us *= f_us;
        w_cn *= f_cn;
        D *= exp(-(div * q + 0.05) * h);
    }
    out[0] = tot_us;
    out[1] = tot_cn;
}

static void test_status_quo(void **state)
{
    (void)state;
    ts_scenario *sc = parse(sq_text, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    assert_true(ts_engine_status_quo_per_replicate(e));
    ts_run *run = run_with(e, 1), *two = run_with(e, 2);
    assert_runs_equal(run, two, sc->replicates);
    int rand_event = sc->n_events - 1, n_fired = 0;
    assert_string_equal(sc->events[rand_event].label, "rand");
    for (int k = 0; k < run->R; k++) {
        int fired = -1;
        for (int i = 0; i < run->log[k].n; i++)
            if (run->log[k].rows[i].type == TS_LOG_EVENT && run->log[k].rows[i].event == rand_event)
                fired = run->log[k].rows[i].step;
        n_fired += fired >= 0;
        double want[2];
        hand_status_quo(sc, fired, want);
        for (int a = 0; a < 2; a++)
            assert_float_equal(run->status_quo[2 * k + a], want[a], 1e-12 * fabs(want[a]));
        /* The levers moved: the run is not its status quo. */
        assert_true(fabs(run->total[2 * k] - run->status_quo[2 * k]) > 1e-3);
    }
    /* Both paths: replicates where the random event fired and where it did not. */
    assert_true(n_fired > 0 && n_fired < run->R);
    assert_parts_sum(run);
    ts_run_free(two);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);

    /* A random event that only moves levels: one status quo for every replicate. */
    sc = parse(noisy, NULL);
    e = ts_engine_alloc(sc, NULL);
    assert_false(ts_engine_status_quo_per_replicate(e));  /* its random event sets a level */
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* Both actors hold and no lever moves: each replicate is its own status quo,
 * to the bit. */
static void test_status_quo_of_hold(void **state)
{
    (void)state;
    ts_error err;
    const char *ov[2] = {"actors.[0].strategy.kind=\"hold\"", "actors.[1].strategy.kind=\"hold\""};
    ts_scenario *sc = ts_scenario_parse(kinds, "test.cfg", ov, 2, &err);
    if (!sc)
        fprintf(stderr, "%s\n", err.msg);
    assert_non_null(sc);
    sc->n_events = 0;
    ts_engine *e = ts_engine_alloc(sc, NULL);
    assert_false(ts_engine_status_quo_per_replicate(e));
    ts_run *run = run_with(e, 2);
    for (int k = 0; k < 2 * run->R; k++)
        assert_true(run->total[k] == run->status_quo[k]);
    assert_true(run->total[0] != 0.0);
    ts_run_free(run);
    ts_engine_free(e);
    sc->n_events = 1;
    ts_scenario_free(sc);

    /* The same with parameter events, scheduled and random (the level event
     * sets the level it has): the replicates in which the random one fired
     * have their own status quo, again the run's totals to the bit. */
    const char *ov2[4] = {"actors.[0].strategy.kind=\"hold\"", "actors.[1].strategy.kind=\"hold\"",
                          "events.[1].set.re=0.4", "events.[2].probability=0.01"};
    sc = ts_scenario_parse(sq_text, "test.cfg", ov2, 4, &err);
    assert_non_null(sc);
    e = ts_engine_alloc(sc, NULL);
    run = run_with(e, 2);
    int fired = 0;
    for (int k = 0; k < run->R; k++)
        fired += run->log[k].n > 2;   /* the two scheduled events, and the random one */
    assert_true(fired > 0 && fired < run->R);
    for (int k = 0; k < 2 * run->R; k++)
        assert_true(run->total[k] == run->status_quo[k]);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_threads_and_independence),
        cmocka_unit_test(test_means_of_levels),
        cmocka_unit_test(test_progress_reports),
        cmocka_unit_test(test_side_tasks),
        cmocka_unit_test(test_cancel_mid_replicate),
        cmocka_unit_test(test_unknown_generator),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_pressure_weight_event),
        cmocka_unit_test(test_talks_hook_and_held),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_output_files),
        cmocka_unit_test(test_parts_sum_to_totals),
        cmocka_unit_test(test_status_quo),
        cmocka_unit_test(test_status_quo_of_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
