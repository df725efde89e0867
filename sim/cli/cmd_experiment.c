/* tradesim experiment: a design over the scenario's uncertain parameters,
 * each point a Monte Carlo run, into DIR/<name>/ (docs/experiments.md).
 *
 * SIGINT/SIGTERM stop the workers after their current point; the points
 * finished so far stay in points.partial.csv and `--resume` goes on from
 * them (exit 3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "tradesim/cli.h"
#include "tradesim/experiment.h"
#include "tradesim/fs.h"
#include "tradesim/interrupt.h"
#include "tradesim/pool.h"
#include "tradesim/resultdir.h"
#include "tradesim/scenario.h"
#include "tradesim/shard.h"

const ts_cli_spec ts_cmd_experiment_spec = {
    .name = "experiment",
    .summary = "run a design over the uncertain parameters, with sensitivity indices",
    .accept = "dnorsjSuqkyKWPh",
    .min_pos = 1,
    .max_pos = 1,
    .what = "one scenario file",
    .usage =
    "usage: tradesim experiment SCENARIO.cfg --design DESIGN [-n N] [-o DIR] [-r N]\n"
    "                           [-s SEED] [-j THREADS] [--set KEY=VALUE]... [--resume] [-q]\n"
    "                           [--shard K/N|auto] [--slurm [--tasks N] [--time T]\n"
    "                           [--partition P]]\n"
    "\n"
    "Treats the scenario's uncertain parameters as factors and runs a design of\n"
    "points, each a full Monte Carlo run of the scenario's replicates with the\n"
    "factors fixed (replicate k has the same random numbers at every point).\n"
    "Writes design.csv, points.csv, sensitivity.csv and scenario.cfg into\n"
    "DIR/<name>/ (default DIR: results).\n"
    "\n"
    "      --design DESIGN    grid (n levels per factor), lhs (n points), sobol\n"
    "                         (Saltelli's scheme, n (k + 2) points), morris (n\n"
    "                         trajectories of k + 1 points)\n"
    "  -n, --points N         the design's size (default: grid 3, lhs 64, sobol 64,\n"
    "                         morris 16)\n"
    "  -o, --output DIR       output folder (default results)\n"
    "  -r, --replicates N     Monte Carlo replicates per point\n"
    "  -s, --seed SEED        64-bit seed (the design's and the replicates')\n"
    "  -j, --jobs THREADS     worker threads; 0 = one per core (default 0)\n"
    "      --set KEY=VALUE    override a setting by path\n"
    "      --resume           keep the points an interrupted run finished\n"
    "  -q, --quiet            no progress on stderr\n"
    "      --shard K/N        run only the K-th of N contiguous blocks of points into\n"
    "                         DIR/<name>.shard-K-of-N/ (tradesim merge joins them);\n"
    "                         auto: K and N from SLURM_ARRAY_TASK_ID, _COUNT (and\n"
    "                         _MIN when the array does not start at 1)\n"
    "      --slurm            write DIR/<name>.slurm/: a job array over the shards\n"
    "                         and a merge job (submit.sh submits both); runs nothing\n"
    "      --tasks N          the array's tasks (default: about 10 minutes each,\n"
    "                         from one point timed here)\n"
    "      --time T           each task's time limit in Slurm's form (default: three\n"
    "                         times the estimate plus 10 minutes)\n"
    "      --partition P      the Slurm partition\n"
    "\n"
    "Under mpirun (when built with MPI) the ranks split the points and rank 0\n"
    "writes DIR/<name>/, the same bytes as one process (docs/cluster.md).\n",
};

typedef struct {
    FILE *err;
    const char *name;
    time_t start;
    long skip;   /* points kept from an earlier run */
} progress_ctx;

static void progress(void *ctx, long done, long total)
{
    const progress_ctx *p = ctx;
    double el = difftime(time(NULL), p->start);
    long fresh = done - p->skip;
    fprintf(p->err, "\rtradesim experiment: %s: %ld/%ld points", p->name, done, total);
    if (done < total && fresh > 0 && el >= 1.0) {
        long eta = (long)(el / (double)fresh * (double)(total - done) + 0.5);
        fprintf(p->err, ", about %ldm%02lds left ", eta / 60, eta % 60);
    } else {
        fprintf(p->err, "%20s", "");
    }
    if (done >= total)
        fputc('\n', p->err);
    fflush(p->err);
}

static int design_of(const char *name, ts_experiment_design *d, FILE *err)
{
    if (!name) {
        fprintf(err, "tradesim experiment: --design is required: grid, lhs, sobol or morris\n");
        return TS_EBAD;
    }
    for (int i = 0; i < TS_EXP_COUNT; i++)
        if (!strcmp(name, ts_experiment_design_names[i])) {
            *d = (ts_experiment_design)i;
            return -1;
        }
    fprintf(err, "tradesim experiment: --design '%s': expected grid, lhs, sobol or morris\n",
            name);
    return TS_EBAD;
}

int ts_cmd_experiment(int argc, char **argv, FILE *out, FILE *err)
{
    ts_interrupt_hold();
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_experiment_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    ts_experiment_opts eo = {.n = o.points > 0 ? (int)o.points : 0,
                             .threads = (int)(o.threads < 0 ? 0 : o.threads),
                             .resume = o.resume};
    if ((rc = design_of(o.design, &eo.design, err)) >= 0)
        return rc;
    if ((rc = ts_cli_input_file("experiment", o.positional[0], NULL, err)) >= 0)
        return rc;
    ts_cli_overrides ov;
    ts_cli_overrides_collect(&o, &ov);
    ts_interrupt in;
    ts_interrupt_start(&in);
    ts_error e;
    ts_error_clear(&e);
    ts_scenario *sc = ts_scenario_load(o.positional[0], ov.v, ov.n, &e);
    if (sc && ts_result_check_name(sc->name, o.positional[0], &e) != TS_OK) {
        ts_scenario_free(sc);
        sc = NULL;
    }
    const char *dir = o.out ? o.out : "results";
    char folder[4096];
    int lock = -1, shard_k = 0, shard_n = 0, rank = 0, size = 1;
    ts_status st = sc ? TS_OK : e.code;
    if (st == TS_OK && o.slurm && (o.shard || o.resume))
        st = ts_error_set(&e, TS_EBAD, "tradesim experiment: --slurm writes the job scripts: "
                          "not with --shard or --resume");
    else if (st == TS_OK && !o.slurm && (o.tasks > 0 || o.time_limit || o.partition))
        st = ts_error_set(&e, TS_EBAD, "tradesim experiment: --tasks, --time and --partition "
                          "go with --slurm");
    if (st == TS_OK && o.slurm) {
        ts_interrupt_stop(&in);
        rc = ts_slurm_write(sc, &o, &eo, dir, out, err);
        ts_scenario_free(sc);
        return rc;
    }
    if (st == TS_OK && o.shard && (st = ts_shard_parse(o.shard, &shard_k, &shard_n, &e)) != TS_OK) {
        char m[TS_ERROR_MAX];
        snprintf(m, sizeof m, "%s", e.msg);
        ts_error_set(&e, st, "tradesim experiment: %s", m);
    }
    bool mpi = false;
    if (st == TS_OK && !o.shard)
        st = ts_mpi_begin("experiment", "point", ", or use --shard", &mpi, &rank, &size, &e);
    if (st == TS_OK && !ts_result_folder(sc, dir, folder, sizeof folder))
        st = ts_error_set(&e, TS_EIO, "%s/%s: path too long", dir, sc->name);
    if (st == TS_OK && shard_k > 0) {
        if (!ts_shard_folder(dir, sc->name, shard_k, shard_n, folder, sizeof folder))
            st = ts_error_set(&e, TS_EIO, "%s/%s: path too long", dir, sc->name);
        else   /* each shard its own lock: array tasks share DIR */
            st = ts_result_lock(folder, &lock, &e);
    } else if (st == TS_OK && (!mpi || rank == 0) &&
               (st = ts_result_lock(dir, &lock, &e)) == TS_OK) {
        st = ts_fs_mkdirs(folder, &e);
    }
    progress_ctx pc = {.err = err, .name = sc ? sc->name : "", .start = time(NULL)};
    eo.cancel = &in.flag;
    if (!o.quiet && isatty(fileno(err)) && rank == 0) {
        eo.progress = progress;
        eo.progress_ctx = &pc;
    }
    long ran = 0;
    if (mpi) {
        /* Every rank calls the collectives, whatever its own status. */
        ts_status mst = ts_mpi_experiment(sc, folder, &eo, rank, size, &e);
        st = st == TS_OK ? mst : st;
        ran = st == TS_OK ? -1 : 0;
    } else if (st == TS_OK && !ts_interrupted(&in) && shard_k > 0) {
        st = ts_shard_experiment(sc, folder, &eo, shard_k, shard_n, &ran, &e);
    } else if (st == TS_OK && !ts_interrupted(&in)) {
        st = ts_experiment_run(sc, folder, &eo, &ran, &e);
    }
    ts_interrupt_stop(&in);
    int sig = ts_interrupted(&in);
    if (sig) {
        fprintf(err, "\ntradesim experiment: %s: interrupted by signal %d; the %ld points "
                "finished are kept in %s/%s: run again with --resume\n",
                sc ? sc->name : o.positional[0], sig, ran, sc ? folder : dir, TS_EXP_PARTIAL);
        st = TS_EIO;
    } else if (st != TS_OK) {
        fprintf(err, "%s\n", e.msg);
    } else if (!o.quiet && mpi && rank == 0) {
        fprintf(out, "%s: %s design, %d factors, on %d MPI ranks\n", folder,
                ts_experiment_design_names[eo.design], sc->n_uncertain, size);
    } else if (!o.quiet && !mpi) {
        fprintf(out, "%s: %s design, %d factors, %ld points run\n", folder,
                ts_experiment_design_names[eo.design], sc->n_uncertain, ran);
    }
    ts_result_unlock(lock);
    ts_scenario_free(sc);
    if (mpi)
        ts_mpi_stop();
    return st == TS_OK ? 0 : st == TS_EBAD ? TS_EBAD : TS_EIO;
}
