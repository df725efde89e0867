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
extern inline double ts_issue_state_get(const ts_issue *is, const ts_issue_state *st, int j);
extern inline double ts_tariff_imports(const ts_issue *is, double tau);
extern inline void ts_issue_state_refresh(const ts_issue *is, double h, ts_issue_state *st);
extern inline void ts_issue_state_refresh_memo(const ts_issue *is, double h, ts_issue_state *st,
                                               ts_level_memo *m);
extern inline void ts_tariff_flows(const ts_issue *is, const ts_issue_state *st, double x,
                                   double *po, double *pf);
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

void ts_level_memo_clear(ts_level_memo *m)
{
    for (int k = 0; k < TS_MEMO_SLOTS; k++)
        m->slot[k].key = TS_MEMO_EMPTY;
}

void ts_issue_state_params_changed(const ts_issue *is, double h, ts_issue_state *st)
{
    st->v_factor = 1.0;
    if (is->kind == TS_ISSUE_CHIP_LICENCE && is->generation_years > 0.0)
        st->v_factor = pow(is->generation_decay, h / is->generation_years);
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
    ts_issue_state_params_changed(is, h, st);
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
 * denominator, summed in file order as the index's numerator is. */
static void world_owners(ts_world *w)
{
    for (int a = 0; a < 2; a++) {
        w->n_own[a] = 0;
        w->p_den[a] = 0.0;
    }
    for (int i = 0; i < w->n_issues; i++) {
        int a = w->issue[i].owner;
        w->own[a][w->n_own[a]++] = i;
        w->p_den[a] += w->issue[i].pressure_weight;
    }
}

void ts_world_use_memo(ts_world *w, ts_level_memo *memo, bool *stale)
{
    w->memo = memo;
    w->memo_stale = stale;
    for (int i = 0; i < w->n_issues; i++) {
        ts_level_memo_clear(&memo[i]);
        stale[i] = false;
    }
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

void ts_world_set_param(ts_world *w, ts_target target, int index, size_t offset, double value)
{
    if (target == TS_TARGET_ISSUE) {
        ts_issue *is = &w->issue[index];
        memcpy((char *)is + offset, &value, sizeof value);
        /* The initial-state parameters double as shocks to the state now. */
        if (offset == offsetof(ts_issue, market_share))
            w->st[index].market = value;
        else if (offset == offsetof(ts_issue, dependence))
            w->st[index].dependence = value;
        ts_issue_state_params_changed(is, w->h, &w->st[index]);
        if (w->memo) {
            /* Entries made from now on hold these parameters: the reset drops them. */
            ts_level_memo_clear(&w->memo[index]);
            w->memo_stale[index] = true;
        }
        world_owners(w);
        w->pressure_fresh[0] = w->pressure_fresh[1] = false;
    } else {
        ts_actor *ac = &w->actor[index];
        memcpy((char *)ac + offset, &value, sizeof value);
        w->factor[index] = ts_discount_factor(ac->discount, w->h);
    }
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
