/* Talks: the subgame-perfect equilibrium of finite alternating offers
 * (ts_talks_rubinstein; Rubinstein 1982, Osborne & Rubinstein 1990, ch. 3).
 *
 * Backward induction over packages: from the last round, each round's
 * proposer offers the package best for itself among those worth at least
 * the responder's discounted continuation, by the constrained offer of
 * talks.c at a finer accuracy, until the responders' thresholds repeat
 * (docs/model.md, "Bargaining solvers"). Only the latest package of each
 * parity is kept (the workspace's two offer buffers), so any number of
 * rounds costs no memory. Threads: the workspace is the call's only mutable
 * state. */
#include "talks_impl.h"

#include <math.h>
#include <string.h>

/* Each round's offer is solved at SPE_XTOL (or the problem's xtol if finer):
 * an offer's error moves every earlier round's threshold, and the errors add
 * up over the recursion (by at most 1 / (1 - delta_A delta_B) times one
 * offer's), so the recursion needs offers finer than the package. */
#define SPE_XTOL 1e-7
/* The recursion stops when a responder's threshold repeats the one two rounds
 * later to SPE_STOP S (1 - delta_A delta_B): what the remaining rounds could
 * still move then is below SPE_STOP S, far below any package tolerance. */
#define SPE_STOP 1e-7
#define SPE_OUTER 40            /* further multiplier updates of an offer at most */
#define SPE_EXTRA_EVALS 4       /* their budget, in ts_tk_solve_offer's budgets */
#define SPE_RHO_MAX 1e8         /* largest penalty (values / S) */

/* One offer of the recursion: ts_tk_solve_offer, then, if its multiplier updates
 * did not converge (the constraint neither met to the offer's accuracy nor
 * slack with a zero multiplier: the right multiplier was far from the one
 * carried in), more augmented-Lagrangian steps from its point and multiplier
 * with the penalty raised tenfold whenever the violation has not fallen
 * fourfold (Nocedal & Wright 2006, Framework 17.3). */
static ts_status spe_offer(solver *s, int who, double floor, double *lambda,
                           const double *const *starts, double (*sv)[2], int n_starts,
                           bool *found, ts_error *err)
{
    ts_talks_workspace *ws = s->ws;
    int n = s->p->n;
    double xtol = s->p->xtol;
    ts_status st = ts_tk_solve_offer(s, who, floor, lambda, starts, (const double (*)[2])sv,
                                     n_starts, found, err);
    if (st != TS_OK)
        return st;
    double c = s->have_f ? (s->target - s->f_v[who]) / s->scale : 0.0;
    if (*found && (fabs(c) <= 10.0 * xtol || *lambda == 0.0))
        return TS_OK;
    s->lambda = *lambda;
    s->max_evals = s->evals + SPE_EXTRA_EVALS * ts_tk_eval_budget(s->p);
    double viol = fabs(c);
    memcpy(ws->start, s->have_best ? ws->best_x : ws->fx, (size_t)n * sizeof(double));
    for (int outer = 0; outer < SPE_OUTER && s->evals < s->max_evals; outer++) {
        if ((st = ts_tk_run_simplex(s, ws->start, AL_STEP, err)) != TS_OK)
            return st;
        if (!s->have_f)
            break;
        c = (s->target - s->f_v[who]) / s->scale;
        double next = fmax(0.0, s->lambda + s->rho * c);
        bool done = fabs(c) <= 10.0 * xtol || (c < 0 && next == 0.0);
        s->lambda = next;
        if (done)
            break;
        if (fabs(c) > 0.25 * viol && s->rho < SPE_RHO_MAX)
            s->rho *= 10.0;
        viol = fabs(c);
        memcpy(ws->start, ws->fx, (size_t)n * sizeof(double));
    }
    *lambda = s->lambda;
    *found = s->have_best;
    return TS_OK;
}

/* The recursion's state: the floors f_i = d_i + min_gain; the multipliers
 * carried from offer to offer; the latest package solved for a round of
 * each parity (rounds r + 1 and r + 2 when round r is solved; the
 * workspace's offer buffers), its values and its responder's threshold;
 * when a threshold counts as repeated; the rounds solved. */
typedef struct {
    double f[2], lambda[2];
    double *pkg[2];
    double vk[2][2], thr_k[2];
    bool have[2];
    double stop;
    int solved;
} backward;

/* Starts of the offer of a round of parity k: in the last round the start
 * candidates (values cv); else round r + 1's package, which meets the
 * threshold (q's gain there is >= 0), and round r + 2's, the same
 * proposer's, a near answer. Returns their number. */
static int round_starts(const solver *s, const backward *b, const double *cv, bool last, int k,
                        const double *starts[N_CAND], double sv[N_CAND][2])
{
    int n = s->p->n, ns = 0;
    if (last) {
        for (int c = 0; c < N_CAND; c++, ns++) {
            starts[ns] = s->ws->cand + c * n;
            sv[ns][0] = cv[2 * c];
            sv[ns][1] = cv[2 * c + 1];
        }
        return ns;
    }
    for (int j = 0; j < 2; j++) {
        int kk = j == 0 ? 1 - k : k;
        if (!b->have[kk])
            continue;
        starts[ns] = b->pkg[kk];
        sv[ns][0] = b->vk[kk][0];
        sv[ns++][1] = b->vk[kk][1];
    }
    return ns;
}

/* Keeps the package of a round of parity k, solved for threshold thr. */
static void keep_round(backward *b, const solver *s, int k, bool found, double thr)
{
    size_t bytes = (size_t)s->p->n * sizeof(double);
    if (found) {   /* else (never seen) keep round r + 1's package, which meets thr */
        memcpy(b->pkg[k], s->ws->best_x, bytes);
        b->vk[k][0] = s->best_v[0];
        b->vk[k][1] = s->best_v[1];
    } else {
        memcpy(b->pkg[k], b->pkg[1 - k], bytes);
        b->vk[k][0] = b->vk[1 - k][0];
        b->vk[k][1] = b->vk[1 - k][1];
    }
    b->thr_k[k] = thr;
    b->have[k] = true;
    b->solved++;
}

/* Rounds rounds - 1, rounds - 2, ... until round 0 or the thresholds
 * repeat. *no_zone (then nothing kept) when the last round has no package
 * giving its proposer more than its floor with the other at its floor. */
static ts_status backward_induction(solver *s, backward *b, const double delta[2], int rounds,
                                    int opener, const double *cv, bool *no_zone, ts_error *err)
{
    *no_zone = false;
    for (int r = rounds - 1; r >= 0; r--) {
        int k = r % 2, pr = k == 0 ? opener : 1 - opener, q = 1 - pr;
        /* q's floor plus its gain from proposing in round r + 1, one round later */
        double thr = b->f[q];
        if (r < rounds - 1)
            thr += delta[q] * (b->vk[1 - k][q] - b->f[q]);
        /* round r + 2's problem again: every earlier round repeats the last
         * two, and round 0's package is the one of its parity */
        if (b->have[k] && fabs(thr - b->thr_k[k]) <= b->stop)
            break;
        const double *starts[N_CAND];
        double sv[N_CAND][2];
        int ns = round_starts(s, b, cv, r == rounds - 1, k, starts, sv);
        bool found;
        ts_status st = spe_offer(s, q, thr, &b->lambda[q], starts, sv, ns, &found, err);
        if (st != TS_OK)
            return st;
        if (r == rounds - 1 && (!found || !(s->best_v[pr] > b->f[pr]))) {
            *no_zone = true;
            return TS_OK;
        }
        keep_round(b, s, k, found, thr);
        if (r == rounds - 1) {
            /* from here on the gains at stake are those of the last round's
             * package, not the candidates' (a corner may lose far more): a
             * scale of that size keeps the multiplier's updates effective */
            double g = fmax(b->vk[k][pr] - b->f[pr], b->vk[k][q] - b->f[q]);
            s->scale = fmin(s->scale, g);
            b->stop = SPE_STOP * s->scale * (1.0 - delta[0] * delta[1]);
        }
    }
    return TS_OK;
}

/* The equilibrium: round 0's offer, accepted at once. */
static void equilibrium(ts_talks_result *res, ts_talks_workspace *ws, const ts_talks_problem *p,
                        const backward *b, int opener, int evals)
{
    int q0 = 1 - opener;
    memcpy(res->x, b->pkg[0], (size_t)p->n * sizeof(double));
    for (int a = 0; a < 2; a++) {
        res->value[a] = b->vk[0][a];
        res->gain[a] = b->vk[0][a] - p->d[a];
    }
    res->outcome = TS_TALKS_AGREEMENT;
    res->agreement = true;
    res->round = 0;
    res->evaluations = evals;
    res->backward_rounds = b->solved;
    ts_talks_offer *o = &ws->trace[0];
    o->round = 0;
    o->proposer = opener;
    o->value[0] = b->vk[0][0];
    o->value[1] = b->vk[0][1];
    o->aspiration[opener] = b->vk[0][opener];
    o->aspiration[q0] = b->thr_k[0];
    o->accepted = true;
    res->n_trace = 1;
}

ts_status ts_talks_rubinstein(ts_talks_workspace *ws, const ts_talks_problem *p,
                              const double delta[2], int rounds, int opener, double min_gain,
                              ts_talks_result *res, ts_error *err)
{
    ts_status st = ts_tk_check_problem(ws, p, res, err);
    if (st != TS_OK)
        return st;
    if (!delta || !(delta[0] > 0 && delta[0] <= 1 && delta[1] > 0 && delta[1] <= 1))
        return ts_error_set(err, TS_EBAD, "talks: per-round discount factors must be in (0, 1]");
    if (opener != 0 && opener != 1)
        return ts_error_set(err, TS_EBAD, "talks: opener must be actor 0 or 1, got %d", opener);
    if ((st = ts_tk_check_rounds(ws, rounds, err)) != TS_OK)
        return st;
    if ((st = ts_tk_check_min_gain(min_gain, err)) != TS_OK)
        return st;
    ts_tk_clear_result(res);
    res->trace = ws->trace;

    ts_talks_problem fine = *p;
    fine.xtol = fmin(p->xtol > 0 ? p->xtol : DEFAULT_XTOL, SPE_XTOL);
    solver s = {.p = &fine, .ws = ws, .kind = OBJ_OFFER, .status = TS_OK};
    s.max_evals = N_CAND;
    double cv[2 * N_CAND];
    if ((st = ts_tk_evaluate_candidates(&s, cv, err)) != TS_OK)
        return st;
    backward b = {.f = {p->d[0] + min_gain, p->d[1] + min_gain}, .lambda = {1.0, 1.0},
                  .pkg = {ws->offer[0], ws->offer[1]},
                  .stop = SPE_STOP * s.scale * (1.0 - delta[0] * delta[1])};
    bool no_zone;
    if ((st = backward_induction(&s, &b, delta, rounds, opener, cv, &no_zone, err)) != TS_OK)
        return st;
    if (no_zone) {
        /* no package gives the last proposer more than its floor with the
         * other at its floor: no package gives both more */
        ts_tk_no_zone(res, p, cv, min_gain, s.evals);
        res->backward_rounds = 1;
        return TS_OK;
    }
    equilibrium(res, ws, p, &b, opener, s.evals);
    return TS_OK;
}
