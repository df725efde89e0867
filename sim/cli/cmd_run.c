/* tradesim run: load one scenario, run its Monte Carlo replicates, write the
 * outcome files into DIR/<name>/.
 *
 * -r, -s and --trajectories are turned into overrides applied after every
 * --set (monte_carlo.replicates, monte_carlo.seed, output.trajectories), so
 * the resolved scenario.cfg records them and reproduces the run.
 *
 * SIGINT/SIGTERM during the run stop the workers after their current
 * replicate: nothing is written (an earlier complete folder stays complete)
 * and the exit code is 3. A signal that arrives while the files are being written
 * lets that short write finish (each file appears whole or not at all) and
 * is then reported the same way. */
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "tradesim/cli.h"
#include "tradesim/agreement.h"
#include "tradesim/engine.h"
#include "tradesim/interrupt.h"
#include "tradesim/output.h"
#include "tradesim/pool.h"
#include "tradesim/scenario.h"
#include "tradesim/resultdir.h"

typedef struct {
    FILE *err;
    const char *name;
} progress_ctx;

static void progress(void *ctx, long done, long total)
{
    const progress_ctx *p = ctx;
    fprintf(p->err, "\rtradesim run: %s: %ld/%ld replicates", p->name, done, total);
    if (done >= total)
        fputc('\n', p->err);
    fflush(p->err);
}

const ts_cli_spec ts_cmd_run_spec = {
    .name = "run",
    .summary = "run one scenario's Monte Carlo replicates, write outcome CSVs",
    .accept = "orsjStLqh",
    .min_pos = 1,
    .max_pos = 1,
    .what = "one scenario file",
    .usage =
    "usage: tradesim run SCENARIO.cfg [-o DIR] [-r N] [-s SEED] [-j THREADS]\n"
    "                    [--set KEY=VALUE]... [--trajectories N] [--log LEVEL] [-q]\n"
    "\n"
    "Runs SCENARIO.cfg and writes summary.csv, aggregate.csv, trajectories.csv,\n"
    "log.csv, agreements.csv and scenario.cfg into DIR/<name>/ (default DIR: results).\n"
    "\n"
    "  -o, --output DIR       output folder (default results)\n"
    "  -r, --replicates N     Monte Carlo replicates (overrides monte_carlo.replicates)\n"
    "  -s, --seed SEED        64-bit seed (overrides monte_carlo.seed)\n"
    "  -j, --jobs THREADS     worker threads; 0 = one per core (default 0)\n"
    "      --set KEY=VALUE    override a setting by path, e.g. actors.[0].reliability=0.5\n"
    "      --trajectories N   replicates whose full paths are written (-1 = all)\n"
    "      --log LEVEL        log.csv's rows: none, events or all (overrides output.log)\n"
    "  -q, --quiet            no progress on stderr\n"
    "\n"
    "Under mpirun (when built with MPI) the ranks split the replicates and rank 0\n"
    "writes DIR/<name>/, the same bytes as one process (docs/cluster.md).\n",
};

/* Runs the loaded scenario into its folder, locked and checked writable
 * before the first replicate, with the marker removed first and written last
 * (ts_result_seal), so a reader tells a complete folder from a mixed one;
 * reports the outcome (an interruption, an error, or the folder written).
 * The signal watcher covers every write. Returns the exit code. */
static int run_scenario(const ts_scenario *sc, const ts_cli_opts *o, int argc, char **argv,
                        ts_interrupt *in, ts_mpi_ranks *mpi, FILE *out, FILE *err)
{
    const char *dir = o->out ? o->out : "results";
    char folder[4096];
    ts_error e;
    ts_error_clear(&e);
    int lock = -1;
    if (!ts_result_folder(sc, dir, folder, sizeof folder))
        ts_error_set(&e, TS_EIO, "%s/%s: path too long", dir, sc->name);
    else if (ts_result_lock(dir, &lock, &e) == TS_OK)
        ts_result_prepare(folder, &e);
    ts_engine *eng = e.code == TS_OK ? ts_engine_alloc(sc, &e) : NULL;
    if (!eng) {
        ts_interrupt_stop(in);
        fprintf(err, "tradesim run: %s\n", e.msg);
        ts_result_unlock(lock);
        return e.code;
    }
    ts_result_run_info info = {.argc = argc, .argv = argv, .start = time(NULL)};
    progress_ctx pc = {.err = err, .name = sc->name};
    ts_engine_opts opts = {.threads = (int)(o->threads < 0 ? 0 : o->threads), .cancel = &in->flag};
    ts_agreement_hook_opts(&opts, NULL);
    if (mpi)
        ts_mpi_run_opts(&opts, mpi);
    if (!o->quiet && isatty(fileno(err))) {
        opts.progress = progress;
        opts.progress_ctx = &pc;
    }
    info.threads = ts_threads(opts.threads);
    /* A signal stops the run (opts.cancel) and nothing is written; one that
     * comes once the files are in place leaves them complete and sealed. */
    ts_result_digests dg;
    ts_status s = ts_output_run(eng, &opts, dir, NULL, &dg, &e);
    info.end = time(NULL);
    if (s == TS_OK)
        s = ts_result_seal(sc, folder, &info, &dg, &e);
    bool wrote = s == TS_OK;
    int sig = ts_interrupted(in);
    ts_interrupt_stop(in);
    sig = sig ? sig : ts_interrupted(in);
    if (sig) {
        if (opts.progress)
            fputc('\n', err);
        fprintf(err, "tradesim run: %s: interrupted by signal %d; %s\n", sc->name, sig,
                wrote ? "its output files were complete and are kept"
                      : "no output written (earlier files are untouched)");
        s = TS_EIO;
    } else if (s != TS_OK)
        fprintf(err, "%s\n", e.msg);
    else if (!o->quiet)
        fprintf(out, "%s: %d replicates x %d steps\n", folder, sc->replicates,
                sc->calendar.steps);
    ts_engine_free(eng);
    ts_result_unlock(lock);
    return s;
}

/* A rank other than 0: runs the parts rank 0 asks for, reporting nothing
 * itself (rank 0 reports its failures). Returns rank 0's exit code. */
static int serve(const ts_scenario *sc, const ts_cli_opts *o, ts_interrupt *in,
                 const ts_mpi_ranks *mpi)
{
    ts_error e;
    ts_error_clear(&e);
    ts_engine *eng = ts_engine_alloc(sc, &e);   /* NULL: each part it is asked for fails */
    ts_engine_opts opts = {.threads = (int)(o->threads < 0 ? 0 : o->threads), .cancel = &in->flag};
    ts_agreement_hook_opts(&opts, NULL);
    ts_status s = ts_mpi_run_serve(eng, &opts, mpi->rank, mpi->size);
    ts_interrupt_stop(in);
    ts_engine_free(eng);
    return s;
}

static int run(const ts_cli_opts *o, int argc, char **argv, ts_mpi_ranks *mpi, FILE *out,
               FILE *err);

int ts_cmd_run(int argc, char **argv, FILE *out, FILE *err)
{
    ts_interrupt_hold();   /* signals wait for the watcher, or end with the process */
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_run_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    rc = ts_cli_input_file("run", o.positional[0], "; to run every scenario in a folder: "
                                                   "tradesim batch", err);
    if (rc >= 0)
        return rc;
    /* Under mpirun every rank loads the scenario; rank 0 runs and writes it,
     * the others run their parts of its blocks of replicates. */
    bool mpi = false;
    ts_mpi_ranks mr = {.rank = 0, .size = 1};
    ts_error e;
    ts_error_clear(&e);
    if (ts_mpi_begin("run", "replicate", "", &mpi, &mr.rank, &mr.size, &e) != TS_OK) {
        fprintf(err, "%s\n", e.msg);
        return TS_EBAD;
    }
    rc = run(&o, argc, argv, mpi ? &mr : NULL, out, err);
    if (mpi)
        ts_mpi_stop();
    return rc;
}

/* Loads and runs the scenario (as rank mpi->rank of mpi->size when not
 * NULL). Returns the exit code. */
static int run(const ts_cli_opts *o, int argc, char **argv, ts_mpi_ranks *mpi, FILE *out,
               FILE *err)
{
    ts_cli_overrides ov;
    ts_cli_overrides_collect(o, &ov);
    ts_error e;
    ts_error_clear(&e);
    /* Watching from before loading: a signal while a large scenario loads
     * is reported as any other interruption. */
    ts_interrupt in;
    ts_interrupt_start(&in);
    ts_scenario *sc = ts_scenario_load(o->positional[0], ov.v, ov.n, &e);
    if (sc && ts_result_check_name(sc->name, o->positional[0], &e) != TS_OK) {
        ts_scenario_free(sc);
        sc = NULL;
    }
    int bad = ts_interrupted(&in) ? TS_EIO : sc ? TS_OK : e.code != TS_OK ? (int)e.code : TS_EBAD;
    /* Under MPI: rank 0 reports, or the rank that failed when rank 0 did not. */
    int bad0 = mpi ? ts_mpi_bcast(bad) : bad, worst = mpi ? ts_mpi_worst(bad) : bad;
    if (worst != TS_OK) {
        ts_interrupt_stop(&in);
        int sig = ts_interrupted(&in);
        if (sig)
            fprintf(err, "tradesim run: %s: interrupted by signal %d while loading; nothing "
                         "written\n", o->positional[0], sig);
        else if (bad && (!mpi || mpi->rank == 0 || !bad0))
            fprintf(err, "%s\n", e.msg);
        ts_scenario_free(sc);
        return worst;
    }
    int rc;
    if (mpi && mpi->rank > 0) {
        rc = serve(sc, o, &in, mpi);
    } else {
        rc = run_scenario(sc, o, argc, argv, &in, mpi, out, err);
        if (mpi)
            ts_mpi_run_end(rc);
    }
    ts_scenario_free(sc);
    return rc;
}
