/* tradesim diff: two CSVs cell by cell, for regression checks.
 *
 * The headers must be identical (same names, same order). Cells are equal
 * when their text is, or when both parse as numbers within
 * |a-b| <= atol + rtol*max(|a|,|b|). Both files are streamed, so memory does
 * not grow with their length. Exit 0 equal, 1 different, 2 bad usage or
 * unreadable/malformed input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tradesim/cli.h"
#include "tradesim/csvread.h"

#define MAX_LISTED 10

typedef struct {
    double atol, rtol;
    size_t cells, rows; /* differing cells and rows with at least one */
} diff_state;

static bool cells_equal(const char *a, const char *b, double atol, double rtol)
{
    if (strcmp(a, b) == 0)
        return true;
    double x, y;
    if (!ts_csvread_number(a, &x) || !ts_csvread_number(b, &y))
        return false;
    if (x == y || (isnan(x) && isnan(y)))
        return true;
    return fabs(x - y) <= atol + rtol * fmax(fabs(x), fabs(y));
}

/* Prints a cell so that empty, padded or multi-line values stay visible. */
static void print_cell(FILE *out, const char *s)
{
    if (*s && !strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[strlen(s) - 1] != ' ') {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        if (*s == '\n')
            fputs("\\n", out);
        else if (*s == '\r')
            fputs("\\r", out);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

/* Names the columns that differ between two headers, in one line. */
static void header_mismatch(ts_csvread *a, ts_csvread *b, char **ha, size_t na, FILE *err)
{
    size_t nb = ts_csvread_count(b);
    fprintf(err, "tradesim diff: '%s' and '%s' have different columns:", ts_csvread_path(a),
            ts_csvread_path(b));
    bool any = false;
    for (size_t i = 0; i < na; i++) {
        bool found = false;
        for (size_t j = 0; j < nb && !found; j++)
            found = strcmp(ha[i], ts_csvread_field(b, j)) == 0;
        if (!found) {
            fprintf(err, "%s '%s'", any ? "," : " only in the first:", ha[i]);
            any = true;
        }
    }
    bool any_b = false;
    for (size_t j = 0; j < nb; j++) {
        const char *name = ts_csvread_field(b, j);
        bool found = false;
        for (size_t i = 0; i < na && !found; i++)
            found = strcmp(ha[i], name) == 0;
        if (!found) {
            const char *lead = any ? "; only in the second:" : " only in the second:";
            fprintf(err, "%s '%s'", any_b ? "," : lead, name);
            any_b = true;
        }
    }
    if (!any && !any_b) {
        size_t k = 0;
        while (k < na && k < nb && strcmp(ha[k], ts_csvread_field(b, k)) == 0)
            k++;
        if (na != nb)
            fprintf(err, " %zu vs %zu columns (a name is repeated)", na, nb);
        else
            fprintf(err, " same names in a different order (column %zu is '%s' vs '%s')", k + 1,
                    ha[k], ts_csvread_field(b, k));
    }
    fputc('\n', err);
}

static int fail(FILE *err, const ts_error *e)
{
    fprintf(err, "tradesim diff: %s\n", e->msg);
    return e->code == TS_EIO ? TS_EIO : TS_EBAD;
}

/* Reads the header of r into a private copy (the reader reuses its buffer). */
static char **copy_header(ts_csvread *r, size_t *n, ts_error *e)
{
    bool got;
    if (ts_csvread_next(r, &got, e) != TS_OK)
        return NULL;
    if (!got) {
        ts_error_set(e, TS_EBAD, "'%s' is empty (no header row)", ts_csvread_path(r));
        return NULL;
    }
    *n = ts_csvread_count(r);
    char **h = calloc(*n, sizeof *h);
    for (size_t i = 0; h && i < *n; i++) {
        const char *f = ts_csvread_field(r, i);
        h[i] = malloc(strlen(f) + 1);
        if (!h[i]) {
            for (size_t j = 0; j < i; j++)
                free(h[j]);
            free(h);
            h = NULL;
            break;
        }
        strcpy(h[i], f);
    }
    if (!h)
        ts_error_set(e, TS_EIO, "out of memory");
    return h;
}

static void free_header(char **h, size_t n)
{
    for (size_t i = 0; h && i < n; i++)
        free(h[i]);
    free(h);
}

static bool check_width(ts_csvread *r, size_t n, ts_error *e)
{
    if (ts_csvread_count(r) == n)
        return true;
    ts_error_set(e, TS_EBAD, "%s:%zu: %zu fields, but the header has %zu", ts_csvread_path(r),
                 ts_csvread_line(r), ts_csvread_count(r), n);
    return false;
}

/* Counts the remaining records of r (validating them); -1 on error. */
static int count_rest(ts_csvread *r, size_t width, size_t *rows, ts_error *e)
{
    for (;;) {
        bool got;
        if (ts_csvread_next(r, &got, e) != TS_OK)
            return -1;
        if (!got)
            return 0;
        if (!check_width(r, width, e))
            return -1;
        (*rows)++;
    }
}

/* Compares the current records of a and b (both na wide), the row-th data
 * row, listing the first MAX_LISTED differing cells over the whole diff.
 * True when the row differs. */
static bool diff_row(ts_csvread *a, ts_csvread *b, char **ha, size_t na, size_t row,
                     diff_state *st, FILE *out)
{
    bool row_differs = false;
    for (size_t i = 0; i < na; i++) {
        const char *x = ts_csvread_field(a, i), *y = ts_csvread_field(b, i);
        if (cells_equal(x, y, st->atol, st->rtol))
            continue;
        row_differs = true;
        if (++st->cells <= MAX_LISTED) {
            fprintf(out, "row %zu (line %zu), column %s: ", row, ts_csvread_line(a), ha[i]);
            print_cell(out, x);
            fputs(" vs ", out);
            print_cell(out, y);
            fputc('\n', out);
        }
    }
    return row_differs;
}

/* The closing lines of a diff: cells not listed, differing row counts, the
 * totals. TS_OK when the files agree, TS_EDIFF otherwise. */
static int report(const ts_csvread *a, const ts_csvread *b, const diff_state *st, size_t rows_a,
                  size_t rows_b, FILE *out)
{
    if (st->cells > MAX_LISTED)
        fprintf(out, "... and %zu more differing cells\n", st->cells - MAX_LISTED);
    if (rows_a != rows_b)
        fprintf(out, "row counts differ: '%s' has %zu rows, '%s' has %zu\n", ts_csvread_path(a),
                rows_a, ts_csvread_path(b), rows_b);
    if (st->cells == 0 && rows_a == rows_b)
        return TS_OK;
    fprintf(out, "'%s' and '%s' differ: %zu cells in %zu of %zu rows compared (atol %g, rtol %g)\n",
            ts_csvread_path(a), ts_csvread_path(b), st->cells, st->rows,
            rows_a < rows_b ? rows_a : rows_b, st->atol, st->rtol);
    return TS_EDIFF;
}

static int diff_files(ts_csvread *a, ts_csvread *b, diff_state *st, FILE *out, FILE *err)
{
    ts_error e;
    size_t na = 0, nb = 0;
    char **ha = copy_header(a, &na, &e);
    if (!ha)
        return fail(err, &e);
    char **hb = copy_header(b, &nb, &e);
    if (!hb) {
        free_header(ha, na);
        return fail(err, &e);
    }
    bool same = na == nb;
    for (size_t i = 0; same && i < na; i++)
        same = strcmp(ha[i], hb[i]) == 0;
    free_header(hb, nb);
    if (!same) {
        header_mismatch(a, b, ha, na, err);
        free_header(ha, na);
        return TS_EBAD;
    }

    size_t rows_a = 0, rows_b = 0;
    int rc = TS_OK;
    for (;;) {
        bool got_a, got_b;
        if (ts_csvread_next(a, &got_a, &e) != TS_OK || ts_csvread_next(b, &got_b, &e) != TS_OK) {
            rc = fail(err, &e);
            break;
        }
        if (got_a && !check_width(a, na, &e)) {
            rc = fail(err, &e);
            break;
        }
        if (got_b && !check_width(b, na, &e)) {
            rc = fail(err, &e);
            break;
        }
        if (!got_a || !got_b) {
            rows_a += got_a;
            rows_b += got_b;
            if ((got_a && count_rest(a, na, &rows_a, &e) != 0) ||
                (got_b && count_rest(b, na, &rows_b, &e) != 0))
                rc = fail(err, &e);
            break;
        }
        rows_a++;
        rows_b++;
        st->rows += diff_row(a, b, ha, na, rows_a, st, out);
    }
    free_header(ha, na);
    if (rc != TS_OK)
        return rc;
    return report(a, b, st, rows_a, rows_b, out);
}

const ts_cli_spec ts_cmd_diff_spec = {
    .name = "diff",
    .summary = "compare two outcome CSVs cell by cell",
    .accept = "aeh",
    .min_pos = 2,
    .max_pos = 2,
    .what = "two CSV files",
    .usage =
    "usage: tradesim diff A.csv B.csv [--rtol X] [--atol X]\n"
    "\n"
    "Numbers are equal when |a-b| <= atol + rtol*max(|a|,|b|) (defaults 0, 0:\n"
    "exact). Exit 0 equal, 1 different (first differing cells listed), 2 bad\n"
    "usage or unreadable files.\n"
    "\n"
    "      --rtol X           relative tolerance (default 0)\n"
    "      --atol X           absolute tolerance (default 0)\n",
};

int ts_cmd_diff(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_diff_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    diff_state st = {.atol = o.atol < 0 ? 0.0 : o.atol, .rtol = o.rtol < 0 ? 0.0 : o.rtol};
    ts_error e;
    ts_csvread *a = ts_csvread_open(o.positional[0], &e);
    if (!a)
        return fail(err, &e);
    ts_csvread *b = ts_csvread_open(o.positional[1], &e);
    if (!b) {
        ts_csvread_free(a);
        return fail(err, &e);
    }
    rc = diff_files(a, b, &st, out, err);
    ts_csvread_free(a);
    ts_csvread_free(b);
    return rc;
}
