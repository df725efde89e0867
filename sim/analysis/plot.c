/* Charts of result folders: gnuplot scripts, and drawing every chart of one
 * or several folders (see plot.h; the charts are described in docs/cli.md,
 * `tradesim plot`). Loading aggregate.csv is plot_data.c's part, running
 * gnuplot gnuplot.c's.
 *
 * Every script is self-contained: the data it plots is inlined as datablocks
 * ($s0, $s1, ...), so gnuplot opens no input file and never sees a path but
 * the two outputs. Text passed to gnuplot (titles, paths) is written in single
 * quotes, where gnuplot performs no backquote or escape processing; a single
 * quote is doubled, control characters in titles become '?', and paths with
 * line breaks are refused. Terminals are `noenhanced` so ids like us_tariff
 * are not typeset as subscripts.
 *
 * The functions here only read the loaded folders and keep no state of their
 * own. */
#include "tradesim/plot.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "tradesim/calendar.h"
#include "tradesim/fs.h"
#include "tradesim/scenario.h"
#include "tradesim/text.h"

/* ---- gnuplot text ------------------------------------------------------ */

/* A round tick interval giving about five intervals over span: 1, 2, 2.5 or
 * 5 times a power of ten. */
double ts_pl_nice_step(double span)
{
    double raw = span / 5.0, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 2.5 ? 2.5 : f <= 5.0 ? 5.0 : 10.0) * mag;
}

/* Appends s as a gnuplot single-quoted string. */
void ts_pl_quote(ts_text *b, const char *s)
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

/* ---- scripts ------------------------------------------------------------ */

/* Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#999999"};
#define N_PALETTE (sizeof palette / sizeof palette[0])

const char *ts_pl_colour(size_t i) { return palette[i % N_PALETTE]; }

enum { PANEL_W = 960, PANEL_H = 560, KEY_W = 300 };

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

/* Inlines one series of one folder: x, mean, p05, p50, p95, the values
 * times scale (100 for percentages). */
static void put_block(ts_text *b, int idx, const ts_plot_data *d, const pl_series *s,
                      bool dates, double scale)
{
    ts_text_printf(b, "$s%d << EOD\n", idx);
    for (size_t r = 0; r < d->n_rows; r++) {
        if (dates)
            ts_text_puts(b, d->date[r]);
        else
            ts_text_printf(b, "%.10g", d->step[r]);
        const double *row = d->v + r * d->n_cols;
        for (int k = 0; k < PL_N_STATS; k++) {
            double x = row[s->col[k]];
            if (isnan(x))
                ts_text_puts(b, " ?");
            else
                ts_text_printf(b, " %.10g", x * scale);
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
    int style;           /* the folder's index: its colour, dash and marker */
    const char *title;   /* of the median line */
    size_t rows;
} curve;

/* From MANY_SCENARIOS overlaid, colour alone does not tell the scenarios
 * apart where bands overlap: each median gets its own dash pattern and
 * markers, the bands are fainter with dotted edges, and the means are left
 * out. */
#define MANY_SCENARIOS 4
static const int dashes[] = {1, 2, 4, 5};
static const int markers[] = {7, 5, 9, 11, 13, 4, 6, 8};

static void put_plot(ts_text *b, const curve *c, size_t n, bool single)
{
    bool many = !single && n >= MANY_SCENARIOS;
    ts_text_puts(b, "plot ");
    for (size_t i = 0; i < n; i++) {
        const char *col = palette[(size_t)c[i].style % N_PALETTE];
        ts_text_printf(b, "$s%d using 1:3:5 with filledcurves fc rgb '%s' fs transparent solid %s "
                     "noborder",
                  c[i].block, col, many ? "0.08" : n > 1 ? "0.18" : "0.3");
        if (single)
            ts_text_puts(b, " title '5-95% of replicates'");
        if (many)
            ts_text_printf(b, ", \\\n     $s%d using 1:3 with lines lw 0.8 dt 3 lc rgb '%s', "
                           "\\\n     $s%d using 1:5 with lines lw 0.8 dt 3 lc rgb '%s'",
                           c[i].block, col, c[i].block, col);
        ts_text_puts(b, ", \\\n     ");
    }
    for (size_t i = 0; i < n; i++) {
        const char *col = palette[(size_t)c[i].style % N_PALETTE];
        if (many) {
            size_t every = c[i].rows / 10 ? c[i].rows / 10 : 1;
            ts_text_printf(b, "$s%d using 1:4 with linespoints lw 2 dt %d pt %d ps 1.1 pi %zu "
                           "lc rgb '%s' title ", c[i].block,
                           dashes[(size_t)c[i].style % (sizeof dashes / sizeof dashes[0])],
                           markers[(size_t)c[i].style % (sizeof markers / sizeof markers[0])],
                           every, col);
            ts_pl_quote(b, c[i].title);
            ts_text_puts(b, ", \\\n     ");
            continue;
        }
        ts_text_printf(b, "$s%d using 1:4 with lines lw 2.5 lc rgb '%s' title ", c[i].block,
                  col);
        ts_pl_quote(b, single ? "median" : c[i].title);
        ts_text_printf(b, ", \\\n     $s%d using 1:2 with lines lw 1.5 dt 2 lc rgb '%s'", c[i].block,
                  col);
        if (single)
            ts_text_puts(b, " title 'mean'");
        ts_text_puts(b, i + 1 < n || !single ? ", \\\n     " : "\n");
    }
    if (many)
        ts_text_puts(b, "keyentry with filledcurves fc rgb '#808080' fs transparent solid 0.15 "
                   "noborder title '5-95% band (dotted edges)', \\\n"
                   "     keyentry with lines lw 2 lc rgb '#606060' title 'median'\n");
    else if (!single)
        ts_text_puts(b, "keyentry with filledcurves fc rgb '#808080' fs transparent solid 0.3 "
                   "noborder title '5-95% band', \\\n"
                   "     keyentry with lines lw 2.5 lc rgb '#606060' title 'median (solid)', \\\n"
                   "     keyentry with lines lw 1.5 dt 2 lc rgb '#606060' title 'mean (dashed)'\n");
}

bool ts_pl_path_ok(const char *p, ts_error *err)
{
    if (strpbrk(p, "\n\r")) {
        ts_error_set(err, TS_EBAD, "output path holds a line break: refused");
        return false;
    }
    return true;
}

/* Emits body (settings and plot commands) once per terminal. */
char *ts_pl_finish(ts_text *blocks, ts_text *body, const ts_plot_files *files, int w, int h,
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
        ts_pl_quote(&s, output[k]);
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

/* How an issue's levels are shown. */
typedef struct {
    double scale;        /* 100 for percentages */
    bool ranged;         /* [lo, hi], the levers' range (scaled), is known */
    double lo, hi;
    char label[TS_ID_MAX + 64];
} level_axis;

/* The y axis of an issue's chart: with every folder's scenario.cfg read, the
 * union of the levers' ranges and the kind's unit (rates and shares as %);
 * else the bare level, autoscaled. */
static void issue_axis(const char *issue, const pl_series *const *ser, size_t m, level_axis *ax)
{
    *ax = (level_axis){.scale = 1.0};
    bool meta = true;
    int kind = -1;
    double lo = 0.0, hi = 0.0;
    for (size_t i = 0; i < m; i++) {
        if (!ser[i]->has_meta) {
            meta = false;
            break;
        }
        kind = i == 0 || ser[i]->kind == kind ? ser[i]->kind : -1;
        lo = i == 0 || ser[i]->min < lo ? ser[i]->min : lo;
        hi = i == 0 || ser[i]->max > hi ? ser[i]->max : hi;
    }
    if (!meta) {
        snprintf(ax->label, sizeof ax->label, "%s (level)", issue);
        return;
    }
    const char *what = "level";
    bool percent = false;
    switch (kind) {
    case TS_ISSUE_TARIFF: what = "tariff rate"; percent = true; break;
    case TS_ISSUE_CHIP_LICENCE: what = "share of sales denied"; percent = true; break;
    case TS_ISSUE_EXPORT_CONTROL: what = "share of exports withheld"; percent = true; break;
    case TS_ISSUE_PLEDGE:
        what = "enforcement effort";
        percent = lo >= 0.0 && hi <= 1.0;
        break;
    default: break;
    }
    ax->scale = percent ? 100.0 : 1.0;
    ax->lo = lo * ax->scale;
    ax->hi = hi * ax->scale;
    ax->ranged = isfinite(ax->lo) && isfinite(ax->hi) && ax->hi > ax->lo;
    snprintf(ax->label, sizeof ax->label, "%s: %s%s", issue, what, percent ? " (%)" : "");
}

char *ts_plot_issue_script(const ts_plot_data *const *d, size_t n, const char *issue,
                           const ts_plot_files *files, ts_error *err)
{
    if (!ts_pl_path_ok(files->png, err) || !ts_pl_path_ok(files->svg, err))
        return NULL;
    const ts_plot_data *with[n ? n : 1];
    const pl_series *ser[n ? n : 1];
    curve cv[n ? n : 1];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const pl_series *s = ts_pl_find_series(d[i]->issues, d[i]->n_issues, issue);
        if (s) {
            with[m] = d[i];
            ser[m] = s;
            cv[m] = (curve){.block = (int)m, .style = (int)i, .title = label_of(d, n, i),
                            .rows = d[i]->n_rows};
            m++;
        }
    }
    if (m == 0) {
        ts_error_set(err, TS_EBAD, "no result folder has an issue '%s'", issue);
        return NULL;
    }
    bool dates = all_dated(with, m);
    level_axis ax;
    issue_axis(issue, ser, m, &ax);
    ts_text blocks = {0}, body = {0};
    for (size_t i = 0; i < m; i++)
        put_block(&blocks, (int)i, with[i], ser[i], dates, ax.scale);
    put_common(&body);
    put_x_axis(&body, with, m, dates);
    ts_text t = {0};
    char owner[TS_NAME_MAX + 16] = "";
    if (ser[0]->name)
        snprintf(owner, sizeof owner, " (set by %s)", ser[0]->name);
    if (n == 1)
        ts_text_printf(&t, "%s: %s%s", d[0]->name, issue, owner);
    else
        ts_text_printf(&t, "%s%s: %zu scenario%s", issue, owner, m, m == 1 ? "" : "s");
    ts_text_puts(&body, "set title ");
    ts_pl_quote(&body, t.s ? t.s : "");
    ts_text_puts(&body, " font 'Sans,13'\nset ylabel ");
    ts_pl_quote(&body, ax.label);
    ts_text_puts(&body, "\n");
    if (ax.ranged) {
        /* the lever's whole range, a little room so a line at an end shows */
        double pad = 0.03 * (ax.hi - ax.lo);
        ts_text_printf(&body, "set yrange [%.10g:%.10g]\nset ytics %.10g, %.10g, %.10g\n",
                       ax.lo - pad, ax.hi + pad, ax.lo, ts_pl_nice_step(ax.hi - ax.lo), ax.hi);
    }
    body.oom = body.oom || t.oom;
    free(t.s);
    put_plot(&body, cv, m, n == 1);
    return ts_pl_finish(&blocks, &body, files, PANEL_W, PANEL_H, err);
}

static void put_totals_labels(ts_text *body, const char *title)
{
    ts_text_puts(body, "set title ");
    ts_pl_quote(body, title);
    ts_text_puts(body, " font 'Sans,13'\nset ylabel 'cumulative discounted payoff (bn USD)'\n");
}

/* One folder: one panel with every actor. False and err when it has none. */
static bool put_totals_one(ts_text *blocks, ts_text *body, ts_text *t, const ts_plot_data *d,
                           bool dates, ts_error *err)
{
    size_t na = d->n_actors;
    if (na == 0) {
        ts_error_set(err, TS_EBAD, "%s: no '<actor>_total' columns", d->dir);
        return false;
    }
    curve cv[na];
    for (size_t a = 0; a < na; a++) {
        put_block(blocks, (int)a, d, &d->actors[a], dates, 1.0);
        const char *name = d->actors[a].name ? d->actors[a].name : d->actors[a].id;
        cv[a] = (curve){.block = (int)a, .style = (int)a, .title = name, .rows = d->n_rows};
    }
    ts_text_printf(t, "%s: cumulative payoff of each actor", d->name);
    put_totals_labels(body, t->s ? t->s : "");
    put_plot(body, cv, na, false);
    return true;
}

/* The actors of the n folders in order of first appearance, into actors
 * (room for every folder's actors); returns how many. */
static size_t union_actors(const ts_plot_data *const *d, size_t n, const char **actors)
{
    size_t na = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < d[i]->n_actors; a++) {
            bool seen = false;
            for (size_t k = 0; k < na && !seen; k++)
                seen = strcmp(actors[k], d[i]->actors[a].id) == 0;
            if (!seen)
                actors[na++] = d[i]->actors[a].id;
        }
    return na;
}

/* Several folders: one panel per actor, the folders overlaid, two panels a
 * row; the page's size into *w and *h. False and err when no folder has an
 * actor. */
static bool put_totals_each_actor(ts_text *blocks, ts_text *body, ts_text *t,
                                  const ts_plot_data *const *d, size_t n, bool dates, int *w,
                                  int *h, ts_error *err)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += d[i]->n_actors;
    const char *actors[cap ? cap : 1];
    size_t na = union_actors(d, n, actors);
    if (na == 0) {
        ts_error_set(err, TS_EBAD, "no result folder has '<actor>_total' columns");
        return false;
    }
    size_t cols = na < 2 ? na : 2, rows = (na + cols - 1) / cols;
    /* One key for the page, right of the panels, drawn with the first. */
    *w = (int)cols * 760 + KEY_W;
    *h = (int)rows * PANEL_H + 40;
    double right = 1.0 - (double)KEY_W / *w;
    ts_text_puts(body, "set multiplot layout ");
    ts_text_printf(body, "%zu,%zu title ", rows, cols);
    ts_text_printf(t, "cumulative payoff: %zu scenarios", n);
    ts_pl_quote(body, t->s ? t->s : "");
    ts_text_printf(body, " font 'Sans,13' margins 0.06, %.4f, 0.14, 0.9 spacing 0.08, 0.12\n"
                   "set key at screen %.4f, 0.9 left top vertical Left reverse\n",
                   right, right + 0.01);
    int block = 0;
    for (size_t a = 0; a < na; a++) {
        curve cv[n];
        size_t m = 0;
        const char *title = NULL;   /* the actor's name, from a folder that has it */
        for (size_t i = 0; i < n; i++) {
            const pl_series *s = ts_pl_find_series(d[i]->actors, d[i]->n_actors, actors[a]);
            if (!s)
                continue;
            put_block(blocks, block, d[i], s, dates, 1.0);
            cv[m++] = (curve){.block = block++, .style = (int)i, .title = label_of(d, n, i),
                              .rows = d[i]->n_rows};
            title = title ? title : s->name;
        }
        put_totals_labels(body, title ? title : actors[a]);
        put_plot(body, cv, m, false);
        if (a == 0)
            ts_text_puts(body, "unset key\n");
    }
    ts_text_puts(body, "unset multiplot\n");
    return true;
}

char *ts_plot_totals_script(const ts_plot_data *const *d, size_t n, const ts_plot_files *files,
                            ts_error *err)
{
    if (!ts_pl_path_ok(files->png, err) || !ts_pl_path_ok(files->svg, err))
        return NULL;
    bool dates = all_dated(d, n);
    ts_text blocks = {0}, body = {0}, t = {0};
    put_common(&body);
    put_x_axis(&body, d, n, dates);
    int w = PANEL_W, h = PANEL_H;
    if (n == 1 ? !put_totals_one(&blocks, &body, &t, d[0], dates, err)
               : !put_totals_each_actor(&blocks, &body, &t, d, n, dates, &w, &h, err)) {
        ts_text_free(&blocks);
        ts_text_free(&body);
        ts_text_free(&t);
        return NULL;
    }
    body.oom = body.oom || t.oom;
    free(t.s);
    return ts_pl_finish(&blocks, &body, files, w, h, err);
}

/* ---- drawing ------------------------------------------------------------ */

/* File-name part from an id: '/' and control characters would escape or break the name. */
char *ts_pl_file_part(const char *prefix, const char *id)
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

/* Whether any folder has one finite value in series id (an issue), or in
 * any actor's series when id is NULL: gnuplot cannot draw a chart of none. */
static bool has_value(const ts_plot_data *const *d, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        const pl_series *s = id ? ts_pl_find_series(d[i]->issues, d[i]->n_issues, id) : NULL;
        size_t from = 0, to = id ? (s != NULL) : d[i]->n_actors;
        for (size_t a = from; a < to; a++) {
            const pl_series *x = id ? s : &d[i]->actors[a];
            for (size_t r = 0; r < d[i]->n_rows; r++)
                for (int k = 0; k < PL_N_STATS; k++)
                    if (isfinite(d[i]->v[r * d[i]->n_cols + x->col[k]]))
                        return true;
        }
    }
    return false;
}

static void skipped(const ts_plot_options *opt, const char *what)
{
    if (opt->notes)
        fprintf(opt->notes, "note: %s has no finite value (all NaN or infinite): no chart\n",
                what);
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
                seen = ts_pl_find_series(d[j]->issues, d[j]->n_issues, id) != NULL;
            if (seen)
                continue;
            if (!has_value(d, n, id)) {
                skipped(opt, id);
                continue;
            }
            char *stem = ts_pl_file_part(prefix, id);
            rc = stem ? ts_pl_draw_chart(d, n, id, stem, opt, err)
                      : ts_error_set(err, TS_EIO, "out of memory");
            free(stem);
        }
    bool any_actor = false;
    for (size_t i = 0; i < n; i++)
        any_actor = any_actor || d[i]->n_actors > 0;
    if (rc == TS_OK && any_actor && !has_value(d, n, NULL)) {
        skipped(opt, "every actor's total");
        any_actor = false;
    }
    if (rc == TS_OK && any_actor) {
        char *stem = ts_pl_file_part(prefix, "totals");
        rc = stem ? ts_pl_draw_chart(d, n, NULL, stem, opt, err)
                  : ts_error_set(err, TS_EIO, "out of memory");
        free(stem);
    }
    return rc;
}
