/* Tests of the strategies' move rules (strategy.h): max_step, clamping,
 * noise (and no draws without it), held levers, pledge escalation, tit for
 * tat's copy of the seen level, reciprocity's answer to a change, Richardson's
 * per-year rates, grim trigger's threshold, best response on flat, linear
 * and concave payoffs, Faratin's alpha. Worlds are built by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>

#include "tradesim/strategy.h"

typedef struct {
    ts_scenario sc;
    ts_issue issues[3], copies[3];
    ts_issue_state st[3];
    bool held[3];
    double seen[3];
    ts_world w;
} fixture;

/* Levers: 0 custom owned by actor 0, 1 pledge owned by 0, 2 custom owned by 1. */
static void make(fixture *f, ts_strategy_kind s0)
{
    memset(f, 0, sizeof *f);
    f->sc.calendar = (ts_calendar){TS_STEP_ABSTRACT, 0, 0, 10, 1.0};
    f->sc.n_issues = 3;
    f->sc.issues = f->issues;
    for (int i = 0; i < 3; i++) {
        ts_issue *is = &f->issues[i];
        is->kind = i == 1 ? TS_ISSUE_PLEDGE : TS_ISSUE_CUSTOM;
        is->owner = i == 2 ? 1 : 0;
        is->min = 0.0;
        is->max = 1.0;
        is->initial = 0.5;
        is->max_step = 0.1;
        is->pressure_weight = 1.0;
    }
    f->sc.actors[0].strategy.kind = s0;
    f->sc.actors[0].strategy.speed = 1.0;
    f->sc.actors[1].strategy.kind = TS_STRAT_HOLD;
    ts_world_bind(&f->w, &f->sc, f->copies, f->st, f->held, f->seen);
}

static void test_escalate_concede(void **state)
{
    (void)state;
    fixture f;
    make(&f, TS_STRAT_ALWAYS_ESCALATE);
    ts_strategy_move(&f.w, 0, NULL, NULL);
    /* Within max_step; escalating a pledge lowers the effort. */
    assert_float_equal(f.w.st[0].x, 0.6, 1e-15);
    assert_float_equal(f.w.st[1].x, 0.4, 1e-15);
    assert_float_equal(f.w.st[2].x, 0.5, 0.0);   /* the other's lever is untouched */
    for (int k = 0; k < 20; k++)
        ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, 1.0, 0.0);   /* clamped at the bound */
    assert_float_equal(f.w.st[1].x, 0.0, 0.0);
    make(&f, TS_STRAT_ALWAYS_CONCEDE);
    f.w.held[0] = true;
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, 0.5, 0.0);   /* held by an agreement */
    assert_float_equal(f.w.st[1].x, 0.6, 1e-15);
}

static void test_noise_draws(void **state)
{
    (void)state;
    fixture f;
    make(&f, TS_STRAT_ALWAYS_ESCALATE);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2), *ref = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(r, 5);
    gsl_rng_set(ref, 5);
    ts_strategy_move(&f.w, 0, NULL, r);
    /* noise = 0: no draw was made. */
    assert_int_equal(gsl_rng_get(r), gsl_rng_get(ref));
    f.w.actor[0].noise = 0.05;
    gsl_rng_set(r, 9);
    gsl_rng_set(ref, 9);
    double x0 = f.w.st[0].x, x1 = f.w.st[1].x;
    ts_strategy_move(&f.w, 0, NULL, r);
    /* One gaussian per free lever, in issue order. */
    double n0 = gsl_ran_gaussian_ziggurat(ref, 0.05), n1 = gsl_ran_gaussian_ziggurat(ref, 0.05);
    assert_float_equal(f.w.st[0].x, fmin(1.0, fmax(0.0, x0 + 0.1 + n0)), 1e-15);
    assert_float_equal(f.w.st[1].x, fmin(1.0, fmax(0.0, x1 - 0.1 + n1)), 1e-15);
    gsl_rng_free(r);
    gsl_rng_free(ref);
}

static void test_tit_for_tat(void **state)
{
    (void)state;
    fixture f;
    make(&f, TS_STRAT_TIT_FOR_TAT);
    f.w.issue[0].max_step = f.w.issue[1].max_step = 1.0;
    f.w.step = 0;
    f.w.seen_p[1] = 0.9;
    ts_strategy_move(&f.w, 0, NULL, NULL);   /* first move: hold */
    assert_float_equal(f.w.st[0].x, 0.5, 0.0);
    assert_float_equal(f.w.st[1].x, 0.5, 0.0);
    f.w.step = 1;
    ts_strategy_move(&f.w, 0, NULL, NULL);   /* copies the level 0.9 */
    assert_float_equal(f.w.st[0].x, 0.9, 1e-15);
    assert_float_equal(f.w.st[1].x, 0.1, 1e-15);   /* pledge: pressure 0.9 = effort 0.1 */
    /* Level, not change: the same seen level again holds where it is. */
    f.w.seen_p_prev[1] = 0.9;
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, 0.9, 1e-15);
    f.w.seen_p[1] = 0.2;   /* it backed down: so does tit for tat, to 0.2 */
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, 0.2, 1e-15);
    assert_float_equal(f.w.st[1].x, 0.8, 1e-15);
    /* Within max_step: 0.1 a step towards the copied level. */
    f.w.issue[0].max_step = f.w.issue[1].max_step = 0.1;
    f.w.seen_p[1] = 1.0;
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, 0.3, 1e-15);
    assert_float_equal(f.w.st[1].x, 0.7, 1e-15);
    /* A lever an event moved this step is that step's move. */
    f.w.forced = UINT64_C(1) << 0;
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, 0.3, 1e-15);
    assert_float_equal(f.w.st[1].x, 0.6, 1e-15);
}

static void test_reciprocity(void **state)
{
    (void)state;
    fixture f;
    make(&f, TS_STRAT_RECIPROCITY);
    f.w.step = 0;
    f.w.seen_p_prev[1] = 0.2;
    f.w.seen_p[1] = 0.9;
    ts_strategy_move(&f.w, 0, NULL, NULL);   /* first move: hold */
    assert_float_equal(f.w.st[0].x, 0.5, 0.0);
    f.w.step = 1;
    ts_strategy_move(&f.w, 0, NULL, NULL);   /* the other escalated: escalate */
    assert_float_equal(f.w.st[0].x, 0.6, 1e-15);
    assert_float_equal(f.w.st[1].x, 0.4, 1e-15);
    f.w.seen_p[1] = 0.1;
    ts_strategy_move(&f.w, 0, NULL, NULL);   /* it backed down: de-escalate */
    assert_float_equal(f.w.st[0].x, 0.5, 1e-15);
    assert_float_equal(f.w.st[1].x, 0.5, 1e-15);
    f.w.seen_p_prev[1] = 0.1;
    ts_strategy_move(&f.w, 0, NULL, NULL);   /* no change: hold */
    assert_float_equal(f.w.st[0].x, 0.5, 1e-15);
}

/* Richardson's rates are per year: over a step of h years the target index
 * is p + h (k p_other - a p + g). */
static void test_richardson_rates_per_year(void **state)
{
    (void)state;
    fixture f;
    make(&f, TS_STRAT_RICHARDSON);
    f.w.h = 7.0 / 365.25;   /* a week */
    ts_strategy *s = &f.w.actor[0].strategy;
    s->reactivity = 2.0;
    s->fatigue = 0.5;
    s->grievance = 0.3;
    for (int i = 0; i < 2; i++)
        f.w.issue[i].max_step = 1.0;
    f.w.seen_p[1] = 0.8;
    /* Own index: lever 0 at 0.5 (pressure 0.5), the pledge at 0.5 (pressure 0.5). */
    double p = 0.5, target = p + f.w.h * (2.0 * 0.8 - 0.5 * p + 0.3);
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, target, 1e-15);
    assert_float_equal(f.w.st[1].x, 1.0 - target, 1e-15);
    /* The same rates on an abstract step (h = 1) move 1/h times as far. */
    make(&f, TS_STRAT_RICHARDSON);
    s = &f.w.actor[0].strategy;
    s->reactivity = 0.2;
    s->fatigue = 0.5;
    s->grievance = 0.03;
    f.w.issue[0].max_step = f.w.issue[1].max_step = 1.0;
    f.w.seen_p[1] = 0.8;
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, 0.5 + (0.2 * 0.8 - 0.5 * 0.5 + 0.03), 1e-15);
}

static void test_grim_trigger(void **state)
{
    (void)state;
    fixture f;
    make(&f, TS_STRAT_GRIM_TRIGGER);
    f.w.actor[0].strategy.threshold = 0.2;
    f.w.seen_p[1] = f.w.p_initial[1] + 0.15;   /* within the threshold */
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_false(f.w.triggered[0]);
    assert_float_equal(f.w.st[0].x, 0.5, 0.0);
    f.w.seen_p[1] = f.w.p_initial[1] + 0.25;
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_true(f.w.triggered[0]);
    f.w.seen_p[1] = f.w.p_initial[1];   /* for good, even if the other backs down */
    ts_strategy_move(&f.w, 0, NULL, NULL);
    assert_float_equal(f.w.st[0].x, 0.7, 1e-15);
}

static void test_best_response(void **state)
{
    (void)state;
    fixture f;
    make(&f, TS_STRAT_BEST_RESPONSE);
    ts_strategy_ws *ws = ts_strategy_ws_alloc();
    assert_non_null(ws);
    /* Flat payoff in lever 0: stays where it is. */
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 0.5, 0.0);
    /* Linear, increasing: the upper bound. */
    f.w.issue[0].payoff[0][1] = 2.0;
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 1.0, 0.0);
    /* Concave -(x - 0.3)^2 = -0.09 + 0.6 x - x^2: optimum 0.3 (Brent, 1e-10
     * bracket; the quadratic is flat near its top, so ~1e-8 in x). */
    f.w.issue[0].payoff[0][0] = -0.09;
    f.w.issue[0].payoff[0][1] = 0.6;
    f.w.issue[0].payoff[0][2] = -1.0;
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 0.3, 1e-7);
    /* Optimum inside the first grid cell (cell width 1/16). */
    f.w.issue[0].payoff[0][1] = 0.04;
    f.w.issue[0].payoff[0][0] = -0.0004;
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 0.02, 1e-7);
    /* Optimum inside the last grid cell: -(x - 0.98)^2. */
    f.w.issue[0].payoff[0][0] = -0.9604;
    f.w.issue[0].payoff[0][1] = 1.96;
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 0.98, 1e-7);
    /* The same on a lever from 1 to 3 (grid step 1/8): -(x - 2.97)^2 and
     * -(x - 1.02)^2, in the last and the first cell. */
    f.w.issue[0].min = 1.0;
    f.w.issue[0].max = 3.0;
    f.w.issue[0].payoff[0][0] = -2.97 * 2.97;
    f.w.issue[0].payoff[0][1] = 2 * 2.97;
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 2.97, 1e-7);
    f.w.issue[0].payoff[0][0] = -1.02 * 1.02;
    f.w.issue[0].payoff[0][1] = 2 * 1.02;
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 1.02, 1e-7);
    /* Decreasing: the lower bound, which is min, not 0. */
    memset(f.w.issue[0].payoff, 0, sizeof f.w.issue[0].payoff);
    f.w.issue[0].payoff[0][1] = -1.0;
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 1.0, 0.0);
    f.w.issue[0].min = 0.0;
    f.w.issue[0].max = 1.0;
    f.w.issue[0].payoff[0][1] = 0.0;
    /* An interaction with the other's lever as seen last step: u = x y - x^2/2
     * gives x = y. */
    ts_interaction in = {0, 0, 2, 1.0, 0};
    f.sc.interactions = &in;
    f.sc.n_interactions = 1;
    memset(f.w.issue[0].payoff, 0, sizeof f.w.issue[0].payoff);
    f.w.issue[0].payoff[0][2] = -0.5;
    f.w.seen[2] = 0.8;
    f.w.st[2].x = 0.1;   /* its true current level is not what actor 0 sees */
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 0.8, 1e-7);
    /* The same with the lever second in the interaction; another actor's
     * interaction, or one without the lever, leaves it alone. */
    in = (ts_interaction){.actor = 0, .issue_a = 2, .issue_b = 0, .coef = 1.0};
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 0.8, 1e-7);
    ts_interaction two[2] = {{.actor = 1, .issue_a = 0, .issue_b = 2, .coef = 5.0},
                             {.actor = 0, .issue_a = 2, .issue_b = 2, .coef = 5.0}};
    f.sc.interactions = two;
    f.sc.n_interactions = 2;
    f.w.issue[0].payoff[0][1] = 0.3;   /* alone: -x^2/2 + 0.3 x, best 0.3 */
    assert_float_equal(ts_strategy_best_level(&f.w, 0, 0, ws), 0.3, 1e-7);
    f.w.issue[0].payoff[0][1] = 0.0;
    f.sc.interactions = &in;
    f.sc.n_interactions = 1;
    /* speed 0.5 closes half the gap, within max_step 0.1. */
    f.w.actor[0].strategy.speed = 0.5;
    f.w.issue[0].max_step = 1.0;
    ts_strategy_move(&f.w, 0, ws, NULL);
    assert_float_equal(f.w.st[0].x, 0.65, 1e-7);
    ts_strategy_ws_free(ws);
}

static void test_faratin_alpha(void **state)
{
    (void)state;
    assert_float_equal(ts_faratin_alpha(0.1, 1.0, 5, 10), 0.55, 1e-15);
    assert_float_equal(ts_faratin_alpha(0.0, 0.5, 5, 10), 0.25, 1e-15);
    assert_float_equal(ts_faratin_alpha(0.0, 2.0, 4, 16), 0.5, 1e-15);
    assert_float_equal(ts_faratin_alpha(0.2, 2.0, 30, 16), 1.0, 1e-15);   /* past the deadline */
    assert_float_equal(ts_faratin_alpha(0.2, 2.0, 0, 0), 1.0, 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escalate_concede), cmocka_unit_test(test_noise_draws),
        cmocka_unit_test(test_tit_for_tat),      cmocka_unit_test(test_grim_trigger),
        cmocka_unit_test(test_best_response),    cmocka_unit_test(test_faratin_alpha),
        cmocka_unit_test(test_reciprocity),      cmocka_unit_test(test_richardson_rates_per_year),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
