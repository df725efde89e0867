/* Benchmark: one Nash talk on a 5-lever agenda through the engine's roll-out
 * (DESIGN 7: <= 200 us), at several solver accuracies.
 *
 *   bench_agreement SCENARIO.cfg [talks]     (default 500)
 * The scenario's first talk is negotiated from its state at step 0 (after
 * step-0 events), the way the talks hook does it. Baseline: one roll-out
 * alone, so the figure shows how many roll-outs a talk costs. For each xtol
 * it prints us per talk (median of 5 batches), evaluations per talk, the
 * ratio to the 200 us target and the package's largest distance from the
 * package at xtol 1e-6 (share of the lever's range). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tradesim/agreement.h"

#define TARGET_US 200.0

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_agreement SCENARIO.cfg [talks]\n");
        return 2;
    }
    int talks = argc > 2 ? atoi(argv[2]) : 500;
    if (talks < 1)
        talks = 1;
    ts_error err;
    ts_scenario *sc = ts_scenario_load(argv[1], NULL, 0, &err);
    if (!sc || sc->n_talks < 1) {
        fprintf(stderr, "bench_agreement: %s\n", sc ? "the scenario has no talk" : err.msg);
        return 2;
    }
    ts_engine *e = ts_engine_alloc(sc, &err);
    ts_replicate *r = e ? ts_replicate_alloc(e) : NULL;
    const ts_talk *tk = &sc->talks[0];
    ts_talks_workspace *ws = ts_talks_workspace_alloc(tk->n_agenda, tk->rounds);
    if (!r || !ws)
        return 3;
    ts_replicate_reset(e, r, 0);
    /* step-0 events only: the talk sees the state the hook would see */
    ts_talks_result res, ref;
    double d[2], sink = 0.0;

    double lv[TS_MAX_ISSUES], out[2];
    for (int k = 0; k < tk->n_agenda; k++)
        lv[k] = r->w.st[tk->agenda[k]].x;
    int nv = 20000;
    double t0 = now();
    for (int i = 0; i < nv; i++) {
        lv[0] = (double)(i % 1000) / 500.0;
        ts_engine_rollout(&r->w, tk->agenda, lv, tk->n_agenda, tk->duration_steps, true, out);
        sink += out[0];
    }
    double us_eval = (now() - t0) / nv * 1e6;
    printf("roll-out alone: %d steps x %d issues, %.3f us\n", tk->duration_steps, sc->n_issues,
           us_eval);

    ts_agreement_opts fine = {1e-6, 0, 0};
    if (ts_agreement_negotiate(&fine, ws, &r->w, tk, NULL, &ref, d, &err) != TS_OK) {
        fprintf(stderr, "bench_agreement: %s\n", err.msg);
        return 3;
    }
    const double xtols[] = {1e-4, 1e-3, 1e-2};
    for (size_t j = 0; j < sizeof xtols / sizeof xtols[0]; j++) {
        ts_agreement_opts o = {xtols[j], 0, 0};
        double batch[5];
        long evals = 0;
        for (int b = 0; b < 5; b++) {
            t0 = now();
            for (int i = 0; i < talks; i++) {
                if (ts_agreement_negotiate(&o, ws, &r->w, tk, NULL, &res, d, &err) != TS_OK) {
                    fprintf(stderr, "bench_agreement: %s\n", err.msg);
                    return 3;
                }
                evals += res.evaluations;
                sink += res.x[0];
            }
            batch[b] = (now() - t0) / talks * 1e6;
        }
        qsort(batch, 5, sizeof batch[0], cmp);
        double dx = 0.0, dg = 0.0;
        for (int k = 0; k < tk->n_agenda; k++) {
            const ts_issue *is = &sc->issues[tk->agenda[k]];
            double q = fabs(res.x[k] - ref.x[k]) / (is->max - is->min);
            dx = q > dx ? q : dx;
        }
        for (int a = 0; a < 2; a++) {
            double q = fabs(res.gain[a] - ref.gain[a]) / fabs(ref.gain[a]);
            dg = q > dg ? q : dg;
        }
        printf("nash talk, 5 levers, engine roll-out, xtol %.0e%s: %.1f us/talk (target %.0f us, "
               "ratio %.2f), %.0f evaluations/talk; package within %.2g of the range, gains "
               "within %.2g (relative) of xtol 1e-6's\n",
               xtols[j], xtols[j] == TS_AGREEMENT_XTOL ? " (engine default)" : "", batch[2],
               TARGET_US, batch[2] / TARGET_US, (double)evals / (5.0 * talks), dx, dg);
    }
    printf("  package at xtol 1e-6:");
    for (int k = 0; k < tk->n_agenda; k++)
        printf(" %s %.4g", sc->issues[tk->agenda[k]].id, ref.x[k]);
    printf("; gains %.4g %.4g bn\n", ref.gain[0], ref.gain[1]);
    ts_talks_workspace_free(ws);
    ts_replicate_free(r);
    ts_engine_free(e);
    ts_scenario_free(sc);
    return sink == 42.0;
}
