/* Loading an experiment folder for its charts, and what the charts draw:
 * tornado bars and sweep lines (see plot.h, "experiment folders", and
 * docs/cli.md under `tradesim plot`).
 *
 * design.csv gives each point's factor values at full precision, so the
 * charts take factors from it and outcomes from points.csv (matched by the
 * point column); sensitivity.csv is kept as rows. Every number field is
 * checked when read: text where a number belongs is an error naming file and
 * line, an empty cell (an undefined index) is NaN.
 *
 * A ts_plot_exp is immutable once loaded; nothing here keeps state of its
 * own, so any number of threads may read one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_sort.h>

#include "plot_internal.h"
#include "tradesim/csvread.h"

typedef struct {
    char *output, *parameter, *method, *index;
    double value, lo, hi;
} sens_row;

struct ts_plot_exp {
    char *name;
    size_t k, n_points;
    char **factors;     /* k */
    double *design;     /* n_points * k */
    size_t n_cols;
    char **cols;        /* points.csv's outcome columns (not point or a factor) */
    double *cells;      /* n_cols * n_points, column-major; NaN where missing */
    sens_row *rows;
    size_t n_rows;
    char **outputs;     /* distinct sensitivity outputs, first appearance */
    size_t n_outputs;
    size_t *levels;     /* k: distinct values per factor */
    bool grid;
};

static char *path_of(const char *dir, const char *file)
{
    ts_text t = {0};
    ts_text_printf(&t, "%s/%s", dir, file);
    if (t.oom)
        ts_text_free(&t);
    return t.s;
}

bool ts_plot_is_experiment(const char *dir)
{
    static const char *const need[] = {"design.csv", "points.csv", "sensitivity.csv"};
    for (size_t i = 0; i < 3; i++) {
        char *p = path_of(dir, need[i]);
        struct stat st;
        bool ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
        free(p);
        if (!ok)
            return false;
    }
    return true;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void ts_plot_exp_free(ts_plot_exp *x)
{
    if (!x)
        return;
    free(x->name);
    free_strings(x->factors, x->k);
    free(x->design);
    free_strings(x->cols, x->n_cols);
    free(x->cells);
    for (size_t i = 0; i < x->n_rows; i++) {
        free(x->rows[i].output);
        free(x->rows[i].parameter);
        free(x->rows[i].method);
        free(x->rows[i].index);
    }
    free(x->rows);
    free(x->outputs);   /* points into rows */
    free(x->levels);
    free(x);
}

/* Opens dir/file and reads its header: NULL and err when missing or empty. */
static ts_csvread *open_csv(const char *dir, const char *file, ts_error *err)
{
    char *p = path_of(dir, file);
    if (!p) {
        ts_error_set(err, TS_EIO, "%s: out of memory", dir);
        return NULL;
    }
    ts_csvread *r = ts_csvread_open(p, err);
    free(p);
    bool got = false;
    if (r && ts_csvread_next(r, &got, err) == TS_OK && !got)
        ts_error_set(err, TS_EBAD, "%s: empty file, expected a header row", ts_csvread_path(r));
    if (r && !got) {
        ts_csvread_free(r);
        return NULL;
    }
    return r;
}

static ts_status count_ok(const ts_csvread *r, size_t want, ts_error *err)
{
    if (ts_csvread_count(r) == want)
        return TS_OK;
    return ts_error_set(err, TS_EBAD, "%s:%zu: %zu fields, the header has %zu",
                        ts_csvread_path(r), ts_csvread_line(r), ts_csvread_count(r), want);
}

/* Field c as a number: empty, "nan" and infinities give NaN; other text is an error. */
static ts_status cell(const ts_csvread *r, size_t c, double *v, ts_error *err)
{
    const char *s = ts_csvread_field(r, c);
    if (!*s) {
        *v = NAN;
        return TS_OK;
    }
    if (!ts_csvread_number(s, v))
        return ts_error_set(err, TS_EBAD, "%s:%zu: '%s' is not a number", ts_csvread_path(r),
                            ts_csvread_line(r), s);
    if (!isfinite(*v))
        *v = NAN;
    return TS_OK;
}

/* Field 0 as a point number below n. */
static ts_status point_of(const ts_csvread *r, size_t n, size_t *p, ts_error *err)
{
    double v;
    const char *s = ts_csvread_field(r, 0);
    if (!ts_csvread_number(s, &v) || !(v >= 0.0) || v >= (double)n || v != floor(v))
        return ts_error_set(err, TS_EBAD, "%s:%zu: point '%s' is not one of design.csv's 0 to %zu",
                            ts_csvread_path(r), ts_csvread_line(r), s, n ? n - 1 : 0);
    *p = (size_t)v;
    return TS_OK;
}

static bool grow(void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? 2 * *cap : 64;
    while (nc <= n)
        nc *= 2;
    void *g = realloc(*v, nc * size);
    if (!g)
        return false;
    *v = g;
    *cap = nc;
    return true;
}

static ts_status read_design(ts_plot_exp *x, const char *dir, ts_error *err)
{
    ts_csvread *r = open_csv(dir, "design.csv", err);
    if (!r)
        return err->code;
    const char *path = ts_csvread_path(r);
    size_t nf = ts_csvread_count(r);
    ts_status rc = TS_OK;
    if (nf < 2 || strcmp(ts_csvread_field(r, 0), "point") != 0)
        rc = ts_error_set(err, TS_EBAD, "%s:1: expected 'point' and the factors' columns", path);
    x->k = nf - 1;
    x->factors = rc == TS_OK ? calloc(x->k, sizeof *x->factors) : NULL;
    for (size_t j = 0; rc == TS_OK && j < x->k; j++)
        if (!x->factors || !(x->factors[j] = strdup(ts_csvread_field(r, j + 1))))
            rc = ts_error_set(err, TS_EIO, "%s: out of memory", path);
    size_t cap = 0;
    bool got = true;
    while (rc == TS_OK && (rc = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        rc = count_ok(r, nf, err);
        double p;
        if (rc == TS_OK && (!ts_csvread_number(ts_csvread_field(r, 0), &p) ||
                            p != (double)x->n_points))
            rc = ts_error_set(err, TS_EBAD, "%s:%zu: point '%s', expected %zu", path,
                              ts_csvread_line(r), ts_csvread_field(r, 0), x->n_points);
        if (rc == TS_OK && !grow((void **)&x->design, x->n_points * x->k + x->k - 1, &cap,
                                 sizeof *x->design))
            rc = ts_error_set(err, TS_EIO, "%s: out of memory", path);
        for (size_t j = 0; rc == TS_OK && j < x->k; j++) {
            double *v = &x->design[x->n_points * x->k + j];
            rc = cell(r, j + 1, v, err);
            if (rc == TS_OK && isnan(*v))
                rc = ts_error_set(err, TS_EBAD, "%s:%zu: %s has no finite value", path,
                                  ts_csvread_line(r), x->factors[j]);
        }
        x->n_points += rc == TS_OK;
    }
    if (rc == TS_OK && x->n_points == 0)
        rc = ts_error_set(err, TS_EBAD, "%s: no data rows after the header", path);
    ts_csvread_free(r);
    return rc;
}

static long factor_index(const ts_plot_exp *x, const char *name)
{
    for (size_t j = 0; j < x->k; j++)
        if (strcmp(x->factors[j], name) == 0)
            return (long)j;
    return -1;
}

static ts_status read_points(ts_plot_exp *x, const char *dir, ts_error *err)
{
    ts_csvread *r = open_csv(dir, "points.csv", err);
    if (!r)
        return err->code;
    const char *path = ts_csvread_path(r);
    size_t nf = ts_csvread_count(r);
    ts_status rc = TS_OK;
    if (strcmp(ts_csvread_field(r, 0), "point") != 0)
        rc = ts_error_set(err, TS_EBAD, "%s:1: expected 'point' first", path);
    long *col_of = calloc(nf, sizeof *col_of);   /* field -> outcome column, or -1 */
    x->cols = calloc(nf, sizeof *x->cols);
    x->cells = malloc((nf ? nf : 1) * x->n_points * sizeof *x->cells);
    bool *seen = calloc(x->n_points, sizeof *seen);
    if (rc == TS_OK && (!col_of || !x->cols || !x->cells || !seen))
        rc = ts_error_set(err, TS_EIO, "%s: out of memory", path);
    for (size_t c = 1; rc == TS_OK && c < nf; c++) {
        const char *h = ts_csvread_field(r, c);
        col_of[c] = -1;
        if (factor_index(x, h) >= 0)
            continue;
        col_of[c] = (long)x->n_cols;
        if (!(x->cols[x->n_cols++] = strdup(h)))
            rc = ts_error_set(err, TS_EIO, "%s: out of memory", path);
    }
    for (size_t i = 0; rc == TS_OK && i < x->n_cols * x->n_points; i++)
        x->cells[i] = NAN;
    bool got = true;
    while (rc == TS_OK && (rc = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        size_t p = 0;
        rc = count_ok(r, nf, err);
        if (rc == TS_OK)
            rc = point_of(r, x->n_points, &p, err);
        if (rc == TS_OK && seen[p])
            rc = ts_error_set(err, TS_EBAD, "%s:%zu: point %zu appears twice", path,
                              ts_csvread_line(r), p);
        if (rc == TS_OK)
            seen[p] = true;
        for (size_t c = 1; rc == TS_OK && c < nf; c++)
            if (col_of[c] >= 0)
                rc = cell(r, c, &x->cells[(size_t)col_of[c] * x->n_points + p], err);
    }
    free(col_of);
    free(seen);
    ts_csvread_free(r);
    return rc;
}

static const char *const sens_cols[] = {"output", "parameter", "method", "index",
                                        "value",  "lo95",      "hi95"};

static ts_status add_sens_row(ts_plot_exp *x, const ts_csvread *r, const size_t *at,
                              size_t *cap, ts_error *err)
{
    const char *path = ts_csvread_path(r);
    if (!grow((void **)&x->rows, x->n_rows, cap, sizeof *x->rows))
        return ts_error_set(err, TS_EIO, "%s: out of memory", path);
    sens_row *s = &x->rows[x->n_rows];
    *s = (sens_row){.value = NAN};
    ts_status rc = cell(r, at[4], &s->value, err);
    if (rc == TS_OK)
        rc = cell(r, at[5], &s->lo, err);
    if (rc == TS_OK)
        rc = cell(r, at[6], &s->hi, err);
    for (int i = 0; rc == TS_OK && i < 4; i++)
        if (!*ts_csvread_field(r, at[i]))
            rc = ts_error_set(err, TS_EBAD, "%s:%zu: empty %s", path, ts_csvread_line(r),
                              sens_cols[i]);
    if (rc != TS_OK)
        return rc;
    s->output = strdup(ts_csvread_field(r, at[0]));
    s->parameter = strdup(ts_csvread_field(r, at[1]));
    s->method = strdup(ts_csvread_field(r, at[2]));
    s->index = strdup(ts_csvread_field(r, at[3]));
    x->n_rows++;
    if (!s->output || !s->parameter || !s->method || !s->index)
        return ts_error_set(err, TS_EIO, "%s: out of memory", path);
    for (size_t i = 0; i < x->n_outputs; i++)
        if (strcmp(x->outputs[i], s->output) == 0)
            return TS_OK;
    x->outputs[x->n_outputs++] = s->output;
    return TS_OK;
}

static ts_status read_sensitivity(ts_plot_exp *x, const char *dir, ts_error *err)
{
    ts_csvread *r = open_csv(dir, "sensitivity.csv", err);
    if (!r)
        return err->code;
    const char *path = ts_csvread_path(r);
    size_t nf = ts_csvread_count(r), at[7];
    ts_status rc = TS_OK;
    for (size_t i = 0; i < 7 && rc == TS_OK; i++) {
        at[i] = nf;
        for (size_t c = 0; c < nf; c++)
            if (strcmp(ts_csvread_field(r, c), sens_cols[i]) == 0)
                at[i] = c;
        if (at[i] == nf)
            rc = ts_error_set(err, TS_EBAD, "%s:1: no '%s' column in the header", path,
                              sens_cols[i]);
    }
    size_t cap = 0, ocap = 0;
    bool got = true;
    while (rc == TS_OK && (rc = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        rc = count_ok(r, nf, err);
        if (rc == TS_OK && !grow((void **)&x->outputs, x->n_outputs, &ocap, sizeof *x->outputs))
            rc = ts_error_set(err, TS_EIO, "%s: out of memory", path);
        if (rc == TS_OK)
            rc = add_sens_row(x, r, at, &cap, err);
    }
    ts_csvread_free(r);
    return rc;
}

/* Distinct values per factor, and whether the points are their full factorial. */
static ts_status detect_grid(ts_plot_exp *x, ts_error *err)
{
    x->levels = calloc(x->k, sizeof *x->levels);
    double *col = malloc(x->n_points * sizeof *col);
    if (!x->levels || !col) {
        free(col);
        return ts_error_set(err, TS_EIO, "%s: out of memory", x->name);
    }
    double cells = 1.0;
    for (size_t j = 0; j < x->k; j++) {
        for (size_t p = 0; p < x->n_points; p++)
            col[p] = x->design[p * x->k + j];
        gsl_sort(col, 1, x->n_points);
        size_t d = 0;
        for (size_t p = 0; p < x->n_points; p++)
            d += p == 0 || col[p] != col[p - 1];
        x->levels[j] = d;
        cells *= (double)d;
    }
    x->grid = cells == (double)x->n_points;
    for (size_t j = 0; j < x->k; j++)
        x->grid = x->grid && x->levels[j] <= TS_PLOT_GRID_LEVELS;
    free(col);
    if (!x->grid)
        return TS_OK;
    /* As many points as cells: a full factorial exactly when no two points coincide. */
    for (size_t p = 0; p < x->n_points && x->grid; p++)
        for (size_t q = p + 1; q < x->n_points && x->grid; q++)
            x->grid = memcmp(&x->design[p * x->k], &x->design[q * x->k],
                             x->k * sizeof *x->design) != 0;
    return TS_OK;
}

ts_plot_exp *ts_plot_exp_load(const char *dir, ts_error *err)
{
    ts_error local;
    err = err ? err : &local;   /* the readers report through err->code */
    ts_error_clear(err);
    ts_plot_exp *x = calloc(1, sizeof *x);
    if (!x || !(x->name = ts_pl_folder_name(dir))) {
        ts_error_set(err, TS_EIO, "%s: out of memory", dir);
        ts_plot_exp_free(x);
        return NULL;
    }
    ts_status rc = read_design(x, dir, err);
    if (rc == TS_OK)
        rc = read_points(x, dir, err);
    if (rc == TS_OK)
        rc = read_sensitivity(x, dir, err);
    if (rc == TS_OK)
        rc = detect_grid(x, err);
    if (rc != TS_OK) {
        ts_plot_exp_free(x);
        return NULL;
    }
    return x;
}

const char *ts_plot_exp_name(const ts_plot_exp *x) { return x->name; }
size_t ts_plot_exp_n_factors(const ts_plot_exp *x) { return x->k; }
const char *ts_plot_exp_factor(const ts_plot_exp *x, size_t j) { return x->factors[j]; }
size_t ts_plot_exp_n_points(const ts_plot_exp *x) { return x->n_points; }
size_t ts_plot_exp_n_outputs(const ts_plot_exp *x) { return x->n_outputs; }
const char *ts_plot_exp_output(const ts_plot_exp *x, size_t i) { return x->outputs[i]; }
bool ts_plot_exp_is_grid(const ts_plot_exp *x) { return x->grid; }

double ts_plot_exp_design(const ts_plot_exp *x, size_t point, size_t j)
{
    return x->design[point * x->k + j];
}

const double *ts_plot_exp_column(const ts_plot_exp *x, const char *name)
{
    for (size_t c = 0; c < x->n_cols; c++)
        if (strcmp(x->cols[c], name) == 0)
            return x->cells + c * x->n_points;
    return NULL;
}

/* ---- tornado ------------------------------------------------------------ */

/* The primary index (the sort key) and the secondary one of a known method. */
static void method_indices(const char *method, const char **idx)
{
    static const char *const known[][3] = {
        {"sobol", "ST", "S1"}, {"morris", "mu_star", "sigma"}, {"given_data", "PRCC", "S1"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(method, known[i][0]) == 0) {
            idx[0] = known[i][1];
            idx[1] = known[i][2];
            return;
        }
}

typedef struct {
    double key;
    size_t pos;
    ts_plot_bar bar;
} ranked;

static int by_importance(const void *a, const void *b)
{
    const ranked *p = a, *q = b;
    if (p->key != q->key)
        return p->key > q->key ? -1 : 1;
    return p->pos < q->pos ? -1 : p->pos > q->pos;
}

static double importance(const ts_plot_bar *b)
{
    return isfinite(b->value[0]) ? fabs(b->value[0])
           : isfinite(b->value[1]) ? fabs(b->value[1])
                                   : -1.0;
}

ts_status ts_plot_exp_tornado(const ts_plot_exp *x, const char *output, ts_plot_tornado *t,
                              ts_error *err)
{
    *t = (ts_plot_tornado){0};
    const sens_row *first = NULL;
    for (size_t i = 0; i < x->n_rows && !first; i++)
        if (strcmp(x->rows[i].output, output) == 0)
            first = &x->rows[i];
    if (!first)
        return ts_error_set(err, TS_EBAD, "%s: sensitivity.csv has no output '%s'", x->name,
                            output);
    t->method = first->method;
    t->index[0] = first->index;
    method_indices(t->method, t->index);
    ranked *r = calloc(x->n_rows, sizeof *r);
    if (!r)
        return ts_error_set(err, TS_EIO, "%s: out of memory", x->name);
    for (size_t i = 0; i < x->n_rows; i++) {
        const sens_row *s = &x->rows[i];
        if (strcmp(s->output, output) != 0 || strcmp(s->method, t->method) != 0)
            continue;
        int slot = strcmp(s->index, t->index[0]) == 0                  ? 0
                   : t->index[1] && strcmp(s->index, t->index[1]) == 0 ? 1
                                                                       : -1;
        if (slot < 0)
            continue;
        size_t b = 0;
        while (b < t->n && strcmp(r[b].bar.parameter, s->parameter) != 0)
            b++;
        if (b == t->n) {
            r[t->n++] = (ranked){.pos = b,
                                 .bar = {.parameter = s->parameter,
                                         .value = {NAN, NAN}, .lo = {NAN, NAN},
                                         .hi = {NAN, NAN}}};
        }
        r[b].bar.value[slot] = s->value;
        r[b].bar.lo[slot] = s->lo;
        r[b].bar.hi[slot] = s->hi;
    }
    for (size_t b = 0; b < t->n; b++)
        r[b].key = importance(&r[b].bar);
    qsort(r, t->n, sizeof *r, by_importance);
    t->bars = malloc((t->n ? t->n : 1) * sizeof *t->bars);
    for (size_t b = 0; t->bars && b < t->n; b++)
        t->bars[b] = r[b].bar;
    free(r);
    if (!t->bars)
        return ts_error_set(err, TS_EIO, "%s: out of memory", x->name);
    return TS_OK;
}

void ts_plot_tornado_free(ts_plot_tornado *t)
{
    free(t->bars);
    *t = (ts_plot_tornado){0};
}

/* ---- sweep -------------------------------------------------------------- */

typedef struct {
    double x, y;
} xy;

static int by_x(const void *a, const void *b)
{
    const xy *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    /* NaN outcomes last among equal x, so the order never depends on qsort */
    if (isnan(p->y) || isnan(q->y))
        return isnan(p->y) - isnan(q->y);
    return (p->y > q->y) - (p->y < q->y);
}

void ts_plot_sweep_free(ts_plot_sweep *s)
{
    for (size_t i = 0; s->lines && i < s->n_lines; i++) {
        free(s->lines[i].label);
        free(s->lines[i].x);
        free(s->lines[i].y);
    }
    free(s->lines);
    *s = (ts_plot_sweep){0};
}

/* Point p's combination of the other factors' levels, factor 1 the most
 * significant digit: lines come in the design's order. */
static size_t combo_of(const ts_plot_exp *x, const double *const *lv, size_t p)
{
    size_t c = 0;
    for (size_t j = 1; j < x->k; j++) {
        double v = x->design[p * x->k + j];
        size_t l = 0;
        while (lv[j][l] != v)
            l++;
        c = c * x->levels[j] + l;
    }
    return c;
}

/* Line `line`: the points of combination c (every point when k is 1). */
static bool fill_line(const ts_plot_exp *x, const double *col, const double *const *lv, size_t c,
                      ts_plot_line *line)
{
    xy *v = malloc(x->n_points * sizeof *v);
    ts_text label = {0};
    size_t n = 0, member = 0;
    for (size_t p = 0; v && p < x->n_points; p++)
        if (x->k == 1 || combo_of(x, lv, p) == c) {
            v[n++] = (xy){.x = x->design[p * x->k], .y = col[p]};
            member = p;
        }
    ts_text_puts(&label, "");
    for (size_t j = 1; j < x->k; j++)
        ts_text_printf(&label, "%s%s=%.6g", j > 1 ? ", " : "", x->factors[j],
                       x->design[member * x->k + j]);
    line->label = label.s;
    line->x = malloc((n ? n : 1) * sizeof *line->x);
    line->y = malloc((n ? n : 1) * sizeof *line->y);
    bool ok = v && !label.oom && line->x && line->y;
    if (ok) {
        qsort(v, n, sizeof *v, by_x);
        for (size_t i = 0; i < n; i++) {
            line->x[i] = v[i].x;
            line->y[i] = v[i].y;
        }
        line->n = n;
    }
    free(v);
    return ok;
}

static void free_levels(double **lv, size_t k)
{
    for (size_t j = 0; lv && j < k; j++)
        free(lv[j]);
    free(lv);
}

/* Each factor's distinct levels, ascending (lv[j] has x->levels[j]). */
static double **factor_levels(const ts_plot_exp *x)
{
    double **lv = calloc(x->k, sizeof *lv);
    for (size_t j = 0; lv && j < x->k; j++) {
        double *v = malloc(x->n_points * sizeof *v);
        if (!v) {
            free_levels(lv, j);
            return NULL;
        }
        for (size_t p = 0; p < x->n_points; p++)
            v[p] = x->design[p * x->k + j];
        gsl_sort(v, 1, x->n_points);
        size_t d = 0;
        for (size_t p = 0; p < x->n_points; p++)
            if (p == 0 || v[p] != v[d - 1])
                v[d++] = v[p];
        lv[j] = v;
    }
    return lv;
}

ts_status ts_plot_exp_sweep(const ts_plot_exp *x, const char *output, size_t max_lines,
                            ts_plot_sweep *s, ts_error *err)
{
    *s = (ts_plot_sweep){0};
    const double *col = ts_plot_exp_column(x, output);
    if (!col)
        return ts_error_set(err, TS_EBAD, "%s: points.csv has no column '%s'", x->name, output);
    if (x->k != 1 && !x->grid)
        return ts_error_set(err, TS_EBAD, "%s: neither a grid nor a one-factor design", x->name);
    max_lines = max_lines ? max_lines : TS_PLOT_MAX_LINES;
    s->n_combos = 1;
    for (size_t j = 1; j < x->k; j++)
        s->n_combos *= x->levels[j];
    s->n_lines = s->n_combos < max_lines ? s->n_combos : max_lines;
    s->lines = calloc(s->n_lines, sizeof *s->lines);
    double **lv = factor_levels(x);
    bool ok = s->lines && lv;
    for (size_t i = 0; ok && i < s->n_lines; i++) {
        /* evenly spaced combinations, the first and the last included */
        size_t c = s->n_lines == 1 ? 0
                                   : (size_t)llround((double)i * (double)(s->n_combos - 1) /
                                                     (double)(s->n_lines - 1));
        ok = fill_line(x, col, (const double *const *)lv, c, &s->lines[i]);
    }
    free_levels(lv, x->k);
    if (!ok) {
        ts_plot_sweep_free(s);
        return ts_error_set(err, TS_EIO, "%s: out of memory", x->name);
    }
    return TS_OK;
}
