/* Error recording: one formatted line per failure, never longer than
 * TS_ERROR_MAX, so callers can print it as it is. */
#include "tradesim/error.h"

#include <stdarg.h>
#include <stdio.h>

ts_status ts_error_set(ts_error *err, ts_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void ts_error_clear(ts_error *err)
{
    if (err) {
        err->code = TS_OK;
        err->msg[0] = '\0';
    }
}
