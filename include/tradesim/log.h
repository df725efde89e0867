/* Log rows: every event, talk, agreement, breach and expiry of a replicate,
 * for log.csv. An event row keeps the event's index (its label and detail
 * come from the scenario when written); other rows own their strings.
 * A ts_log belongs to one replicate, and so to one thread at a time. */
#ifndef TRADESIM_LOG_H
#define TRADESIM_LOG_H

#include "tradesim/error.h"

typedef enum {
    TS_LOG_EVENT,
    TS_LOG_TALK,
    TS_LOG_AGREEMENT,
    TS_LOG_BREACH,
    TS_LOG_EXPIRY,
} ts_log_type;

typedef struct {
    int step;
    ts_log_type type;
    int event;        /* TS_LOG_EVENT: index in sc->events; label/detail derived from it */
    char *label;      /* other types: owned strings (may be NULL = empty) */
    char *detail;
} ts_log_entry;

typedef struct {
    ts_log_entry *rows;
    int n, cap;
} ts_log;

const char *ts_log_type_name(ts_log_type type);
/* Appends a row (label and detail copied; NULL = empty). TS_EIO on out of memory. */
ts_status ts_log_add(ts_log *log, int step, ts_log_type type, const char *label,
                     const char *detail);
void ts_log_clear(ts_log *log);   /* frees rows' strings, keeps capacity */
void ts_log_free(ts_log *log);
/* Appends an event row (the index of the event in sc->events). */
ts_status ts_log_add_event(ts_log *log, int step, int event);

#endif
