/* Agreements: one talk from a world's state (ts_agreement_negotiate;
 * docs/model.md, "Values" and "Solving").
 *
 * Sets up the bargaining problem of a talk: the agenda's box and status quo
 * (or the noncooperative threat point, threat.c), the values by roll-out
 * over the agreement's duration (and issue by issue when they are
 * separable, so that Nash can use the trust-region Newton method), the
 * disagreement values, and the protocol's weights or discount factors; then
 * calls the protocol's solver. The world is only read; what changes is the
 * caller's workspace, so one per thread. */
#include "agreement_impl.h"

#include <math.h>
#include <string.h>

#include "tradesim/rollout.h"

typedef struct {
    const ts_world *w;
    const int *lever;
    int n, steps;
    bool pledge_trust;
    double dsum[2];   /* sum over the roll-out of each actor's discount weights */
} value_ctx;

static ts_status package_value(const double *x, double out[2], void *ctx)
{
    const value_ctx *v = ctx;
    ts_world_rollout(v->w, v->lever, x, v->n, v->steps, v->pledge_trust, out);
    return TS_OK;
}

/* One agenda issue's own part of a roll-out (package_value's terms of issue
 * lever[j] and of the interactions joining it to a lever off the agenda):
 * the values are its sum with terms that do not depend on the package. An
 * issue without state variables has the same flows every step of a
 * roll-out (ts_world_rollout's constant terms), so it is one flow times
 * the discount weights' sum; one with state is stepped as the roll-out
 * steps it. */
static ts_status issue_value(int j, double xj, double out[2], void *ctx)
{
    const value_ctx *v = ctx;
    const ts_world *w = v->w;
    int i = v->lever[j];
    const ts_issue *is = &w->issue[i];
    double h = w->h, x = xj < is->min ? is->min : xj > is->max ? is->max : xj;
    ts_issue_state st = w->st[i];
    st.x = x;
    ts_issue_state_refresh(is, h, &st);
    double q[2], recv = x;
    bool trust = v->pledge_trust && is->kind == TS_ISSUE_PLEDGE;
    if (trust) {
        double tr = w->trust[1 - is->owner];
        recv = tr * x + (1.0 - tr) * w->st[i].x;
    }
    if (!ts_issue_time_varying(is)) {
        ts_issue_payoff(is, &st, x, h, q);
        if (trust) {
            double qr[2];
            ts_issue_payoff(is, &st, recv, h, qr);
            q[1 - is->owner] = qr[1 - is->owner];
        }
        out[0] = q[0] * v->dsum[0];
        out[1] = q[1] * v->dsum[1];
    } else {
        double disc[2] = {1.0, 1.0};
        out[0] = out[1] = 0.0;
        for (int t = 0; t < v->steps; t++) {
            ts_issue_payoff(is, &st, x, h, q);
            for (int a = 0; a < 2; a++) {
                out[a] += disc[a] * q[a];
                disc[a] *= w->factor[a];
            }
            ts_issue_advance(is, &st, h);
        }
    }
    const ts_scenario *sc = w->sc;
    for (int k = 0; k < sc->n_interactions; k++) {
        const ts_interaction *in = &sc->interactions[k];
        if (in->issue_a != i && in->issue_b != i)
            continue;
        double xa = in->issue_a == i ? x : w->st[in->issue_a].x;
        double xb = in->issue_b == i ? x : w->st[in->issue_b].x;
        out[in->actor] += in->coef * xa * xb * h * v->dsum[in->actor];
    }
    return TS_OK;
}

/* The values are separable in the agenda's levers unless an interaction
 * joins two of them: every issue's flows and state depend on its own lever
 * only (a promised pledge too: its receiver's trust-weighted level is its
 * own), and the roll-out holds the package from its first step (no
 * phase-in). */
static bool separable(const ts_world *w, const ts_talk *tk)
{
    const ts_scenario *sc = w->sc;
    for (int k = 0; k < sc->n_interactions; k++) {
        const ts_interaction *in = &sc->interactions[k];
        if (in->issue_a == in->issue_b)
            continue;
        bool a = false, b = false;
        for (int j = 0; j < tk->n_agenda; j++) {
            a = a || tk->agenda[j] == in->issue_a;
            b = b || tk->agenda[j] == in->issue_b;
        }
        if (a && b)
            return false;
    }
    return true;
}

/* The agenda's box lo, hi and the disagreement point sq: the status quo
 * (x0, NULL = the current levels, clamped to the box), or the
 * noncooperative threat point when asked for and found (recorded in ts). */
static void disagreement_point(const ts_world *w, const ts_talk *tk, const double *x0,
                               double *lo, double *hi, double *sq, talk_setup *ts)
{
    int n = tk->n_agenda;
    for (int k = 0; k < n; k++) {
        const ts_issue *is = &w->issue[tk->agenda[k]];
        lo[k] = is->min;
        hi[k] = is->max;
        double x = x0 ? x0[k] : w->st[tk->agenda[k]].x;
        sq[k] = x < lo[k] ? lo[k] : x > hi[k] ? hi[k] : x;
    }
    memset(ts, 0, sizeof *ts);
    ts->noncooperative = tk->disagreement == TS_DISAGREE_NONCOOPERATIVE;
    if (ts->noncooperative) {
        memcpy(ts->threat, sq, (size_t)n * sizeof *sq);
        ts->converged = ts_agreement_threat_point(w, tk, ts->threat, &ts->sweeps);
        if (ts->converged)
            memcpy(sq, ts->threat, (size_t)n * sizeof *sq);
    }
}

/* Nash weights into ts->wt: by power, or with weights = patience those of
 * Binmore, Rubinstein & Wolinsky (1986), w_A = ln d_B / (ln d_A + ln d_B),
 * falling back to power when both discounts are 0. */
static void nash_weights(const ts_world *w, const ts_talk *tk, talk_setup *ts)
{
    double pw = w->actor[0].power + w->actor[1].power;
    ts->wt[0] = ts->wt[1] = 0.5;
    if (pw > 0.0) {
        ts->wt[0] = w->actor[0].power / pw;
        ts->wt[1] = w->actor[1].power / pw;
    }
    if (tk->weights == TS_WEIGHTS_PATIENCE) {
        double la = log(w->factor[0]), lb = log(w->factor[1]);
        ts->patience = true;
        if (la + lb < 0.0) {
            ts->wt[0] = lb / (la + lb);
            ts->wt[1] = 1.0 - ts->wt[0];
        } else {
            ts->patience_fallback = true;
        }
    }
}

ts_status ts_ag_negotiate(const ts_agreement_opts *aopts, ts_talks_workspace *ws, const ts_world *w,
                          const ts_talk *tk, const double *x0, ts_talks_result *res, double d[2],
                          talk_setup *ts, ts_error *err)
{
    if (!aopts)
        aopts = &ts_ag_default_opts;
    int n = tk->n_agenda;
    double lo[TS_MAX_ISSUES], hi[TS_MAX_ISSUES], sq[TS_MAX_ISSUES];
    disagreement_point(w, tk, x0, lo, hi, sq, ts);
    value_ctx vc = {.w = w, .lever = tk->agenda, .n = n, .steps = tk->duration_steps,
                    .pledge_trust = true};
    for (int a = 0; a < 2; a++) {
        double disc = 1.0;
        for (int t = 0; t < tk->duration_steps; t++, disc *= w->factor[a])
            vc.dsum[a] += disc;
    }
    ts_talks_problem p = {.n = n, .lo = lo, .hi = hi, .x0 = sq, .value = package_value,
                          .ctx = &vc, .xtol = aopts->xtol > 0.0 ? aopts->xtol : TS_AGREEMENT_XTOL,
                          .max_evals = aopts->max_evals, .starts = aopts->starts};
    if (!aopts->simplex && separable(w, tk))
        p.lever = issue_value;
    /* The disagreement point is what happens without a deal, not a promise:
     * pledges there are valued at their levels. */
    ts_world_rollout(w, tk->agenda, sq, n, tk->duration_steps, false, p.d);
    d[0] = p.d[0];
    d[1] = p.d[1];
    switch (tk->protocol) {
    case TS_PROTO_NASH:
        nash_weights(w, tk, ts);
        return ts_talks_nash(ws, &p, ts->wt, tk->min_gain, res, err);
    case TS_PROTO_ALTERNATING:
        for (int a = 0; a < 2; a++)
            ts->delta[a] = pow(w->factor[a], tk->round_length);
        return ts_talks_rubinstein(ws, &p, ts->delta, tk->rounds, tk->opener, tk->min_gain, res,
                                   err);
    case TS_PROTO_CONCESSION:
    default:
        return ts_talks_concession(ws, &p, tk->beta, tk->rounds, tk->min_gain, res, err);
    }
}

ts_status ts_agreement_negotiate(const ts_agreement_opts *aopts, ts_talks_workspace *ws,
                                 const ts_world *w, const ts_talk *tk, const double *x0,
                                 ts_talks_result *res, double d[2], ts_error *err)
{
    talk_setup ts;
    return ts_ag_negotiate(aopts, ws, w, tk, x0, res, d, &ts, err);
}
