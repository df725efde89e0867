/* Authoring tests: extends (merge rules, chains, which file an error names),
 * includes resolved from the including file's folder, setting paths by id
 * and label equal to paths by position, and --set's forgiving values. Bad
 * inputs with one-line errors are in tests/bad/ (extends_*, include_*,
 * set_*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "io/loader.h"
#include "testutil.h"
#include "tradesim/scenario.h"

#define ROOT TS_SOURCE_DIR "/"
#define BASELINE ROOT "scenarios/baseline_nov2025.cfg"

TS_TEST_SCRATCH(scratch, "extends")

static ts_scenario *load(const char *path, const char *const *sets, int n)
{
    ts_error err;
    ts_scenario *sc = ts_scenario_load(path, sets, n, &err);
    if (!sc)
        print_error("%s\n", err.msg);
    assert_non_null(sc);
    return sc;
}

static void put(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", scratch, name);
    assert_true(ts_test_write_file(path, text));
}

/* The worked example: every rule of the merge at once. */
static void test_worked_variant(void **state)
{
    (void)state;
    ts_scenario *b = load(BASELINE, NULL, 0);
    ts_scenario *v = load(ROOT "tests/good/variant_baseline.cfg", NULL, 0);
    assert_string_equal(v->name, "variant_baseline");        /* not inherited */
    assert_int_equal(v->replicates, 200);
    assert_true(v->seed == 7);
    assert_string_equal(v->rng, b->rng);                      /* group merged */
    assert_int_equal(v->actors[1].strategy.kind, TS_STRAT_HOLD);
    assert_int_equal(v->actors[0].strategy.kind, b->actors[0].strategy.kind);
    assert_true(v->actors[1].reliability == b->actors[1].reliability);
    int k = ts_scenario_issue_index(v, "h20_licence");
    assert_true(v->issues[k].revenue_share == 0.25);
    assert_true(v->issues[k].margin == b->issues[k].margin);  /* element merged */
    assert_int_equal(v->n_issues, b->n_issues);
    assert_int_equal(v->n_talks, b->n_talks + 1);
    assert_string_equal(v->talks[0].label, "Chip review");    /* in date order */
    assert_true(v->talks[1].duration == 182);
    assert_int_equal(v->n_events, b->n_events + 1);
    assert_string_equal(v->events[v->n_events - 1].label, "Fentanyl cooperation");
    /* The same as the baseline with the changes as overrides, but the talk
     * and event added: the base plus overrides equals the variant minus
     * those. */
    const char *sets[] = {"name=variant_baseline",
                          "description=\"Baseline, 25% revenue share, China holds\"",
                          "monte_carlo.replicates=200", "monte_carlo.seed=7L",
                          "actors.cn.strategy={ kind = \"hold\"; }",
                          "issues.h20_licence.revenue_share=0.25",
                          "talks.\"Truce expiry: tariff talks\".duration=182"};
    ts_scenario *o = load(BASELINE, sets, 7);
    assert_true(o->talks[0].duration == v->talks[1].duration);
    assert_int_equal(o->actors[1].strategy.kind, TS_STRAT_HOLD);
    ts_scenario_free(o);
    ts_scenario_free(v);
    ts_scenario_free(b);
}

/* A chain of extends; an error names the file holding the setting. */
static void test_chain_and_blame(void **state)
{
    (void)state;
    char a[256], c[256], bad[256], cyc[256];
    char text[512];
    snprintf(text, sizeof text, "extends = \"%s\";\nmonte_carlo = { seed = 3L; };\n", BASELINE);
    put("a.cfg", text, a, sizeof a);
    put("c.cfg", "extends = \"a.cfg\";\nmonte_carlo = { replicates = 50; };\n", c, sizeof c);
    ts_scenario *sc = load(c, NULL, 0);
    assert_true(sc->seed == 3);
    assert_int_equal(sc->replicates, 50);
    assert_string_equal(sc->name, "c");
    ts_scenario_free(sc);
    put("bad.cfg", "extends = \"c.cfg\";\n\nactors = ( { id = \"us\"; power = -1.0; } );\n", bad,
        sizeof bad);
    ts_error err;
    assert_null(ts_scenario_load(bad, NULL, 0, &err));
    char want[512];
    snprintf(want, sizeof want, "%s:3: actors.[0].power:", bad);
    assert_memory_equal(err.msg, want, strlen(want));
    put("x.cfg", "extends = \"y.cfg\";\n", cyc, sizeof cyc);
    put("y.cfg", "extends = \"x.cfg\";\n", cyc, sizeof cyc);
    assert_null(ts_scenario_load(cyc, NULL, 0, &err));
    assert_non_null(strstr(err.msg, "a cycle of extends"));
}

/* Nested includes resolve from the including file's folder. */
static void test_include_relative(void **state)
{
    (void)state;
    char dir[256], path[256], top[256];
    snprintf(dir, sizeof dir, "%s/parts", scratch);
    assert_int_equal(mkdir(dir, 0700), 0);
    put("parts/actors.inc", "actors = ( { @include \"us.inc\" }, { id = \"cn\"; } );\n", path,
        sizeof path);
    put("parts/us.inc", "id = \"us\"; reliability = 0.5;\n", path, sizeof path);
    put("top.cfg",
        "calendar = { start = \"2025-01-20\"; end = \"2025-12-31\"; };\n"
        "@include \"parts/actors.inc\" issues = ( { id = \"t\"; kind = \"tariff\"; owner = \"us\"; } );\n",
        top, sizeof top);
    ts_scenario *sc = load(top, NULL, 0);
    assert_true(sc->actors[0].reliability == 0.5);
    assert_int_equal(sc->n_issues, 1);
    ts_scenario_free(sc);
    ts_error err;
    put("miss.cfg", "@include \"parts/none.inc\"\n", path, sizeof path);
    assert_null(ts_scenario_load(path, NULL, 0, &err));
    char want[512];
    snprintf(want, sizeof want, "%s:1: @include \"parts/none.inc\": cannot open '%s/parts/none.inc'",
             path, scratch);
    assert_memory_equal(err.msg, want, strlen(want));
}

/* Paths by id and label reach the same settings as paths by position;
 * 1e3 is an integer. */
static void test_paths(void **state)
{
    (void)state;
    const char *by_id[] = {"issues.h20_licence.revenue_share=0.3", "actors.cn.power=2",
                           "talks.\"Truce expiry: tariff talks\".duration=30",
                           "monte_carlo.replicates=1e3"};
    const char *by_pos[] = {"issues.[2].revenue_share=0.3", "actors.[1].power=2",
                            "talks.[0].duration=30", "monte_carlo.replicates=1000"};
    ts_scenario *a = load(BASELINE, by_id, 4);
    ts_scenario *b = load(BASELINE, by_pos, 4);
    assert_true(ts_scenario_equal(a, b));
    assert_int_equal(a->replicates, 1000);
    ts_scenario_free(a);
    ts_scenario_free(b);
    ts_ld_path p;
    char why[512];
    assert_int_equal(ts_ld_path_parse("talks.\"a.b c\".duration", &p, why, sizeof why), TS_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.c[1].name, "a.b c");
    assert_true(p.c[1].quoted);
    assert_int_equal(ts_ld_path_parse("actors[0].power", &p, why, sizeof why), TS_EBAD);
    assert_non_null(strstr(why, "actors.[N] by position, actors.ID by id"));
    const char *frac[] = {"monte_carlo.replicates=2.5"};
    ts_error err;
    assert_null(ts_scenario_load(BASELINE, frac, 1, &err));
    assert_string_equal(err.msg, "--set monte_carlo.replicates=2.5: monte_carlo.replicates: "
                                 "expected an integer in [1, 100000000], got 2.5");
    const char *whole[] = {"monte_carlo.replicates=1.5e3"};
    ts_scenario *c = load(BASELINE, whole, 1);
    assert_int_equal(c->replicates, 1500);
    ts_scenario_free(c);
}

/* The resolver other readers of paths call (ts_ld_path_lookup). */
static void test_lookup(void **state)
{
    (void)state;
    config_t cfg;
    config_init(&cfg);
    assert_int_equal(config_read_string(&cfg, "issues = ( { id = \"a\"; x = 1; }, "
                                              "{ id = \"b\"; x = 2; } );\n"
                                              "talks = ( { label = \"Round 1.5\"; d = 3; } );"),
                     CONFIG_TRUE);
    ts_error err;
    loader L = {.path = "t.cfg", .err = &err, .cfg = &cfg};
    config_setting_t *s = NULL;
    assert_int_equal(ts_ld_path_lookup(&L, "issues.b.x", "uncertain.key", &s), TS_OK);
    assert_int_equal(config_setting_get_int(s), 2);
    assert_int_equal(ts_ld_path_lookup(&L, "issues.[0].x", "uncertain.key", &s), TS_OK);
    assert_int_equal(config_setting_get_int(s), 1);
    assert_int_equal(ts_ld_path_lookup(&L, "talks.\"Round 1.5\".d", "uncertain.key", &s), TS_OK);
    assert_int_equal(config_setting_get_int(s), 3);
    assert_int_equal(ts_ld_path_lookup(&L, "issues.c.x", "uncertain.key", &s), TS_EBAD);
    assert_string_equal(err.msg, "uncertain.key: no element with id or label 'c' in 'issues' "
                                 "(did you mean 'a'?)");
    config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_variant),
        cmocka_unit_test(test_chain_and_blame),
        cmocka_unit_test(test_include_relative),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
