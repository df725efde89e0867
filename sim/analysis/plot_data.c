/* Loading a result folder's aggregate.csv for the charts (see plot.h, and
 * docs/cli.md, "What is plotted" under `tradesim plot`).
 *
 * The header's `X_mean` columns are sorted into issues (levels) and actors
 * (`<actor>_total`, cumulative discounted payoff); the other trajectory
 * columns (markets, values, dependence, pressure, trust, payoffs) are not
 * charted. Each series must have its `_p05`, `_p50` and `_p95` beside its
 * mean, and only the columns that are charted must hold numbers; an empty or
 * non-finite value is kept as NaN and drawn as a gap. A row's date is checked
 * when loaded, so the scripts may parse it without checking again.
 *
 * The result is immutable once returned (see plot_internal.h); loading keeps
 * no state of its own and may run in several threads at once. */
/* realpath() is XSI. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plot_internal.h"
#include "tradesim/calendar.h"
#include "tradesim/csvread.h"
#include "tradesim/scenario.h"
#include "tradesim/text.h"

static const char *const stat_suffix[PL_N_STATS] = {"_mean", "_p05", "_p50", "_p95"};

/* Trajectory columns that describe an issue's state or an actor, not a level. */
static const char *const non_issue_suffix[] = {"_market", "_value",  "_dependence", "_pressure",
                                               "_trust",  "_payoff", "_total"};

/* The folder's last path component; "." and ".." resolved through realpath. */
char *ts_pl_folder_name(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    char *name = strndup(dir + start, n - start);
    if (name && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "/") == 0 ||
                 !*name)) {
        char *real = realpath(dir, NULL);
        if (real) {
            const char *slash = strrchr(real, '/');
            const char *base = slash && slash[1] ? slash + 1 : real;
            char *c = strdup(base);
            if (c) {
                free(name);
                name = c;
            }
            free(real);
        }
    }
    return name;
}

void ts_plot_free(ts_plot_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_issues; i++) {
        free(d->issues[i].id);
        free(d->issues[i].name);
    }
    for (size_t i = 0; i < d->n_actors; i++) {
        free(d->actors[i].id);
        free(d->actors[i].name);
    }
    free(d->issues);
    free(d->actors);
    free(d->v);
    free(d->date);
    free(d->step);
    free(d->name);
    free(d->dir);
    free(d);
}

static long find_col(char *const *names, size_t n, const char *base, const char *suffix)
{
    size_t bl = strlen(base), sl = strlen(suffix);
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == bl + sl && strncmp(names[i], base, bl) == 0 &&
            strcmp(names[i] + bl, suffix) == 0)
            return (long)i;
    return -1;
}

/* Sorts the header's `X_mean` columns into issues and actors. */
static ts_status classify(ts_plot_data *d, char *const *names, const char *path, ts_error *err)
{
    d->issues = calloc(d->n_cols, sizeof *d->issues);
    d->actors = calloc(d->n_cols, sizeof *d->actors);
    if (!d->issues || !d->actors)
        return ts_error_set(err, TS_EIO, "%s: out of memory", path);
    for (size_t c = 0; c < d->n_cols; c++) {
        if (!ts_text_ends_with(names[c], "_mean"))
            continue;
        char *base = strndup(names[c], strlen(names[c]) - strlen("_mean"));
        if (!base)
            return ts_error_set(err, TS_EIO, "%s: out of memory", path);
        pl_series s = {.id = base};
        for (int k = 0; k < PL_N_STATS; k++) {
            long col = find_col(names, d->n_cols, base, stat_suffix[k]);
            if (col < 0) {
                ts_error_set(err, TS_EBAD, "%s:1: column '%s_mean' has no '%s%s' beside it",
                             path, base, base, stat_suffix[k]);
                free(base);
                return TS_EBAD;
            }
            s.col[k] = (size_t)col;
        }
        bool state = false;
        for (size_t k = 0; k < sizeof non_issue_suffix / sizeof non_issue_suffix[0]; k++)
            state = state || ts_text_ends_with(base, non_issue_suffix[k]);
        if (!state) {
            d->issues[d->n_issues++] = s;
        } else if (ts_text_ends_with(base, "_total")) {
            base[strlen(base) - strlen("_total")] = '\0';
            d->actors[d->n_actors++] = s;
        } else {
            free(base);
        }
    }
    return TS_OK;
}

/* Stores one data record of aggregate.csv (the fields of r) as row n_rows. */
static ts_status add_row(ts_plot_data *d, const ts_csvread *r, long date_col, size_t *cap,
                         size_t *with_date, ts_error *err)
{
    const char *path = ts_csvread_path(r);
    size_t here = ts_csvread_line(r);
    if (ts_csvread_count(r) != d->n_cols)
        return ts_error_set(err, TS_EBAD, "%s:%zu: %zu fields, the header has %zu", path,
                            here, ts_csvread_count(r), d->n_cols);
    if (d->n_rows == *cap) {
        size_t nc = *cap ? 2 * *cap : 256;
        double *st = realloc(d->step, nc * sizeof *st);
        if (st)
            d->step = st;
        char(*dt)[11] = realloc(d->date, nc * sizeof *dt);
        if (dt)
            d->date = dt;
        double *v = realloc(d->v, nc * d->n_cols * sizeof *v);
        if (v)
            d->v = v;
        if (!st || !dt || !v)
            return ts_error_set(err, TS_EIO, "%s: out of memory", path);
        *cap = nc;
    }
    double *row = d->v + d->n_rows * d->n_cols;
    for (size_t c = 0; c < d->n_cols; c++) {
        const char *s = ts_csvread_field(r, c);
        double x;
        bool number = ts_csvread_number(s, &x);
        row[c] = number && isfinite(x) ? x : NAN;
        if ((long)c == date_col || !*s || number)
            continue;
        /* Only columns that are plotted must hold numbers. */
        bool used = false;
        for (size_t i = 0; i < d->n_issues + d->n_actors && !used; i++) {
            const pl_series *sr =
                i < d->n_issues ? &d->issues[i] : &d->actors[i - d->n_issues];
            for (int k = 0; k < PL_N_STATS; k++)
                used = used || sr->col[k] == c;
        }
        if (used)
            return ts_error_set(err, TS_EBAD, "%s:%zu: '%s' is not a number", path, here,
                                s);
    }
    d->date[d->n_rows][0] = '\0';
    const char *date = date_col >= 0 ? ts_csvread_field(r, (size_t)date_col) : "";
    if (date[0]) {
        int32_t day;
        if (strlen(date) != 10 || !ts_date_parse(date, &day))
            return ts_error_set(err, TS_EBAD, "%s:%zu: date '%s' is not YYYY-MM-DD", path,
                                here, date);
        memcpy(d->date[d->n_rows], date, 11);
        (*with_date)++;
    }
    d->n_rows++;
    return TS_OK;
}

/* Reads the header and every row of path into d. */
static ts_status read_aggregate(ts_plot_data *d, const char *path, ts_error *err)
{
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r)
        return err ? err->code : TS_EBAD;
    bool got;
    char **names = NULL;
    ts_status rc = ts_csvread_next(r, &got, err);
    if (rc == TS_OK && !got)
        rc = ts_error_set(err, TS_EBAD, "%s: empty file, expected a header row", path);
    if (rc != TS_OK)
        goto done;
    d->n_cols = ts_csvread_count(r);
    names = calloc(d->n_cols, sizeof *names);
    for (size_t c = 0; names && c < d->n_cols; c++)
        names[c] = (char *)ts_csvread_field(r, c);   /* valid until the next record */
    if (!names) {
        rc = ts_error_set(err, TS_EIO, "%s: out of memory", path);
        goto done;
    }
    long step_col = find_col(names, d->n_cols, "step", "");
    long date_col = find_col(names, d->n_cols, "date", "");
    if (step_col < 0)
        rc = ts_error_set(err, TS_EBAD, "%s:1: no 'step' column in the header", path);
    if (rc == TS_OK)
        rc = classify(d, names, path, err);
    if (rc == TS_OK && d->n_issues + d->n_actors == 0)
        rc = ts_error_set(err, TS_EBAD,
                          "%s:1: no '<issue>_mean' or '<actor>_total_mean' columns to plot",
                          path);
    size_t cap = 0, with_date = 0;
    while (rc == TS_OK && (rc = ts_csvread_next(r, &got, err)) == TS_OK && got)
        rc = add_row(d, r, date_col, &cap, &with_date, err);
    if (rc == TS_OK && d->n_rows == 0)
        rc = ts_error_set(err, TS_EBAD, "%s: no data rows after the header", path);
    for (size_t i = 0; rc == TS_OK && i < d->n_rows; i++) {
        d->step[i] = d->v[i * d->n_cols + (size_t)step_col];
        if (isnan(d->step[i]))
            rc = ts_error_set(err, TS_EBAD, "%s: data row %zu: step is not a number", path,
                              i + 1);
    }
    d->has_dates = d->n_rows > 0 && with_date == d->n_rows;
done:
    free(names);
    ts_csvread_free(r);
    return rc;
}

/* A display name: the actor's name, or its id when it has none. */
static char *actor_name(const ts_actor *a)
{
    return strdup(a->name[0] ? a->name : a->id);
}

/* Ranges, kinds and names from dir/scenario.cfg (the resolved scenario
 * `tradesim run` writes beside aggregate.csv). Optional: a folder without
 * one, or one this version cannot read, is charted from aggregate.csv
 * alone. False only when memory runs out. */
static bool load_meta(ts_plot_data *d)
{
    size_t plen = strlen(d->dir) + sizeof "/scenario.cfg";
    char *path = malloc(plen);
    if (!path)
        return false;
    snprintf(path, plen, "%s/scenario.cfg", d->dir);
    struct stat st;
    ts_scenario *sc = NULL;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        ts_error e;
        sc = ts_scenario_load(path, NULL, 0, &e);
    }
    free(path);
    if (!sc)
        return true;
    bool ok = true;
    for (size_t i = 0; i < d->n_issues; i++) {
        pl_series *s = &d->issues[i];
        int k = ts_scenario_issue_index(sc, s->id);
        if (k < 0)
            continue;
        const ts_issue *is = &sc->issues[k];
        s->has_meta = true;
        s->kind = (int)is->kind;
        s->min = is->min;
        s->max = is->max;
        s->name = actor_name(&sc->actors[is->owner]);
        ok = ok && s->name;
    }
    for (size_t i = 0; i < d->n_actors; i++) {
        int a = ts_scenario_actor_index(sc, d->actors[i].id);
        if (a < 0)
            continue;
        d->actors[i].has_meta = true;
        d->actors[i].name = actor_name(&sc->actors[a]);
        ok = ok && d->actors[i].name;
    }
    ts_scenario_free(sc);
    return ok;
}

ts_plot_data *ts_plot_load(const char *dir, ts_error *err)
{
    ts_error_clear(err);
    size_t plen = strlen(dir) + sizeof "/aggregate.csv";
    char *path = malloc(plen);
    ts_plot_data *d = calloc(1, sizeof *d);
    if (!path || !d) {
        ts_error_set(err, TS_EIO, "%s: out of memory", dir);
        goto fail;
    }
    snprintf(path, plen, "%s/aggregate.csv", dir);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ts_error_set(err, TS_EBAD, "%s: no such result folder", dir);
        goto fail;
    }
    if (stat(path, &st) != 0 && errno == ENOENT) {
        ts_error_set(err, TS_EBAD,
                     "%s: no aggregate.csv (not a result folder written by 'tradesim run')", dir);
        goto fail;
    }
    d->dir = strdup(dir);
    d->name = ts_pl_folder_name(dir);
    if (!d->dir || !d->name) {
        ts_error_set(err, TS_EIO, "%s: out of memory", dir);
        goto fail;
    }
    if (read_aggregate(d, path, err) != TS_OK)
        goto fail;
    if (!load_meta(d)) {
        ts_error_set(err, TS_EIO, "%s: out of memory", dir);
        goto fail;
    }
    free(path);
    return d;
fail:
    free(path);
    ts_plot_free(d);
    return NULL;
}

const char *ts_plot_name(const ts_plot_data *d) { return d->name; }
size_t ts_plot_n_steps(const ts_plot_data *d) { return d->n_rows; }
bool ts_plot_has_dates(const ts_plot_data *d) { return d->has_dates; }
size_t ts_plot_n_issues(const ts_plot_data *d) { return d->n_issues; }
const char *ts_plot_issue(const ts_plot_data *d, size_t i) { return d->issues[i].id; }
size_t ts_plot_n_actors(const ts_plot_data *d) { return d->n_actors; }
const char *ts_plot_actor(const ts_plot_data *d, size_t i) { return d->actors[i].id; }

const pl_series *ts_pl_find_series(const pl_series *s, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].id, id) == 0)
            return &s[i];
    return NULL;
}
