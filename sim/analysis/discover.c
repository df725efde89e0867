/* Given-data sensitivity and scenario discovery on a finished folder
 * (discover.h; docs/experiments.md). */
#include "tradesim/discover.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_cdf.h>

#include "tradesim/cart.h"
#include "tradesim/csv.h"
#include "tradesim/csvread.h"
#include "tradesim/experiment.h"
#include "tradesim/fs.h"
#include "tradesim/prim.h"
#include "tradesim/resultdir.h"
#include "tradesim/scenario.h"
#include "tradesim/sensitivity.h"

/* ---- reading ------------------------------------------------------------------ */

static bool exists(const char *folder, const char *file)
{
    char p[4300];
    struct stat st;
    return snprintf(p, sizeof p, "%s/%s", folder, file) < (int)sizeof p && stat(p, &st) == 0;
}

/* The header of path (its fields, malloc'd copies). */
static ts_status read_header(const char *path, char ***names, size_t *n, ts_error *err)
{
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r)
        return err ? err->code : TS_EBAD;
    bool got = false;
    ts_status st = ts_csvread_next(r, &got, err);
    if (st == TS_OK && !got)
        st = ts_error_set(err, TS_EBAD, "%s: empty file", path);
    *n = st == TS_OK ? ts_csvread_count(r) : 0;
    *names = st == TS_OK ? calloc(*n + 1, sizeof **names) : NULL;
    if (st == TS_OK && !*names)
        st = ts_error_set(err, TS_EIO, "out of memory");
    for (size_t i = 0; st == TS_OK && i < *n; i++)
        if (!((*names)[i] = strdup(ts_csvread_field(r, i))))
            st = ts_error_set(err, TS_EIO, "out of memory");
    ts_csvread_free(r);
    return st;
}

static void free_names(char **names, size_t n)
{
    if (names)
        for (size_t i = 0; i < n; i++)
            free(names[i]);
    free(names);
}

static int find(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return (int)i;
    return -1;
}

/* Reads every row of path: column fx[j] into x[row][j], fy[j] into y[row][j]
 * (empty cells NaN; anything else must be a number). */
static ts_status read_rows(ts_folder_data *d, const int *fx, const int *fy, size_t n_cols,
                           char **names, ts_error *err)
{
    ts_csvread *r = ts_csvread_open(d->path, err);
    if (!r)
        return err ? err->code : TS_EBAD;
    bool got = false;
    ts_status st = ts_csvread_next(r, &got, err);   /* the header */
    size_t cap = 0;
    while (st == TS_OK && (st = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        if (ts_csvread_count(r) != n_cols) {
            st = ts_error_set(err, TS_EBAD, "%s:%zu: %zu fields, the header has %zu", d->path,
                              ts_csvread_line(r), ts_csvread_count(r), n_cols);
            break;
        }
        if (d->n == cap) {
            cap = cap ? 2 * cap : 1024;
            double *nx = realloc(d->x, cap * (d->k + 1) * sizeof *nx);
            if (nx)
                d->x = nx;
            double *ny = nx ? realloc(d->y, cap * (d->m + 1) * sizeof *ny) : NULL;
            if (ny)
                d->y = ny;
            if (!nx || !ny) {
                st = ts_error_set(err, TS_EIO, "out of memory reading %s", d->path);
                break;
            }
        }
        for (size_t j = 0; j < d->k + d->m && st == TS_OK; j++) {
            int c = j < d->k ? fx[j] : fy[j - d->k];
            const char *cell = ts_csvread_field(r, (size_t)c);
            double v = NAN;
            if (*cell && !ts_csvread_number(cell, &v))
                st = ts_error_set(err, TS_EBAD, "%s:%zu: %s: expected a number, got '%.40s'",
                                  d->path, ts_csvread_line(r), names[c], cell);
            if (j < d->k && !*cell)
                st = ts_error_set(err, TS_EBAD, "%s:%zu: %s: empty (a factor needs a value)",
                                  d->path, ts_csvread_line(r), names[c]);
            if (j < d->k)
                d->x[d->n * d->k + j] = v;
            else
                d->y[d->n * d->m + (j - d->k)] = v;
        }
        d->n++;
    }
    ts_csvread_free(r);
    return st;
}

static ts_status add_headline(ts_folder_data *d, const ts_scenario *sc, ts_error *err)
{
    d->headline = calloc((size_t)sc->n_issues + 3, sizeof *d->headline);
    if (!d->headline)
        return ts_error_set(err, TS_EIO, "out of memory");
    char want[TS_COLUMN_NAME];
    for (int w = 0; w < sc->n_issues + 3; w++) {
        if (w < 2)
            snprintf(want, sizeof want, "%s_total", sc->actors[w].id);
        else if (w == 2)
            snprintf(want, sizeof want, "%s", d->experiment ? "deal_probability" : "deal");
        else
            snprintf(want, sizeof want, "%s_final", sc->issues[w - 3].id);
        if (ts_folder_outcome(d, want) >= 0)
            snprintf(d->headline[d->n_headline++], TS_COLUMN_NAME, "%s", want);
    }
    return TS_OK;
}

ts_status ts_folder_data_read(const char *folder, ts_folder_data *d, ts_error *err)
{
    memset(d, 0, sizeof *d);
    d->experiment = exists(folder, TS_EXP_POINTS) && exists(folder, TS_EXP_DESIGN);
    const char *rows = d->experiment ? TS_EXP_POINTS : ts_result_file(TS_RESULT_SUMMARY);
    if (!d->experiment && !exists(folder, rows))
        return ts_error_set(err, TS_EBAD, "%s: neither a result folder (summary.csv) nor an "
                            "experiment folder (points.csv, design.csv)", folder);
    char cfg[4300];
    snprintf(cfg, sizeof cfg, "%s/%s", folder, ts_result_file(TS_RESULT_SCENARIO));
    snprintf(d->path, sizeof d->path, "%s/%s", folder, rows);
    ts_scenario *sc = ts_scenario_load(cfg, NULL, 0, err);
    if (!sc)
        return err->code;
    d->precision = sc->precision;
    char **names = NULL;
    size_t n_cols = 0;
    ts_status st = read_header(d->path, &names, &n_cols, err);
    int *fx = NULL, *fy = NULL;
    if (st == TS_OK) {
        fx = calloc(n_cols + 1, sizeof *fx);
        fy = calloc(n_cols + 1, sizeof *fy);
        d->factor = calloc(n_cols + 1, sizeof *d->factor);
        d->outcome = calloc(n_cols + 1, sizeof *d->outcome);
        if (!fx || !fy || !d->factor || !d->outcome)
            st = ts_error_set(err, TS_EIO, "out of memory");
    }
    if (st == TS_OK) {
        char **dn = NULL;
        size_t n_dn = 0;
        /* The factors: design.csv's columns, or the scenario's uncertain list. */
        if (d->experiment) {
            char dp[4300];
            snprintf(dp, sizeof dp, "%s/%s", folder, TS_EXP_DESIGN);
            st = read_header(dp, &dn, &n_dn, err);
        }
        size_t nf = d->experiment ? (n_dn > 0 ? n_dn - 1 : 0) : (size_t)sc->n_uncertain;
        for (size_t j = 0; st == TS_OK && j < nf; j++) {
            const char *f = d->experiment ? dn[j + 1] : sc->uncertain[j].name;
            int c = find(names, n_cols, f);
            if (c < 0)
                st = ts_error_set(err, TS_EBAD, "%s: no column '%s' (a factor)", d->path, f);
            else {
                fx[d->k] = c;
                snprintf(d->factor[d->k++], TS_COLUMN_NAME, "%s", f);
            }
        }
        free_names(dn, n_dn);
        if (st == TS_OK && d->k == 0)
            st = ts_error_set(err, TS_EBAD, "%s: no uncertain parameters in %s: the analysis "
                              "needs factors (docs/scenario-format.md, \"Uncertain parameters\")",
                              folder, cfg);
        for (size_t c = 0; st == TS_OK && c < n_cols; c++) {
            static const char *const skip[] = {"point", "replicate", "seed", "first_deal_date"};
            bool is_factor = false;
            for (size_t j = 0; j < d->k; j++)
                is_factor = is_factor || fx[j] == (int)c;
            for (size_t s = 0; s < sizeof skip / sizeof skip[0]; s++)
                is_factor = is_factor || !strcmp(names[c], skip[s]);
            if (!is_factor) {
                fy[d->m] = (int)c;
                snprintf(d->outcome[d->m++], TS_COLUMN_NAME, "%s", names[c]);
            }
        }
    }
    if (st == TS_OK)
        st = read_rows(d, fx, fy, n_cols, names, err);
    if (st == TS_OK && d->n < 4)
        st = ts_error_set(err, TS_EBAD, "%s: %zu rows: the analysis needs at least 4", d->path,
                          d->n);
    if (st == TS_OK)
        st = add_headline(d, sc, err);
    free_names(names, n_cols);
    free(fx);
    free(fy);
    ts_scenario_free(sc);
    if (st != TS_OK)
        ts_folder_data_free(d);
    return st;
}

void ts_folder_data_free(ts_folder_data *d)
{
    free(d->factor);
    free(d->outcome);
    free(d->x);
    free(d->y);
    free(d->headline);
    memset(d, 0, sizeof *d);
}

int ts_folder_outcome(const ts_folder_data *d, const char *name)
{
    for (size_t j = 0; j < d->m; j++)
        if (!strcmp(d->outcome[j], name))
            return (int)j;
    return -1;
}

/* ---- given-data sensitivity ----------------------------------------------------- */

ts_status ts_sensitivity_given_write(const ts_folder_data *d, const char *path, ts_error *err)
{
    size_t n = d->n, k = d->k;
    double *x = malloc((n * k + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
    ts_estimate *s1 = calloc(2 * k + 1, sizeof *s1);
    ts_csv *f = x && y && s1 ? ts_csv_open(path, d->precision, err) : NULL;
    ts_status st = f ? TS_OK : x && y && s1 ? TS_EIO : ts_error_set(err, TS_EIO, "out of memory");
    if (f)
        ts_experiment_put_header(f);
    ts_boot_options bo = ts_boot_defaults();
    for (size_t h = 0; st == TS_OK && h < d->n_headline; h++) {
        int c = ts_folder_outcome(d, d->headline[h]);
        /* Rows with the outcome empty take no part. */
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(d->y[i * d->m + (size_t)c])) {
                memcpy(x + m * k, d->x + i * k, k * sizeof *x);
                y[m++] = d->y[i * d->m + (size_t)c];
            }
        if (m < 4)
            continue;
        st = ts_experiment_put_given(f, d->headline[h], d->factor[0], sizeof d->factor[0], x, y, m,
                                     k, &bo, s1, err);
    }
    free(x);
    free(y);
    free(s1);
    if (st != TS_OK) {
        ts_csv_abort(f);
        return st;
    }
    return ts_csv_commit(f, err);
}

/* ---- conditions ------------------------------------------------------------------ */

typedef enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE } op_kind;

typedef struct {
    int col;
    op_kind op;
    double v;
    bool or_before;   /* joined to the previous one by `or` */
} comparison;

struct ts_condition {
    int n;
    comparison c[64];
};

static const char *skip_space(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

ts_status ts_condition_parse(const char *text, const ts_folder_data *d, ts_condition **out,
                             ts_error *err)
{
    *out = NULL;
    ts_condition *c = calloc(1, sizeof *c);
    if (!c)
        return ts_error_set(err, TS_EIO, "out of memory");
    const char *p = skip_space(text);
    bool or_next = false;
    for (;;) {
        if (c->n == 64) {
            free(c);
            return ts_error_set(err, TS_EBAD, "--where: at most 64 comparisons");
        }
        comparison *cm = &c->c[c->n];
        size_t len = 0;
        while (isalnum((unsigned char)p[len]) || p[len] == '_')
            len++;
        char name[TS_COLUMN_NAME];
        if (len == 0 || len >= sizeof name) {
            free(c);
            return ts_error_set(err, TS_EBAD, "--where '%s': expected an outcome's name at '%s'",
                                text, p);
        }
        memcpy(name, p, len);
        name[len] = '\0';
        if ((cm->col = ts_folder_outcome(d, name)) < 0) {
            free(c);
            return ts_error_set(err, TS_EBAD, "--where '%s': no outcome '%s' in %s", text, name,
                                d->path);
        }
        p = skip_space(p + len);
        static const char *const ops[] = {"<=", ">=", "==", "!=", "<", ">"};
        static const op_kind kinds[] = {OP_LE, OP_GE, OP_EQ, OP_NE, OP_LT, OP_GT};
        size_t o = 0;
        while (o < 6 && strncmp(p, ops[o], strlen(ops[o])))
            o++;
        if (o == 6) {
            free(c);
            return ts_error_set(err, TS_EBAD, "--where '%s': expected one of < <= > >= == != "
                                "after '%s'", text, name);
        }
        cm->op = kinds[o];
        p = skip_space(p + strlen(ops[o]));
        char *end;
        cm->v = strtod(p, &end);
        if (end == p || !isfinite(cm->v)) {
            free(c);
            return ts_error_set(err, TS_EBAD, "--where '%s': expected a number after '%s %s'",
                                text, name, ops[o]);
        }
        cm->or_before = or_next;
        c->n++;
        p = skip_space(end);
        if (!*p)
            break;
        if (!strncmp(p, "and", 3) && isspace((unsigned char)p[3]))
            or_next = false, p = skip_space(p + 3);
        else if (!strncmp(p, "or", 2) && isspace((unsigned char)p[2]))
            or_next = true, p = skip_space(p + 2);
        else {
            free(c);
            return ts_error_set(err, TS_EBAD, "--where '%s': expected 'and' or 'or' at '%s'",
                                text, p);
        }
    }
    *out = c;
    return TS_OK;
}

static bool compare(const comparison *cm, double x)
{
    switch (cm->op) {
    case OP_LT: return x < cm->v;
    case OP_LE: return x <= cm->v;
    case OP_GT: return x > cm->v;
    case OP_GE: return x >= cm->v;
    case OP_EQ: return x == cm->v;
    default: return !isnan(x) && x != cm->v;
    }
}

bool ts_condition_holds(const ts_condition *c, const ts_folder_data *d, size_t i)
{
    /* An `or` of `and` groups, left to right. */
    bool any = false, group = true;
    for (int j = 0; j < c->n; j++) {
        if (c->c[j].or_before) {
            any = any || group;
            group = true;
        }
        group = group && compare(&c->c[j], d->y[i * d->m + (size_t)c->c[j].col]);
    }
    return any || group;
}

void ts_condition_free(ts_condition *c) { free(c); }

/* ---- PRIM ------------------------------------------------------------------------ */

/* Each restricted factor's quasi-p-value (Bryant & Lempert 2010): the
 * chance of the box's share of cases or more among its rows if the
 * factor's restriction were dropped, binomially; NaN for a free factor.
 * Counted over every row. */
static void quasi_p(const ts_folder_data *d, const bool *y, const ts_prim_box *bx, double *p)
{
    size_t n = 0, c = 0;
    for (size_t i = 0; i < d->n; i++) {
        bool in = true;
        for (size_t j = 0; j < d->k && in; j++)
            in = d->x[i * d->k + j] >= bx->lo[j] && d->x[i * d->k + j] <= bx->hi[j];
        n += in;
        c += in && y[i];
    }
    for (size_t f = 0; f < d->k; f++) {
        p[f] = NAN;
        if (!bx->restricted[f])
            continue;
        size_t nf = 0, cf = 0;
        for (size_t i = 0; i < d->n; i++) {
            bool in = true;
            for (size_t j = 0; j < d->k && in; j++)
                in = j == f || (d->x[i * d->k + j] >= bx->lo[j] && d->x[i * d->k + j] <= bx->hi[j]);
            nf += in;
            cf += in && y[i];
        }
        p[f] = c == 0 || nf == 0 ? 1.0
                                 : gsl_cdf_binomial_Q((unsigned)(c - 1), (double)cf / (double)nf,
                                                      (unsigned)n);
    }
}

/* boxes.csv: one row per box and factor. */
static ts_status write_boxes(const ts_folder_data *d, const ts_prim_box *const *bx, int n_boxes,
                             const double *qp, const char *outdir, ts_csv **out, ts_error *err)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/boxes.csv", outdir);
    ts_csv *f = ts_csv_open(path, d->precision, err);
    if (!f)
        return TS_EIO;
    static const char *const head[] = {"box",    "coverage", "density", "mass",  "rows",
                                       "cases",  "factor",   "lo",      "hi",    "restricted",
                                       "quasi_p"};
    for (size_t j = 0; j < sizeof head / sizeof head[0]; j++)
        ts_csv_str(f, head[j]);
    ts_csv_end_row(f);
    for (int b = 0; b < n_boxes; b++) {
        for (size_t j = 0; j < d->k; j++) {
            ts_csv_int(f, b + 1);
            ts_csv_num(f, bx[b]->coverage);
            ts_csv_num(f, bx[b]->density);
            ts_csv_num(f, bx[b]->mass);
            ts_csv_u64(f, bx[b]->n_points);
            ts_csv_u64(f, bx[b]->n_cases);
            ts_csv_str(f, d->factor[j]);
            ts_csv_num(f, bx[b]->lo[j]);
            ts_csv_num(f, bx[b]->hi[j]);
            ts_csv_int(f, bx[b]->restricted[j]);
            if (isnan(qp[(size_t)b * d->k + j]))
                ts_csv_empty(f);
            else
                ts_csv_num(f, qp[(size_t)b * d->k + j]);
            ts_csv_end_row(f);
        }
    }
    ts_status st = ts_csv_finish(f, err);
    if (st != TS_OK) {
        ts_csv_abort(f);
        return st;
    }
    *out = f;
    return TS_OK;
}

/* peeling.csv: PRIM's trajectories, the chosen step marked. */
static ts_status write_peeling(const ts_folder_data *d, const ts_prim_result *res,
                               const char *outdir, ts_csv **out, ts_error *err)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/peeling.csv", outdir);
    ts_csv *g = ts_csv_open(path, d->precision, err);
    if (!g)
        return TS_EIO;
    static const char *const ph[] = {"box", "step", "coverage", "density", "mass",
                                     "restricted", "chosen"};
    for (size_t j = 0; j < sizeof ph / sizeof ph[0]; j++)
        ts_csv_str(g, ph[j]);
    ts_csv_end_row(g);
    for (int b = 0; b < res->n_boxes; b++) {
        const ts_prim_found *fd = &res->boxes[b];
        for (size_t s = 0; s < fd->n_steps; s++) {
            ts_csv_int(g, b + 1);
            ts_csv_u64(g, s);
            ts_csv_num(g, fd->trajectory[s].coverage);
            ts_csv_num(g, fd->trajectory[s].density);
            ts_csv_num(g, fd->trajectory[s].mass);
            ts_csv_int(g, fd->trajectory[s].n_restricted);
            ts_csv_int(g, s == fd->chosen);
            ts_csv_end_row(g);
        }
    }
    ts_status st = ts_csv_finish(g, err);
    if (st != TS_OK) {
        ts_csv_abort(g);
        return st;
    }
    *out = g;
    return TS_OK;
}

/* Both files written in full before either replaces an earlier one; CART
 * has no trajectory, so an earlier PRIM's peeling.csv goes (it would
 * describe other boxes). */
static ts_status write_results(const ts_folder_data *d, const ts_prim_box *const *bx, int n_boxes,
                               const double *qp, const ts_prim_result *prim, const char *outdir,
                               ts_error *err)
{
    ts_csv *f = NULL, *g = NULL;
    ts_status st = write_boxes(d, bx, n_boxes, qp, outdir, &f, err);
    if (st == TS_OK && prim && (st = write_peeling(d, prim, outdir, &g, err)) != TS_OK)
        ts_csv_abort(f);
    if (st != TS_OK)
        return st;
    st = ts_csv_commit(f, err);
    if (g) {
        if (st == TS_OK)
            return ts_csv_commit(g, err);
        ts_csv_abort(g);
        return st;
    }
    if (st != TS_OK)
        return st;
    char path[4300];
    snprintf(path, sizeof path, "%s/peeling.csv", outdir);
    if (remove(path) != 0 && errno != ENOENT)
        st = ts_error_set(err, TS_EIO, "%s: cannot remove the earlier PRIM's file: %s", path,
                          strerror(errno));
    return st;
}

/* One box's line of the report: its figures and the restrictions whose
 * quasi-p-value is below 5%. */
static void report_box(const ts_folder_data *d, const char *what, int b, const ts_prim_box *bx,
                       const double *p, ts_text *report)
{
    ts_text_printf(report, "%s %d: density %.3g, coverage %.3g, mass %.3g (%zu rows):", what,
                   b + 1, bx->density, bx->coverage, bx->mass, bx->n_points);
    const char *sep = " ";
    int weak = 0;
    for (size_t j = 0; j < d->k; j++) {
        if (!bx->restricted[j])
            continue;
        if (!(p[j] < 0.05)) {
            weak++;
            continue;
        }
        ts_text_printf(report, "%s%s in [%.4g, %.4g]", sep, d->factor[j], bx->lo[j], bx->hi[j]);
        sep = ", ";
    }
    if (sep[0] == ' ')
        ts_text_printf(report, " no restriction significant at 5%%");
    if (weak > 0)
        ts_text_printf(report, " (and %d restriction%s with quasi-p >= 0.05)", weak,
                       weak > 1 ? "s" : "");
    ts_text_printf(report, "\n");
}

const char *const ts_discover_method_names[TS_DISCOVER_N_METHODS] = {"prim", "cart"};

ts_status ts_discover(const ts_folder_data *d, const char *where, ts_discover_method method,
                      const char *outdir, ts_text *report, ts_error *err)
{
    ts_condition *c = NULL;
    ts_status st = ts_condition_parse(where, d, &c, err);
    if (st != TS_OK)
        return st;
    bool *y = malloc((d->n + 1) * sizeof *y);
    if (!y) {
        ts_condition_free(c);
        return ts_error_set(err, TS_EIO, "out of memory");
    }
    size_t cases = 0;
    for (size_t i = 0; i < d->n; i++)
        cases += y[i] = ts_condition_holds(c, d, i);
    ts_condition_free(c);
    ts_prim_result prim = {0};
    ts_cart_result cart = {0};
    int n_boxes = 0;
    if (cases == 0 || cases == d->n)
        st = ts_error_set(err, TS_EBAD, "--where '%s' holds in %s of the %zu rows of %s: there "
                          "is nothing to discover", where, cases ? "all" : "none", d->n, d->path);
    else if (method == TS_DISCOVER_CART)
        st = ts_cart(d->x, y, d->n, d->k, NULL, &cart, err);
    else
        st = ts_prim(d->x, y, d->n, d->k, NULL, &prim, err);
    if (st == TS_OK)
        n_boxes = method == TS_DISCOVER_CART ? cart.n_leaves : prim.n_boxes;
    const ts_prim_box **bx = st == TS_OK ? malloc(((size_t)n_boxes + 1) * sizeof *bx) : NULL;
    double *qp = st == TS_OK ? malloc(((size_t)n_boxes * d->k + 1) * sizeof *qp) : NULL;
    if (st == TS_OK && (!qp || !bx))
        st = ts_error_set(err, TS_EIO, "out of memory");
    for (int b = 0; st == TS_OK && b < n_boxes; b++) {
        bx[b] = method == TS_DISCOVER_CART ? &cart.leaves[b] : &prim.boxes[b].box;
        quasi_p(d, y, bx[b], qp + (size_t)b * d->k);
    }
    free(y);
    if (st == TS_OK)
        st = ts_fs_mkdirs(outdir, err);
    if (st == TS_OK)
        st = write_results(d, bx, n_boxes, qp, method == TS_DISCOVER_CART ? NULL : &prim,
                           outdir, err);
    if (st == TS_OK) {
        double mean = (double)cases / (double)d->n;
        ts_text_printf(report, "'%s' holds in %zu of %zu %s (%.3g)\n", where, cases, d->n,
                       d->experiment ? "points" : "replicates", mean);
        /* CART's leaves tile the space: those denser than the whole are the
         * boxes; the rest are counted. */
        int below = 0;
        for (int b = 0; b < n_boxes; b++) {
            if (method == TS_DISCOVER_CART && !(bx[b]->density > mean)) {
                below++;
                continue;
            }
            report_box(d, method == TS_DISCOVER_CART ? "leaf" : "box", b, bx[b],
                       qp + (size_t)b * d->k, report);
        }
        if (below > 0)
            ts_text_printf(report, "%d of %d leaves no denser than the whole (in boxes.csv)\n",
                           below, n_boxes);
    }
    free(bx);
    free(qp);
    ts_prim_free(&prim);
    ts_cart_free(&cart);
    return st;
}
