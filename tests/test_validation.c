/* Analytic validations: what the model reproduces, each against a closed
 * form or a published result computed independently here (never by the code
 * under test). Scenarios are built as structs so each test shows exactly the
 * parameters it uses.
 *
 *  - tariff: the exact constant-elasticity loss (M0 tau^2/(1+tau)^2 at
 *    theta = 0), Johnson's (1953) optimum 1/eps* for a best response and
 *    a fine grid, and the Nash tariffs reached by two best_response actors;
 *  - iterated prisoner's dilemma (Axelrod 1984), (T,R,P,S) = (5,3,1,0),
 *    200 rounds: TFT vs ALLD 199/204, TFT vs TFT 600/600, GRIM vs ALLC, and
 *    TFT vs TFT with one forced defection: the echo, 505/500;
 *  - Richardson (1960) equilibrium and divergence, per step (abstract) and
 *    with per-year rates on weekly steps (the linear map's closed form);
 *  - Faratin, Sierra & Jennings (1998) time-dependent tactics;
 *  - closed-form paths of chip capability v(t), market m(t), dependence D(t);
 *  - byte-identical outputs of `tradesim run` (twice, and -j 1 vs -j 2). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "tradesim/engine.h"
#include "tradesim/model.h"
#include "tradesim/strategy.h"
#include "testutil.h"

/* ---- building scenarios ------------------------------------------------- */

static ts_scenario *make_scenario(int steps, ts_step_unit unit, double step_years, int n_issues)
{
    ts_scenario *sc = calloc(1, sizeof *sc);
    assert_non_null(sc);
    snprintf(sc->name, sizeof sc->name, "validation");
    snprintf(sc->path, sizeof sc->path, "validation.cfg");
    snprintf(sc->rng, sizeof sc->rng, "taus2");
    sc->calendar = (ts_calendar){unit, 0, 0, steps, step_years};
    sc->replicates = 1;
    sc->seed = 1;
    sc->trajectories = 0;
    sc->precision = 6;
    for (int a = 0; a < 2; a++) {
        ts_actor *ac = &sc->actors[a];
        snprintf(ac->id, sizeof ac->id, "%s", a ? "b" : "a");
        ac->power = 1.0;
        ac->reliability = 1.0;
        ac->trust = 0.5;
        ac->trust_rate = 0.1;
        ac->strategy.kind = TS_STRAT_HOLD;
        ac->strategy.speed = 1.0;
        ac->strategy.beta = 1.0;
        ac->strategy.reactivity = ac->strategy.fatigue = 0.5;
    }
    sc->n_issues = n_issues;
    sc->issues = calloc((size_t)n_issues, sizeof *sc->issues);
    assert_non_null(sc->issues);
    for (int i = 0; i < n_issues; i++) {
        ts_issue *is = &sc->issues[i];
        snprintf(is->id, sizeof is->id, "lever%d", i);
        is->kind = TS_ISSUE_CUSTOM;
        is->owner = i % 2;
        is->min = 0.0;
        is->max = 1.0;
        is->max_step = 1.0;
        is->pressure_weight = 1.0;
    }
    return sc;
}

static void free_scenario(ts_scenario *sc)
{
    free(sc->issues);
    free(sc->interactions);
    free(sc);
}

/* Runs replicate 0 for all steps; rows (T x C) may be NULL. */
static ts_replicate *run_replicate(const ts_engine *e, double *rows)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    ts_replicate *r = ts_replicate_alloc(e);
    assert_non_null(r);
    ts_replicate_reset(e, r, 0);
    int C = ts_engine_n_columns(e);
    for (int t = 0; t < sc->calendar.steps; t++)
        assert_int_equal(
            ts_replicate_step(e, r, NULL, NULL, rows ? rows + (size_t)t * C : NULL, NULL),
            TS_OK);
    return r;
}

/* ---- tariff --------------------------------------------------------------- */

static void set_tariff(ts_issue *is, int owner, double m0, double eps, double theta)
{
    is->kind = TS_ISSUE_TARIFF;
    is->owner = owner;
    is->min = 0.0;
    is->max = 2.0;
    is->max_step = 5.0;
    is->imports_bn = m0;
    is->elasticity = eps;
    is->tot_share = theta;
    is->supply_elasticity = ts_tariff_supply_elasticity(eps, theta);
    is->elasticity_short_run = eps;
}

/* Johnson's (1953) optimal tariff against export supply of elasticity eps*:
 * 1/eps* = theta / (eps (1 - theta)). */
static double johnson(double eps, double theta)
{
    return theta / (eps * (1.0 - theta));
}

/* The owner's payoff at tau from the demand and supply curves by hand:
 * p* = (1+tau)^-theta, p = (1+tau) p*, M = M0 p^-eps,
 * consumer surplus -M0 (p^(1-eps) - 1)/(1-eps), revenue tau p* M. */
static double owner_by_hand(double m0, double eps, double theta, double tau)
{
    double ps = pow(1.0 + tau, -theta), p = (1.0 + tau) * ps, m = m0 * pow(p, -eps);
    return -m0 * (pow(p, 1.0 - eps) - 1.0) / (1.0 - eps) + tau * ps * m;
}

/* The best response of a one-tariff world (the other side's tariff zero, as
 * there is none) is Johnson's optimum, for several elasticities and shares;
 * a grid on the hand-written payoff agrees. */
static void test_tariff_optimum(void **state)
{
    (void)state;
    const double cases[][2] = {{2.0, 0.2}, {2.0, 0.3}, {3.0, 0.1}, {0.76, 0.5}, {4.0, 0.05}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double eps = cases[c][0], th = cases[c][1];
        ts_scenario *sc = make_scenario(1, TS_STEP_ABSTRACT, 1.0, 1);
        set_tariff(&sc->issues[0], 0, 439.0, eps, th);
        ts_engine *e = ts_engine_alloc(sc, NULL);
        ts_replicate *r = ts_replicate_alloc(e);
        ts_replicate_reset(e, r, 0);
        double opt = johnson(eps, th);
        double best = 0.0, fbest = -INFINITY;
        for (int g = 0; g <= 200000; g++) {
            double tau = 2.0 * g / 200000.0, f = owner_by_hand(439.0, eps, th, tau);
            if (f > fbest) {
                fbest = f;
                best = tau;
            }
        }
        double br = ts_strategy_best_level(&r->w, 0, 0, r->ws);
        assert_near(best, opt, 1e-5);   /* grid spacing */
        assert_near(br, opt, 1e-6);
        ts_replicate_free(r);
        ts_engine_free(e);
        free_scenario(sc);
    }
}

/* Two actors, each owning a tariff, both best_response: after convergence
 * each tariff maximises its owner's whole step payoff given the other's,
 * and is its owner's Johnson optimum (each tariff's payoffs depend on its
 * own level only). */
static void test_nash_tariffs(void **state)
{
    (void)state;
    ts_scenario *sc = make_scenario(40, TS_STEP_ABSTRACT, 1.0, 2);
    set_tariff(&sc->issues[0], 0, 439.0, 2.0, 0.3);
    set_tariff(&sc->issues[1], 1, 144.0, 3.0, 0.4);
    sc->issues[0].initial = 0.1;
    sc->issues[1].initial = 1.5;
    sc->actors[0].strategy.kind = sc->actors[1].strategy.kind = TS_STRAT_BEST_RESPONSE;
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_replicate *r = run_replicate(e, NULL);
    for (int a = 0; a < 2; a++) {
        double own = r->w.st[a].x;
        /* Grid check: no level of a's own tariff (spacing 1e-4) gives a more
         * than 1e-6 bn more, with the other tariff where it ended. */
        ts_world w = r->w;
        double pay[2], base;
        ts_world_payoffs(&w, pay);
        base = pay[a];
        double best = own, fbest = base;
        for (int g = 0; g <= 20000; g++) {
            w.st[a].x = 2.0 * g / 20000.0;
            ts_world_payoffs(&w, pay);
            if (pay[a] > fbest) {
                fbest = pay[a];
                best = w.st[a].x;
            }
        }
        w.st[a].x = own;
        ts_world_payoffs(&w, pay);
        assert_true(fbest - base < 1e-6);
        assert_near(best, own, 1e-4);
        assert_near(own, johnson(sc->issues[a].elasticity, sc->issues[a].tot_share), 1e-7);
    }
    ts_replicate_free(r);
    ts_engine_free(e);
    free_scenario(sc);
}

/* The exact constant-elasticity loss through the engine: one tariff held at
 * tau = 1, M0 = 100, eps = 2, theta = 0 costs its owner M0 tau^2/(1+tau)^2
 * = 25 every step; the joint payoff is negative at every tau > 0 for
 * theta < 1 and zero at theta = 1 (the owner's flow from the curves by
 * hand). */
static void test_tariff_exact_loss(void **state)
{
    (void)state;
    ts_scenario *sc = make_scenario(5, TS_STEP_ABSTRACT, 1.0, 1);
    set_tariff(&sc->issues[0], 0, 100.0, 2.0, 0.0);
    sc->issues[0].initial = 1.0;
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_replicate *r = run_replicate(e, NULL);
    assert_near(r->w.payoff[0], -25.0, 1e-12);
    assert_near(r->w.total[0], -125.0, 1e-11);
    assert_near(r->w.total[1], 0.0, 0.0);
    ts_replicate_free(r);
    ts_engine_free(e);
    for (double th = 0.0; th <= 1.0; th += 0.25) {
        set_tariff(&sc->issues[0], 0, 100.0, 2.0, th);
        ts_issue_state st;
        ts_issue_state_init(&sc->issues[0], 1.0, &st);
        for (double tau = 0.01; tau <= 2.0; tau += 0.01) {
            double po, pf;
            ts_issue_flows(&sc->issues[0], &st, tau, &po, &pf);
            assert_near(po, owner_by_hand(100.0, 2.0, th, tau), 1e-10);
            /* theta = 1 (eps* = 0): imports do not fall, a pure transfer. */
            if (th < 1.0)
                assert_true(po + pf < 0.0);
            else
                assert_near(po + pf, 0.0, 1e-12);
        }
    }
    free_scenario(sc);
}

/* ---- iterated prisoner's dilemma ----------------------------------------- */

/* Lever c_i = 1 means defect; u_i = R + (T-R) own + (S-R) other
 * + (P-S-T+R) own other, from custom linear terms and one interaction each. */
static ts_scenario *ipd(ts_strategy_kind s0, ts_strategy_kind s1)
{
    const double T = 5, R = 3, P = 1, S = 0;
    ts_scenario *sc = make_scenario(200, TS_STEP_ABSTRACT, 1.0, 2);
    for (int i = 0; i < 2; i++) {
        ts_issue *is = &sc->issues[i];
        is->owner = i;
        is->payoff[i][0] = R;
        is->payoff[i][1] = T - R;
        is->payoff[1 - i][1] = S - R;
    }
    sc->n_interactions = 2;
    sc->interactions = calloc(2, sizeof *sc->interactions);
    for (int a = 0; a < 2; a++)
        sc->interactions[a] = (ts_interaction){a, 0, 1, P - S - T + R, 0};
    sc->actors[0].strategy.kind = s0;
    sc->actors[1].strategy.kind = s1;
    return sc;
}

/* With forced_step >= 0, a dated `set` event makes actor 0 defect at that
 * step (its lever to 1); the event's level is that step's move. */
static void check_ipd_forced(ts_strategy_kind s0, ts_strategy_kind s1, int forced_step, double u0,
                             double u1)
{
    ts_scenario *sc = ipd(s0, s1);
    ts_event_set set = {0, 1.0, false};
    ts_event ev = {.step = forced_step, .n_sets = 1, .sets = &set};
    if (forced_step >= 0) {
        sc->events = &ev;
        sc->n_events = 1;
    }
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_replicate *r = run_replicate(e, NULL);
    /* Sums of small integers: exact in double. */
    assert_float_equal(r->w.total[0], u0, 0.0);
    assert_float_equal(r->w.total[1], u1, 0.0);
    ts_replicate_free(r);
    ts_engine_free(e);
    free_scenario(sc);
}

static void check_ipd(ts_strategy_kind s0, ts_strategy_kind s1, double u0, double u1)
{
    check_ipd_forced(s0, s1, -1, u0, u1);
}

/* One forced defection by actor 0 at step 5 of 200 between two tit-for-tats:
 * the alternating echo (D,C), (C,D), ... from step 5 to 199, 195 rounds, 98 of
 * them (T,S) for actor 0 and 97 (S,T): 5 R + 98 T = 505 and 5 R + 97 T = 500,
 * what Axelrod-Python's TitForTat scores with the same forced move. */
static void test_ipd_echo(void **state)
{
    (void)state;
    const double T = 5, R = 3;
    check_ipd_forced(TS_STRAT_TIT_FOR_TAT, TS_STRAT_TIT_FOR_TAT, 5, 5 * R + 98 * T, 5 * R + 97 * T);
    assert_true(5 * R + 98 * T == 505.0 && 5 * R + 97 * T == 500.0);
    /* Without the forced move: mutual cooperation, 600 each. */
    check_ipd_forced(TS_STRAT_TIT_FOR_TAT, TS_STRAT_TIT_FOR_TAT, -1, 600.0, 600.0);
    /* Reciprocity answers the change and never the return to cooperation:
     * the one defection ratchets both to mutual defection from step 6,
     * 5 R + T + 194 P = 214 and 5 R + S + 194 P = 209. */
    check_ipd_forced(TS_STRAT_RECIPROCITY, TS_STRAT_RECIPROCITY, 5, 214.0, 209.0);
}

static void test_ipd(void **state)
{
    (void)state;
    check_ipd(TS_STRAT_TIT_FOR_TAT, TS_STRAT_ALWAYS_ESCALATE, 199.0, 204.0);
    check_ipd(TS_STRAT_ALWAYS_ESCALATE, TS_STRAT_TIT_FOR_TAT, 204.0, 199.0);
    check_ipd(TS_STRAT_TIT_FOR_TAT, TS_STRAT_TIT_FOR_TAT, 600.0, 600.0);
    check_ipd(TS_STRAT_GRIM_TRIGGER, TS_STRAT_ALWAYS_CONCEDE, 600.0, 600.0);
    /* Mutual defection every round: P each. */
    check_ipd(TS_STRAT_ALWAYS_ESCALATE, TS_STRAT_ALWAYS_ESCALATE, 200.0, 200.0);
    /* GRIM vs ALLD: exploited once (S, T), then P forever, like TFT. */
    check_ipd(TS_STRAT_GRIM_TRIGGER, TS_STRAT_ALWAYS_ESCALATE, 199.0, 204.0);
}

/* ---- Richardson ------------------------------------------------------------ */

static ts_engine *richardson(ts_scenario *sc, const double k[2], const double a[2],
                             const double g[2])
{
    for (int i = 0; i < 2; i++) {
        sc->issues[i].owner = i;
        sc->issues[i].initial = 0.1;
        sc->issues[i].max_step = 10.0;
        ts_strategy *s = &sc->actors[i].strategy;
        s->kind = TS_STRAT_RICHARDSON;
        s->reactivity = k[i];
        s->fatigue = a[i];
        s->grievance = g[i];
    }
    return ts_engine_alloc(sc, NULL);
}

static void test_richardson(void **state)
{
    (void)state;
    ts_scenario *sc = make_scenario(200, TS_STEP_ABSTRACT, 1.0, 2);
    const double k[2] = {0.2, 0.3}, a[2] = {0.5, 0.4}, g[2] = {0.1, 0.05};
    ts_engine *e = richardson(sc, k, a, g);
    ts_replicate *r = run_replicate(e, NULL);
    double den = a[0] * a[1] - k[0] * k[1];
    double xs = (a[1] * g[0] + k[0] * g[1]) / den, ys = (a[0] * g[1] + k[1] * g[0]) / den;
    assert_true(den > 0.0);
    /* The map's eigenvalues are 0.8 and 0.3: the error after 200 steps is
     * about 0.8^200 ~ 4e-20, so only rounding remains. */
    assert_float_equal(r->w.st[0].x, xs, 1e-12);
    assert_float_equal(r->w.st[1].x, ys, 1e-12);
    ts_replicate_free(r);
    ts_engine_free(e);
    free_scenario(sc);

    /* Unstable (a_x a_y = 0.09 < k_x k_y = 0.64): runs away to the bounds. */
    sc = make_scenario(200, TS_STEP_ABSTRACT, 1.0, 2);
    const double k2[2] = {0.8, 0.8}, a2[2] = {0.3, 0.3}, g2[2] = {0.01, 0.01};
    e = richardson(sc, k2, a2, g2);
    r = run_replicate(e, NULL);
    assert_float_equal(r->w.st[0].x, 1.0, 0.0);
    assert_float_equal(r->w.st[1].x, 1.0, 0.0);
    ts_replicate_free(r);
    ts_engine_free(e);
    free_scenario(sc);
}

/* Per-year rates on weekly steps: while no bound or max_step binds, the
 * indices follow the linear map z' = z + h (A z + g), A = [[-a_x, k_x],
 * [k_y, -a_y]], whose solution is z_t = z* + (I + h A)^t (z_0 - z*), with z*
 * the fixed point of the continuous system. Checked step by step against
 * the closed form computed here from the eigen-decomposition of A (real
 * eigenvalues, as k_x k_y >= 0). The step's length does not move z*. */
static void test_richardson_weekly(void **state)
{
    (void)state;
    const int steps = 520;   /* ten years of weeks */
    ts_scenario *sc = make_scenario(steps, TS_STEP_WEEK, 7.0 / 365.25, 2);
    const double k[2] = {0.2, 0.3}, a[2] = {0.5, 0.4}, g[2] = {0.1, 0.05};
    ts_engine *e = richardson(sc, k, a, g);
    int C = ts_engine_n_columns(e);
    double *rows = calloc((size_t)steps * (size_t)C, sizeof *rows);
    assert_non_null(rows);
    ts_replicate *r = run_replicate(e, rows);
    double h = 7.0 / 365.25, den = a[0] * a[1] - k[0] * k[1];
    double zs[2] = {(a[1] * g[0] + k[0] * g[1]) / den, (a[0] * g[1] + k[1] * g[0]) / den};
    /* Eigenvalues of A: mu = (-(a_x + a_y) +- sqrt((a_x - a_y)^2 + 4 k_x k_y)) / 2. */
    double tr = -(a[0] + a[1]), disc = sqrt((a[0] - a[1]) * (a[0] - a[1]) + 4 * k[0] * k[1]);
    double mu[2] = {(tr + disc) / 2, (tr - disc) / 2};
    /* Eigenvector of mu: (k_x, mu + a_x). Coordinates of z_0 - z* in that basis. */
    double v[2][2] = {{k[0], mu[0] + a[0]}, {k[0], mu[1] + a[0]}};
    double d0[2] = {0.1 - zs[0], 0.1 - zs[1]};
    double det = v[0][0] * v[1][1] - v[1][0] * v[0][1];
    double c0 = (d0[0] * v[1][1] - v[1][0] * d0[1]) / det;
    double c1 = (v[0][0] * d0[1] - d0[0] * v[0][1]) / det;
    double worst = 0.0;
    for (int t = 0; t < steps; t++) {
        /* Row t holds the levels after step t's moves: t + 1 map steps. */
        double l0 = pow(1.0 + h * mu[0], t + 1), l1 = pow(1.0 + h * mu[1], t + 1);
        for (int i = 0; i < 2; i++) {
            double z = zs[i] + c0 * l0 * v[0][i] + c1 * l1 * v[1][i];
            double got = rows[(size_t)t * (size_t)C + (size_t)i];
            worst = fmax(worst, fabs(got - z));
        }
    }
    /* Rounding only: 520 steps of a contracting map. */
    assert_true(worst < 1e-12);
    /* After ten years the slow mode (rate |mu| = 0.2 a year) has decayed to
     * exp(-2) of its start; the fixed point does not depend on h. */
    assert_float_equal(r->w.st[0].x, zs[0] + c0 * pow(1 + h * mu[0], steps) * v[0][0] +
                                         c1 * pow(1 + h * mu[1], steps) * v[1][0], 1e-12);
    assert_true(fabs(r->w.st[0].x - zs[0]) < 0.2 * fabs(d0[0]) + 0.2 * fabs(d0[1]));
    ts_replicate_free(r);
    ts_engine_free(e);
    free(rows);
    free_scenario(sc);
}

/* ---- Faratin time-dependent tactics ------------------------------------- */

static void check_faratin(double beta)
{
    const double k = 0.1;
    const int deadline = 50, steps = 60;
    ts_scenario *sc = make_scenario(steps, TS_STEP_ABSTRACT, 1.0, 1);
    ts_issue *is = &sc->issues[0];
    is->initial = 0.9;
    is->max_step = 10.0;
    ts_strategy *s = &sc->actors[0].strategy;
    s->kind = TS_STRAT_TIME_DEPENDENT;
    s->k = k;
    s->beta = beta;
    s->deadline = deadline;
    s->reservation[0] = 0.2;
    ts_engine *e = ts_engine_alloc(sc, NULL);
    int C = ts_engine_n_columns(e);
    double *rows = calloc((size_t)steps * C, sizeof *rows);
    ts_replicate *r = run_replicate(e, rows);
    for (int t = 0; t < steps; t++) {
        double tt = t < deadline ? t : deadline;
        double alpha = k + (1.0 - k) * pow(tt / deadline, 1.0 / beta);
        double want = 0.9 + alpha * (0.2 - 0.9);
        assert_float_equal(rows[(size_t)t * C], want, 1e-14);   /* same ops, rounding only */
    }
    /* Boulware holds out (concedes little by mid-way), Conceder the opposite. */
    double mid = rows[(size_t)(deadline / 2) * C];
    if (beta < 1.0)
        assert_true(mid > 0.9 + 0.5 * (0.2 - 0.9));
    else
        assert_true(mid < 0.9 + 0.5 * (0.2 - 0.9));
    free(rows);
    ts_replicate_free(r);
    ts_engine_free(e);
    free_scenario(sc);
}

static void test_faratin(void **state)
{
    (void)state;
    check_faratin(0.3);   /* Boulware */
    check_faratin(3.0);   /* Conceder */
}

/* ---- state variables ------------------------------------------------------- */

static void test_chip_and_dependence_paths(void **state)
{
    (void)state;
    const int steps = 520;
    const double h = 7.0 / 365.25;   /* a week */
    ts_scenario *sc = make_scenario(steps, TS_STEP_WEEK, h, 2);
    ts_issue *chip = &sc->issues[0], *ec = &sc->issues[1];
    chip->kind = TS_ISSUE_CHIP_LICENCE;
    chip->initial = 0.6;   /* r held fixed: strategy hold */
    chip->market_share = 0.9;
    chip->erosion = 0.5;
    chip->recovery = 0.3;
    chip->generation_years = 2.0;
    chip->generation_decay = 0.4;
    ec->kind = TS_ISSUE_EXPORT_CONTROL;
    ec->owner = 1;
    ec->initial = 0.7;
    ec->dependence = 0.95;
    ec->diversification = 0.25;
    ec->drift = 0.02;
    ts_engine *e = ts_engine_alloc(sc, NULL);
    int C = ts_engine_n_columns(e);
    assert_string_equal(ts_engine_column_name(e, 1), "lever0_market");
    assert_string_equal(ts_engine_column_name(e, 2), "lever0_value");
    assert_string_equal(ts_engine_column_name(e, 4), "lever1_dependence");
    double *rows = calloc((size_t)steps * C, sizeof *rows);
    ts_replicate *r = run_replicate(e, rows);
    double r0 = 0.6, a = 0.5 * r0, b = 0.3 * (1.0 - r0), ms = b / (a + b);
    for (int t = 0; t < steps; t++) {
        double years = t * h;
        /* dm/dt = -erosion r m + recovery (1-r)(1-m) at constant r. */
        double m = ms + (0.9 - ms) * exp(-(a + b) * years);
        double v = pow(0.4, years / 2.0);
        double d = 0.95 * exp(-(0.25 * 0.7 + 0.02) * years);
        /* The engine steps these exactly (exp per step, products over steps):
         * only rounding accumulates, ~t * 1e-16 relative. */
        assert_float_equal(rows[(size_t)t * C + 1], m, 1e-12);
        assert_float_equal(rows[(size_t)t * C + 2], v, 1e-12);
        assert_float_equal(rows[(size_t)t * C + 4], d, 1e-12);
    }
    free(rows);
    ts_replicate_free(r);
    ts_engine_free(e);
    free_scenario(sc);
}

/* ---- determinism of whole runs ----------------------------------------------- */

static int files_equal(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int eq = fa && fb;
    while (eq) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb)
            eq = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return eq;
}

static void test_run_bytes_identical(void **state)
{
    (void)state;
    static const char *const files[] = {"summary.csv", "aggregate.csv", "trajectories.csv",
                                        "log.csv", "scenario.cfg"};
    static const char *const dirs[] = {"validation-det-a", "validation-det-b",
                                       "validation-det-c"};
    static const char *const jobs[] = {"1", "1", "2"};
    char cmd[8192];
    for (int d = 0; d < 3; d++) {
        snprintf(cmd, sizeof cmd,
                 "rm -rf %s && %s run %s/tests/good_engine/determinism.cfg -o %s -j %s -q",
                 dirs[d], TS_TRADESIM_BIN, TS_SOURCE_DIR, dirs[d], jobs[d]);
        assert_int_equal(system(cmd), 0);
    }
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char a[512], b[512], c[512];
        snprintf(a, sizeof a, "%s/determinism/%s", dirs[0], files[f]);
        snprintf(b, sizeof b, "%s/determinism/%s", dirs[1], files[f]);
        snprintf(c, sizeof c, "%s/determinism/%s", dirs[2], files[f]);
        assert_true(files_equal(a, b));
        assert_true(files_equal(a, c));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tariff_optimum),
        cmocka_unit_test(test_nash_tariffs),
        cmocka_unit_test(test_tariff_exact_loss),
        cmocka_unit_test(test_ipd),
        cmocka_unit_test(test_ipd_echo),
        cmocka_unit_test(test_richardson),
        cmocka_unit_test(test_richardson_weekly),
        cmocka_unit_test(test_faratin),
        cmocka_unit_test(test_chip_and_dependence_paths),
        cmocka_unit_test(test_run_bytes_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
