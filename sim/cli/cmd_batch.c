/* tradesim batch: run every scenario of files and folders, one folder each,
 * and one row each in DIR/batch.csv.
 *
 * -r, -s and every --set apply to every scenario as run applies them (the
 * same override list, ts_cli_overrides_collect); batch.csv records each
 * scenario's seed and one column per --set KEY.
 *
 * Every scenario is loaded (and its errors reported) before any runs. Then
 * up to THREADS scenario workers take scenarios, largest first, and each runs
 * its scenario's replicates on up to THREADS engine threads: small scenarios
 * (whose time goes to writing and syncing files) overlap, and a large one
 * still uses every core. Each scenario's files depend only on the scenario,
 * so the outputs are the same whatever the thread count or the order.
 *
 * Bad scenarios and failed runs are reported (in file order, after the run)
 * and do not stop the others; the exit code is the worst status met.
 * SIGINT/SIGTERM stop the batch between replicates: folders already complete
 * stay, the ones in progress keep no completion marker (so --resume runs
 * them again), and batch.csv is not rewritten. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"

#include "tradesim/agreement.h"
#include "tradesim/batch.h"
#include "tradesim/cli.h"
#include "tradesim/engine.h"
#include "tradesim/interrupt.h"
#include "tradesim/output.h"
#include "tradesim/pool.h"
#include "tradesim/scenario.h"
#include "tradesim/resultdir.h"
#include "tradesim/shard.h"
#include "tradesim/text.h"

typedef struct batch_job batch_job;

/* Progress of one worker's current scenario (the engine's callback ctx). */
typedef struct {
    batch_job *job;
    int scenario;
    long done;
} worker_progress;

struct batch_job {
    ts_scenario **sc;
    ts_batch_row *rows;
    int *status;                 /* per scenario: ts_status of its run */
    int *order;                  /* scenarios, largest work first */
    int n;
    int first, last;             /* the scenarios run here: all, or an MPI rank's block */
    const char *outdir;
    int engine_threads;
    bool resume;
    ts_interrupt *in;
    ts_result_run_info info;     /* the command line and threads, for provenance */
    atomic_int slots;            /* progress slots handed to workers */
    atomic_int ran, resumed;
    /* progress, guarded by lock */
    pthread_mutex_t lock;
    FILE *err;                   /* NULL: no progress */
    struct timespec t0;
    long long work_done, work_total;   /* replicate-steps */
    long long reps_done, reps_total;   /* replicates */
    int scen_done;
    worker_progress *wp;         /* [n_workers] */
    int n_workers;
    int last_len;
};

static double elapsed(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + 1e-9 * (double)(now.tv_nsec - t0->tv_nsec);
}

/* One status line: scenarios done (of those run here: under MPI, rank 0's block),
 * replicate-steps done, elapsed, estimate. */
static void print_progress(batch_job *j)
{
    long long in_flight = 0, reps = j->reps_done;
    for (int w = 0; w < j->n_workers; w++)
        if (j->wp[w].scenario >= 0) {
            in_flight += j->wp[w].done * (long long)j->sc[j->wp[w].scenario]->calendar.steps;
            reps += j->wp[w].done;
        }
    double frac = j->work_total > 0 ? (double)(j->work_done + in_flight) / (double)j->work_total
                                    : 0.0;
    double el = elapsed(&j->t0);
    char eta[32] = "?";
    if (frac > 0.01)
        snprintf(eta, sizeof eta, "%.0fs", el * (1.0 - frac) / frac);
    int len = fprintf(j->err, "\rtradesim batch: %d/%d scenarios, %lld/%lld replicates, "
                              "%.0fs elapsed, %s left",
                      j->scen_done, j->last - j->first, reps, j->reps_total, el, eta);
    for (int i = len; i < j->last_len; i++)
        fputc(' ', j->err);
    j->last_len = len;
    fflush(j->err);
}

static void progress(void *ctx, long done, long total)
{
    (void)total;
    worker_progress *wp = ctx;
    pthread_mutex_lock(&wp->job->lock);
    wp->done = done;
    print_progress(wp->job);
    pthread_mutex_unlock(&wp->job->lock);
}

static int worst(int a, int b)
{
    return a > b ? a : b;
}

/* Runs one scenario into its folder; the marker goes last. */
static ts_status run_one(batch_job *j, const ts_scenario *sc, const char *folder,
                         worker_progress *wp, ts_error *e)
{
    ts_status s;
    ts_result_run_info info = j->info;
    info.start = time(NULL);
    ts_engine *eng = ts_engine_alloc(sc, e);
    if (!eng)
        return e->code;
    ts_engine_opts opts = {.threads = j->engine_threads, .cancel = &j->in->flag};
    ts_agreement_hook_opts(&opts, NULL);
    if (j->err) {
        opts.progress = progress;
        opts.progress_ctx = wp;
    }
    ts_result_digests dg;
    s = ts_output_run(eng, &opts, j->outdir, NULL, &dg, e);
    if (s != TS_OK && ts_interrupted(j->in))
        s = ts_error_set(e, TS_EIO, "%s: interrupted", sc->name);
    info.end = time(NULL);
    if (s == TS_OK)
        s = ts_result_seal(sc, folder, &info, &dg, e);
    ts_engine_free(eng);
    return s;
}

static void process(batch_job *j, int i, worker_progress *wp)
{
    const ts_scenario *sc = j->sc[i];
    ts_error e;
    ts_error_clear(&e);
    char folder[4096];
    bool ran = false;
    if (!ts_result_folder(sc, j->outdir, folder, sizeof folder)) {
        ts_error_set(&e, TS_EIO, "%s/%s: path too long", j->outdir, sc->name);
    } else if (ts_result_prepare(folder, &e) != TS_OK) {
        /* e says why: not writable, or a stale temporary that stays */
    } else if (j->resume && ts_result_is_complete(folder, ts_scenario_hash(sc))) {
        atomic_fetch_add(&j->resumed, 1);
    } else {
        run_one(j, sc, folder, wp, &e);
        ran = e.code == TS_OK;
    }
    if (e.code != TS_OK && ts_interrupted(j->in)) {
        j->status[i] = TS_EIO;   /* stopped by the signal: no row, no message */
        return;
    }
    if (ran)
        atomic_fetch_add(&j->ran, 1);
    if (e.code == TS_OK)
        e.code = ts_batch_summarise(folder, sc->name, &j->rows[i], &e);
    if (e.code != TS_OK)
        ts_batch_row_failed(&j->rows[i], sc->name, e.msg);
    j->rows[i].has_seed = true;   /* loaded, so its seed is known even if the run failed */
    j->rows[i].seed = sc->seed;
    j->status[i] = e.code;
    if (j->err) {
        pthread_mutex_lock(&j->lock);
        j->work_done += (long long)sc->replicates * sc->calendar.steps;
        j->reps_done += sc->replicates;
        j->scen_done++;
        wp->scenario = -1;
        wp->done = 0;
        print_progress(j);
        pthread_mutex_unlock(&j->lock);
    }
}

/* A worker's progress slot, one per pool worker. */
static void *worker_begin(void *ctx, ts_error *err)
{
    (void)err;
    batch_job *j = ctx;
    return &j->wp[atomic_fetch_add(&j->slots, 1)];
}

static ts_status scenario_task(void *ctx, void *local, long k, ts_error *err)
{
    (void)err;
    batch_job *j = ctx;
    worker_progress *wp = local;
    int i = j->order[k];
    if (!j->sc[i] || i < j->first || i >= j->last)
        return TS_OK;
    if (j->err) {
        pthread_mutex_lock(&j->lock);
        wp->scenario = i;
        wp->done = 0;
        pthread_mutex_unlock(&j->lock);
    }
    process(j, i, wp);   /* a scenario's failure is its row's, not the batch's */
    return TS_OK;
}

/* Scenario indices by replicate-steps, largest first (ties in file order),
 * so a long scenario never starts last. Insertion sort: batches are small. */
static void order_by_work(batch_job *j)
{
    for (int i = 0; i < j->n; i++)
        j->order[i] = i;
    for (int i = 1; i < j->n; i++) {
        int x = j->order[i];
        long long wx = j->sc[x] ? (long long)j->sc[x]->replicates * j->sc[x]->calendar.steps : 0;
        int k = i - 1;
        while (k >= 0) {
            int y = j->order[k];
            long long wy =
                j->sc[y] ? (long long)j->sc[y]->replicates * j->sc[y]->calendar.steps : 0;
            if (wy >= wx)
                break;
            j->order[k + 1] = y;
            k--;
        }
        j->order[k + 1] = x;
    }
}

const ts_cli_spec ts_cmd_batch_spec = {
    .name = "batch",
    .summary = "run every *.cfg in files and folders, write batch.csv",
    .accept = "orsjRuSLqkh",
    .min_pos = 1,
    .max_pos = -1,
    .what = "at least one scenario file or folder",
    .usage =
    "usage: tradesim batch PATH... [-o DIR] [-r N] [-s SEED] [-j THREADS] [-R]\n"
    "                      [--resume] [-q] [--set KEY=VALUE]... [--log LEVEL]\n"
    "                      [--shard K/N|auto]\n"
    "\n"
    "Runs every *.cfg file named or found in the folders named (sorted by path),\n"
    "each into DIR/<name>/, and writes DIR/batch.csv with one row per scenario,\n"
    "its seed and a column per --set KEY.\n"
    "\n"
    "  -o, --output DIR       output folder (default results)\n"
    "  -r, --replicates N     Monte Carlo replicates of every scenario\n"
    "  -s, --seed SEED        64-bit seed of every scenario (decimal or 0x hex)\n"
    "  -j, --jobs THREADS     worker threads; 0 = one per core (default 0)\n"
    "  -R, --recursive        descend into sub-folders\n"
    "      --resume           skip scenarios whose outputs are complete and unchanged\n"
    "      --set KEY=VALUE    override a setting in every scenario\n"
    "      --log LEVEL        log.csv's rows: none, events or all (overrides output.log)\n"
    "  -q, --quiet            no progress on stderr\n"
    "      --shard K/N        run only the K-th of N contiguous blocks of the files\n"
    "                         into DIR/batch.shard-K-of-N/ (tradesim merge joins\n"
    "                         them); auto: K and N from SLURM_ARRAY_TASK_ID, _COUNT\n"
    "                         (and _MIN when the array does not start at 1)\n"
    "\n"
    "Under mpirun (when built with MPI) the ranks split the files; DIR must be\n"
    "shared, and rank 0 writes batch.csv, the same bytes as one process\n"
    "(docs/cluster.md).\n",
};

/* The job's arrays for n scenarios and threads workers; false when memory
 * runs out. */
static bool job_alloc(batch_job *j, int n, const char *outdir, int threads, bool resume)
{
    memset(j, 0, sizeof *j);
    j->n = n;
    j->last = n;
    j->outdir = outdir;
    j->resume = resume;
    j->sc = calloc((size_t)n, sizeof *j->sc);
    j->rows = calloc((size_t)n, sizeof *j->rows);
    j->status = calloc((size_t)n, sizeof *j->status);
    j->order = calloc((size_t)n, sizeof *j->order);
    j->engine_threads = threads;
    j->n_workers = threads < n ? threads : n;
    j->wp = calloc((size_t)j->n_workers + 1, sizeof *j->wp);
    return j->sc && j->rows && j->status && j->order && j->wp;
}

static void job_free(batch_job *j)
{
    for (int i = 0; j->sc && j->rows && i < j->n; i++) {
        ts_scenario_free(j->sc[i]);
        ts_batch_row_free(&j->rows[i]);
    }
    free(j->sc);
    free(j->rows);
    free(j->status);
    free(j->order);
    free(j->wp);
}

/* Loads every scenario before any runs, so all bad files are reported at
 * once (on err, unless NULL); a scenario whose name an earlier one has (both
 * would write the same folder) is refused. A refused scenario is left NULL
 * with a failed row. Returns the worst status met. */
static int load_all(batch_job *j, const ts_path_list *files, const ts_cli_overrides *ov,
                    FILE *err)
{
    int status = TS_OK;
    ts_error e;
    ts_error_clear(&e);
    for (int i = 0; i < j->n; i++) {
        j->sc[i] = ts_scenario_load(files->paths[i], ov->v, ov->n, &e);
        if (j->sc[i] && ts_result_check_name(j->sc[i]->name, files->paths[i], &e) != TS_OK) {
            ts_scenario_free(j->sc[i]);
            j->sc[i] = NULL;
        }
        if (!j->sc[i]) {
            if (err)
                fprintf(err, "%s\n", e.msg);
            status = worst(status, e.code);
            ts_batch_row_failed(&j->rows[i], files->paths[i], e.msg);
            continue;
        }
        for (int k = 0; k < i; k++) {
            if (j->sc[k] && strcmp(j->sc[k]->name, j->sc[i]->name) == 0) {
                ts_error_set(&e, TS_EBAD,
                             "%s: name '%s' is also the name of %s; both would write %s/%s",
                             files->paths[i], j->sc[i]->name, files->paths[k], j->outdir,
                             j->sc[i]->name);
                if (err)
                    fprintf(err, "%s\n", e.msg);
                status = worst(status, TS_EBAD);
                ts_batch_row_failed(&j->rows[i], j->sc[i]->name, e.msg);
                ts_scenario_free(j->sc[i]);
                j->sc[i] = NULL;
                break;
            }
        }
        if (j->sc[i] && i >= j->first && i < j->last) {
            j->work_total += (long long)j->sc[i]->replicates * j->sc[i]->calendar.steps;
            j->reps_total += j->sc[i]->replicates;
        }
    }
    return status;
}

/* Runs every loaded scenario on the pool, largest first, with progress on
 * err when it is a terminal (and not quiet), until done or in is raised. */
static void run_all(batch_job *j, ts_interrupt *in, bool quiet, FILE *err)
{
    order_by_work(j);
    atomic_init(&j->slots, 0);
    atomic_init(&j->ran, 0);
    atomic_init(&j->resumed, 0);
    pthread_mutex_init(&j->lock, NULL);
    clock_gettime(CLOCK_MONOTONIC, &j->t0);
    j->err = !quiet && isatty(fileno(err)) ? err : NULL;
    j->in = in;
    for (int w = 0; w < j->n_workers; w++)
        j->wp[w] = (worker_progress){.job = j, .scenario = -1, .done = 0};
    /* Interruption is read below (ts_interrupted), so the pool's own status
     * adds nothing: every scenario's outcome is in its row. */
    ts_pool_job pool = {.threads = j->n_workers,
                        .n_tasks = j->n,
                        .ctx = j,
                        .begin = worker_begin,
                        .task = scenario_task,
                        .cancel = &in->flag,
                        .name = "tradesim batch"};
    ts_error pe;
    ts_error_clear(&pe);
    (void)ts_pool_run(&pool, &pe);
    pthread_mutex_destroy(&j->lock);
    if (j->err && j->last_len > 0)
        fputc('\n', err);
}

/* After an interruption: how far the batch got (the folders that pass the
 * check --resume makes), and how to go on. */
static void report_interrupted(const batch_job *j, int sig, FILE *err)
{
    int complete = 0;
    for (int i = 0; i < j->n; i++) {
        char folder[4096];
        complete += j->sc[i] && ts_result_folder(j->sc[i], j->outdir, folder, sizeof folder) &&
                    ts_result_is_complete(folder, ts_scenario_hash(j->sc[i]));
    }
    fprintf(err, "tradesim batch: interrupted by signal %d with %d of %d scenarios done; "
                 "complete folders are kept, run again with --resume\n",
            sig, complete, j->n);
}

/* batch.csv's --set columns: the --set options, not the one --log stands
 * for. Returns how many, into sets. */
static int batch_sets(const ts_cli_opts *o, const char **sets)
{
    int n = 0;
    for (int i = 0; i < o->n_sets; i++)
        if (o->sets[i] != o->log_set)
            sets[n++] = o->sets[i];
    return n;
}

/* batch.csv's precision: the first loaded scenario's. */
static int batch_precision(const batch_job *j)
{
    for (int i = 0; i < j->n; i++)
        if (j->sc[i])
            return j->sc[i]->precision;
    return 6;
}

/* Identifies a batch across its shards: every file (in order) and override. */
static uint64_t batch_id(const ts_path_list *files, const ts_cli_overrides *ov)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (int i = 0; i < files->n + ov->n; i++) {
        const char *s = i < files->n ? files->paths[i] : ov->v[i - files->n];
        for (size_t c = 0; c <= strlen(s); c++)
            h = (h ^ (unsigned char)s[c]) * UINT64_C(1099511628211);
    }
    return h;
}

/* Reports each failed run (in file order) and writes DIR/batch.csv with the
 * first loaded scenario's precision, then the one-line summary on out unless
 * quiet. Returns the worst of status and what it met. */
static int report_and_write(const batch_job *j, const ts_cli_opts *o, int status, FILE *out,
                            FILE *err)
{
    bool quiet = o->quiet;
    const char *sets[TS_CLI_MAX_SETS];
    int n_sets = batch_sets(o, sets);
    for (int i = 0; i < j->n; i++)
        if (j->sc[i] && j->status[i] != TS_OK) {
            fprintf(err, "%s\n", j->rows[i].error ? j->rows[i].error : "failed");
            status = worst(status, j->status[i]);
        }
    char path[4096];
    int precision = batch_precision(j);
    ts_error e;
    ts_error_clear(&e);
    if (snprintf(path, sizeof path, "%s/batch.csv", j->outdir) >= (int)sizeof path) {
        fprintf(err, "tradesim batch: %s/batch.csv: path too long\n", j->outdir);
        status = worst(status, TS_EIO);
    } else if (ts_batch_write(path, j->rows, j->n, sets, n_sets, precision, &e) != TS_OK) {
        fprintf(err, "%s\n", e.msg);
        status = worst(status, TS_EIO);
    } else if (!quiet) {
        int failed = 0;
        for (int i = 0; i < j->n; i++)
            failed += j->rows[i].error != NULL;
        fprintf(out, "%s: %d scenarios (%d run, %d resumed, %d failed)\n", path, j->n,
                atomic_load(&j->ran), atomic_load(&j->resumed), failed);
    }
    return status;
}

/* Under MPI: rank 0 takes the other ranks' rows of their blocks (name,
 * seed, error and status; the figures come from the folders they wrote in
 * the shared DIR) and their counts of scenarios run and resumed. */
static void mpi_gather_rows(batch_job *j, int rank, int size)
{
    long first, last;
    if (rank > 0) {
        ts_text t = {.s = NULL};
        for (int i = j->first; i < j->last; i++) {
            const ts_batch_row *r = &j->rows[i];
            unsigned char head[13];
            int32_t st = j->status[i];
            memcpy(head, &st, 4);
            memcpy(head + 4, &r->seed, 8);
            head[12] = r->has_seed;
            ts_text_put(&t, head, sizeof head);
            ts_text_put(&t, r->name ? r->name : "", strlen(r->name ? r->name : "") + 1);
            ts_text_put(&t, r->error ? r->error : "", strlen(r->error ? r->error : "") + 1);
        }
        /* out of memory: an empty part, whose rows rank 0 reports missing */
        ts_mpi_send(t.s, t.oom ? 0 : t.len, 0);
        ts_text_free(&t);
    }
    for (int k = 1; rank == 0 && k < size; k++) {
        size_t len = 0, at = 0;
        char *buf = ts_mpi_recv(k, &len);
        ts_shard_block(j->n, k + 1, size, &first, &last);
        for (long i = first; i < last; i++)
            if (j->sc[i]) {   /* until its row arrives */
                ts_batch_row_free(&j->rows[i]);
                ts_batch_row_failed(&j->rows[i], j->sc[i]->name,
                                    "tradesim batch: no row from its MPI rank (out of memory)");
                j->status[i] = TS_EIO;
            }
        for (long i = first; i < last && at + 13 <= len; i++) {
            int32_t st;
            uint64_t seed;
            memcpy(&st, buf + at, 4);
            memcpy(&seed, buf + at + 4, 8);
            bool has_seed = buf[at + 12];
            const char *name = buf + at + 13;
            const char *error = name + strlen(name) + 1;
            at = (size_t)(error - buf) + strlen(error) + 1;
            ts_error e;
            ts_error_clear(&e);
            ts_batch_row_free(&j->rows[i]);
            if (ts_batch_row_restore(j->outdir, name, has_seed, seed, error, &j->rows[i], &e) !=
                TS_OK) {
                ts_batch_row_failed(&j->rows[i], name, e.msg);
                st = e.code;
            }
            j->rows[i].has_seed = has_seed;
            j->rows[i].seed = seed;
            j->status[i] = st;
        }
        free(buf);
    }
    atomic_store(&j->ran, (int)ts_mpi_sum(atomic_load(&j->ran)));
    atomic_store(&j->resumed, (int)ts_mpi_sum(atomic_load(&j->resumed)));
}

static int batch(int argc, char **argv, FILE *out, FILE *err, bool *mpi);

int ts_cmd_batch(int argc, char **argv, FILE *out, FILE *err)
{
    bool mpi = false;
    int rc = batch(argc, argv, out, err, &mpi);
    if (mpi)
        ts_mpi_stop();
    return rc;
}

static int batch(int argc, char **argv, FILE *out, FILE *err, bool *mpi)
{
    ts_interrupt_hold();   /* signals wait for the watcher, or end with the process */
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_batch_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    const char *outdir = o.out ? o.out : "results";
    ts_error e;
    ts_error_clear(&e);
    ts_path_list files;
    if (ts_batch_collect(o.positional, o.n_positional, o.recursive, &files, &e) != TS_OK) {
        fprintf(err, "tradesim batch: %s\n", e.msg);
        return e.code;
    }
    if (files.n == 0) {
        fprintf(err, "tradesim batch: no *.cfg files in");
        for (int i = 0; i < o.n_positional; i++)
            fprintf(err, " %s", o.positional[i]);
        fprintf(err, " (names are matched in lower case%s)\n",
                o.recursive ? "; result folders are skipped"
                            : "; use -R to descend into sub-folders");
        ts_path_list_free(&files);
        return TS_EBAD;
    }
    /* A shard: its block of the files, into its own folder (and lock). */
    ts_path_list block = files;
    int shard_k = 0, shard_n = 0;
    char shard_dir[4096];
    if (o.shard) {
        long first, last;
        if (ts_shard_parse(o.shard, &shard_k, &shard_n, &e) != TS_OK ||
            (shard_n > files.n && ts_error_set(&e, TS_EBAD, "--shard %s: %d blocks of %d "
                                               "scenario files (at most one block a file)",
                                               o.shard, shard_n, files.n)) ||
            (!ts_shard_folder(outdir, "batch", shard_k, shard_n, shard_dir, sizeof shard_dir) &&
             ts_error_set(&e, TS_EBAD, "%s: path too long", outdir))) {
            fprintf(err, "tradesim batch: %s\n", e.msg);
            ts_path_list_free(&files);
            return TS_EBAD;
        }
        ts_shard_block(files.n, shard_k, shard_n, &first, &last);
        block.paths = files.paths + first;
        block.n = (int)(last - first);
        outdir = shard_dir;
    }
    /* Under mpirun every rank loads every file and runs its block of them. */
    int rank = 0, size = 1;
    if (!o.shard && ts_mpi_begin("batch", "scenario", ", or use --shard", mpi, &rank, &size,
                                 &e) != TS_OK) {
        fprintf(err, "%s\n", e.msg);
        ts_path_list_free(&files);
        return TS_EBAD;
    }
    batch_job j;
    bool alloc = job_alloc(&j, block.n, outdir, ts_threads((int)o.threads), o.resume);
    if ((*mpi ? ts_mpi_worst(alloc ? TS_OK : TS_EIO) : alloc ? TS_OK : TS_EIO) != TS_OK) {
        if (!alloc)
            fprintf(err, "tradesim batch: out of memory\n");
        job_free(&j);
        ts_path_list_free(&files);
        return TS_EIO;
    }
    if (*mpi) {
        long first, last;
        ts_shard_block(block.n, rank + 1, size, &first, &last);
        j.first = (int)first;
        j.last = (int)last;
    }
    j.info = (ts_result_run_info){.argc = argc, .argv = argv, .threads = j.engine_threads};
    /* The watcher covers loading and batch.csv too: a signal while a file
     * is written lets that short write finish and is reported after. */
    ts_interrupt in;
    bool watching = ts_interrupt_start(&in);
    ts_cli_overrides ov;
    ts_cli_overrides_collect(&o, &ov);
    int status = load_all(&j, &block, &ov, rank == 0 ? err : NULL);
    /* One writer per folder, and a writable one, before the first replicate:
     * under MPI rank 0 holds the lock, and DIR must be every rank's. */
    int lock = -1, ls = TS_OK;
    struct stat sb;
    if (ts_interrupted(&in))
        ls = TS_EIO;
    else if (rank == 0)
        ls = ts_result_lock(outdir, &lock, &e);
    if (*mpi && (ls = ts_mpi_worst(ls)) == TS_OK) {
        if (rank > 0 && (stat(outdir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
            ls = ts_error_set(&e, TS_EIO, "%s: not a folder on rank %d's node (under mpirun "
                              "DIR must be a folder every rank sees)", outdir, rank);
        ls = ts_mpi_worst(ls);
    }
    if (ls != TS_OK) {
        if (watching)
            ts_interrupt_stop(&in);
        if (ts_interrupted(&in))
            fprintf(err, "tradesim batch: interrupted by signal %d while loading scenarios; "
                         "nothing written\n", ts_interrupted(&in));
        else if (e.code != TS_OK)   /* under MPI: the rank that failed says why */
            fprintf(err, "tradesim batch: %s\n", e.msg);
        ts_result_unlock(lock);
        job_free(&j);
        ts_path_list_free(&files);
        return ls;
    }
    if (shard_k > 0 && ts_shard_unseal(outdir, &e) != TS_OK) {
        fprintf(err, "%s\n", e.msg);
        status = worst(status, TS_EIO);
    } else {
        run_all(&j, &in, o.quiet || rank > 0, err);
    }
    /* Under MPI an interruption anywhere stops every rank before batch.csv. */
    int hard = *mpi ? ts_mpi_worst(ts_interrupted(&in) ? TS_EIO : TS_OK) : TS_OK;
    if (hard == TS_OK && *mpi)
        mpi_gather_rows(&j, rank, size);
    if (!ts_interrupted(&in) && hard == TS_OK && rank == 0)
        status = report_and_write(&j, &o, status, out, err);
    if (*mpi && hard == TS_OK)
        status = ts_mpi_bcast(status);
    if (!ts_interrupted(&in) && hard != TS_OK) {
        if (rank == 0)
            fprintf(err, "tradesim batch: another MPI rank was interrupted; complete folders "
                         "are kept, batch.csv is not written: run again with --resume\n");
        status = hard;
    }
    if (!ts_interrupted(&in) && shard_k > 0 && status != TS_EIO) {
        const char *sets[TS_CLI_MAX_SETS];
        int n_sets = batch_sets(&o, sets);
        if (ts_shard_batch_seal(outdir, j.rows, j.n, files.n, shard_k, shard_n,
                                batch_id(&files, &ov), batch_precision(&j), sets, n_sets,
                                &e) != TS_OK) {
            fprintf(err, "%s\n", e.msg);
            status = TS_EIO;
        }
    }
    if (watching)
        ts_interrupt_stop(&in);
    j.in = NULL;   /* in ends here */
    int sig = ts_interrupted(&in);
    if (sig) {
        report_interrupted(&j, sig, err);
        status = TS_EIO;
    }
    ts_result_unlock(lock);
    job_free(&j);
    ts_path_list_free(&files);
    return status;
}
