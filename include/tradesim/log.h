/* Log rows: every event, talk, agreement, breach and expiry of a replicate,
 * for log.csv. An event row keeps the event's index (its label and detail
 * come from the scenario when written); other rows' strings are the log's.
 * Beside the rows, one record per talk held, for agreements.csv: the talks
 * phase fills them whatever the log level, and the engine hands them to the
 * run with the rows. A ts_log belongs to one replicate, and so to one thread
 * at a time. Its strings sit in chunks of its own that ts_log_clear keeps:
 * a run's logs, reused block after block, then allocate and free nothing,
 * and no thread frees what another allocated. */
#ifndef TRADESIM_LOG_H
#define TRADESIM_LOG_H

#include <stdbool.h>

#include "tradesim/error.h"
#include "tradesim/scenario.h"

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

/* How an agreement ended (agreements.csv's `end`). */
typedef enum {
    TS_END_NONE,          /* in force at the end of the run, or no agreement */
    TS_END_EXPIRED,       /* expiry with snapback, or a failed renegotiation
                             (with keep an agreement stays: no end) */
    TS_END_RENEGOTIATED,  /* replaced at expiry by the renegotiation's package */
    TS_END_BREACH,
    TS_END_SUPERSEDED,    /* replaced by a later talk's agreement */
    TS_END_COUNT
} ts_log_end;

/* One talk held. Levels: agenda lever k's level before the talk (the
 * disagreement levels) at levels[first + 2k], the package (agreed, or the
 * best found when no agreement) at levels[first + 2k + 1]. */
typedef struct {
    int step;
    const ts_talk *tk;    /* the scenario's talk: protocol, agenda, on_expiry */
    char *label;          /* owned; as the log's talk row */
    int outcome;          /* ts_talks_outcome */
    int agreement;        /* its id; -1 when none was reached */
    double gain[2];       /* of the package over the disagreement values */
    int until;            /* step of expiry (agreements) */
    ts_log_end end;
    int end_step;         /* step it ended (-1 with TS_END_NONE) */
    int first;            /* offset in the log's levels */
} ts_log_talk;

typedef struct ts_log_chunk ts_log_chunk;

typedef struct {
    ts_log_entry *rows;
    int n, cap;
    ts_log_talk *talks;
    int n_talks, cap_talks;
    double *levels;
    int n_levels, cap_levels;
    ts_log_chunk *text, *text_at;   /* the strings' chunks; the one being filled */
} ts_log;

const char *ts_log_type_name(ts_log_type type);
/* Appends a row (label and detail copied; NULL = empty). TS_EIO on out of memory. */
ts_status ts_log_add(ts_log *log, int step, ts_log_type type, const char *label,
                     const char *detail);
/* Appends a talk record (label copied; first set here) with room for
 * 2 n_levers levels, returned zeroed in *levels. TS_EIO on out of memory. */
ts_status ts_log_add_talk(ts_log *log, const ts_log_talk *talk, int n_levers, double **levels);
/* True when rows of type go to log.csv at level. */
bool ts_log_keeps(ts_log_level level, ts_log_type type);
const char *ts_log_end_name(ts_log_end end);
/* A copy of s's first len bytes, NUL-terminated, owned by the log until
 * ts_log_clear; NULL on out of memory. */
char *ts_log_text(ts_log *log, const char *s, size_t len);
void ts_log_clear(ts_log *log);   /* empties the log, keeps its capacity and chunks */
void ts_log_free(ts_log *log);
/* Appends an event row (the index of the event in sc->events). */
ts_status ts_log_add_event(ts_log *log, int step, int event);

#endif
