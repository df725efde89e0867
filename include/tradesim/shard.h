/* Shards: an experiment's design (or a batch's scenario files) cut into N
 * contiguous blocks, each run on its own (a Slurm array task, another
 * machine) into its own folder, and merged into the folder the unsharded
 * command writes, byte for byte (docs/cluster.md).
 *
 * Shard K of N (K from 1) holds items [floor((K-1) P / N), floor(K P / N)).
 * An experiment shard's folder DIR/<name>.shard-K-of-N/ holds the resolved
 * scenario.cfg, the whole design.csv, values.csv (its block's metrics,
 * exact) and last manifest.csv, the completion marker: what made it
 * (scenario hash, design, n, seed, version) and its block. A shard without
 * a manifest did not finish; run again with --resume, it keeps its finished
 * points. */
#ifndef TRADESIM_SHARD_H
#define TRADESIM_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "tradesim/batch.h"
#include "tradesim/error.h"
#include "tradesim/experiment.h"
#include "tradesim/scenario.h"

#define TS_SHARD_MANIFEST "manifest.csv"

/* Shard k of n's block of P items: [*first, *last). */
void ts_shard_block(long P, int k, int n, long *first, long *last);

/* "K/N" (1 <= K <= N <= 100000) into *k, *n; or "auto": K and N from
 * SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN
 * (K = ID - MIN + 1; MIN 1 when unset). TS_EBAD with one line otherwise. */
ts_status ts_shard_parse(const char *text, int *k, int *n, ts_error *err);

/* "dir/<name>.shard-K-of-N" into buf; false when it does not fit. */
bool ts_shard_folder(const char *dir, const char *name, int k, int n, char *buf, size_t len);

/* Runs shard k of n of the experiment o describes into folder (created;
 * the caller holds dir's lock). *done: points run by this call. */
ts_status ts_shard_experiment(const ts_scenario *sc, const char *folder,
                              const ts_experiment_opts *o, int k, int n, long *done,
                              ts_error *err);

/* A batch shard: batch ran shard k of n's block of its `items` scenario
 * files into folder (rows: the block's batch.csv rows, in file order).
 * Writes rows.csv (each row's name, seed and error), sets.csv (the --set
 * options, batch.csv's columns) and last the manifest; id identifies the
 * batch (its files and overrides), precision is batch.csv's. */
ts_status ts_shard_batch_seal(const char *folder, const ts_batch_row *rows, int n_rows,
                              long items, int k, int n, uint64_t id, int precision,
                              const char *const *sets, int n_sets, ts_error *err);
/* Removes folder's manifest before a shard runs again (TS_EIO). */
ts_status ts_shard_unseal(const char *folder, ts_error *err);

/* What merge did: the name of the folder written and how many shards. */
typedef struct {
    char name[256];
    char kind[16];    /* "experiment" or "batch" */
    int shards;
    long items;
} ts_merge_info;

/* Checks the shard folders belong together (the same resolved scenario,
 * design, n, seed and version; every K of 1..N once) and writes
 * outdir/<name>/ as the unsharded experiment would (or, for batch shards,
 * outdir's result folders and batch.csv). TS_EBAD naming the shard folder
 * (or the missing K) when they do not. The caller holds outdir's lock. */
ts_status ts_shard_merge(const char *const *shards, int n, const char *outdir,
                         ts_merge_info *info, ts_error *err);

#endif
