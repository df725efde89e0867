/* Status codes and error messages shared by every module.
 *
 * A function that can fail returns a ts_status and, when given a non-NULL
 * ts_error, fills in one line that names the file, line and setting involved.
 * Status values double as the CLI's exit codes so a message and its code stay
 * together (as in SQLite). */
#ifndef TRADESIM_ERROR_H
#define TRADESIM_ERROR_H

#include <stddef.h>

typedef enum {
    TS_OK = 0,
    TS_EDIFF = 1,   /* differences found (diff) */
    TS_EBAD = 2,    /* bad usage or bad scenario */
    TS_EIO = 3,     /* run-time or I/O failure, out of memory, interrupted */
} ts_status;

#define TS_ERROR_MAX 1024

typedef struct {
    ts_status code;
    char msg[TS_ERROR_MAX];
} ts_error;

/* Records code and a printf-style message in err (if non-NULL); returns code. */
ts_status ts_error_set(ts_error *err, ts_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Clears err to TS_OK with an empty message. */
void ts_error_clear(ts_error *err);

#endif
