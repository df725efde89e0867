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
#include "tradesim/resultdir.h"
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

/* A folder tradesim wrote (a completion marker, or a resolved scenario.cfg
 * beside a summary.csv): its scenario.cfg is an output, not an input. */
static bool is_result_folder(const char *dir)
{
    char p[4096];
    struct stat sb;
    if (snprintf(p, sizeof p, "%s/%s", dir, TS_RESULT_MARKER) < (int)sizeof p &&
        lstat(p, &sb) == 0)
        return true;
    return snprintf(p, sizeof p, "%s/%s", dir, ts_result_file(TS_RESULT_SUMMARY)) <
               (int)sizeof p &&
           stat(p, &sb) == 0 &&
           snprintf(p, sizeof p, "%s/%s", dir, ts_result_file(TS_RESULT_SCENARIO)) <
               (int)sizeof p &&
           stat(p, &sb) == 0;
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
            if (recursive && !is_result_folder(p))
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

ts_status ts_batch_row_restore(const char *folder, const char *name, bool has_seed,
                               uint64_t seed, const char *error, ts_batch_row *row,
                               ts_error *err)
{
    char dir[4400];
    ts_status st;
    if (error && *error)
        st = ts_batch_row_failed(row, name, error);
    else if (snprintf(dir, sizeof dir, "%s/%s", folder, name) >= (int)sizeof dir)
        st = ts_error_set(err, TS_EIO, "%s/%s: path too long", folder, name);
    else
        st = ts_batch_summarise(dir, name, row, err);
    if (st == TS_OK && has_seed) {
        row->has_seed = true;
        row->seed = seed;
    }
    return st;
}

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

/* Names the row's issues and actors from the summary's outcome columns: the
 * <issue>_final columns, and the <actor>_total columns up to joint_total (the
 * later _total columns are the per-issue parts of them). */
static ts_status name_columns(const ts_summary *su, ts_batch_row *row, ts_error *err)
{
    size_t n = su->n_cols;
    row->issue = calloc(n + 1, sizeof *row->issue);
    row->actor = calloc(n + 1, sizeof *row->actor);
    if (!row->issue || !row->actor)
        return ts_error_set(err, TS_EIO, "out of memory");
    bool after_joint = false;
    for (size_t c = 0; c < n; c++) {
        const char *h = su->cols[c].name;
        size_t hl = strlen(h);
        char **slot = NULL;
        if (ts_text_ends_with(h, "_final")) {
            slot = &row->issue[row->n_issues++];
            *slot = strndup(h, hl - 6);
        } else if (ts_text_ends_with(h, "_total") && !after_joint) {
            after_joint = strcmp(h, "joint_total") == 0;
            slot = &row->actor[row->n_actors++];
            *slot = after_joint ? strdup("joint") : strndup(h, hl - 6);
        }
        if (slot && !*slot)
            return ts_error_set(err, TS_EIO, "out of memory");
    }
    return TS_OK;
}

/* The row's figures from the summary's columns, named by name_columns. */
static ts_status figures(const ts_summary *su, ts_batch_row *row, ts_error *err)
{
    row->replicates = su->rows;
    row->deals = su->deals;
    row->deal_p = (double)row->deals / (double)row->replicates;
    ts_stats_wilson(row->deals, row->replicates, 0.95, &row->deal_lo, &row->deal_hi);
    row->first_deal_median = NAN;
    if (su->first.n > 0) {
        double p50 = 0.5;
        ts_stats_quantiles(su->first.v, su->first.n, &p50, 1, &row->first_deal_median);
    }
    size_t ni = (size_t)row->n_issues + 1, na = (size_t)row->n_actors + 1;
    row->final_mean = calloc(ni, sizeof(double));
    row->total_mean = calloc(na, sizeof(double));
    row->total_lo = calloc(na, sizeof(double));
    row->total_hi = calloc(na, sizeof(double));
    row->vsq_mean = calloc(na, sizeof(double));
    row->vsq_lo = calloc(na, sizeof(double));
    row->vsq_hi = calloc(na, sizeof(double));
    if (!row->final_mean || !row->total_mean || !row->total_lo || !row->total_hi ||
        !row->vsq_mean || !row->vsq_lo || !row->vsq_hi)
        return ts_error_set(err, TS_EIO, "out of memory");
    for (int a = 0; a < row->n_actors; a++)
        row->vsq_mean[a] = row->vsq_lo[a] = row->vsq_hi[a] = NAN;   /* a file without them */
    int fi = 0, ti = 0;
    bool after_joint = false;
    for (size_t c = 0; c < su->n_cols; c++) {
        const char *h = su->cols[c].name;
        const ts_values *d = &su->cols[c].x;
        int a;
        if (ts_text_ends_with(h, "_final")) {
            row->final_mean[fi++] = d->n ? gsl_stats_mean(d->v, 1, d->n) : NAN;
        } else if (ts_text_ends_with(h, "_total") && !after_joint) {
            after_joint = strcmp(h, "joint_total") == 0;
            ts_stats_mean_ci(d->v, d->n, 0.95, &row->total_mean[ti], &row->total_lo[ti],
                             &row->total_hi[ti]);
            ti++;
        } else if ((a = vsq_actor(h, row->actor, row->n_actors)) >= 0) {
            ts_stats_mean_ci(d->v, d->n, 0.95, &row->vsq_mean[a], &row->vsq_lo[a],
                             &row->vsq_hi[a]);
        }
    }
    return TS_OK;
}

ts_status ts_batch_summarise(const char *dir, const char *name, ts_batch_row *row,
                             ts_error *err)
{
    memset(row, 0, sizeof *row);
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, ts_result_file(TS_RESULT_SUMMARY)) >=
        (int)sizeof path)
        return ts_error_set(err, TS_EBAD, "%s: path too long", dir);
    ts_summary su;
    ts_status s = ts_summary_read(path, &su, err);
    if (s != TS_OK)
        return s;
    if (!(row->name = strdup(name)))
        s = ts_error_set(err, TS_EIO, "out of memory");
    if (s == TS_OK)
        s = name_columns(&su, row, err);
    if (s == TS_OK)
        s = figures(&su, row, err);
    ts_summary_free(&su);
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

/* The issues and actors of all rows, first-seen order, the actors ending
 * with "joint" (joint_total always last). Each set is allocated (caller
 * frees v); false when memory runs out. */
static bool collect_names(const ts_batch_row *rows, int n, name_set *issues, name_set *actors)
{
    int max_issues = 0, max_actors = 0;
    for (int i = 0; i < n; i++) {
        max_issues += rows[i].n_issues;
        max_actors += rows[i].n_actors;
    }
    *issues = (name_set){.v = calloc((size_t)max_issues + 1, sizeof(char *)), .n = 0};
    *actors = (name_set){.v = calloc((size_t)max_actors + 1, sizeof(char *)), .n = 0};
    if (!issues->v || !actors->v)
        return false;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < rows[i].n_issues; k++)
            if (name_index(issues, rows[i].issue[k]) < 0)
                issues->v[issues->n++] = rows[i].issue[k];
        for (int k = 0; k < rows[i].n_actors; k++)
            if (strcmp(rows[i].actor[k], "joint") != 0 && name_index(actors, rows[i].actor[k]) < 0)
                actors->v[actors->n++] = rows[i].actor[k];
    }
    actors->v[actors->n++] = "joint";
    return true;
}

static const char *const actor_stat_sfx[] = {"_total_mean", "_total_lo", "_total_hi",
                                             "_vs_status_quo_mean", "_vs_status_quo_lo",
                                             "_vs_status_quo_hi"};

/* The --set columns: distinct keys in first-seen order, each with the last
 * value given for it (overrides apply in order, so the last one holds). */
typedef struct {
    char **key;
    const char **value;
    int n;
} set_columns;

static void set_columns_free(set_columns *sc)
{
    for (int i = 0; sc->key && i < sc->n; i++)
        free(sc->key[i]);
    free(sc->key);
    free(sc->value);
}

static bool set_columns_make(const char *const *sets, int n_sets, set_columns *sc)
{
    *sc = (set_columns){.key = calloc((size_t)n_sets + 1, sizeof *sc->key),
                        .value = calloc((size_t)n_sets + 1, sizeof *sc->value)};
    if (!sc->key || !sc->value)
        return false;
    for (int i = 0; i < n_sets; i++) {
        const char *eq = strchr(sets[i], '=');
        size_t kl = eq ? (size_t)(eq - sets[i]) : strlen(sets[i]);
        const char *value = eq ? eq + 1 : "";
        int at = -1;
        for (int k = 0; k < sc->n && at < 0; k++)
            if (strlen(sc->key[k]) == kl && strncmp(sc->key[k], sets[i], kl) == 0)
                at = k;
        if (at < 0) {
            if (!(sc->key[sc->n] = strndup(sets[i], kl)))
                return false;
            at = sc->n++;
        }
        sc->value[at] = value;
    }
    return true;
}

static void put_header(ts_csv *c, const set_columns *sets, const name_set *issues,
                       const name_set *actors)
{
    static const char *const run_head[] = {"scenario", "status", "replicates", "seed"};
    static const char *const head[] = {"deal_probability", "deal_probability_lo",
                                       "deal_probability_hi", "first_deal_step_median"};
    for (size_t k = 0; k < sizeof run_head / sizeof run_head[0]; k++)
        ts_csv_str(c, run_head[k]);
    for (int k = 0; k < sets->n; k++)
        ts_csv_str(c, sets->key[k]);
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++)
        ts_csv_str(c, head[k]);
    char buf[TS_ID_MAX + 32];
    for (int k = 0; k < issues->n; k++) {
        snprintf(buf, sizeof buf, "%s_final_mean", issues->v[k]);
        ts_csv_str(c, buf);
    }
    for (int k = 0; k < actors->n; k++)
        for (int j = 0; j < 6; j++) {
            snprintf(buf, sizeof buf, "%s%s", actors->v[k], actor_stat_sfx[j]);
            ts_csv_str(c, buf);
        }
    ts_csv_str(c, "error");
    ts_csv_end_row(c);
}

/* Where name is among names[0..n), or -1. */
static int row_index(char *const *names, int n, const char *name)
{
    for (int q = 0; q < n; q++)
        if (strcmp(names[q], name) == 0)
            return q;
    return -1;
}

/* One scenario's row: empty cells for what it lacks (an issue or actor of
 * another row, or every figure of a failed scenario). */
static void put_row(ts_csv *c, const ts_batch_row *r, const set_columns *sets,
                    const name_set *issues, const name_set *actors)
{
    ts_csv_str(c, r->name);
    ts_csv_str(c, r->error ? "failed" : "ok");
    if (r->error)
        ts_csv_empty(c);
    else
        ts_csv_u64(c, r->replicates);
    if (r->has_seed) {
        char seed[24];   /* hex text, as summary.csv: spreadsheets keep all 64 bits */
        snprintf(seed, sizeof seed, "0x%016" PRIx64, r->seed);
        ts_csv_str(c, seed);
    } else {
        ts_csv_empty(c);
    }
    for (int k = 0; k < sets->n; k++)
        ts_csv_str(c, sets->value[k]);
    put_num(c, r->deal_p);
    put_num(c, r->deal_lo);
    put_num(c, r->deal_hi);
    put_num(c, r->first_deal_median);
    for (int k = 0; k < issues->n; k++) {
        int j = row_index(r->issue, r->n_issues, issues->v[k]);
        put_num(c, j >= 0 ? r->final_mean[j] : NAN);
    }
    for (int k = 0; k < actors->n; k++) {
        int j = row_index(r->actor, r->n_actors, actors->v[k]);
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

ts_status ts_batch_write(const char *path, const ts_batch_row *rows, int n,
                         const char *const *sets, int n_sets, int precision, ts_error *err)
{
    name_set issues, actors;
    set_columns set_cols;
    ts_csv *c = NULL;
    ts_status s = TS_OK;
    bool names = collect_names(rows, n, &issues, &actors);
    if (!set_columns_make(sets, n_sets, &set_cols) || !names)
        s = ts_error_set(err, TS_EIO, "%s: out of memory", path);
    else if (!(c = ts_csv_open(path, precision, err)))
        s = TS_EIO;
    if (s == TS_OK) {
        put_header(c, &set_cols, &issues, &actors);
        for (int i = 0; i < n; i++)
            put_row(c, &rows[i], &set_cols, &issues, &actors);
        s = ts_csv_commit(c, err);
    }
    set_columns_free(&set_cols);
    free(issues.v);
    free(actors.v);
    return s;
}
