/* Benchmark: exact aggregates of a run in blocks (target: under 20% of a
 * no-talk run), on one thread.
 *
 * Runs the scenario's replicates (talks not held) in blocks of 8 MiB: once
 * with nothing else (the baseline: the no-talk run's simulation), once as
 * ts_output_run does by default (one pass: the means and the brackets as
 * each block ends, then the selection), and once as it does when a rank
 * falls outside its bracket or the brackets do not fit (two passes: means,
 * sample and counts; the plan; the replicates run again and the wanted cells
 * kept; the selection). Prints each one's aggregate work, and the second
 * pass's simulation, against the baseline, and checks both results against
 * the in-memory aggregates (ts_output_aggregates) bit for bit when
 * R x T x C fits 2 GiB.
 *
 *   bench_stream SCENARIO.cfg [R] [one]     (default R 100000; one: the one pass
 *   alone, without the two passes and the in-memory check) */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/io/output_impl.h"
#include "benchutil.h"
#include "tradesim/engine.h"
#include "tradesim/output.h"

static int fail(const ts_error *err)
{
    fprintf(stderr, "bench_stream: %s\n", err->msg);
    return 3;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_stream SCENARIO.cfg [R] [one]\n");
        return 2;
    }
    int R = argc > 2 ? atoi(argv[2]) : 100000;
    bool only_one = argc > 3 && strcmp(argv[3], "one") == 0;
    ts_error err;
    ts_scenario *sc = ts_scenario_load(argv[1], NULL, 0, &err);
    if (!sc)
        return fail(&err);
    sc->replicates = R > 0 ? R : 1;
    ts_engine *e = ts_engine_alloc(sc, &err);
    if (!e)
        return 3;
    int T = sc->calendar.steps, C = ts_engine_n_columns(e);
    size_t row = (size_t)T * (size_t)C * sizeof(double);
    int B = (int)((8u << 20) / row);
    B = B < 1 ? 1 : B > R ? R : B;
    ts_engine_opts opts = {.threads = 1};
    ts_run *run = ts_run_alloc(e, B);
    ts_aggs *a = ts_aggs_alloc(R, T, C, 4096);
    ts_agg1 *one = ts_agg1_alloc(R, T, C, (size_t)512 << 20, 6.0);
    double *stats1 = malloc((size_t)T * (size_t)C * 4 * sizeof *stats1);
    if (!run || !a || !one || !stats1) {
        fprintf(stderr, "bench_stream: out of memory\n");
        return 3;
    }
    /* the baseline: the replicates alone */
    double t0 = bench_now();
    for (int k0 = 0; k0 < R; k0 += B)
        if (ts_engine_run_block(e, &opts, run, k0, R - k0 < B ? R - k0 : B, &err) != TS_OK)
            return fail(&err);
    double t_sim = bench_now() - t0, t_one = 0.0, t_agg = 0.0, t_resim = 0.0;
    /* one pass */
    for (int k0 = 0; k0 < R; k0 += B) {
        if (ts_engine_run_block(e, &opts, run, k0, R - k0 < B ? R - k0 : B, &err) != TS_OK)
            return fail(&err);
        double t1 = bench_now();
        if (ts_agg1_add(one, run, 1, &err) != TS_OK)
            return fail(&err);
        t_one += bench_now() - t1;
    }
    t0 = bench_now();
    bool held = ts_agg1_finish(one, stats1);
    t_one += bench_now() - t0;
    if (only_one) {
        printf("stream: %s, %d replicates x %d steps x %d columns, blocks of %d, 1 thread, talks "
               "not held\n",
               sc->name, R, T, C, B);
        printf("stream: no-talk run %.2f s; exact aggregates in one pass %.2f s = %.0f%% of it "
               "(target < 20%%)%s\n",
               t_sim, t_one, 100.0 * t_one / t_sim, held ? "" : " (a rank fell outside)");
        ts_aggs_free(a);
        ts_agg1_free(one);
        free(stats1);
        ts_run_free(run);
        ts_engine_free(e);
        ts_scenario_free(sc);
        return 0;
    }
    /* two passes */
    for (int k0 = 0; k0 < R; k0 += B) {
        if (ts_engine_run_block(e, &opts, run, k0, R - k0 < B ? R - k0 : B, &err) != TS_OK)
            return fail(&err);
        double t1 = bench_now();
        if (ts_aggs_pass1(a, run, 1, &err) != TS_OK)
            return fail(&err);
        t_agg += bench_now() - t1;
    }
    t0 = bench_now();
    int rounds = ts_aggs_plan(a, (size_t)256 << 20);
    t_agg += bench_now() - t0;
    for (int r = 0; r < rounds; r++) {
        for (int k0 = 0; k0 < R; k0 += B) {
            double t1 = bench_now();
            if (ts_engine_run_block(e, &opts, run, k0, R - k0 < B ? R - k0 : B, &err) != TS_OK)
                return fail(&err);
            double t2 = bench_now();
            t_resim += t2 - t1;
            if (ts_aggs_pass2(a, r, run, 1, &err) != TS_OK)
                return fail(&err);
            t_agg += bench_now() - t2;
        }
        t0 = bench_now();
        ts_aggs_select(a, r);
        t_agg += bench_now() - t0;
    }
    size_t bytes = (size_t)T * (size_t)C * 4 * sizeof(double);
    const char *check = "not checked (the whole store exceeds 2 GiB)";
    if ((double)R * (double)row <= (double)(2u << 30)) {
        ts_run *whole = NULL;
        if (ts_engine_run(e, &opts, &whole, &err) != TS_OK)
            return fail(&err);
        double *s = ts_output_aggregates(whole, 1);
        check = s && held && memcmp(s, stats1, bytes) == 0 && memcmp(s, ts_aggs_stats(a), bytes) == 0
                    ? "(same bits) as in memory, both"
                    : "BITS DIFFER from in memory";
        free(s);
        ts_run_free(whole);
    } else if (!held) {
        check = "ONE PASS DID NOT HOLD";
    }
    printf("stream: %s, %d replicates x %d steps x %d columns, blocks of %d, 1 thread, talks "
           "not held\n",
           sc->name, R, T, C, B);
    printf("stream: no-talk run %.2f s; exact aggregates in one pass %.2f s = %.0f%% of it "
           "(target < 20%%)%s\n",
           t_sim, t_one, 100.0 * t_one / t_sim, held ? "" : " (a rank fell outside: two passes)");
    printf("stream: in two passes (a rank outside or brackets too large) %.2f s = %.0f%%, and the "
           "second pass's simulation %.2f s = %.0f%%; %d round(s); %s\n",
           t_agg, 100.0 * t_agg / t_sim, t_resim, 100.0 * t_resim / t_sim, rounds, check);
    int bad = strstr(check, "DIFFER") != NULL;
    ts_aggs_free(a);
    ts_agg1_free(one);
    free(stats1);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);
    return bad;
}
