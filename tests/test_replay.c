/* The shipped 2025 replay (scenarios/us_china_2025.cfg) against the dated
 * tariff figures it replays.
 *
 * The figures below are copied from the project's timeline of 2025 measures
 * (data/us_china_2025_timeline.csv, kept outside the repository), rows of
 * us_tariff and cn_tariff that carry a value (2025-11-10's in its text): a level (an average rate, PIIE's
 * "US-China Trade War Tariffs: An Up-to-Date Chart", Bown) or a change in
 * points (the executive orders and PIIE's increments). The test runs
 * replicate 0 and checks, for each dated figure, the lever on the weekly step
 * where that date's events fire (the first step on or after the date): a
 * level must equal the figure, a change must equal the previous figure plus
 * the change. Where several rows of one issue fall on the same weekly step
 * only the step's final level is checked. The step before each figure's step
 * must show another level, so no event fires early. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tradesim/engine.h"
#include "tradesim/scenario.h"

#define REPLAY TS_SOURCE_DIR "/scenarios/us_china_2025.cfg"

/* Levels are set exactly; changes are sums of a few decimals, so they agree
 * with the table's sums to rounding (1e-9 is ~1e6 ulps of the values). */
#define LEVEL_TOL 1e-9

typedef struct {
    const char *date;
    const char *issue;
    bool change;      /* value is a change (+0.10), not a level */
    double value;
    const char *source;
} dated_figure;

/* In the timeline's order within each issue. */
static const dated_figure figures[] = {
    {"2025-01-20", "us_tariff", false, 0.208, "PIIE average US tariff on China (verified)"},
    {"2025-02-04", "us_tariff", true, 0.10, "EO 14195; PIIE (verified)"},
    {"2025-03-04", "us_tariff", true, 0.10, "EO 14228; PIIE (verified)"},
    {"2025-04-05", "us_tariff", true, 0.10, "PIIE increments (verified)"},
    {"2025-04-09", "us_tariff", true, 0.74, "PIIE increments (verified)"},
    {"2025-04-10", "us_tariff", true, 0.41, "PIIE increments (verified)"},
    {"2025-04-15", "us_tariff", false, 1.241, "PIIE mid-April snapshot (verified)"},
    {"2025-05-14", "us_tariff", false, 0.511, "PIIE after Geneva (verified)"},
    /* The row's value column is empty; its text gives officials' overall rate
     * "57% -> 47%" (EOs; verified). */
    {"2025-11-10", "us_tariff", false, 0.47, "officials' overall rate after the EOs (verified)"},
    {"2025-01-20", "cn_tariff", false, 0.212, "PIIE chart (status memory)"},
    {"2025-05-14", "cn_tariff", false, 0.326, "PIIE after Geneva (verified)"},
};
#define N_FIGURES ((int)(sizeof figures / sizeof figures[0]))

typedef struct {
    ts_scenario *sc;
    int T, n_issues;
    double *level;   /* [T][n_issues]: each lever after each step */
    double *h20_share; /* [T]: h20_licence revenue_share in force at each step */
} replay_run;

static int setup(void **state)
{
    replay_run *rr = calloc(1, sizeof *rr);
    if (!rr)
        return -1;
    ts_error err = {0};
    rr->sc = ts_scenario_load(REPLAY, NULL, 0, &err);
    if (!rr->sc) {
        fprintf(stderr, "%s\n", err.msg);
        free(rr);
        return -1;
    }
    rr->T = rr->sc->calendar.steps;
    rr->n_issues = rr->sc->n_issues;
    rr->level = calloc((size_t)rr->T * (size_t)rr->n_issues, sizeof *rr->level);
    rr->h20_share = calloc((size_t)rr->T, sizeof *rr->h20_share);
    ts_engine *e = ts_engine_alloc(rr->sc, &err);
    ts_replicate *r = e ? ts_replicate_alloc(e) : NULL;
    int h20 = ts_scenario_issue_index(rr->sc, "h20_licence");
    int rc = (rr->level && rr->h20_share && r && h20 >= 0) ? 0 : -1;
    if (rc == 0) {
        ts_replicate_reset(e, r, 0);
        for (int t = 0; t < rr->T && rc == 0; t++) {
            /* No talks hook: the replay must contain no model talks (checked below). */
            if (ts_replicate_step(e, r, NULL, NULL, NULL, &err) != TS_OK) {
                fprintf(stderr, "%s\n", err.msg);
                rc = -1;
                break;
            }
            for (int i = 0; i < rr->n_issues; i++)
                rr->level[(size_t)t * (size_t)rr->n_issues + (size_t)i] = r->w.st[i].x;
            rr->h20_share[t] = r->w.issue[h20].revenue_share;
        }
    }
    ts_replicate_free(r);
    ts_engine_free(e);
    if (rc != 0) {
        ts_scenario_free(rr->sc);
        free(rr->level);
        free(rr->h20_share);
        free(rr);
        return -1;
    }
    *state = rr;
    return 0;
}

static int teardown(void **state)
{
    replay_run *rr = *state;
    ts_scenario_free(rr->sc);
    free(rr->level);
    free(rr->h20_share);
    free(rr);
    return 0;
}

static int step_of(const replay_run *rr, const char *date)
{
    int32_t day;
    assert_true(ts_date_parse(date, &day));
    int s = ts_calendar_step_of_day(&rr->sc->calendar, day);
    assert_true(s >= 0 && s < rr->T);
    return s;
}

static double level_at(const replay_run *rr, int step, int issue)
{
    return rr->level[(size_t)step * (size_t)rr->n_issues + (size_t)issue];
}

static void test_replay_is_a_pure_replay(void **state)
{
    const replay_run *rr = *state;
    const ts_scenario *sc = rr->sc;
    assert_int_equal(sc->n_talks, 0);
    assert_false(sc->talks_hazard.enabled);
    assert_int_equal(sc->calendar.unit, TS_STEP_WEEK);
    for (int a = 0; a < 2; a++) {
        assert_true(sc->actors[a].strategy.kind == TS_STRAT_SCRIPTED ||
                    sc->actors[a].strategy.kind == TS_STRAT_HOLD);
        assert_true(sc->actors[a].noise == 0.0);
    }
    for (int k = 0; k < sc->n_events; k++)
        assert_true(sc->events[k].step >= 0);   /* every event dated, none random */
    /* The issue ids of the timeline's issue column. */
    const char *ids[] = {"us_tariff", "cn_tariff", "h20_licence", "rare_earths", "fentanyl"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        assert_true(ts_scenario_issue_index(sc, ids[i]) >= 0);
}

static void test_tariff_path_equals_timeline(void **state)
{
    const replay_run *rr = *state;
    int checked = 0;
    for (int f = 0; f < N_FIGURES; f++) {
        const dated_figure *fig = &figures[f];
        int issue = ts_scenario_issue_index(rr->sc, fig->issue);
        assert_true(issue >= 0);
        /* The expected level: the last level at or before this row, plus the
         * changes since, within this issue. */
        double expect = 0.0;
        for (int g = 0; g <= f; g++)
            if (!strcmp(figures[g].issue, fig->issue))
                expect = figures[g].change ? expect + figures[g].value : figures[g].value;
        int s = step_of(rr, fig->date);
        /* Only the final row of a step is checked (04-09 and 04-10 share one). */
        bool last_of_step = true;
        for (int g = f + 1; g < N_FIGURES; g++)
            if (!strcmp(figures[g].issue, fig->issue) && step_of(rr, figures[g].date) == s)
                last_of_step = false;
        if (!last_of_step)
            continue;
        double got = level_at(rr, s, issue);
        if (got < expect - LEVEL_TOL || got > expect + LEVEL_TOL)
            fail_msg("%s on %s (step %d): level %.9g, timeline %.9g (%s)", fig->issue,
                     fig->date, s, got, expect, fig->source);
        /* Nothing fires early: the step before still shows another level. */
        if (s > 0) {
            double before = level_at(rr, s - 1, issue);
            if (before >= expect - LEVEL_TOL && before <= expect + LEVEL_TOL)
                fail_msg("%s already at %.9g on the step before %s", fig->issue, expect,
                         fig->date);
        }
        checked++;
    }
    /* Ten rows, the two of 04-09/04-10 counted once. */
    assert_int_equal(checked, N_FIGURES - 1);
}

/* Before the EOs of 10 November the US rate is officials' 57% (the same
 * timeline row, "57% -> 47%"): Geneva's 51.1% plus the Section 232 increases
 * since May, which the replay adds on 4 June. */
static void test_us_rate_before_busan_eos(void **state)
{
    const replay_run *rr = *state;
    int us = ts_scenario_issue_index(rr->sc, "us_tariff");
    int eo = step_of(rr, "2025-11-10"), s232 = step_of(rr, "2025-06-04");
    assert_float_equal(level_at(rr, eo - 1, us), 0.57, LEVEL_TOL);
    assert_float_equal(level_at(rr, s232, us), 0.57, LEVEL_TOL);
    assert_float_equal(level_at(rr, s232 - 1, us), 0.511, LEVEL_TOL);
}

/* The H20 rows of the timeline: banned on 2025-04-15 (value 1), licences from
 * 2025-08-08 (value 0), the 15% revenue share from 2025-08-11 (press reports;
 * Nvidia 8-K via Tom's Hardware for the ban). */
static void test_h20_ban_reversal_and_share(void **state)
{
    const replay_run *rr = *state;
    int h20 = ts_scenario_issue_index(rr->sc, "h20_licence");
    int ban = step_of(rr, "2025-04-15"), lic = step_of(rr, "2025-08-08");
    int share = step_of(rr, "2025-08-11");
    assert_true(level_at(rr, ban - 1, h20) == 0.0);
    assert_true(level_at(rr, ban, h20) == 1.0);
    assert_true(level_at(rr, lic - 1, h20) == 1.0);
    assert_true(level_at(rr, lic, h20) == 0.0);
    assert_true(rr->h20_share[share - 1] == 0.0);
    assert_float_equal(rr->h20_share[share], 0.15, 1e-15);
    assert_float_equal(rr->h20_share[rr->T - 1], 0.15, 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_is_a_pure_replay),
        cmocka_unit_test(test_tariff_path_equals_timeline),
        cmocka_unit_test(test_us_rate_before_busan_eos),
        cmocka_unit_test(test_h20_ban_reversal_and_share),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
