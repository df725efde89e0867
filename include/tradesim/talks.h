/* Talks: bargaining solvers over an agenda of levers.
 *
 * A package is a vector x of n lever levels in a box [lo_i, hi_i]. The
 * caller supplies a value function giving both actors' values U_0(x), U_1(x)
 * (in the engine: a deterministic roll-out over the agreement's duration),
 * the disagreement values d[2] and the status quo x0. Three protocols:
 *
 *   ts_talks_nash         generalised Nash bargaining solution
 *   ts_talks_rubinstein   subgame-perfect equilibrium of finite alternating offers
 *   ts_talks_concession   alternating offers with time-dependent aspirations
 *                         (ts_talks_alternating is the same function)
 *
 * With a general value function all use GSL's derivative-free Nelder-Mead
 * simplex (nmsimplex2) on an unbounded variable z with
 * x = lo + (hi - lo) (1 + sin z) / 2, so every trial package lies in the box
 * and a bound is reached exactly. When the caller also gives the values lever
 * by lever (`lever`: the values are a sum of one function of each lever),
 * Nash is solved by a trust-region Newton method on a separable quadratic
 * model of each value, its derivatives by finite differences of one lever at
 * a time. The equations, tolerances and conventions are in docs/model.md
 * (section "Talks").
 *
 * Ownership and threads: a ts_talks_workspace holds every buffer and GSL
 * minimiser the solvers need, sized at allocation; a solver call allocates
 * nothing. One workspace per thread; the problem is only read. A result is a
 * plain value, except `trace`, which points into the workspace and stays
 * valid until the workspace's next solver call or its release.
 *
 * Errors: TS_EBAD for bad arguments (message names the argument), TS_EIO
 * when the value function fails or returns a non-finite value (its own
 * status is returned when it is not TS_OK). A talk that ends without
 * agreement is not an error: the call returns TS_OK and the result says why. */
#ifndef TRADESIM_TALKS_H
#define TRADESIM_TALKS_H

#include <stdbool.h>

#include "tradesim/error.h"
#include "tradesim/scenario.h"

#define TS_TALKS_MAX_LEVERS TS_MAX_ISSUES

/* Values of package x for actor 0 and actor 1 into out[0], out[1]. Must be
 * deterministic; called many times per talk. A status other than TS_OK stops
 * the solver, which returns that status. */
typedef ts_status (*ts_talks_value_fn)(const double *x, double out[2], void *ctx);

/* Lever j's own part of both values at level xj, for separable values
 * U_a(x) = c_a + sum_j u_aj(x_j): out[a] = u_aj(xj) plus any constant of j's
 * own (the same every call). Deterministic; a status other than TS_OK stops
 * the solver, as for ts_talks_value_fn. */
typedef ts_status (*ts_talks_lever_fn)(int j, double xj, double out[2], void *ctx);

typedef struct {
    int n;                    /* levers on the agenda, 1..workspace's max_levers */
    const double *lo, *hi;    /* box, lo[i] <= hi[i] */
    const double *x0;         /* status quo, inside the box */
    double d[2];              /* disagreement values of actors 0 and 1 */
    ts_talks_value_fn value;
    void *ctx;                /* passed to value */
    /* Accuracy of the package, as a share of each lever's range (0: 1e-4).
     * The simplex stops when it is smaller than this, the Newton method
     * when a kept step is (the package is then within O(step^2)). */
    double xtol;
    /* Most value-function calls per solver call (0: 500 (n + 1) for nash,
     * 500 (n + 1) per offer for concession and rubinstein). Reached: the best package so
     * far is used. */
    int max_evals;
    /* Nash: simplex runs from the best `starts` of the start candidates
     * (status quo, centre, all-lo and all-hi corners); 0: 1. More starts guard
     * against a value function whose Nash product has several local maxima,
     * at a cost of up to a full run each. */
    int starts;
    /* Optional (nash only): the values lever by lever, when they are
     * separable. Set, Nash uses the trust-region Newton method (a few
     * evaluations of `value`, the derivatives from `lever`); NULL: the
     * simplex. ctx is passed to it too. */
    ts_talks_lever_fn lever;
} ts_talks_problem;

typedef enum {
    TS_TALKS_AGREEMENT,      /* both gains exceed min_gain */
    TS_TALKS_NO_ZONE,        /* no package found that gives both a positive gain */
    TS_TALKS_BELOW_MIN_GAIN, /* both gain, but not both by more than min_gain */
    TS_TALKS_NO_ACCEPTANCE,  /* concession: no offer accepted by the last round */
    TS_TALKS_OUTCOME_COUNT
} ts_talks_outcome;

/* One offer of an alternating-offers talk, for log.csv. */
typedef struct {
    int round;               /* 0-based */
    int proposer;            /* 0 or 1; actor 0 proposes in even rounds */
    double value[2];         /* the offer's value for actors 0 and 1 */
    /* aspirations of actors 0 and 1: the proposer's in this round, the
     * responder's in the next (what it accepts) */
    double aspiration[2];
    bool accepted;
} ts_talks_offer;

typedef struct {
    ts_talks_outcome outcome;
    bool agreement;          /* outcome == TS_TALKS_AGREEMENT */
    /* The package: on agreement the agreed one; otherwise the best candidate
     * found (nash) or the last offer (concession), for the log. */
    double x[TS_TALKS_MAX_LEVERS];
    double value[2];         /* U_0(x), U_1(x) */
    double gain[2];          /* value - d */
    int round;               /* concession: round of acceptance (0-based), -1 if
                              * none; rubinstein: 0 on agreement, else -1; nash: 0 */
    int evaluations;         /* value-function calls made by this solver call */
    int lever_evaluations;   /* lever-function calls (nash with `lever`), else 0 */
    int n_trace;             /* concession: offers made; rubinstein: 1 (the
                              * equilibrium's round-0 offer); nash: 0 */
    int backward_rounds;     /* rubinstein: rounds solved by backward induction,
                              * fewer than `rounds` when the continuation values
                              * converged first; otherwise 0 */
    const ts_talks_offer *trace;  /* n_trace offers, owned by the workspace */
} ts_talks_result;

typedef struct ts_talks_workspace ts_talks_workspace;

/* Workspace for agendas of up to max_levers levers (1..TS_TALKS_MAX_LEVERS)
 * and alternating-offers talks of up to max_rounds rounds (>= 1). NULL when out of
 * memory or an argument is out of range. */
ts_talks_workspace *ts_talks_workspace_alloc(int max_levers, int max_rounds);
void ts_talks_workspace_free(ts_talks_workspace *ws);

/* Generalised Nash bargaining: x maximising
 *   w[0] log(U_0(x) - d_0) + w[1] log(U_1(x) - d_1)
 * over the box, w >= 0 normalised here (w[0] + w[1] > 0). Without p->lever:
 * the status quo, the centre and the all-lo and all-hi corners are
 * evaluated, and the simplex is run (with one restart) from the best
 * p->starts of them. With p->lever: each lever is valued at five levels
 * across its range and at its status quo, the best combination of those
 * (by the separable sum) is the start, and the trust-region Newton method
 * runs from it (and, with p->starts > 1, from the best p->starts - 1 of the
 * four candidates above too). The result is the best package evaluated by
 * `value`. Agreement iff both gains exceed min_gain (>= 0). */
ts_status ts_talks_nash(ts_talks_workspace *ws, const ts_talks_problem *p, const double w[2],
                        double min_gain, ts_talks_result *res, ts_error *err);

/* Concession: alternating offers, at most `rounds` rounds (1..workspace's
 * max_rounds); actor 0 proposes in round 0 and every even round. Actor i's aspiration in
 * round r is best_i - alpha_i(r) (best_i - f_i), alpha_i(r) = t^(1/beta[i])
 * (Faratin's tactic with k = 0), t = r / (rounds - 1) capped at 1 (t = 0 for
 * the single round of a one-round talk, t = 1 after the last round), where
 * f_i = d_i + min_gain is i's floor and best_i is i's highest value over the
 * box among packages giving the other at least its floor. The proposer
 * offers the package that maximises the responder's value with its own value
 * >= its aspiration; the responder accepts iff the offer is worth at least
 * its aspiration for the next round and both gains exceed min_gain. When no
 * package gives both more than their floors the talk ends at once with
 * TS_TALKS_NO_ZONE and no offers. beta[i] > 0: < 1 Boulware, > 1 Conceder. */
ts_status ts_talks_concession(ts_talks_workspace *ws, const ts_talks_problem *p,
                              const double beta[2], int rounds, double min_gain,
                              ts_talks_result *res, ts_error *err);

/* The same as ts_talks_concession (the tactic's original name). */
ts_status ts_talks_alternating(ts_talks_workspace *ws, const ts_talks_problem *p,
                               const double beta[2], int rounds, double min_gain,
                               ts_talks_result *res, ts_error *err);

/* Subgame-perfect equilibrium of `rounds` rounds (1..workspace's max_rounds)
 * of alternating offers (Rubinstein 1982; finite horizon, Osborne &
 * Rubinstein 1990, ch. 3), by backward induction over packages. Floors
 * f_i = d_i + min_gain; gains are measured over them and a round's delay
 * discounts a gain by delta[i] in (0, 1] (actor i's per-round factor).
 * Actor `opener` (0 or 1) proposes in round 0, the proposers alternate. In
 * the last round the proposer's package maximises its value subject to the
 * responder's value >= its floor; in round r < rounds - 1, subject to the
 * responder's gain >= delta[q] times its gain in round r + 1's package. The
 * recursion stops early once the responders' thresholds repeat (a two-round
 * cycle) to within the solver's accuracy (docs/model.md). The result is the
 * round-0 package, accepted at once: agreement iff the opener's gain exceeds
 * min_gain (the responder, never below its floor, accepts when indifferent);
 * no_zone (below_min_gain when min_gain > 0) when no package gives the
 * last-round proposer more than its floor with the other at its floor. */
ts_status ts_talks_rubinstein(ts_talks_workspace *ws, const ts_talks_problem *p,
                              const double delta[2], int rounds, int opener, double min_gain,
                              ts_talks_result *res, ts_error *err);

/* "agreement", "no_zone", "below_min_gain", "no_acceptance". */
const char *ts_talks_outcome_name(ts_talks_outcome outcome);

#endif
