/* Benchmark: the talks solvers' own cost around their evaluations.
 *
 * docs/performance.md's target (a 5-lever Nash talk with roll-outs <= 50 us at 1e-4 of
 * each range) is measured with the engine's roll-out by bench_agreement;
 * this one shows how much the solver adds around the evaluations. The value
 * function stands in for a roll-out, deliberately heavier than the engine's:
 * 13 steps (a 90-day agreement in weeks) over 5 issues shaped like the
 * model's kinds (two tariffs, a chip licence with decaying capability and
 * eroding market share, an export control with falling dependence, a
 * pledge), one pow() per issue and step, discounted. Like the engine's it is
 * a sum of one term per lever, so a lever function (one issue's 13 steps)
 * gives the trust-region Newton method its derivatives. Its own cost is
 * timed alone, so the figures show the time per talk and how much of it
 * the solver adds around the evaluations.
 *
 *   bench_talks [talks] [xtol]    (default 2000, 1e-4)
 * prints, for the simplex (the baseline) and the Newton method, us per talk
 * (median of 5 batches), evaluations per talk, the cost of the evaluations
 * alone and the solver's share, the ratio to the baseline and the largest
 * package distance between the two; then an alternating talk. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_sort.h>

#include "benchutil.h"
#include "tradesim/talks.h"

#define STEPS 13

typedef struct {
    double disc;   /* per-step discount factor */
    double dt;     /* step length in years */
} rollout;

/* Values of both actors over STEPS steps with levers x (all in [0, 1]). */
static ts_status rollout_value(const double *x, double out[2], void *ctx)
{
    const rollout *r = ctx;
    double ua = 0, ub = 0, df = 1.0;
    double m = 0.6, dep = 0.9;   /* market share, rare-earth dependence */
    for (int t = 0; t < STEPS; t++) {
        double years = t * r->dt;
        /* tariffs: A on imports from B (439bn), B on imports from A (144bn) */
        double ma = 439.0 * pow(1.0 + x[0], -2.0), mb = 144.0 * pow(1.0 + x[1], -1.5);
        double fa = 0.3 * x[0] * ma - 0.35 * x[0] * (439.0 - ma);
        double fb = 0.3 * x[1] * mb - 0.35 * x[1] * (144.0 - mb);
        fa -= 0.3 * x[1] * mb + 0.15 * x[1] * (144.0 - mb);
        fb -= 0.3 * x[0] * ma + 0.15 * x[0] * (439.0 - ma);
        /* chip licence owned by A: restriction x[2] */
        double v = pow(0.5, years / 1.5);
        double open = (1.0 - x[2]) * m;
        fa += (0.6 * 0.45 + 0.15) * 16.0 * open - 12.0 * v * open;
        fb += 30.0 * v * open;
        m += r->dt * (-0.5 * x[2] * m + 0.2 * (1.0 - x[2]) * (1.0 - m));
        /* export control owned by B: share withheld x[3] */
        fa -= 80.0 * pow(x[3] * dep, 1.5);
        fb -= 20.0 * x[3] * dep + 5.0 * x[3];
        dep -= r->dt * (0.3 * x[3] + 0.02) * dep;
        /* pledge owned by B: effort x[4], concave benefit to A */
        fa += 15.0 * pow(x[4], 0.8);
        fb -= 6.0 * x[4];
        ua += df * fa * r->dt;
        ub += df * fb * r->dt;
        df *= r->disc;
    }
    out[0] = ua;
    out[1] = ub;
    return TS_OK;
}

/* Lever j's terms of rollout_value (the same arithmetic, one lever). */
static ts_status lever_value(int j, double xj, double out[2], void *ctx)
{
    const rollout *r = ctx;
    double ua = 0, ub = 0, df = 1.0, m = 0.6, dep = 0.9;
    for (int t = 0; t < STEPS; t++) {
        double fa = 0, fb = 0;
        switch (j) {
        case 0: {
            double ma = 439.0 * pow(1.0 + xj, -2.0);
            fa = 0.3 * xj * ma - 0.35 * xj * (439.0 - ma);
            fb = -(0.3 * xj * ma + 0.15 * xj * (439.0 - ma));
            break;
        }
        case 1: {
            double mb = 144.0 * pow(1.0 + xj, -1.5);
            fb = 0.3 * xj * mb - 0.35 * xj * (144.0 - mb);
            fa = -(0.3 * xj * mb + 0.15 * xj * (144.0 - mb));
            break;
        }
        case 2: {
            double v = pow(0.5, t * r->dt / 1.5), open = (1.0 - xj) * m;
            fa = (0.6 * 0.45 + 0.15) * 16.0 * open - 12.0 * v * open;
            fb = 30.0 * v * open;
            m += r->dt * (-0.5 * xj * m + 0.2 * (1.0 - xj) * (1.0 - m));
            break;
        }
        case 3:
            fa = -80.0 * pow(xj * dep, 1.5);
            fb = -(20.0 * xj * dep + 5.0 * xj);
            dep -= r->dt * (0.3 * xj + 0.02) * dep;
            break;
        default:
            fa = 15.0 * pow(xj, 0.8);
            fb = -6.0 * xj;
            break;
        }
        ua += df * fa * r->dt;
        ub += df * fb * r->dt;
        df *= r->disc;
    }
    out[0] = ua;
    out[1] = ub;
    return TS_OK;
}

int main(int argc, char **argv)
{
    int talks = argc > 1 ? atoi(argv[1]) : 2000;
    if (talks < 1)
        talks = 1;
    rollout r = {pow(1.0 / 1.03, 7.0 / 365.25), 7.0 / 365.25};
    double lo[5] = {0, 0, 0, 0, 0}, hi[5] = {1, 1, 1, 1, 1};
    double x0[5] = {0.8, 0.8, 1.0, 0.8, 0.0};   /* trade war: the status quo */
    ts_talks_problem p = {.n = 5, .lo = lo, .hi = hi, .x0 = x0, .value = rollout_value,
                          .ctx = &r};
    if (argc > 2)
        p.xtol = atof(argv[2]);
    rollout_value(x0, p.d, &r);
    ts_talks_workspace *ws = ts_talks_workspace_alloc(5, 10);
    if (!ws)
        return 3;
    double w[2] = {0.5, 0.5};
    ts_talks_result res;
    ts_error err;

    /* baseline: the value function alone */
    double sink = 0, v[2], xs[5];
    int nv = 200000;
    double t0 = bench_now();
    for (int i = 0; i < nv; i++) {
        for (int k = 0; k < 5; k++)
            xs[k] = (double)((i + k * 7919) % 1000) / 1000.0;
        rollout_value(xs, v, &r);
        sink += v[0] + v[1];
    }
    double us_eval = (bench_now() - t0) / nv * 1e6;

    double lv[2], us_lever = 0;
    t0 = bench_now();
    for (int i = 0; i < nv; i++) {
        lever_value(i % 5, (double)(i % 1000) / 1000.0, lv, &r);
        sink += lv[0];
    }
    us_lever = (bench_now() - t0) / nv * 1e6;

    double base_us = 0, xs_base[5];
    for (int method = 0; method < 2; method++) {
        p.lever = method ? lever_value : NULL;
        double batch_us[5];
        long evals = 0, levals = 0;
        int deals = 0;
        for (int b = 0; b < 5; b++) {
            t0 = bench_now();
            for (int i = 0; i < talks; i++) {
                /* a slightly different disagreement point each talk, as in a run */
                p.d[0] -= 1e-9;
                if (ts_talks_nash(ws, &p, w, 0.0, &res, &err) != TS_OK) {
                    fprintf(stderr, "bench_talks: %s\n", err.msg);
                    return 3;
                }
                evals += res.evaluations;
                levals += res.lever_evaluations;
                deals += res.agreement;
                sink += res.x[0];
            }
            batch_us[b] = (bench_now() - t0) / talks * 1e6;
        }
        gsl_sort(batch_us, 1, 5);
        double ev = (double)evals / (5.0 * talks), lev = (double)levals / (5.0 * talks);
        double cost = ev * us_eval + lev * us_lever;
        if (method == 0) {
            base_us = batch_us[2];
            for (int k = 0; k < 5; k++)
                xs_base[k] = res.x[k];
            printf("nash talk, 5 levers, stand-in %d-step roll-out (pow-heavy, not the engine's), "
                   "simplex (baseline): %.1f us/talk, %.0f evaluations/talk, %.3f us/evaluation "
                   "alone (%.1f us of evaluations, solver overhead %.0f%%), deals %d/%d\n",
                   STEPS, batch_us[2], ev, us_eval, cost,
                   100.0 * (batch_us[2] - cost) / batch_us[2], deals, 5 * talks);
        } else {
            double dx = 0;
            for (int k = 0; k < 5; k++)
                dx = fmax(dx, fabs(res.x[k] - xs_base[k]));
            printf("nash talk, 5 levers, same roll-out, trust-region Newton with one-lever "
                   "roll-outs: %.1f us/talk (ratio to the baseline %.3f), %.0f evaluations + "
                   "%.0f one-lever evaluations (%.3f us each)/talk (%.1f us of evaluations, "
                   "solver overhead %.0f%%), deals %d/%d; package within %.2g of the "
                   "simplex's\n",
                   batch_us[2], batch_us[2] / base_us, ev, lev, us_lever, cost,
                   100.0 * (batch_us[2] - cost) / batch_us[2], deals, 5 * talks, dx);
        }
    }
    printf("  package: tariffs %.3f %.3f, licence restriction %.3f, export control %.3f, "
           "pledge %.3f; gains %.2f %.2f bn\n",
           res.x[0], res.x[1], res.x[2], res.x[3], res.x[4], res.gain[0], res.gain[1]);
    p.lever = NULL;

    int at = talks / 20 > 0 ? talks / 20 : 1;
    double beta[2] = {1.0, 1.0};
    long evals = 0;
    t0 = bench_now();
    for (int i = 0; i < at; i++) {
        if (ts_talks_alternating(ws, &p, beta, 10, 0.0, &res, &err) != TS_OK) {
            fprintf(stderr, "bench_talks: %s\n", err.msg);
            return 3;
        }
        evals += res.evaluations;
    }
    double us_alt = (bench_now() - t0) / at * 1e6;
    printf("alternating talk, 10 rounds, beta 1: %.1f us/talk, %.0f evaluations/talk, "
           "agreement in round %d\n", us_alt, (double)evals / at, res.round);
    ts_talks_workspace_free(ws);
    return sink == 42.0;   /* keeps the work from being optimised away */
}
