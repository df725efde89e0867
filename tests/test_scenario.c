/* Scenario tests: good files load with the documented values and defaults,
 * --set overrides, the write/read round trip (every good file and every
 * shipped scenario), the parameter table's sanity, and the docs listing every
 * key of the table. Bad inputs are covered by tests/bad_catalogue.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tradesim/scenario.h"

#define GOOD TS_SOURCE_DIR "/tests/good/"

static ts_scenario *load(const char *path, const char *const *sets, int n)
{
    ts_error err;
    ts_scenario *sc = ts_scenario_load(path, sets, n, &err);
    if (!sc)
        print_error("%s\n", err.msg);
    assert_non_null(sc);
    return sc;
}

static void test_minimal_defaults(void **state)
{
    (void)state;
    ts_scenario *sc = load(GOOD "minimal.cfg", NULL, 0);
    assert_string_equal(sc->name, "minimal");
    assert_string_equal(sc->description, "");
    assert_int_equal(sc->replicates, 100);
    assert_true(sc->seed == 1);
    assert_string_equal(sc->rng, "taus2");
    assert_int_equal(sc->trajectories, 10);
    assert_int_equal(sc->precision, 6);
    assert_int_equal(sc->calendar.unit, TS_STEP_WEEK);
    for (int a = 0; a < 2; a++) {
        const ts_actor *ac = &sc->actors[a];
        assert_string_equal(ac->name, ac->id);
        for (const ts_param_info *p = ts_param_table(); p->key; p++)
            if (p->target == TS_TARGET_ACTOR)
                assert_true(*(const double *)(const void *)((const char *)ac + p->offset) ==
                            p->def);
        assert_int_equal(ac->strategy.kind, TS_STRAT_HOLD);
    }
    const ts_issue *is = &sc->issues[0];
    assert_int_equal(is->kind, TS_ISSUE_TARIFF);
    assert_int_equal(is->owner, 0);
    assert_true(is->min == 0.0 && is->max == 1.0 && is->initial == 0.0 && is->max_step == 1.0);
    assert_true(is->elasticity == 2.0 && is->tot_share == 0.3 && is->imports_bn == 0.0);
    /* Both statements of the incidence, and no elasticity path. */
    assert_true(is->supply_elasticity == 2.0 * (1.0 - 0.3) / 0.3);
    assert_true(is->elasticity_short_run == 2.0 && is->elasticity_half_life == 0.0);
    assert_int_equal(sc->n_talks, 0);
    assert_int_equal(sc->n_events, 0);
    assert_false(sc->talks_hazard.enabled);
    ts_scenario_free(sc);
}

static void test_all_kinds_values(void **state)
{
    (void)state;
    ts_scenario *sc = load(GOOD "all_kinds.cfg", NULL, 0);
    assert_int_equal(sc->n_issues, 5);
    assert_true(sc->seed == 20250120u);
    assert_string_equal(sc->rng, "mt19937");
    assert_int_equal(sc->trajectories, -1);
    /* 2025-01-20 .. 2026-11-10 in weeks: 95 steps (step 94 = 2026-11-09). */
    assert_int_equal(sc->calendar.steps, 95);
    assert_int_equal(ts_scenario_issue_index(sc, "soybeans"), 4);
    assert_int_equal(ts_scenario_actor_index(sc, "cn"), 1);
    assert_int_equal(ts_scenario_actor_index(sc, "eu"), -1);
    const ts_issue *h20 = &sc->issues[1];
    assert_int_equal(h20->kind, TS_ISSUE_CHIP_LICENCE);
    assert_true(h20->revenue_share == 0.15 && h20->initial == 1.0 && h20->pressure_weight == 2.0);
    const ts_issue *soy = &sc->issues[4];
    assert_true(soy->payoff[0][1] == 0.4 && soy->payoff[1][0] == -1.0 &&
                soy->payoff[1][2] == -0.01 && soy->payoff[0][0] == 0.0);
    assert_true(soy->max_step == 25.0); /* default: max - min */
    const ts_strategy *us = &sc->actors[0].strategy;
    assert_int_equal(us->kind, TS_STRAT_TIME_DEPENDENT);
    assert_true(us->k == 0.1 && us->beta == 0.5);
    assert_int_equal(us->deadline, 50); /* 2026-01-05 is 50 weeks after 2025-01-20 */
    assert_true(us->reservation[0] == 0.1 && us->reservation[1] == 0.0);
    assert_true(us->reservation[3] == 1.0); /* a pledge concedes at its maximum */
    assert_true(sc->actors[1].strategy.reactivity == 0.3);
    /* Talks: a date maps to the first step on or after it (2025-05-10 is a
     * Saturday; step 16 is Monday 2025-05-12). 90 days = ceil(90/7) = 13 weeks. */
    assert_int_equal(sc->n_talks, 2);
    assert_int_equal(sc->talks[0].step, 16);
    assert_int_equal(sc->talks[0].duration_steps, 13);
    assert_int_equal(sc->talks[0].on_expiry, TS_EXPIRY_RENEGOTIATE);
    assert_int_equal(sc->talks[0].n_agenda, 2);
    assert_int_equal(sc->talks[0].agenda[1], 2);
    assert_int_equal(sc->talks[1].step, 40);
    assert_int_equal(sc->talks[1].protocol, TS_PROTO_CONCESSION);
    /* the alternating-offers, Nash-weight and disagreement keys' defaults */
    assert_int_equal(sc->talks[1].opener, 0);
    assert_int_equal(sc->talks[1].round_length, 1);
    assert_int_equal(sc->talks[0].weights, TS_WEIGHTS_POWER);
    assert_int_equal(sc->talks[0].disagreement, TS_DISAGREE_STATUS_QUO);
    assert_true(sc->talks[1].beta[0] == 0.5 && sc->talks[1].beta[1] == 2.0);
    assert_int_equal(sc->talks[1].duration_steps, 53); /* ceil(365/7) */
    assert_true(sc->talks_hazard.enabled);
    assert_int_equal(sc->talks_hazard.talk.step, -1);
    assert_int_equal(sc->talks_hazard.talk.duration_steps, 5);
    /* Events: scheduled ones in step order, then random ones. */
    assert_int_equal(sc->n_events, 3);
    assert_int_equal(sc->events[0].step, 12);
    assert_true(sc->events[0].sets[0].value == 1.45 && !sc->events[0].sets[0].add);
    assert_int_equal(sc->events[1].step, 30);
    assert_int_equal(sc->events[1].n_params, 2);
    assert_int_equal(sc->events[1].params[0].target, TS_TARGET_ACTOR);
    assert_string_equal(sc->events[1].params[1].key, "revenue_share");
    assert_int_equal(sc->events[1].params[1].offset, offsetof(ts_issue, revenue_share));
    assert_int_equal(sc->events[2].step, -1);
    assert_true(sc->events[2].once && sc->events[2].probability == 0.01);
    assert_true(sc->events[2].sets[0].add);
    assert_int_equal(sc->n_interactions, 1);
    assert_true(sc->interactions[0].coef == -0.5 && sc->interactions[0].issue_b == 4);
    ts_scenario_free(sc);
}

static void test_abstract_and_include(void **state)
{
    (void)state;
    ts_scenario *sc = load(GOOD "abstract.cfg", NULL, 0);
    assert_int_equal(sc->calendar.unit, TS_STEP_ABSTRACT);
    assert_int_equal(sc->calendar.steps, 50);
    assert_true(sc->calendar.step_years == 1.0);
    assert_int_equal(sc->talks[0].duration_steps, 5);
    assert_int_equal(sc->actors[1].strategy.kind, TS_STRAT_GRIM_TRIGGER);
    ts_scenario_free(sc);
    sc = load(GOOD "include.cfg", NULL, 0);
    assert_true(sc->actors[1].reliability == 0.8);
    assert_true(sc->issues[0].imports_bn == 439.0);
    assert_int_equal(sc->calendar.steps, 12);
    /* 2025-03-15 falls between month steps 2 (Mar 1) and 3 (Apr 1). */
    assert_int_equal(sc->talks[0].step, 3);
    assert_int_equal(sc->talks[0].duration_steps, 3); /* ceil(90 / 30.436875) */
    ts_scenario_free(sc);
}

static void test_overrides(void **state)
{
    (void)state;
    const char *sets[] = {"actors.[0].reliability=0.5", "monte_carlo.replicates=7",
                          "monte_carlo.seed=18446744073709551615", "actors.[1].noise=0.25",
                          "talks.[0].label=Geneva round", "talks.[0].agenda.[1]=\"h20\"",
                          "monte_carlo.rng=ranlxd2", "issues.[0].initial=1"};
    ts_scenario *sc = load(GOOD "all_kinds.cfg", sets, 8);
    assert_true(sc->actors[0].reliability == 0.5);
    assert_int_equal(sc->replicates, 7);
    assert_true(sc->seed == UINT64_MAX);
    assert_true(sc->actors[1].noise == 0.25); /* created: absent from the file */
    assert_string_equal(sc->talks[0].label, "Geneva round");
    assert_int_equal(sc->talks[0].n_agenda, 2);
    assert_int_equal(sc->talks[0].agenda[1], 1);
    assert_string_equal(sc->rng, "ranlxd2");
    assert_true(sc->issues[0].initial == 1.0);
    ts_scenario_free(sc);

    ts_error err;
    const char *dup[] = {"talks.[0].agenda.[1]=us_tariff"};
    assert_null(ts_scenario_load(GOOD "all_kinds.cfg", dup, 1, &err));
    assert_int_equal(err.code, TS_EBAD);
    assert_non_null(strstr(err.msg, "talks.[0].agenda.[1]: 'us_tariff' is already on the agenda"));
    const char *missing[] = {"actors.[5].x=1"};
    assert_null(ts_scenario_load(GOOD "minimal.cfg", missing, 1, &err));
    assert_string_equal(err.msg, "--set actors.[5].x=1: no such setting 'actors.[5]'");
    const char *noeq[] = {"monte_carlo"};
    assert_null(ts_scenario_load(GOOD "minimal.cfg", noeq, 1, &err));
    assert_string_equal(err.msg, "--set monte_carlo: expected KEY=VALUE");
    /* A group the file leaves out is created; its keys are checked as usual. */
    const char *group[] = {"monte_carlo.x=1"};
    assert_null(ts_scenario_load(GOOD "minimal.cfg", group, 1, &err));
    assert_string_equal(err.msg, "--set monte_carlo.x=1: monte_carlo.x: unknown setting");
    const char *reps[] = {"monte_carlo.replicates=7"};
    sc = ts_scenario_load(GOOD "minimal.cfg", reps, 1, &err);
    assert_non_null(sc);
    assert_int_equal(sc->replicates, 7);
    ts_scenario_free(sc);
    /* An element of a number array replaced in place, the other kept. */
    const char *beta[] = {"talks.[1].beta.[1]=3.25"};
    sc = load(GOOD "all_kinds.cfg", beta, 1);
    assert_true(sc->talks[1].beta[0] == 0.5);
    assert_true(sc->talks[1].beta[1] == 3.25);
    ts_scenario_free(sc);
    /* The same in an array of integers (written [1, 2]): an integer in its place. */
    char *text = ts_test_read_file(GOOD "all_kinds.cfg", NULL);
    assert_non_null(text);
    char *at = strstr(text, "beta = [0.5, 2.0]");
    assert_non_null(at);
    memcpy(at, "beta = [1  ,   2]", 17);
    const char *ints[] = {"talks.[1].beta.[0]=3"};
    sc = ts_scenario_parse(text, "ints.cfg", ints, 1, &err);
    free(text);
    assert_non_null(sc);
    assert_true(sc->talks[1].beta[0] == 3.0 && sc->talks[1].beta[1] == 2.0);
    ts_scenario_free(sc);
    /* One number for a concession's beta is both actors'. */
    const char *one_beta[] = {"talks.[1].beta=2.5"};
    sc = load(GOOD "all_kinds.cfg", one_beta, 1);
    assert_true(sc->talks[1].beta[0] == 2.5 && sc->talks[1].beta[1] == 2.5);
    ts_scenario_free(sc);
    /* A group, list or array given whole replaces the member. */
    const char *whole[] = {"talks.[1].beta=[1.5, 0.75]", "monte_carlo={ replicates = 9; }"};
    sc = load(GOOD "all_kinds.cfg", whole, 2);
    assert_true(sc->talks[1].beta[0] == 1.5 && sc->talks[1].beta[1] == 0.75);
    assert_int_equal(sc->replicates, 9);
    ts_scenario_free(sc);
}

/* Loads path, writes it, reads the text back: must be an equal scenario
 * whose text is identical (the writer is a fixed point). */
static void round_trip(const char *path)
{
    ts_scenario *a = load(path, NULL, 0);
    char *text = ts_scenario_to_string(a);
    assert_non_null(text);
    ts_error err;
    ts_scenario *b = ts_scenario_parse(text, path, NULL, 0, &err);
    if (!b)
        print_error("%s: %s\n", path, err.msg);
    assert_non_null(b);
    assert_true(ts_scenario_equal(a, b));
    char *again = ts_scenario_to_string(b);
    assert_string_equal(text, again);
    assert_true(ts_scenario_hash(a) == ts_scenario_hash(b));

    char out[256];
    snprintf(out, sizeof out, "round_trip_%ld.cfg", (long)getpid());
    assert_int_equal(ts_scenario_write(a, out, &err), TS_OK);
    char *written = ts_test_read_file(out, NULL);
    assert_non_null(written);
    assert_string_equal(written, text);
    ts_scenario *c = load(out, NULL, 0);
    /* The name was written explicitly, so the file's own name does not matter. */
    assert_true(ts_scenario_equal(a, c));
    remove(out);
    free(written);
    free(again);
    free(text);
    ts_scenario_free(a);
    ts_scenario_free(b);
    ts_scenario_free(c);
}

static int round_trip_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".cfg") == 0) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            round_trip(path);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void test_round_trip(void **state)
{
    (void)state;
    assert_true(round_trip_dir(TS_SOURCE_DIR "/tests/good") >= 4);
    round_trip_dir(TS_SOURCE_DIR "/scenarios"); /* shipped scenarios, when present */
    /* Doubles that need 17 digits survive. */
    const char *sets[] = {"actors.[0].discount=0.1234567890123456789",
                          "issues.[0].imports_bn=4.000000000000001"};
    ts_scenario *a = load(GOOD "minimal.cfg", sets, 2);
    char *text = ts_scenario_to_string(a);
    ts_error err;
    ts_scenario *b = ts_scenario_parse(text, "x.cfg", NULL, 0, &err);
    assert_non_null(b);
    assert_true(ts_scenario_equal(a, b));
    assert_true(b->actors[0].discount == 0.1234567890123456789);
    free(text);
    ts_scenario_free(a);
    ts_scenario_free(b);
}

/* A tariff given by its supply elasticity: theta derived, the written file
 * states theta and reloads to the same bits; the chip's sell_at_loss too. */
static void test_supply_elasticity_round_trip(void **state)
{
    (void)state;
    const char *text =
        "calendar = { step = \"abstract\"; steps = 3; };\n"
        "actors = ( { id = \"a\"; }, { id = \"b\"; } );\n"
        "issues = ( { id = \"t\"; kind = \"tariff\"; owner = \"a\"; elasticity = 1.7;\n"
        "             supply_elasticity = 4.3; elasticity_short_run = 0.76;\n"
        "             elasticity_half_life = 2.5; },\n"
        "           { id = \"c\"; kind = \"chip_licence\"; owner = \"a\"; margin = 0.5;\n"
        "             revenue_share = 0.7; sell_at_loss = true; } );\n";
    ts_error err;
    ts_scenario *a = ts_scenario_parse(text, "x.cfg", NULL, 0, &err);
    assert_non_null(a);
    assert_float_equal(a->issues[0].tot_share, 1.7 / 6.0, 1e-15);
    assert_float_equal(a->issues[0].supply_elasticity, 4.3, 1e-14);
    assert_true(a->issues[1].sell_at_loss);
    char *out = ts_scenario_to_string(a);
    assert_null(strstr(out, "supply_elasticity"));
    assert_non_null(strstr(out, "sell_at_loss = true"));
    ts_scenario *b = ts_scenario_parse(out, "x.cfg", NULL, 0, &err);
    assert_non_null(b);
    assert_true(ts_scenario_equal(a, b));
    free(out);
    ts_scenario_free(a);
    ts_scenario_free(b);
}

static void test_equal_and_hash_detect_changes(void **state)
{
    (void)state;
    ts_scenario *a = load(GOOD "all_kinds.cfg", NULL, 0);
    const char *sets[] = {"events.[0].set.us_tariff=1.4500000000000002"};
    ts_scenario *b = load(GOOD "all_kinds.cfg", sets, 1);
    assert_false(ts_scenario_equal(a, b));
    assert_true(ts_scenario_hash(a) != ts_scenario_hash(b));
    ts_scenario_free(a);
    ts_scenario_free(b);
}

/* Scenario files around and past the loader's first 64 KiB buffer, which
 * doubles as the file grows: the whole file is read (its last line, after
 * the padding, counts), and a NUL byte past 64 KiB is still found. */
static void test_large_files(void **state)
{
    (void)state;
    char dir[64];
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "large"));
    char *base = ts_test_read_file(GOOD "minimal.cfg", NULL);
    assert_non_null(base);
    const char tail[] = "description = \"the last line\";\n";
    static const size_t sizes[] = {65534, 65535, 65536, 65537, 131071, 131072, 131073, 300000};
    char path[128];
    snprintf(path, sizeof path, "%s/big.cfg", dir);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k], used = strlen(base), nt = strlen(tail);
        char *text = malloc(n + 1);
        assert_non_null(text);
        memcpy(text, base, used);
        /* comment lines of 64 bytes, then one shorter, up to the tail */
        while (used + nt < n) {
            size_t line = n - used - nt < 64 ? n - used - nt : 64;
            memset(text + used, '#', line);
            text[used + line - 1] = '\n';
            used += line;
        }
        memcpy(text + used, tail, nt + 1);
        assert_int_equal(strlen(text), n);
        assert_true(ts_test_write_file(path, text));
        ts_scenario *sc = load(path, NULL, 0);
        assert_string_equal(sc->description, "the last line");
        assert_int_equal(sc->n_issues, 1);
        ts_scenario_free(sc);
        /* the same with a NUL byte just before the tail */
        text[n - nt - 2] = '\0';
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
        ts_error err;
        assert_null(ts_scenario_load(path, NULL, 0, &err));
        assert_int_equal(err.code, TS_EBAD);
        assert_non_null(strstr(err.msg, "not a text file (contains NUL bytes)"));
        free(text);
    }
    free(base);
    ts_test_remove_tree(dir);
}

/* ts_scenario_equal (and the hash) see a change in any one part: a setting,
 * an actor's name, deadline, reservation or parameter, an issue's flag,
 * parameter or payoff, an interaction, a talk, the random talks, an event's
 * timing, label, set or parameter. */
static void test_equal_sees_each_part(void **state)
{
    (void)state;
    static const char *const changes[] = {
        "name=\"other\"", "monte_carlo.replicates=201", "monte_carlo.seed=20250121L",
        "output.precision=7", "actors.[0].name=\"US\"",
        "actors.[0].strategy.deadline=\"2026-01-12\"",
        "actors.[0].strategy.reservation.h20=0.5", "actors.[1].trust=0.45",
        "actors.[1].strategy.fatigue=0.25", "issues.[1].sell_at_loss=true",
        "issues.[0].max_step=0.4", "issues.[4].payoff.cn.quadratic=-0.02",
        "issues.[4].payoff.us.linear=0.5", "interactions.[0].coef=-0.4",
        "talks.[0].min_gain=0.6", "talks.[1].rounds=9", "talks.[1].beta.[1]=2.5",
        "talks_hazard.base=0.002", "talks_hazard.sensitivity=0.001", "talks_hazard.duration=31",
        "events.[0].date=\"2025-04-16\"", "events.[0].label=\"x\"",
        "events.[1].probability=0.02", "events.[1].once=false", "events.[1].add.rare_earths=0.3",
        "events.[2].param.h20.revenue_share=0.25", "events.[2].param.us.reliability=0.7",
    };
    ts_scenario *a = load(GOOD "all_kinds.cfg", NULL, 0);
    ts_scenario *same = load(GOOD "all_kinds.cfg", NULL, 0);
    assert_true(ts_scenario_equal(a, same));
    assert_true(ts_scenario_hash(a) == ts_scenario_hash(same));
    ts_scenario_free(same);
    for (size_t k = 0; k < sizeof changes / sizeof changes[0]; k++) {
        ts_scenario *b = load(GOOD "all_kinds.cfg", &changes[k], 1);
        if (ts_scenario_equal(a, b))
            print_error("--set %s: not seen\n", changes[k]);
        assert_false(ts_scenario_equal(a, b));
        assert_false(ts_scenario_equal(b, a));
        assert_true(ts_scenario_hash(a) != ts_scenario_hash(b));
        ts_scenario_free(b);
    }
    ts_scenario_free(a);
}

/* Every numeric strategy parameter: read for its kind, written and read back
 * equal, and a change to it alone detected by ts_scenario_equal. */
static void test_strategy_params(void **state)
{
    (void)state;
    for (const ts_strategy_param *p = ts_strategy_param_table(); p->key; p++) {
        int kind = 0;
        while (!(p->kinds & (1u << kind)))
            kind++;
        char k1[96], k2[96], k3[96];
        snprintf(k1, sizeof k1, "actors.[0].strategy.kind=\"%s\"", ts_strategy_kind_name(kind));
        double v = p->def != p->hi ? p->def + 0.5 * (p->hi - p->def) : p->lo;
        snprintf(k2, sizeof k2, "actors.[0].strategy.%s=%.17g", p->key, v);
        snprintf(k3, sizeof k3, "actors.[0].strategy.%s=%.17g", p->key, p->def);
        const char *with[] = {k1, k2}, *plain[] = {k1, k3};
        ts_scenario *a = load(GOOD "minimal.cfg", with, 2);
        ts_scenario *b = load(GOOD "minimal.cfg", plain, 2);
        double got;
        memcpy(&got, (char *)&a->actors[0].strategy + p->offset, sizeof got);
        assert_true(got == v);
        assert_false(ts_scenario_equal(a, b));
        char *text = ts_scenario_to_string(a);
        ts_error err;
        ts_scenario *c = ts_scenario_parse(text, "x.cfg", NULL, 0, &err);
        assert_non_null(c);
        assert_true(ts_scenario_equal(a, c));
        ts_scenario_free(c);
        free(text);
        ts_scenario_free(a);
        ts_scenario_free(b);
    }
}

/* The talk keys opener, round_length, weights and disagreement: loaded,
 * written and read back equal, and each one's change detected. */
static void test_talk_keys(void **state)
{
    (void)state;
    const char *sets[] = {"talks.[0].protocol=\"alternating\"", "talks.[0].opener=\"cn\"",
                          "talks.[0].round_length=3", "talks.[0].weights=\"patience\"",
                          "talks.[0].disagreement=\"noncooperative\"",
                          "actors.[0].discount=0.05"};
    ts_scenario *a = load(GOOD "all_kinds.cfg", sets, 6);
    const ts_talk *tk = &a->talks[0];
    assert_int_equal(tk->protocol, TS_PROTO_ALTERNATING);
    assert_int_equal(tk->opener, 1);
    assert_int_equal(tk->round_length, 3);
    assert_int_equal(tk->weights, TS_WEIGHTS_PATIENCE);
    assert_int_equal(tk->disagreement, TS_DISAGREE_NONCOOPERATIVE);
    char *text = ts_scenario_to_string(a);
    ts_error err;
    ts_scenario *b = ts_scenario_parse(text, "x.cfg", NULL, 0, &err);
    assert_non_null(b);
    assert_true(ts_scenario_equal(a, b));
    ts_scenario_free(b);
    free(text);
    static const char *const other[] = {"talks.[0].opener=\"us\"", "talks.[0].round_length=2",
                                        "talks.[0].weights=\"power\"",
                                        "talks.[0].disagreement=\"status_quo\""};
    for (int k = 0; k < 4; k++) {
        const char *more[7];
        for (int j = 0; j < 6; j++)
            more[j] = sets[j];
        more[6] = other[k];
        ts_scenario *c = load(GOOD "all_kinds.cfg", more, 7);
        assert_false(ts_scenario_equal(a, c));
        ts_scenario_free(c);
    }
    ts_scenario_free(a);
}

static void test_write_failure(void **state)
{
    (void)state;
    ts_scenario *a = load(GOOD "minimal.cfg", NULL, 0);
    ts_error err;
    assert_int_equal(ts_scenario_write(a, "/nonexistent-dir/x.cfg", &err), TS_EIO);
    assert_string_equal(err.msg, "cannot write '/nonexistent-dir/x.cfg': No such file or directory");
    ts_scenario_free(a);
    assert_null(ts_scenario_load("/nonexistent-dir/x.cfg", NULL, 0, &err));
    assert_int_equal(err.code, TS_EIO);
}

static void test_param_table(void **state)
{
    (void)state;
    int n = 0;
    for (const ts_param_info *p = ts_param_table(); p->key; p++, n++) {
        assert_true(p->lo <= p->def && p->def <= p->hi);
        assert_non_null(p->doc);
        assert_non_null(p->unit);
        if (p->target == TS_TARGET_ISSUE)
            assert_true(p->kinds != 0 && p->offset + sizeof(double) <= sizeof(ts_issue));
        else
            assert_true(p->offset + sizeof(double) <= sizeof(ts_actor));
        /* Unique per kind: a lookup finds this very entry. */
        for (int k = 0; k < TS_ISSUE_KIND_COUNT; k++)
            if (p->target == TS_TARGET_ACTOR || (p->kinds & (1u << k)))
                assert_ptr_equal(ts_param_find(p->target, (ts_issue_kind)k, p->key), p);
    }
    assert_int_equal(n, 42); /* 6 actor + 6 lever + 6 + 14 + 7 + 3 kind-specific */
    assert_null(ts_param_find(TS_TARGET_ISSUE, TS_ISSUE_TARIFF, "sales_bn"));
    assert_non_null(ts_param_find(TS_TARGET_ISSUE, TS_ISSUE_PLEDGE, "cost_bn"));
    assert_string_equal(ts_issue_kind_name(TS_ISSUE_EXPORT_CONTROL), "export_control");
    assert_string_equal(ts_strategy_kind_name(TS_STRAT_TIME_DEPENDENT), "time_dependent");
}

static void test_docs_list_every_key(void **state)
{
    (void)state;
    char *doc = ts_test_read_file(TS_SOURCE_DIR "/docs/scenario-format.md", NULL);
    assert_non_null(doc);
    for (const ts_param_info *p = ts_param_table(); p->key; p++) {
        char needle[96];
        snprintf(needle, sizeof needle, "`%s`", p->key);
        if (!strstr(doc, needle))
            print_error("docs/scenario-format.md does not document %s\n", needle);
        assert_non_null(strstr(doc, needle));
    }
    for (const ts_strategy_param *p = ts_strategy_param_table(); p->key; p++) {
        char needle[96];
        snprintf(needle, sizeof needle, "`%s`", p->key);
        if (!strstr(doc, needle))
            print_error("docs/scenario-format.md does not document strategy key %s\n", needle);
        assert_non_null(strstr(doc, needle));
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_defaults),
        cmocka_unit_test(test_all_kinds_values),
        cmocka_unit_test(test_abstract_and_include),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_supply_elasticity_round_trip),
        cmocka_unit_test(test_equal_and_hash_detect_changes),
        cmocka_unit_test(test_equal_sees_each_part),
        cmocka_unit_test(test_talk_keys),
        cmocka_unit_test(test_strategy_params),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_large_files),
        cmocka_unit_test(test_param_table),
        cmocka_unit_test(test_docs_list_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
