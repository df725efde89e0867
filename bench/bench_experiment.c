/* Benchmark: an experiment's overhead per design point beyond the engine's
 * own time (target: under 1 ms a point), on one thread.
 *
 * The baseline runs each point of a Latin hypercube of N points as the
 * engine alone would (the scenario's replicates with the point's values,
 * into one run reused from point to point, nothing else). The experiment
 * then runs the same design twice: in memory (ts_experiment_run_block: the
 * pool, a run allocated per point, the outcome means) and whole
 * (ts_experiment_run: that, design.csv, the resumable partial file, points.csv,
 * sensitivity.csv with its bootstrap intervals, scenario.cfg). Each minus the
 * baseline, divided by N, is its overhead per point; best of three, in CPU
 * seconds of the process (the machine is shared: wall time says little),
 * with the wall time of the whole experiment beside it (fsync waits).
 *
 *   bench_experiment SCENARIO.cfg [N] [DIR]   (default N 400, DIR /tmp) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchutil.h"
#include "tradesim/agreement.h"
#include "tradesim/engine.h"
#include "tradesim/experiment.h"
#include "tradesim/fs.h"

static int fail(const ts_error *err)
{
    fprintf(stderr, "bench_experiment: %s\n", err->msg);
    return 3;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double min3(double a, double b, double c)
{
    double m = a < b ? a : b;
    return m < c ? m : c;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_experiment SCENARIO.cfg [N] [DIR]\n");
        return 2;
    }
    int N = argc > 2 ? atoi(argv[2]) : 400;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    ts_error err;
    ts_scenario *sc = ts_scenario_load(argv[1], NULL, 0, &err);
    if (!sc)
        return fail(&err);
    ts_experiment_opts o = {.design = TS_EXP_LHS, .n = N > 0 ? N : 1, .threads = 1};
    double *x = NULL;
    int P = 0;
    if (ts_experiment_points(sc, &o, &x, &P, &err) != TS_OK)
        return fail(&err);
    ts_engine *e = ts_engine_alloc(sc, &err);
    int M = 0;
    char (*names)[TS_OUTCOME_NAME] = ts_experiment_metrics(sc, &M);
    double *y = calloc((size_t)P * (size_t)M + 1, sizeof *y);
    ts_run *run = e ? ts_run_alloc(e, sc->replicates) : NULL;
    if (!e || !names || !y || !run) {
        fprintf(stderr, "bench_experiment: out of memory\n");
        return 3;
    }
    char folder[4096];
    snprintf(folder, sizeof folder, "%s/bench_experiment.%ld", dir, (long)getpid());
    if (ts_fs_mkdirs(folder, &err) != TS_OK)
        return fail(&err);

    double t_engine[3], t_mem[3], t_whole[3], wall = 1e300;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = cpu_now();
        for (int p = 0; p < P; p++) {
            ts_engine_opts eo = {.threads = 1, .values = x + (size_t)p * sc->n_uncertain};
            ts_agreement_hook_opts(&eo, NULL);
            if (ts_engine_run_block(e, &eo, run, 0, sc->replicates, &err) != TS_OK)
                return fail(&err);
        }
        t_engine[rep] = cpu_now() - t0;
        t0 = cpu_now();
        if (ts_experiment_run_block(sc, &o, y, &err) != TS_OK)
            return fail(&err);
        t_mem[rep] = cpu_now() - t0;
        t0 = cpu_now();
        double w0 = bench_now();
        if (ts_experiment_run(sc, folder, &o, NULL, &err) != TS_OK)
            return fail(&err);
        t_whole[rep] = cpu_now() - t0;
        double w = bench_now() - w0;
        wall = w < wall ? w : wall;
    }
    double te = min3(t_engine[0], t_engine[1], t_engine[2]);
    double tm = min3(t_mem[0], t_mem[1], t_mem[2]);
    double tw = min3(t_whole[0], t_whole[1], t_whole[2]);
    printf("experiment: %s, lhs of %d points x %d replicates, one thread, best of 3, CPU seconds\n",
           sc->name, P, sc->replicates);
    printf("  engine alone %.3f s (%.3f ms a point)\n", te, 1e3 * te / P);
    printf("  in memory    %.3f s: overhead %.3f ms a point\n", tm, 1e3 * (tm - te) / P);
    printf("  with files   %.3f s: overhead %.3f ms a point   (target < 1 ms; wall %.3f s)\n",
           tw, 1e3 * (tw - te) / P, wall);

    static const char *const files[] = {TS_EXP_DESIGN, TS_EXP_POINTS, TS_EXP_SENSITIVITY,
                                        TS_EXP_SCENARIO, TS_EXP_PARTIAL};
    char path[4200];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", folder, files[i]);
        unlink(path);
    }
    rmdir(folder);
    ts_run_free(run);
    free(y);
    free(names);
    free(x);
    ts_engine_free(e);
    ts_scenario_free(sc);
    return 0;
}
