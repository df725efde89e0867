/* tradesim compare: headline outcomes of result folders against a base.
 *
 * Each argument is a result folder (its summary.csv is read) or a summary.csv
 * itself. Metrics: deal_probability, time_to_first_deal (mean first_deal_step
 * over replicates with a deal) and every <issue>_final, <issue>_mean,
 * <actor>_total, joint_total, <actor>_vs_status_quo, joint_vs_status_quo and
 * <actor>_<issue>_total column. A metric present on one side only is listed
 * with a note, never dropped. Differences are always other - base; '*' marks
 * an interval that excludes 0.
 *
 * Two runs with the same seeds share their random numbers replicate by
 * replicate, so their outcomes are correlated and treating them as
 * independent overstates the noise. When both summaries have a seed column
 * with the same seed in every row (and as many rows), replicate k is paired
 * with replicate k: t intervals of the per-replicate differences, the paired
 * Wald interval for deal_probability. Otherwise, or with --independent:
 * Welch's t and the two-proportion Wald interval. time_to_first_deal is
 * always Welch's: its replicates (those with a deal) differ between sides.
 * Exit 0 whatever the differences (they are the output), 2 bad usage or
 * unreadable/malformed input, 3 when -o cannot be written. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tradesim/cli.h"
#include "tradesim/csv.h"
#include "tradesim/csvread.h"
#include "tradesim/resultdir.h"
#include "tradesim/text.h"
#include "tradesim/stats.h"

#define LEVEL 0.95
#define PREC 6

/* A folder's summary and the argument that named it. */
typedef struct {
    const char *arg;  /* as given on the command line */
    ts_summary s;
} summary;

typedef struct {
    const char *metric;
    double base, other, diff, lo, hi;
    size_t n_base, n_other;
    const char *note;   /* "only in base", "only in other" or "" */
    const char *method; /* "paired_t", "paired_wald", "welch_t", "wald"; "" one-sided */
} result;

/* Whether other is paired with base, and the header line that says why. */
typedef struct {
    bool paired;
    char why[160];
} pairing;

/* Loads a result folder's summary.csv, or a summary.csv given directly. */
static ts_status summary_load(summary *s, const char *arg, ts_error *e)
{
    memset(s, 0, sizeof *s);
    s->arg = arg;
    struct stat st;
    bool is_dir = stat(arg, &st) == 0 && S_ISDIR(st.st_mode);
    if (!is_dir && ts_text_ends_with(arg, ".cfg"))
        return ts_error_set(e, TS_EBAD,
                            "%s: a scenario, not a result: compare reads result folders (run "
                            "it first: tradesim batch %s -o DIR, then compare DIR/<name>)",
                            arg, arg);
    const char *file = ts_result_file(TS_RESULT_SUMMARY);
    size_t n = strlen(arg) + strlen(file) + 2;
    char *path = malloc(n);
    if (!path)
        return ts_error_set(e, TS_EIO, "out of memory");
    if (is_dir)
        snprintf(path, n, "%s%s%s", arg, arg[strlen(arg) - 1] == '/' ? "" : "/", file);
    else
        snprintf(path, n, "%s", arg);
    ts_status rc = ts_summary_read(path, &s->s, e);
    free(path);
    return rc;
}

static const ts_summary_column *find_column(const ts_summary *s, const char *name)
{
    for (size_t i = 0; i < s->n_cols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return &s->cols[i];
    return NULL;
}

static void only_one_side(result *res, const char *metric, bool in_base, double value, size_t n)
{
    *res = (result){.metric = metric, .base = NAN, .other = NAN, .diff = NAN, .lo = NAN,
                    .hi = NAN, .note = in_base ? "only in base" : "only in other", .method = ""};
    if (in_base) {
        res->base = value;
        res->n_base = n;
    } else {
        res->other = value;
        res->n_other = n;
    }
}

/* Paired when asked and both columns have a value in every row (x holds a
 * column's non-empty cells in row order, so then x.v[k] is row k's). */
static void compare_means(result *res, const char *metric, const ts_values *a,
                          const ts_values *b, bool paired, size_t rows)
{
    double ma, sa, mb, sb;
    ts_stats_mean_sd(a->v, a->n, &ma, &sa);
    ts_stats_mean_sd(b->v, b->n, &mb, &sb);
    paired = paired && a->n == rows && b->n == rows;
    *res = (result){.metric = metric, .base = ma, .other = mb, .n_base = a->n, .n_other = b->n,
                    .note = "", .method = paired ? "paired_t" : "welch_t"};
    if (paired)
        ts_stats_paired(a->v, b->v, rows, LEVEL, &res->diff, &res->lo, &res->hi);
    else
        ts_stats_welch(ma, sa, a->n, mb, sb, b->n, LEVEL, &res->diff, &res->lo, &res->hi);
}

/* Paired by replicate when both have the same seed in every row: replicate k
 * of other then drew the random numbers replicate k of base drew. */
static void decide_pairing(const ts_summary *a, const ts_summary *b, bool independent,
                           pairing *p)
{
    p->paired = false;
    size_t differ = 0, first = 0;
    if (independent) {
        snprintf(p->why, sizeof p->why, "independent (--independent)");
    } else if (!a->has_seed || !b->has_seed) {
        snprintf(p->why, sizeof p->why, "independent (%s)",
                 !a->has_seed && !b->has_seed ? "neither has a seed column"
                 : !a->has_seed               ? "base has no seed column"
                                              : "other has no seed column");
    } else if (a->rows != b->rows) {
        snprintf(p->why, sizeof p->why, "independent (%zu replicates in base, %zu in other)",
                 a->rows, b->rows);
    } else {
        for (size_t k = a->rows; k-- > 0;)
            if (a->seed[k] != b->seed[k]) {
                differ++;
                first = k;
            }
        if (differ)
            snprintf(p->why, sizeof p->why,
                     "independent (seeds differ in %zu of %zu replicates, first in row %zu)",
                     differ, a->rows, first + 1);
        else
            snprintf(p->why, sizeof p->why,
                     "paired by replicate (the same seed in all %zu replicates)", a->rows);
        p->paired = differ == 0;
    }
}

/* deal_probability: paired Wald on the per-row 0/1 pairs, or two
 * independent proportions. */
static void compare_deals(result *res, const ts_summary *a, const ts_summary *b, bool paired)
{
    *res = (result){.metric = "deal_probability",
                    .base = (double)a->deals / (double)a->rows,
                    .other = (double)b->deals / (double)b->rows,
                    .n_base = a->rows,
                    .n_other = b->rows,
                    .note = "",
                    .method = paired ? "paired_wald" : "wald"};
    if (!paired) {
        ts_stats_two_prop(a->deals, a->rows, b->deals, b->rows, LEVEL, &res->diff, &res->lo,
                          &res->hi);
        return;
    }
    size_t a_only = 0, b_only = 0;
    for (size_t k = 0; k < a->rows; k++) {
        a_only += a->deal.v[k] > b->deal.v[k];
        b_only += b->deal.v[k] > a->deal.v[k];
    }
    ts_stats_paired_prop(a_only, b_only, a->rows, LEVEL, &res->diff, &res->lo, &res->hi);
}

static double column_mean(const ts_values *c)
{
    double m, sd;
    ts_stats_mean_sd(c->v, c->n, &m, &sd);
    return m;
}

/* All metrics of other against base, in a stable order: deal probability,
 * time to first deal, base's columns, then columns only other has. */
static size_t compare_pair(const ts_summary *a, const ts_summary *b, bool paired, result *out)
{
    size_t k = 0;
    compare_deals(&out[k++], a, b, paired);
    if (a->has_first && b->has_first)   /* different subsets: never paired */
        compare_means(&out[k++], "time_to_first_deal", &a->first, &b->first, false, 0);
    else if (a->has_first || b->has_first) {
        const ts_summary *s = a->has_first ? a : b;
        only_one_side(&out[k++], "time_to_first_deal", a->has_first, column_mean(&s->first),
                      s->first.n);
    }
    for (size_t i = 0; i < a->n_cols; i++) {
        const ts_summary_column *ca = &a->cols[i], *cb = find_column(b, ca->name);
        if (cb)
            compare_means(&out[k++], ca->name, &ca->x, &cb->x, paired, a->rows);
        else
            only_one_side(&out[k++], ca->name, true, column_mean(&ca->x), ca->x.n);
    }
    for (size_t i = 0; i < b->n_cols; i++)
        if (!find_column(a, b->cols[i].name))
            only_one_side(&out[k++], b->cols[i].name, false, column_mean(&b->cols[i].x),
                          b->cols[i].x.n);
    return k;
}

static bool significant(const result *r)
{
    return r->lo > 0.0 || r->hi < 0.0; /* false for NaN */
}

/* Numbers as in the CSVs; undefined ones as "-" in the table. */
static void cell(char *buf, double v)
{
    if (isnan(v))
        strcpy(buf, "-");
    else
        ts_fmt_g(buf, v, PREC);
}

static void print_table(FILE *out, const summary *a, const summary *b, const pairing *p,
                        const result *r, size_t n)
{
    fprintf(out, "base:  %s (%zu replicates)\nother: %s (%zu replicates)\npairing: %s\n",
            a->s.path, a->s.rows, b->s.path, b->s.rows, p->why);
    static const char *const head[6] = {"metric", "base", "other", "diff", "lo95", "hi95"};
    int w[6];
    for (int j = 0; j < 6; j++)
        w[j] = (int)strlen(head[j]);
    char txt[6][32];
    for (size_t i = 0; i < n; i++) {
        int m = (int)strlen(r[i].metric);
        if (m > w[0])
            w[0] = m;
        const double v[5] = {r[i].base, r[i].other, r[i].diff, r[i].lo, r[i].hi};
        for (int j = 0; j < 5; j++) {
            cell(txt[j], v[j]);
            if ((int)strlen(txt[j]) > w[j + 1])
                w[j + 1] = (int)strlen(txt[j]);
        }
    }
    fprintf(out, "%-*s", w[0], head[0]);
    for (int j = 1; j < 6; j++)
        fprintf(out, "  %*s", w[j], head[j]);
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        const double v[5] = {r[i].base, r[i].other, r[i].diff, r[i].lo, r[i].hi};
        fprintf(out, "%-*s", w[0], r[i].metric);
        for (int j = 0; j < 5; j++) {
            cell(txt[j], v[j]);
            fprintf(out, "  %*s", w[j + 1], txt[j]);
        }
        if (significant(&r[i]))
            fputs("  *", out);
        else if (r[i].note[0])
            fprintf(out, "  (%s)", r[i].note);
        fputc('\n', out);
    }
}

static void csv_num_or_empty(ts_csv *c, double v)
{
    if (isnan(v))
        ts_csv_empty(c);
    else
        ts_csv_num(c, v);
}

static void csv_header(ts_csv *c)
{
    static const char *const cols[] = {"base",  "other", "metric", "base_value",
                                       "other_value", "diff", "lo", "hi", "significant",
                                       "n_base", "n_other", "note", "method"};
    for (size_t j = 0; j < sizeof cols / sizeof cols[0]; j++)
        ts_csv_str(c, cols[j]);
    ts_csv_end_row(c);
}

static void csv_rows(ts_csv *c, const summary *a, const summary *b, const result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ts_csv_str(c, a->arg);
        ts_csv_str(c, b->arg);
        ts_csv_str(c, r[i].metric);
        csv_num_or_empty(c, r[i].base);
        csv_num_or_empty(c, r[i].other);
        csv_num_or_empty(c, r[i].diff);
        csv_num_or_empty(c, r[i].lo);
        csv_num_or_empty(c, r[i].hi);
        ts_csv_str(c, significant(&r[i]) ? "*" : "");
        ts_csv_u64(c, r[i].n_base);
        ts_csv_u64(c, r[i].n_other);
        ts_csv_str(c, r[i].note);
        ts_csv_str(c, r[i].method);
        ts_csv_end_row(c);
    }
}

const ts_cli_spec ts_cmd_compare_spec = {
    .name = "compare",
    .summary = "compare outcomes of result folders against a base",
    .accept = "oIh",
    .min_pos = 2,
    .max_pos = -1,
    .what = "a base and at least one other result folder",
    .usage =
    "usage: tradesim compare BASE_DIR OTHER_DIR... [-o FILE.csv] [--independent]\n"
    "\n"
    "For each headline metric prints base and other values, the difference and\n"
    "its 95% interval, marking significant differences with '*'. Two runs with\n"
    "the same seed in every replicate are paired by replicate (t interval of the\n"
    "per-replicate differences, paired Wald for deal probability); others are\n"
    "independent (Welch's t for means, two proportions for deal probability).\n"
    "\n"
    "  -o, --output FILE.csv  also write the table as CSV\n"
    "      --independent      treat the runs as independent even with the same seeds\n",
};

int ts_cmd_compare(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_compare_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    size_t ns = (size_t)o.n_positional;
    summary *s = calloc(ns, sizeof *s);
    result *res = NULL;
    ts_csv *csv = NULL;
    ts_error e;
    ts_error_clear(&e);
    if (!s) {
        fprintf(err, "tradesim compare: out of memory\n");
        return TS_EIO;
    }
    size_t loaded = 0;
    for (; loaded < ns; loaded++)
        if (summary_load(&s[loaded], o.positional[loaded], &e) != TS_OK) {
            loaded++;
            goto fail;
        }
    size_t max_rows = 2;
    for (size_t i = 1; i < ns; i++)
        if (2 + s[0].s.n_cols + s[i].s.n_cols > max_rows)
            max_rows = 2 + s[0].s.n_cols + s[i].s.n_cols;
    if (!(res = malloc(max_rows * sizeof *res))) {
        ts_error_set(&e, TS_EIO, "out of memory");
        goto fail;
    }
    if (o.out) {
        if (!(csv = ts_csv_open(o.out, PREC, &e)))
            goto fail;
        csv_header(csv);
    }
    bool any_paired = false;
    for (size_t i = 1; i < ns; i++) {
        pairing p;
        decide_pairing(&s[0].s, &s[i].s, o.independent, &p);
        any_paired = any_paired || p.paired;
        size_t n = compare_pair(&s[0].s, &s[i].s, p.paired, res);
        if (i > 1)
            fputc('\n', out);
        print_table(out, &s[0], &s[i], &p, res, n);
        if (csv)
            csv_rows(csv, &s[0], &s[i], res, n);
    }
    if (any_paired)
        fputs("\ndiff = other - base; lo95..hi95: its 95% interval (paired: Student's t of the\n"
              "per-replicate differences, paired Wald for deal_probability, Welch's t for\n"
              "time_to_first_deal; independent: Welch's t for means, two proportions for\n"
              "deal_probability); * the interval excludes 0.\n",
              out);
    else
        fputs("\ndiff = other - base; lo95..hi95: its 95% interval (Welch's t for means, two\n"
              "proportions for deal_probability); * the interval excludes 0.\n",
              out);
    if (csv) {
        ts_csv *c = csv;
        csv = NULL;
        if (ts_csv_commit(c, &e) != TS_OK)
            goto fail;
    }
    rc = TS_OK;
    goto done;
fail:
    fprintf(err, "tradesim compare: %s\n", e.msg);
    rc = e.code == TS_OK ? TS_EIO : (int)e.code;
    ts_csv_abort(csv);
done:
    for (size_t i = 0; i < loaded; i++)
        ts_summary_free(&s[i].s);
    free(s);
    free(res);
    return rc;
}
