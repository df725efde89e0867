/* Benchmark: the subgame-perfect alternating-offers talk through the engine's
 * roll-out, for 1, 10, 100 and 1000 rounds.
 *
 *   bench_rubinstein SCENARIO.cfg [seconds]     (default 0.5 per figure)
 * The scenario's first talk, with protocol = "alternating" and the rounds
 * set here, is negotiated from its state at step 0 the way the talks hook
 * does it, repeated for about `seconds`. Prints us per talk (median of 3
 * batches), evaluations per talk, the rounds actually solved by backward
 * induction (fewer once the continuation values repeat) and the opener's
 * gain. Baseline: one roll-out, so a talk reads as a count of roll-outs. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_sort.h>

#include "benchutil.h"
#include "tradesim/agreement.h"
#include "tradesim/rollout.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_rubinstein SCENARIO.cfg [seconds]\n");
        return 2;
    }
    double budget = argc > 2 ? atof(argv[2]) : 0.5;
    ts_error err;
    const char *ov[] = {"talks.[0].protocol=\"alternating\""};
    ts_scenario *sc = ts_scenario_load(argv[1], ov, 1, &err);
    if (!sc || sc->n_talks < 1) {
        fprintf(stderr, "bench_rubinstein: %s\n", sc ? "the scenario has no talk" : err.msg);
        return 2;
    }
    ts_engine *e = ts_engine_alloc(sc, &err);
    ts_replicate *r = e ? ts_replicate_alloc(e) : NULL;
    ts_talks_workspace *ws = ts_talks_workspace_alloc(sc->talks[0].n_agenda, 1000);
    if (!r || !ws) {
        fprintf(stderr, "bench_rubinstein: out of memory\n");
        return 3;
    }
    ts_replicate_reset(e, r, 0);
    ts_talk tk = sc->talks[0];
    double out[2], sink = 0.0;
    double t0 = bench_now();
    long n = 0;
    while (bench_now() - t0 < 0.2) {
        ts_world_rollout(&r->w, tk.agenda, NULL, 0, tk.duration_steps, false, out);
        sink += out[0];
        n++;
    }
    double us_eval = (bench_now() - t0) / n * 1e6;
    printf("%s: %d levers, %d-step roll-out %.3f us; per-step factors %.6g %.6g, round_length %d\n",
           sc->name, tk.n_agenda, tk.duration_steps, us_eval, r->w.factor[0], r->w.factor[1],
           tk.round_length);
    static const int rounds[] = {1, 10, 100, 1000};
    for (size_t j = 0; j < sizeof rounds / sizeof rounds[0]; j++) {
        tk.rounds = rounds[j];
        ts_talks_result res;
        double d[2], batch[3];
        int reps = 1;
        for (int b = 0; b < 3; b++) {
            double t = bench_now();
            int done = 0;
            do {
                if (ts_agreement_negotiate(NULL, ws, &r->w, &tk, NULL, &res, d, &err) != TS_OK) {
                    fprintf(stderr, "bench_rubinstein: %s\n", err.msg);
                    return 3;
                }
                sink += res.x[0];
                done++;
            } while (b == 0 ? bench_now() - t < budget / 3 : done < reps);
            if (b == 0)
                reps = done;
            batch[b] = (bench_now() - t) / done * 1e6;
        }
        gsl_sort(batch, 1, 3);
        printf("  %4d rounds: %10.1f us/talk, %8d evaluations (%.0f roll-outs' time), %4d rounds "
               "solved, opener's gain %.6g, %s\n",
               rounds[j], batch[1], res.evaluations, batch[1] / us_eval, res.backward_rounds,
               res.gain[tk.opener], ts_talks_outcome_name(res.outcome));
    }
    ts_talks_workspace_free(ws);
    ts_replicate_free(r);
    ts_engine_free(e);
    ts_scenario_free(sc);
    return sink == 42.0;
}
