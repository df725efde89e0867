/* The run's log rows (log.h): a growable array per replicate, reused from
 * one replicate to the next (ts_log_clear keeps the capacity). */
#include "tradesim/log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

const char *ts_log_type_name(ts_log_type type)
{
    static const char *const names[] = {"event", "talk", "agreement", "breach", "expiry"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "";
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static ts_status log_reserve(ts_log *log)
{
    if (log->n < log->cap)
        return TS_OK;
    int cap = log->cap ? 2 * log->cap : 16;
    ts_log_entry *rows = realloc(log->rows, (size_t)cap * sizeof *rows);
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
    *e = (ts_log_entry){step, type, -1, dup_or_null(label), dup_or_null(detail)};
    if ((label && !e->label) || (detail && !e->detail)) {
        free(e->label);
        free(e->detail);
        return TS_EIO;
    }
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
        ts_log_talk *t = realloc(log->talks, (size_t)c * sizeof *t);
        if (!t)
            return false;
        log->talks = t;
        log->cap_talks = c;
    }
    if (log->n_levels + n_levels > log->cap_levels) {
        int c = grown(log->cap_levels, log->n_levels, n_levels);
        double *v = realloc(log->levels, (size_t)c * sizeof *v);
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
    t->label = dup_or_null(talk->label);
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
    for (int i = 0; i < log->n; i++) {
        free(log->rows[i].label);
        free(log->rows[i].detail);
    }
    log->n = 0;
    for (int i = 0; i < log->n_talks; i++)
        free(log->talks[i].label);
    log->n_talks = 0;
    log->n_levels = 0;
}

void ts_log_free(ts_log *log)
{
    ts_log_clear(log);
    free(log->rows);
    free(log->talks);
    free(log->levels);
    *log = (ts_log){0};
}
