/* tradesim run: load one scenario, run its Monte Carlo replicates, write the
 * outcome files into DIR/<name>/.
 *
 * -r, -s and --trajectories are turned into overrides applied after every
 * --set (monte_carlo.replicates, monte_carlo.seed, output.trajectories), so
 * the resolved scenario.cfg records them and reproduces the run.
 *
 * SIGINT/SIGTERM during the run stop the workers after their current
 * replicate: nothing is written (the folder keeps whatever complete files an
 * earlier run left) and the exit code is 3. A signal that arrives while the
 * files are being written lets that short write finish (each file appears
 * whole or not at all) and is then reported the same way. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tradesim/cli.h"
#include "tradesim/agreement.h"
#include "tradesim/engine.h"
#include "tradesim/interrupt.h"
#include "tradesim/output.h"
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
    "  -q, --quiet            no progress on stderr\n",
};

/* The overrides of one run: every --set, then those -r, -s and
 * --trajectories stand for (pointing into the buffers here). */
typedef struct {
    const char *v[TS_CLI_MAX_SETS + 3];
    int n;
    char replicates[64], seed[256], trajectories[64];
} override_list;

/* Fills ov from o; false (with the message on err) when --seed cannot be a
 * whole number. */
static bool collect_overrides(const ts_cli_opts *o, override_list *ov, FILE *err)
{
    ov->n = 0;
    for (int i = 0; i < o->n_sets; i++)
        ov->v[ov->n++] = o->sets[i];
    if (o->replicates > 0) {
        snprintf(ov->replicates, sizeof ov->replicates, "monte_carlo.replicates=%ld",
                 o->replicates);
        ov->v[ov->n++] = ov->replicates;
    }
    if (o->seed) {
        size_t len = strlen(o->seed);
        if (len == 0 || len > 200) {
            fprintf(err, "tradesim run: --seed '%s': expected a whole number\n", o->seed);
            return false;
        }
        /* L makes libconfig read 64 bits; decimals beyond its int64 range
         * stay text for the loader (with L libconfig would clamp them). */
        bool has_l = o->seed[len - 1] == 'L' || o->seed[len - 1] == 'l';
        bool big = len >= 19 && strspn(o->seed, "0123456789") == len;
        snprintf(ov->seed, sizeof ov->seed, "monte_carlo.seed=%s%s", o->seed,
                 has_l || big ? "" : "L");
        ov->v[ov->n++] = ov->seed;
    }
    if (o->trajectories != LONG_MIN) {
        snprintf(ov->trajectories, sizeof ov->trajectories, "output.trajectories=%ld",
                 o->trajectories);
        ov->v[ov->n++] = ov->trajectories;
    }
    return true;
}

/* Runs the loaded scenario, writes its folder and reports the outcome (an
 * interruption, an error, or the folder written). Returns the exit code. */
static int run_scenario(const ts_scenario *sc, const ts_cli_opts *o, FILE *out, FILE *err)
{
    ts_error e;
    ts_error_clear(&e);
    ts_engine *eng = ts_engine_alloc(sc, &e);
    if (!eng) {
        fprintf(err, "%s\n", e.msg);
        return e.code;
    }
    progress_ctx pc = {.err = err, .name = sc->name};
    ts_interrupt in;
    bool watching = ts_interrupt_start(&in);
    ts_engine_opts opts = {.threads = (int)(o->threads < 0 ? 0 : o->threads), .cancel = &in.flag};
    ts_agreement_hook_opts(&opts, NULL);
    if (!o->quiet && isatty(fileno(err))) {
        opts.progress = progress;
        opts.progress_ctx = &pc;
    }
    ts_run *run = NULL;
    ts_status s = ts_engine_run(eng, &opts, &run, &e);
    int sig = ts_interrupted(&in);
    if (s == TS_OK && !sig)
        s = ts_output_write(eng, run, o->out ? o->out : "results", opts.threads, &e);
    bool wrote = s == TS_OK && !sig;
    if (watching)
        ts_interrupt_stop(&in);
    sig = sig ? sig : ts_interrupted(&in);
    if (sig) {
        if (opts.progress)
            fputc('\n', err);
        fprintf(err, "tradesim run: %s: interrupted by signal %d; %s\n", sc->name, sig,
                wrote ? "its output files were complete and are kept"
                      : "no output written (earlier files are untouched)");
        s = TS_EIO;
    } else if (s != TS_OK)
        fprintf(err, "%s\n", e.msg);
    else if (!o->quiet) {
        char folder[4096];
        if (ts_result_folder(sc, o->out ? o->out : "results", folder, sizeof folder))
            fprintf(out, "%s: %d replicates x %d steps\n", folder, sc->replicates,
                    sc->calendar.steps);
    }
    ts_run_free(run);
    ts_engine_free(eng);
    return s;
}

int ts_cmd_run(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_run_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    override_list ov;
    if (!collect_overrides(&o, &ov, err))
        return TS_EBAD;
    ts_error e;
    ts_error_clear(&e);
    ts_scenario *sc = ts_scenario_load(o.positional[0], ov.v, ov.n, &e);
    if (!sc) {
        fprintf(err, "%s\n", e.msg);
        return e.code != TS_OK ? (int)e.code : TS_EBAD;
    }
    rc = run_scenario(sc, &o, out, err);
    ts_scenario_free(sc);
    return rc;
}
