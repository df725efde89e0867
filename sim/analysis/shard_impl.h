/* What shard.c and shard_batch.c share: the manifest, the completion marker
 * of a shard folder (shard.h). Private to analysis/. */
#ifndef TRADESIM_SHARD_IMPL_H
#define TRADESIM_SHARD_IMPL_H

#include <stddef.h>

#include "tradesim/error.h"

#define TS_SHARD_FORMAT "tradesim-shard-1"

/* manifest.csv: key,value rows. */
typedef struct {
    char format[32], kind[16], version[32], scenario[256], hash[32], design[16], seed[32];
    long n, items, first, last, precision;
    int shard, shards;
} ts_shard_manifest;

ts_status ts_shard_manifest_write(const char *folder, const ts_shard_manifest *m, ts_error *err);
/* TS_EBAD naming the folder when the manifest is missing (an unfinished
 * shard), malformed or does not match its block. */
ts_status ts_shard_manifest_read(const char *folder, ts_shard_manifest *m, ts_error *err);
void ts_shard_copy(char *dst, size_t n, const char *src);

/* Batch shards (shard_batch.c): by_k[K-1] is the index of shard K in
 * shards and ms. */
ts_status ts_shard_merge_batch(const char *const *shards, const ts_shard_manifest *ms,
                               const int *by_k, const char *outdir, ts_error *err);

#endif
