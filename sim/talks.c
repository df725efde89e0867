/* Talks: Nash bargaining and alternating offers over a box of levers.
 *
 * Two searches. For a general value function, GSL's nmsimplex2 on z with
 * x = lo + (hi - lo)(1 + sin z)/2: the simplex moves freely, every trial
 * package is inside the box, and a bound is reached exactly (the conflict
 * lever of a test goes to its end). For Nash with values given lever by
 * lever (separable), a trust-region Newton method on a quadratic model of
 * each value (section "Nash by trust-region Newton" below). Values are
 * divided by a scale S (the largest |gain| at the start points) so
 * tolerances are relative. A gain g <= 0 would make log g undefined; below
 * g/S = EPS the logarithm is continued by its second-order Taylor expansion,
 * which is concave, finite and increasing, so a simplex that starts outside
 * the zone of agreement is pulled into it and GSL never sees a non-finite
 * value (which would make it call its error handler).
 *
 * Invariants: the best point is tracked by the objective callback itself
 * (every evaluated point is a candidate), so what a solver returns is the
 * best package it evaluated, whatever the simplex ended on; no allocation
 * after ts_talks_workspace_alloc(). */
#include "tradesim/talks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#define N_CAND 4                 /* status quo, centre, all-lo, all-hi */
#define MAX_RESTARTS 2           /* runs per start: the first and one restart, which
                                  * catches Nelder-Mead's premature collapse */
#define RESTART_STEP 0.1         /* simplex step of a restart (radians) */
#define EPS 1e-9                 /* relative gain where log g is continued */
#define LOG_EPS (-20.723265836946411) /* log(EPS) */
#define BIG 1e300                /* finite stand-in for "no value" */
#define DEFAULT_XTOL 1e-4
#define STEP_FRESH 0.5           /* initial simplex step in z (radians) */
#define AL_RHO 10.0              /* augmented-Lagrangian penalty (values / S) */
#define AL_OUTER 8               /* multiplier updates at most */
#define AL_STEP 0.05             /* simplex step of a warm start */

#define N_LEVELS 6               /* separable start: 0, 1/4, 1/2, 3/4, 1 of the range, x0 */
#define FD_STEP 1e-5             /* finite-difference step, share of a lever's range */
#define TR_MAX_ITER 60           /* trust-region iterations per run */
#define TR_RADIUS0 0.5           /* first trust radius, share of each range */
#define INNER_MAX 200            /* projected-Newton iterations on one model */
#define ACTIVE_EPS 1e-3          /* Bertsekas's epsilon-active set, scaled units */

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

/* log g for g >= EPS, else its second-order Taylor expansion at EPS. */
static double log_ext(double g)
{
    if (g >= EPS)
        return log(g);
    double u = (g - EPS) / EPS;
    return LOG_EPS + u - 0.5 * u * u;
}

static double finite_or_big(double f)
{
    return isfinite(f) && f < BIG ? f : BIG;
}

static double score(const solver *s, const double v[2])
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
static void consider(solver *s, const double *x, const double v[2], double f)
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

static ts_status call_value(solver *s, const double *x, double v[2])
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
    if (call_value(s, x, v) != TS_OK)
        return BIG;
    double f = score(s, v);
    consider(s, x, v, f);
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
static ts_status run_simplex(solver *s, const double *x_start, double step, ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    double xtol = p->xtol > 0 ? p->xtol : DEFAULT_XTOL;
    /* |dx| <= (hi - lo) |dz| / 2, so a simplex of size 2 xtol in z is xtol in x */
    double ztol = 2.0 * xtol;
    gsl_multimin_fminimizer *m = ws->nm[n - 1];
    gsl_multimin_function fn = {objective, (size_t)n, s};
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

/* ---- common set-up --------------------------------------------------- */

static ts_status check_problem(const ts_talks_workspace *ws, const ts_talks_problem *p,
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

static int eval_budget(const ts_talks_problem *p)
{
    return p->max_evals > 0 ? p->max_evals : 500 * (p->n + 1);
}

/* Fills ws->cand with the start candidates, evaluates them into v (2 per
 * candidate) and sets s->scale from their gains. */
static ts_status evaluate_candidates(solver *s, double *v, ts_error *err)
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
        if (call_value(s, c + k * n, v + 2 * k) != TS_OK)
            return ts_error_set(err, s->status,
                                "talks: the value function failed or returned a non-finite value");
        for (int a = 0; a < 2; a++)
            scale = fmax(scale, fabs(v[2 * k + a] - p->d[a]));
    }
    /* all gains zero: nothing to scale by; 1 keeps the arithmetic finite */
    s->scale = scale > 0 ? scale : 1.0;
    return TS_OK;
}

static void fill_result(ts_talks_result *res, const ts_talks_problem *p, const double *x,
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

static void clear_result(ts_talks_result *res)
{
    memset(res, 0, sizeof *res);
    res->round = -1;
}

/* ---- Nash by trust-region Newton (separable values) ------------------- */

/* With separable values U_a(x) = c_a + sum_j u_aj(x_j) the Hessian of each
 * value is diagonal, so one lever's finite differences (three calls of
 * `lever`, each a roll-out of one issue) give its row of the model. Around
 * the iterate x_k, in steps d_j measured in shares of lever j's range, each
 * scaled gain is modelled by
 *   M_a(d) = G_a(x_k) + sum_j d_j (b_aj + c_aj d_j / 2)
 * (exact for linear and quadratic levers), and the model's Nash product
 *   sum_a w_a log_ext(M_a(d))
 * is maximised exactly (it costs no roll-out) over the box intersected with
 * the trust region |d_j| <= radius. The step is kept when the true product
 * rises by at least a tenth of what the model promised; the radius grows
 * after good steps at its edge and shrinks after bad ones (Conn, Gould &
 * Toint 2000, ch. 6). Keeping the logarithm exact in the model, rather
 * than taking Newton steps on the Nash product itself, matters at a start
 * near the edge of the zone of agreement: there log g is far from its
 * quadratic expansion and plain Newton steps only double the smaller gain. */

static double log_ext_d1(double g)
{
    return g >= EPS ? 1.0 / g : (1.0 - (g - EPS) / EPS) / EPS;
}

static double log_ext_d2(double g)
{
    return g >= EPS ? -1.0 / (g * g) : -1.0 / (EPS * EPS);
}

typedef struct {
    int n;
    double w[2], g0[2];
    const double *b[2], *c[2];
} model;

static void model_gains(const model *m, const double *d, double out[2])
{
    for (int a = 0; a < 2; a++) {
        double g = m->g0[a];
        for (int j = 0; j < m->n; j++)
            g += d[j] * (m->b[a][j] + 0.5 * m->c[a][j] * d[j]);
        out[a] = g;
    }
}

static double nash_phi(const double w[2], const double g[2])
{
    return w[0] * log_ext(g[0]) + w[1] * log_ext(g[1]);
}

static double model_phi(const model *m, const double *d)
{
    double g[2];
    model_gains(m, d, g);
    return nash_phi(m->w, g);
}

/* Maximises the model over ws->dl <= d <= ws->dh (a box holding 0) by
 * projected Newton (Bertsekas 1982): coordinates at a bound that the
 * gradient pushes outwards stay there; the others take a Newton step on the
 * negated Hessian, diagonal plus rank two (Sherman-Morrison-Woodbury, O(n)),
 * with negative diagonal entries raised to a floor so that it is positive
 * definite; an Armijo search along the projected path keeps every step an
 * ascent. Leaves the maximiser in ws->d and returns the model's value there. */
static double solve_model(const model *m, ts_talks_workspace *ws)
{
    int n = m->n;
    double *d = ws->d, *dt = ws->dt, *g = ws->g, *p = ws->p, *dg = ws->dg;
    const double *dl = ws->dl, *dh = ws->dh;
    int *is_free = ws->idx;
    for (int j = 0; j < n; j++)
        d[j] = 0.0;
    double phi = model_phi(m, d);
    for (int it = 0; it < INNER_MAX; it++) {
        double gm[2], p1[2], k[2];
        model_gains(m, d, gm);
        for (int a = 0; a < 2; a++) {
            p1[a] = m->w[a] * log_ext_d1(gm[a]);
            k[a] = -m->w[a] * log_ext_d2(gm[a]);   /* >= 0 */
        }
        double pg = 0.0, hmax = 0.0;
        for (int j = 0; j < n; j++) {
            double v0 = m->b[0][j] + m->c[0][j] * d[j], v1 = m->b[1][j] + m->c[1][j] * d[j];
            g[j] = p1[0] * v0 + p1[1] * v1;
            dg[j] = -(p1[0] * m->c[0][j] + p1[1] * m->c[1][j]);
            double y = fmin(dh[j], fmax(dl[j], d[j] + g[j]));
            pg = fmax(pg, fabs(y - d[j]));
            hmax = fmax(hmax, fabs(dg[j]) + k[0] * v0 * v0 + k[1] * v1 * v1);
        }
        if (!(pg > 1e-15))
            break;   /* stationary on the box */
        double eps = fmin(ACTIVE_EPS, pg), floor = 1e-12 * hmax + 1e-300;
        double s00 = 0.0, s01 = 0.0, s11 = 0.0, q0 = 0.0, q1 = 0.0;
        for (int j = 0; j < n; j++) {
            is_free[j] = dl[j] < dh[j] && !(d[j] <= dl[j] + eps && g[j] < 0.0) &&
                         !(d[j] >= dh[j] - eps && g[j] > 0.0);
            if (!is_free[j])
                continue;
            double v0 = m->b[0][j] + m->c[0][j] * d[j], v1 = m->b[1][j] + m->c[1][j] * d[j];
            dg[j] = dg[j] > floor ? dg[j] : floor;
            s00 += v0 * v0 / dg[j];
            s01 += v0 * v1 / dg[j];
            s11 += v1 * v1 / dg[j];
            q0 += v0 * g[j] / dg[j];
            q1 += v1 * g[j] / dg[j];
        }
        /* (I + K S) t = K q; det >= 1 since K >= 0 and S is positive semidefinite */
        double a00 = 1.0 + k[0] * s00, a01 = k[0] * s01, a10 = k[1] * s01, a11 = 1.0 + k[1] * s11;
        double det = a00 * a11 - a01 * a10, r0 = k[0] * q0, r1 = k[1] * q1;
        double t0 = (r0 * a11 - a01 * r1) / det, t1 = (a00 * r1 - a10 * r0) / det;
        double slope = 0.0;
        for (int j = 0; j < n; j++) {
            p[j] = 0.0;
            if (!is_free[j])
                continue;
            double v0 = m->b[0][j] + m->c[0][j] * d[j], v1 = m->b[1][j] + m->c[1][j] * d[j];
            p[j] = (g[j] - v0 * t0 - v1 * t1) / dg[j];
            slope += g[j] * p[j];
        }
        if (!(slope > 0.0) || !isfinite(slope))   /* rounding spoilt the direction */
            for (int j = 0; j < n; j++)
                p[j] = is_free[j] ? g[j] / (hmax > 0.0 ? hmax : 1.0) : 0.0;
        bool moved = false;
        double alpha = 1.0;
        for (int ls = 0; ls < 60; ls++, alpha *= 0.5) {
            double lin = 0.0, dmax = 0.0;
            for (int j = 0; j < n; j++) {
                dt[j] = fmin(dh[j], fmax(dl[j], d[j] + alpha * p[j]));
                lin += g[j] * (dt[j] - d[j]);
                dmax = fmax(dmax, fabs(dt[j] - d[j]));
            }
            if (dmax == 0.0)
                break;
            double pt = model_phi(m, dt);
            if (pt >= phi + 1e-4 * lin && pt >= phi) {
                moved = pt > phi;
                memcpy(d, dt, (size_t)n * sizeof *d);
                bool tiny = dmax <= 1e-14 || pt - phi <= 1e-16 * (1.0 + fabs(phi));
                phi = pt;
                moved = moved && !tiny;
                break;
            }
        }
        if (!moved)
            break;
    }
    return phi;
}

static ts_status call_lever(solver *s, int j, double xj, double v[2])
{
    if (s->status != TS_OK)
        return s->status;
    ts_status st = s->p->lever(j, xj, v, s->p->ctx);
    s->levals++;
    if (st == TS_OK && !(isfinite(v[0]) && isfinite(v[1])))
        st = TS_EIO;
    if (st != TS_OK)
        s->status = st;
    return st;
}

static ts_status failed(const solver *s, ts_error *err)
{
    return ts_error_set(err, s->status,
                        "talks: the value function failed or returned a non-finite value");
}

/* Slope and curvature of lever j's values at ws->xk[j], per share of its
 * range and scaled by 1/S, by second-order differences (one-sided at a
 * bound: the roll-out clamps levels to the box). du[a] gets the change of
 * its values from ws->uk, which then holds them. */
static ts_status lever_derivatives(solver *s, int j, double du[2])
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    double r = p->hi[j] - p->lo[j], h = FD_STEP, hx = h * r, x = ws->xk[j];
    double f0[2], f1[2], f2[2];
    int dir = x - hx < p->lo[j] ? 1 : x + hx > p->hi[j] ? -1 : 0;
    if (call_lever(s, j, x, f0) != TS_OK)
        return s->status;
    if (dir == 0) {
        if (call_lever(s, j, x - hx, f1) != TS_OK || call_lever(s, j, x + hx, f2) != TS_OK)
            return s->status;
    } else {
        if (call_lever(s, j, x + dir * hx, f1) != TS_OK ||
            call_lever(s, j, x + 2.0 * dir * hx, f2) != TS_OK)
            return s->status;
    }
    for (int a = 0; a < 2; a++) {
        double b, c;
        if (dir == 0) {
            b = (f2[a] - f1[a]) / (2.0 * h);
            c = (f2[a] - 2.0 * f0[a] + f1[a]) / (h * h);
        } else {
            b = dir * (-3.0 * f0[a] + 4.0 * f1[a] - f2[a]) / (2.0 * h);
            c = (f0[a] - 2.0 * f1[a] + f2[a]) / (h * h);
        }
        ws->b[a][j] = b / s->scale;
        ws->c[a][j] = c / s->scale;
        du[a] = f0[a] - ws->uk[a][j];
        ws->uk[a][j] = f0[a];
    }
    return TS_OK;
}

/* True when the values changed from vo to vn by the sum du of the levers'
 * changes, up to rounding: the lever function describes the values. */
static bool additive(const solver *s, const double vn[2], const double vo[2], const double du[2])
{
    for (int a = 0; a < 2; a++)
        if (!(fabs(vn[a] - vo[a] - du[a]) <= 1e-8 * (fabs(vn[a]) + fabs(vo[a]) + s->scale)))
            return false;
    return true;
}

static double scaled_phi(const solver *s, const double v[2])
{
    double g[2] = {(v[0] - s->p->d[0]) / s->scale, (v[1] - s->p->d[1]) / s->scale};
    return nash_phi(s->w, g);
}

/* The trust-region iteration from x (values v; ws->uk holds the levers'
 * values there), until a kept step is within xtol of every range or the
 * model sees nothing left to gain. Every package evaluated goes through
 * consider(). After each kept step the change of the values is checked
 * against the levers' changes (no extra call); a mismatch sets s->mixed and
 * ends the run. */
static ts_status newton_run(solver *s, const double *x, const double v[2], ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    double xtol = p->xtol > 0 ? p->xtol : DEFAULT_XTOL;
    double vk[2] = {v[0], v[1]}, vo[2] = {v[0], v[1]}, phik = scaled_phi(s, vk);
    double radius = TR_RADIUS0;
    memcpy(ws->xk, x, (size_t)n * sizeof *x);
    for (int j = 0; j < n; j++)
        ws->have[j] = 0;
    for (int it = 0; it < TR_MAX_ITER && s->evals < s->max_evals; it++) {
        double du[2] = {0.0, 0.0};
        for (int j = 0; j < n; j++) {
            double r = p->hi[j] - p->lo[j];
            if (!(r > 0.0)) {
                ws->b[0][j] = ws->b[1][j] = ws->c[0][j] = ws->c[1][j] = 0.0;
                ws->dl[j] = ws->dh[j] = 0.0;
                continue;
            }
            if (!ws->have[j]) {
                double dj[2];
                if (lever_derivatives(s, j, dj) != TS_OK)
                    return failed(s, err);
                du[0] += dj[0];
                du[1] += dj[1];
                ws->have[j] = 1;
            }
            ws->dl[j] = fmax((p->lo[j] - ws->xk[j]) / r, -radius);
            ws->dh[j] = fmin((p->hi[j] - ws->xk[j]) / r, radius);
            ws->dl[j] = fmin(ws->dl[j], 0.0);
            ws->dh[j] = fmax(ws->dh[j], 0.0);
        }
        if (!additive(s, vk, vo, du)) {
            s->mixed = true;
            return TS_OK;
        }
        model m = {n, {s->w[0], s->w[1]},
                   {(vk[0] - p->d[0]) / s->scale, (vk[1] - p->d[1]) / s->scale},
                   {ws->b[0], ws->b[1]}, {ws->c[0], ws->c[1]}};
        /* the model at d = 0 is phik itself (same gains, same arithmetic) */
        double pred = solve_model(&m, ws) - phik, step = 0.0;
        for (int j = 0; j < n; j++)
            step = fmax(step, fabs(ws->d[j]));
        if (step <= 1e-3 * xtol || !(pred > 1e-15 * (1.0 + fabs(phik))))
            break;   /* nothing measurable left to gain */
        for (int j = 0; j < n; j++) {
            double r = p->hi[j] - p->lo[j], xj = ws->xk[j];
            if (ws->d[j] != 0.0) {
                /* a step to the bound lands on it exactly */
                xj = ws->d[j] >= (p->hi[j] - xj) / r ? p->hi[j]
                   : ws->d[j] <= (p->lo[j] - xj) / r ? p->lo[j] : xj + r * ws->d[j];
                xj = fmin(p->hi[j], fmax(p->lo[j], xj));
            }
            ws->xn[j] = xj;
        }
        double vn[2];
        if (call_value(s, ws->xn, vn) != TS_OK)
            return failed(s, err);
        consider(s, ws->xn, vn, score(s, vn));
        double phin = scaled_phi(s, vn), rho = (phin - phik) / pred;
        if (rho >= 0.1) {
            for (int j = 0; j < n; j++)
                if (ws->xn[j] != ws->xk[j])
                    ws->have[j] = 0;
            memcpy(ws->xk, ws->xn, (size_t)n * sizeof *ws->xk);
            vo[0] = vk[0];
            vo[1] = vk[1];
            vk[0] = vn[0];
            vk[1] = vn[1];
            phik = phin;
            if (rho >= 0.75 && step >= 0.99 * radius)
                radius = fmin(2.0 * radius, 1.0);
        } else {
            radius = 0.5 * step;
        }
        /* a step this short from a model this close: x_k is within xtol
         * (after a kept step, within O(step^2)) */
        if (step <= xtol)
            break;
    }
    return TS_OK;
}

/* The separable start: each lever valued at N_LEVELS levels (five across
 * its range and its status quo), U(x0) by `value` for the constants c_a;
 * the best combination of the levels by the separable sum is found by
 * coordinate ascent from the best of the uniform ones (all levers at the
 * same level). Sets s->scale from the uniform ones (the status quo, the
 * corners, the centre: as the simplex does); leaves the combination in
 * ws->idx. v0 gets U(x0). */
static ts_status separable_start(solver *s, double v0[2], ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    const double *tab = ws->tab;
    for (int l = 0; l < N_LEVELS; l++)
        for (int j = 0; j < n; j++) {
            double r = p->hi[j] - p->lo[j];
            double x = l == N_LEVELS - 1 ? p->x0[j]
                     : l == N_LEVELS - 2 ? p->hi[j] : p->lo[j] + r * l / (N_LEVELS - 2.0);
            ws->lev[l * n + j] = x;
            double u[2] = {0.0, 0.0};
            if (r > 0.0 && call_lever(s, j, x, u) != TS_OK)
                return failed(s, err);
            ws->tab[l * n + j] = u[0];
            ws->tab[(N_LEVELS + l) * n + j] = u[1];
        }
    if (call_value(s, p->x0, v0) != TS_OK)
        return failed(s, err);
    double c[2];
    for (int a = 0; a < 2; a++) {
        c[a] = v0[a] - p->d[a];
        for (int j = 0; j < n; j++)
            c[a] -= tab[(a * N_LEVELS + N_LEVELS - 1) * n + j];
    }
    /* gains of the uniform combinations, and the scale */
    double gu[N_LEVELS][2], scale = 0.0;
    for (int l = 0; l < N_LEVELS; l++)
        for (int a = 0; a < 2; a++) {
            double g = c[a];
            for (int j = 0; j < n; j++)
                g += tab[(a * N_LEVELS + l) * n + j];
            gu[l][a] = g;
            scale = fmax(scale, fabs(g));
        }
    s->scale = scale > 0 ? scale : 1.0;
    int best = N_LEVELS - 1;
    double gb[2], fb = -BIG;
    for (int l = 0; l < N_LEVELS; l++) {
        double g[2] = {gu[l][0] / s->scale, gu[l][1] / s->scale};
        double f = nash_phi(s->w, g);
        if (f > fb) {
            fb = f;
            best = l;
        }
    }
    gb[0] = gu[best][0];
    gb[1] = gu[best][1];
    for (int j = 0; j < n; j++)
        ws->idx[j] = best;
    for (int pass = 0; pass < 4 * n + 8; pass++) {
        bool changed = false;
        for (int j = 0; j < n; j++) {
            int cur = ws->idx[j], pick = cur;
            for (int l = 0; l < N_LEVELS; l++) {
                if (l == cur)
                    continue;
                double g[2];
                for (int a = 0; a < 2; a++)
                    g[a] = (gb[a] + tab[(a * N_LEVELS + l) * n + j] -
                            tab[(a * N_LEVELS + cur) * n + j]) / s->scale;
                double f = nash_phi(s->w, g);
                if (f > fb + 1e-12 * (1.0 + fabs(fb))) {
                    fb = f;
                    pick = l;
                }
            }
            if (pick != cur) {
                for (int a = 0; a < 2; a++)
                    gb[a] += tab[(a * N_LEVELS + pick) * n + j] - tab[(a * N_LEVELS + cur) * n + j];
                ws->idx[j] = pick;
                changed = true;
            }
        }
        if (!changed)
            break;
    }
    return TS_OK;
}

static ts_status nash_newton(solver *s, ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    double v0[2], v[2];
    ts_status st = separable_start(s, v0, err);
    if (st != TS_OK)
        return st;
    consider(s, p->x0, v0, score(s, v0));
    bool at_x0 = true;
    double du[2] = {0.0, 0.0};
    for (int j = 0; j < n; j++) {
        ws->start[j] = ws->lev[ws->idx[j] * n + j];
        at_x0 = at_x0 && ws->start[j] == p->x0[j];
        for (int a = 0; a < 2; a++) {
            ws->uk[a][j] = ws->tab[(a * N_LEVELS + ws->idx[j]) * n + j];
            du[a] += ws->uk[a][j] - ws->tab[(a * N_LEVELS + N_LEVELS - 1) * n + j];
        }
    }
    if (at_x0) {
        v[0] = v0[0];
        v[1] = v0[1];
    } else {
        if (call_value(s, ws->start, v) != TS_OK)
            return failed(s, err);
        consider(s, ws->start, v, score(s, v));
        if (!additive(s, v, v0, du)) {
            s->mixed = true;
            return TS_OK;
        }
    }
    if ((st = newton_run(s, ws->start, v, err)) != TS_OK || s->mixed)
        return st;
    /* more starts: the simplex's candidates, best first by the separable sum */
    int more = p->starts > 1 ? (p->starts - 1 < N_CAND ? p->starts - 1 : N_CAND) : 0;
    static const int cand_level[N_CAND] = {N_LEVELS - 1, 2, 0, N_LEVELS - 2};
    bool used[N_CAND] = {false};
    for (int run = 0; run < more; run++) {
        int pick = -1;
        double fp = -BIG;
        for (int k = 0; k < N_CAND; k++) {
            if (used[k])
                continue;
            int l = cand_level[k];
            double g[2];
            for (int a = 0; a < 2; a++) {
                g[a] = v0[a] - p->d[a];
                for (int j = 0; j < n; j++)
                    g[a] += ws->tab[(a * N_LEVELS + l) * n + j] -
                            ws->tab[(a * N_LEVELS + N_LEVELS - 1) * n + j];
                g[a] /= s->scale;
            }
            double f = nash_phi(s->w, g);
            if (pick < 0 || f > fp) {
                pick = k;
                fp = f;
            }
        }
        used[pick] = true;
        int l = cand_level[pick];
        for (int j = 0; j < n; j++) {
            ws->start[j] = ws->lev[l * n + j];
            for (int a = 0; a < 2; a++)
                ws->uk[a][j] = ws->tab[(a * N_LEVELS + l) * n + j];
        }
        if (call_value(s, ws->start, v) != TS_OK)
            return failed(s, err);
        consider(s, ws->start, v, score(s, v));
        if ((st = newton_run(s, ws->start, v, err)) != TS_OK || s->mixed)
            return st;
    }
    return TS_OK;
}

/* ---- Nash ------------------------------------------------------------ */

ts_status ts_talks_nash(ts_talks_workspace *ws, const ts_talks_problem *p, const double w[2],
                        double min_gain, ts_talks_result *res, ts_error *err)
{
    ts_status st = check_problem(ws, p, res, err);
    if (st != TS_OK)
        return st;
    if (!w || !(w[0] >= 0 && w[1] >= 0 && isfinite(w[0] + w[1]) && w[0] + w[1] > 0))
        return ts_error_set(err, TS_EBAD, "talks: Nash weights must be >= 0 with a positive sum");
    if (!(min_gain >= 0 && isfinite(min_gain)))
        return ts_error_set(err, TS_EBAD, "talks: min_gain must be finite and >= 0");
    clear_result(res);

    solver s = {.p = p, .ws = ws, .kind = OBJ_NASH, .status = TS_OK};
    s.w[0] = w[0] / (w[0] + w[1]);
    s.w[1] = w[1] / (w[0] + w[1]);
    s.max_evals = eval_budget(p) + N_CAND;
    if (p->lever) {
        if ((st = nash_newton(&s, err)) != TS_OK)
            return st;
        if (!s.mixed) {
            fill_result(res, p, ws->best_x, s.best_v, min_gain);
            res->round = 0;
            res->evaluations = s.evals;
            res->lever_evaluations = s.levals;
            return TS_OK;
        }
        /* the values are not the levers' sum: the simplex, afresh */
        s.have_best = s.have_f = false;
        s.max_evals = s.evals + eval_budget(p) + N_CAND;
    }
    int n = p->n;
    double cv[2 * N_CAND], cf[N_CAND];
    if ((st = evaluate_candidates(&s, cv, err)) != TS_OK)
        return st;
    for (int k = 0; k < N_CAND; k++) {
        cf[k] = score(&s, cv + 2 * k);
        consider(&s, ws->cand + k * n, cv + 2 * k, cf[k]);
    }
    /* run from the best `starts` distinct candidates (x0 may equal a corner) */
    int starts = p->starts > 0 ? (p->starts < N_CAND ? p->starts : N_CAND) : 1;
    bool used[N_CAND] = {false};
    for (int run = 0; run < starts; run++) {
        int pick = -1;
        for (int k = 0; k < N_CAND; k++) {
            if (used[k])
                continue;
            bool dup = false;
            for (int j = 0; j < N_CAND && !dup; j++)
                dup = used[j] && !memcmp(ws->cand + j * n, ws->cand + k * n,
                                         (size_t)n * sizeof(double));
            if (dup) {
                used[k] = true;
                continue;
            }
            if (pick < 0 || cf[k] < cf[pick])
                pick = k;
        }
        if (pick < 0)
            break;
        used[pick] = true;
        memcpy(ws->start, ws->cand + pick * n, (size_t)n * sizeof(double));
        if ((st = run_simplex(&s, ws->start, STEP_FRESH, err)) != TS_OK)
            return st;
    }
    fill_result(res, p, ws->best_x, s.best_v, min_gain);
    res->round = 0;
    res->evaluations = s.evals;
    res->lever_evaluations = s.levals;
    return TS_OK;
}

/* ---- alternating offers ---------------------------------------------- */

/* Package maximising actor 1-who's value with actor who's value >= floor,
 * from the given starts (n_starts packages with known values sv), by the
 * augmented Lagrangian method: each outer step minimises the smooth
 * Lagrangian with the simplex (warm-started), then updates the multiplier
 * lambda <- max(0, lambda + rho c). *lambda carries the multiplier from one
 * offer to the next, where it is nearly right already. Returns false in
 * *found when no evaluated package met the floor. The package is left in
 * ws->best_x, its values in s->best_v. */
static ts_status solve_offer(solver *s, int who, double floor, double *lambda,
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
    s->max_evals = s->evals + eval_budget(s->p);
    for (int k = 0; k < n_starts; k++)
        consider(s, starts[k], sv[k], score(s, sv[k]));
    /* from the best package meeting the floor, else the lowest Lagrangian */
    memcpy(ws->start, s->have_best ? ws->best_x : ws->fx, (size_t)n * sizeof(double));
    for (int outer = 0; outer < AL_OUTER; outer++) {
        ts_status st = run_simplex(s, ws->start, outer == 0 ? STEP_FRESH : AL_STEP, err);
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

ts_status ts_talks_alternating(ts_talks_workspace *ws, const ts_talks_problem *p,
                               const double beta[2], int rounds, double min_gain,
                               ts_talks_result *res, ts_error *err)
{
    ts_status st = check_problem(ws, p, res, err);
    if (st != TS_OK)
        return st;
    if (!beta || !(beta[0] > 0 && beta[1] > 0 && isfinite(beta[0]) && isfinite(beta[1])))
        return ts_error_set(err, TS_EBAD, "talks: beta must be finite and > 0 for both actors");
    if (rounds < 1 || rounds > ws->max_rounds)
        return ts_error_set(err, TS_EBAD, "talks: %d rounds (workspace takes 1..%d)", rounds,
                            ws->max_rounds);
    if (!(min_gain >= 0 && isfinite(min_gain)))
        return ts_error_set(err, TS_EBAD, "talks: min_gain must be finite and >= 0");
    clear_result(res);
    res->trace = ws->trace;

    int n = p->n;
    size_t bytes = (size_t)n * sizeof(double);
    solver s = {.p = p, .ws = ws, .kind = OBJ_OFFER, .status = TS_OK};
    s.max_evals = N_CAND;
    double cv[2 * N_CAND];
    if ((st = evaluate_candidates(&s, cv, err)) != TS_OK)
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
        if ((st = solve_offer(&s, 1 - i, floor[1 - i], &lambda[1 - i], starts,
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
        /* no package gives both more than their floors: with min_gain > 0
         * that includes "some gain, but not enough" */
        fill_result(res, p, p->x0, cv, min_gain);
        res->outcome = min_gain > 0 ? TS_TALKS_BELOW_MIN_GAIN : TS_TALKS_NO_ZONE;
        res->agreement = false;
        res->round = -1;
        res->evaluations = s.evals;
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
            if ((st = solve_offer(&s, pr, a_p, &lambda[pr], starts, (const double (*)[2])sv,
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
            fill_result(res, p, last_x, last_v, min_gain);
            res->round = r;
            res->evaluations = s.evals;
            return TS_OK;
        }
    }
    fill_result(res, p, last_x, last_v, min_gain);
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

/* ---- subgame-perfect alternating offers ------------------------------- */

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
#define SPE_EXTRA_EVALS 4       /* their budget, in solve_offer's budgets */
#define SPE_RHO_MAX 1e8         /* largest penalty (values / S) */

/* One offer of the recursion: solve_offer, then, if its multiplier updates
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
    ts_status st = solve_offer(s, who, floor, lambda, starts, (const double (*)[2])sv, n_starts,
                               found, err);
    if (st != TS_OK)
        return st;
    double c = s->have_f ? (s->target - s->f_v[who]) / s->scale : 0.0;
    if (*found && (fabs(c) <= 10.0 * xtol || *lambda == 0.0))
        return TS_OK;
    s->lambda = *lambda;
    s->max_evals = s->evals + SPE_EXTRA_EVALS * eval_budget(s->p);
    double viol = fabs(c);
    memcpy(ws->start, s->have_best ? ws->best_x : ws->fx, (size_t)n * sizeof(double));
    for (int outer = 0; outer < SPE_OUTER && s->evals < s->max_evals; outer++) {
        if ((st = run_simplex(s, ws->start, AL_STEP, err)) != TS_OK)
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

ts_status ts_talks_rubinstein(ts_talks_workspace *ws, const ts_talks_problem *p,
                              const double delta[2], int rounds, int opener, double min_gain,
                              ts_talks_result *res, ts_error *err)
{
    ts_status st = check_problem(ws, p, res, err);
    if (st != TS_OK)
        return st;
    if (!delta || !(delta[0] > 0 && delta[0] <= 1 && delta[1] > 0 && delta[1] <= 1))
        return ts_error_set(err, TS_EBAD, "talks: per-round discount factors must be in (0, 1]");
    if (opener != 0 && opener != 1)
        return ts_error_set(err, TS_EBAD, "talks: opener must be actor 0 or 1, got %d", opener);
    if (rounds < 1 || rounds > ws->max_rounds)
        return ts_error_set(err, TS_EBAD, "talks: %d rounds (workspace takes 1..%d)", rounds,
                            ws->max_rounds);
    if (!(min_gain >= 0 && isfinite(min_gain)))
        return ts_error_set(err, TS_EBAD, "talks: min_gain must be finite and >= 0");
    clear_result(res);
    res->trace = ws->trace;

    ts_talks_problem fine = *p;
    fine.xtol = fmin(p->xtol > 0 ? p->xtol : DEFAULT_XTOL, SPE_XTOL);
    int n = p->n;
    size_t bytes = (size_t)n * sizeof(double);
    solver s = {.p = &fine, .ws = ws, .kind = OBJ_OFFER, .status = TS_OK};
    s.max_evals = N_CAND;
    double cv[2 * N_CAND];
    if ((st = evaluate_candidates(&s, cv, err)) != TS_OK)
        return st;
    double f[2] = {p->d[0] + min_gain, p->d[1] + min_gain};
    double lambda[2] = {1.0, 1.0};
    /* the latest package solved for a round of each parity (rounds r + 1 and
     * r + 2 when round r is solved), its values and its responder's threshold */
    double *pkg[2] = {ws->offer[0], ws->offer[1]};
    double vk[2][2] = {{0, 0}, {0, 0}}, thr_k[2] = {0, 0};
    bool have[2] = {false, false};
    double stop = SPE_STOP * s.scale * (1.0 - delta[0] * delta[1]);
    int solved = 0;

    for (int r = rounds - 1; r >= 0; r--) {
        int k = r % 2, pr = k == 0 ? opener : 1 - opener, q = 1 - pr;
        /* q's floor plus its gain from proposing in round r + 1, one round later */
        double thr = f[q];
        if (r < rounds - 1)
            thr += delta[q] * (vk[1 - k][q] - f[q]);
        /* round r + 2's problem again: every earlier round repeats the last
         * two, and round 0's package is the one of its parity */
        if (have[k] && fabs(thr - thr_k[k]) <= stop)
            break;
        const double *starts[N_CAND];
        double sv[N_CAND][2];
        int ns = 0;
        if (r == rounds - 1) {
            for (int c = 0; c < N_CAND; c++, ns++) {
                starts[ns] = ws->cand + c * n;
                sv[ns][0] = cv[2 * c];
                sv[ns][1] = cv[2 * c + 1];
            }
        } else {
            /* round r + 1's package meets thr (q's gain there is >= 0);
             * round r + 2's, the same proposer's, is a near answer */
            for (int j = 0; j < 2; j++) {
                int kk = j == 0 ? 1 - k : k;
                if (!have[kk])
                    continue;
                starts[ns] = pkg[kk];
                sv[ns][0] = vk[kk][0];
                sv[ns++][1] = vk[kk][1];
            }
        }
        bool found;
        if ((st = spe_offer(&s, q, thr, &lambda[q], starts, sv, ns, &found, err)) != TS_OK)
            return st;
        if (r == rounds - 1 && (!found || !(s.best_v[pr] > f[pr]))) {
            /* no package gives the last proposer more than its floor with the
             * other at its floor: no package gives both more */
            fill_result(res, p, p->x0, cv, min_gain);
            res->outcome = min_gain > 0 ? TS_TALKS_BELOW_MIN_GAIN : TS_TALKS_NO_ZONE;
            res->agreement = false;
            res->round = -1;
            res->evaluations = s.evals;
            res->backward_rounds = 1;
            return TS_OK;
        }
        if (found) {   /* else (never seen) keep round r + 1's package, which meets thr */
            memcpy(pkg[k], ws->best_x, bytes);
            vk[k][0] = s.best_v[0];
            vk[k][1] = s.best_v[1];
        } else {
            memcpy(pkg[k], pkg[1 - k], bytes);
            vk[k][0] = vk[1 - k][0];
            vk[k][1] = vk[1 - k][1];
        }
        thr_k[k] = thr;
        have[k] = true;
        solved++;
        if (r == rounds - 1) {
            /* from here on the gains at stake are those of the last round's
             * package, not the candidates' (a corner may lose far more): a
             * scale of that size keeps the multiplier's updates effective */
            double g = fmax(vk[k][pr] - f[pr], vk[k][q] - f[q]);
            s.scale = fmin(s.scale, g);
            stop = SPE_STOP * s.scale * (1.0 - delta[0] * delta[1]);
        }
    }

    /* the equilibrium: round 0's offer, accepted at once */
    int q0 = 1 - opener;
    memcpy(res->x, pkg[0], bytes);
    for (int a = 0; a < 2; a++) {
        res->value[a] = vk[0][a];
        res->gain[a] = vk[0][a] - p->d[a];
    }
    res->outcome = TS_TALKS_AGREEMENT;
    res->agreement = true;
    res->round = 0;
    res->evaluations = s.evals;
    res->backward_rounds = solved;
    ts_talks_offer *o = &ws->trace[0];
    o->round = 0;
    o->proposer = opener;
    o->value[0] = vk[0][0];
    o->value[1] = vk[0][1];
    o->aspiration[opener] = vk[0][opener];
    o->aspiration[q0] = thr_k[0];
    o->accepted = true;
    res->n_trace = 1;
    return TS_OK;
}
