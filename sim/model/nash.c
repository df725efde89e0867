/* Talks: the generalised Nash bargaining solution (ts_talks_nash).
 *
 * Without a lever function: the start candidates (status quo, centre, the
 * all-lo and all-hi corners) are evaluated and the simplex of talks.c runs
 * from the best p->starts distinct ones. With one: the trust-region Newton
 * method of newton.c, and the simplex afresh if the values turn out not to
 * be the levers' sum. Either way the result is the best package evaluated
 * (docs/model.md, "Bargaining solvers"). Threads: the workspace is the
 * call's only mutable state. */
#include "talks_impl.h"

#include <math.h>
#include <string.h>

/* The best candidate not yet used (lowest objective cf), or -1; one equal
 * to a used one (x0 may equal a corner) is marked used and skipped. */
static int next_start(const double *cand, int n, const double *cf, bool used[N_CAND])
{
    int pick = -1;
    for (int k = 0; k < N_CAND; k++) {
        if (used[k])
            continue;
        bool dup = false;
        for (int j = 0; j < N_CAND && !dup; j++)
            dup = used[j] && !memcmp(cand + j * n, cand + k * n, (size_t)n * sizeof(double));
        if (dup) {
            used[k] = true;
            continue;
        }
        if (pick < 0 || cf[k] < cf[pick])
            pick = k;
    }
    return pick;
}

/* The simplex path: the candidates evaluated, then a run from each of the
 * best p->starts distinct ones. */
static ts_status nash_simplex(solver *s, ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    double cv[2 * N_CAND], cf[N_CAND];
    ts_status st = ts_tk_evaluate_candidates(s, cv, err);
    if (st != TS_OK)
        return st;
    for (int k = 0; k < N_CAND; k++) {
        cf[k] = ts_tk_score(s, cv + 2 * k);
        ts_tk_consider(s, ws->cand + k * n, cv + 2 * k, cf[k]);
    }
    int starts = p->starts > 0 ? (p->starts < N_CAND ? p->starts : N_CAND) : 1;
    bool used[N_CAND] = {false};
    for (int run = 0; run < starts; run++) {
        int pick = next_start(ws->cand, n, cf, used);
        if (pick < 0)
            break;
        used[pick] = true;
        memcpy(ws->start, ws->cand + pick * n, (size_t)n * sizeof(double));
        if ((st = ts_tk_run_simplex(s, ws->start, STEP_FRESH, err)) != TS_OK)
            return st;
    }
    return TS_OK;
}

/* The best package evaluated, as the result. */
static void nash_result(ts_talks_result *res, const solver *s, double min_gain)
{
    ts_tk_fill_result(res, s->p, s->ws->best_x, s->best_v, min_gain);
    res->round = 0;
    res->evaluations = s->evals;
    res->lever_evaluations = s->levals;
}

ts_status ts_talks_nash(ts_talks_workspace *ws, const ts_talks_problem *p, const double w[2],
                        double min_gain, ts_talks_result *res, ts_error *err)
{
    ts_status st = ts_tk_check_problem(ws, p, res, err);
    if (st != TS_OK)
        return st;
    if (!w || !(w[0] >= 0 && w[1] >= 0 && isfinite(w[0] + w[1]) && w[0] + w[1] > 0))
        return ts_error_set(err, TS_EBAD, "talks: Nash weights must be >= 0 with a positive sum");
    if ((st = ts_tk_check_min_gain(min_gain, err)) != TS_OK)
        return st;
    ts_tk_clear_result(res);

    solver s = {.p = p, .ws = ws, .kind = OBJ_NASH, .status = TS_OK};
    s.w[0] = w[0] / (w[0] + w[1]);
    s.w[1] = w[1] / (w[0] + w[1]);
    s.max_evals = ts_tk_eval_budget(p) + N_CAND;
    if (p->lever) {
        if ((st = ts_tk_nash_newton(&s, err)) != TS_OK)
            return st;
        if (!s.mixed) {
            nash_result(res, &s, min_gain);
            return TS_OK;
        }
        /* the values are not the levers' sum: the simplex, afresh */
        s.have_best = s.have_f = false;
        s.max_evals = s.evals + ts_tk_eval_budget(p) + N_CAND;
    }
    if ((st = nash_simplex(&s, err)) != TS_OK)
        return st;
    nash_result(res, &s, min_gain);
    return TS_OK;
}
