/* Result folders (resultdir.h). */
#include "tradesim/resultdir.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tradesim/csv.h"
#include "tradesim/csvread.h"
#include "tradesim/text.h"

const char *ts_result_file(int which)
{
    static const char *const names[TS_RESULT_N_FILES] = {
        "summary.csv", "aggregate.csv", "trajectories.csv", "log.csv", "agreements.csv",
        "scenario.cfg"};
    return which >= 0 && which < TS_RESULT_N_FILES ? names[which] : "";
}

bool ts_result_folder(const ts_scenario *sc, const char *dir, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%s/%s", dir, sc->name);
    return len >= 0 && (size_t)len < n;
}

/* ---- completion marker ---------------------------------------------------- */

static bool marker_path(const char *dir, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%s/%s", dir, TS_RESULT_MARKER);
    return len >= 0 && (size_t)len < n;
}

bool ts_result_is_complete(const char *dir, uint64_t hash)
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
    for (int i = 0; i < TS_RESULT_N_FILES; i++) {
        char fp[4096];
        struct stat sb;
        if (snprintf(fp, sizeof fp, "%s/%s", dir, ts_result_file(i)) >= (int)sizeof fp ||
            stat(fp, &sb) != 0 || !S_ISREG(sb.st_mode))
            return false;
    }
    return true;
}

ts_status ts_result_mark_complete(const char *dir, uint64_t hash, ts_error *err)
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

ts_status ts_result_unmark(const char *dir, ts_error *err)
{
    char p[4096];
    if (!marker_path(dir, p, sizeof p))
        return ts_error_set(err, TS_EIO, "%s: path too long", dir);
    if (unlink(p) != 0 && errno != ENOENT)
        return ts_error_set(err, TS_EIO, "%s: cannot remove: %s", p, strerror(errno));
    return TS_OK;
}

/* ---- summary.csv ---------------------------------------------------------- */

enum { ROLE_OTHER = -1, ROLE_DEAL = -2, ROLE_FIRST = -3 };

static bool is_outcome(const char *name)
{
    return ts_text_ends_with(name, "_final") || ts_text_ends_with(name, "_mean") ||
           ts_text_ends_with(name, "_total") || ts_text_ends_with(name, "_vs_status_quo");
}

void ts_summary_free(ts_summary *s)
{
    free(s->path);
    free(s->first.v);
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
        return ts_error_set(e, TS_EIO, "out of memory");
    bool has_deal = false;
    for (size_t i = 0; i < n; i++) {
        const char *name = ts_csvread_field(r, i);
        (*role)[i] = ROLE_OTHER;
        if (strcmp(name, "deal") == 0) {
            has_deal = true;
            (*role)[i] = ROLE_DEAL;
        } else if (strcmp(name, "first_deal_step") == 0) {
            s->has_first = true;
            (*role)[i] = ROLE_FIRST;
        } else if (is_outcome(name)) {
            if (!(s->cols[s->n_cols].name = strdup(name)))
                return ts_error_set(e, TS_EIO, "out of memory");
            (*role)[i] = (int)s->n_cols++;
        }
    }
    if (!has_deal)
        return ts_error_set(e, TS_EBAD, "%s: no 'deal' column: not a tradesim summary.csv",
                            s->path);
    return TS_OK;
}

static ts_status read_rows(ts_summary *s, ts_csvread *r, const int *role, size_t width,
                           ts_error *e)
{
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
            if (role[i] == ROLE_OTHER || (*f == '\0' && role[i] != ROLE_DEAL))
                continue;
            if (role[i] == ROLE_DEAL) {
                if (strcmp(f, "1") == 0 || strcmp(f, "true") == 0)
                    s->deals++;
                else if (strcmp(f, "0") != 0 && strcmp(f, "false") != 0)
                    return bad_cell(r, i, "deal 0 or 1", e);
                continue;
            }
            if (!ts_csvread_number(f, &x) || !isfinite(x))
                return bad_cell(r, i, "a finite number", e);
            if (!ts_values_push(role[i] == ROLE_FIRST ? &s->first : &s->cols[role[i]].x, x))
                return ts_error_set(e, TS_EIO, "out of memory");
        }
    }
}

ts_status ts_summary_read(const char *path, ts_summary *s, ts_error *err)
{
    memset(s, 0, sizeof *s);
    if (!(s->path = strdup(path)))
        return ts_error_set(err, TS_EIO, "out of memory");
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
    if (rc != TS_OK)
        ts_summary_free(s);
    return rc;
}
