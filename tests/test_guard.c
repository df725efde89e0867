/* Tests of the numeric guard (guard.h): a NaN or infinity that appears in a
 * replicate fails the run with a message naming the replicate, step and
 * column, and a clean run passes it. The loader refuses the parameters that
 * would produce one (tests/bad), so the bad value is injected here through
 * the talks hook, the one place outside the model that touches the world. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tradesim/engine.h"
#include "tradesim/model.h"
#include "model/guard.h"
#include "tradesim/scenario.h"

static const char *const text =
    "name = \"guarded\";\n"
    "calendar = { start = \"2025-01-06\"; end = \"2025-06-30\"; step = \"week\"; };\n"
    "monte_carlo = { replicates = 9; seed = 7L; };\n"
    "actors = ( { id = \"us\"; noise = 0.05; strategy = { kind = \"tit_for_tat\"; }; },\n"
    "  { id = \"cn\"; strategy = { kind = \"richardson\"; }; } );\n"
    "issues = ( { id = \"t_us\"; kind = \"tariff\"; owner = \"us\"; max = 2.0; initial = 0.2;\n"
    "             max_step = 0.2; imports_bn = 439.0; },\n"
    "  { id = \"h20\"; kind = \"chip_licence\"; owner = \"us\"; sales_bn = 15.0; } );\n";

typedef struct {
    int replicate, step;
    int what;   /* 0 trust NaN, 1 total +inf, 2 total 1e307 (finite) */
} poison;

static ts_status poison_hook(void *ctx, const ts_engine *e, ts_replicate *r, ts_error *err)
{
    (void)e;
    (void)err;
    const poison *p = ctx;
    if (r->replicate == p->replicate && r->w.step == p->step) {
        if (p->what == 0)
            r->w.trust[1] = NAN;
        else if (p->what == 1)
            r->w.total[0] = INFINITY;
        else
            r->w.total[0] = 1e307;
    }
    return TS_OK;
}

static ts_status run(const ts_scenario *sc, const poison *p, int threads, ts_error *err)
{
    ts_engine *e = ts_engine_alloc(sc, err);
    assert_non_null(e);
    ts_engine_opts o = {.threads = threads, .talks = p ? poison_hook : NULL,
                        .talks_ctx = (void *)p};
    ts_run *out = NULL;
    ts_status s = ts_engine_run(e, &o, &out, err);
    if (s == TS_OK) {
        assert_non_null(out);
        const char *cols[64];
        assert_true(out->C <= 64);
        for (int c = 0; c < out->C; c++)
            cols[c] = ts_engine_column_name(e, c);
        for (int k = 0; k < out->R; k++)
            assert_int_equal(ts_guard_replicate(sc, cols, out, k, err), TS_OK);
    } else {
        assert_null(out);
    }
    ts_run_free(out);
    ts_engine_free(e);
    return s;
}

static void test_clean_run_passes(void **state)
{
    (void)state;
    ts_error err;
    ts_scenario *sc = ts_scenario_parse(text, "guard.cfg", NULL, 0, &err);
    assert_non_null(sc);
    assert_int_equal(run(sc, NULL, 2, &err), TS_OK);
    ts_scenario_free(sc);
}

static void test_nan_named(void **state)
{
    (void)state;
    ts_error err;
    ts_scenario *sc = ts_scenario_parse(text, "guard.cfg", NULL, 0, &err);
    assert_non_null(sc);
    /* Trust set to NaN in the talks phase of step 5 shows in that step's row. */
    poison p = {4, 5, 0};
    for (int threads = 1; threads <= 2; threads++) {
        assert_int_equal(run(sc, &p, threads, &err), TS_EIO);
        assert_non_null(strstr(err.msg, "guard.cfg: replicate 4 at step 5 (2025-02-10): "
                                        "cn_trust became NaN"));
        assert_null(strchr(err.msg, '\n'));
    }
    ts_scenario_free(sc);
}

static void test_infinity_named(void **state)
{
    (void)state;
    ts_error err;
    ts_scenario *sc = ts_scenario_parse(text, "guard.cfg", NULL, 0, &err);
    assert_non_null(sc);
    poison p = {0, 0, 1};
    assert_int_equal(run(sc, &p, 1, &err), TS_EIO);
    assert_non_null(strstr(err.msg, "replicate 0 at step 0 (2025-01-06): us_total became "
                                    "infinite"));
    ts_scenario_free(sc);
}

/* The values kept per replicate besides its rows, each named in the error
 * and placed "at the end": a lever's final level or mean, an actor's total,
 * its gain over the status quo, an issue's part of a total, a channel's. */
static void test_end_values_named(void **state)
{
    (void)state;
    ts_error err;
    const char *ch[1] = {"output.channels=true"};
    ts_scenario *sc = ts_scenario_parse(text, "guard.cfg", ch, 1, &err);
    assert_non_null(sc);
    ts_engine *e = ts_engine_alloc(sc, &err);
    assert_non_null(e);
    ts_engine_opts o = {.threads = 1};
    ts_run *r = NULL;
    assert_int_equal(ts_engine_run(e, &o, &r, &err), TS_OK);
    assert_non_null(r->chan);
    const char *cols[64];
    for (int c = 0; c < r->C; c++)
        cols[c] = ts_engine_column_name(e, c);
    const int k = 3, ni = r->n_issues, nc = r->n_contrib;
    assert_int_equal(ni, 2);
    /* h20's consumer surplus channel of cn: [k][issue 1][actor 1][channel 0] */
    size_t chan_at = (((size_t)k * ni + 1) * 2 + 1) * TS_N_CHANNELS + TS_CHANNEL_CONSUMER_SURPLUS;
    struct {
        double *cell;
        double bad;
        const char *name;
    } cases[] = {
        {&r->final[(size_t)k * ni + 1], NAN, "h20_final became NaN"},
        {&r->mean[(size_t)k * ni + 0], INFINITY, "t_us_mean became infinite"},
        {&r->total[2 * (size_t)k + 1], -INFINITY, "cn_total became infinite"},
        {&r->status_quo[2 * (size_t)k], NAN, "us_vs_status_quo became NaN"},
        {&r->contrib[((size_t)k * 2 + 1) * (size_t)nc + 0], NAN, "cn_t_us_total became NaN"},
        {&r->chan[chan_at], INFINITY, "cn_h20_consumer_surplus_total became infinite"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double keep = *cases[c].cell;
        *cases[c].cell = cases[c].bad;
        assert_int_equal(ts_guard_replicate(sc, cols, r, k, &err), TS_EIO);
        char want[160];
        snprintf(want, sizeof want, "guard.cfg: replicate 3 at the end: %s; ", cases[c].name);
        if (!strstr(err.msg, want))
            print_error("want '%s', got '%s'\n", want, err.msg);
        assert_non_null(strstr(err.msg, want));
        /* other replicates are not affected */
        assert_int_equal(ts_guard_replicate(sc, cols, r, k - 1, &err), TS_OK);
        *cases[c].cell = keep;
        assert_int_equal(ts_guard_replicate(sc, cols, r, k, &err), TS_OK);
    }
    ts_run_free(r);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

/* Values that are all finite pass however large, even when their sum would
 * overflow (the guard's quick scan adds them up). */
static void test_large_finite_passes(void **state)
{
    (void)state;
    ts_error err;
    ts_scenario *sc = ts_scenario_parse(text, "guard.cfg", NULL, 0, &err);
    assert_non_null(sc);
    poison p = {3, 1, 2};
    assert_int_equal(run(sc, &p, 1, &err), TS_OK);
    ts_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_run_passes),
        cmocka_unit_test(test_nan_named),
        cmocka_unit_test(test_infinity_named),
        cmocka_unit_test(test_large_finite_passes),
        cmocka_unit_test(test_end_values_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
