/* The one reader of summary.csv (resultdir.h), shared by batch and compare. */
#include "tradesim/resultdir.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tradesim/csvread.h"
#include "tradesim/text.h"

/* ---- summary.csv ---------------------------------------------------------- */

enum { ROLE_OTHER = -1, ROLE_DEAL = -2, ROLE_FIRST = -3, ROLE_REPLICATE = -4, ROLE_SEED = -5 };

static bool is_outcome(const char *name)
{
    return ts_text_ends_with(name, "_final") || ts_text_ends_with(name, "_mean") ||
           ts_text_ends_with(name, "_total") || ts_text_ends_with(name, "_vs_status_quo");
}

void ts_summary_free(ts_summary *s)
{
    free(s->path);
    free(s->first.v);
    free(s->deal.v);
    free(s->seed);
    for (size_t i = 0; i < s->n_cols; i++) {
        free(s->cols[i].name);
        free(s->cols[i].x.v);
    }
    free(s->cols);
    memset(s, 0, sizeof *s);
}

static ts_status bad_cell(ts_csvread *r, size_t i, const char *expected, ts_error *e)
{
    return ts_error_set(e, TS_EBAD, "%s:%zu: column %zu: expected %s, got '%s'",
                        ts_csvread_path(r), ts_csvread_line(r), i + 1, expected,
                        ts_csvread_field(r, i));
}

/* The header: each column's role (ROLE_* or its outcome column's index). */
static ts_status read_header(ts_summary *s, ts_csvread *r, int **role, ts_error *e)
{
    bool got;
    if (ts_csvread_next(r, &got, e) != TS_OK)
        return e->code;
    if (!got)
        return ts_error_set(e, TS_EBAD, "%s: empty file (no header row)", s->path);
    size_t n = ts_csvread_count(r);
    *role = malloc(n * sizeof **role);
    s->cols = calloc(n, sizeof *s->cols);
    if (!*role || !s->cols)
        return ts_error_set(e, TS_EIO, "%s: out of memory", s->path);
    bool has_deal = false;
    if (strcmp(ts_csvread_field(r, 0), "replicate") != 0)
        return ts_error_set(e, TS_EBAD,
                            "%s:%zu: column 1: expected 'replicate', got '%s': not a tradesim "
                            "summary.csv",
                            s->path, ts_csvread_line(r), ts_csvread_field(r, 0));
    for (size_t i = 0; i < n; i++) {
        const char *name = ts_csvread_field(r, i);
        for (size_t k = 0; k < i; k++)
            if (strcmp(ts_csvread_field(r, k), name) == 0)
                return ts_error_set(e, TS_EBAD, "%s:%zu: column %zu: '%s' is also column %zu",
                                    s->path, ts_csvread_line(r), i + 1, name, k + 1);
        (*role)[i] = i == 0 ? ROLE_REPLICATE : ROLE_OTHER;
        if (i == 0)
            continue;
        if (strcmp(name, "deal") == 0) {
            has_deal = true;
            (*role)[i] = ROLE_DEAL;
        } else if (strcmp(name, "seed") == 0) {
            s->has_seed = true;
            (*role)[i] = ROLE_SEED;
        } else if (strcmp(name, "first_deal_step") == 0) {
            s->has_first = true;
            (*role)[i] = ROLE_FIRST;
        } else if (is_outcome(name)) {
            if (!(s->cols[s->n_cols].name = strdup(name)))
                return ts_error_set(e, TS_EIO, "%s: out of memory", s->path);
            (*role)[i] = (int)s->n_cols++;
        }
    }
    if (!has_deal)
        return ts_error_set(e, TS_EBAD, "%s: no 'deal' column: not a tradesim summary.csv",
                            s->path);
    return TS_OK;
}

/* A seed as summary.csv writes it (0x and 16 hex digits) or in decimal:
 * never wrapped or saturated. */
static bool parse_seed(const char *f, uint64_t *v)
{
    bool hex = f[0] == '0' && (f[1] == 'x' || f[1] == 'X');
    const char *d = hex ? f + 2 : f;
    size_t n = strlen(d);
    if (n == 0 || n > (hex ? 16u : 20u) ||
        strspn(d, hex ? "0123456789abcdefABCDEF" : "0123456789") != n)
        return false;
    errno = 0;
    unsigned long long x = strtoull(d, NULL, hex ? 16 : 10);
    if (errno == ERANGE)
        return false;
    *v = (uint64_t)x;
    return true;
}

/* Row k's seed into s->seed (grown with the rows). */
static bool push_seed(ts_summary *s, size_t *cap, uint64_t v)
{
    if (s->rows > *cap) {
        size_t nc = *cap ? 2 * *cap : 256;
        uint64_t *p = realloc(s->seed, nc * sizeof *p);
        if (!p)
            return false;
        s->seed = p;
        *cap = nc;
    }
    s->seed[s->rows - 1] = v;
    return true;
}

static ts_status read_rows(ts_summary *s, ts_csvread *r, const int *role, size_t width,
                           ts_error *e)
{
    size_t seed_cap = 0;
    for (;;) {
        bool got;
        if (ts_csvread_next(r, &got, e) != TS_OK)
            return e->code;
        if (!got)
            return TS_OK;
        if (ts_csvread_count(r) != width)
            return ts_error_set(e, TS_EBAD, "%s:%zu: %zu fields, but the header has %zu",
                                s->path, ts_csvread_line(r), ts_csvread_count(r), width);
        s->rows++;
        for (size_t i = 0; i < width; i++) {
            const char *f = ts_csvread_field(r, i);
            double x;
            if (role[i] == ROLE_OTHER ||
                (*f == '\0' && role[i] != ROLE_DEAL && role[i] != ROLE_REPLICATE &&
                 role[i] != ROLE_SEED))
                continue;
            if (role[i] == ROLE_REPLICATE) {
                if (*f == '\0' || strspn(f, "0123456789") != strlen(f))
                    return bad_cell(r, i, "a replicate number", e);
                continue;
            }
            if (role[i] == ROLE_DEAL) {
                bool yes = strcmp(f, "1") == 0 || strcmp(f, "true") == 0;
                if (!yes && strcmp(f, "0") != 0 && strcmp(f, "false") != 0)
                    return bad_cell(r, i, "deal 0 or 1", e);
                s->deals += yes;
                if (!ts_values_push(&s->deal, yes ? 1.0 : 0.0))
                    return ts_error_set(e, TS_EIO, "%s: out of memory", s->path);
                continue;
            }
            if (role[i] == ROLE_SEED) {
                uint64_t v;
                if (!parse_seed(f, &v))
                    return bad_cell(r, i, "a seed (a whole number below 2^64, decimal or 0x hex)",
                                    e);
                if (!push_seed(s, &seed_cap, v))
                    return ts_error_set(e, TS_EIO, "%s: out of memory", s->path);
                continue;
            }
            if (!ts_csvread_number(f, &x) || !isfinite(x))
                return bad_cell(r, i, "a finite number", e);
            if (!ts_values_push(role[i] == ROLE_FIRST ? &s->first : &s->cols[role[i]].x, x))
                return ts_error_set(e, TS_EIO, "%s: out of memory", s->path);
        }
    }
}

ts_status ts_summary_read(const char *path, ts_summary *s, ts_error *err)
{
    memset(s, 0, sizeof *s);
    if (!(s->path = strdup(path)))
        return ts_error_set(err, TS_EIO, "%s: out of memory", path);
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r) {
        ts_summary_free(s);
        return err ? err->code : TS_EBAD;   /* a missing file, or out of memory */
    }
    int *role = NULL;
    ts_status rc = read_header(s, r, &role, err);
    if (rc == TS_OK)
        rc = read_rows(s, r, role, ts_csvread_count(r), err);   /* the header's width */
    if (rc == TS_OK && s->rows == 0)
        rc = ts_error_set(err, TS_EBAD, "%s: no replicate rows", path);
    free(role);
    ts_csvread_free(r);
    if (rc != TS_OK) {
        ts_summary_free(s);
        /* Cells echoed from the file may hold CR or LF: keep one line. */
        for (char *p = err ? err->msg : NULL; p && *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
    }
    return rc;
}
