/* Strategies (docs/model.md, Strategies). Every strategy computes one target
 * level per free own lever; the common move rule (within max_step, noise,
 * clamp) is applied in one place so no strategy can break it. */
#include "tradesim/strategy.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_randist.h>

#define BR_GRID 17
#define BR_MAX_ITER 100
#define BR_SHRINK 24   /* halvings of a bound cell: 2/16 * 2^-24 ~ 7e-9 of a [0, 2] lever */

struct ts_strategy_ws {
    gsl_min_fminimizer *min;
};

ts_strategy_ws *ts_strategy_ws_alloc(void)
{
    ts_strategy_ws *ws = malloc(sizeof *ws);
    if (!ws)
        return NULL;
    ws->min = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    if (!ws->min) {
        free(ws);
        return NULL;
    }
    return ws;
}

void ts_strategy_ws_free(ts_strategy_ws *ws)
{
    if (!ws)
        return;
    gsl_min_fminimizer_free(ws->min);
    free(ws);
}

double ts_faratin_alpha(double k, double beta, int t, int deadline)
{
    if (deadline <= 0)
        return 1.0;
    double s = (double)(t < deadline ? t : deadline) / deadline;
    return k + (1.0 - k) * pow(s, 1.0 / beta);
}

/* Level of lever j as actor a sees it: its own levers now, the other's as
 * seen at the end of the previous step. */
static double level_seen_by(const ts_world *w, int a, int j)
{
    return w->issue[j].owner == a ? w->st[j].x : w->seen[j];
}

double ts_strategy_lever_payoff(const ts_world *w, int a, int i, double x)
{
    double pay[2];
    ts_issue_payoff(&w->issue[i], &w->st[i], x, w->h, pay);
    double u = pay[a];
    const ts_scenario *sc = w->sc;
    for (int k = 0; k < sc->n_interactions; k++) {
        const ts_interaction *in = &sc->interactions[k];
        if (in->actor != a || (in->issue_a != i && in->issue_b != i))
            continue;
        double xa = in->issue_a == i ? x : level_seen_by(w, a, in->issue_a);
        double xb = in->issue_b == i ? x : level_seen_by(w, a, in->issue_b);
        u += in->coef * xa * xb * w->h;
    }
    return u;
}

typedef struct {
    const ts_world *w;
    int a, i;
} br_ctx;

static double neg_payoff(double x, void *p)
{
    const br_ctx *c = p;
    return -ts_strategy_lever_payoff(c->w, c->a, c->i, x);
}

static double brent(ts_strategy_ws *ws, br_ctx *c, double lo, double mid, double hi, double fmid)
{
    gsl_function F = {neg_payoff, c};
    if (gsl_min_fminimizer_set(ws->min, &F, mid, lo, hi) != GSL_SUCCESS)
        return mid;
    for (int it = 0; it < BR_MAX_ITER; it++) {
        if (gsl_min_fminimizer_iterate(ws->min) != GSL_SUCCESS)
            break;
        double a = gsl_min_fminimizer_x_lower(ws->min), b = gsl_min_fminimizer_x_upper(ws->min);
        /* 1e-10 absolute on the lever (its units are O(1)), far below any max_step. */
        if (gsl_min_test_interval(a, b, 1e-10, 0.0) == GSL_SUCCESS)
            break;
    }
    double x = gsl_min_fminimizer_x_minimum(ws->min);
    return gsl_min_fminimizer_f_minimum(ws->min) <= fmid ? x : mid;
}

double ts_strategy_best_level(const ts_world *w, int a, int i, ts_strategy_ws *ws)
{
    const ts_issue *is = &w->issue[i];
    br_ctx c = {w, a, i};
    double lo = is->min, hi = is->max;
    if (!(hi > lo))
        return lo;
    double xs[BR_GRID], fs[BR_GRID];
    int best = 0;
    double fmin = INFINITY, fmax = -INFINITY;
    for (int g = 0; g < BR_GRID; g++) {
        xs[g] = lo + (hi - lo) * g / (BR_GRID - 1);
        fs[g] = neg_payoff(xs[g], &c);
        if (fs[g] < fs[best])
            best = g;
        fmin = fmin < fs[g] ? fmin : fs[g];
        fmax = fmax > fs[g] ? fmax : fs[g];
    }
    /* Flat in this lever (to rounding): no reason to move. */
    if (fmax - fmin <= 1e-12 * (1.0 + fabs(fmin)))
        return w->st[i].x;
    if (best > 0 && best < BR_GRID - 1) {
        if (fs[best] < fs[best - 1] && fs[best] < fs[best + 1])
            return brent(ws, &c, xs[best - 1], xs[best], xs[best + 1], fs[best]);
        return xs[best];
    }
    /* Best grid point at a bound: the optimum may still lie inside the first
     * cell, however close to the bound (a small optimal tariff: Johnson's
     * 1/eps* is 1.3% at eps = 4, theta = 0.05). Halve the cell towards the
     * bound until its midpoint beats both ends, BR_SHRINK times at most
     * (the cell is then 2^-BR_SHRINK of the grid's spacing). */
    int nb = best == 0 ? 1 : BR_GRID - 2;
    double xb = xs[best], xn = xs[nb], fn = fs[nb];
    for (int k = 0; k < BR_SHRINK; k++) {
        double mid = 0.5 * (xb + xn);
        double fm = neg_payoff(mid, &c);
        if (fm < fs[best] && fm < fn)
            return best == 0 ? brent(ws, &c, xb, mid, xn, fm) : brent(ws, &c, xn, mid, xb, fm);
        xn = mid;
        fn = fm;
    }
    return xb;
}

/* Moves lever i from x towards target within max_step, adds noise, clamps.
 * The loops below call it with their own copies of w's pointers (st), so the
 * compiler need not reload them from w after every draw. */
static inline void move_lever(const ts_issue *is, ts_issue_state *st, double x, double target,
                              double noise, gsl_rng *rng)
{
    double d = target - x, ms = is->max_step;
    if (d > ms)
        d = ms;
    else if (d < -ms)
        d = -ms;
    x += d;
    if (noise > 0.0)
        x += gsl_ran_gaussian_ziggurat(rng, noise);
    if (x < is->min)
        x = is->min;
    else if (x > is->max)
        x = is->max;
    st->x = x;
}

/* A lever the actor may move this step: no agreement holds it and no event
 * set or moved it this step (the event's level is that step's move). The
 * loops pass their own copies of w->held and w->forced, which then stay in
 * registers across the noise draws. */
static inline bool lever_free(const bool *held, uint64_t forced, int i)
{
    return !held[i] && !((forced >> i) & 1u);
}

/* Tit-for-tat (Axelrod's): copy the level of pressure the other side was
 * seen at last step onto every free lever; the first move holds. The level is
 * ts_issue_level_at_pressure's, its clamp of p made once for all levers. */
static void move_tit_for_tat(ts_world *w, int a, gsl_rng *rng)
{
    const int *own = w->own[a];
    int n = w->n_own[a];
    const bool *held = w->held;
    uint64_t forced = w->forced;
    const ts_issue *issue = w->issue;
    ts_issue_state *st = w->st;
    double noise = w->actor[a].noise, p = w->seen_p[1 - a];
    if (p < 0.0)
        p = 0.0;
    if (p > 1.0)
        p = 1.0;
    bool first = w->step == 0;
    for (int k = 0; k < n; k++) {
        int i = own[k];
        if (!lever_free(held, forced, i))
            continue;
        const ts_issue *is = &issue[i];
        double x = st[i].x, target = x;
        if (!first) {
            double q = is->kind == TS_ISSUE_PLEDGE ? 1.0 - p : p;
            target = is->min + q * (is->max - is->min);
        }
        move_lever(is, &st[i], x, target, noise, rng);
    }
    w->pressure_fresh[a] = false;
}

/* Richardson: the engine keeps the index of the levels as they stand when
 * nothing has moved them since it was computed (same function, same bits).
 * Rates are per year (per step when abstract): one explicit Euler step of
 * dp/dt = k p_other - a p + g over the step's h years. */
static void move_richardson(ts_world *w, int a, gsl_rng *rng)
{
    const ts_strategy *s = &w->actor[a].strategy;
    const int *own = w->own[a];
    int n = w->n_own[a];
    const bool *held = w->held;
    uint64_t forced = w->forced;
    ts_issue_state *st = w->st;
    double noise = w->actor[a].noise;
    double p = w->pressure_fresh[a] ? w->pressure[a] : ts_world_pressure_now(w, a);
    double p_target = p + w->h * (s->reactivity * w->seen_p[1 - a] - s->fatigue * p + s->grievance);
    for (int k = 0; k < n; k++) {
        int i = own[k];
        if (!lever_free(held, forced, i))
            continue;
        const ts_issue *is = &w->issue[i];
        move_lever(is, &st[i], st[i].x, ts_issue_level_at_pressure(is, p_target), noise, rng);
    }
    w->pressure_fresh[a] = false;
}

/* The other strategies, one loop each over the actor's free levers; each
 * computes the target exactly as docs/model.md states it. */
static void move_other(ts_world *w, int a, ts_strategy_ws *ws, gsl_rng *rng)
{
    const ts_strategy *s = &w->actor[a].strategy;
    int o = 1 - a, t = w->step;
    const int *own = w->own[a];
    int n = w->n_own[a];
    const bool *held = w->held;
    uint64_t forced = w->forced;
    ts_issue_state *st = w->st;
    double noise = w->actor[a].noise;
    switch (s->kind) {
    case TS_STRAT_RECIPROCITY: {
        /* +1 escalate, -1 de-escalate, 0 hold; step 0 has no last move. */
        double dir = 0.0;
        if (t > 0)
            dir = w->seen_p[o] > w->seen_p_prev[o]   ? 1.0
                  : w->seen_p[o] < w->seen_p_prev[o] ? -1.0
                                                     : 0.0;
        for (int k = 0; k < n; k++) {
            int i = own[k];
            if (!lever_free(held, forced, i))
                continue;
            const ts_issue *is = &w->issue[i];
            double x = st[i].x;
            double up = is->kind == TS_ISSUE_PLEDGE ? -is->max_step : is->max_step;
            move_lever(is, &st[i], x, x + dir * up, noise, rng);
        }
        break;
    }
    case TS_STRAT_GRIM_TRIGGER:
        if (!w->triggered[a] && w->seen_p[o] > w->p_initial[o] + s->threshold)
            w->triggered[a] = true;
        for (int k = 0; k < n; k++) {
            int i = own[k];
            if (!lever_free(held, forced, i))
                continue;
            const ts_issue *is = &w->issue[i];
            double x = st[i].x;
            move_lever(is, &st[i], x, w->triggered[a] ? ts_issue_escalated(is) : x, noise, rng);
        }
        break;
    case TS_STRAT_ALWAYS_ESCALATE:
    case TS_STRAT_ALWAYS_CONCEDE:
        for (int k = 0; k < n; k++) {
            int i = own[k];
            if (!lever_free(held, forced, i))
                continue;
            const ts_issue *is = &w->issue[i];
            double target = s->kind == TS_STRAT_ALWAYS_ESCALATE ? ts_issue_escalated(is)
                                                                : ts_issue_conceded(is);
            move_lever(is, &st[i], st[i].x, target, noise, rng);
        }
        break;
    case TS_STRAT_BEST_RESPONSE:
        for (int k = 0; k < n; k++) {
            int i = own[k];
            if (!lever_free(held, forced, i))
                continue;
            double x = st[i].x;
            double target = x + s->speed * (ts_strategy_best_level(w, a, i, ws) - x);
            move_lever(&w->issue[i], &st[i], x, target, noise, rng);
        }
        break;
    case TS_STRAT_TIME_DEPENDENT: {
        double alpha = ts_faratin_alpha(s->k, s->beta, t, s->deadline);
        for (int k = 0; k < n; k++) {
            int i = own[k];
            if (!lever_free(held, forced, i))
                continue;
            double x0 = w->sc->issues[i].initial;
            move_lever(&w->issue[i], &st[i], st[i].x, x0 + alpha * (s->reservation[i] - x0),
                       noise, rng);
        }
        break;
    }
    case TS_STRAT_HOLD:
    case TS_STRAT_SCRIPTED:
    case TS_STRAT_TIT_FOR_TAT:
    case TS_STRAT_RICHARDSON:
    case TS_STRAT_COUNT:
    default:
        return;
    }
    w->pressure_fresh[a] = false;
}

/* The two strategies of the shipped scenarios and benchmarks get a function
 * each, reached by a jump from here: the dispatch costs no frame of its own. */
void ts_strategy_move(ts_world *w, int a, ts_strategy_ws *ws, gsl_rng *rng)
{
    switch (w->actor[a].strategy.kind) {
    case TS_STRAT_TIT_FOR_TAT: move_tit_for_tat(w, a, rng); return;
    case TS_STRAT_RICHARDSON: move_richardson(w, a, rng); return;
    case TS_STRAT_HOLD:
    case TS_STRAT_SCRIPTED: return;
    default: move_other(w, a, ws, rng); return;
    }
}
