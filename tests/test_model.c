/* Tests of the model (model.h): each kind's payoff against values worked out
 * by hand from docs/model.md, pressure, caches, parameter changes and
 * the deterministic roll-out. Tolerances: 1e-9 (relative to bn-sized values)
 * where the hand value is exact arithmetic, looser where it is quoted. */
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
#include "testutil.h"
#include "model_fixture.h"

static void test_pressure(void **state)
{
    (void)state;
    ts_issue t = base_issue(TS_ISSUE_TARIFF, 0);
    t.max = 2.0;
    assert_float_equal(ts_issue_pressure(&t, 0.5), 0.25, 1e-15);
    assert_float_equal(ts_issue_level_at_pressure(&t, 0.25), 0.5, 1e-15);
    assert_float_equal(ts_issue_escalated(&t), 2.0, 0.0);
    ts_issue p = base_issue(TS_ISSUE_PLEDGE, 1);
    /* A pledge presses by withholding effort. */
    assert_float_equal(ts_issue_pressure(&p, 0.2), 0.8, 1e-15);
    assert_float_equal(ts_issue_level_at_pressure(&p, 0.8), 0.2, 1e-15);
    assert_float_equal(ts_issue_escalated(&p), 0.0, 0.0);
    assert_float_equal(ts_issue_conceded(&p), 1.0, 0.0);
    ts_issue flat = base_issue(TS_ISSUE_CUSTOM, 0);
    flat.max = 0.0;
    assert_float_equal(ts_issue_pressure(&flat, 0.0), 0.0, 0.0);
    /* A lever whose range does not start at 0: pressure counts from min. */
    ts_issue off = base_issue(TS_ISSUE_CUSTOM, 0);
    off.min = 1.0;
    off.max = 3.0;
    assert_float_equal(ts_issue_pressure(&off, 2.5), 0.75, 1e-15);
    assert_float_equal(ts_issue_pressure(&off, 1.0), 0.0, 0.0);
    assert_float_equal(ts_issue_level_at_pressure(&off, 0.75), 2.5, 1e-15);
    assert_float_equal(ts_issue_level_at_pressure(&off, -1.0), 1.0, 0.0);
    assert_float_equal(ts_issue_level_at_pressure(&off, 2.0), 3.0, 0.0);
    off.kind = TS_ISSUE_PLEDGE;
    assert_float_equal(ts_issue_pressure(&off, 2.5), 0.25, 1e-15);
    assert_float_equal(ts_issue_level_at_pressure(&off, 0.25), 2.5, 1e-15);
}

/* The tariff's partial equilibrium, by hand from the demand and supply
 * curves (pow, never the code's log1p/expm1 forms): D(p) = M0 p^-eps,
 * S(p*) = M0 p*^eps*, p = (1+tau) p*; clearing gives p* = (1+tau)^-theta.
 * Owner: -integral of D over [1, p] + tau p* M; other: -integral of S over
 * [p*, 1]. */
static void tariff_by_hand(double m0, double eps, double eps_star, double tau, double *o,
                           double *f)
{
    double th = eps / (eps + eps_star), ps = pow(1.0 + tau, -th), p = (1.0 + tau) * ps;
    double m = m0 * pow(p, -eps);
    double cs = eps == 1.0 ? -m0 * log(p) : -m0 * (pow(p, 1.0 - eps) - 1.0) / (1.0 - eps);
    *o = cs + tau * ps * m;
    *f = -m0 * (1.0 - pow(ps, 1.0 + eps_star)) / (1.0 + eps_star);
}

static void test_tariff_payoff(void **state)
{
    (void)state;
    ts_issue is = base_issue(TS_ISSUE_TARIFF, 1);
    is.max = 2.0;
    is.imports_bn = 439.0;
    is.elasticity = 2.0;
    is.tot_share = 0.3;
    ts_issue_state st;
    ts_issue_state_init(&is, 1.0, &st);
    double pay[2];
    ts_issue_payoff(&is, &st, 0.0, 1.0, pay);
    assert_near(pay[0], 0.0, 0.0);
    assert_near(pay[1], 0.0, 0.0);
    /* eps* = 2 (0.7)/0.3 = 14/3; tau = 0.5 and a few more levels. */
    for (double tau = 0.1; tau <= 2.0; tau += 0.3) {
        double o, f;
        tariff_by_hand(439.0, 2.0, 14.0 / 3.0, tau, &o, &f);
        ts_issue_payoff(&is, &st, tau, 1.0, pay);
        assert_near(pay[1], o, 1e-9);
        assert_near(pay[0], f, 1e-9);
    }
    /* Joint payoff falls for every tau > 0: the prisoner's dilemma. */
    for (double tau = 0.05; tau <= 2.0; tau += 0.05) {
        ts_issue_payoff(&is, &st, tau, 1.0, pay);
        assert_true(pay[0] + pay[1] < 0.0);
    }
    /* A small tariff helps its owner (the optimal tariff is interior). */
    ts_issue_payoff(&is, &st, 0.05, 1.0, pay);
    assert_true(pay[1] > 0.0);
    /* Per step = annual x step length; the cache gives the same number. */
    double week[2];
    st.x = 0.5;
    ts_issue_state_refresh(&is, 7.0 / 365.25, &st);
    ts_issue_payoff(&is, &st, 0.5, 7.0 / 365.25, week);
    ts_issue_payoff(&is, &st, 0.5, 1.0, pay);
    assert_near(week[1], pay[1] * 7.0 / 365.25, 1e-12);
}

/* The edges: eps = 1 (consumer surplus -M0 ln p), theta = 0 (eps* infinite:
 * the exporters lose nothing, the owner loses M0 tau^2/(1+tau)^2 at eps = 2)
 * and theta = 1 (eps* = 0: M = M0, the exporters lose M0 (1 - p*), the
 * owner gains M0 (1 - p*) - the consumers lose nothing as p = 1). */
static void test_tariff_edges(void **state)
{
    (void)state;
    ts_issue is = base_issue(TS_ISSUE_TARIFF, 0);
    is.max = 2.0;
    is.imports_bn = 100.0;
    ts_issue_state st;
    double pay[2], o, f;
    is.elasticity = 1.0;
    is.tot_share = 0.25;   /* eps* = 3 */
    ts_issue_state_init(&is, 1.0, &st);
    tariff_by_hand(100.0, 1.0, 3.0, 0.8, &o, &f);
    ts_issue_payoff(&is, &st, 0.8, 1.0, pay);
    assert_near(pay[0], o, 1e-10);
    assert_near(pay[1], f, 1e-10);
    /* eps near 1 has no cancellation: continuous through it. */
    is.elasticity = 1.0 + 1e-9;
    ts_issue_state_init(&is, 1.0, &st);
    double near[2];
    ts_issue_payoff(&is, &st, 0.8, 1.0, near);
    assert_near(near[0], pay[0], 1e-6);

    is.elasticity = 2.0;
    is.tot_share = 0.0;
    ts_issue_state_init(&is, 1.0, &st);
    ts_issue_payoff(&is, &st, 1.0, 1.0, pay);
    assert_near(pay[0], -25.0, 1e-12);
    assert_near(pay[1], 0.0, 0.0);
    for (double tau = 0.1; tau < 2.0; tau += 0.37) {
        ts_issue_payoff(&is, &st, tau, 1.0, pay);
        assert_near(pay[0], -100.0 * tau * tau / ((1 + tau) * (1 + tau)), 1e-11);
    }

    is.tot_share = 1.0;
    ts_issue_state_init(&is, 1.0, &st);
    ts_issue_payoff(&is, &st, 0.6, 1.0, pay);
    assert_near(pay[0], 100.0 * (1.0 - 1.0 / 1.6), 1e-12);
    assert_near(pay[1], -100.0 * (1.0 - 1.0 / 1.6), 1e-12);
}

/* Each side's channels sum to its flow, for every kind; the tariff's
 * channels are the prices' closed forms. */
static void test_channels(void **state)
{
    (void)state;
    ts_issue is[5] = {base_issue(TS_ISSUE_TARIFF, 0), base_issue(TS_ISSUE_CHIP_LICENCE, 1),
                      base_issue(TS_ISSUE_EXPORT_CONTROL, 1), base_issue(TS_ISSUE_PLEDGE, 0),
                      base_issue(TS_ISSUE_CUSTOM, 1)};
    is[0].max = 2.0;
    is[0].imports_bn = 640.6;
    is[0].elasticity = 1.7;
    is[0].tot_share = 0.35;
    is[1].sales_bn = 25.0;
    is[1].margin = 0.65;
    is[1].revenue_share = 0.25;
    is[1].firm_weight = 0.5;
    is[1].strategic_value_bn = 10.6;
    is[1].access_value_bn = 35.0;
    is[1].market_share = 0.3;
    is[1].demand_elasticity = 1.5;
    is[1].pass_through = 0.5;
    is[2].exports_bn = 1.0;
    is[2].disruption_bn = 200.0;
    is[2].convexity = 2.0;
    is[2].dependence = 0.7;
    is[2].reputation_bn = 3.0;
    is[3].cost_bn = 2.0;
    is[3].benefit_bn = 30.0;
    is[4].payoff[0][1] = 2.0;
    is[4].payoff[1][2] = -1.0;
    for (int k = 0; k < 5; k++) {
        ts_issue_state st;
        ts_issue_state_init(&is[k], 1.0, &st);
        st.value = 0.8;
        for (double x = 0.0; x <= 1.0; x += 0.125) {
            double out[2][TS_N_CHANNELS], po, pf, so = 0.0, sf = 0.0;
            ts_issue_flows(&is[k], &st, x, &po, &pf);
            ts_issue_channels(&is[k], &st, x, out);
            for (int c = 0; c < TS_N_CHANNELS; c++) {
                so += out[0][c];
                sf += out[1][c];
            }
            assert_near(so, po, 1e-12 * (1.0 + fabs(po)));
            assert_near(sf, pf, 1e-12 * (1.0 + fabs(pf)));
        }
    }
    /* Tariff at tau = 0.5: p* = 1.5^-0.35, p = 1.5^0.65, M = M0 p^-1.7. */
    ts_issue_state st;
    ts_issue_state_init(&is[0], 1.0, &st);
    double out[2][TS_N_CHANNELS];
    ts_issue_channels(&is[0], &st, 0.5, out);
    double ps = pow(1.5, -0.35), p = 1.5 * ps, m = 640.6 * pow(p, -1.7);
    assert_near(out[0][TS_CHANNEL_TERMS_OF_TRADE], (1.0 - ps) * m, 1e-9);
    assert_near(out[0][TS_CHANNEL_REVENUE], (p - 1.0) * m, 1e-9);
    assert_near(out[0][TS_CHANNEL_CONSUMER_SURPLUS],
                       -640.6 * (pow(p, -0.7) - 1.0) / -0.7, 1e-9);
    assert_string_equal(ts_channel_name(TS_CHANNEL_TERMS_OF_TRADE), "terms_of_trade");
    assert_string_equal(ts_channel_name(TS_CHANNEL_OTHER), "other");
}

/* The chip's revenue share as a price (docs/model.md), by hand at three
 * shares: p = (1 - (1-phi) rs)/(1 - rs), q = p^-eta per dollar of sales at
 * the old price; owner: fw (margin - (1-phi) rs) q + rs p q per dollar, less
 * the security cost; buyer: access value less the surplus lost,
 * sales (p^(1-eta) - 1)/(1-eta). Sales, access value and the security cost
 * all scale with reach (1-r) m and capability v. */
static void test_chip_payoff(void **state)
{
    (void)state;
    ts_issue is = base_issue(TS_ISSUE_CHIP_LICENCE, 0);
    is.sales_bn = 15.0;
    is.margin = 0.6;
    is.firm_weight = 0.8;
    is.strategic_value_bn = 20.0;
    is.access_value_bn = 30.0;
    is.market_share = 0.9;
    is.generation_years = 1.5;
    is.generation_decay = 0.5;
    is.demand_elasticity = 1.5;
    is.pass_through = 0.5;
    ts_issue_state st;
    double pay[2], prev[2] = {0, 1e300};
    const double shares[3] = {0.0, 0.15, 0.4};
    for (int k = 0; k < 3; k++) {
        double rs = shares[k];
        is.revenue_share = rs;
        ts_issue_state_init(&is, 1.0, &st);
        st.value = 0.7;
        double p = (1.0 - 0.5 * rs) / (1.0 - rs), q = pow(p, -1.5), reach = 0.75 * 0.9;
        double o = (15.0 * (0.8 * (0.6 - 0.5 * rs) * q + rs * p * q) - 20.0) * 0.7 * reach;
        double f = (30.0 - 15.0 * (pow(p, -0.5) - 1.0) / -0.5) * 0.7 * reach;
        ts_issue_payoff(&is, &st, 0.25, 1.0, pay);
        assert_near(pay[0], o, 1e-12);
        assert_near(pay[1], f, 1e-12);
        /* The buyer's value falls with the share. */
        assert_true(pay[1] < prev[1]);
        prev[1] = pay[1];
    }
    /* rs = 0: today's values (p = 1), sales scaled by v. */
    is.revenue_share = 0.0;
    ts_issue_state_init(&is, 1.0, &st);
    ts_issue_payoff(&is, &st, 0.25, 1.0, pay);
    assert_near(pay[0], (0.8 * 0.6 * 15.0 - 20.0) * 0.675, 1e-12);
    assert_near(pay[1], 20.25, 1e-12);
    /* No pass-through: the price stays 1, the seller pays the share. */
    is.revenue_share = 0.15;
    is.pass_through = 0.0;
    ts_issue_state_init(&is, 1.0, &st);
    ts_issue_payoff(&is, &st, 0.25, 1.0, pay);
    assert_near(pay[0], ((0.8 * 0.45 + 0.15) * 15.0 - 20.0) * 0.675, 1e-12);
    assert_near(pay[1], 20.25, 1e-12);
    /* eta = 1: the surplus lost is sales ln p. */
    is.pass_through = 1.0;
    is.demand_elasticity = 1.0;
    ts_issue_state_init(&is, 1.0, &st);
    ts_issue_payoff(&is, &st, 0.0, 1.0, pay);
    assert_near(pay[1], (30.0 - 15.0 * log(1.0 / 0.85)) * 0.9, 1e-12);
    /* v falls by 0.5 every 1.5 years: after 1.5 years of 0.5-year steps. */
    ts_issue_state s2;
    ts_issue_state_init(&is, 0.5, &s2);
    for (int k = 0; k < 3; k++)
        ts_issue_advance(&is, &s2, 0.5);
    assert_near(s2.value, 0.5, 1e-15);
    /* As v decays the security cost falls with the sales: licensing pays the
     * owner at every v once sales pay more than the cost. */
    is.strategic_value_bn = 5.0;
    ts_issue_state_init(&is, 1.0, &s2);
    s2.value = 0.25;
    ts_issue_payoff(&is, &s2, 0.0, 1.0, pay);
    assert_true(pay[0] > 0.0);
}

/* The elasticity path: eps(t) = eps_LR + (eps_SR - eps_LR) 2^(-t h / half_life)
 * with eps* held, so theta(t) = eps(t)/(eps(t) + eps*); each step's flows
 * are the equilibrium's at that step's eps and theta, also when the level
 * does not move (the caches follow eps). */
/* The security cost counts only the capability above F's own chips:
 * max(0, v - d). Below d licensing costs O no security; the break-even
 * capability is v* = S d / (S - chip_o) (docs/model.md). */
static void test_chip_domestic(void **state)
{
    (void)state;
    ts_issue is = base_issue(TS_ISSUE_CHIP_LICENCE, 0);
    is.sales_bn = 10.0;
    is.margin = 0.6;
    is.firm_weight = 1.0;
    is.strategic_value_bn = 20.0;
    is.access_value_bn = 12.0;
    is.market_share = 1.0;
    is.demand_elasticity = 1.5;
    is.domestic_capability = 0.3;
    ts_issue_state st;
    ts_issue_state_init(&is, 1.0, &st);
    double pay[2];
    const double vs[4] = {1.0, 0.5, 0.3, 0.2};
    for (int k = 0; k < 4; k++) {
        st.value = vs[k];
        double up = vs[k] > 0.3 ? vs[k] - 0.3 : 0.0;
        ts_issue_payoff(&is, &st, 0.0, 1.0, pay);
        assert_near(pay[0], 6.0 * vs[k] - 20.0 * up, 1e-12);   /* chip_o = 0.6 x 10 */
        assert_near(pay[1], 12.0 * vs[k], 1e-12);
        assert_near(ts_chip_uplift(&is, vs[k]), up, 0.0);
    }
    /* Break-even: v* = 20 x 0.3 / (20 - 6) = 0.428571...: O gains from access
     * just below it and loses just above. */
    double vstar = 20.0 * 0.3 / 14.0;
    st.value = vstar * (1.0 - 1e-9);
    ts_issue_payoff(&is, &st, 0.0, 1.0, pay);
    assert_true(pay[0] > 0.0);
    st.value = vstar * (1.0 + 1e-9);
    ts_issue_payoff(&is, &st, 0.0, 1.0, pay);
    assert_true(pay[0] < 0.0);
    /* d = 0: today's proportional cost. */
    is.domestic_capability = 0.0;
    st.value = 0.5;
    ts_issue_payoff(&is, &st, 0.0, 1.0, pay);
    assert_near(pay[0], (6.0 - 20.0) * 0.5, 1e-12);
}

static void test_elasticity_path(void **state)
{
    (void)state;
    ts_issue is = base_issue(TS_ISSUE_TARIFF, 0);
    is.max = 2.0;
    is.initial = 0.4;
    is.imports_bn = 300.0;
    is.elasticity = 2.0;
    is.tot_share = 0.3;
    is.supply_elasticity = ts_tariff_supply_elasticity(2.0, 0.3);
    is.elasticity_short_run = 0.76;
    is.elasticity_half_life = 2.5;
    const double h = 1.0 / 12.0;
    ts_issue_state st;
    ts_issue_state_init(&is, h, &st);
    ts_level_memo memo;
    ts_level_memo_init(&memo);
    double es = 2.0 * 0.7 / 0.3;
    for (int t = 0; t < 240; t++) {
        double e = 2.0 + (0.76 - 2.0) * pow(2.0, -t * h / 2.5), o, f;
        assert_near(st.eps, e, 1e-12);
        assert_near(st.theta, e / (e + es), 1e-12);
        ts_issue_state_refresh_memo(&is, h, &st, &memo);
        double pay[2];
        ts_issue_payoff(&is, &st, st.x, 1.0, pay);
        tariff_by_hand(300.0, e, es, 0.4, &o, &f);
        assert_near(pay[0], o, 1e-9);
        assert_near(pay[1], f, 1e-9);
        ts_issue_advance(&is, &st, h);
    }
    /* The exporters' share falls as demand grows more elastic. */
    ts_issue_state s0;
    ts_issue_state_init(&is, h, &s0);
    assert_true(s0.theta < st.theta);
}

/* tot_share and supply_elasticity stay consistent under param changes; a
 * change of elasticity holds the exporters' supply elasticity. */
static void test_tariff_param_set(void **state)
{
    (void)state;
    ts_issue is = base_issue(TS_ISSUE_TARIFF, 0);
    is.elasticity = 2.0;
    ts_issue_param_set(&is, offsetof(ts_issue, tot_share), 0.2);
    assert_near(is.supply_elasticity, 8.0, 1e-12);
    ts_issue_param_set(&is, offsetof(ts_issue, supply_elasticity), 2.0);
    assert_near(is.tot_share, 0.5, 1e-15);
    ts_issue_param_set(&is, offsetof(ts_issue, elasticity), 6.0);
    assert_near(is.supply_elasticity, 2.0, 0.0);
    assert_near(is.tot_share, 0.75, 1e-15);
    ts_issue_param_set(&is, offsetof(ts_issue, tot_share), 0.0);
    assert_true(isinf(is.supply_elasticity));
    ts_issue_param_set(&is, offsetof(ts_issue, elasticity), 3.0);
    assert_near(is.tot_share, 0.0, 0.0);
}

static void test_export_pledge_custom(void **state)
{
    (void)state;
    ts_issue ec = base_issue(TS_ISSUE_EXPORT_CONTROL, 1);
    ec.exports_bn = 1.5;
    ec.disruption_bn = 60.0;
    ec.convexity = 1.5;
    ec.dependence = 0.9;
    ec.reputation_bn = 0.5;
    ts_issue_state st;
    ts_issue_state_init(&ec, 1.0, &st);
    double pay[2];
    /* q = 0.5: qD = 0.45; O = -1.5*0.45 - 0.5*0.5 = -0.925; F = -60*0.45^1.5. */
    ts_issue_payoff(&ec, &st, 0.5, 1.0, pay);
    assert_float_equal(pay[1], -0.925, 1e-12);
    assert_float_equal(pay[0], -60.0 * pow(0.45, 1.5), 1e-12);
    ec.convexity = 2.0;
    ts_issue_payoff(&ec, &st, 0.5, 1.0, pay);
    assert_float_equal(pay[0], -60.0 * 0.2025, 1e-12);
    ec.convexity = 1.0;
    ts_issue_payoff(&ec, &st, 0.0, 1.0, pay);
    assert_float_equal(pay[0], 0.0, 0.0);

    ts_issue pl = base_issue(TS_ISSUE_PLEDGE, 1);
    pl.cost_bn = 0.5;
    pl.benefit_bn = 5.0;
    ts_issue_state_init(&pl, 1.0, &st);
    ts_issue_payoff(&pl, &st, 0.4, 0.5, pay);
    assert_float_equal(pay[1], -0.1, 1e-15);
    assert_float_equal(pay[0], 1.0, 1e-15);

    ts_issue cu = base_issue(TS_ISSUE_CUSTOM, 0);
    cu.payoff[0][0] = 1.0;
    cu.payoff[0][1] = 2.0;
    cu.payoff[0][2] = -0.5;
    cu.payoff[1][1] = -3.0;
    ts_issue_state_init(&cu, 1.0, &st);
    ts_issue_payoff(&cu, &st, 2.0, 1.0, pay);
    assert_float_equal(pay[0], 1.0 + 4.0 - 2.0, 1e-15);
    assert_float_equal(pay[1], -6.0, 1e-15);
}

static void test_discount_factor(void **state)
{
    (void)state;
    assert_float_equal(ts_discount_factor(0.0, 1.0), 1.0, 0.0);
    assert_float_equal(ts_discount_factor(0.03, 1.0), 1.0 / 1.03, 1e-15);
    /* 52 weekly factors of a year compound to the annual one. */
    assert_float_equal(pow(ts_discount_factor(0.03, 1.0 / 52), 52), 1.0 / 1.03, 1e-13);
}

static void test_world_params_and_pressure(void **state)
{
    (void)state;
    fixture f;
    make_world(&f);
    assert_float_equal(ts_world_pressure_now(&f.w, 0), 0.5, 1e-15);
    assert_float_equal(ts_world_pressure_now(&f.w, 1), 0.7, 1e-15);
    /* A param event changes the replicate's copy, never the scenario. */
    ts_world_set_param(&f.w, TS_TARGET_ISSUE, 0, offsetof(ts_issue, generation_decay), 0.25);
    assert_float_equal(f.issues[0].generation_decay, 0.6, 0.0);
    assert_float_equal(f.w.st[0].v_factor, pow(0.25, f.w.h), 1e-15);
    /* market_share and dependence double as shocks to the current state. */
    ts_world_set_param(&f.w, TS_TARGET_ISSUE, 0, offsetof(ts_issue, market_share), 0.3);
    assert_float_equal(f.w.st[0].market, 0.3, 0.0);
    ts_world_set_param(&f.w, TS_TARGET_ACTOR, 1, offsetof(ts_actor, discount), 0.5);
    assert_float_equal(f.w.factor[1], pow(1.5, -f.w.h), 1e-15);
    ts_world_set_level(&f.w, 1, 7.0);
    assert_float_equal(f.w.st[1].x, 1.0, 0.0);
    ts_world_reset(&f.w);
    assert_float_equal(f.w.st[0].market, 0.8, 0.0);
    assert_float_equal(f.w.st[1].x, 0.3, 0.0);
}

/* A param event on pressure_weight reweights the owner's pressure index at
 * once: actor 0 owning both levers (pressures 0.5 and 0.7) has index
 * (0.5 + w 0.7) / (1 + w). */
static void test_pressure_weight_param(void **state)
{
    (void)state;
    fixture f;
    make_world(&f);
    f.issues[1].owner = 0;
    ts_world_reset(&f.w);
    assert_float_equal(ts_world_pressure_now(&f.w, 0), 0.6, 1e-15);
    assert_float_equal(ts_world_pressure_now(&f.w, 1), 0.0, 0.0);   /* owns none */
    ts_world_set_param(&f.w, TS_TARGET_ISSUE, 1, offsetof(ts_issue, pressure_weight), 3.0);
    assert_float_equal(ts_world_pressure_now(&f.w, 0), (0.5 + 3 * 0.7) / 4, 1e-15);
    const double x[2] = {1.0, 1.0};   /* lever 0 at max, the pledge fully kept */
    assert_float_equal(ts_world_pressure(&f.w, 0, x), 1.0 / 4, 1e-15);
    ts_world_set_param(&f.w, TS_TARGET_ISSUE, 0, offsetof(ts_issue, pressure_weight), 0.0);
    assert_float_equal(ts_world_pressure_now(&f.w, 0), 0.7, 1e-15);
    ts_world_set_param(&f.w, TS_TARGET_ISSUE, 1, offsetof(ts_issue, pressure_weight), 0.0);
    assert_float_equal(ts_world_pressure_now(&f.w, 0), 0.0, 0.0);   /* weights sum to 0 */
    /* the reset restores the scenario's weights */
    ts_world_reset(&f.w);
    assert_float_equal(ts_world_pressure_now(&f.w, 0), 0.6, 1e-15);
}

/* The caches a memo hands back are the bits a fresh refresh computes, for
 * every kind with caches, over levels that revisit, collide and evict. */
static void test_memo_same_bits(void **state)
{
    (void)state;
    ts_issue is[3] = {base_issue(TS_ISSUE_TARIFF, 0), base_issue(TS_ISSUE_CHIP_LICENCE, 0),
                      base_issue(TS_ISSUE_EXPORT_CONTROL, 1)};
    is[0].max = 2.0;
    is[0].imports_bn = 439.0;
    is[0].elasticity = 2.0;
    is[1].erosion = 0.4;
    is[1].recovery = 0.1;
    is[2].diversification = 0.3;
    is[2].drift = 0.01;
    const double h = 7.0 / 365.25;
    int hits = 0;
    for (int k = 0; k < 3; k++) {
        ts_level_memo memo;
        ts_level_memo_init(&memo);
        ts_issue_state a, b;
        ts_issue_state_init(&is[k], h, &a);
        ts_issue_state_init(&is[k], h, &b);
        uint64_t lcg = 12345;
        for (int t = 0; t < 4000; t++) {
            /* 100 lattice levels, more than the memo's 32 slots; every 7th a
             * level off the lattice; 0 and 1 as written. */
            lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
            int j = (int)(lcg >> 33) % 100;
            double x = t % 7 == 0 ? (double)(lcg >> 11) * 0x1p-53 : 0.01 * j;
            a.x = b.x = x;
            ts_issue_state_refresh_memo(&is[k], h, &a, &memo);
            b.key = NAN;
            ts_issue_state_refresh(&is[k], h, &b);
            assert_memory_equal(&a, &b, sizeof a);
        }
        for (int s = 0; s < TS_MEMO_SLOTS; s++)
            hits += memo.slot[s].key != TS_MEMO_EMPTY;
    }
    assert_int_equal(hits, 3 * TS_MEMO_SLOTS);
}

/* A param event empties the memo of its issue (what it holds was computed
 * under the old value) and the reset empties it again (what came after was
 * computed under the event's value): each refresh matches a fresh one. */
static void test_memo_params(void **state)
{
    (void)state;
    fixture f;
    make_world(&f);
    ts_level_memo memo[2];
    bool stale[2];
    ts_world_use_memo(&f.w, memo, stale);
    ts_issue_state fresh;
    double h = f.w.h;
    ts_world_set_level(&f.w, 0, 0.75);
    ts_issue_state_refresh_memo(&f.w.issue[0], h, &f.w.st[0], &memo[0]);
    double before = f.w.st[0].m_decay;
    ts_world_set_param(&f.w, TS_TARGET_ISSUE, 0, offsetof(ts_issue, erosion), 2.0);
    f.w.st[0].x = 0.75;
    f.w.st[0].key = NAN;
    ts_issue_state_refresh_memo(&f.w.issue[0], h, &f.w.st[0], &memo[0]);
    fresh = f.w.st[0];
    fresh.key = NAN;
    ts_issue_state_refresh(&f.w.issue[0], h, &fresh);
    assert_memory_equal(&fresh, &f.w.st[0], sizeof fresh);
    assert_true(f.w.st[0].m_decay != before);
    assert_true(stale[0]);
    ts_world_reset(&f.w);
    assert_false(stale[0]);
    ts_world_set_level(&f.w, 0, 0.75);
    ts_issue_state_refresh_memo(&f.w.issue[0], h, &f.w.st[0], &memo[0]);
    assert_memory_equal(&f.w.st[0].m_decay, &before, sizeof before);
}

/* A memo whose levels never repeat switches off after TS_MEMO_TRIAL misses
 * (and its caches stay those of a fresh refresh); one whose levels repeat
 * stays on. */
static void test_memo_trial(void **state)
{
    (void)state;
    ts_issue is = base_issue(TS_ISSUE_TARIFF, 0);
    is.max = 2.0;
    is.imports_bn = 439.0;
    is.elasticity = 2.0;
    const double h = 7.0 / 365.25;
    ts_level_memo once, again;
    ts_level_memo_init(&once);
    ts_level_memo_init(&again);
    ts_issue_state a, b, c;
    ts_issue_state_init(&is, h, &a);
    ts_issue_state_init(&is, h, &b);
    ts_issue_state_init(&is, h, &c);
    for (int t = 0; t < 3 * TS_MEMO_TRIAL; t++) {
        a.x = b.x = 0.5 + t * 1e-4;   /* new every step */
        ts_issue_state_refresh_memo(&is, h, &a, &once);
        b.key = NAN;
        ts_issue_state_refresh(&is, h, &b);
        assert_memory_equal(&a, &b, sizeof a);
        assert_int_equal(once.off, t + 1 >= TS_MEMO_TRIAL);
        c.x = 0.1 * (t % 3);          /* three levels, back and forth */
        ts_issue_state_refresh_memo(&is, h, &c, &again);
    }
    assert_false(again.off);
    assert_true(again.hits > again.misses);
}

/* A tariff's cached coefficients follow a change of imports_bn (which moves
 * neither eps nor theta): its flows stay ts_tariff_eq_flows's bits. */
static void test_tariff_coefs_follow_params(void **state)
{
    (void)state;
    ts_issue is = base_issue(TS_ISSUE_TARIFF, 0);
    is.max = 2.0;
    is.imports_bn = 439.0;
    is.elasticity = 2.0;
    is.tot_share = 0.3;
    const double h = 7.0 / 365.25;
    ts_issue_state st;
    ts_issue_state_init(&is, h, &st);
    ts_issue_param_set(&is, offsetof(ts_issue, imports_bn), 144.0);
    ts_issue_state_params_changed(&is, h, &st);
    st.x = 0.37;
    ts_issue_state_refresh(&is, h, &st);
    double po, pf;
    ts_tariff_eq_flows(144.0, st.eps, st.theta, st.kf, 0.37, &po, &pf);
    assert_memory_equal(&st.flow_o, &po, sizeof po);
    assert_memory_equal(&st.flow_f, &pf, sizeof pf);
}

/* An event's parameter changes applied together leave the world as the same
 * changes one by one: issues, states (caches and shocks), owners' sums,
 * discount factors. */
static void test_set_params_together(void **state)
{
    (void)state;
    fixture one, all;
    make_world(&one);
    make_world(&all);
    const ts_event_param p[] = {
        {.target = TS_TARGET_ISSUE,
         .index = 0,
         .offset = offsetof(ts_issue, sales_bn),
         .key = "sales_bn",
         .value = 18.0},
        {.target = TS_TARGET_ISSUE,
         .index = 0,
         .offset = offsetof(ts_issue, market_share),
         .key = "market_share",
         .value = 0.05},
        {.target = TS_TARGET_ACTOR,
         .index = 1,
         .offset = offsetof(ts_actor, discount),
         .key = "discount",
         .value = 0.2},
        {.target = TS_TARGET_ISSUE,
         .index = 1,
         .offset = offsetof(ts_issue, pressure_weight),
         .key = "pressure_weight",
         .value = 3.0},
        {.target = TS_TARGET_ISSUE,
         .index = 0,
         .offset = offsetof(ts_issue, generation_decay),
         .key = "generation_decay",
         .value = 0.3},
    };
    int n = (int)(sizeof p / sizeof p[0]);
    for (int j = 0; j < n; j++)
        ts_world_set_param(&one.w, p[j].target, p[j].index, p[j].offset, p[j].value);
    ts_world_set_params(&all.w, p, n);
    assert_memory_equal(one.copies, all.copies, sizeof one.copies);
    assert_memory_equal(one.st, all.st, sizeof one.st);
    assert_memory_equal(one.w.p_den, all.w.p_den, sizeof one.w.p_den);
    assert_memory_equal(one.w.factor, all.w.factor, sizeof one.w.factor);
    assert_float_equal(all.w.st[0].market, 0.05, 0.0);
    assert_float_equal(all.w.p_den[1], 3.0, 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pressure),
        cmocka_unit_test(test_tariff_payoff),
        cmocka_unit_test(test_tariff_edges),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_chip_payoff),
        cmocka_unit_test(test_chip_domestic),
        cmocka_unit_test(test_elasticity_path),
        cmocka_unit_test(test_tariff_param_set),
        cmocka_unit_test(test_export_pledge_custom),
        cmocka_unit_test(test_discount_factor),
        cmocka_unit_test(test_world_params_and_pressure),
        cmocka_unit_test(test_pressure_weight_param),
        cmocka_unit_test(test_memo_same_bits),
        cmocka_unit_test(test_memo_params),
        cmocka_unit_test(test_memo_trial),
        cmocka_unit_test(test_set_params_together),
        cmocka_unit_test(test_tariff_coefs_follow_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
