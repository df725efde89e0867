/* tradesim batch: run every scenario of files and folders, one folder each,
 * and one row each in DIR/batch.csv.
 *
 * Every scenario is loaded (and its errors reported) before any runs. Bad
 * scenarios and failed runs are reported and do not stop the others; the
 * exit code is the worst status met. SIGINT/SIGTERM stop the batch between
 * replicates: folders already complete stay, the one in progress keeps no
 * completion marker (so --resume runs it again), and batch.csv is not
 * rewritten. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tradesim/batch.h"
#include "tradesim/cli.h"
#include "tradesim/agreement.h"
#include "tradesim/engine.h"
#include "tradesim/interrupt.h"
#include "tradesim/output.h"
#include "tradesim/scenario.h"

typedef struct {
    FILE *err;
    struct timespec t0;
    long long work_done, work_total;  /* replicate-steps */
    int scen_done, scen_total;
    const ts_scenario *cur;
    int last_len;
} progress_state;

static double elapsed(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + 1e-9 * (double)(now.tv_nsec - t0->tv_nsec);
}

static void progress(void *ctx, long done, long total)
{
    progress_state *p = ctx;
    long long steps = p->cur ? p->cur->calendar.steps : 1;
    double frac = p->work_total > 0
                      ? (double)(p->work_done + done * steps) / (double)p->work_total
                      : 0.0;
    double el = elapsed(&p->t0);
    char eta[32] = "?";
    if (frac > 0.01)
        snprintf(eta, sizeof eta, "%.0fs", el * (1.0 - frac) / frac);
    int len = fprintf(p->err, "\r[%d/%d] %s: %ld/%ld replicates, %.0fs elapsed, %s left",
                      p->scen_done + 1, p->scen_total, p->cur ? p->cur->name : "", done, total,
                      el, eta);
    for (int i = len; i < p->last_len; i++)
        fputc(' ', p->err);
    p->last_len = len;
    fflush(p->err);
}

static void progress_end(progress_state *p)
{
    if (p->last_len > 0) {
        fputc('\n', p->err);
        p->last_len = 0;
    }
}

static int worst(int a, int b)
{
    return a > b ? a : b;
}

/* Runs one scenario into its folder; the marker goes last. */
static ts_status run_one(const ts_scenario *sc, const char *folder, const char *outdir,
                         int threads, ts_interrupt *in, progress_state *ps, ts_error *e)
{
    ts_status s = ts_batch_unmark(folder, e);
    if (s != TS_OK)
        return s;
    ts_engine *eng = ts_engine_alloc(sc, e);
    if (!eng)
        return e->code;
    ts_engine_opts opts = {threads, NULL, NULL, NULL, NULL, &in->flag};
    ts_agreement_hook_opts(&opts, NULL);
    if (ps) {
        ps->cur = sc;
        opts.progress = progress;
        opts.progress_ctx = ps;
    }
    ts_run *run = NULL;
    s = ts_engine_run(eng, &opts, &run, e);
    if (s == TS_OK && ts_interrupted(in))
        s = ts_error_set(e, TS_EIO, "%s: interrupted", sc->name);
    if (s == TS_OK)
        s = ts_output_write(eng, run, outdir, e);
    if (s == TS_OK)
        s = ts_batch_mark_complete(folder, ts_scenario_hash(sc), e);
    ts_run_free(run);
    ts_engine_free(eng);
    return s;
}

int ts_cmd_batch(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_parse(argc, argv, "ojRuSqh", "batch", &o, err);
    if (rc != TS_OK)
        return rc;
    if (o.help) {
        ts_cli_usage("batch", out);
        return TS_OK;
    }
    if (o.n_positional == 0) {
        fprintf(err, "tradesim batch: no scenario files or folders given (see 'tradesim batch "
                     "--help')\n");
        return TS_EBAD;
    }
    const char *outdir = o.out ? o.out : "results";
    ts_error e;
    ts_error_clear(&e);
    ts_path_list files;
    if (ts_batch_collect(o.positional, o.n_positional, o.recursive, &files, &e) != TS_OK) {
        fprintf(err, "tradesim batch: %s\n", e.msg);
        return e.code;
    }
    if (files.n == 0) {
        fprintf(err, "tradesim batch: no *.cfg files found%s\n",
                o.recursive ? "" : " (use -R to descend into sub-folders)");
        ts_path_list_free(&files);
        return TS_EBAD;
    }

    int n = files.n;
    ts_scenario **sc = calloc((size_t)n, sizeof *sc);
    ts_batch_row *rows = calloc((size_t)n, sizeof *rows);
    if (!sc || !rows) {
        fprintf(err, "tradesim batch: out of memory\n");
        free(sc);
        free(rows);
        ts_path_list_free(&files);
        return TS_EIO;
    }
    int status = TS_OK;
    long long work_total = 0;
    for (int i = 0; i < n; i++) {
        sc[i] = ts_scenario_load(files.paths[i], o.sets, o.n_sets, &e);
        if (!sc[i]) {
            fprintf(err, "%s\n", e.msg);
            status = worst(status, e.code);
            ts_batch_row_failed(&rows[i], files.paths[i], e.msg);
            continue;
        }
        for (int j = 0; j < i; j++) {
            if (sc[j] && strcmp(sc[j]->name, sc[i]->name) == 0) {
                ts_error_set(&e, TS_EBAD,
                             "%s: name '%s' is also the name of %s; both would write %s/%s",
                             files.paths[i], sc[i]->name, files.paths[j], outdir, sc[i]->name);
                fprintf(err, "%s\n", e.msg);
                status = worst(status, TS_EBAD);
                ts_batch_row_failed(&rows[i], sc[i]->name, e.msg);
                ts_scenario_free(sc[i]);
                sc[i] = NULL;
                break;
            }
        }
        if (sc[i])
            work_total += (long long)sc[i]->replicates * sc[i]->calendar.steps;
    }

    if (ts_output_mkdirs(outdir, &e) != TS_OK) {
        fprintf(err, "%s\n", e.msg);
        status = TS_EIO;
        goto done;
    }
    ts_interrupt in;
    bool watching = ts_interrupt_start(&in);
    progress_state ps = {0};
    ps.err = err;
    clock_gettime(CLOCK_MONOTONIC, &ps.t0);
    ps.work_total = work_total;
    ps.scen_total = n;
    bool show = !o.quiet && isatty(fileno(err));
    int ran = 0, resumed = 0;
    for (int i = 0; i < n && !ts_interrupted(&in); i++) {
        if (!sc[i])
            continue;
        char folder[4096];
        if (!ts_output_folder(sc[i], outdir, folder, sizeof folder)) {
            ts_error_set(&e, TS_EIO, "%s/%s: path too long", outdir, sc[i]->name);
        } else if (o.resume && ts_batch_is_complete(folder, ts_scenario_hash(sc[i]))) {
            resumed++;
            e.code = TS_OK;
        } else {
            run_one(sc[i], folder, outdir, (int)(o.threads < 0 ? 0 : o.threads), &in,
                    show ? &ps : NULL, &e);
            if (e.code == TS_OK)
                ran++;
        }
        if (show)
            progress_end(&ps);
        if (ts_interrupted(&in))
            break;
        ps.work_done += (long long)sc[i]->replicates * sc[i]->calendar.steps;
        ps.scen_done++;
        if (e.code == TS_OK)
            e.code = ts_batch_summarise(folder, sc[i]->name, &rows[i], &e);
        if (e.code != TS_OK) {
            fprintf(err, "%s\n", e.msg);
            status = worst(status, e.code);
            ts_batch_row_failed(&rows[i], sc[i]->name, e.msg);
        }
        ts_error_clear(&e);
    }
    int sig = ts_interrupted(&in);
    if (watching)
        ts_interrupt_stop(&in);
    sig = sig ? sig : ts_interrupted(&in);

    if (sig) {
        fprintf(err, "tradesim batch: interrupted by signal %d with %d of %d scenarios done; "
                     "complete folders are kept, run again with --resume\n",
                sig, ps.scen_done, n);
        status = TS_EIO;
    } else {
        char path[4096];
        int precision = 6;
        for (int i = 0; i < n; i++)
            if (sc[i]) {
                precision = sc[i]->precision;
                break;
            }
        if (snprintf(path, sizeof path, "%s/batch.csv", outdir) >= (int)sizeof path) {
            fprintf(err, "tradesim batch: %s/batch.csv: path too long\n", outdir);
            status = worst(status, TS_EIO);
        } else if (ts_batch_write(path, rows, n, precision, &e) != TS_OK) {
            fprintf(err, "%s\n", e.msg);
            status = worst(status, TS_EIO);
        } else if (!o.quiet) {
            int failed = 0;
            for (int i = 0; i < n; i++)
                failed += rows[i].error != NULL;
            fprintf(out, "%s: %d scenarios (%d run, %d resumed, %d failed)\n", path, n, ran,
                    resumed, failed);
        }
    }
done:
    for (int i = 0; i < n; i++) {
        ts_scenario_free(sc[i]);
        ts_batch_row_free(&rows[i]);
    }
    free(sc);
    free(rows);
    ts_path_list_free(&files);
    return status;
}
