/* The run's log rows (log.h): a growable array per replicate, reused from
 * one replicate to the next (ts_log_clear keeps the capacity), its strings
 * in a list of chunks, each twice the size of the one before. A string per
 * malloc cost about 3% of a run at --log all, and at -j 2 a freed string
 * was often another thread's, whose arena lock the free then took. */
#include "tradesim/log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *ts_log_type_name(ts_log_type type)
{
    static const char *const names[] = {"event", "talk", "agreement", "breach", "expiry"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "";
}

/* A log moves between threads with its run slot, block after block; its
 * memory lies in whole cache lines of its own. A small array of it (a talk's
 * levels) allocated beside a thread's random generator, and written by the
 * other thread, made every draw wait for that line: at -j 2 on a million
 * replicates the generator's load took 1.9% of the samples (0.3% now). */
#define LINE 64

static size_t lines(size_t bytes)
{
    return (bytes + LINE - 1) / LINE * LINE;
}

/* realloc of old_bytes to bytes, in whole lines */
static void *grow(void *p, size_t old_bytes, size_t bytes)
{
    void *q = aligned_alloc(LINE, lines(bytes));
    if (q && p)
        memcpy(q, p, old_bytes);
    if (q)
        free(p);
    return q;
}

struct ts_log_chunk {
    ts_log_chunk *next;
    size_t cap, used;
    char s[];
};

#define FIRST_CHUNK 1024

char *ts_log_text(ts_log *log, const char *s, size_t len)
{
    ts_log_chunk *c = log->text_at, *last = NULL;
    for (; c && c->cap - c->used <= len; c = c->next)
        last = c;
    if (!c) {
        size_t cap = last ? 2 * last->cap : FIRST_CHUNK;
        cap = cap > len ? cap : len + 1;
        if (!(c = aligned_alloc(LINE, lines(sizeof *c + cap))))
            return NULL;
        c->next = NULL;
        c->cap = cap;
        c->used = 0;
        *(last ? &last->next : &log->text) = c;
    }
    log->text_at = c;
    char *d = c->s + c->used;
    memcpy(d, s, len);
    d[len] = '\0';
    c->used += len + 1;
    return d;
}

static char *dup_or_null(ts_log *log, const char *s)
{
    return s ? ts_log_text(log, s, strlen(s)) : NULL;
}

static ts_status log_reserve(ts_log *log)
{
    if (log->n < log->cap)
        return TS_OK;
    int cap = log->cap ? 2 * log->cap : 16;
    ts_log_entry *rows = grow(log->rows, (size_t)log->n * sizeof *rows, (size_t)cap * sizeof *rows);
    if (!rows)
        return TS_EIO;
    log->rows = rows;
    log->cap = cap;
    return TS_OK;
}

ts_status ts_log_add_event(ts_log *log, int step, int event)
{
    if (log_reserve(log) != TS_OK)
        return TS_EIO;
    log->rows[log->n++] = (ts_log_entry){step, TS_LOG_EVENT, event, NULL, NULL};
    return TS_OK;
}

ts_status ts_log_add(ts_log *log, int step, ts_log_type type, const char *label,
                     const char *detail)
{
    if (log_reserve(log) != TS_OK)
        return TS_EIO;
    ts_log_entry *e = &log->rows[log->n];
    *e = (ts_log_entry){step, type, -1, dup_or_null(log, label), dup_or_null(log, detail)};
    if ((label && !e->label) || (detail && !e->detail))
        return TS_EIO;
    log->n++;
    return TS_OK;
}

/* Capacity for n + more items, doubling from 8. */
static int grown(int cap, int n, int more)
{
    int c = cap ? cap : 8;
    while (c < n + more)
        c *= 2;
    return c;
}

static bool talks_reserve(ts_log *log, int n_levels)
{
    if (log->n_talks + 1 > log->cap_talks) {
        int c = grown(log->cap_talks, log->n_talks, 1);
        ts_log_talk *t = grow(log->talks, (size_t)log->n_talks * sizeof *t, (size_t)c * sizeof *t);
        if (!t)
            return false;
        log->talks = t;
        log->cap_talks = c;
    }
    if (log->n_levels + n_levels > log->cap_levels) {
        int c = grown(log->cap_levels, log->n_levels, n_levels);
        double *v = grow(log->levels, (size_t)log->n_levels * sizeof *v, (size_t)c * sizeof *v);
        if (!v)
            return false;
        log->levels = v;
        log->cap_levels = c;
    }
    return true;
}

ts_status ts_log_add_talk(ts_log *log, const ts_log_talk *talk, int n_levers, double **levels)
{
    if (!talks_reserve(log, 2 * n_levers))
        return TS_EIO;
    ts_log_talk *t = &log->talks[log->n_talks];
    *t = *talk;
    t->label = dup_or_null(log, talk->label);
    if (talk->label && !t->label)
        return TS_EIO;
    t->first = log->n_levels;
    *levels = log->levels + log->n_levels;
    memset(*levels, 0, 2 * (size_t)n_levers * sizeof **levels);
    log->n_levels += 2 * n_levers;
    log->n_talks++;
    return TS_OK;
}

bool ts_log_keeps(ts_log_level level, ts_log_type type)
{
    /* events: what no other file holds (agreements.csv has the talks, the
     * agreements and their expiries; breaches keep who broke what) */
    return level == TS_LOGLEVEL_ALL ||
           (level == TS_LOGLEVEL_EVENTS && (type == TS_LOG_EVENT || type == TS_LOG_BREACH));
}

const char *ts_log_end_name(ts_log_end end)
{
    static const char *const names[TS_END_COUNT] = {
        "", "expired", "renegotiated", "breach", "superseded"};
    return (unsigned)end < TS_END_COUNT ? names[end] : "";
}

void ts_log_clear(ts_log *log)
{
    log->n = 0;
    log->n_talks = 0;
    log->n_levels = 0;
    for (ts_log_chunk *c = log->text; c; c = c->next)
        c->used = 0;
    log->text_at = log->text;
}

void ts_log_free(ts_log *log)
{
    for (ts_log_chunk *c = log->text, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(log->rows);
    free(log->talks);
    free(log->levels);
    *log = (ts_log){0};
}
