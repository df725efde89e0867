/* CSV input: a small streaming RFC 4180 reader (for diff and compare).
 *
 * Fields may be quoted ("a,b", "say ""hi""", embedded CR/LF); records end at
 * LF or CRLF; a last record without a newline is read; blank lines are
 * skipped. The fields of the current record stay valid until the next
 * ts_csvread_next() call. A ts_csvread belongs to one thread at a time. */
#ifndef TRADESIM_CSVREAD_H
#define TRADESIM_CSVREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "tradesim/error.h"

typedef struct ts_csvread ts_csvread;

/* The longest record read (its fields' bytes): a file without line ends,
 * such as /dev/zero, is refused instead of filling memory. */
#define TS_CSVREAD_MAX_RECORD (16 * 1024 * 1024)

/* Opens path for reading. NULL and err (TS_EBAD, naming path and the system
 * error) when it cannot be opened. */
ts_csvread *ts_csvread_open(const char *path, ts_error *err);
void ts_csvread_free(ts_csvread *r);

/* Reads the next record. Sets *got false at end of file. Malformed input
 * (a quote inside an unquoted field, text after a closing quote, an
 * unterminated quote), a record over TS_CSVREAD_MAX_RECORD bytes and read
 * errors give TS_EBAD naming path and line. */
ts_status ts_csvread_next(ts_csvread *r, bool *got, ts_error *err);

size_t ts_csvread_count(const ts_csvread *r);              /* fields in the record */
const char *ts_csvread_field(const ts_csvread *r, size_t i); /* NUL-terminated */
size_t ts_csvread_line(const ts_csvread *r);               /* line the record starts on */
const char *ts_csvread_path(const ts_csvread *r);

/* A field that is one whole decimal number as strtod reads it (no leading
 * blank, nothing left over, no hexadecimal "0x1p3"; "inf" and "nan" included,
 * and a decimal beyond the double range such as "1e999" read as infinity, so
 * callers that need a finite value check isfinite). The one number parser of
 * every CSV reader. */
bool ts_csvread_number(const char *s, double *v);

#endif
