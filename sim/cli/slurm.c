/* `tradesim experiment --slurm`: a job array over the shards and a merge job
 * that waits for it, as scripts to submit (cluster.h; docs/cluster.md).
 *
 * The number of tasks: each should run about TARGET_S seconds, long enough
 * that the scheduler's start-up (seconds) is noise and short enough to
 * spread: P points times the time of one point (timed here, on one
 * thread) over the task's CPUs, divided by TARGET_S, between 1 and
 * min(P, MAX_TASKS). The time limit: three times a task's estimate plus
 * ten minutes. */
/* realpath() is XSI. */
#define _XOPEN_SOURCE 700
#include "cluster.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tradesim/csv.h"
#include "tradesim/fs.h"
#include "tradesim/shard.h"
#include "tradesim/text.h"

#define TARGET_S 600.0
#define MAX_TASKS 1000   /* Slurm's default MaxArraySize is 1001 */
#define THROTTLE 64

static ts_status write_text(const char *folder, const char *name, const ts_text *t,
                            ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    if (t->oom || !t->s)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    ts_csv *f = ts_csv_open(path, 17, err);
    if (!f)
        return TS_EIO;
    ts_csv_raw(f, t->s, t->len);
    return ts_csv_commit(f, err);
}

/* Seconds one point takes on one thread. */
static ts_status time_point(const ts_scenario *sc, const ts_experiment_opts *eo, double *sec,
                            ts_error *err)
{
    int M = 0;
    char (*names)[TS_OUTCOME_NAME] = ts_experiment_metrics(sc, &M);
    double *y = calloc((size_t)M + 1, sizeof *y);
    free(names);
    if (!y)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    ts_experiment_opts so = *eo;
    so.first = 0;
    so.last = 1;
    so.threads = 1;
    so.progress = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* y holds row 0 only: the block is [0, 1). */
    ts_status st = ts_experiment_run_block(sc, &so, y, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(y);
    *sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return st;
}

int ts_slurm_write(const ts_scenario *sc, const ts_cli_opts *o, const ts_experiment_opts *eo,
                   const char *dir, FILE *out, FILE *err)
{
    ts_error e;
    ts_error_clear(&e);
    char absdir[PATH_MAX], bin[PATH_MAX], folder[PATH_MAX + 300];
    ssize_t bl = readlink("/proc/self/exe", bin, sizeof bin - 1);
    ts_status st = ts_fs_mkdirs(dir, &e);
    if (st == TS_OK && (bl <= 0 || !realpath(dir, absdir)))
        st = ts_error_set(&e, TS_EIO, "%s: cannot resolve the path: %s", bl <= 0 ? "tradesim" : dir,
                          strerror(errno));
    if (st == TS_OK) {
        bin[bl] = '\0';
        if (strchr(absdir, '\'') || strchr(bin, '\'') || strchr(sc->name, '\''))
            st = ts_error_set(&e, TS_EBAD, "%s: a path with a quote (') cannot go into the "
                              "job scripts", absdir);
    }
    double *x = NULL;
    int P = 0;
    if (st == TS_OK)
        st = ts_experiment_points(sc, eo, &x, &P, &e);
    free(x);
    snprintf(folder, sizeof folder, "%s/%s.slurm", absdir, sc->name);
    if (st == TS_OK && (st = ts_fs_mkdirs(folder, &e)) == TS_OK) {
        char path[PATH_MAX + 400];
        snprintf(path, sizeof path, "%s/scenario.cfg", folder);
        st = ts_scenario_write(sc, path, &e);
    }
    int cpus = o->threads > 0 ? (int)o->threads : 1;
    double t1 = 0.0;
    if (st == TS_OK && o->tasks <= 0)
        st = time_point(sc, eo, &t1, &e);
    if (st != TS_OK) {
        fprintf(err, "%s\n", e.msg);
        return st == TS_EBAD ? TS_EBAD : TS_EIO;
    }
    long tasks = o->tasks > 0 ? o->tasks : (long)ceil((double)P * t1 / cpus / TARGET_S);
    long cap = P < MAX_TASKS ? P : MAX_TASKS;
    if (o->tasks <= 0 && tasks > cap)
        tasks = cap;
    if (tasks < 1)
        tasks = 1;
    long per = (P + tasks - 1) / tasks;
    double est = t1 > 0.0 ? (double)per * t1 / cpus : 0.0;
    char limit[32];
    if (o->time_limit)
        snprintf(limit, sizeof limit, "%s", o->time_limit);
    else
        snprintf(limit, sizeof limit, "%ld", 10 + (long)ceil(3.0 * est / 60.0));
    char part[128] = "";
    if (o->partition)
        snprintf(part, sizeof part, "#SBATCH --partition=%s\n", o->partition);
    char npts[48] = "";
    if (eo->n > 0)
        snprintf(npts, sizeof npts, " -n %d", eo->n);
    const char *design = ts_experiment_design_names[eo->design];

    ts_text a = {0}, m = {0}, s = {0};
    ts_text_printf(&a, "#!/bin/bash\n"
                   "# %s: %d points in %ld shard%s of up to %ld points.\n",
                   sc->name, P, tasks, tasks == 1 ? "" : "s", per);
    if (t1 > 0.0)
        ts_text_printf(&a, "# One point took %.3g s on one thread when this was written: "
                       "about %.0f s a task on %d CPU%s.\n", t1, est, cpus, cpus == 1 ? "" : "s");
    ts_text_printf(&a, "#SBATCH --job-name=tradesim-%s\n"
                   "#SBATCH --array=1-%ld%%%d\n"
                   "#SBATCH --cpus-per-task=%d\n"
                   "#SBATCH --time=%s\n"
                   "%s"
                   "#SBATCH --output=%s/task-%%a.out\n"
                   "# A failed task: sbatch --array=K submit.sbatch, then the merge job.\n"
                   "exec '%s' experiment '%s/scenario.cfg' --design %s%s -o '%s' --shard auto "
                   "--resume -j \"${SLURM_CPUS_PER_TASK:-1}\" -q\n",
                   sc->name, tasks, tasks < THROTTLE ? (int)tasks : THROTTLE, cpus, limit, part,
                   folder, bin, folder, design, npts, absdir);
    ts_text_printf(&m, "#!/bin/bash\n"
                   "# Merges the %ld shards of %s into %s/%s/ (after the array: submit.sh).\n"
                   "#SBATCH --job-name=tradesim-%s-merge\n"
                   "#SBATCH --time=%s\n"
                   "%s"
                   "#SBATCH --output=%s/merge.out\n"
                   "exec '%s' merge '%s/%s'.shard-*-of-%ld -o '%s'\n",
                   tasks, sc->name, absdir, sc->name, sc->name, limit, part, folder, bin, absdir,
                   sc->name, tasks, absdir);
    ts_text_printf(&s, "#!/bin/sh\n"
                   "# Submits the array of shards, then the merge job once every task has "
                   "succeeded.\n"
                   "set -e\n"
                   "cd '%s'\n"
                   "array=$(sbatch --parsable submit.sbatch)\n"
                   "array=${array%%%%;*}\n"
                   "merge=$(sbatch --parsable --dependency=afterok:\"$array\" merge.sbatch)\n"
                   "echo \"array job $array, merge job ${merge%%%%;*}\"\n",
                   folder);
    st = write_text(folder, "submit.sbatch", &a, &e);
    if (st == TS_OK)
        st = write_text(folder, "merge.sbatch", &m, &e);
    if (st == TS_OK)
        st = write_text(folder, "submit.sh", &s, &e);
    ts_text_free(&a);
    ts_text_free(&m);
    ts_text_free(&s);
    if (st != TS_OK) {
        fprintf(err, "%s\n", e.msg);
        return TS_EIO;
    }
    if (!o->quiet)
        fprintf(out, "%s: %d points in %ld array task%s; submit with:\n"
                "  sh %s/submit.sh\n"
                "which runs:\n"
                "  array=$(sbatch --parsable %s/submit.sbatch)\n"
                "  sbatch --dependency=afterok:$array %s/merge.sbatch\n",
                folder, P, tasks, tasks == 1 ? "" : "s", folder, folder, folder);
    return 0;
}
