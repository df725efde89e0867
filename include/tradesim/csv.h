/* CSV output: RFC 4180 rows, fast number formatting, atomic files.
 *
 * A ts_csv writes into "<path>.tmp.<pid>.<n>" next to path through its own
 * buffer; ts_csv_commit() flushes, fsyncs and renames it onto path, so a
 * reader never sees a half-written file. Any write error is remembered and
 * reported by ts_csv_commit(), which then removes the temporary file. A
 * ts_csv is used by one thread at a time; different ts_csv are independent. */
#ifndef TRADESIM_CSV_H
#define TRADESIM_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradesim/digest.h"
#include "tradesim/error.h"

/* Formats v exactly as snprintf(buf, n, "%.*g", precision, v) would, for
 * precision 1..17, faster; NaN and infinities as "nan", "inf", "-inf".
 * buf must hold at least 32 bytes. Returns the length written. */
size_t ts_fmt_g(char *buf, double v, int precision);

typedef struct ts_csv ts_csv;

/* Opens a temporary file beside path. NULL and err (TS_EIO, naming path) on
 * failure, and when path is an existing read-only file or a folder. */
ts_csv *ts_csv_open(const char *path, int precision, ts_error *err);

/* Fields of the current row, comma-separated automatically. */
void ts_csv_str(ts_csv *c, const char *s);      /* quoted when it holds , " CR or LF */
void ts_csv_num(ts_csv *c, double v);           /* ts_fmt_g at the file's precision */
void ts_csv_int(ts_csv *c, long long v);
void ts_csv_u64(ts_csv *c, uint64_t v);
void ts_csv_empty(ts_csv *c);
void ts_csv_end_row(ts_csv *c);                 /* "\n" */
void ts_csv_raw(ts_csv *c, const char *s, size_t n);   /* bytes as they are (non-CSV text) */

/* Flushes, fsyncs and closes the temporary file, without renaming it: a set
 * of files is first finished one by one, then committed, so a full disk
 * leaves every earlier file of the set untouched. On a write failure removes
 * the temporary file and returns TS_EIO naming path and the system error
 * (again on later calls). c stays to be committed or aborted. */
ts_status ts_csv_finish(ts_csv *c, ts_error *err);
/* After a successful ts_csv_finish: the file's SHA-256 and size, taken from
 * the bytes as they were written (false before, or after a failure). */
bool ts_csv_digest(const ts_csv *c, char hex[TS_SHA256_HEX], uint64_t *bytes);
/* Finishes (if not yet) and renames onto path; frees c. On any earlier or
 * current write failure: removes the temporary file, returns TS_EIO with a
 * message naming path and the system error. */
ts_status ts_csv_commit(ts_csv *c, ts_error *err);
/* Closes and removes the temporary file; frees c. Safe with NULL. */
void ts_csv_abort(ts_csv *c);

/* The temporary file's name ("<path>.tmp.<pid>.<n>"), valid until commit or
 * abort. */
const char *ts_csv_temp_path(const ts_csv *c);

/* Test hook: make the n-th buffer flush from now fail with errno ENOSPC
 * (0 = never). Lets tests inject a full disk without one. */
void ts_csv_fail_after(ts_csv *c, int n_flushes);

#endif
