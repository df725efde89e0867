/* A calibration's record of finished runs, calibrate.partial.csv, so that an
 * interrupted calibration resumes (calibrate.h; docs/cli.md, "calibrate").
 *
 * The calibration is a deterministic sequence of runs: the design's points,
 * then the simplex's and the interval's evaluations, each a function of the
 * values before it. Every finished run is appended at once (fsync'd), the
 * design's by index and the others keyed by their exact values; a resumed
 * calibration walks the same sequence and takes each run it finds. The
 * first line is a SHA-256 of everything the sequence depends on (the
 * resolved scenario, the observations, the method and its settings): a
 * record of another calibration is never used. Numbers are C99 hexadecimal
 * floats, exact. A line cut short by a kill is ignored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate_impl.h"
#include "tradesim/digest.h"

/* The digest line's text for c. NULL when out of memory. */
static char *digest_line(const cal_ctx *c)
{
    char *sc = ts_scenario_to_string(c->sc);
    if (!sc)
        return NULL;
    size_t n = strlen(sc) + 256 + (size_t)c->t->n * 160;
    char *buf = malloc(n);
    if (!buf) {
        free(sc);
        return NULL;
    }
    size_t used = (size_t)snprintf(buf, n, "%s\n%s %d %a %d\n", sc,
                                   ts_cal_method_names[c->o->method], c->P, c->o->accept,
                                   c->o->max_iter);
    for (int i = 0; i < c->t->n; i++) {
        const ts_cal_obs *o = &c->t->obs[i];
        used += (size_t)snprintf(buf + used, n - used, "%d %d %s %a %a %a\n", o->step, o->column,
                                 c->t->series[o->series], o->value, o->weight, o->sd);
    }
    char hex[TS_SHA256_HEX];
    ts_sha256_text(buf, used, hex);
    snprintf(buf, n, "# tradesim calibrate %s\n", hex);
    free(sc);
    return buf;
}

/* Reads n numbers after *p (each after a comma). */
static bool numbers(char **p, double *out, int n)
{
    for (int i = 0; i < n; i++) {
        if (**p != ',')
            return false;
        char *end;
        out[i] = strtod(*p + 1, &end);
        if (end == *p + 1)
            return false;
        *p = end;
    }
    return true;
}

static bool add_eval(cal_ctx *c, const double *key, const double *sim)
{
    size_t k = (size_t)c->k, n = (size_t)c->t->n;
    if (c->n_cache == c->cap_cache) {
        int cap = c->cap_cache * 2 + 64;
        double *g = realloc(c->cache, (size_t)cap * (k + n) * sizeof *g);
        if (!g)
            return false;
        c->cache = g;
        c->cap_cache = cap;
    }
    double *r = c->cache + (size_t)c->n_cache++ * (k + n);
    memcpy(r, key, k * sizeof *r);
    memcpy(r + k, sim, n * sizeof *r);
    return true;
}

static void load(cal_ctx *c, char *text)
{
    int k = c->k, n = c->t->n, R = c->drep ? c->R : 0;
    double *buf = malloc(((size_t)k + (size_t)n + (size_t)R + 1) * sizeof *buf);
    if (!buf)
        return;
    for (char *line = text, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        *nl = '\0';
        char *p = line + 1, *end;
        if (line[0] == 'P' && line[1] == ',') {
            long pt = strtol(line + 2, &end, 10);
            p = end;
            if (end == line + 2 || pt < 0 || pt >= c->P || !numbers(&p, buf, n + R) || *p)
                continue;
            memcpy(c->psim + (size_t)pt * n, buf, (size_t)n * sizeof *buf);
            if (R)
                memcpy(c->drep + (size_t)pt * R, buf + n, (size_t)R * sizeof *buf);
            atomic_store(&c->done[pt], 1);
            c->flushed[pt] = 1;
        } else if (line[0] == 'E' && numbers(&p, buf, k + n) && !*p) {
            add_eval(c, buf, buf + k);
        }
    }
    free(buf);
}

ts_status ts_cal_cache_open(cal_ctx *c, const char *folder, bool resume, ts_error *err)
{
    snprintf(c->cache_path, sizeof c->cache_path, "%s/%s", folder, TS_CAL_PARTIAL);
    char *head = digest_line(c);
    if (!head)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    char *text = NULL;
    FILE *f = resume ? fopen(c->cache_path, "rb") : NULL;
    if (f) {
        size_t cap = 1 << 16, used = 0, got;
        text = malloc(cap + 1);
        while (text && (got = fread(text + used, 1, cap - used, f)) > 0) {
            used += got;
            if (used == cap) {
                char *g = realloc(text, (cap *= 2) + 1);
                if (!g) {
                    free(text);
                    text = NULL;
                }
                text = g;
            }
        }
        if (text)
            text[used] = '\0';
        fclose(f);
    }
    bool same = text && !strncmp(text, head, strlen(head));
    if (same)
        load(c, text + strlen(head));
    free(text);
    c->cache_file = fopen(c->cache_path, same ? "a" : "w");
    ts_status st = TS_OK;
    if (!c->cache_file)
        st = ts_error_set(err, TS_EIO, "%s: cannot write: %s", c->cache_path, strerror(errno));
    else if (!same && (fputs(head, c->cache_file) < 0 || fflush(c->cache_file) != 0))
        st = ts_error_set(err, TS_EIO, "%s: cannot write: %s", c->cache_path, strerror(errno));
    free(head);
    return st;
}

static void sync_file(cal_ctx *c)
{
    if (c->cache_st == 0 && (fflush(c->cache_file) != 0 || fsync(fileno(c->cache_file)) != 0))
        c->cache_st = errno ? errno : EIO;
}

void ts_cal_cache_flush_points(cal_ctx *c)
{
    if (!c->cache_file)
        return;
    int n = c->t->n, R = c->drep ? c->R : 0;
    bool any = false;
    for (int p = 0; p < c->P; p++) {
        if (c->flushed[p] || !atomic_load(&c->done[p]))
            continue;
        fprintf(c->cache_file, "P,%d", p);
        for (int i = 0; i < n; i++)
            fprintf(c->cache_file, ",%a", c->psim[(size_t)p * n + i]);
        for (int r = 0; r < R; r++)
            fprintf(c->cache_file, ",%a", c->drep[(size_t)p * R + r]);
        fputc('\n', c->cache_file);
        c->flushed[p] = 1;
        any = true;
    }
    if (any)
        sync_file(c);
}

ts_status ts_cal_eval_cached(cal_ctx *c, const double *values, double *sim, ts_error *err)
{
    size_t k = (size_t)c->k, n = (size_t)c->t->n;
    for (int e = 0; e < c->n_cache; e++) {
        const double *r = c->cache + (size_t)e * (k + n);
        if (!memcmp(r, values, k * sizeof *r)) {
            memcpy(sim, r + k, n * sizeof *sim);
            return TS_OK;
        }
    }
    ts_status st = ts_cal_eval(c, values, c->o->threads, sim, NULL, NULL, err);
    c->evals++;
    if (st != TS_OK)
        return st;
    if (!add_eval(c, values, sim))
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    if (c->cache_file) {
        fputc('E', c->cache_file);
        for (size_t j = 0; j < k; j++)
            fprintf(c->cache_file, ",%a", values[j]);
        for (size_t i = 0; i < n; i++)
            fprintf(c->cache_file, ",%a", sim[i]);
        fputc('\n', c->cache_file);
        sync_file(c);
    }
    return TS_OK;
}

ts_status ts_cal_cache_close(cal_ctx *c, bool finished, ts_error *err)
{
    ts_status st = TS_OK;
    if (c->cache_file && fclose(c->cache_file) != 0 && c->cache_st == 0)
        c->cache_st = errno ? errno : EIO;
    c->cache_file = NULL;
    if (c->cache_st && err)
        st = ts_error_set(err, TS_EIO, "%s: cannot write: %s", c->cache_path,
                          strerror(c->cache_st));
    if (finished && st == TS_OK && c->cache_path[0])
        unlink(c->cache_path);
    free(c->cache);
    c->cache = NULL;
    return st;
}
