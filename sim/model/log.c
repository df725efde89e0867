/* The run's log rows (log.h): a growable array per replicate, reused from
 * one replicate to the next (ts_log_clear keeps the capacity). */
#include "tradesim/log.h"

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

void ts_log_clear(ts_log *log)
{
    for (int i = 0; i < log->n; i++) {
        free(log->rows[i].label);
        free(log->rows[i].detail);
    }
    log->n = 0;
}

void ts_log_free(ts_log *log)
{
    ts_log_clear(log);
    free(log->rows);
    log->rows = NULL;
    log->cap = 0;
}
