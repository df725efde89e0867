/* Talks: Nash by trust-region Newton, for values given lever by lever.
 *
 * With separable values U_a(x) = c_a + sum_j u_aj(x_j) the Hessian of each
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
 * quadratic expansion and plain Newton steps only double the smaller gain.
 *
 * Invariants: every package evaluated by `value` goes through ts_tk_consider(),
 * so the caller's result is the best of them; the model's buffers are the
 * workspace's (nothing allocated). Threads: one workspace per thread.
 * docs/model.md ("Search methods") states the method and its tolerances. */
#include "talks_impl.h"

#include <math.h>
#include <string.h>

#define FD_STEP 1e-5             /* finite-difference step, share of a lever's range */
#define TR_MAX_ITER 60           /* trust-region iterations per run */
#define TR_RADIUS0 0.5           /* first trust radius, share of each range */
#define INNER_MAX 200            /* projected-Newton iterations on one model */
#define ACTIVE_EPS 1e-3          /* Bertsekas's epsilon-active set, scaled units */

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

/* The model's gradient g at ws->d and its Hessian's diagonal part, negated,
 * in dg; k[a] >= 0 weighs the rank-two part (the logarithms' curvature) and
 * *hmax bounds the Hessian's entries. Returns the largest move of the
 * projected gradient step, 0 where d is stationary on the box. */
static double model_gradient(const model *m, ts_talks_workspace *ws, double k[2], double *hmax)
{
    int n = m->n;
    const double *d = ws->d, *dl = ws->dl, *dh = ws->dh;
    double *g = ws->g, *dg = ws->dg;
    double gm[2], p1[2];
    model_gains(m, d, gm);
    for (int a = 0; a < 2; a++) {
        p1[a] = m->w[a] * log_ext_d1(gm[a]);
        k[a] = -m->w[a] * log_ext_d2(gm[a]);   /* >= 0 */
    }
    double pg = 0.0, hm = 0.0;
    for (int j = 0; j < n; j++) {
        double v0 = m->b[0][j] + m->c[0][j] * d[j], v1 = m->b[1][j] + m->c[1][j] * d[j];
        g[j] = p1[0] * v0 + p1[1] * v1;
        dg[j] = -(p1[0] * m->c[0][j] + p1[1] * m->c[1][j]);
        double y = fmin(dh[j], fmax(dl[j], d[j] + g[j]));
        pg = fmax(pg, fabs(y - d[j]));
        hm = fmax(hm, fabs(dg[j]) + k[0] * v0 * v0 + k[1] * v1 * v1);
    }
    *hmax = hm;
    return pg;
}

/* The projected-Newton direction ws->p: coordinates at a bound that the
 * gradient pushes outwards (within the epsilon-active set) are fixed
 * (ws->idx marks the free ones); on the others, the negated Hessian, its
 * diagonal raised to a floor, is inverted by Sherman-Morrison-Woodbury. A
 * direction that rounding spoilt becomes the scaled gradient. */
static void newton_direction(const model *m, ts_talks_workspace *ws, const double k[2], double pg,
                             double hmax)
{
    int n = m->n;
    const double *d = ws->d, *dl = ws->dl, *dh = ws->dh, *g = ws->g;
    double *p = ws->p, *dg = ws->dg;
    int *is_free = ws->idx;
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
}

/* Armijo search along the projected path d + alpha p (alpha = 1, 1/2, ...):
 * the first point that rises enough becomes ws->d, its value *phi. True
 * when it moved measurably. */
static bool model_line_search(const model *m, ts_talks_workspace *ws, double *phi)
{
    int n = m->n;
    double *d = ws->d, *dt = ws->dt;
    const double *dl = ws->dl, *dh = ws->dh, *g = ws->g, *p = ws->p;
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
        if (pt >= *phi + 1e-4 * lin && pt >= *phi) {
            bool moved = pt > *phi;
            memcpy(d, dt, (size_t)n * sizeof *d);
            bool tiny = dmax <= 1e-14 || pt - *phi <= 1e-16 * (1.0 + fabs(*phi));
            *phi = pt;
            return moved && !tiny;
        }
    }
    return false;
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
    for (int j = 0; j < m->n; j++)
        ws->d[j] = 0.0;
    double phi = model_phi(m, ws->d);
    for (int it = 0; it < INNER_MAX; it++) {
        double k[2], hmax;
        double pg = model_gradient(m, ws, k, &hmax);
        if (!(pg > 1e-15))
            break;   /* stationary on the box */
        newton_direction(m, ws, k, pg, hmax);
        if (!model_line_search(m, ws, &phi))
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

/* The model around ws->xk: each lever's slope and curvature (from
 * lever_derivatives where ws->have says they are stale, their values'
 * changes added to du) and its step's bounds, the box intersected with the
 * trust region |d_j| <= radius. A lever without range is fixed. */
static ts_status model_at_xk(solver *s, double radius, double du[2])
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    for (int j = 0; j < p->n; j++) {
        double r = p->hi[j] - p->lo[j];
        if (!(r > 0.0)) {
            ws->b[0][j] = ws->b[1][j] = ws->c[0][j] = ws->c[1][j] = 0.0;
            ws->dl[j] = ws->dh[j] = 0.0;
            continue;
        }
        if (!ws->have[j]) {
            double dj[2];
            if (lever_derivatives(s, j, dj) != TS_OK)
                return s->status;
            du[0] += dj[0];
            du[1] += dj[1];
            ws->have[j] = 1;
        }
        ws->dl[j] = fmax((p->lo[j] - ws->xk[j]) / r, -radius);
        ws->dh[j] = fmin((p->hi[j] - ws->xk[j]) / r, radius);
        ws->dl[j] = fmin(ws->dl[j], 0.0);
        ws->dh[j] = fmax(ws->dh[j], 0.0);
    }
    return TS_OK;
}

/* The trial package ws->xn = ws->xk + the model's step ws->d (in shares of
 * each range); a step to the bound lands on it exactly. */
static void trial_point(const ts_talks_problem *p, ts_talks_workspace *ws)
{
    for (int j = 0; j < p->n; j++) {
        double r = p->hi[j] - p->lo[j], xj = ws->xk[j];
        if (ws->d[j] != 0.0) {
            xj = ws->d[j] >= (p->hi[j] - xj) / r ? p->hi[j]
               : ws->d[j] <= (p->lo[j] - xj) / r ? p->lo[j] : xj + r * ws->d[j];
            xj = fmin(p->hi[j], fmax(p->lo[j], xj));
        }
        ws->xn[j] = xj;
    }
}

/* The trust-region iteration from x (values v; ws->uk holds the levers'
 * values there), until a kept step is within xtol of every range or the
 * model sees nothing left to gain. Every package evaluated goes through
 * ts_tk_consider(). After each kept step the change of the values is checked
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
        if (model_at_xk(s, radius, du) != TS_OK)
            return failed(s, err);
        if (!additive(s, vk, vo, du)) {
            s->mixed = true;
            return TS_OK;
        }
        model m = {.n = n,
                   .w = {s->w[0], s->w[1]},
                   .g0 = {(vk[0] - p->d[0]) / s->scale, (vk[1] - p->d[1]) / s->scale},
                   .b = {ws->b[0], ws->b[1]},
                   .c = {ws->c[0], ws->c[1]}};
        /* the model at d = 0 is phik itself (same gains, same arithmetic) */
        double pred = solve_model(&m, ws) - phik, step = 0.0;
        for (int j = 0; j < n; j++)
            step = fmax(step, fabs(ws->d[j]));
        if (step <= 1e-3 * xtol || !(pred > 1e-15 * (1.0 + fabs(phik))))
            break;   /* nothing measurable left to gain */
        trial_point(p, ws);
        double vn[2];
        if (ts_tk_call_value(s, ws->xn, vn) != TS_OK)
            return failed(s, err);
        ts_tk_consider(s, ws->xn, vn, ts_tk_score(s, vn));
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

/* ws->lev and ws->tab: each lever's N_LEVELS levels and its values there
 * (0 for a lever without range, whose level never changes). */
static ts_status level_table(solver *s, ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
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
    return TS_OK;
}

/* The uniform combinations (every lever at level l) by the separable sum,
 * with the constants from U(x0) = v0: sets s->scale from their gains and
 * ws->idx to the best one, whose gains go to gb. Returns its Nash product. */
static double best_uniform(solver *s, const double v0[2], double gb[2])
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    const double *tab = ws->tab;
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
    double fb = -BIG;
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
    return fb;
}

/* Coordinate ascent on the levels' combination ws->idx (gains gb, Nash
 * product fb): each lever in turn moves to the level that raises the
 * product most, until a pass changes nothing. */
static void coordinate_ascent(solver *s, double gb[2], double fb)
{
    ts_talks_workspace *ws = s->ws;
    int n = s->p->n;
    const double *tab = ws->tab;
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
    ts_status st = level_table(s, err);
    if (st != TS_OK)
        return st;
    if (ts_tk_call_value(s, s->p->x0, v0) != TS_OK)
        return failed(s, err);
    double gb[2];
    double fb = best_uniform(s, v0, gb);
    coordinate_ascent(s, gb, fb);
    return TS_OK;
}

/* The first run, from the separable start's combination (U(x0) = v0): its
 * package is valued, and checked against the levers' sum, unless it is x0. */
static ts_status first_run(solver *s, const double v0[2], ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    double v[2];
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
        if (ts_tk_call_value(s, ws->start, v) != TS_OK)
            return failed(s, err);
        ts_tk_consider(s, ws->start, v, ts_tk_score(s, v));
        if (!additive(s, v, v0, du)) {
            s->mixed = true;
            return TS_OK;
        }
    }
    return newton_run(s, ws->start, v, err);
}

/* The simplex's candidates as levels of the table: status quo, centre,
 * all-lo, all-hi. */
static const int cand_level[N_CAND] = {N_LEVELS - 1, 2, 0, N_LEVELS - 2};

/* The unused candidate with the highest Nash product by the separable sum
 * (U(x0) = v0). */
static int best_candidate(const solver *s, const double v0[2], const bool used[N_CAND])
{
    const ts_talks_problem *p = s->p;
    const ts_talks_workspace *ws = s->ws;
    int n = p->n, pick = -1;
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
    return pick;
}

/* More starts (p->starts - 1, at most N_CAND): the simplex's candidates,
 * best first by the separable sum. */
static ts_status more_runs(solver *s, const double v0[2], ts_error *err)
{
    const ts_talks_problem *p = s->p;
    ts_talks_workspace *ws = s->ws;
    int n = p->n;
    int more = p->starts > 1 ? (p->starts - 1 < N_CAND ? p->starts - 1 : N_CAND) : 0;
    bool used[N_CAND] = {false};
    for (int run = 0; run < more; run++) {
        int pick = best_candidate(s, v0, used);
        used[pick] = true;
        int l = cand_level[pick];
        for (int j = 0; j < n; j++) {
            ws->start[j] = ws->lev[l * n + j];
            for (int a = 0; a < 2; a++)
                ws->uk[a][j] = ws->tab[(a * N_LEVELS + l) * n + j];
        }
        double v[2];
        if (ts_tk_call_value(s, ws->start, v) != TS_OK)
            return failed(s, err);
        ts_tk_consider(s, ws->start, v, ts_tk_score(s, v));
        ts_status st = newton_run(s, ws->start, v, err);
        if (st != TS_OK || s->mixed)
            return st;
    }
    return TS_OK;
}

ts_status ts_tk_nash_newton(solver *s, ts_error *err)
{
    double v0[2];
    ts_status st = separable_start(s, v0, err);
    if (st != TS_OK)
        return st;
    ts_tk_consider(s, s->p->x0, v0, ts_tk_score(s, v0));
    if ((st = first_run(s, v0, err)) != TS_OK || s->mixed)
        return st;
    return more_runs(s, v0, err);
}
