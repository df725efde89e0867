/* Issue kinds: per-step payoffs, pressure and state variables, and the
 * replicate's world built from them (see model.h, where the hot per-issue
 * functions are inline, and docs/model.md).
 *
 * The hot path avoids pow/exp when the lever did not move: everything that
 * depends only on the level and the parameters is cached in ts_issue_state
 * and recomputed when the level (key) or a parameter changes. */
#include "tradesim/model.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* The external definitions of model.h's inline functions. */
extern inline double ts_issue_pressure(const ts_issue *is, double x);
extern inline double ts_issue_level_at_pressure(const ts_issue *is, double p);
extern inline double ts_issue_escalated(const ts_issue *is);
extern inline double ts_issue_conceded(const ts_issue *is);
extern inline int ts_issue_n_state(ts_issue_kind kind);
extern inline bool ts_issue_time_varying(const ts_issue *is);
extern inline double ts_issue_state_get(const ts_issue *is, const ts_issue_state *st, int j);
extern inline double ts_exprel(double a);
extern inline void ts_tariff_eq_flows(double m0, double eps, double theta, double kf, double tau,
                                      double *po, double *pf);
extern inline double ts_tariff_supply_share(double eps, double theta);
extern inline void ts_tariff_coefs(double m0, double eps, double theta, double kf, double k[3]);
extern inline void ts_tariff_flows_at(double m0, const double k[3], double tau, double *po,
                                      double *pf);
extern inline void ts_tariff_path(const ts_issue *is, ts_issue_state *st);
extern inline void ts_issue_state_compute(ts_issue_kind kind, const ts_issue *is, double h,
                                          ts_issue_state *st);
extern inline void ts_issue_state_refresh(const ts_issue *is, double h, ts_issue_state *st);
extern inline void ts_issue_state_refresh_kind(ts_issue_kind kind, const ts_issue *is, double h,
                                               ts_issue_state *st, ts_level_memo *m);
extern inline void ts_issue_state_refresh_memo(const ts_issue *is, double h, ts_issue_state *st,
                                               ts_level_memo *m);
extern inline void ts_tariff_flows(const ts_issue *is, const ts_issue_state *st, double x,
                                   double *po, double *pf);
extern inline double ts_chip_uplift(const ts_issue *is, double v);
extern inline void ts_chip_flows(const ts_issue *is, const ts_issue_state *st, double x,
                                 double *po, double *pf);
extern inline void ts_export_flows(const ts_issue *is, const ts_issue_state *st, double x,
                                   double *po, double *pf);
extern inline void ts_pledge_flows(const ts_issue *is, double x, double *po, double *pf);
extern inline void ts_custom_flows(const ts_issue *is, double x, double *po, double *pf);
extern inline void ts_issue_flows(const ts_issue *is, const ts_issue_state *st, double x,
                                  double *po, double *pf);
extern inline void ts_flows_add(int owner, double po, double pf, double h, double *p0,
                                double *p1);
extern inline void ts_interactions_add(const ts_scenario *sc, const ts_issue_state *st, double h,
                                       double *p0, double *p1);
extern inline void ts_issue_payoff(const ts_issue *is, const ts_issue_state *st, double x,
                                   double h, double pay[2]);
extern inline void ts_issue_advance(const ts_issue *is, ts_issue_state *st, double h);
extern inline double ts_world_pressure(const ts_world *w, int a, const double *x);
extern inline double ts_world_pressure_now(const ts_world *w, int a);

const char *ts_issue_state_name(ts_issue_kind kind, int j)
{
    if (kind == TS_ISSUE_CHIP_LICENCE)
        return j == 0 ? "market" : "value";
    if (kind == TS_ISSUE_EXPORT_CONTROL)
        return "dependence";
    return "";
}

double ts_discount_factor(double rate, double h)
{
    return rate > 0.0 ? pow(1.0 + rate, -h) : 1.0;
}

void ts_level_memo_init(ts_level_memo *m)
{
    m->hits = m->misses = 0;
    m->off = false;
    ts_level_memo_clear(m);
}

void ts_level_memo_clear(ts_level_memo *m)
{
    /* A memo switched off is never read again. */
    if (m->off)
        return;
    for (int k = 0; k < TS_MEMO_SLOTS; k++)
        m->slot[k].key = TS_MEMO_EMPTY;
}

double ts_chip_log_price(const ts_issue *is)
{
    double phi = is->pass_through, rs = is->revenue_share;
    /* phi = 0: the seller absorbs the share and the price stays 1 (also at rs = 1). */
    return phi > 0.0 && rs > 0.0 ? log1p(-(1.0 - phi) * rs) - log1p(-rs) : 0.0;
}

/* The chip's flows per unit of reach and capability (model.h's chip_o and
 * chip_f): quantity q = sales p^-eta (in dollars at the old price), the
 * buyer pays p q, the government takes rs p q, the seller nets
 * (1 - (1-phi) rs) q against costs (1 - margin) q; the buyer's surplus falls
 * by sales E(p), E(p) = integral of s^-eta over [1, p]
 * = ln p exprel((1-eta) ln p). */
static void chip_params(const ts_issue *is, ts_issue_state *st)
{
    double lp = ts_chip_log_price(is), eta = is->demand_elasticity;
    double rs = is->revenue_share, phi = is->pass_through;
    double q = exp(-eta * lp), pq = exp((1.0 - eta) * lp);
    double unit = is->firm_weight * (is->margin - (1.0 - phi) * rs) * q + rs * pq;
    st->chip_o = is->sales_bn * unit;
    st->chip_f = is->access_value_bn - is->sales_bn * (lp * ts_exprel((1.0 - eta) * lp));
}

void ts_issue_state_params_changed(const ts_issue *is, double h, ts_issue_state *st)
{
    st->v_factor = 1.0;
    if (is->kind == TS_ISSUE_CHIP_LICENCE) {
        if (is->generation_years > 0.0)
            st->v_factor = pow(is->generation_decay, h / is->generation_years);
        chip_params(is, st);
    }
    if (is->kind == TS_ISSUE_TARIFF) {
        st->eps_wf = is->elasticity_half_life > 0.0 ? exp2(-h / is->elasticity_half_life) : 1.0;
        ts_tariff_path(is, st);
        /* imports_bn may have changed with eps and theta held. */
        ts_tariff_coefs(is->imports_bn, st->eps, st->theta, st->kf, st->tk);
    }
    st->key = NAN;
    ts_issue_state_refresh(is, h, st);
}

void ts_issue_state_init(const ts_issue *is, double h, ts_issue_state *st)
{
    memset(st, 0, sizeof *st);
    st->x = is->initial;
    st->observed = is->initial;
    st->market = is->market_share;
    st->value = 1.0;
    st->dependence = is->dependence;
    st->eps_w = 1.0;
    st->eps = st->theta = NAN;
    ts_issue_state_params_changed(is, h, st);
}

void ts_issue_param_set(ts_issue *is, size_t offset, double value)
{
    memcpy((char *)is + offset, &value, sizeof value);
    if (is->kind != TS_ISSUE_TARIFF)
        return;
    if (offset == offsetof(ts_issue, tot_share))
        is->supply_elasticity = ts_tariff_supply_elasticity(is->elasticity, is->tot_share);
    else if (offset == offsetof(ts_issue, supply_elasticity) ||
             offset == offsetof(ts_issue, elasticity))
        is->tot_share = ts_tariff_incidence(is->elasticity, is->supply_elasticity, is->tot_share);
}

static const char *const channel_names[TS_N_CHANNELS] = {
    "consumer_surplus", "revenue",    "terms_of_trade", "producer_surplus",
    "firm_profit",      "security",   "access",         "disruption",
    "reputation",       "enforcement", "other"};

const char *ts_channel_name(ts_channel c)
{
    return (unsigned)c < TS_N_CHANNELS ? channel_names[c] : "";
}

#define CH(c) (1u << (c))

unsigned ts_issue_channel_mask(ts_issue_kind kind, int side)
{
    switch (kind) {
    case TS_ISSUE_TARIFF:
        return side == 0 ? CH(TS_CHANNEL_CONSUMER_SURPLUS) | CH(TS_CHANNEL_REVENUE) |
                               CH(TS_CHANNEL_TERMS_OF_TRADE)
                         : CH(TS_CHANNEL_PRODUCER_SURPLUS);
    case TS_ISSUE_CHIP_LICENCE:
        return side == 0 ? CH(TS_CHANNEL_FIRM_PROFIT) | CH(TS_CHANNEL_REVENUE) |
                               CH(TS_CHANNEL_SECURITY)
                         : CH(TS_CHANNEL_ACCESS) | CH(TS_CHANNEL_CONSUMER_SURPLUS);
    case TS_ISSUE_EXPORT_CONTROL:
        return side == 0 ? CH(TS_CHANNEL_PRODUCER_SURPLUS) | CH(TS_CHANNEL_REPUTATION)
                         : CH(TS_CHANNEL_DISRUPTION);
    case TS_ISSUE_PLEDGE: return CH(TS_CHANNEL_ENFORCEMENT);
    case TS_ISSUE_CUSTOM:
    default: return CH(TS_CHANNEL_OTHER);
    }
}

/* Tariff: the consumer-surplus change as in ts_tariff_eq_flows; revenue
 * tau p* M = (p - 1) M + (1 - p*) M split by who pays it. */
static void tariff_channels(const ts_issue *is, const ts_issue_state *st, double x,
                            double o[TS_N_CHANNELS], double f[TS_N_CHANNELS])
{
    double m0 = is->imports_bn, eps = st->eps, th = st->theta, L = log1p(x);
    double m = m0 * exp(-eps * (1.0 - th) * L);
    double po, pf;
    ts_tariff_eq_flows(m0, eps, th, st->kf, x, &po, &pf);
    (void)po;
    o[TS_CHANNEL_CONSUMER_SURPLUS] = -m0 * (1.0 - th) * L * ts_exprel((1.0 - eps) * (1.0 - th) * L);
    o[TS_CHANNEL_REVENUE] = expm1((1.0 - th) * L) * m;
    o[TS_CHANNEL_TERMS_OF_TRADE] = -expm1(-th * L) * m;
    f[TS_CHANNEL_PRODUCER_SURPLUS] = pf;
}

static void chip_channels(const ts_issue *is, const ts_issue_state *st, double x,
                          double o[TS_N_CHANNELS], double f[TS_N_CHANNELS])
{
    double lp = ts_chip_log_price(is), eta = is->demand_elasticity;
    double rs = is->revenue_share, phi = is->pass_through;
    double scale = st->value * (1.0 - x) * st->market * is->sales_bn;
    o[TS_CHANNEL_FIRM_PROFIT] =
        is->firm_weight * (is->margin - (1.0 - phi) * rs) * exp(-eta * lp) * scale;
    o[TS_CHANNEL_REVENUE] = rs * exp((1.0 - eta) * lp) * scale;
    o[TS_CHANNEL_SECURITY] =
        -is->strategic_value_bn * ts_chip_uplift(is, st->value) * (1.0 - x) * st->market;
    f[TS_CHANNEL_ACCESS] = is->access_value_bn * st->value * (1.0 - x) * st->market;
    f[TS_CHANNEL_CONSUMER_SURPLUS] = -lp * ts_exprel((1.0 - eta) * lp) * scale;
}

void ts_issue_channels(const ts_issue *is, const ts_issue_state *st, double x,
                       double out[2][TS_N_CHANNELS])
{
    double *o = out[0], *f = out[1];
    for (int c = 0; c < TS_N_CHANNELS; c++)
        o[c] = f[c] = 0.0;
    switch (is->kind) {
    case TS_ISSUE_TARIFF: tariff_channels(is, st, x, o, f); break;
    case TS_ISSUE_CHIP_LICENCE: chip_channels(is, st, x, o, f); break;
    case TS_ISSUE_EXPORT_CONTROL: {
        double qd = x * st->dependence, g = is->convexity;
        o[TS_CHANNEL_PRODUCER_SURPLUS] = -is->exports_bn * qd;
        o[TS_CHANNEL_REPUTATION] = -is->reputation_bn * x;
        f[TS_CHANNEL_DISRUPTION] = -is->disruption_bn * (qd > 0.0 ? pow(qd, g) : 0.0);
        break;
    }
    case TS_ISSUE_PLEDGE:
        o[TS_CHANNEL_ENFORCEMENT] = -is->cost_bn * x;
        f[TS_CHANNEL_ENFORCEMENT] = is->benefit_bn * x;
        break;
    case TS_ISSUE_CUSTOM:
    default: ts_custom_flows(is, x, &o[TS_CHANNEL_OTHER], &f[TS_CHANNEL_OTHER]); break;
    }
}

/* ---- the world ------------------------------------------------------ */

void ts_world_bind(ts_world *w, const ts_scenario *sc, ts_issue *issue, ts_issue_state *st,
                   bool *held, double *seen)
{
    memset(w, 0, sizeof *w);
    w->sc = sc;
    w->h = sc->calendar.step_years > 0.0 ? sc->calendar.step_years : 1.0;
    w->n_issues = sc->n_issues;
    w->issue = issue;
    w->st = st;
    w->held = held;
    w->seen = seen;
    ts_world_reset(w);
}

/* Each actor's levers and pressure-weight sum: the pressure index's
 * denominator, summed in file order as the index's numerator is; the
 * engine's lists of levers to refresh and pledges to observe (ts_world). */
static void world_owners(ts_world *w)
{
    static const ts_issue_kind cached[3] = {TS_ISSUE_TARIFF, TS_ISSUE_CHIP_LICENCE,
                                            TS_ISSUE_EXPORT_CONTROL};
    for (int a = 0; a < 2; a++) {
        w->n_own[a] = 0;
        w->p_den[a] = 0.0;
        w->noisy_owner[a] = false;
    }
    w->n_noisy = 0;
    for (int i = 0; i < w->n_issues; i++) {
        const ts_issue *is = &w->issue[i];
        int a = is->owner;
        w->own[a][w->n_own[a]++] = i;
        w->p_den[a] += is->pressure_weight;
        if (is->kind == TS_ISSUE_PLEDGE && is->verification_noise > 0.0) {
            w->noisy[w->n_noisy++] = i;
            w->noisy_owner[a] = true;
        }
    }
    int n = 0;
    for (int j = 0; j < 3; j++) {
        for (int i = 0; i < w->n_issues; i++)
            if (w->issue[i].kind == cached[j])
                w->refresh[n++] = (ts_lever_ref){.is = &w->issue[i],
                                                 .st = &w->st[i],
                                                 .memo = w->memo ? &w->memo[i] : NULL};
        w->refresh_end[j] = n;
    }
}

void ts_world_use_memo(ts_world *w, ts_level_memo *memo, bool *stale)
{
    w->memo = memo;
    w->memo_stale = stale;
    for (int i = 0; i < w->n_issues; i++) {
        ts_level_memo_init(&memo[i]);
        stale[i] = false;
    }
    world_owners(w);
}

void ts_world_reset(ts_world *w)
{
    const ts_scenario *sc = w->sc;
    for (int i = 0; i < w->n_issues; i++) {
        /* The memo outlives replicates while the parameters are the scenario's. */
        if (w->memo && w->memo_stale[i]) {
            ts_level_memo_clear(&w->memo[i]);
            w->memo_stale[i] = false;
        }
        w->issue[i] = sc->issues[i];
        ts_issue_state_init(&w->issue[i], w->h, &w->st[i]);
        w->held[i] = false;
        w->seen[i] = w->st[i].x;
    }
    world_owners(w);
    for (int a = 0; a < 2; a++) {
        w->actor[a] = sc->actors[a];
        w->trust[a] = sc->actors[a].trust;
        w->factor[a] = ts_discount_factor(sc->actors[a].discount, w->h);
        w->disc[a] = 1.0;
        w->payoff[a] = w->total[a] = 0.0;
        w->triggered[a] = false;
        w->pressure_fresh[a] = false;
        w->br_gap[a] = 0.0;
    }
    for (int a = 0; a < 2; a++) {
        w->pressure[a] = ts_world_pressure_now(w, a);
        w->p_initial[a] = w->seen_p[a] = w->seen_p_prev[a] = w->pressure[a];
    }
    w->forced = 0;
    w->step = 0;
}

void ts_world_payoffs(ts_world *w, double pay[2])
{
    double p0 = 0.0, p1 = 0.0, h = w->h;
    for (int i = 0; i < w->n_issues; i++) {
        const ts_issue *is = &w->issue[i];
        ts_issue_state *st = &w->st[i];
        ts_issue_state_refresh(is, h, st);
        double po, pf;
        ts_issue_flows(is, st, st->x, &po, &pf);
        ts_flows_add(is->owner, po, pf, h, &p0, &p1);
    }
    ts_interactions_add(w->sc, w->st, h, &p0, &p1);
    pay[0] = p0;
    pay[1] = p1;
}

/* Writes one parameter; a shock to the state where the parameter is an
 * initial state. The caches wait for params_done. */
static void put_param(ts_world *w, ts_target target, int index, size_t offset, double value)
{
    if (target == TS_TARGET_ISSUE) {
        ts_issue_param_set(&w->issue[index], offset, value);
        /* The initial-state parameters double as shocks to the state now. */
        if (offset == offsetof(ts_issue, market_share))
            w->st[index].market = value;
        else if (offset == offsetof(ts_issue, dependence))
            w->st[index].dependence = value;
    } else {
        ts_actor *ac = &w->actor[index];
        memcpy((char *)ac + offset, &value, sizeof value);
        w->factor[index] = ts_discount_factor(ac->discount, w->h);
    }
}

/* What depends on the parameters of the issues in `touched` (bit i: issue
 * i), recomputed once from their final values, as after each change. */
static void params_done(ts_world *w, uint64_t touched)
{
    if (!touched)
        return;
    for (int i = 0; i < w->n_issues; i++) {
        if (!((touched >> i) & 1u))
            continue;
        ts_issue_state_params_changed(&w->issue[i], w->h, &w->st[i]);
        if (w->memo) {
            /* Entries made from now on hold these parameters: the reset drops them. */
            ts_level_memo_clear(&w->memo[i]);
            w->memo_stale[i] = true;
        }
    }
    world_owners(w);
    w->pressure_fresh[0] = w->pressure_fresh[1] = false;
}

void ts_world_set_param(ts_world *w, ts_target target, int index, size_t offset, double value)
{
    put_param(w, target, index, offset, value);
    params_done(w, target == TS_TARGET_ISSUE ? UINT64_C(1) << index : 0);
}

void ts_world_set_params(ts_world *w, const ts_event_param *p, int n)
{
    uint64_t touched = 0;
    for (int j = 0; j < n; j++) {
        put_param(w, p[j].target, p[j].index, p[j].offset, p[j].value);
        if (p[j].target == TS_TARGET_ISSUE)
            touched |= UINT64_C(1) << p[j].index;
    }
    params_done(w, touched);
}

void ts_world_set_level(ts_world *w, int i, double x)
{
    const ts_issue *is = &w->issue[i];
    if (x < is->min)
        x = is->min;
    if (x > is->max)
        x = is->max;
    w->st[i].x = x;
    w->pressure_fresh[is->owner] = false;
}
