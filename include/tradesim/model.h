/* The model: payoffs and state variables of the bargaining chips.
 *
 * A ts_world is the mutable state of one replicate: copies of the scenario's
 * issues and actors (so `param` events can change them), each lever's level
 * and state variables (chip market m and capability v, export-control
 * dependence D, the pledge level the other side observed, a tariff's
 * elasticity on its way to the long run), each actor's trust,
 * discounting and running total. Every payoff here is per step: the annual flow
 * of docs/model.md times the step's length in years h (h = 1 for an
 * abstract calendar, so flows are per step there). docs/model.md lists every
 * equation.
 *
 * Invariant: the caches in ts_issue_state are valid for the lever level `key`,
 * the issue's current parameters and a tariff's elasticity in force;
 * ts_issue_state_refresh() recomputes them when the level moved,
 * ts_issue_state_params_changed() after a param event, and a tariff's
 * elasticity path marks them stale when the elasticity moves.
 * Nothing here allocates; a world's arrays are owned by whoever set it up.
 *
 * The per-issue functions the step loop calls for every lever are inline
 * definitions here (C99 inline: issue.c emits the one external definition),
 * so the engine's loops compile to straight arithmetic without calls. */
#ifndef TRADESIM_MODEL_H
#define TRADESIM_MODEL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tradesim/scenario.h"

/* State columns a kind adds to trajectories (after the level column). */
#define TS_ISSUE_MAX_STATE 2

typedef struct {
    double x;           /* lever level */
    double market;      /* chip_licence: m, share of the other's market reachable */
    double value;       /* chip_licence: v(t), relative capability of the chip */
    double dependence;  /* export_control: D */
    double observed;    /* pledge: level as the other side observed it this step */
    /* tariff: the elasticity path (all 0 but eps_w = 1 when off) */
    double eps;         /* elasticity in force this step, eps(t) */
    double theta;       /* incidence in force this step, eps(t) / (eps(t) + eps*) */
    double kf;          /* 1/(1 + eps*) at eps(t), theta(t): ts_tariff_supply_share */
    double tk[3];       /* ts_tariff_coefs at imports_bn, eps(t), theta(t), kf */
    double eps_w;       /* 2^(-years / elasticity_half_life): weight of the short run */
    double eps_wf;      /* its per-step factor 2^(-h / elasticity_half_life) */
    /* caches, valid for x == key (key NaN = stale) and eps, theta */
    double key;
    double flow_o;      /* tariff: owner's flow at key */
    double flow_f;      /* tariff: other side's flow at key */
    double m_star;      /* chip: fixed point of m at r = key */
    double m_decay;     /* chip: exp(-(erosion key + recovery (1-key)) h) */
    double d_decay;     /* export_control: exp(-(diversification key + drift) h) */
    /* caches of the parameters alone (ts_issue_state_params_changed) */
    double v_factor;    /* chip: generation_decay^(h / generation_years) */
    double chip_o;      /* chip: owner's flow per unit of reach and capability, before
                           the security cost: sales [fw (margin - (1-phi) rs) p^-eta
                           + rs p^(1-eta)] */
    double chip_f;      /* chip: other side's, access_value - sales E(p) */
} ts_issue_state;

/* Pressure of a lever at level x on the other side: (x-min)/(max-min), or
 * 1 minus that for a pledge; 0 when min == max. */
inline double ts_issue_pressure(const ts_issue *is, double x)
{
    double span = is->max - is->min;
    if (!(span > 0.0))
        return 0.0;
    double p = (x - is->min) / span;
    return is->kind == TS_ISSUE_PLEDGE ? 1.0 - p : p;
}

/* Level of the lever at pressure p (0..1): the inverse of ts_issue_pressure. */
inline double ts_issue_level_at_pressure(const ts_issue *is, double p)
{
    if (p < 0.0)
        p = 0.0;
    if (p > 1.0)
        p = 1.0;
    if (is->kind == TS_ISSUE_PLEDGE)
        p = 1.0 - p;
    return is->min + p * (is->max - is->min);
}

/* The level at the maximum-pressure end (max, or min for a pledge). */
inline double ts_issue_escalated(const ts_issue *is)
{
    return is->kind == TS_ISSUE_PLEDGE ? is->min : is->max;
}

inline double ts_issue_conceded(const ts_issue *is)
{
    return is->kind == TS_ISSUE_PLEDGE ? is->max : is->min;
}

/* Number of state columns of a kind and their suffixes ("market", "value",
 * "dependence"), and the state variable they show. */
inline int ts_issue_n_state(ts_issue_kind kind)
{
    return kind == TS_ISSUE_CHIP_LICENCE ? 2 : kind == TS_ISSUE_EXPORT_CONTROL ? 1 : 0;
}

const char *ts_issue_state_name(ts_issue_kind kind, int j);

/* Whether the issue's payoff at a fixed level can change from step to step:
 * state variables, or a tariff elasticity on its way to the long run. */
inline bool ts_issue_time_varying(const ts_issue *is)
{
    return ts_issue_n_state(is->kind) > 0 ||
           (is->kind == TS_ISSUE_TARIFF && is->elasticity_half_life > 0.0);
}

inline double ts_issue_state_get(const ts_issue *is, const ts_issue_state *st, int j)
{
    if (is->kind == TS_ISSUE_CHIP_LICENCE)
        return j == 0 ? st->market : st->value;
    if (is->kind == TS_ISSUE_EXPORT_CONTROL)
        return st->dependence;
    return 0.0;
}

/* (e^a - 1)/a, 1 at a = 0: accurate where the two terms nearly cancel. */
inline double ts_exprel(double a)
{
    return a == 0.0 ? 1.0 : expm1(a) / a;
}

/* The tariff's exact constant-elasticity partial equilibrium (docs/model.md):
 * with L = ln(1+tau), p* = e^(-theta L), p = e^((1-theta) L) and
 * M = M0 e^(-eps (1-theta) L), the owner's consumer surplus change plus
 * tariff revenue tau p* M (*po) and the exporters' producer surplus change
 * (*pf). One expm1 serves all three: p M / M0 = e^a with
 * a = (1-eps)(1-theta) L, and p* M / M0 = e^a / (1+tau). eps* enters only
 * through kf = 1/(1+eps*) = theta / (theta + eps (1-theta))
 * (ts_tariff_supply_share), so theta = 0 and 1 need no case, nor eps = 1
 * (a = 0). */
/* The products of ts_tariff_eq_flows that depend on the parameters alone:
 * k[0] = (1-eps)(1-theta), k[1] = -m0 (1-theta), k[2] = m0 kf, each the
 * first two factors of a left-to-right product there, so a level's flows
 * from them (ts_tariff_flows_at) are the same bits. A tariff's state caches
 * them (ts_issue_state.tk). */
inline void ts_tariff_coefs(double m0, double eps, double theta, double kf, double k[3])
{
    k[0] = (1.0 - eps) * (1.0 - theta);
    k[1] = -m0 * (1.0 - theta);
    k[2] = m0 * kf;
}

/* ts_tariff_eq_flows at tau from the coefficients k of ts_tariff_coefs. */
inline void ts_tariff_flows_at(double m0, const double k[3], double tau, double *po, double *pf)
{
    double L = log1p(tau), a = k[0] * L, ea = expm1(a);
    double inv = 1.0 / (1.0 + tau);
    double cs = k[1] * L * (a == 0.0 ? 1.0 : ea / a);
    *po = cs + tau * m0 * (1.0 + ea) * inv;
    *pf = k[2] * (ea - tau) * inv;
}

inline void ts_tariff_eq_flows(double m0, double eps, double theta, double kf, double tau,
                               double *po, double *pf)
{
    double k[3];
    ts_tariff_coefs(m0, eps, theta, kf, k);
    ts_tariff_flows_at(m0, k, tau, po, pf);
}

/* 1/(1+eps*) = theta / (theta + eps (1-theta)); 0 at theta = 0. */
inline double ts_tariff_supply_share(double eps, double theta)
{
    return theta > 0.0 ? theta / (theta + eps * (1.0 - theta)) : 0.0;
}

/* The elasticity and incidence in force, from the path's weight eps_w:
 * eps(t) = eps_LR + (eps_SR - eps_LR) eps_w with eps* held (theta(t) =
 * eps(t)/(eps(t) + eps*)); without a half-life the parameters themselves.
 * Marks the level caches stale when either moved. */
inline void ts_tariff_path(const ts_issue *is, ts_issue_state *st)
{
    double e = is->elasticity;
    if (is->elasticity_half_life > 0.0)
        e += (is->elasticity_short_run - is->elasticity) * st->eps_w;
    double th = e == is->elasticity ? is->tot_share
                                    : ts_tariff_incidence(e, is->supply_elasticity, is->tot_share);
    if (e != st->eps || th != st->theta) {
        st->eps = e;
        st->theta = th;
        st->kf = ts_tariff_supply_share(e, th);
        ts_tariff_coefs(is->imports_bn, e, th, st->kf, st->tk);
        st->key = NAN;
    }
}

/* Sets x = initial, m = market_share, v = 1, D = dependence, observed = x. */
void ts_issue_state_init(const ts_issue *is, double h, ts_issue_state *st);

/* The level caches of an issue of kind `kind` (is->kind) at st->x, key set:
 * a separate function so that a loop over one kind passes it as a constant
 * and compiles that kind's code alone.
 * Chip market dm/dt = b - (a+b) m with a = erosion r, b = recovery (1-r):
 * over a step at constant r, m' = m* + (m - m*) exp(-(a+b) h). */
inline void ts_issue_state_compute(ts_issue_kind kind, const ts_issue *is, double h,
                                   ts_issue_state *st)
{
    double x = st->x;
    st->key = x;
    switch (kind) {
    case TS_ISSUE_TARIFF:
        ts_tariff_flows_at(is->imports_bn, st->tk, x, &st->flow_o, &st->flow_f);
        break;
    case TS_ISSUE_CHIP_LICENCE: {
        double a = is->erosion * x, b = is->recovery * (1.0 - x), k = a + b;
        if (k > 0.0) {
            st->m_star = b / k;
            st->m_decay = exp(-k * h);
        } else {
            st->m_star = 0.0;
            st->m_decay = 1.0;
        }
        break;
    }
    case TS_ISSUE_EXPORT_CONTROL:
        st->d_decay = exp(-(is->diversification * x + is->drift) * h);
        break;
    default: break;
    }
}

/* Recomputes the level caches when x moved (cheap no-op otherwise). */
inline void ts_issue_state_refresh(const ts_issue *is, double h, ts_issue_state *st)
{
    if (st->x != st->key)
        ts_issue_state_compute(is->kind, is, h, st);
}

/* A lever's recent levels and their caches. Strategies such as tit-for-tat
 * move levers back and forth over a few levels, so most steps meet a level
 * seen a few steps before: the memo hands back the caches computed then (the
 * same bits, as the same function made them) instead of calling log1p/exp
 * again. Direct-mapped on the level's bits; valid for the issue's current
 * parameters only (ts_world_set_param and ts_world_reset empty it). */
/* baseline_nov2025 (talks not held) calls log1p 205,125 times without a memo,
 * 45,124 with 32 slots, 20,280 with 64, 13,699 with 128; 64 to 256 run at the
 * same speed (scripts/bench engine), so 64 (1.5 KiB per issue and thread). */
#define TS_MEMO_SLOTS 64
/* A lever whose levels rarely repeat (one moved by noisy observations) pays
 * the look-up and the store on every step for nothing: after this many
 * misses, a memo that served fewer than one hit per eight misses is switched
 * off for the rest of the world's life (the caches are the same bits either
 * way). On baseline_nov2025 the chip's and the export control's levels repeat
 * in 1% of steps, the tariffs' in 29%. */
#define TS_MEMO_TRIAL 512

typedef struct {
    uint64_t key;       /* the level's bits; TS_MEMO_EMPTY when unused */
    double c0, c1;      /* tariff: flow_o, flow_f; chip: m_star, m_decay; export: d_decay */
} ts_memo_slot;

typedef struct {
    ts_memo_slot slot[TS_MEMO_SLOTS];
    /* Since ts_world_use_memo, not reset by emptying: the levels' habits. */
    uint32_t hits, misses;
    bool off;           /* see TS_MEMO_TRIAL */
} ts_level_memo;

/* A NaN's bits: no level that reaches the memo has them. */
#define TS_MEMO_EMPTY UINT64_MAX

/* An empty memo, switched on, its trial not begun. */
void ts_level_memo_init(ts_level_memo *m);
/* Empties the slots (the trial's counts stay). */
void ts_level_memo_clear(ts_level_memo *m);

/* ts_issue_state_refresh through the memo m (NULL: none) for an issue of
 * kind `kind` (is->kind; a constant where the caller knows it, as
 * ts_issue_state_compute). */
inline void ts_issue_state_refresh_kind(ts_issue_kind kind, const ts_issue *is, double h,
                                        ts_issue_state *st, ts_level_memo *m)
{
    double x = st->x;
    if (x == st->key)
        return;
    /* A tariff on its elasticity path has caches of this step's eps(t) only. */
    if (!m || m->off || kind == TS_ISSUE_PLEDGE || kind == TS_ISSUE_CUSTOM || isnan(x) ||
        (kind == TS_ISSUE_TARIFF && st->eps != is->elasticity)) {
        ts_issue_state_compute(kind, is, h, st);
        return;
    }
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    ts_memo_slot *s = &m->slot[(bits * 0x9e3779b97f4a7c15ULL) >> (64 - 6)];
    if (s->key == bits) {
        m->hits++;
        st->key = x;
        switch (kind) {
        case TS_ISSUE_TARIFF:
            st->flow_o = s->c0;
            st->flow_f = s->c1;
            break;
        case TS_ISSUE_CHIP_LICENCE:
            st->m_star = s->c0;
            st->m_decay = s->c1;
            break;
        default: st->d_decay = s->c0; break;
        }
        return;
    }
    ts_issue_state_compute(kind, is, h, st);
    s->key = bits;
    switch (kind) {
    case TS_ISSUE_TARIFF:
        s->c0 = st->flow_o;
        s->c1 = st->flow_f;
        break;
    case TS_ISSUE_CHIP_LICENCE:
        s->c0 = st->m_star;
        s->c1 = st->m_decay;
        break;
    default: s->c0 = st->d_decay; break;
    }
    if (++m->misses == TS_MEMO_TRIAL)
        m->off = m->hits < TS_MEMO_TRIAL / 8;
}

inline void ts_issue_state_refresh_memo(const ts_issue *is, double h, ts_issue_state *st,
                                        ts_level_memo *m)
{
    ts_issue_state_refresh_kind(is->kind, is, h, st, m);
}

/* After a parameter of is changed: recomputes every cache. */
void ts_issue_state_params_changed(const ts_issue *is, double h, ts_issue_state *st);

/* Writes value into the double at offset of is and keeps the tariff's
 * incidence consistent: tot_share sets supply_elasticity, supply_elasticity
 * sets tot_share, and elasticity moves tot_share with supply_elasticity held
 * (the exporters' supply does not change with the importers' demand). */
void ts_issue_param_set(ts_issue *is, size_t offset, double value);

/* The price the other side pays for a licensed chip, relative to its price
 * without a revenue share, as ln p: the seller keeps 1 - (1-phi) rs of each
 * dollar's worth at the old price, so p = (1 - (1-phi) rs) / (1 - rs). */
double ts_chip_log_price(const ts_issue *is);

/* Channels of an issue's flows: who gains or loses what. Each side's
 * channels sum to its ts_issue_flows value (up to rounding). */
typedef enum {
    TS_CHANNEL_CONSUMER_SURPLUS,  /* tariff O: buyers' surplus; chip F: surplus lost to the price */
    TS_CHANNEL_REVENUE,           /* tariff O: revenue paid by its buyers, (p-1) M;
                                     chip O: the government's share rs p q */
    TS_CHANNEL_TERMS_OF_TRADE,    /* tariff O: revenue paid by F's exporters, (1-p*) M */
    TS_CHANNEL_PRODUCER_SURPLUS,  /* tariff F: exporters' surplus; export control O: sales
                                     forgone */
    TS_CHANNEL_FIRM_PROFIT,       /* chip O: fw x the seller's profit */
    TS_CHANNEL_SECURITY,          /* chip O: security cost of F's access */
    TS_CHANNEL_ACCESS,            /* chip F: value of access */
    TS_CHANNEL_DISRUPTION,        /* export control F: supply disruption */
    TS_CHANNEL_REPUTATION,        /* export control O: buyers diversifying away */
    TS_CHANNEL_ENFORCEMENT,       /* pledge: O's cost, F's benefit */
    TS_CHANNEL_OTHER,             /* custom */
    TS_N_CHANNELS
} ts_channel;

/* "consumer_surplus", "revenue", ... (snake case of the enum). */
const char *ts_channel_name(ts_channel c);

/* The channels an issue of this kind can move: side 0 its owner, 1 the other
 * side; bit (1u << c) per channel. */
unsigned ts_issue_channel_mask(ts_issue_kind kind, int side);

/* Annual flows of is at level x split into channels: out[0] the owner's,
 * out[1] the other side's (as ts_issue_flows's *po, *pf), every entry set. */
void ts_issue_channels(const ts_issue *is, const ts_issue_state *st, double x,
                       double out[2][TS_N_CHANNELS]);

/* Annual payoff flows of each kind to the lever's owner (*po) and the other
 * side (*pf) at level x with the state variables of st (caches used when
 * x == st->key; st is not changed). The one statement of each kind's payoff
 * (docs/model.md): ts_issue_flows dispatches to them, and the step, the
 * roll-out and the strategies all go through them, so they compute the same
 * bits. Separate small functions so a loop that already knows the kind
 * compiles them inline. */
inline void ts_tariff_flows(const ts_issue *is, const ts_issue_state *st, double x, double *po,
                            double *pf)
{
    if (x == st->key) {
        *po = st->flow_o;
        *pf = st->flow_f;
    } else {
        ts_tariff_flows_at(is->imports_bn, st->tk, x, po, pf);
    }
}

/* Chip: reach (1-r) m and capability v scale sales, the security cost and
 * the access value alike; the revenue share acts through the cached
 * chip_o, chip_f (the price F pays depends on parameters only). */
/* The capability F gains from the chip over its own best: v - domestic, at
 * least 0. The security cost falls with it, so it falls faster than sales
 * once the chip nears F's own (Bessent's "levels down the stack"). */
inline double ts_chip_uplift(const ts_issue *is, double v)
{
    double d = v - is->domestic_capability;
    return d > 0.0 ? d : 0.0;
}

inline void ts_chip_flows(const ts_issue *is, const ts_issue_state *st, double x, double *po,
                          double *pf)
{
    double reach = (1.0 - x) * st->market, v = st->value;
    *po = (st->chip_o * v - is->strategic_value_bn * ts_chip_uplift(is, v)) * reach;
    *pf = st->chip_f * v * reach;
}

inline void ts_export_flows(const ts_issue *is, const ts_issue_state *st, double x, double *po,
                            double *pf)
{
    double qd = x * st->dependence, g = is->convexity;
    *po = -is->exports_bn * qd - is->reputation_bn * x;
    double hurt = g == 1.0 ? qd : g == 2.0 ? qd * qd : (qd > 0.0 ? pow(qd, g) : 0.0);
    *pf = -is->disruption_bn * hurt;
}

inline void ts_pledge_flows(const ts_issue *is, double x, double *po, double *pf)
{
    *po = -is->cost_bn * x;
    *pf = is->benefit_bn * x;
}

inline void ts_custom_flows(const ts_issue *is, double x, double *po, double *pf)
{
    int o = is->owner, f = 1 - o;
    *po = is->payoff[o][0] + x * (is->payoff[o][1] + x * is->payoff[o][2]);
    *pf = is->payoff[f][0] + x * (is->payoff[f][1] + x * is->payoff[f][2]);
}

inline void ts_issue_flows(const ts_issue *is, const ts_issue_state *st, double x,
                                  double *po, double *pf)
{
    switch (is->kind) {
    case TS_ISSUE_TARIFF: ts_tariff_flows(is, st, x, po, pf); break;
    case TS_ISSUE_CHIP_LICENCE: ts_chip_flows(is, st, x, po, pf); break;
    case TS_ISSUE_EXPORT_CONTROL: ts_export_flows(is, st, x, po, pf); break;
    case TS_ISSUE_PLEDGE: ts_pledge_flows(is, x, po, pf); break;
    case TS_ISSUE_CUSTOM:
    default: ts_custom_flows(is, x, po, pf); break;
    }
}

/* Adds a step's flows (annual, times h) to the actors' sums p[0], p[1]. */
inline void ts_flows_add(int owner, double po, double pf, double h, double *p0,
                                double *p1)
{
    if (owner == 0) {
        *p0 += po * h;
        *p1 += pf * h;
    } else {
        *p0 += pf * h;
        *p1 += po * h;
    }
}

/* Adds every interaction term coef x_a x_b h of the levers in st. */
inline void ts_interactions_add(const ts_scenario *sc, const ts_issue_state *st, double h,
                                       double *p0, double *p1)
{
    for (int k = 0; k < sc->n_interactions; k++) {
        const ts_interaction *in = &sc->interactions[k];
        double v = in->coef * st[in->issue_a].x * st[in->issue_b].x * h;
        if (in->actor == 0)
            *p0 += v;
        else
            *p1 += v;
    }
}

/* Per-step payoff of the issue to each actor (pay[actor index]): its flows
 * (ts_issue_flows) times the step's length h. */
inline void ts_issue_payoff(const ts_issue *is, const ts_issue_state *st, double x, double h,
                            double pay[2])
{
    double po, pf;
    ts_issue_flows(is, st, x, &po, &pf);
    pay[is->owner] = po * h;
    pay[1 - is->owner] = pf * h;
}

/* Moves the state variables from this step to the next with the lever at
 * st->x over the step (exact solution of the rate equations for a level held
 * constant over the step). st's caches must be fresh. */
inline void ts_issue_advance(const ts_issue *is, ts_issue_state *st, double h)
{
    (void)h;
    switch (is->kind) {
    case TS_ISSUE_CHIP_LICENCE:
        st->market = st->m_star + (st->market - st->m_star) * st->m_decay;
        st->value *= st->v_factor;
        break;
    case TS_ISSUE_EXPORT_CONTROL: st->dependence *= st->d_decay; break;
    case TS_ISSUE_TARIFF:
        if (is->elasticity_half_life > 0.0) {
            st->eps_w *= st->eps_wf;
            ts_tariff_path(is, st);
        }
        break;
    default: break;
    }
}

/* Per-step discount factor (1 + rate)^-h. */
double ts_discount_factor(double rate, double h);

/* ---- the world ------------------------------------------------------ */

/* A lever's issue, state and memo (NULL: none), as the step's loops reach
 * them: one load each instead of an index's arithmetic. */
typedef struct {
    const ts_issue *is;
    ts_issue_state *st;
    ts_level_memo *memo;
} ts_lever_ref;

typedef struct {
    const ts_scenario *sc;
    double h;                 /* step length in years (1 when abstract) */
    int n_issues;
    ts_issue *issue;          /* mutable copies of sc->issues */
    ts_issue_state *st;
    ts_level_memo *memo;      /* per issue, or NULL: see ts_level_memo */
    bool *memo_stale;         /* per issue (with memo): a param event changed it */
    bool *held;               /* lever held by an active agreement: strategies leave it */
    double *seen;             /* each lever as its non-owner saw it at the end of the
                                 previous step (observed level for pledges) */
    ts_actor actor[2];        /* mutable copies of sc->actors */
    double trust[2];          /* actor's trust in the other side */
    double factor[2];         /* per-step discount factor */
    double disc[2];           /* factor^t of the current step */
    double payoff[2];         /* this step's payoff */
    double total[2];          /* discounted sum so far */
    double pressure[2];       /* pressure index on true levels, after this step's moves */
    bool pressure_fresh[2];   /* pressure[a] is still the index of a's levers as they
                                 stand: set by the engine at the end of a step, cleared by
                                 anything that moves a's levers (moves, set_level, params) */
    double seen_p[2];         /* actor a's pressure index as the other saw it, end of t-1 */
    double seen_p_prev[2];    /* the same, end of t-2 (reciprocity answers the change) */
    double p_initial[2];      /* pressure index at the scenario's initial levels */
    bool triggered[2];        /* grim_trigger has fired */
    uint64_t forced;          /* bit i: an event set or moved lever i this step, which is
                                 that step's move (no strategy moves it); TS_MAX_ISSUES
                                 is 64 */
    double br_gap[2];         /* scratch for strategies */
    int step;                 /* current step */
    /* Derived from issue[] (owners, pressure weights), refreshed by
     * ts_world_reset and ts_world_set_param: each actor's levers in file
     * order and the sum of their pressure weights in that order. */
    int n_own[2];
    int own[2][TS_MAX_ISSUES];
    double p_den[2];
    /* The same, for the engine's step: the levers with level caches by kind
     * (tariffs, then chip licences, then export controls, file order within
     * each; refresh_end[j] ends kind j's run in refresh[]), the pledges with
     * verification noise in file order, and whether actor a owns one. */
    int refresh_end[3];
    ts_lever_ref refresh[TS_MAX_ISSUES];
    int n_noisy;
    int noisy[TS_MAX_ISSUES];
    bool noisy_owner[2];
} ts_world;

/* Points w at caller-owned arrays of sc->n_issues elements and resets it. */
void ts_world_bind(ts_world *w, const ts_scenario *sc, ts_issue *issue, ts_issue_state *st,
                   bool *held, double *seen);
/* Gives w a memo of the levers' caches: memo and stale, caller-owned arrays of
 * sc->n_issues elements (a world without one computes every cache afresh). */
void ts_world_use_memo(ts_world *w, ts_level_memo *memo, bool *stale);
/* Back to the scenario's initial state (copies params, levels, trust...). */
void ts_world_reset(ts_world *w);
/* Pressure index of actor a from levels x[] (weighted mean over its levers;
 * 0 when it owns none or their weights sum to 0). */
inline double ts_world_pressure(const ts_world *w, int a, const double *x)
{
    double num = 0.0;
    for (int k = 0; k < w->n_own[a]; k++) {
        const ts_issue *is = &w->issue[w->own[a][k]];
        num += is->pressure_weight * ts_issue_pressure(is, x[w->own[a][k]]);
    }
    return w->p_den[a] > 0.0 ? num / w->p_den[a] : 0.0;
}

/* Pressure index of actor a on the current true levels. */
inline double ts_world_pressure_now(const ts_world *w, int a)
{
    double num = 0.0;
    for (int k = 0; k < w->n_own[a]; k++) {
        const ts_issue *is = &w->issue[w->own[a][k]];
        num += is->pressure_weight * ts_issue_pressure(is, w->st[w->own[a][k]].x);
    }
    return w->p_den[a] > 0.0 ? num / w->p_den[a] : 0.0;
}

/* Per-step payoffs at the current levels and state: issues + interactions. */
void ts_world_payoffs(ts_world *w, double pay[2]);
/* Changes a double parameter (param event) and refreshes what depends on it. */
void ts_world_set_param(ts_world *w, ts_target target, int index, size_t offset, double value);
/* The n parameter changes of an event, in order, with what depends on them
 * recomputed once per issue at the end: the same state as n calls of
 * ts_world_set_param (the caches depend on the final parameters alone). */
void ts_world_set_params(ts_world *w, const ts_event_param *p, int n);
/* Sets lever i to x clamped to its bounds (events, agreements). */
void ts_world_set_level(ts_world *w, int i, double x);

#endif
