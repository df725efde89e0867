/* Talks internals: what the solver files share (not installed; the API is
 * include/tradesim/talks.h).
 *
 *   talks.c       workspace, argument checks, the transformed simplex and its
 *                 objective, start candidates, results, the constrained offer
 *   nash.c        ts_talks_nash: the simplex path and the dispatch
 *   newton.c      Nash by trust-region Newton for separable values
 *   concession.c  ts_talks_concession (Faratin's tactic)
 *   rubinstein.c  ts_talks_rubinstein (backward induction)
 *
 * A solver call keeps its state in one `solver`, which is also the GSL
 * callback's params; every package it evaluates goes through ts_tk_consider(),
 * so the best one is known whatever the search ended on. The methods, their
 * tolerances and conventions are in docs/model.md ("Bargaining solvers").
 * Functions shared between the files carry the prefix ts_tk_ (the library's
 * own, as Lua's internals carry luaX_), so the library exports no bare
 * names; nothing here allocates. */
#ifndef TRADESIM_TALKS_IMPL_H
#define TRADESIM_TALKS_IMPL_H

#include <math.h>
#include <stdbool.h>

#include <gsl/gsl_multimin.h>

#include "tradesim/talks.h"

#define N_CAND 4                 /* status quo, centre, all-lo, all-hi */
#define EPS 1e-9                 /* relative gain where log g is continued */
#define LOG_EPS (-20.723265836946411) /* log(EPS) */
#define BIG 1e300                /* finite stand-in for "no value" */
#define DEFAULT_XTOL 1e-4
#define STEP_FRESH 0.5           /* initial simplex step in z (radians) */
#define AL_STEP 0.05             /* simplex step of a warm start */
#define N_LEVELS 6               /* separable start: 0, 1/4, 1/2, 3/4, 1 of the range, x0 */

struct ts_talks_workspace {
    int max_levers, max_rounds;
    gsl_multimin_fminimizer **nm;   /* nm[k] works in k + 1 dimensions */
    double *z, *step, *x, *best_x, *fx, *cand, *start;
    double *xbest[2], *offer[2];
    ts_talks_offer *trace;
    /* trust-region Newton (separable values): the start's table of lever
     * values tab[(a * N_LEVELS + l) * n + j] at levels lev[l * n + j] and
     * its best combination idx (then, while a model is solved, its free
     * coordinates); the iterate xk, the trial xn, per lever the model's
     * slopes b[a] and curvatures c[a] (scaled units), its values uk[a] and
     * whether these are those of xk (have[j]); the model's step d, trial
     * dt, its bounds dl, dh, gradient g, direction p and diagonal dg. */
    double *nt;                     /* the one buffer of what follows */
    double *lev, *tab, *xk, *xn, *b[2], *c[2], *uk[2], *d, *dt, *dl, *dh, *g, *p, *dg;
    int *idx, *have;
};

typedef enum { OBJ_NASH, OBJ_OFFER } objective_kind;

/* One solver call's state; the GSL callback's params. */
typedef struct {
    const ts_talks_problem *p;
    ts_talks_workspace *ws;
    objective_kind kind;
    double w[2];        /* nash weights, normalised */
    int who;            /* offer: actor whose value must reach `floor` */
    double floor;
    double target;      /* offer: floor plus a hair, so the limit point is feasible */
    double rho, lambda; /* offer: augmented-Lagrangian penalty and multiplier */
    double scale;
    int evals, max_evals;
    int levals;         /* lever-function calls */
    bool mixed;         /* nash: the values are not the sum the lever function claims */
    ts_status status;   /* first failure of the value function */
    /* the answer: nash, lowest objective; offer, highest responder's value
     * among packages meeting the floor */
    bool have_best;
    double best_f;
    double best_v[2];
    /* lowest objective of the current simplex run (ws->fx): where the
     * simplex restarts and, for offers, the multiplier update's point */
    bool have_f;
    double f_min;
    double f_v[2];
} solver;

/* log g for g >= EPS, else its second-order Taylor expansion at EPS. */
static inline double log_ext(double g)
{
    if (g >= EPS)
        return log(g);
    double u = (g - EPS) / EPS;
    return LOG_EPS + u - 0.5 * u * u;
}

/* ---- talks.c: search machinery ---------------------------------------- */

/* The objective of s's kind at values v (lower is better; finite). */
double ts_tk_score(const solver *s, const double v[2]);
/* Offers x (values v, objective f) as the best point of the run and of the
 * call. */
void ts_tk_consider(solver *s, const double *x, const double v[2], double f);
/* The value function at x, counted; a failure or a non-finite value is
 * kept in s->status and returned. */
ts_status ts_tk_call_value(solver *s, const double *x, double v[2]);
/* The simplex from x_start with the given initial step (radians in z),
 * restarted while restarts gain; the best point is left in s. */
ts_status ts_tk_run_simplex(solver *s, const double *x_start, double step, ts_error *err);
/* Package maximising actor 1-who's value with actor who's value >= floor,
 * by the augmented Lagrangian method (talks.c). */
ts_status ts_tk_solve_offer(solver *s, int who, double floor, double *lambda,
                            const double *const *starts, const double (*sv)[2], int n_starts,
                            bool *found, ts_error *err);

/* ---- talks.c: arguments, candidates, results -------------------------- */

ts_status ts_tk_check_problem(const ts_talks_workspace *ws, const ts_talks_problem *p,
                              const ts_talks_result *res, ts_error *err);
ts_status ts_tk_check_rounds(const ts_talks_workspace *ws, int rounds, ts_error *err);
ts_status ts_tk_check_min_gain(double min_gain, ts_error *err);
/* Value-function calls per search: max_evals, else 500 (n + 1). */
int ts_tk_eval_budget(const ts_talks_problem *p);
/* The N_CAND start candidates into ws->cand, their values into v (2 each),
 * s->scale from their gains. */
ts_status ts_tk_evaluate_candidates(solver *s, double *v, ts_error *err);
/* Package x with values v into res, the outcome by min_gain. */
void ts_tk_fill_result(ts_talks_result *res, const ts_talks_problem *p, const double *x,
                       const double v[2], double min_gain);
void ts_tk_clear_result(ts_talks_result *res);
/* No package gives both more than their floors: the status quo (values v),
 * no_zone, or below_min_gain when min_gain > 0. */
void ts_tk_no_zone(ts_talks_result *res, const ts_talks_problem *p, const double v[2],
                   double min_gain, int evals);

/* ---- newton.c --------------------------------------------------------- */

/* Nash by trust-region Newton from the separable start (and more starts
 * with p->starts > 1); sets s->mixed, having stopped, when the values turn
 * out not to be the levers' sum. */
ts_status ts_tk_nash_newton(solver *s, ts_error *err);

#endif
