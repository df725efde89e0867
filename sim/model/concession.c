/* Talks: alternating offers with time-dependent aspirations
 * (ts_talks_concession, Faratin's tactic with k = 0).
 *
 * Each actor's best package (its highest value with the other at its floor)
 * bounds its aspiration, which falls from it towards the actor's floor over
 * the rounds; each offer is the constrained offer of talks.c, warm-started
 * from the proposer's best package and the latest offers. The offers are
 * recorded in the workspace's trace (docs/model.md, "Bargaining solvers").
 * Threads: the workspace is the call's only mutable state. */
#include "talks_impl.h"

#include <math.h>
#include <string.h>

/* Faratin's time-dependent tactic with k = 0. */
static double aspiration(double best, double floor, double beta, int r, int rounds)
{
    double t;
    if (rounds > 1)
        t = r >= rounds - 1 ? 1.0 : (double)r / (rounds - 1);
    else
        t = r >= 1 ? 1.0 : 0.0;
    double alpha = t >= 1.0 ? 1.0 : t <= 0.0 ? 0.0 : pow(t, 1.0 / beta);
    return best - alpha * (best - floor);
}

/* What the rounds share: the floors f_i = d_i + min_gain; each actor's best
 * package (ws->xbest[i]), its values and best_i; the multipliers of "actor
 * who's value >= ...", carried from solve to solve (1: a transfer of value,
 * a fair first guess); each actor's latest offer (ws->offer[i]) and its
 * values. */
typedef struct {
    double floor[2], best[2], vbest[2][2], lambda[2];
    double voffer[2][2];
    bool have_offer[2];
} concession;

/* best_i: i's highest value with the other at its floor or above, from the
 * start candidates (values cv). *zone: both found, each above i's floor. */
static ts_status best_packages(solver *s, concession *c, const double *cv, bool *zone,
                               ts_error *err)
{
    ts_talks_workspace *ws = s->ws;
    int n = s->p->n;
    *zone = true;
    for (int i = 0; i < 2 && *zone; i++) {
        const double *starts[N_CAND];
        double sv[N_CAND][2];
        for (int k = 0; k < N_CAND; k++) {
            starts[k] = ws->cand + k * n;
            sv[k][0] = cv[2 * k];
            sv[k][1] = cv[2 * k + 1];
        }
        bool found;
        ts_status st = ts_tk_solve_offer(s, 1 - i, c->floor[1 - i], &c->lambda[1 - i], starts,
                                         (const double (*)[2])sv, N_CAND, &found, err);
        if (st != TS_OK)
            return st;
        if (!found) {
            *zone = false;
            break;
        }
        memcpy(ws->xbest[i], ws->best_x, (size_t)n * sizeof(double));
        c->vbest[i][0] = s->best_v[0];
        c->vbest[i][1] = s->best_v[1];
        c->best[i] = c->vbest[i][i];
        *zone = c->best[i] > c->floor[i];
    }
    return TS_OK;
}

/* Proposer pr's offer at aspiration a_p: the package maximising the
 * responder's value with pr's own at a_p or above, warm-started from pr's
 * best package and the latest offers. Left in ws->offer[pr], its values in
 * v. */
static ts_status propose(solver *s, concession *c, int pr, double a_p, double v[2],
                         ts_error *err)
{
    ts_talks_workspace *ws = s->ws;
    const double *x;
    if (a_p >= c->best[pr]) {
        x = ws->xbest[pr];
        v[0] = c->vbest[pr][0];
        v[1] = c->vbest[pr][1];
    } else {
        const double *starts[3];
        double sv[3][2];
        int ns = 0;
        starts[ns] = ws->xbest[pr];
        sv[ns][0] = c->vbest[pr][0];
        sv[ns++][1] = c->vbest[pr][1];
        for (int a = 0; a < 2; a++)
            if (c->have_offer[a]) {
                starts[ns] = ws->offer[a];
                sv[ns][0] = c->voffer[a][0];
                sv[ns++][1] = c->voffer[a][1];
            }
        bool found;
        ts_status st = ts_tk_solve_offer(s, pr, a_p, &c->lambda[pr], starts,
                                         (const double (*)[2])sv, ns, &found, err);
        if (st != TS_OK)
            return st;
        /* xbest[pr] meets any aspiration (a_p < best[pr]), so found holds */
        x = found ? ws->best_x : ws->xbest[pr];
        v[0] = found ? s->best_v[0] : c->vbest[pr][0];
        v[1] = found ? s->best_v[1] : c->vbest[pr][1];
    }
    memcpy(ws->offer[pr], x, (size_t)s->p->n * sizeof(double));
    c->voffer[pr][0] = v[0];
    c->voffer[pr][1] = v[1];
    c->have_offer[pr] = true;
    return TS_OK;
}

/* Round r's offer (values v; aspirations a_p of its proposer, a_q of the
 * responder for the next round) into the trace. True when the responder
 * accepts: worth its aspiration, and both gains above their floors. */
static bool record_offer(ts_talks_workspace *ws, const concession *c, int r, double a_p,
                         double a_q, const double v[2])
{
    int pr = r % 2, q = 1 - pr;
    bool accept = v[q] >= a_q && v[q] > c->floor[q] && v[pr] > c->floor[pr];
    ts_talks_offer *o = &ws->trace[r];
    o->round = r;
    o->proposer = pr;
    o->value[0] = v[0];
    o->value[1] = v[1];
    o->aspiration[pr] = a_p;
    o->aspiration[q] = a_q;
    o->accepted = accept;
    return accept;
}

ts_status ts_talks_alternating(ts_talks_workspace *ws, const ts_talks_problem *p,
                               const double beta[2], int rounds, double min_gain,
                               ts_talks_result *res, ts_error *err)
{
    ts_status st = ts_tk_check_problem(ws, p, res, err);
    if (st != TS_OK)
        return st;
    if (!beta || !(beta[0] > 0 && beta[1] > 0 && isfinite(beta[0]) && isfinite(beta[1])))
        return ts_error_set(err, TS_EBAD, "talks: beta must be finite and > 0 for both actors");
    if ((st = ts_tk_check_rounds(ws, rounds, err)) != TS_OK)
        return st;
    if ((st = ts_tk_check_min_gain(min_gain, err)) != TS_OK)
        return st;
    ts_tk_clear_result(res);
    res->trace = ws->trace;

    solver s = {.p = p, .ws = ws, .kind = OBJ_OFFER, .status = TS_OK};
    s.max_evals = N_CAND;
    double cv[2 * N_CAND];
    if ((st = ts_tk_evaluate_candidates(&s, cv, err)) != TS_OK)
        return st;
    concession c = {.floor = {p->d[0] + min_gain, p->d[1] + min_gain}, .lambda = {1.0, 1.0}};
    bool zone;
    if ((st = best_packages(&s, &c, cv, &zone, err)) != TS_OK)
        return st;
    if (!zone) {
        /* no package gives both more than their floors */
        ts_tk_no_zone(res, p, cv, min_gain, s.evals);
        return TS_OK;
    }

    double v[2] = {0, 0};
    const double *last_x = p->x0;
    for (int r = 0; r < rounds; r++) {
        int pr = r % 2, q = 1 - pr;
        double a_p = aspiration(c.best[pr], c.floor[pr], beta[pr], r, rounds);
        double a_q = aspiration(c.best[q], c.floor[q], beta[q], r + 1, rounds);
        if ((st = propose(&s, &c, pr, a_p, v, err)) != TS_OK)
            return st;
        last_x = ws->offer[pr];
        bool accept = record_offer(ws, &c, r, a_p, a_q, v);
        res->n_trace = r + 1;
        if (accept) {
            ts_tk_fill_result(res, p, last_x, v, min_gain);
            res->round = r;
            res->evaluations = s.evals;
            return TS_OK;
        }
    }
    ts_tk_fill_result(res, p, last_x, v, min_gain);
    res->outcome = TS_TALKS_NO_ACCEPTANCE;
    res->agreement = false;
    res->round = -1;
    res->evaluations = s.evals;
    return TS_OK;
}

ts_status ts_talks_concession(ts_talks_workspace *ws, const ts_talks_problem *p,
                              const double beta[2], int rounds, double min_gain,
                              ts_talks_result *res, ts_error *err)
{
    return ts_talks_alternating(ws, p, beta, rounds, min_gain, res, err);
}
