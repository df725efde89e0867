/* Tests of the engine (engine.h) and the output files (output.h): seeding,
 * identical results whatever the thread count, replicate independence,
 * events (set, add, param, random with once) and their fixed draw sequence,
 * the talks hook and held levers, the memory limit, and the files written. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
    for (int k = 0; k < R; k++) {
        assert_int_equal(a->log[k].n, b->log[k].n);
        for (int i = 0; i < a->log[k].n; i++)
            assert_int_equal(a->log[k].rows[i].step, b->log[k].rows[i].step);
    }
}

static void test_threads_and_independence(void **state)
{
    (void)state;
    ts_scenario *sc = parse(noisy, NULL);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_run *one = run_with(e, 1), *three = run_with(e, 3);
    assert_runs_equal(one, three, sc->replicates);
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
                           "pl_mean,us_total,cn_total,joint_total\n0,"));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_threads_and_independence),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_talks_hook_and_held),
        cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_output_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
