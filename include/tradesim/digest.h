/* Digests: SHA-256 of files and text (Nettle), as lowercase hex.
 *
 * Result folders record each file's size and SHA-256 so that a reader can
 * tell a folder's files apart from another run's (resultdir.h). */
#ifndef TRADESIM_DIGEST_H
#define TRADESIM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "tradesim/error.h"

#define TS_SHA256_HEX 65   /* 64 hex digits and the NUL */

/* SHA-256 of n bytes at p. */
void ts_sha256_text(const void *p, size_t n, char hex[TS_SHA256_HEX]);

/* SHA-256 of bytes handed over in pieces: begin (NULL when out of memory),
 * add each piece in order, end for the digest (which frees it); free drops it
 * unfinished. One hasher belongs to one thread at a time. */
typedef struct ts_sha256 ts_sha256;
ts_sha256 *ts_sha256_begin(void);
void ts_sha256_add(ts_sha256 *h, const void *p, size_t n);
void ts_sha256_end(ts_sha256 *h, char hex[TS_SHA256_HEX]);
void ts_sha256_free(ts_sha256 *h);

/* SHA-256 and size of the regular file at path (no link followed). TS_EIO
 * naming path when it cannot be read or is not a regular file. */
ts_status ts_sha256_file(const char *path, char hex[TS_SHA256_HEX], uint64_t *bytes,
                         ts_error *err);

#endif
