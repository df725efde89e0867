/* Tests of the talks solvers against closed forms and brute force.
 *
 * Nash: the unit-surplus split x1 = d1 + w (1 - d1 - d2) (Nash 1950; the
 * generalised form with weights, e.g. Muthoo 1999, ch. 2); Pareto efficiency,
 * individual rationality and optimality of the Nash product on random concave
 * agendas against grids and random search; the trust-region Newton method
 * for separable values (lever functions) on the same closed form, on random
 * separable agendas (concave and linear) against converged solves, and its
 * fall-back when the values are not the levers' sum. Rubinstein: the opener's
 * share of a unit surplus after backward induction equals the finite-horizon
 * closed form for 1, 2, 9 and 200 rounds and tends to (1 - d_B)/(1 - d_A d_B);
 * gains over the disagreement point, not values, are discounted. Concession:
 * the round of
 * agreement on a unit surplus follows from the aspiration schedule in closed
 * form; Boulware agents agree later than Conceders; no side ever gets less
 * than its disagreement value. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tradesim/talks.h"
#include "testutil.h"

/* The solvers stop when the simplex is below XTOL of each lever's range;
 * the tests ask for 1e-7 so that a package within 1e-5 of the closed form is
 * a pass with two orders of magnitude to spare. */
#define XTOL 1e-7
#define PKG_TOL 1e-5

/* ---- value functions --------------------------------------------------- */

/* Unit surplus: x[0] = s is A's share; x[1] (if n == 2) is a conflict lever
 * costing both k x[1] + k x[1]^2. */
typedef struct {
    int n;
    double k;
} surplus_ctx;

static ts_status surplus_value(const double *x, double out[2], void *ctx)
{
    const surplus_ctx *c = ctx;
    double cost = c->n > 1 ? c->k * (x[1] + x[1] * x[1]) : 0.0;
    out[0] = x[0] - cost;
    out[1] = 1.0 - x[0] - cost;
    return TS_OK;
}

/* Both lose from any s > 0: no package lets both gain over d = (0, 0). */
static ts_status both_lose_value(const double *x, double out[2], void *ctx)
{
    (void)ctx;
    out[0] = -x[0];
    out[1] = -2.0 * x[0];
    return TS_OK;
}

/* Concave quadratics U_i(x) = c_i - (x - m_i)' Q_i (x - m_i). */
#define QMAX 5
typedef struct {
    int n;
    double c[2], m[2][QMAX], q[2][QMAX][QMAX];
} quad_ctx;

static ts_status quad_value(const double *x, double out[2], void *ctx)
{
    const quad_ctx *c = ctx;
    for (int a = 0; a < 2; a++) {
        double s = 0;
        for (int i = 0; i < c->n; i++)
            for (int j = 0; j < c->n; j++)
                s += (x[i] - c->m[a][i]) * c->q[a][i][j] * (x[j] - c->m[a][j]);
        out[a] = c->c[a] - s;
    }
    return TS_OK;
}


/* Q = L L' + 0.2 I with L standard normal / sqrt(n): positive definite,
 * eigenvalues of order 1, so values on the unit box are of order 1. */
static void random_quad(gsl_rng *rng, int n, quad_ctx *c)
{
    c->n = n;
    for (int a = 0; a < 2; a++) {
        double l[QMAX][QMAX];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                l[i][j] = gsl_ran_gaussian(rng, 1.0) / sqrt((double)n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = i == j ? 0.2 : 0.0;
                for (int k = 0; k < n; k++)
                    s += l[i][k] * l[j][k];
                c->q[a][i][j] = s;
            }
        for (int i = 0; i < n; i++)
            c->m[a][i] = gsl_rng_uniform(rng);
        c->c[a] = gsl_ran_gaussian(rng, 1.0);
    }
}

/* A random concave agenda of n levers on the unit box, started at a random
 * status quo whose values are the disagreement point (a zone exists unless
 * x0 happens to be Pareto-efficient). c, lo, hi and x0 back the problem. */
static ts_talks_problem unit_box_problem(gsl_rng *rng, int n, quad_ctx *c, double *lo,
                                         double *hi, double *x0)
{
    random_quad(rng, n, c);
    for (int i = 0; i < n; i++) {
        lo[i] = 0;
        hi[i] = 1;
        x0[i] = gsl_rng_uniform(rng);
    }
    ts_talks_problem p = {.n = n, .lo = lo, .hi = hi, .x0 = x0, .value = quad_value,
                          .ctx = c, .xtol = XTOL};
    quad_value(x0, p.d, c);
    return p;
}


static ts_status failing_value(const double *x, double out[2], void *ctx)
{
    int *calls = ctx;
    out[0] = x[0];
    out[1] = 1.0 - x[0];
    return ++*calls > 10 ? TS_EIO : TS_OK;
}

static ts_status nan_value(const double *x, double out[2], void *ctx)
{
    (void)ctx;
    out[0] = x[0] > 0.7 ? NAN : x[0];
    out[1] = 1.0 - x[0];
    return TS_OK;
}

/* ---- helpers ------------------------------------------------------------ */

static ts_talks_problem surplus_problem(surplus_ctx *c, const double *lo, const double *hi,
                                        const double *x0, double d1, double d2)
{
    ts_talks_problem p = {.n = c->n, .lo = lo, .hi = hi, .x0 = x0, .value = surplus_value,
                          .ctx = c, .xtol = XTOL};
    p.d[0] = d1;
    p.d[1] = d2;
    return p;
}

static double nash_objective(const double v[2], const double d[2], const double w[2])
{
    double a = v[0] - d[0], b = v[1] - d[1];
    if (a <= 0 || b <= 0)
        return -INFINITY;
    return w[0] * log(a) + w[1] * log(b);
}

/* ---- Nash: closed form ------------------------------------------------ */

static void test_nash_unit_surplus(void **state)
{
    (void)state;
    static const double ws_[] = {0.2, 0.5, 0.8};
    static const double ds[][2] = {{0.0, 0.0}, {0.1, 0.3}, {-0.2, 0.1}, {0.3, 0.5}};
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 1);
    assert_non_null(ws);
    for (int n = 1; n <= 2; n++) {
        surplus_ctx c = {n, 0.5};
        double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 1.0};
        for (size_t iw = 0; iw < 3; iw++)
            for (size_t id = 0; id < sizeof ds / sizeof ds[0]; id++) {
                ts_talks_problem p = surplus_problem(&c, lo, hi, x0, ds[id][0], ds[id][1]);
                double w[2] = {ws_[iw], 1.0 - ws_[iw]};
                ts_talks_result r;
                ts_error err;
                assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, &err), TS_OK);
                double expect = ds[id][0] + w[0] * (1.0 - ds[id][0] - ds[id][1]);
                assert_true(r.agreement);
                assert_int_equal(r.outcome, TS_TALKS_AGREEMENT);
                assert_near(r.x[0], expect, PKG_TOL);
                if (n == 2)   /* the conflict lever costs both: it goes to 0 */
                    assert_near(r.x[1], 0.0, PKG_TOL);
                assert_near(r.value[0], expect, PKG_TOL);
                assert_near(r.gain[0], r.value[0] - ds[id][0], 1e-12);
                assert_near(r.gain[1], r.value[1] - ds[id][1], 1e-12);
                assert_true(r.evaluations > 0);
                assert_int_equal(r.n_trace, 0);
            }
    }
    ts_talks_workspace_free(ws);
}

/* Scaling all values by 1000 (billions over a year, say) changes nothing. */
typedef struct {
    surplus_ctx inner;
    double scale;
} scaled_ctx;

static ts_status scaled_value(const double *x, double out[2], void *ctx)
{
    const scaled_ctx *c = ctx;
    surplus_value(x, out, (void *)&c->inner);
    out[0] *= c->scale;
    out[1] *= c->scale;
    return TS_OK;
}

static void test_nash_scale_invariant(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 1);
    scaled_ctx c = {{2, 0.5}, 1000.0};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 1.0};
    ts_talks_problem p = {.n = 2, .lo = lo, .hi = hi, .x0 = x0, .value = scaled_value,
                          .ctx = &c, .xtol = XTOL, .d = {100.0, 200.0}};
    double w[2] = {3.0, 1.0};   /* normalised to 0.75, 0.25 */
    ts_talks_result r;
    assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, NULL), TS_OK);
    assert_true(r.agreement);
    assert_near(r.x[0], 0.1 + 0.75 * 0.7, PKG_TOL);
    assert_near(r.x[1], 0.0, PKG_TOL);
    ts_talks_workspace_free(ws);
}

/* ---- Nash: brute force on random agendas ---------------------------------- */

static void check_nash_optimal(const quad_ctx *c, const ts_talks_problem *p, const double w[2],
                               const ts_talks_result *r, gsl_rng *rng)
{
    int n = c->n;
    double vstar[2] = {r->value[0], r->value[1]};
    double nstar = nash_objective(vstar, p->d, w);
    /* Package within ~XTOL of the optimum: a Pareto improvement of both is
     * at most |grad U| XTOL ~ 1e-6; the Nash objective, flat at its
     * maximum, is off by O(XTOL^2) but NM's termination on simplex size lets
     * f differ by up to ~1e-9 in practice. */
    const double pareto_tol = 1e-5, nash_tol = 1e-8;
    double x[QMAX], v[2];
    int samples = 0;
    if (n == 2) {
        const int g = 400;
        for (int i = 0; i <= g; i++)
            for (int j = 0; j <= g; j++) {
                x[0] = p->lo[0] + (p->hi[0] - p->lo[0]) * i / g;
                x[1] = p->lo[1] + (p->hi[1] - p->lo[1]) * j / g;
                quad_value(x, v, (void *)c);
                assert_false(v[0] > vstar[0] + pareto_tol && v[1] > vstar[1] + pareto_tol);
                assert_true(nash_objective(v, p->d, w) <= nstar + nash_tol);
                samples++;
            }
    }
    /* uniform over the box, then ever closer to the solution */
    static const double radius[] = {-1.0, 1e-1, 1e-2, 1e-3, 1e-4};
    for (size_t k = 0; k < sizeof radius / sizeof radius[0]; k++)
        for (int s = 0; s < 8000; s++) {
            for (int i = 0; i < n; i++) {
                double span = p->hi[i] - p->lo[i];
                double xi = radius[k] < 0 ? p->lo[i] + span * gsl_rng_uniform(rng)
                                          : r->x[i] + span * gsl_ran_gaussian(rng, radius[k]);
                x[i] = xi < p->lo[i] ? p->lo[i] : xi > p->hi[i] ? p->hi[i] : xi;
            }
            quad_value(x, v, (void *)c);
            assert_false(v[0] > vstar[0] + pareto_tol && v[1] > vstar[1] + pareto_tol);
            assert_true(nash_objective(v, p->d, w) <= nstar + nash_tol);
            samples++;
        }
    assert_true(samples >= 40000);
}

static void test_nash_random_agendas(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20250510);
    ts_talks_workspace *ws = ts_talks_workspace_alloc(QMAX, 1);
    int agreements = 0;
    for (int n = 2; n <= QMAX; n++)
        for (int trial = 0; trial < 12; trial++) {
            quad_ctx c;
            random_quad(rng, n, &c);
            double lo[QMAX], hi[QMAX], x0[QMAX];
            for (int i = 0; i < n; i++) {
                lo[i] = -gsl_rng_uniform(rng);
                hi[i] = 1.0 + gsl_rng_uniform(rng);
                x0[i] = lo[i] + (hi[i] - lo[i]) * gsl_rng_uniform(rng);
            }
            ts_talks_problem p = {.n = n, .lo = lo, .hi = hi, .x0 = x0, .value = quad_value,
                                  .ctx = &c, .xtol = XTOL};
            /* disagreement = the status quo's values: a zone exists unless
             * x0 happens to be Pareto-efficient */
            quad_value(x0, p.d, &c);
            double w[2];
            w[0] = 0.1 + 0.8 * gsl_rng_uniform(rng);
            w[1] = 1.0 - w[0];
            ts_talks_result r;
            ts_error err;
            assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, &err), TS_OK);
            assert_true(r.agreement);
            agreements++;
            /* individually rational, inside the box */
            assert_true(r.gain[0] > 0 && r.gain[1] > 0);
            for (int i = 0; i < n; i++)
                assert_true(r.x[i] >= lo[i] && r.x[i] <= hi[i]);
            check_nash_optimal(&c, &p, w, &r, rng);
        }
    assert_int_equal(agreements, 48);
    ts_talks_workspace_free(ws);
    gsl_rng_free(rng);
}

/* ---- Nash: no agreement ------------------------------------------------- */

static void test_nash_no_zone(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 1);
    surplus_ctx c = {2, 0.5};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 0.0}, w[2] = {0.5, 0.5};
    ts_talks_result r;

    /* d1 + d2 > 1: the surplus cannot cover both */
    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.6, 0.6);
    assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, NULL), TS_OK);
    assert_false(r.agreement);
    assert_int_equal(r.outcome, TS_TALKS_NO_ZONE);
    assert_string_equal(ts_talks_outcome_name(r.outcome), "no_zone");

    /* d1 + d2 = 1 exactly: gains can only be zero */
    p = surplus_problem(&c, lo, hi, x0, 0.5, 0.5);
    assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, NULL), TS_OK);
    assert_false(r.agreement);

    /* every move hurts both */
    surplus_ctx one = {1, 0.0};
    ts_talks_problem q = {.n = 1, .lo = lo, .hi = hi, .x0 = x0, .value = both_lose_value,
                          .ctx = &one, .xtol = XTOL};
    assert_int_equal(ts_talks_nash(ws, &q, w, 0.0, &r, NULL), TS_OK);
    assert_false(r.agreement);
    assert_int_equal(r.outcome, TS_TALKS_NO_ZONE);

    /* gains of 0.05 each: below min_gain 0.1, above 0.01 */
    p = surplus_problem(&c, lo, hi, x0, 0.45, 0.45);
    assert_int_equal(ts_talks_nash(ws, &p, w, 0.1, &r, NULL), TS_OK);
    assert_false(r.agreement);
    assert_int_equal(r.outcome, TS_TALKS_BELOW_MIN_GAIN);
    assert_near(r.gain[0], 0.05, PKG_TOL);
    assert_int_equal(ts_talks_nash(ws, &p, w, 0.01, &r, NULL), TS_OK);
    assert_true(r.agreement);
    assert_near(r.gain[1], 0.05, PKG_TOL);
    ts_talks_workspace_free(ws);
}

/* ---- Nash: separable values (the trust-region Newton method) ------------ */

/* Unit surplus lever by lever: s gives A s and B -s; the conflict lever costs
 * both k (c + c^2). Each lever adds a constant of its own (the solver must
 * not depend on it). */
static ts_status surplus_lever(int j, double x, double out[2], void *ctx)
{
    const surplus_ctx *c = ctx;
    if (j == 0) {
        out[0] = x + 3.0;
        out[1] = -x - 1.0;
    } else {
        out[0] = out[1] = -c->k * (x + x * x) + 7.0;
    }
    return TS_OK;
}

static void test_newton_unit_surplus(void **state)
{
    (void)state;
    static const double ws_[] = {0.2, 0.5, 0.65, 0.8};
    static const double ds[][2] = {{0.0, 0.0}, {0.1, 0.3}, {-0.2, 0.1}, {0.3, 0.5}};
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 1);
    for (int n = 1; n <= 2; n++) {
        surplus_ctx c = {n, 0.5};
        double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 1.0};
        for (size_t iw = 0; iw < sizeof ws_ / sizeof ws_[0]; iw++)
            for (size_t id = 0; id < sizeof ds / sizeof ds[0]; id++) {
                ts_talks_problem p = surplus_problem(&c, lo, hi, x0, ds[id][0], ds[id][1]);
                p.xtol = 0.0;   /* the default, 1e-4 */
                p.lever = surplus_lever;
                double w[2] = {ws_[iw], 1.0 - ws_[iw]};
                ts_talks_result r;
                ts_error err;
                assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, &err), TS_OK);
                double expect = ds[id][0] + w[0] * (1.0 - ds[id][0] - ds[id][1]);
                assert_true(r.agreement);
                /* linear and quadratic levers: the model is exact but for
                 * the rounding of its differences, and the last kept step is
                 * within xtol, so the error is O(xtol^2) (observed <= 2.3e-8) */
                assert_near(r.x[0], expect, 1e-6);
                if (n == 2)
                    assert_near(r.x[1], 0.0, 1e-6);
                assert_true(r.evaluations > 0 && r.lever_evaluations > 0);
                assert_int_equal(r.n_trace, 0);
            }
    }
    ts_talks_workspace_free(ws);
}

/* A workspace carries nothing from one talk to the next: after a talk where
 * lever 1 moves, a talk where it is fixed (lo = hi) gives the bits a fresh
 * workspace gives. */
static void test_newton_workspace_reuse(void **state)
{
    (void)state;
    ts_talks_workspace *used = ts_talks_workspace_alloc(2, 1), *fresh = ts_talks_workspace_alloc(2, 1);
    surplus_ctx c = {2, 0.5};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 1.0}, w[2] = {0.3, 0.7};
    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.1, -0.6);
    p.lever = surplus_lever;
    ts_talks_result a, b;
    assert_int_equal(ts_talks_nash(used, &p, w, 0.0, &a, NULL), TS_OK);
    lo[1] = hi[1] = x0[1] = 0.25;
    surplus_value(x0, p.d, &c);
    p.d[0] -= 0.2;
    assert_int_equal(ts_talks_nash(used, &p, w, 0.0, &a, NULL), TS_OK);
    assert_int_equal(ts_talks_nash(fresh, &p, w, 0.0, &b, NULL), TS_OK);
    assert_true(a.agreement && b.agreement);
    assert_memory_equal(a.x, b.x, 2 * sizeof(double));
    assert_int_equal(a.evaluations, b.evaluations);
    assert_int_equal(a.lever_evaluations, b.lever_evaluations);
    assert_float_equal(a.x[1], 0.25, 0.0);
    ts_talks_workspace_free(used);
    ts_talks_workspace_free(fresh);
}

/* Random separable concave values: per lever and actor
 *   u(x) = lin x + quad x^2 + ex (exp(k x) - 1),  quad <= 0, ex <= 0,
 * or linear only (lin x: the frontier is a polygon and the solution a vertex
 * or a point of an edge). */
#define SMAX 12
typedef struct {
    int n;
    double c[2], lin[2][SMAX], quad[2][SMAX], ex[2][SMAX], k[2][SMAX];
} sep_ctx;

static double sep_u(const sep_ctx *c, int a, int j, double x)
{
    return c->lin[a][j] * x + c->quad[a][j] * x * x + c->ex[a][j] * expm1(c->k[a][j] * x);
}

static ts_status sep_value(const double *x, double out[2], void *ctx)
{
    const sep_ctx *c = ctx;
    for (int a = 0; a < 2; a++) {
        out[a] = c->c[a];
        for (int j = 0; j < c->n; j++)
            out[a] += sep_u(c, a, j, x[j]);
    }
    return TS_OK;
}

static ts_status sep_lever(int j, double x, double out[2], void *ctx)
{
    const sep_ctx *c = ctx;
    out[0] = sep_u(c, 0, j, x) - 2.0 * j;
    out[1] = sep_u(c, 1, j, x) + 0.5 * j;
    return TS_OK;
}

static void random_sep(gsl_rng *rng, int n, bool linear, sep_ctx *c)
{
    c->n = n;
    for (int a = 0; a < 2; a++) {
        c->c[a] = gsl_ran_gaussian(rng, 1.0);
        for (int j = 0; j < n; j++) {
            c->lin[a][j] = gsl_ran_gaussian(rng, 1.0);
            c->quad[a][j] = linear ? 0.0 : -gsl_rng_uniform(rng);
            c->ex[a][j] = linear ? 0.0 : -0.5 * gsl_rng_uniform(rng);
            c->k[a][j] = linear ? 0.0 : 3.0 * gsl_ran_gaussian(rng, 1.0);
        }
    }
}

static double sep_nash(const sep_ctx *c, const double *x, const double d[2], const double w[2])
{
    double v[2];
    sep_value(x, v, (void *)c);
    return nash_objective(v, d, w);
}

/* The Newton method at its default accuracy against converged answers (the
 * simplex at xtol 1e-8 from all four starts, and Newton at 1e-8): packages
 * within 1e-4 of each lever's range, a Nash product as high as the
 * simplex's, and no random or nearby package higher. */
static void test_newton_random_agendas(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20251201);
    ts_talks_workspace *ws = ts_talks_workspace_alloc(SMAX, 1);
    int agreements = 0, talks = 0;
    double worst = 0.0, worst_fine = 0.0;
    for (int trial = 0; trial < 120; trial++) {
        int n = trial % 10 == 9 ? SMAX : 1 + trial % 5;
        bool linear = trial % 3 == 0;
        sep_ctx c;
        random_sep(rng, n, linear, &c);
        double lo[SMAX], hi[SMAX], x0[SMAX], x[SMAX];
        for (int j = 0; j < n; j++) {
            lo[j] = -gsl_rng_uniform(rng);
            hi[j] = 1.0 + gsl_rng_uniform(rng);
            x0[j] = lo[j] + (hi[j] - lo[j]) * gsl_rng_uniform(rng);
        }
        ts_talks_problem p = {.n = n, .lo = lo, .hi = hi, .x0 = x0, .value = sep_value,
                              .ctx = &c, .lever = sep_lever};
        sep_value(x0, p.d, &c);
        double w[2];
        w[0] = 0.1 + 0.8 * gsl_rng_uniform(rng);
        w[1] = 1.0 - w[0];
        ts_talks_result r, ref, fine;
        assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, NULL), TS_OK);
        /* Newton throughout (the sum check never sends it to the simplex) */
        assert_true(r.evaluations <= 60);
        ts_talks_problem q = p;
        q.xtol = 1e-8;
        assert_int_equal(ts_talks_nash(ws, &q, w, 0.0, &fine, NULL), TS_OK);
        q.lever = NULL;
        q.starts = 4;
        q.max_evals = 100000;
        assert_int_equal(ts_talks_nash(ws, &q, w, 0.0, &ref, NULL), TS_OK);
        talks++;
        assert_int_equal(r.agreement, ref.agreement);
        if (!ref.agreement)
            continue;   /* x0 on the frontier: no zone */
        agreements++;
        /* the simplex is a reference where it converged within its budget
         * (on 12 linear levers it may not: the Newton package is then the
         * better one, checked below) */
        bool converged = ref.evaluations < q.max_evals + 4;
        for (int j = 0; j < n; j++) {
            assert_true(r.x[j] >= lo[j] && r.x[j] <= hi[j]);
            double span = hi[j] - lo[j];
            worst_fine = fmax(worst_fine, fabs(r.x[j] - fine.x[j]) / span);
            if (converged)
                worst = fmax(worst, fabs(r.x[j] - ref.x[j]) / span);
        }
        assert_true(worst <= 1e-4 && worst_fine <= 1e-4);
        double nstar = nash_objective(r.value, p.d, w);
        assert_true(nstar >= nash_objective(ref.value, p.d, w) - 1e-10);
        static const double radius[] = {-1.0, 1e-2, 1e-4};
        for (size_t k = 0; k < 3; k++)
            for (int t = 0; t < 2000; t++) {
                for (int j = 0; j < n; j++) {
                    double span = hi[j] - lo[j];
                    double xj = radius[k] < 0 ? lo[j] + span * gsl_rng_uniform(rng)
                                              : r.x[j] + span * gsl_ran_gaussian(rng, radius[k]);
                    x[j] = xj < lo[j] ? lo[j] : xj > hi[j] ? hi[j] : xj;
                }
                assert_true(sep_nash(&c, x, p.d, w) <= nstar + 1e-10);
            }
    }
    print_message("newton at 1e-4: %d talks, %d agreements, largest package distance %.2g of "
                  "the range from the simplex at 1e-8, %.2g from newton at 1e-8\n", talks,
                  agreements, worst, worst_fine);
    assert_true(agreements >= 100);
    ts_talks_workspace_free(ws);
    gsl_rng_free(rng);
}

static ts_status failing_lever(int j, double x, double out[2], void *ctx)
{
    int *calls = ctx;
    out[0] = x + j;
    out[1] = -x;
    return ++*calls > 5 ? TS_EIO : TS_OK;
}

static ts_status nan_lever(int j, double x, double out[2], void *ctx)
{
    (void)j;
    (void)ctx;
    out[0] = x > 0.7 ? NAN : x;
    out[1] = -x;
    return TS_OK;
}

static ts_status share_value(const double *x, double out[2], void *ctx)
{
    (void)ctx;
    out[0] = x[0];
    out[1] = 1.0 - x[0];
    return TS_OK;
}

/* Values with an interaction 0.8 x0 x1 for A that the lever function leaves
 * out: the solver sees the values change by other than the levers' sum and
 * solves the talk by the simplex instead. */
static ts_status coupled_value(const double *x, double out[2], void *ctx)
{
    sep_value(x, out, ctx);
    out[0] += 0.8 * x[0] * x[1];
    return TS_OK;
}

static void test_newton_not_separable(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 77);
    ts_talks_workspace *ws = ts_talks_workspace_alloc(3, 1);
    int fallbacks = 0;
    for (int trial = 0; trial < 20; trial++) {
        sep_ctx c;
        random_sep(rng, 3, false, &c);
        double lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1}, x0[3];
        for (int j = 0; j < 3; j++)
            x0[j] = gsl_rng_uniform(rng);
        ts_talks_problem p = {.n = 3, .lo = lo, .hi = hi, .x0 = x0, .value = coupled_value,
                              .ctx = &c, .lever = sep_lever, .xtol = 1e-7};
        coupled_value(x0, p.d, &c);
        double w[2] = {0.5, 0.5};
        ts_talks_result r, ref;
        assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, NULL), TS_OK);
        p.lever = NULL;
        assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &ref, NULL), TS_OK);
        assert_int_equal(r.agreement, ref.agreement);
        if (!ref.agreement)
            continue;
        fallbacks += r.lever_evaluations > 0 && r.evaluations > ref.evaluations;
        /* the simplex's answer, found the same way after the check */
        for (int j = 0; j < 3; j++)
            assert_near(r.x[j], ref.x[j], 1e-4);
    }
    assert_true(fallbacks >= 15);
    ts_talks_workspace_free(ws);
    gsl_rng_free(rng);
}

static void test_newton_no_zone_and_failures(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 1);
    surplus_ctx c = {2, 0.5};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 0.0}, w[2] = {0.5, 0.5};
    ts_talks_result r;
    ts_error err;
    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.6, 0.6);
    p.lever = surplus_lever;
    assert_int_equal(ts_talks_nash(ws, &p, w, 0.0, &r, &err), TS_OK);
    assert_false(r.agreement);
    assert_int_equal(r.outcome, TS_TALKS_NO_ZONE);
    /* a zone, but gains below min_gain */
    p = surplus_problem(&c, lo, hi, x0, 0.45, 0.45);
    p.lever = surplus_lever;
    assert_int_equal(ts_talks_nash(ws, &p, w, 0.2, &r, &err), TS_OK);
    assert_int_equal(r.outcome, TS_TALKS_BELOW_MIN_GAIN);
    assert_near(r.x[0], 0.5, 1e-9);

    /* the lever function's failure stops the solver and is returned */
    int calls = 0;
    ts_talks_problem b = {.n = 1, .lo = lo, .hi = hi, .x0 = x0, .value = share_value,
                          .lever = failing_lever, .ctx = &calls};
    assert_int_equal(ts_talks_nash(ws, &b, w, 0.0, &r, &err), TS_EIO);
    assert_int_equal(calls, 6);
    b.lever = nan_lever;
    assert_int_equal(ts_talks_nash(ws, &b, w, 0.0, &r, &err), TS_EIO);
    assert_non_null(strstr(err.msg, "non-finite"));

    /* deterministic, and more starts never worse */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    sep_ctx sc;
    random_sep(rng, 5, false, &sc);
    double l5[5] = {0}, h5[5] = {1, 1, 1, 1, 1}, x5[5] = {0.5, 0.5, 0.5, 0.5, 0.5};
    ts_talks_workspace *w5 = ts_talks_workspace_alloc(5, 1);
    ts_talks_problem q = {.n = 5, .lo = l5, .hi = h5, .x0 = x5, .value = sep_value,
                          .lever = sep_lever, .ctx = &sc};
    sep_value(x5, q.d, &sc);
    ts_talks_result a, a2;
    assert_int_equal(ts_talks_nash(w5, &q, w, 0.0, &a, NULL), TS_OK);
    assert_int_equal(ts_talks_nash(w5, &q, w, 0.0, &a2, NULL), TS_OK);
    assert_memory_equal(a.x, a2.x, 5 * sizeof(double));
    assert_int_equal(a.lever_evaluations, a2.lever_evaluations);
    q.starts = 4;
    assert_int_equal(ts_talks_nash(w5, &q, w, 0.0, &a2, NULL), TS_OK);
    assert_true(nash_objective(a2.value, q.d, w) >= nash_objective(a.value, q.d, w));
    assert_true(a2.evaluations > a.evaluations);
    ts_talks_workspace_free(w5);
    gsl_rng_free(rng);
    ts_talks_workspace_free(ws);
}


/* ---- concession (Faratin's tactic) ------------------------------------- */

/* The protocol on the unit surplus with d = 0 and identical frontier
 * U_0 + U_1 = 1: the proposer keeps its aspiration a_p(r) and the responder
 * accepts iff 1 - a_p(r) >= a_q(r + 1), with a(r) = 1 - (r/(R-1))^(1/beta). */
static double asp(double beta, int r, int rounds)
{
    double t = r >= rounds - 1 ? 1.0 : (double)r / (rounds - 1);
    return 1.0 - pow(t, 1.0 / beta);
}

/* Also asserts that no decision up to the deal is a near-tie, where the
 * solver's accuracy (offers within ~1e-6 of the frontier) could flip it. */
static int expected_round(const double beta[2], int rounds)
{
    for (int r = 0; r < rounds; r++) {
        int pr = r % 2;
        double margin = 1.0 - asp(beta[pr], r, rounds) - asp(beta[1 - pr], r + 1, rounds);
        assert_true(fabs(margin) > 1e-4);
        if (margin >= 0)
            return r;
    }
    return -1;
}

static void test_concession_closed_form(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 21);
    surplus_ctx c = {2, 0.5};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 1.0};
    static const double betas[][2] = {{0.2, 0.2}, {5, 5}, {1, 1}, {0.5, 2}, {2, 0.5}, {1, 3}};
    for (size_t b = 0; b < sizeof betas / sizeof betas[0]; b++)
        for (int rounds = 3; rounds <= 21; rounds += 6) {
            ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.0, 0.0);
            ts_talks_result r;
            ts_error err;
            assert_int_equal(ts_talks_concession(ws, &p, betas[b], rounds, 0.0, &r, &err), TS_OK);
            int er = expected_round(betas[b], rounds);
            assert_true(er >= 0);
            /* offers sit on the frontier with the proposer at its aspiration,
             * to within the barrier's bias (1e-6 of the scale) and XTOL */
            assert_int_equal(r.round, er);
            assert_true(r.agreement);
            int pr = er % 2;
            assert_near(r.value[pr], asp(betas[b][pr], er, rounds), 1e-4);
            assert_near(r.value[0] + r.value[1], 1.0, 1e-4);
            assert_near(r.x[1], 0.0, 1e-4);
            assert_int_equal(r.n_trace, er + 1);
            for (int k = 0; k < r.n_trace; k++) {
                assert_int_equal(r.trace[k].round, k);
                assert_int_equal(r.trace[k].proposer, k % 2);
                assert_int_equal(r.trace[k].accepted, k == er);
            }
        }
    ts_talks_workspace_free(ws);
}

/* One round is an ultimatum: the proposer asks for all of its best at once
 * and the responder, whose next aspiration is its floor (no round follows),
 * accepts its floor plus min_gain. Two rounds end the same way at round 0. */
static void test_concession_one_round(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(1, 2);
    surplus_ctx c = {1, 0};
    double lo[1] = {0}, hi[1] = {1}, x0[1] = {0.5}, beta[2] = {1, 1};
    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.2, 0.3);
    for (int rounds = 1; rounds <= 2; rounds++)
        for (int m = 0; m < 2; m++) {
            double mg = 0.05 * m;
            ts_talks_result r;
            assert_int_equal(ts_talks_concession(ws, &p, beta, rounds, mg, &r, NULL), TS_OK);
            assert_true(r.agreement);
            assert_int_equal(r.round, 0);
            assert_int_equal(r.n_trace, 1);
            assert_near(r.value[1], 0.3 + mg, 1e-6);
            assert_near(r.value[0], 0.7 - mg, 1e-6);
            assert_float_equal(r.trace[0].aspiration[0], r.value[0], 1e-12);
            assert_near(r.trace[0].aspiration[1], 0.3 + mg, 1e-12);
            assert_true(r.trace[0].accepted);
        }
    ts_talks_workspace_free(ws);
}

static void test_concession_boulware_later(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 10);
    surplus_ctx c = {2, 0.5};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 1.0};
    static const double ds[][2] = {{0.0, 0.0}, {0.2, 0.1}, {-0.3, 0.4}};
    for (size_t id = 0; id < 3; id++) {
        ts_talks_problem p = surplus_problem(&c, lo, hi, x0, ds[id][0], ds[id][1]);
        double boulware[2] = {0.2, 0.2}, conceder[2] = {5, 5};
        ts_talks_result rb, rc;
        assert_int_equal(ts_talks_concession(ws, &p, boulware, 10, 0.0, &rb, NULL), TS_OK);
        assert_int_equal(ts_talks_concession(ws, &p, conceder, 10, 0.0, &rc, NULL), TS_OK);
        assert_true(rb.agreement && rc.agreement);
        assert_true(rb.round > rc.round);
        for (int a = 0; a < 2; a++) {
            assert_true(rb.value[a] >= p.d[a]);
            assert_true(rc.value[a] >= p.d[a]);
        }
    }
    ts_talks_workspace_free(ws);
}

/* Identical agents: the first proposer's edge is one round's concession.
 * Mirroring the problem (swapping who is actor 0) gives the proposer the same
 * share, and the split differs from 1/2 by less than one concession step. */
typedef struct {
    surplus_ctx inner;
} mirror_ctx;

static ts_status mirror_value(const double *x, double out[2], void *ctx)
{
    const mirror_ctx *c = ctx;
    double v[2];
    surplus_value(x, v, (void *)&c->inner);
    out[0] = v[1];
    out[1] = v[0];
    return TS_OK;
}

static void test_concession_symmetric(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 12);
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 1.0};
    static const double betas[] = {0.3, 1.0, 3.0};
    for (int ib = 0; ib < 3; ib++)
        for (int rounds = 3; rounds <= 11; rounds += 4) {
            double beta[2] = {betas[ib], betas[ib]};
            surplus_ctx c = {2, 0.5};
            mirror_ctx mc = {{2, 0.5}};
            ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.0, 0.0);
            ts_talks_problem m = p;
            m.value = mirror_value;
            m.ctx = &mc;
            ts_talks_result r, rm;
            assert_int_equal(ts_talks_concession(ws, &p, beta, rounds, 0.0, &r, NULL), TS_OK);
            assert_int_equal(ts_talks_concession(ws, &m, beta, rounds, 0.0, &rm, NULL), TS_OK);
            assert_true(r.agreement && rm.agreement);
            assert_int_equal(r.round, expected_round(beta, rounds));
            assert_int_equal(r.round, rm.round);
            int pr = r.round % 2;
            assert_near(r.value[pr], rm.value[pr], 1e-4);
            double step = 0;   /* largest one-round concession around the deal */
            for (int k = r.round > 0 ? r.round - 1 : 0; k <= r.round && k + 1 < rounds + 1; k++)
                step = fmax(step, asp(beta[0], k, rounds) - asp(beta[0], k + 1, rounds));
            assert_true(fabs(r.value[0] - r.value[1]) <= step + 1e-4);
        }
    ts_talks_workspace_free(ws);
}

static void test_concession_individually_rational(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    ts_talks_workspace *ws = ts_talks_workspace_alloc(QMAX, 15);
    int deals = 0;
    for (int n = 2; n <= 4; n++)
        for (int trial = 0; trial < 6; trial++) {
            quad_ctx c;
            double lo[QMAX], hi[QMAX], x0[QMAX];
            ts_talks_problem p = unit_box_problem(rng, n, &c, lo, hi, x0);
            double beta[2] = {exp(gsl_ran_gaussian(rng, 1.0)), exp(gsl_ran_gaussian(rng, 1.0))};
            double mg = trial % 2 ? 0.0 : 0.01;
            ts_talks_result r;
            assert_int_equal(ts_talks_concession(ws, &p, beta, 15, mg, &r, NULL), TS_OK);
            for (int k = 0; k < r.n_trace; k++) {
                int pr = r.trace[k].proposer;
                /* the proposer never offers below its aspiration, which never
                 * falls below its disagreement value plus min_gain */
                assert_true(r.trace[k].value[pr] >= r.trace[k].aspiration[pr]);
                assert_true(r.trace[k].aspiration[pr] >= p.d[pr] + mg);
                assert_true(r.trace[k].aspiration[1 - pr] >= p.d[1 - pr] + mg);
            }
            if (r.agreement) {
                deals++;
                assert_true(r.gain[0] > mg && r.gain[1] > mg);
                assert_true(r.trace[r.round].accepted);
            } else {
                /* aspirations reach the floors in the last round, so a talk
                 * fails only when no package gives both more than min_gain;
                 * then the Nash solution cannot either */
                assert_int_not_equal(r.outcome, TS_TALKS_NO_ACCEPTANCE);
                assert_int_equal(r.n_trace, 0);
                double w[2] = {0.5, 0.5};
                ts_talks_result rn;
                assert_int_equal(ts_talks_nash(ws, &p, w, mg, &rn, NULL), TS_OK);
                assert_false(rn.agreement);
            }
        }
    /* d = the status quo's values, so a zone exists; only small ones fail
     * with min_gain 0.01 */
    assert_true(deals >= 15);
    ts_talks_workspace_free(ws);
    gsl_rng_free(rng);
}

static void test_concession_no_zone(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 10);
    surplus_ctx c = {2, 0.5};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 0.0}, beta[2] = {1, 1};
    ts_talks_result r;
    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.6, 0.6);
    assert_int_equal(ts_talks_concession(ws, &p, beta, 10, 0.0, &r, NULL), TS_OK);
    assert_false(r.agreement);
    assert_int_equal(r.outcome, TS_TALKS_NO_ZONE);
    assert_int_equal(r.n_trace, 0);
    assert_int_equal(r.round, -1);
    p = surplus_problem(&c, lo, hi, x0, 0.45, 0.45);
    assert_int_equal(ts_talks_concession(ws, &p, beta, 10, 0.1, &r, NULL), TS_OK);
    assert_false(r.agreement);
    assert_int_equal(r.outcome, TS_TALKS_BELOW_MIN_GAIN);
    assert_int_equal(ts_talks_concession(ws, &p, beta, 10, 0.01, &r, NULL), TS_OK);
    assert_true(r.agreement);
    assert_true(r.gain[0] > 0.01 && r.gain[1] > 0.01);
    ts_talks_workspace_free(ws);
}

/* ---- Rubinstein: subgame-perfect alternating offers -------------------- */

/* First proposer's share of a unit surplus with R rounds, d = 0, per-round
 * factors da (the opener's) and db: a_1 = 1, a_R = 1 - db b_(R-1) with b the
 * same for the other side first (Rubinstein 1982; Osborne & Rubinstein 1990,
 * ch. 3). */
static double spe_share(double da, double db, int rounds)
{
    double a = 1.0, b = 1.0;
    for (int r = 2; r <= rounds; r++) {
        double na = 1.0 - db * b, nb = 1.0 - da * a;
        a = na;
        b = nb;
    }
    return a;
}

static void test_rubinstein_closed_form(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 1000);
    static const int rounds[] = {1, 2, 3, 9, 200, 1000};
    static const double deltas[][2] = {{0.9, 0.8}, {0.8, 0.9}, {0.5, 0.5}, {0.95, 0.6}};
    for (int n = 1; n <= 2; n++)   /* with and without a costly conflict lever */
        for (size_t id = 0; id < sizeof deltas / sizeof deltas[0]; id++)
            for (size_t ir = 0; ir < sizeof rounds / sizeof rounds[0]; ir++)
                for (int opener = 0; opener < 2; opener++) {
                    surplus_ctx c = {n, 0.5};
                    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 0.2};
                    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.0, 0.0);
                    if (n == 2)
                        surplus_value(x0, p.d, &c);   /* d < 0: the conflict costs both */
                    ts_talks_result r;
                    ts_error err;
                    assert_int_equal(ts_talks_rubinstein(ws, &p, deltas[id], rounds[ir], opener,
                                                         0.0, &r, &err),
                                     TS_OK);
                    assert_true(r.agreement);
                    assert_int_equal(r.round, 0);
                    int q = 1 - opener;
                    double surplus = 1.0 - p.d[0] - p.d[1];
                    double share = spe_share(deltas[id][opener], deltas[id][q], rounds[ir]);
                    assert_near(r.gain[opener] / surplus, share, 1e-5);
                    assert_near(r.gain[q] / surplus, 1.0 - share, 1e-5);
                    if (n == 2)
                        assert_near(r.x[1], 0.0, 1e-4);
                    assert_int_equal(r.n_trace, 1);
                    assert_int_equal(r.trace[0].proposer, opener);
                    assert_true(r.trace[0].accepted);
                    assert_true(r.backward_rounds >= 1 && r.backward_rounds <= rounds[ir]);
                }
    ts_talks_workspace_free(ws);
}

/* Many rounds: the share tends to (1 - d_B)/(1 - d_A d_B), and the recursion
 * stops once the continuation repeats, long before the thousandth round. */
static void test_rubinstein_limit(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(1, 1000);
    surplus_ctx c = {1, 0};
    double lo[1] = {0}, hi[1] = {1}, x0[1] = {0.5}, delta[2] = {0.9, 0.8};
    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.0, 0.0);
    ts_talks_result r;
    assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 1000, 0, 0.0, &r, NULL), TS_OK);
    assert_near(r.gain[0], (1 - 0.8) / (1 - 0.9 * 0.8), 1e-5);
    assert_true(r.backward_rounds < 200);
    /* Patient actors: the recursion converges slowly (by 0.9702 a round
     * pair), and its stopping rule must shrink with 1 - d_A d_B to keep the
     * package within 1e-5 of the limit. */
    double patient[2] = {0.99, 0.98};
    assert_int_equal(ts_talks_rubinstein(ws, &p, patient, 1000, 0, 0.0, &r, NULL), TS_OK);
    assert_near(r.gain[0], (1 - 0.98) / (1 - 0.99 * 0.98), 1e-5);
    /* one round: the proposer takes everything; two: 1 - d_B */
    assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 1, 0, 0.0, &r, NULL), TS_OK);
    assert_near(r.gain[0], 1.0, 1e-5);
    assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 2, 0, 0.0, &r, NULL), TS_OK);
    assert_near(r.gain[0], 0.2, 1e-5);
    /* no discounting: the last proposer takes everything */
    double one[2] = {1, 1};
    for (int rounds = 1; rounds <= 6; rounds++) {
        assert_int_equal(ts_talks_rubinstein(ws, &p, one, rounds, 0, 0.0, &r, NULL), TS_OK);
        int last = (rounds - 1) % 2;
        assert_near(r.gain[last], 1.0, 1e-5);
    }
    ts_talks_workspace_free(ws);
}

/* Delay discounts gains over d, not values: with d = (0.3, 0.1) the split of
 * the surplus 0.6 is the d = 0 split scaled, whatever d is. */
static void test_rubinstein_gains_discounted(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(1, 10);
    surplus_ctx c = {1, 0};
    double lo[1] = {0}, hi[1] = {1}, x0[1] = {0.3}, delta[2] = {0.7, 0.6};
    static const double ds[][2] = {{0.3, 0.1}, {0.2, 0.5}, {0.0, 0.9}};
    for (int id = 0; id < 3; id++)
        for (int rounds = 1; rounds <= 5; rounds++) {
            ts_talks_problem p = surplus_problem(&c, lo, hi, x0, ds[id][0], ds[id][1]);
            ts_talks_result r;
            assert_int_equal(ts_talks_rubinstein(ws, &p, delta, rounds, 1, 0.0, &r, NULL), TS_OK);
            double s = 1.0 - ds[id][0] - ds[id][1];
            assert_near(r.gain[1], s * spe_share(0.6, 0.7, rounds), 1e-5 * (1 + s));
            assert_near(r.gain[0], s * (1 - spe_share(0.6, 0.7, rounds)), 1e-5 * (1 + s));
        }
    /* no zone: d_A + d_B > 1 */
    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0.6, 0.6);
    ts_talks_result r;
    assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 4, 0, 0.0, &r, NULL), TS_OK);
    assert_false(r.agreement);
    assert_int_equal(r.outcome, TS_TALKS_NO_ZONE);
    assert_int_equal(r.round, -1);
    /* min_gain: floors d + min_gain, so 0.45 + 0.45 + 2 x 0.1 > 1 has no zone */
    p = surplus_problem(&c, lo, hi, x0, 0.45, 0.45);
    assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 4, 0, 0.1, &r, NULL), TS_OK);
    assert_int_equal(r.outcome, TS_TALKS_BELOW_MIN_GAIN);
    assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 4, 0, 0.01, &r, NULL), TS_OK);
    assert_true(r.agreement);
    assert_true(r.gain[0] >= 0.01 - 1e-9 && r.gain[1] >= 0.01 - 1e-9);
    ts_talks_workspace_free(ws);
}

/* A curved frontier where the right multiplier is far from 1: A wants y low
 * (U_A = -y), B has its bliss point at y = 0.6 (U_B = -k (y - 0.6)^2), the
 * status quo y = 1. Two rounds, B last: B proposes its bliss point (A's
 * constraint slack); in round 0 A must leave B d_B + d_b g_B(bliss), so
 * (y - 0.6)^2 = 0.16 (1 - delta_B) and y = 0.6 - 0.4 sqrt(1 - delta_B). */
static ts_status bliss_value(const double *x, double out[2], void *ctx)
{
    const double *k = ctx;
    out[0] = -x[0];
    out[1] = -*k * (x[0] - 0.6) * (x[0] - 0.6);
    return TS_OK;
}

static void test_rubinstein_curved(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(1, 2);
    /* (with delta_B -> 1 the package nears B's bliss point, where B's value
     * barely moves with y and a value within the solver's accuracy leaves y
     * undetermined to ~ accuracy / |dU_B/dy|: not a case for 1e-5) */
    static const double ks[] = {0.05, 1.0, 30.0}, dbs[] = {0.5, 0.9, 0.99};
    for (int ik = 0; ik < 3; ik++)
        for (int id = 0; id < 3; id++) {
            double k = ks[ik], lo[1] = {0}, hi[1] = {1}, x0[1] = {1.0};
            double delta[2] = {0.9, dbs[id]};
            ts_talks_problem p = {.n = 1, .lo = lo, .hi = hi, .x0 = x0, .value = bliss_value,
                                  .ctx = &k, .xtol = XTOL};
            bliss_value(x0, p.d, &k);
            ts_talks_result r;
            assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 2, 0, 0.0, &r, NULL), TS_OK);
            assert_true(r.agreement);
            double y = 0.6 - 0.4 * sqrt(1.0 - dbs[id]);
            assert_near(r.x[0], y, 1e-5);
            /* to the offer's accuracy, relative to the larger gain at stake */
            assert_near(r.gain[1], 0.16 * k * dbs[id], 1e-5 * fmax(0.4, 0.16 * k));
        }
    ts_talks_workspace_free(ws);
}

/* The offers' augmented Lagrangian works in units of the scale S of the
 * gains at stake: values times a power of two (exact in binary) give the same
 * packages bit for bit, the same number of evaluations and the values times
 * that power, for the equilibrium and for concession, on the curved frontier
 * above (whose right multiplier is far from 1) and a costly conflict lever. */
typedef struct {
    ts_talks_value_fn value;
    void *ctx;
    double factor;
} times_ctx;

static ts_status times_value(const double *x, double out[2], void *ctx)
{
    const times_ctx *c = ctx;
    ts_status s = c->value(x, out, c->ctx);
    out[0] *= c->factor;
    out[1] *= c->factor;
    return s;
}

static void test_offers_scale_invariant(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 9);
    double k = 30.0;
    surplus_ctx sc = {2, 0.5};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {1.0, 0.2};
    static const double factors[] = {1024.0, 1.0 / 1024.0, 65536.0};
    for (int problem = 0; problem < 2; problem++) {
        times_ctx one = {problem == 0 ? bliss_value : surplus_value,
                         problem == 0 ? (void *)&k : (void *)&sc, 1.0};
        ts_talks_problem p = {.n = problem == 0 ? 1 : 2, .lo = lo, .hi = hi, .x0 = x0,
                              .value = times_value, .ctx = &one, .xtol = XTOL};
        times_value(x0, p.d, &one);
        double delta[2] = {0.9, 0.99}, beta[2] = {0.5, 2.0};
        ts_talks_result ref[2], r;
        assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 3, 0, 0.0, &ref[0], NULL), TS_OK);
        assert_int_equal(ts_talks_concession(ws, &p, beta, 9, 0.0, &ref[1], NULL), TS_OK);
        assert_true(ref[0].agreement && ref[1].agreement);
        for (size_t f = 0; f < sizeof factors / sizeof factors[0]; f++) {
            times_ctx scaled = one;
            scaled.factor = factors[f];
            p.ctx = &scaled;
            times_value(x0, p.d, &scaled);
            for (int solver = 0; solver < 2; solver++) {
                if (solver == 0)
                    assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 3, 0, 0.0, &r, NULL),
                                     TS_OK);
                else
                    assert_int_equal(ts_talks_concession(ws, &p, beta, 9, 0.0, &r, NULL), TS_OK);
                const ts_talks_result *e = &ref[solver];
                assert_memory_equal(r.x, e->x, (size_t)p.n * sizeof(double));
                assert_int_equal(r.evaluations, e->evaluations);
                assert_int_equal(r.round, e->round);
                for (int a = 0; a < 2; a++)
                    assert_float_equal(r.gain[a], e->gain[a] * factors[f], 0.0);
            }
            p.ctx = &one;
            times_value(x0, p.d, &one);
        }
    }
    ts_talks_workspace_free(ws);
}

/* Random concave agendas: the round-0 package is individually rational and
 * gives the responder at least its floor; both solutions are Pareto-ranked
 * the same way a brute-force check would not beat by much. */
static void test_rubinstein_individually_rational(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    ts_talks_workspace *ws = ts_talks_workspace_alloc(QMAX, 20);
    for (int n = 2; n <= 4; n++)
        for (int trial = 0; trial < 4; trial++) {
            quad_ctx c;
            double lo[QMAX], hi[QMAX], x0[QMAX];
            ts_talks_problem p = unit_box_problem(rng, n, &c, lo, hi, x0);
            double delta[2] = {0.5 + 0.5 * gsl_rng_uniform(rng), 0.5 + 0.5 * gsl_rng_uniform(rng)};
            ts_talks_result r;
            assert_int_equal(ts_talks_rubinstein(ws, &p, delta, 20, trial % 2, 0.0, &r, NULL),
                             TS_OK);
            assert_true(r.agreement);
            assert_true(r.gain[0] >= 0 && r.gain[1] >= 0);
        }
    ts_talks_workspace_free(ws);
    gsl_rng_free(rng);
}

/* ---- errors and determinism ------------------------------------------- */

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_null(ts_talks_workspace_alloc(0, 1));
    assert_null(ts_talks_workspace_alloc(TS_TALKS_MAX_LEVERS + 1, 1));
    assert_null(ts_talks_workspace_alloc(1, 0));
    ts_talks_workspace_free(NULL);

    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 5);
    surplus_ctx c = {2, 0.5};
    double lo[2] = {0, 0}, hi[2] = {1, 1}, x0[2] = {0.5, 0.0}, w[2] = {0.5, 0.5};
    double beta[2] = {1, 1};
    ts_talks_result r;
    ts_error err;
    ts_talks_problem p = surplus_problem(&c, lo, hi, x0, 0, 0);

    ts_talks_problem b = p;
    b.n = 3;
    assert_int_equal(ts_talks_nash(ws, &b, w, 0, &r, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "3 levers"));
    double bad_hi[2] = {-1, 1};
    b = p;
    b.hi = bad_hi;
    assert_int_equal(ts_talks_nash(ws, &b, w, 0, &r, &err), TS_EBAD);
    double out_x0[2] = {2, 0};
    b = p;
    b.x0 = out_x0;
    assert_int_equal(ts_talks_concession(ws, &b, beta, 5, 0, &r, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "status quo"));
    double w0[2] = {0, 0}, wneg[2] = {-1, 2};
    assert_int_equal(ts_talks_nash(ws, &p, w0, 0, &r, &err), TS_EBAD);
    assert_int_equal(ts_talks_nash(ws, &p, wneg, 0, &r, &err), TS_EBAD);
    assert_int_equal(ts_talks_nash(ws, &p, w, -1, &r, &err), TS_EBAD);
    assert_int_equal(ts_talks_concession(ws, &p, beta, 6, 0, &r, &err), TS_EBAD);
    assert_int_equal(ts_talks_concession(ws, &p, beta, 0, 0, &r, &err), TS_EBAD);
    double beta0[2] = {0, 1};
    assert_int_equal(ts_talks_concession(ws, &p, beta0, 5, 0, &r, &err), TS_EBAD);
    double dl[2] = {0.9, 0.8}, dl0[2] = {0, 0.8}, dl2[2] = {0.9, 1.5};
    assert_int_equal(ts_talks_rubinstein(ws, &p, dl0, 5, 0, 0, &r, &err), TS_EBAD);
    assert_int_equal(ts_talks_rubinstein(ws, &p, dl2, 5, 0, 0, &r, &err), TS_EBAD);
    assert_int_equal(ts_talks_rubinstein(ws, &p, dl, 5, 2, 0, &r, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "opener"));
    assert_int_equal(ts_talks_rubinstein(ws, &p, dl, 6, 0, 0, &r, &err), TS_EBAD);
    assert_int_equal(ts_talks_rubinstein(ws, &p, dl, 5, 0, -1, &r, &err), TS_EBAD);
    /* ts_talks_alternating is the concession tactic under its first name */
    ts_talks_result ra, rc;
    assert_int_equal(ts_talks_alternating(ws, &p, beta, 5, 0, &ra, &err), TS_OK);
    assert_int_equal(ts_talks_concession(ws, &p, beta, 5, 0, &rc, &err), TS_OK);
    assert_memory_equal(ra.x, rc.x, 2 * sizeof(double));
    b = p;
    b.starts = -1;
    assert_int_equal(ts_talks_nash(ws, &b, w, 0, &r, &err), TS_EBAD);
    b = p;
    b.d[0] = NAN;
    assert_int_equal(ts_talks_nash(ws, &b, w, 0, &r, &err), TS_EBAD);

    /* the value function's failure stops the solver and is returned */
    int calls = 0;
    b = p;
    b.n = 1;
    b.value = failing_value;
    b.ctx = &calls;
    assert_int_equal(ts_talks_nash(ws, &b, w, 0, &r, &err), TS_EIO);
    assert_int_equal(calls, 11);
    calls = 0;
    assert_int_equal(ts_talks_concession(ws, &b, beta, 5, 0, &r, &err), TS_EIO);
    b.value = nan_value;
    assert_int_equal(ts_talks_nash(ws, &b, w, 0, &r, &err), TS_EIO);
    assert_non_null(strstr(err.msg, "non-finite"));
    ts_talks_workspace_free(ws);
}

static void test_deterministic_and_budget(void **state)
{
    (void)state;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(5, 10);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 99);
    quad_ctx c;
    random_quad(rng, 5, &c);
    double lo[5] = {0}, hi[5] = {1, 1, 1, 1, 1}, x0[5] = {0.5, 0.5, 0.5, 0.5, 0.5};
    ts_talks_problem p = {.n = 5, .lo = lo, .hi = hi, .x0 = x0, .value = quad_value, .ctx = &c};
    quad_value(x0, p.d, &c);
    double w[2] = {0.4, 0.6};
    ts_talks_result a, b;
    assert_int_equal(ts_talks_nash(ws, &p, w, 0, &a, NULL), TS_OK);
    assert_int_equal(ts_talks_nash(ws, &p, w, 0, &b, NULL), TS_OK);
    assert_memory_equal(a.x, b.x, 5 * sizeof(double));
    assert_int_equal(a.evaluations, b.evaluations);
    /* more starts can only find a Nash product as high or higher (within
     * the solver's accuracy on this concave problem) */
    p.starts = 4;
    assert_int_equal(ts_talks_nash(ws, &p, w, 0, &b, NULL), TS_OK);
    assert_true(nash_objective(b.value, p.d, w) >= nash_objective(a.value, p.d, w) - 1e-6);
    assert_true(b.evaluations > a.evaluations);
    p.starts = 0;
    p.max_evals = 50;   /* the budget caps the work; 4 start candidates extra */
    assert_int_equal(ts_talks_nash(ws, &p, w, 0, &b, NULL), TS_OK);
    assert_true(b.evaluations <= 54);
    p.max_evals = 1;    /* the smallest budget is a budget too */
    assert_int_equal(ts_talks_nash(ws, &p, w, 0, &b, NULL), TS_OK);
    assert_true(b.evaluations <= 5);
    assert_true(b.value[0] - p.d[0] >= 0 || b.value[1] - p.d[1] >= 0);
    gsl_rng_free(rng);
    ts_talks_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nash_unit_surplus),
        cmocka_unit_test(test_nash_scale_invariant),
        cmocka_unit_test(test_nash_random_agendas),
        cmocka_unit_test(test_nash_no_zone),
        cmocka_unit_test(test_rubinstein_closed_form),
        cmocka_unit_test(test_rubinstein_limit),
        cmocka_unit_test(test_rubinstein_gains_discounted),
        cmocka_unit_test(test_rubinstein_curved),
        cmocka_unit_test(test_offers_scale_invariant),
        cmocka_unit_test(test_rubinstein_individually_rational),
        cmocka_unit_test(test_concession_closed_form),
        cmocka_unit_test(test_concession_one_round),
        cmocka_unit_test(test_concession_boulware_later),
        cmocka_unit_test(test_concession_symmetric),
        cmocka_unit_test(test_concession_individually_rational),
        cmocka_unit_test(test_concession_no_zone),
        cmocka_unit_test(test_newton_unit_surplus),
        cmocka_unit_test(test_newton_workspace_reuse),
        cmocka_unit_test(test_newton_random_agendas),
        cmocka_unit_test(test_newton_not_separable),
        cmocka_unit_test(test_newton_no_zone_and_failures),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_deterministic_and_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
