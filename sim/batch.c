/* Batch support: finding scenario files, summarising each scenario's
 * summary.csv into one batch row, writing batch.csv and the completion
 * markers that make --resume safe (see batch.h). */
#include "tradesim/batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_statistics_double.h>

#include "tradesim/csv.h"
#include "tradesim/csvread.h"
#include "tradesim/stats.h"
#include "tradesim/text.h"

/* ---- collecting files --------------------------------------------------- */

static ts_status push_path(ts_path_list *l, int *cap, const char *p, ts_error *err)
{
    if (l->n == *cap) {
        int nc = *cap ? 2 * *cap : 16;
        char **np = realloc(l->paths, (size_t)nc * sizeof *np);
        if (!np)
            return ts_error_set(err, TS_EIO, "tradesim batch: out of memory");
        l->paths = np;
        *cap = nc;
    }
    l->paths[l->n] = strdup(p);
    if (!l->paths[l->n])
        return ts_error_set(err, TS_EIO, "tradesim batch: out of memory");
    l->n++;
    return TS_OK;
}

static ts_status scan_dir(const char *dir, bool recursive, int depth, ts_path_list *l, int *cap,
                          ts_error *err)
{
    if (depth > 64)
        return ts_error_set(err, TS_EBAD, "%s: folders nested too deeply (loop?)", dir);
    DIR *d = opendir(dir);
    if (!d)
        return ts_error_set(err, TS_EBAD, "%s: cannot read folder: %s", dir, strerror(errno));
    ts_status s = TS_OK;
    struct dirent *de;
    while (s == TS_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;   /* hidden files, ".", ".." */
        char p[4096];
        size_t dl = strlen(dir);
        int len = snprintf(p, sizeof p, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/",
                           de->d_name);
        if (len < 0 || (size_t)len >= sizeof p) {
            s = ts_error_set(err, TS_EBAD, "%s/%s: path too long", dir, de->d_name);
            break;
        }
        struct stat sb;
        if (stat(p, &sb) != 0)
            continue;   /* dangling link: nothing to run */
        if (S_ISDIR(sb.st_mode)) {
            if (recursive)
                s = scan_dir(p, recursive, depth + 1, l, cap, err);
        } else if (S_ISREG(sb.st_mode) && ts_text_ends_with(de->d_name, ".cfg")) {
            s = push_path(l, cap, p, err);
        }
    }
    closedir(d);
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

ts_status ts_batch_collect(const char *const *args, int n, bool recursive, ts_path_list *out,
                           ts_error *err)
{
    out->paths = NULL;
    out->n = 0;
    int cap = 0;
    ts_status s = TS_OK;
    for (int i = 0; i < n && s == TS_OK; i++) {
        struct stat sb;
        if (stat(args[i], &sb) != 0)
            s = ts_error_set(err, TS_EBAD, "%s: no such file or folder", args[i]);
        else if (S_ISDIR(sb.st_mode))
            s = scan_dir(args[i], recursive, 0, out, &cap, err);
        else if (!ts_text_ends_with(args[i], ".cfg"))
            s = ts_error_set(err, TS_EBAD, "%s: not a scenario (expected a .cfg file or a folder)",
                             args[i]);
        else
            s = push_path(out, &cap, args[i], err);
    }
    if (s != TS_OK) {
        ts_path_list_free(out);
        return s;
    }
    if (out->n > 1)
        qsort(out->paths, (size_t)out->n, sizeof *out->paths, cmp_str);
    int w = 0;
    for (int i = 0; i < out->n; i++) {
        if (w > 0 && strcmp(out->paths[w - 1], out->paths[i]) == 0)
            free(out->paths[i]);
        else
            out->paths[w++] = out->paths[i];
    }
    out->n = w;
    return TS_OK;
}

void ts_path_list_free(ts_path_list *list)
{
    for (int i = 0; i < list->n; i++)
        free(list->paths[i]);
    free(list->paths);
    list->paths = NULL;
    list->n = 0;
}

/* ---- summarising summary.csv --------------------------------------------- */

void ts_batch_row_free(ts_batch_row *row)
{
    free(row->name);
    free(row->error);
    for (int i = 0; i < row->n_issues; i++)
        free(row->issue[i]);
    for (int i = 0; i < row->n_actors; i++)
        free(row->actor[i]);
    free(row->issue);
    free(row->actor);
    free(row->final_mean);
    free(row->total_mean);
    free(row->total_lo);
    free(row->total_hi);
    free(row->vsq_mean);
    free(row->vsq_lo);
    free(row->vsq_hi);
    memset(row, 0, sizeof *row);
}

ts_status ts_batch_row_failed(ts_batch_row *row, const char *name, const char *message)
{
    memset(row, 0, sizeof *row);
    row->name = strdup(name);
    row->error = strdup(message);
    row->deal_p = row->deal_lo = row->deal_hi = row->first_deal_median = NAN;
    return row->name && row->error ? TS_OK : TS_EIO;
}

/* Batch summarises finite numbers only. */
static bool parse_num(const char *s, double *v)
{
    return ts_csvread_number(s, v) && isfinite(*v);
}

typedef enum { COL_OTHER, COL_DEAL, COL_FIRST, COL_FINAL, COL_TOTAL, COL_VSQ } col_kind;

#define VSQ_SUFFIX "_vs_status_quo"

/* The index of the actor (or "joint") whose <actor>_vs_status_quo column h
 * is among actor[0..n), or -1. */
static int vsq_actor(const char *h, char *const *actor, int n)
{
    size_t hl = strlen(h), sl = strlen(VSQ_SUFFIX);
    if (!ts_text_ends_with(h, VSQ_SUFFIX))
        return -1;
    for (int a = 0; a < n; a++)
        if (actor[a] && strlen(actor[a]) == hl - sl && strncmp(actor[a], h, hl - sl) == 0)
            return a;
    return -1;
}

ts_status ts_batch_summarise(const char *dir, const char *name, ts_batch_row *row,
                             ts_error *err)
{
    memset(row, 0, sizeof *row);
    char path[4096];
    if (snprintf(path, sizeof path, "%s/summary.csv", dir) >= (int)sizeof path)
        return ts_error_set(err, TS_EBAD, "%s: path too long", dir);
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r)
        return TS_EBAD;
    ts_status s = TS_OK;
    bool got;
    col_kind *kind = NULL;
    int *slot = NULL, *actor_of = NULL;   /* actor_of: a COL_VSQ column's actor */
    ts_values *vals = NULL;   /* [n_issues + n_actors] */
    ts_values first = {0};
    size_t ncol = 0;
    int n_slots = 0;

    row->name = strdup(name);
    if (!row->name) {
        s = ts_error_set(err, TS_EIO, "out of memory");
        goto done;
    }
    if ((s = ts_csvread_next(r, &got, err)) != TS_OK)
        goto done;
    if (!got) {
        s = ts_error_set(err, TS_EBAD, "%s: empty file", path);
        goto done;
    }
    ncol = ts_csvread_count(r);
    kind = calloc(ncol, sizeof *kind);
    slot = calloc(ncol, sizeof *slot);
    actor_of = calloc(ncol, sizeof *actor_of);
    row->issue = calloc(ncol, sizeof *row->issue);
    row->actor = calloc(ncol, sizeof *row->actor);
    vals = calloc(ncol, sizeof *vals);
    if (!kind || !slot || !actor_of || !row->issue || !row->actor || !vals) {
        s = ts_error_set(err, TS_EIO, "out of memory");
        goto done;
    }
    bool has_deal = false, after_joint = false;
    for (size_t c = 0; c < ncol; c++) {
        const char *h = ts_csvread_field(r, c);
        size_t hl = strlen(h);
        if (strcmp(h, "deal") == 0) {
            kind[c] = COL_DEAL;
            has_deal = true;
        } else if (strcmp(h, "first_deal_step") == 0) {
            kind[c] = COL_FIRST;
        } else if (ts_text_ends_with(h, "_final")) {
            kind[c] = COL_FINAL;
            row->issue[row->n_issues++] = strndup(h, hl - 6);
            slot[c] = n_slots++;
        } else if (ts_text_ends_with(h, "_total") && !after_joint) {
            /* The actors' totals end at joint_total; later _total columns are
             * the per-issue parts of them. */
            kind[c] = COL_TOTAL;
            after_joint = strcmp(h, "joint_total") == 0;
            row->actor[row->n_actors++] = after_joint ? strdup("joint") : strndup(h, hl - 6);
            slot[c] = n_slots++;
        } else if ((actor_of[c] = vsq_actor(h, row->actor, row->n_actors)) >= 0) {
            kind[c] = COL_VSQ;
            slot[c] = n_slots++;
        }
    }
    for (int i = 0; i < row->n_issues; i++)
        if (!row->issue[i])
            s = ts_error_set(err, TS_EIO, "out of memory");
    for (int i = 0; i < row->n_actors; i++)
        if (!row->actor[i])
            s = ts_error_set(err, TS_EIO, "out of memory");
    if (s != TS_OK)
        goto done;
    if (!has_deal) {
        s = ts_error_set(err, TS_EBAD, "%s: no 'deal' column: not a tradesim summary.csv", path);
        goto done;
    }
    while ((s = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        if (ts_csvread_count(r) != ncol) {
            s = ts_error_set(err, TS_EBAD, "%s:%zu: %zu fields, header has %zu", path,
                             ts_csvread_line(r), ts_csvread_count(r), ncol);
            goto done;
        }
        row->replicates++;
        for (size_t c = 0; c < ncol; c++) {
            if (kind[c] == COL_OTHER)
                continue;
            const char *f = ts_csvread_field(r, c);
            double v;
            if (kind[c] == COL_FIRST && f[0] == '\0')
                continue;   /* no deal in this replicate */
            if (!parse_num(f, &v)) {
                s = ts_error_set(err, TS_EBAD, "%s:%zu: column %zu: '%s' is not a number", path,
                                 ts_csvread_line(r), c + 1, f);
                goto done;
            }
            bool ok = true;
            if (kind[c] == COL_DEAL)
                row->deals += v > 0;
            else if (kind[c] == COL_FIRST)
                ok = ts_values_push(&first, v);
            else
                ok = ts_values_push(&vals[slot[c]], v);
            if (!ok) {
                s = ts_error_set(err, TS_EIO, "out of memory");
                goto done;
            }
        }
    }
    if (s != TS_OK)
        goto done;
    if (row->replicates == 0) {
        s = ts_error_set(err, TS_EBAD, "%s: no replicate rows", path);
        goto done;
    }
    row->deal_p = (double)row->deals / (double)row->replicates;
    ts_stats_wilson(row->deals, row->replicates, 0.95, &row->deal_lo, &row->deal_hi);
    row->first_deal_median = NAN;
    if (first.n > 0) {
        double p50 = 0.5;
        ts_stats_quantiles(first.v, first.n, &p50, 1, &row->first_deal_median);
    }
    row->final_mean = calloc((size_t)row->n_issues + 1, sizeof(double));
    row->total_mean = calloc((size_t)row->n_actors + 1, sizeof(double));
    row->total_lo = calloc((size_t)row->n_actors + 1, sizeof(double));
    row->total_hi = calloc((size_t)row->n_actors + 1, sizeof(double));
    row->vsq_mean = calloc((size_t)row->n_actors + 1, sizeof(double));
    row->vsq_lo = calloc((size_t)row->n_actors + 1, sizeof(double));
    row->vsq_hi = calloc((size_t)row->n_actors + 1, sizeof(double));
    if (!row->final_mean || !row->total_mean || !row->total_lo || !row->total_hi ||
        !row->vsq_mean || !row->vsq_lo || !row->vsq_hi) {
        s = ts_error_set(err, TS_EIO, "out of memory");
        goto done;
    }
    for (int a = 0; a < row->n_actors; a++)
        row->vsq_mean[a] = row->vsq_lo[a] = row->vsq_hi[a] = NAN;   /* a file without them */
    int fi = 0, ti = 0;
    for (size_t c = 0; c < ncol; c++) {
        if (kind[c] == COL_FINAL) {
            const ts_values *d = &vals[slot[c]];
            row->final_mean[fi++] = gsl_stats_mean(d->v, 1, d->n);
        } else if (kind[c] == COL_TOTAL) {
            const ts_values *d = &vals[slot[c]];
            ts_stats_mean_ci(d->v, d->n, 0.95, &row->total_mean[ti], &row->total_lo[ti],
                             &row->total_hi[ti]);
            ti++;
        } else if (kind[c] == COL_VSQ) {
            const ts_values *d = &vals[slot[c]];
            int a = actor_of[c];
            ts_stats_mean_ci(d->v, d->n, 0.95, &row->vsq_mean[a], &row->vsq_lo[a],
                             &row->vsq_hi[a]);
        }
    }
done:
    if (vals)
        for (size_t c = 0; c < ncol; c++)
            free(vals[c].v);
    free(vals);
    free(first.v);
    free(kind);
    free(slot);
    free(actor_of);
    ts_csvread_free(r);
    if (s != TS_OK)
        ts_batch_row_free(row);
    return s;
}

/* ---- batch.csv ---------------------------------------------------------- */

/* Union of names over rows, first-seen order. */
typedef struct {
    const char **v;
    int n;
} name_set;

static int name_index(const name_set *ns, const char *name)
{
    for (int i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], name) == 0)
            return i;
    return -1;
}

static void put_num(ts_csv *c, double v)
{
    if (isfinite(v))
        ts_csv_num(c, v);
    else
        ts_csv_empty(c);
}

ts_status ts_batch_write(const char *path, const ts_batch_row *rows, int n, int precision,
                         ts_error *err)
{
    int max_issues = 0, max_actors = 0;
    for (int i = 0; i < n; i++) {
        max_issues += rows[i].n_issues;
        max_actors += rows[i].n_actors;
    }
    name_set issues = {calloc((size_t)max_issues + 1, sizeof(char *)), 0};
    name_set actors = {calloc((size_t)max_actors + 1, sizeof(char *)), 0};
    if (!issues.v || !actors.v) {
        free(issues.v);
        free(actors.v);
        return ts_error_set(err, TS_EIO, "%s: out of memory", path);
    }
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < rows[i].n_issues; k++)
            if (name_index(&issues, rows[i].issue[k]) < 0)
                issues.v[issues.n++] = rows[i].issue[k];
        for (int k = 0; k < rows[i].n_actors; k++)
            if (strcmp(rows[i].actor[k], "joint") != 0 && name_index(&actors, rows[i].actor[k]) < 0)
                actors.v[actors.n++] = rows[i].actor[k];
    }
    actors.v[actors.n++] = "joint";   /* joint_total always last */

    ts_csv *c = ts_csv_open(path, precision, err);
    if (!c) {
        free(issues.v);
        free(actors.v);
        return TS_EIO;
    }
    static const char *const head[] = {"scenario", "status", "replicates", "deal_probability",
                                       "deal_probability_lo", "deal_probability_hi",
                                       "first_deal_step_median"};
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++)
        ts_csv_str(c, head[k]);
    char buf[TS_ID_MAX + 32];
    for (int k = 0; k < issues.n; k++) {
        snprintf(buf, sizeof buf, "%s_final_mean", issues.v[k]);
        ts_csv_str(c, buf);
    }
    static const char *const stat_sfx[] = {"_total_mean", "_total_lo", "_total_hi",
                                           "_vs_status_quo_mean", "_vs_status_quo_lo",
                                           "_vs_status_quo_hi"};
    for (int k = 0; k < actors.n; k++)
        for (int j = 0; j < 6; j++) {
            snprintf(buf, sizeof buf, "%s%s", actors.v[k], stat_sfx[j]);
            ts_csv_str(c, buf);
        }
    ts_csv_str(c, "error");
    ts_csv_end_row(c);

    for (int i = 0; i < n; i++) {
        const ts_batch_row *r = &rows[i];
        ts_csv_str(c, r->name);
        ts_csv_str(c, r->error ? "failed" : "ok");
        if (r->error)
            ts_csv_empty(c);
        else
            ts_csv_u64(c, r->replicates);
        put_num(c, r->deal_p);
        put_num(c, r->deal_lo);
        put_num(c, r->deal_hi);
        put_num(c, r->first_deal_median);
        for (int k = 0; k < issues.n; k++) {
            int j = -1;
            for (int q = 0; q < r->n_issues && j < 0; q++)
                if (strcmp(r->issue[q], issues.v[k]) == 0)
                    j = q;
            put_num(c, j >= 0 ? r->final_mean[j] : NAN);
        }
        for (int k = 0; k < actors.n; k++) {
            int j = -1;
            for (int q = 0; q < r->n_actors && j < 0; q++)
                if (strcmp(r->actor[q], actors.v[k]) == 0)
                    j = q;
            put_num(c, j >= 0 ? r->total_mean[j] : NAN);
            put_num(c, j >= 0 ? r->total_lo[j] : NAN);
            put_num(c, j >= 0 ? r->total_hi[j] : NAN);
            put_num(c, j >= 0 ? r->vsq_mean[j] : NAN);
            put_num(c, j >= 0 ? r->vsq_lo[j] : NAN);
            put_num(c, j >= 0 ? r->vsq_hi[j] : NAN);
        }
        if (r->error)
            ts_csv_str(c, r->error);
        else
            ts_csv_empty(c);
        ts_csv_end_row(c);
    }
    free(issues.v);
    free(actors.v);
    return ts_csv_commit(c, err);
}

/* ---- completion markers ------------------------------------------------- */

static bool marker_path(const char *dir, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%s/%s", dir, TS_BATCH_MARKER);
    return len >= 0 && (size_t)len < n;
}

bool ts_batch_is_complete(const char *dir, uint64_t hash)
{
    char p[4096];
    if (!marker_path(dir, p, sizeof p))
        return false;
    FILE *f = fopen(p, "r");
    if (!f)
        return false;
    char line[64] = "";
    bool ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char want[32];
    snprintf(want, sizeof want, "%016" PRIx64 "\n", hash);
    if (!ok || strcmp(line, want) != 0)
        return false;
    static const char *const files[] = {"summary.csv", "aggregate.csv", "trajectories.csv",
                                        "log.csv", "scenario.cfg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char fp[4096];
        struct stat sb;
        if (snprintf(fp, sizeof fp, "%s/%s", dir, files[i]) >= (int)sizeof fp ||
            stat(fp, &sb) != 0 || !S_ISREG(sb.st_mode))
            return false;
    }
    return true;
}

ts_status ts_batch_mark_complete(const char *dir, uint64_t hash, ts_error *err)
{
    char p[4096];
    if (!marker_path(dir, p, sizeof p))
        return ts_error_set(err, TS_EIO, "%s: path too long", dir);
    ts_csv *f = ts_csv_open(p, 6, err);
    if (!f)
        return TS_EIO;
    char line[32];
    int len = snprintf(line, sizeof line, "%016" PRIx64 "\n", hash);
    ts_csv_raw(f, line, (size_t)len);
    return ts_csv_commit(f, err);
}

ts_status ts_batch_unmark(const char *dir, ts_error *err)
{
    char p[4096];
    if (!marker_path(dir, p, sizeof p))
        return ts_error_set(err, TS_EIO, "%s: path too long", dir);
    if (unlink(p) != 0 && errno != ENOENT)
        return ts_error_set(err, TS_EIO, "%s: cannot remove: %s", p, strerror(errno));
    return TS_OK;
}
