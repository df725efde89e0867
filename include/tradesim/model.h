/* The model: payoffs and state variables of the bargaining chips.
 *
 * A ts_world is the mutable state of one replicate: copies of the scenario's
 * issues and actors (so `param` events can change them), each lever's level
 * and state variables (chip market m and capability v, export-control
 * dependence D, the pledge level the other side observed), each actor's trust,
 * discounting and running total. Every payoff here is per step: the annual flow
 * of DESIGN.md section 3.2 times the step's length in years h (h = 1 for an
 * abstract calendar, so flows are per step there). docs/model.md lists every
 * equation.
 *
 * Invariant: the caches in ts_issue_state are valid for the lever level `key`
 * and the issue's current parameters; ts_issue_state_refresh() recomputes them
 * when the level moved, ts_issue_state_params_changed() after a param event.
 * Nothing here allocates; a world's arrays are owned by whoever set it up. */
#ifndef TRADESIM_MODEL_H
#define TRADESIM_MODEL_H

#include <stdbool.h>

#include "tradesim/scenario.h"

/* State columns a kind adds to trajectories (after the level column). */
#define TS_ISSUE_MAX_STATE 2

typedef struct {
    double x;           /* lever level */
    double market;      /* chip_licence: m, share of the other's market reachable */
    double value;       /* chip_licence: v(t), relative capability of the chip */
    double dependence;  /* export_control: D */
    double observed;    /* pledge: level as the other side observed it this step */
    /* caches, valid for x == key (key NaN = stale) */
    double key;
    double imports;     /* tariff: M(key) */
    double m_star;      /* chip: fixed point of m at r = key */
    double m_decay;     /* chip: exp(-(erosion key + recovery (1-key)) h) */
    double d_decay;     /* export_control: exp(-(diversification key + drift) h) */
    double v_factor;    /* chip: generation_decay^(h / generation_years) */
} ts_issue_state;

/* Pressure of a lever at level x on the other side: (x-min)/(max-min), or
 * 1 minus that for a pledge; 0 when min == max. */
double ts_issue_pressure(const ts_issue *is, double x);
/* Level of the lever at pressure p (0..1): the inverse of ts_issue_pressure. */
double ts_issue_level_at_pressure(const ts_issue *is, double p);
/* The level at the maximum-pressure end (max, or min for a pledge). */
double ts_issue_escalated(const ts_issue *is);
double ts_issue_conceded(const ts_issue *is);

/* Number of state columns of a kind and their suffixes ("market", "value",
 * "dependence"), and the state variable they show. */
int ts_issue_n_state(ts_issue_kind kind);
const char *ts_issue_state_name(ts_issue_kind kind, int j);
double ts_issue_state_get(const ts_issue *is, const ts_issue_state *st, int j);

/* Sets x = initial, m = market_share, v = 1, D = dependence, observed = x. */
void ts_issue_state_init(const ts_issue *is, double h, ts_issue_state *st);
/* Recomputes the level caches when x moved (cheap no-op otherwise). */
void ts_issue_state_refresh(const ts_issue *is, double h, ts_issue_state *st);
/* After a parameter of is changed: recomputes every cache. */
void ts_issue_state_params_changed(const ts_issue *is, double h, ts_issue_state *st);

/* Per-step payoff of the issue to each actor (pay[actor index]) with the
 * lever at level x and the state variables of st. Uses st's caches when
 * x == st->key, else computes afresh; st is not changed. */
void ts_issue_payoff(const ts_issue *is, const ts_issue_state *st, double x, double h,
                     double pay[2]);
/* Moves the state variables from this step to the next with the lever at
 * st->x over the step (exact solution of the rate equations for a level held
 * constant over the step). st's caches must be fresh. */
void ts_issue_advance(const ts_issue *is, ts_issue_state *st, double h);

/* Per-step discount factor (1 + rate)^-h. */
double ts_discount_factor(double rate, double h);

/* ---- the world ------------------------------------------------------ */

typedef struct {
    const ts_scenario *sc;
    double h;                 /* step length in years (1 when abstract) */
    int n_issues;
    ts_issue *issue;          /* mutable copies of sc->issues */
    ts_issue_state *st;
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
    double seen_p[2];         /* actor a's pressure index as the other saw it, end of t-1 */
    double seen_p_prev[2];    /* the same, end of t-2 */
    double p_initial[2];      /* pressure index at the scenario's initial levels */
    bool triggered[2];        /* grim_trigger has fired */
    double br_gap[2];         /* scratch for strategies */
    int step;                 /* current step */
} ts_world;

/* Points w at caller-owned arrays of sc->n_issues elements and resets it. */
void ts_world_bind(ts_world *w, const ts_scenario *sc, ts_issue *issue, ts_issue_state *st,
                   bool *held, double *seen);
/* Back to the scenario's initial state (copies params, levels, trust...). */
void ts_world_reset(ts_world *w);
/* Pressure index of actor a from levels x[] (weighted mean over its levers;
 * 0 when it owns none or their weights sum to 0). */
double ts_world_pressure(const ts_world *w, int a, const double *x);
/* Pressure index of actor a on the current true levels. */
double ts_world_pressure_now(const ts_world *w, int a);
/* Per-step payoffs at the current levels and state: issues + interactions. */
void ts_world_payoffs(ts_world *w, double pay[2]);
/* Changes a double parameter (param event) and refreshes what depends on it. */
void ts_world_set_param(ts_world *w, ts_target target, int index, size_t offset, double value);
/* Sets lever i to x clamped to its bounds (events, agreements). */
void ts_world_set_level(ts_world *w, int i, double x);

#endif
