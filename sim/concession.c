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

ts_status ts_talks_alternating(ts_talks_workspace *ws, const ts_talks_problem *p,
                               const double beta[2], int rounds, double min_gain,
                               ts_talks_result *res, ts_error *err)
{
    ts_status st = tk_check_problem(ws, p, res, err);
    if (st != TS_OK)
        return st;
    if (!beta || !(beta[0] > 0 && beta[1] > 0 && isfinite(beta[0]) && isfinite(beta[1])))
        return ts_error_set(err, TS_EBAD, "talks: beta must be finite and > 0 for both actors");
    if ((st = tk_check_rounds(ws, rounds, err)) != TS_OK)
        return st;
    if ((st = tk_check_min_gain(min_gain, err)) != TS_OK)
        return st;
    tk_clear_result(res);
    res->trace = ws->trace;

    int n = p->n;
    size_t bytes = (size_t)n * sizeof(double);
    solver s = {.p = p, .ws = ws, .kind = OBJ_OFFER, .status = TS_OK};
    s.max_evals = N_CAND;
    double cv[2 * N_CAND];
    if ((st = tk_evaluate_candidates(&s, cv, err)) != TS_OK)
        return st;
    double floor[2] = {p->d[0] + min_gain, p->d[1] + min_gain};

    /* best_i: i's highest value with the other at its floor or above. The
     * multiplier of "actor who's value >= ..." is carried from solve to solve
     * (1: a transfer of value, a fair first guess). */
    double best[2], vbest[2][2], lambda[2] = {1.0, 1.0};
    bool zone = true;
    for (int i = 0; i < 2 && zone; i++) {
        const double *starts[N_CAND];
        double sv[N_CAND][2];
        for (int k = 0; k < N_CAND; k++) {
            starts[k] = ws->cand + k * n;
            sv[k][0] = cv[2 * k];
            sv[k][1] = cv[2 * k + 1];
        }
        bool found;
        if ((st = tk_solve_offer(&s, 1 - i, floor[1 - i], &lambda[1 - i], starts,
                              (const double (*)[2])sv, N_CAND, &found, err)) != TS_OK)
            return st;
        if (!found) {
            zone = false;
            break;
        }
        memcpy(ws->xbest[i], ws->best_x, bytes);
        vbest[i][0] = s.best_v[0];
        vbest[i][1] = s.best_v[1];
        best[i] = vbest[i][i];
        zone = best[i] > floor[i];
    }
    if (!zone) {
        /* no package gives both more than their floors */
        tk_no_zone(res, p, cv, min_gain, s.evals);
        return TS_OK;
    }

    double voffer[2][2];
    bool have_offer[2] = {false, false};
    double last_v[2] = {0, 0};
    const double *last_x = p->x0;
    for (int r = 0; r < rounds; r++) {
        int pr = r % 2, q = 1 - pr;
        double a_p = aspiration(best[pr], floor[pr], beta[pr], r, rounds);
        double a_q = aspiration(best[q], floor[q], beta[q], r + 1, rounds);
        const double *x;
        double v[2];
        if (a_p >= best[pr]) {
            x = ws->xbest[pr];
            v[0] = vbest[pr][0];
            v[1] = vbest[pr][1];
        } else {
            const double *starts[3];
            double sv[3][2];
            int ns = 0;
            starts[ns] = ws->xbest[pr];
            sv[ns][0] = vbest[pr][0];
            sv[ns++][1] = vbest[pr][1];
            for (int a = 0; a < 2; a++)
                if (have_offer[a]) {
                    starts[ns] = ws->offer[a];
                    sv[ns][0] = voffer[a][0];
                    sv[ns++][1] = voffer[a][1];
                }
            bool found;
            if ((st = tk_solve_offer(&s, pr, a_p, &lambda[pr], starts, (const double (*)[2])sv,
                                  ns, &found, err)) != TS_OK)
                return st;
            /* xbest[pr] meets any aspiration (a_p < best[pr]), so found holds */
            x = found ? ws->best_x : ws->xbest[pr];
            v[0] = found ? s.best_v[0] : vbest[pr][0];
            v[1] = found ? s.best_v[1] : vbest[pr][1];
        }
        memcpy(ws->offer[pr], x, bytes);
        voffer[pr][0] = v[0];
        voffer[pr][1] = v[1];
        have_offer[pr] = true;
        last_x = ws->offer[pr];
        last_v[0] = v[0];
        last_v[1] = v[1];

        bool accept = v[q] >= a_q && v[q] > floor[q] && v[pr] > floor[pr];
        ts_talks_offer *o = &ws->trace[r];
        o->round = r;
        o->proposer = pr;
        o->value[0] = v[0];
        o->value[1] = v[1];
        o->aspiration[pr] = a_p;
        o->aspiration[q] = a_q;
        o->accepted = accept;
        res->n_trace = r + 1;
        if (accept) {
            tk_fill_result(res, p, last_x, last_v, min_gain);
            res->round = r;
            res->evaluations = s.evals;
            return TS_OK;
        }
    }
    tk_fill_result(res, p, last_x, last_v, min_gain);
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
