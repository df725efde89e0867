/* Charts of result folders: read aggregate.csv, build gnuplot scripts, run
 * gnuplot.
 *
 * Every script is self-contained: the data it plots is inlined as datablocks
 * ($s0, $s1, ...), so gnuplot opens no input file and never sees a path but
 * the two outputs. Text passed to gnuplot (titles, paths) is written in single
 * quotes, where gnuplot performs no backquote or escape processing; a single
 * quote is doubled, control characters in titles become '?', and paths with
 * line breaks are refused. Terminals are `noenhanced` so ids like us_tariff
 * are not typeset as subscripts.
 *
 * Charts are drawn to hidden temporary names in the output folder and renamed
 * only after gnuplot exited with status 0 and both files are non-empty. */
/* realpath() is XSI. */
#define _XOPEN_SOURCE 700

#include "tradesim/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tradesim/csvread.h"
#include "tradesim/fs.h"
#include "tradesim/calendar.h"
#include "tradesim/text.h"

extern char **environ;

/* ---- gnuplot text ------------------------------------------------------ */

/* Appends s as a gnuplot single-quoted string. */
static void sb_quote(ts_text *b, const char *s)
{
    ts_text_puts(b, "'");
    for (; *s; s++) {
        char c[3] = {*s, 0, 0};
        if (*s == '\'')
            c[1] = '\'';
        else if ((unsigned char)*s < 0x20 || *s == 0x7f)
            c[0] = '?';
        ts_text_puts(b, c);
    }
    ts_text_puts(b, "'");
}

/* ---- loading aggregate.csv ---------------------------------------------- */

enum { MEAN, P05, P50, P95, N_STATS };
static const char *const stat_suffix[N_STATS] = {"_mean", "_p05", "_p50", "_p95"};

/* Trajectory columns that describe an issue's state or an actor, not a level. */
static const char *const non_issue_suffix[] = {"_market", "_value",  "_dependence", "_pressure",
                                               "_trust",  "_payoff", "_total"};

typedef struct {
    char *id;
    size_t col[N_STATS];
} series;

struct ts_plot_data {
    char *dir;
    char *name;
    size_t n_rows, n_cols;
    double *step;       /* n_rows */
    char (*date)[11];   /* n_rows, "YYYY-MM-DD" or "" */
    bool has_dates;
    double *v;          /* n_rows * n_cols, NaN where empty or not finite */
    series *issues, *actors;
    size_t n_issues, n_actors;
};

/* The folder's last path component; "." and ".." resolved through realpath. */
static char *folder_name(const char *dir)
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
    for (size_t i = 0; i < d->n_issues; i++)
        free(d->issues[i].id);
    for (size_t i = 0; i < d->n_actors; i++)
        free(d->actors[i].id);
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
        series s = {base, {0}};
        for (int k = 0; k < N_STATS; k++) {
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
            const series *sr = i < d->n_issues ? &d->issues[i] : &d->actors[i - d->n_issues];
            for (int k = 0; k < N_STATS; k++)
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
    d->name = folder_name(dir);
    if (!d->dir || !d->name) {
        ts_error_set(err, TS_EIO, "%s: out of memory", dir);
        goto fail;
    }
    if (read_aggregate(d, path, err) != TS_OK)
        goto fail;
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

/* ---- scripts ------------------------------------------------------------ */

/* Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#999999"};
#define N_PALETTE (sizeof palette / sizeof palette[0])

enum { PANEL_W = 960, PANEL_H = 560 };

static const series *find_series(const series *s, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].id, id) == 0)
            return &s[i];
    return NULL;
}

/* A folder's label: its name, or its path when another folder has the same name. */
static const char *label_of(const ts_plot_data *const *d, size_t n, size_t i)
{
    for (size_t j = 0; j < n; j++)
        if (j != i && strcmp(d[j]->name, d[i]->name) == 0)
            return d[i]->dir;
    return d[i]->name;
}

static bool all_dated(const ts_plot_data *const *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!d[i]->has_dates)
            return false;
    return true;
}

static long day_of(const char *iso)
{
    int32_t day = 0;
    ts_date_parse(iso, &day);   /* validated when loaded */
    return day;
}

/* Inlines one series of one folder: x, mean, p05, p50, p95. */
static void put_block(ts_text *b, int idx, const ts_plot_data *d, const series *s, bool dates)
{
    ts_text_printf(b, "$s%d << EOD\n", idx);
    for (size_t r = 0; r < d->n_rows; r++) {
        if (dates)
            ts_text_puts(b, d->date[r]);
        else
            ts_text_printf(b, "%.10g", d->step[r]);
        const double *row = d->v + r * d->n_cols;
        for (int k = 0; k < N_STATS; k++) {
            double x = row[s->col[k]];
            if (isnan(x))
                ts_text_puts(b, " ?");
            else
                ts_text_printf(b, " %.10g", x);
        }
        ts_text_puts(b, "\n");
    }
    ts_text_puts(b, "EOD\n");
}

static void put_x_axis(ts_text *b, const ts_plot_data *const *d, size_t n, bool dates)
{
    if (!dates) {
        ts_text_puts(b, "set xlabel 'step'\n");
        return;
    }
    long lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        long a = day_of(d[i]->date[0]), z = day_of(d[i]->date[d[i]->n_rows - 1]);
        lo = i == 0 || a < lo ? a : lo;
        hi = i == 0 || z > hi ? z : hi;
    }
    /* Months are enough labels over half a year; shorter spans need days. */
    ts_text_puts(b, "set xdata time\nset timefmt '%Y-%m-%d'\nset xlabel 'date'\n");
    ts_text_puts(b, hi - lo > 180 ? "set format x '%Y-%m'\n" : "set format x '%Y-%m-%d'\n");
    ts_text_puts(b, "set xtics rotate by -30\n");
}

static void put_common(ts_text *b)
{
    ts_text_puts(b, "set datafile missing '?'\n"
               "set grid lc rgb '#d0d0d0'\n"
               "set key outside right top vertical Left reverse noautotitle\n"
               "set border 3\nset tics nomirror\n"
               "set autoscale xfix\n"
               /* Room so a line at a lever's min or max is not hidden by the axis. */
               "set offsets 0, 0, graph 0.04, graph 0.04\n");
}

/* One panel's plot command: bands first so every line is drawn on top. */
typedef struct {
    int block;
    const char *colour;
    const char *title;   /* of the median line */
} curve;

static void put_plot(ts_text *b, const curve *c, size_t n, bool single)
{
    ts_text_puts(b, "plot ");
    for (size_t i = 0; i < n; i++) {
        ts_text_printf(b, "$s%d using 1:3:5 with filledcurves fc rgb '%s' fs transparent solid %s "
                     "noborder",
                  c[i].block, c[i].colour, n > 1 ? "0.18" : "0.3");
        if (single)
            ts_text_puts(b, " title '5-95% of replicates'");
        ts_text_puts(b, ", \\\n     ");
    }
    for (size_t i = 0; i < n; i++) {
        ts_text_printf(b, "$s%d using 1:4 with lines lw 2.5 lc rgb '%s' title ", c[i].block,
                  c[i].colour);
        sb_quote(b, single ? "median" : c[i].title);
        ts_text_printf(b, ", \\\n     $s%d using 1:2 with lines lw 1.5 dt 2 lc rgb '%s'", c[i].block,
                  c[i].colour);
        if (single)
            ts_text_puts(b, " title 'mean'");
        ts_text_puts(b, i + 1 < n || !single ? ", \\\n     " : "\n");
    }
    if (!single)
        ts_text_puts(b, "keyentry with filledcurves fc rgb '#808080' fs transparent solid 0.3 "
                   "noborder title '5-95% band', \\\n"
                   "     keyentry with lines lw 2.5 lc rgb '#606060' title 'median (solid)', \\\n"
                   "     keyentry with lines lw 1.5 dt 2 lc rgb '#606060' title 'mean (dashed)'\n");
}

static bool path_ok(const char *p, ts_error *err)
{
    if (strpbrk(p, "\n\r")) {
        ts_error_set(err, TS_EBAD, "output path holds a line break: refused");
        return false;
    }
    return true;
}

/* Emits body (settings and plot commands) once per terminal. */
static char *finish(ts_text *blocks, ts_text *body, const ts_plot_files *files, int w, int h,
                    ts_error *err)
{
    ts_text s = {0};
    ts_text_puts(&s, "set encoding utf8\n");
    ts_text_puts(&s, blocks->s ? blocks->s : "");
    const char *const terminal[2] = {"pngcairo", "svg"}, *const output[2] = {files->png, files->svg};
    for (int k = 0; k < 2; k++) {
        ts_text_printf(&s, "set terminal %s noenhanced size %d,%d font 'Sans,11' "
                      "background rgb 'white'\nset output ",
                  terminal[k], w, h);
        sb_quote(&s, output[k]);
        ts_text_puts(&s, "\n");
        ts_text_puts(&s, body->s ? body->s : "");
    }
    ts_text_puts(&s, "unset output\n");
    bool oom = s.oom || blocks->oom || body->oom;
    free(blocks->s);
    free(body->s);
    if (oom) {
        free(s.s);
        ts_error_set(err, TS_EIO, "out of memory building a gnuplot script");
        return NULL;
    }
    return s.s;
}

char *ts_plot_issue_script(const ts_plot_data *const *d, size_t n, const char *issue,
                           const ts_plot_files *files, ts_error *err)
{
    if (!path_ok(files->png, err) || !path_ok(files->svg, err))
        return NULL;
    const ts_plot_data *with[n ? n : 1];
    const series *ser[n ? n : 1];
    curve cv[n ? n : 1];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const series *s = find_series(d[i]->issues, d[i]->n_issues, issue);
        if (s) {
            with[m] = d[i];
            ser[m] = s;
            cv[m] = (curve){(int)m, palette[i % N_PALETTE], label_of(d, n, i)};
            m++;
        }
    }
    if (m == 0) {
        ts_error_set(err, TS_EBAD, "no result folder has an issue '%s'", issue);
        return NULL;
    }
    bool dates = all_dated(with, m);
    ts_text blocks = {0}, body = {0};
    for (size_t i = 0; i < m; i++)
        put_block(&blocks, (int)i, with[i], ser[i], dates);
    put_common(&body);
    put_x_axis(&body, with, m, dates);
    ts_text t = {0};
    if (n == 1)
        ts_text_printf(&t, "%s: %s", d[0]->name, issue);
    else
        ts_text_printf(&t, "%s: %zu scenario%s", issue, m, m == 1 ? "" : "s");
    ts_text_puts(&body, "set title ");
    sb_quote(&body, t.s ? t.s : "");
    ts_text_puts(&body, " font 'Sans,13'\nset ylabel ");
    free(t.s);
    t = (ts_text){0};
    ts_text_printf(&t, "%s (level)", issue);
    sb_quote(&body, t.s ? t.s : "");
    body.oom = body.oom || t.oom;
    free(t.s);
    ts_text_puts(&body, "\n");
    put_plot(&body, cv, m, n == 1);
    return finish(&blocks, &body, files, PANEL_W, PANEL_H, err);
}

static void put_totals_labels(ts_text *body, const char *title)
{
    ts_text_puts(body, "set title ");
    sb_quote(body, title);
    ts_text_puts(body, " font 'Sans,13'\nset ylabel 'cumulative discounted payoff (bn USD)'\n");
}

char *ts_plot_totals_script(const ts_plot_data *const *d, size_t n, const ts_plot_files *files,
                            ts_error *err)
{
    if (!path_ok(files->png, err) || !path_ok(files->svg, err))
        return NULL;
    bool dates = all_dated(d, n);
    ts_text blocks = {0}, body = {0}, t = {0};
    put_common(&body);
    put_x_axis(&body, d, n, dates);
    int w = PANEL_W, h = PANEL_H;
    if (n == 1) {
        size_t na = d[0]->n_actors;
        if (na == 0) {
            ts_error_set(err, TS_EBAD, "%s: no '<actor>_total' columns", d[0]->dir);
            return NULL;
        }
        curve cv[na];
        for (size_t a = 0; a < na; a++) {
            put_block(&blocks, (int)a, d[0], &d[0]->actors[a], dates);
            cv[a] = (curve){(int)a, palette[a % N_PALETTE], d[0]->actors[a].id};
        }
        ts_text_printf(&t, "%s: cumulative payoff of each actor", d[0]->name);
        put_totals_labels(&body, t.s ? t.s : "");
        put_plot(&body, cv, na, false);
    } else {
        /* Actors in order of first appearance; one panel each. */
        size_t cap = 0;
        for (size_t i = 0; i < n; i++)
            cap += d[i]->n_actors;
        const char *actors[cap ? cap : 1];
        size_t na = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < d[i]->n_actors; a++) {
                bool seen = false;
                for (size_t k = 0; k < na && !seen; k++)
                    seen = strcmp(actors[k], d[i]->actors[a].id) == 0;
                if (!seen)
                    actors[na++] = d[i]->actors[a].id;
            }
        if (na == 0) {
            ts_error_set(err, TS_EBAD, "no result folder has '<actor>_total' columns");
            return NULL;
        }
        size_t cols = na < 2 ? na : 2, rows = (na + cols - 1) / cols;
        w = (int)cols * 820;
        h = (int)rows * PANEL_H + 40;
        ts_text_puts(&body, "set multiplot layout ");
        ts_text_printf(&body, "%zu,%zu title ", rows, cols);
        ts_text_printf(&t, "cumulative payoff: %zu scenarios", n);
        sb_quote(&body, t.s ? t.s : "");
        ts_text_puts(&body, " font 'Sans,13'\n");
        int block = 0;
        for (size_t a = 0; a < na; a++) {
            curve cv[n];
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                const series *s = find_series(d[i]->actors, d[i]->n_actors, actors[a]);
                if (!s)
                    continue;
                put_block(&blocks, block, d[i], s, dates);
                cv[m++] = (curve){block++, palette[i % N_PALETTE], label_of(d, n, i)};
            }
            put_totals_labels(&body, actors[a]);
            put_plot(&body, cv, m, false);
        }
        ts_text_puts(&body, "unset multiplot\n");
    }
    body.oom = body.oom || t.oom;
    free(t.s);
    return finish(&blocks, &body, files, w, h, err);
}

/* ---- drawing ------------------------------------------------------------ */

/* The last non-blank line of a (small) log file, for error messages. */
static void last_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = '\0';
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s) {
            size_t k = strlen(s) < n - 1 ? strlen(s) : n - 1;
            memcpy(out, s, k);
            out[k] = '\0';
        }
    }
    fclose(f);
}

static ts_status run_gnuplot(const char *prog, const char *script, const char *log,
                             const char *what, ts_error *err)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return ts_error_set(err, TS_EIO, "cannot start gnuplot: out of memory");
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    char *argv[] = {(char *)prog, (char *)script, NULL};
    if (rc == 0)
        rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == ENOENT)
        return ts_error_set(err, TS_EIO, "%s not found; install gnuplot-nox", prog);
    if (rc != 0)
        return ts_error_set(err, TS_EIO, "cannot start %s: %s", prog, strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return ts_error_set(err, TS_EIO, "waiting for %s: %s", prog, strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return TS_OK;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return ts_error_set(err, TS_EIO, "%s not found; install gnuplot-nox", prog);
    char msg[400];
    last_line(log, msg, sizeof msg);
    if (WIFSIGNALED(status))
        return ts_error_set(err, TS_EIO, "%s killed by signal %d while drawing %s", prog,
                            WTERMSIG(status), what);
    return ts_error_set(err, TS_EIO, "%s failed (exit %d) drawing %s: %s", prog,
                        WEXITSTATUS(status), what, msg[0] ? msg : "no message");
}

static char *join(const char *dir, const char *a, const char *b, const char *c)
{
    ts_text s = {0};
    ts_text_printf(&s, "%s/%s%s%s", dir, a, b, c);
    if (s.oom) {
        free(s.s);
        return NULL;
    }
    return s.s;
}

/* Writes text to a fresh hidden file in dir; returns its malloc'd path. */
static char *write_temp(const char *dir, const char *tag, const char *text, ts_error *err)
{
    char *path = join(dir, ".tradesim-plot-", tag, ".XXXXXX");
    if (!path) {
        ts_error_set(err, TS_EIO, "out of memory");
        return NULL;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        ts_error_set(err, TS_EIO, "cannot create a file in %s: %s", dir, strerror(errno));
        free(path);
        return NULL;
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ts_error_set(err, TS_EIO, "%s: %s", path, strerror(errno));
            close(fd);
            unlink(path);
            free(path);
            return NULL;
        }
        done += (size_t)w;
    }
    if (close(fd) != 0) {
        ts_error_set(err, TS_EIO, "%s: %s", path, strerror(errno));
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

static bool non_empty(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* Draws one chart: stem is the final name without extension. issue NULL = totals. */
static ts_status draw_chart(const ts_plot_data *const *d, size_t n, const char *issue,
                            const char *stem, const ts_plot_options *opt, ts_error *err)
{
    const char *dir = opt->out_dir;
    const char *prog = opt->gnuplot ? opt->gnuplot : "gnuplot";
    char pid[32];
    snprintf(pid, sizeof pid, ".tmp.%ld", (long)getpid());
    char *png = join(dir, stem, ".png", ""), *svg = join(dir, stem, ".svg", "");
    ts_text tp = {0}, ts = {0};
    ts_text_printf(&tp, "%s/.%s.png%s", dir, stem, pid);
    ts_text_printf(&ts, "%s/.%s.svg%s", dir, stem, pid);
    char *script = NULL, *spath = NULL, *lpath = NULL;
    ts_status rc = TS_OK;
    if (!png || !svg || tp.oom || ts.oom) {
        rc = ts_error_set(err, TS_EIO, "out of memory");
        goto done;
    }
    ts_plot_files files = {.png = tp.s, .svg = ts.s};
    script = issue ? ts_plot_issue_script(d, n, issue, &files, err)
                   : ts_plot_totals_script(d, n, &files, err);
    if (!script) {
        rc = err ? err->code : TS_EIO;
        goto done;
    }
    spath = write_temp(dir, "script", script, err);
    lpath = spath ? write_temp(dir, "log", "", err) : NULL;
    if (!spath || !lpath) {
        rc = TS_EIO;
        goto done;
    }
    rc = run_gnuplot(prog, spath, lpath, png, err);
    if (rc == TS_OK && (!non_empty(tp.s) || !non_empty(ts.s)))
        rc = ts_error_set(err, TS_EIO, "%s wrote an empty chart for %s", prog, png);
    if (rc == TS_OK && rename(tp.s, png) != 0)
        rc = ts_error_set(err, TS_EIO, "cannot rename %s to %s: %s", tp.s, png, strerror(errno));
    if (rc == TS_OK && rename(ts.s, svg) != 0)
        rc = ts_error_set(err, TS_EIO, "cannot rename %s to %s: %s", ts.s, svg, strerror(errno));
    if (rc == TS_OK && opt->list)
        fprintf(opt->list, "%s\n%s\n", png, svg);
done:
    if (tp.s)
        unlink(tp.s);
    if (ts.s)
        unlink(ts.s);
    if (spath)
        unlink(spath);
    if (lpath)
        unlink(lpath);
    free(spath);
    free(lpath);
    free(script);
    free(tp.s);
    free(ts.s);
    free(png);
    free(svg);
    return rc;
}

/* File-name part from an id: '/' and control characters would escape or break the name. */
static char *file_part(const char *prefix, const char *id)
{
    ts_text s = {0};
    ts_text_printf(&s, "%s_%s", prefix, id);
    if (s.oom) {
        free(s.s);
        return NULL;
    }
    for (char *c = s.s; *c; c++)
        if (*c == '/' || (unsigned char)*c < 0x20)
            *c = '_';
    return s.s;
}

ts_status ts_plot_draw(const ts_plot_data *const *d, size_t n, const ts_plot_options *opt,
                       ts_error *err)
{
    ts_error_clear(err);
    if (n == 0)
        return ts_error_set(err, TS_EBAD, "no result folder to plot");
    ts_status rc = ts_fs_mkdirs(opt->out_dir, err);
    const char *prefix = n == 1 ? d[0]->name : "compare";
    /* Issues in order of first appearance over the folders. */
    for (size_t i = 0; i < n && rc == TS_OK; i++)
        for (size_t k = 0; k < d[i]->n_issues && rc == TS_OK; k++) {
            const char *id = d[i]->issues[k].id;
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = find_series(d[j]->issues, d[j]->n_issues, id) != NULL;
            if (seen)
                continue;
            char *stem = file_part(prefix, id);
            rc = stem ? draw_chart(d, n, id, stem, opt, err)
                      : ts_error_set(err, TS_EIO, "out of memory");
            free(stem);
        }
    bool any_actor = false;
    for (size_t i = 0; i < n; i++)
        any_actor = any_actor || d[i]->n_actors > 0;
    if (rc == TS_OK && any_actor) {
        char *stem = file_part(prefix, "totals");
        rc = stem ? draw_chart(d, n, NULL, stem, opt, err)
                  : ts_error_set(err, TS_EIO, "out of memory");
        free(stem);
    }
    return rc;
}
