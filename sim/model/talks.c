/* Talks: the machinery the bargaining solvers share.
 *
 * The workspace; the search for a general value function, GSL's nmsimplex2
 * on z with x = lo + (hi - lo)(1 + sin z)/2: the simplex moves freely, every
 * trial package is inside the box, and a bound is reached exactly (the
 * conflict lever of a test goes to its end); the constrained offer of the
 * alternating protocols, by an augmented Lagrangian on that simplex; the
 * argument checks, start candidates and result filling of all three
 * protocols. Values are divided by a scale S (the largest |gain| at the
 * start points) so tolerances are relative. A gain g <= 0 would make log g
 * undefined; below g/S = EPS the logarithm is continued by its second-order
 * Taylor expansion, which is concave, finite and increasing, so a simplex
 * that starts outside the zone of agreement is pulled into it and GSL never
 * sees a non-finite value (which would make it call its error handler). The
 * protocols are in nash.c (with newton.c), concession.c and rubinstein.c;
 * the equations in docs/model.md ("Bargaining solvers").
 *
 * Invariants: the best point is tracked by the objective callback itself
 * (every evaluated point is a candidate), so what a solver returns is the
 * best package it evaluated, whatever the simplex ended on; no allocation
 * after ts_talks_workspace_alloc(). Threads: everything mutable is in the
 * workspace, one per thread. */
#include "talks_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#define MAX_RESTARTS 2           /* runs per start: the first and one restart, which
                                  * catches Nelder-Mead's premature collapse */
#define RESTART_STEP 0.1         /* simplex step of a restart (radians) */
#define AL_RHO 10.0              /* augmented-Lagrangian penalty (values / S) */
#define AL_OUTER 8               /* multiplier updates at most */

const char *ts_talks_outcome_name(ts_talks_outcome outcome)
{
    static const char *const names[TS_TALKS_OUTCOME_COUNT] = {
        "agreement", "no_zone", "below_min_gain", "no_acceptance"};
    return (unsigned)outcome < TS_TALKS_OUTCOME_COUNT ? names[outcome] : "unknown";
}

/* ---- workspace ------------------------------------------------------- */

ts_talks_workspace *ts_talks_workspace_alloc(int max_levers, int max_rounds)
{
    if (max_levers < 1 || max_levers > TS_TALKS_MAX_LEVERS || max_rounds < 1)
        return NULL;
    ts_talks_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->max_levers = max_levers;
    ws->max_rounds = max_rounds;
    size_t n = (size_t)max_levers;
    ws->nm = calloc(n, sizeof *ws->nm);
    /* 10 vectors of n, then N_CAND of n */
    double *buf = calloc((10 + N_CAND) * n, sizeof *buf);
    ws->z = buf;   /* the buffer's start: what _free releases */
    ws->trace = calloc((size_t)max_rounds, sizeof *ws->trace);
    if (!ws->nm || !buf || !ws->trace) {
        ts_talks_workspace_free(ws);
        return NULL;
    }
    ws->step = buf + n;
    ws->x = buf + 2 * n;
    ws->best_x = buf + 3 * n;
    ws->start = buf + 4 * n;
    ws->xbest[0] = buf + 5 * n;
    ws->xbest[1] = buf + 6 * n;
    ws->offer[0] = buf + 7 * n;
    ws->offer[1] = buf + 8 * n;
    ws->fx = buf + 9 * n;
    ws->cand = buf + 10 * n;
    ws->nt = calloc((size_t)(3 * N_LEVELS + 15) * n, sizeof *ws->nt);
    ws->idx = calloc(2 * n, sizeof *ws->idx);
    if (!ws->nt || !ws->idx) {
        ts_talks_workspace_free(ws);
        return NULL;
    }
    double *q = ws->nt;
    ws->lev = q;
    q += N_LEVELS * n;
    ws->tab = q;
    q += 2 * N_LEVELS * n;
    double **vec[] = {&ws->xk, &ws->xn, &ws->b[0], &ws->b[1], &ws->c[0], &ws->c[1],
                      &ws->uk[0], &ws->uk[1], &ws->d, &ws->dt, &ws->dl, &ws->dh,
                      &ws->g, &ws->p, &ws->dg};
    for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++, q += n)
        *vec[k] = q;
    ws->have = ws->idx + n;
    for (int k = 0; k < max_levers; k++) {
        ws->nm[k] = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2,
                                                  (size_t)k + 1);
        if (!ws->nm[k]) {
            ts_talks_workspace_free(ws);
            return NULL;
        }
    }
    return ws;
}

void ts_talks_workspace_free(ts_talks_workspace *ws)
{
    if (!ws)
        return;
    if (ws->nm)
        for (int k = 0; k < ws->max_levers; k++)
            if (ws->nm[k])
                gsl_multimin_fminimizer_free(ws->nm[k]);
    free(ws->nm);
    free(ws->z);   /* the start of the one buffer */
    free(ws->nt);
    free(ws->idx);
    free(ws->trace);
    free(ws);
}

/* ---- transform, objective ------------------------------------------- */

static void z_to_x(const ts_talks_problem *p, const gsl_vector *z, double *x)
{
    for (int i = 0; i < p->n; i++) {
        double s = sin(gsl_vector_get(z, (size_t)i));
        double v = p->lo[i] + (p->hi[i] - p->lo[i]) * (0.5 + 0.5 * s);
        x[i] = v < p->lo[i] ? p->lo[i] : v > p->hi[i] ? p->hi[i] : v;
    }
}

static void x_to_z(const ts_talks_problem *p, const double *x, double *z)
{
    for (int i = 0; i < p->n; i++) {
        double w = p->hi[i] - p->lo[i];
        double u = w > 0 ? 2.0 * (x[i] - p->lo[i]) / w - 1.0 : 0.0;
        z[i] = asin(u < -1.0 ? -1.0 : u > 1.0 ? 1.0 : u);
    }
}

static double finite_or_big(double f)
{
    return isfinite(f) && f < BIG ? f : BIG;
}

double ts_tk_score(const solver *s, const double v[2])
{
    const ts_talks_problem *p = s->p;
    if (s->kind == OBJ_NASH) {
        double a = (v[0] - p->d[0]) / s->scale, b = (v[1] - p->d[1]) / s->scale;
        return finite_or_big(-(s->w[0] * log_ext(a) + s->w[1] * log_ext(b)));
    }
    /* Powell-Hestenes-Rockafellar augmented Lagrangian of
     *   min -U_q  subject to  c = (target - U_p) / S <= 0:
     * smooth, exact at the right multiplier with a moderate rho, so the
     * simplex is not asked to follow an ill-conditioned barrier. */
    int q = 1 - s->who;
    double c = (s->target - v[s->who]) / s->scale;
    double t = fmax(0.0, s->lambda + s->rho * c);
    return finite_or_big(-(v[q] - p->d[q]) / s->scale +
                         (t * t - s->lambda * s->lambda) / (2.0 * s->rho));
}

/* Keeps x if it is the best so far. Offers rank packages that meet the floor
 * by the responder's value alone, so the penalty never shows in a result. */
void ts_tk_consider(solver *s, const double *x, const double v[2], double f)
{
    size_t bytes = (size_t)s->p->n * sizeof *x;
    if (!s->have_f || f < s->f_min) {
        s->have_f = true;
        s->f_min = f;
        s->f_v[0] = v[0];
        s->f_v[1] = v[1];
        memcpy(s->ws->fx, x, bytes);
    }
    double key = f;
    if (s->kind == OBJ_OFFER) {
        if (v[s->who] < s->floor)
            return;
        key = -v[1 - s->who];
    }
    if (!s->have_best || key < s->best_f) {
        s->have_best = true;
        s->best_f = key;
        s->best_v[0] = v[0];
        s->best_v[1] = v[1];
        memcpy(s->ws->best_x, x, bytes);
    }
}

ts_status ts_tk_call_value(solver *s, const double *x, double v[2])
{
    if (s->status != TS_OK)
        return s->status;
    ts_status st = s->p->value(x, v, s->p->ctx);
    s->evals++;
    if (st == TS_OK && !(isfinite(v[0]) && isfinite(v[1])))
        st = TS_EIO;
    if (st != TS_OK)
        s->status = st;
    return st;
}

static double objective(const gsl_vector *zv, void *params)
{
    solver *s = params;
    if (s->status != TS_OK || s->evals >= s->max_evals)
        return BIG;
    double *x = s->ws->x, v[2];
    z_to_x(s->p, zv, x);
    if (ts_tk_call_value(s, x, v) != TS_OK)
        return BIG;
    double f = ts_tk_score(s, v);
    ts_tk_consider(s, x, v, f);
    return f;
}

/* True when a simplex of size `size` in z around z spans less than ztol in
 * x (as a share of (hi - lo) / 2): |dx| <= |cos z| |dz| + dz^2 / 2. Near a
 * bound the objective is flat in z (dx/dz -> 0), so a test on the size in z
 * alone would ask for more digits than the values have. */
static bool converged(const ts_talks_problem *p, const gsl_vector *z, double size, double ztol)
{
    double c = 0;
    for (int i = 0; i < p->n; i++)
        if (p->hi[i] > p->lo[i])
            c = fmax(c, fabs(cos(gsl_vector_get(z, (size_t)i))));
    return c * size + 0.5 * size * size < ztol;
}

/* Runs the simplex from x_start (restarting while restarts improve) and
 * leaves the best point in s. */
ts_status ts_tk_run_simplex(solver *s, const double *x_start, double step, ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    double xtol = p->xtol > 0 ? p->xtol : DEFAULT_XTOL;
    /* |dx| <= (hi - lo) |dz| / 2, so a simplex of size 2 xtol in z is xtol in x */
    double ztol = 2.0 * xtol;
    gsl_multimin_fminimizer *m = ws->nm[n - 1];
    gsl_multimin_function fn = {.f = objective, .n = (size_t)n, .params = s};
    gsl_vector_view zv = gsl_vector_view_array(ws->z, (size_t)n);
    gsl_vector_view sv = gsl_vector_view_array(ws->step, (size_t)n);
    for (int i = 0; i < n; i++)
        ws->step[i] = step;
    x_to_z(p, x_start, ws->z);
    s->have_f = false;

    for (int restart = 0; restart < MAX_RESTARTS; restart++) {
        double before = s->have_f ? s->f_min : BIG;
        if (s->evals >= s->max_evals || s->status != TS_OK)
            break;
        int gs = gsl_multimin_fminimizer_set(m, &fn, &zv.vector, &sv.vector);
        if (gs != GSL_SUCCESS)
            return ts_error_set(err, TS_EIO, "talks: simplex set-up failed: %s",
                                gsl_strerror(gs));
        while (s->evals < s->max_evals && s->status == TS_OK) {
            gs = gsl_multimin_fminimizer_iterate(m);
            if (gs != GSL_SUCCESS)
                break;   /* no progress possible: keep the best point */
            if (converged(p, gsl_multimin_fminimizer_x(m), gsl_multimin_fminimizer_size(m),
                          ztol))
                break;
        }
        if (s->status != TS_OK)
            break;
        /* a restart that gains nothing measurable means the simplex had not
         * collapsed early: stop */
        if (restart > 0 && before - s->f_min <= 1e-10 * (1.0 + fabs(s->f_min)))
            break;
        x_to_z(p, ws->fx, ws->z);
        for (int i = 0; i < n; i++)
            ws->step[i] = fmin(step, RESTART_STEP);
    }
    if (s->status != TS_OK)
        return ts_error_set(err, s->status,
                            "talks: the value function failed or returned a non-finite value");
    return TS_OK;
}

/* ---- arguments, candidates, results ---------------------------------- */

ts_status ts_tk_check_problem(const ts_talks_workspace *ws, const ts_talks_problem *p,
                              const ts_talks_result *res, ts_error *err)
{
    if (!ws || !p || !res)
        return ts_error_set(err, TS_EBAD, "talks: workspace, problem and result are required");
    if (p->n < 1 || p->n > ws->max_levers)
        return ts_error_set(err, TS_EBAD, "talks: agenda of %d levers (workspace takes 1..%d)",
                            p->n, ws->max_levers);
    if (!p->lo || !p->hi || !p->x0 || !p->value)
        return ts_error_set(err, TS_EBAD, "talks: lo, hi, x0 and value are required");
    for (int i = 0; i < p->n; i++) {
        if (!(isfinite(p->lo[i]) && isfinite(p->hi[i]) && p->lo[i] <= p->hi[i]))
            return ts_error_set(err, TS_EBAD, "talks: lever %d: box [%g, %g] is not a finite "
                                "interval", i, p->lo[i], p->hi[i]);
        if (!(p->x0[i] >= p->lo[i] && p->x0[i] <= p->hi[i]))
            return ts_error_set(err, TS_EBAD, "talks: lever %d: status quo %g outside [%g, %g]",
                                i, p->x0[i], p->lo[i], p->hi[i]);
    }
    if (!(isfinite(p->d[0]) && isfinite(p->d[1])))
        return ts_error_set(err, TS_EBAD, "talks: disagreement values must be finite");
    if (!(p->xtol >= 0 && p->xtol < 1) || p->max_evals < 0 || p->starts < 0)
        return ts_error_set(err, TS_EBAD,
                            "talks: xtol must be in [0, 1), max_evals and starts >= 0");
    return TS_OK;
}

ts_status ts_tk_check_rounds(const ts_talks_workspace *ws, int rounds, ts_error *err)
{
    if (rounds < 1 || rounds > ws->max_rounds)
        return ts_error_set(err, TS_EBAD, "talks: %d rounds (workspace takes 1..%d)", rounds,
                            ws->max_rounds);
    return TS_OK;
}

ts_status ts_tk_check_min_gain(double min_gain, ts_error *err)
{
    if (!(min_gain >= 0 && isfinite(min_gain)))
        return ts_error_set(err, TS_EBAD, "talks: min_gain must be finite and >= 0");
    return TS_OK;
}

int ts_tk_eval_budget(const ts_talks_problem *p)
{
    return p->max_evals > 0 ? p->max_evals : 500 * (p->n + 1);
}

/* Fills ws->cand with the start candidates, evaluates them into v (2 per
 * candidate) and sets s->scale from their gains. */
ts_status ts_tk_evaluate_candidates(solver *s, double *v, ts_error *err)
{
    const ts_talks_problem *p = s->p;
    int n = p->n;
    double *c = s->ws->cand;
    for (int i = 0; i < n; i++) {
        c[i] = p->x0[i];
        c[n + i] = 0.5 * (p->lo[i] + p->hi[i]);
        c[2 * n + i] = p->lo[i];
        c[3 * n + i] = p->hi[i];
    }
    double scale = 0;
    for (int k = 0; k < N_CAND; k++) {
        if (ts_tk_call_value(s, c + k * n, v + 2 * k) != TS_OK)
            return ts_error_set(err, s->status,
                                "talks: the value function failed or returned a non-finite value");
        for (int a = 0; a < 2; a++)
            scale = fmax(scale, fabs(v[2 * k + a] - p->d[a]));
    }
    /* all gains zero: nothing to scale by; 1 keeps the arithmetic finite */
    s->scale = scale > 0 ? scale : 1.0;
    return TS_OK;
}

void ts_tk_fill_result(ts_talks_result *res, const ts_talks_problem *p, const double *x,
                       const double v[2], double min_gain)
{
    memcpy(res->x, x, (size_t)p->n * sizeof *x);
    for (int a = 0; a < 2; a++) {
        res->value[a] = v[a];
        res->gain[a] = v[a] - p->d[a];
    }
    if (res->gain[0] > min_gain && res->gain[1] > min_gain)
        res->outcome = TS_TALKS_AGREEMENT;
    else if (res->gain[0] > 0 && res->gain[1] > 0)
        res->outcome = TS_TALKS_BELOW_MIN_GAIN;
    else
        res->outcome = TS_TALKS_NO_ZONE;
    res->agreement = res->outcome == TS_TALKS_AGREEMENT;
}

void ts_tk_clear_result(ts_talks_result *res)
{
    memset(res, 0, sizeof *res);
    res->round = -1;
}

/* With min_gain > 0, "no package gives both more than their floors"
 * includes "some gain, but not enough". */
void ts_tk_no_zone(ts_talks_result *res, const ts_talks_problem *p, const double v[2],
                   double min_gain, int evals)
{
    ts_tk_fill_result(res, p, p->x0, v, min_gain);
    res->outcome = min_gain > 0 ? TS_TALKS_BELOW_MIN_GAIN : TS_TALKS_NO_ZONE;
    res->agreement = false;
    res->round = -1;
    res->evaluations = evals;
}

/* ---- the constrained offer ------------------------------------------- */

/* Package maximising actor 1-who's value with actor who's value >= floor,
 * from the given starts (n_starts packages with known values sv), by the
 * augmented Lagrangian method: each outer step minimises the smooth
 * Lagrangian with the simplex (warm-started), then updates the multiplier
 * lambda <- max(0, lambda + rho c). *lambda carries the multiplier from one
 * offer to the next, where it is nearly right already. Returns false in
 * *found when no evaluated package met the floor. The package is left in
 * ws->best_x, its values in s->best_v. */
ts_status ts_tk_solve_offer(solver *s, int who, double floor, double *lambda,
                            const double *const *starts, const double (*sv)[2], int n_starts,
                            bool *found, ts_error *err)
{
    ts_talks_workspace *ws = s->ws;
    int n = s->p->n;
    double xtol = s->p->xtol > 0 ? s->p->xtol : DEFAULT_XTOL;
    s->kind = OBJ_OFFER;
    s->who = who;
    s->floor = floor;
    /* aim a little above the floor: the Lagrangian's minimiser then meets
     * it, and the answer (which must) is among the points evaluated there */
    s->target = floor + xtol * s->scale;
    s->rho = AL_RHO;
    s->lambda = *lambda;
    s->have_best = false;
    s->have_f = false;
    s->max_evals = s->evals + ts_tk_eval_budget(s->p);
    for (int k = 0; k < n_starts; k++)
        ts_tk_consider(s, starts[k], sv[k], ts_tk_score(s, sv[k]));
    /* from the best package meeting the floor, else the lowest Lagrangian */
    memcpy(ws->start, s->have_best ? ws->best_x : ws->fx, (size_t)n * sizeof(double));
    for (int outer = 0; outer < AL_OUTER; outer++) {
        ts_status st = ts_tk_run_simplex(s, ws->start, outer == 0 ? STEP_FRESH : AL_STEP, err);
        if (st != TS_OK)
            return st;
        if (!s->have_f || s->evals >= s->max_evals)
            break;
        double c = (s->target - s->f_v[who]) / s->scale;
        double next = fmax(0.0, s->lambda + s->rho * c);
        memcpy(ws->start, ws->fx, (size_t)n * sizeof(double));
        /* converged: the constraint holds to what the package's accuracy
         * can resolve (10 xtol, relative), or it is slack and inactive */
        bool done = fabs(c) <= 10.0 * xtol || (c < 0 && next == 0.0);
        s->lambda = next;
        if (done)
            break;
    }
    *lambda = s->lambda;
    *found = s->have_best;
    return TS_OK;
}

