/* Uncertain parameters: quantiles against closed forms, draw streams that
 * depend only on (seed, replicate, name), where the loader places each key,
 * variants and their rules, the resolved scenario's round trip, and the
 * engine: fixed values at the scenario's own give the same bits as no
 * uncertainty (common random numbers), each replicate's values are its
 * draws. Bad lists are in tests/bad (unc_*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradesim/agreement.h"
#include "tradesim/engine.h"
#include "tradesim/scenario.h"
#include "tradesim/uncertain.h"

#define BASE                                                                                      \
    "calendar = { step = \"abstract\"; steps = 40; };\n"                                          \
    "monte_carlo = { replicates = 30; seed = 11; };\n"                                            \
    "actors = ( { id = \"us\"; noise = 0.01; strategy = { kind = \"tit_for_tat\"; }; },\n"       \
    "           { id = \"cn\"; strategy = { kind = \"richardson\"; reactivity = 0.4; }; } );\n"  \
    "issues = ( { id = \"t\"; kind = \"tariff\"; owner = \"us\"; initial = 0.2; tot_share = 0.25; imports_bn = 100.0; },\n" \
    "           { id = \"c\"; kind = \"tariff\"; owner = \"cn\"; initial = 0.1; imports_bn = 80.0; },\n"             \
    "           { id = \"h20\"; kind = \"chip_licence\"; owner = \"us\"; margin = 0.6; revenue_share = 0.1; } );\n" \
    "talks = ( { step = 10; label = \"geneva\"; agenda = [\"t\", \"c\"]; duration = 6; } );\n"   \
    "talks_hazard = { base = 0.01; sensitivity = 0.001; agenda = [\"t\", \"c\"]; };\n"           \
    "events = ( { probability = 0.05; label = \"shock\"; set = { t = 0.5; }; },\n"              \
    "           { step = 5; label = \"cut\"; set = { c = 0.05; }; param = { h20 = { margin = 0.5; }; }; } );\n"

static ts_scenario *parse(const char *text)
{
    ts_error err;
    ts_scenario *sc = ts_scenario_parse(text, "u.cfg", NULL, 0, &err);
    if (!sc)
        print_error("%s\n", err.msg);
    assert_non_null(sc);
    return sc;
}

static ts_scenario *with(const char *list)
{
    size_t n = strlen(BASE) + strlen(list) + 32;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "%suncertain = (%s);\n", BASE, list);
    ts_scenario *sc = parse(text);
    free(text);
    return sc;
}

static void test_quantiles(void **state)
{
    (void)state;
    ts_dist u = {.kind = TS_DIST_UNIFORM, .a = 1.0, .b = 3.0};
    assert_float_equal(ts_dist_quantile(&u, 0.25), 1.5, 1e-15);
    ts_dist t = {.kind = TS_DIST_TRIANGULAR, .a = 0.0, .b = 0.002, .c = 0.01};
    assert_float_equal(ts_dist_quantile(&t, 0.2), 0.002, 1e-15);   /* F(mode) = 0.2 */
    assert_float_equal(ts_dist_quantile(&t, 0.5), 0.01 - sqrt(0.5 * 0.01 * 0.008), 1e-15);
    ts_dist n = {.kind = TS_DIST_NORMAL, .a = 0.0, .b = 1.0, .lo = 0.0, .hi = INFINITY};
    assert_float_equal(ts_dist_quantile(&n, 0.5), 0.6744897501960817, 1e-12);   /* half-normal median */
    ts_dist full = {.kind = TS_DIST_NORMAL, .a = 2.0, .b = 0.5, .lo = -INFINITY, .hi = INFINITY};
    assert_float_equal(ts_dist_quantile(&full, 0.975), 2.0 + 0.5 * 1.959963984540054, 1e-12);
    ts_dist ln = {.kind = TS_DIST_LOGNORMAL, .a = 0.3, .b = 0.7};
    assert_float_equal(ts_dist_quantile(&ln, 0.5), exp(0.3), 1e-12);
    ts_dist be = {.kind = TS_DIST_BETA, .a = 2.0, .b = 2.0, .lo = 0.0, .hi = 10.0};
    assert_float_equal(ts_dist_quantile(&be, 0.5), 5.0, 1e-9);
    double values[] = {10.0, 20.0}, cum[] = {0.25, 1.0};
    ts_dist d = {.kind = TS_DIST_DISCRETE, .n = 2, .values = values, .cum = cum};
    assert_float_equal(ts_dist_quantile(&d, 0.2), 10.0, 0.0);
    assert_float_equal(ts_dist_quantile(&d, 0.3), 20.0, 0.0);
    double lo, hi;
    ts_dist_support(&d, &lo, &hi);
    assert_true(lo == 10.0 && hi == 20.0);
    ts_dist_support(&ln, &lo, &hi);
    assert_true(lo == 0.0 && isinf(hi));
}

/* A parameter's share is a function of (seed, replicate, name) only, and
 * spread evenly over (0, 1). */
static void test_streams(void **state)
{
    (void)state;
    ts_uncertain a = {.name_hash = ts_uncertain_name_hash("alpha")};
    ts_uncertain a2 = {.name_hash = ts_uncertain_name_hash("alpha"), .index = 3, .lo = -1.0};
    ts_uncertain b = {.name_hash = ts_uncertain_name_hash("beta")};
    int below = 0, n = 20000, same = 0;
    for (int k = 0; k < n; k++) {
        double ua = ts_uncertain_share(7, k, &a);
        assert_true(ua > 0.0 && ua < 1.0);
        assert_true(ua == ts_uncertain_share(7, k, &a2));
        same += ua == ts_uncertain_share(7, k, &b);
        below += ua < 0.3;
        assert_true(ua != ts_uncertain_share(8, k, &a));
    }
    assert_int_equal(same, 0);
    /* Binomial(20000, 0.3): sd 64.8; five of them. */
    assert_true(abs(below - 6000) < 324);
}

/* What `tradesim check` prints of each distribution. */
static void test_describe(void **state)
{
    (void)state;
    ts_scenario *sc = with(
        "{ key = \"issues.t.elasticity\"; dist = \"uniform\"; min = 1.0; max = 3.0; },"
        "{ key = \"actors.us.reliability\"; dist = \"normal\"; mean = 0.8; sd = 0.1; min = 0.5; max = 1.0; },"
        "{ key = \"talks_hazard.sensitivity\"; dist = \"lognormal\"; mu = -7.0; sigma = 0.5; },"
        "{ key = \"actors.cn.strategy.reactivity\"; dist = \"triangular\"; min = 0.1; mode = 0.4; max = 0.9; },"
        "{ key = \"actors.cn.reliability\"; dist = \"beta\"; a = 2.0; b = 3.0; min = 0.5; max = 1.0; },"
        "{ key = \"talks.geneva.duration\"; dist = \"discrete\"; values = [3.0, 12.0]; weights = [1.0, 3.0]; }");
    assert_int_equal(sc->n_uncertain, 6);
    static const char *const want[] = {
        "uniform(min 1, max 3)",
        "normal(mean 0.8, sd 0.1, truncated to [0.5, 1])",
        "lognormal(mu -7, sigma 0.5)",
        "triangular(min 0.1, mode 0.4, max 0.9)",
        "beta(a 2, b 3, on [0.5, 1])",
        "discrete(3 w 0.25, 12 w 0.75)"};
    char buf[256];
    for (int j = 0; j < 6; j++) {
        ts_dist_describe(&sc->uncertain[j].dist, buf, sizeof buf);
        assert_string_equal(buf, want[j]);
    }
    ts_dist n = {.kind = TS_DIST_NORMAL, .a = 0.1, .b = 0.01, .lo = -INFINITY, .hi = INFINITY};
    ts_dist_describe(&n, buf, sizeof buf);
    assert_string_equal(buf, "normal(mean 0.1, sd 0.01)");
    /* cut short, never past the buffer */
    char small[12];
    ts_dist_describe(&sc->uncertain[5].dist, small, sizeof small);
    assert_string_equal(small, "discrete(3 ");
    ts_scenario_free(sc);
}

static void test_placement(void **state)
{
    (void)state;
    ts_scenario *sc = with(
        "{ key = \"issues.t.elasticity\"; dist = \"uniform\"; min = 1.0; max = 3.0; },"
        "{ name = \"rel\"; key = \"actors.cn.reliability\"; dist = \"beta\"; a = 2.0; b = 2.0; min = 0.5; max = 1.0; },"
        "{ key = \"actors.cn.strategy.reactivity\"; dist = \"triangular\"; min = 0.1; mode = 0.4; max = 0.9; },"
        "{ key = \"talks.geneva.duration\"; dist = \"discrete\"; values = [3.0, 12.0]; },"
        "{ key = \"talks.geneva.rounds\"; dist = \"uniform\"; min = 2.0; max = 8.0; },"
        "{ key = \"talks_hazard.sensitivity\"; dist = \"uniform\"; min = 0.0; max = 0.01; },"
        "{ key = \"events.shock.probability\"; dist = \"uniform\"; min = 0.0; max = 0.2; },"
        "{ key = \"events.cut.param.h20.margin\"; dist = \"uniform\"; min = 0.3; max = 0.7; },"
        "{ key = \"events.cut.set.c\"; dist = \"uniform\"; min = 0.0; max = 0.1; }");
    assert_int_equal(sc->n_uncertain, 9);
    const ts_uncertain *u = sc->uncertain;
    assert_string_equal(u[0].name, "issues_t_elasticity");
    assert_int_equal(u[0].region, TS_SLOT_ISSUE);
    assert_int_equal(u[0].index, 0);
    assert_int_equal(u[0].offset, offsetof(ts_issue, elasticity));
    assert_float_equal(u[0].nominal, 2.0, 0.0);
    assert_string_equal(u[1].name, "rel");
    assert_int_equal(u[1].region, TS_SLOT_ACTOR);
    assert_int_equal(u[1].index, 1);
    assert_true(u[1].lo == 0.0 && u[1].hi == 1.0);
    assert_int_equal(u[2].offset, offsetof(ts_actor, strategy) + offsetof(ts_strategy, reactivity));
    assert_int_equal(u[3].region, TS_SLOT_TALK);
    assert_true(u[4].integer);
    assert_float_equal(u[4].nominal, 10.0, 0.0);   /* the default, read as a default */
    assert_int_equal(u[5].region, TS_SLOT_HAZARD);
    assert_float_equal(u[5].nominal, 0.001, 0.0);
    /* Events are stored scheduled first: "shock" (first in the file) is second. */
    assert_int_equal(u[6].region, TS_SLOT_EVENT);
    assert_int_equal(u[6].index, 1);
    assert_string_equal(u[6].key, "events.[1].probability");
    assert_int_equal(u[7].region, TS_SLOT_EVENT_PARAM);
    assert_int_equal(u[7].index, 0);
    assert_int_equal(u[8].region, TS_SLOT_EVENT_SET);
    assert_string_equal(u[8].key, "events.[0].set.c");

    /* The resolved scenario reads back equal. */
    char *text = ts_scenario_to_string(sc);
    assert_non_null(text);
    ts_scenario *back = parse(text);
    assert_true(ts_scenario_equal(sc, back));
    free(text);
    ts_scenario_free(back);

    /* A variant: values land where they belong, derived fields follow. */
    ts_variant *v = ts_variant_alloc(sc);
    assert_non_null(v);
    double x[9] = {1.5, 0.8, 0.7, 12.0, 4.4, 0.004, 0.1, 0.4, 0.02};
    ts_error err;
    assert_int_equal(ts_variant_set(v, x, &err), TS_OK);
    const ts_scenario *vs = ts_variant_scenario(v);
    assert_float_equal(vs->issues[0].elasticity, 1.5, 0.0);
    /* eps* held (as a parameter event does): theta = 1.5 / (1.5 + 6). */
    assert_float_equal(vs->issues[0].tot_share, 1.5 / 7.5, 1e-15);
    assert_float_equal(vs->actors[1].reliability, 0.8, 0.0);
    assert_float_equal(vs->actors[1].strategy.reactivity, 0.7, 0.0);
    assert_int_equal(vs->talks[0].duration_steps, 12);
    assert_int_equal(vs->talks[0].rounds, 4);
    assert_float_equal(vs->talks_hazard.sensitivity, 0.004, 0.0);
    assert_float_equal(vs->events[1].probability, 0.1, 0.0);
    assert_float_equal(vs->events[0].params[0].value, 0.4, 0.0);
    assert_float_equal(vs->events[0].sets[0].value, 0.02, 0.0);
    /* The base is untouched. */
    assert_float_equal(sc->issues[0].elasticity, 2.0, 0.0);
    assert_int_equal(sc->talks[0].duration_steps, 6);
    /* Outside the range: refused, the copy back at the base's values. */
    x[1] = 1.2;
    assert_int_equal(ts_variant_set(v, x, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "uncertain rel: 1.2 is outside actors.cn.reliability's range [0, 1]"));
    assert_float_equal(vs->issues[0].elasticity, 2.0, 0.0);
    ts_variant_free(v);
    ts_scenario_free(sc);
}

/* A rule between settings: the revenue share must stay below the margin. */
static void test_rules(void **state)
{
    (void)state;
    ts_scenario *sc = with("{ name = \"share\"; key = \"issues.h20.revenue_share\"; dist = \"uniform\"; min = 0.0; max = 0.9; }");
    ts_variant *v = ts_variant_alloc(sc);
    assert_non_null(v);
    ts_error err;
    double ok = 0.3, bad = 0.7;
    assert_int_equal(ts_variant_set(v, &ok, &err), TS_OK);
    assert_int_equal(ts_variant_set(v, &bad, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "share = 0.7: issue h20's revenue_share 0.7 is not below its margin 0.6"));
    assert_float_equal(ts_variant_scenario(v)->issues[2].revenue_share, 0.1, 0.0);
    ts_variant_free(v);
    ts_scenario_free(sc);
}

static ts_run *run(const ts_scenario *sc, const double *values, int threads)
{
    ts_error err;
    ts_engine *e = ts_engine_alloc(sc, &err);
    assert_non_null(e);
    ts_engine_opts o = {.threads = threads, .talks = ts_agreement_hook, .values = values};
    ts_run *r = NULL;
    if (ts_engine_run(e, &o, &r, &err) != TS_OK)
        print_error("%s\n", err.msg);
    assert_non_null(r);
    ts_engine_free(e);
    return r;
}

/* Common random numbers: values fixed at the scenario's own give the run
 * without uncertainty, bit for bit; other values change the totals. */
static void test_engine_values(void **state)
{
    (void)state;
    ts_scenario *plain = parse(BASE);
    ts_scenario *sc = with(
        "{ name = \"eps\"; key = \"issues.t.elasticity\"; dist = \"uniform\"; min = 1.0; max = 3.0; },"
        "{ name = \"haz\"; key = \"talks_hazard.sensitivity\"; dist = \"uniform\"; min = 0.0; max = 0.01; }");
    double nominal[2] = {sc->uncertain[0].nominal, sc->uncertain[1].nominal};
    ts_run *a = run(plain, NULL, 1), *b = run(sc, nominal, 2);
    assert_int_equal(b->n_uncertain, 2);
    for (int k = 0; k < a->R; k++) {
        assert_memory_equal(&a->total[2 * k], &b->total[2 * k], 2 * sizeof(double));
        assert_memory_equal(&a->status_quo[2 * k], &b->status_quo[2 * k], 2 * sizeof(double));
        assert_int_equal(a->deals[k], b->deals[k]);
        assert_float_equal(b->uncertain[2 * k], 2.0, 0.0);
    }
    double other[2] = {1.0, 0.01};
    ts_run *c = run(sc, other, 1);
    int differ = 0;
    for (int k = 0; k < a->R; k++)
        differ += a->total[2 * k] != c->total[2 * k];
    assert_true(differ > 0);
    /* Drawn per replicate: each replicate's values are its own draws, and
     * the thread count changes nothing. */
    ts_run *d1 = run(sc, NULL, 1), *d2 = run(sc, NULL, 2);
    for (int k = 0; k < d1->R; k++) {
        double x[2];
        ts_uncertain_draw(sc, k, x);
        assert_memory_equal(&d1->uncertain[2 * k], x, sizeof x);
        assert_memory_equal(&d1->total[2 * k], &d2->total[2 * k], 2 * sizeof(double));
        assert_memory_equal(&d1->status_quo[2 * k], &d2->status_quo[2 * k], 2 * sizeof(double));
    }
    ts_run_free(a);
    ts_run_free(b);
    ts_run_free(c);
    ts_run_free(d1);
    ts_run_free(d2);
    ts_scenario_free(plain);
    ts_scenario_free(sc);
}

/* A value that breaks a rule stops the run with the loader's kind of error. */
static void test_engine_rule(void **state)
{
    (void)state;
    ts_scenario *sc = with("{ name = \"share\"; key = \"issues.h20.revenue_share\"; dist = \"uniform\"; min = 0.0; max = 0.9; }");
    ts_error err;
    ts_engine *e = ts_engine_alloc(sc, &err);
    assert_non_null(e);
    ts_engine_opts o = {.threads = 1};
    ts_run *r = NULL;
    assert_int_equal(ts_engine_run(e, &o, &r, &err), TS_EBAD);
    assert_null(r);
    assert_non_null(strstr(err.msg, "is not below its margin"));
    ts_engine_free(e);
    ts_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_placement),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_engine_values),
        cmocka_unit_test(test_engine_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
