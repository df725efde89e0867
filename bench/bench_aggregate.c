/* Benchmark: the aggregates of aggregate.csv for 10,000 replicates (target
 * and issue: without sorting costs that dominate the run).
 *
 * Runs the scenario's engine (talks not held) with R replicates on one
 * thread, then times ts_output_aggregates on one thread against a baseline
 * measured in the same run: for every step and column, the column gathered,
 * its mean, a full gsl_sort and gsl_stats_quantile_from_sorted_data,
 * the straightforward way (the mean Neumaier's compensated sum as he wrote
 * it, with its branch). Both must give the same bits (checked). The
 * engine's own time is printed too, to show the share the aggregates take.
 *
 *   bench_aggregate SCENARIO.cfg [R]     (default R 10000; best of 3) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <math.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "benchutil.h"
#include "tradesim/engine.h"
#include "tradesim/output.h"

#define REPEAT 3

/* The column's compensated sum (Neumaier 1974), divided by n. */
static double mean_of(const double *x, size_t n)
{
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = s + x[i];
        if (fabs(s) >= fabs(x[i]))
            c += (s - t) + x[i];
        else
            c += (x[i] - t) + s;
        s = t;
    }
    return (isfinite(s) ? s + c : s) / (double)n;
}

/* The straightforward aggregates, laid out as ts_output_aggregates'. */
static double *baseline(const ts_run *run)
{
    static const double probs[3] = {0.05, 0.50, 0.95};
    size_t R = (size_t)run->R, C = (size_t)run->C, T = (size_t)run->T;
    double *stats = malloc((T * C * 4 + 1) * sizeof *stats), *col = malloc((R + 1) * sizeof *col);
    if (!stats || !col) {
        free(stats);
        free(col);
        return NULL;
    }
    for (size_t t = 0; t < T; t++)
        for (size_t j = 0; j < C; j++) {
            for (size_t k = 0; k < R; k++)
                col[k] = run->traj[(k * T + t) * C + j];
            double *out = stats + (t * C + j) * 4;
            out[0] = mean_of(col, R);
            gsl_sort(col, 1, R);
            for (int q = 0; q < 3; q++)
                out[1 + q] = gsl_stats_quantile_from_sorted_data(col, 1, R, probs[q]);
        }
    free(col);
    return stats;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_aggregate SCENARIO.cfg [R]\n");
        return 2;
    }
    int R = argc > 2 ? atoi(argv[2]) : 10000;
    ts_error err;
    ts_scenario *sc = ts_scenario_load(argv[1], NULL, 0, &err);
    if (!sc) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    sc->replicates = R > 0 ? R : 1;
    ts_engine *e = ts_engine_alloc(sc, &err);
    if (!e)
        return 3;
    ts_engine_opts opts = {.threads = 1};
    ts_run *run = NULL;
    double t0 = bench_now();
    if (ts_engine_run(e, &opts, &run, &err) != TS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 3;
    }
    double t_engine = bench_now() - t0;
    double best_a = 1e30, best_b = 1e30;
    double *a = NULL, *b = NULL;
    for (int rep = 0; rep < REPEAT; rep++) {
        free(a);
        free(b);
        t0 = bench_now();
        a = ts_output_aggregates(run, 1);
        double t1 = bench_now();
        b = baseline(run);
        double t2 = bench_now();
        if (!a || !b) {
            fprintf(stderr, "bench_aggregate: out of memory\n");
            return 3;
        }
        best_a = t1 - t0 < best_a ? t1 - t0 : best_a;
        best_b = t2 - t1 < best_b ? t2 - t1 : best_b;
    }
    size_t cells = (size_t)run->T * (size_t)run->C;
    int same = memcmp(a, b, cells * 4 * sizeof *a) == 0;
    printf("aggregates: %s, %d replicates x %d steps x %d columns, 1 thread, best of %d\n",
           sc->name, run->R, run->T, run->C, REPEAT);
    printf("aggregates: %7.1f ms   gather+mean+sort per column %7.1f ms   ratio %.1fx   "
           "(%s)\n",
           best_a * 1e3, best_b * 1e3, best_b / best_a, same ? "same bits" : "BITS DIFFER");
    printf("aggregates: engine run %.1f ms: aggregates are %.0f%% of engine + aggregates\n",
           t_engine * 1e3, 100.0 * best_a / (best_a + t_engine));
    free(a);
    free(b);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);
    return same ? 0 : 1;
}
