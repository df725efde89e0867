/* tradesim merge: the shard folders of `experiment --shard` (or `batch
 * --shard`) into the folder the unsharded command writes, the same bytes
 * (docs/cluster.md). */
#include <stdio.h>
#include <string.h>

#include "tradesim/cli.h"
#include "tradesim/resultdir.h"
#include "tradesim/shard.h"

const ts_cli_spec ts_cmd_merge_spec = {
    .name = "merge",
    .summary = "merge the shard folders of --shard runs into one result",
    .accept = "oqh",
    .min_pos = 1,
    .max_pos = -1,
    .what = "at least one shard folder",
    .usage =
    "usage: tradesim merge SHARD_DIR... [-o DIR] [-q]\n"
    "\n"
    "Merges the shard folders that `tradesim experiment` or `tradesim batch` wrote\n"
    "as shard K of N into the files the unsharded command writes, byte for\n"
    "byte: DIR/<name>/ for an experiment, DIR's result folders and\n"
    "batch.csv for a batch. Checks that every shard comes from the same resolved\n"
    "scenario, design, size, seed and version, and that each K of 1..N is there\n"
    "once (names the missing ones).\n"
    "\n"
    "  -o, --output DIR       output folder (default results)\n"
    "  -q, --quiet            print nothing on success\n",
};

int ts_cmd_merge(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_merge_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    const char *dir = o.out ? o.out : "results";
    ts_error e;
    ts_error_clear(&e);
    int lock = -1;
    ts_merge_info info;
    ts_status st = ts_result_lock(dir, &lock, &e);
    if (st == TS_OK)
        st = ts_shard_merge(o.positional, o.n_positional, dir, &info, &e);
    ts_result_unlock(lock);
    if (st != TS_OK) {
        fprintf(err, "tradesim merge: %s\n", e.msg);
        return st == TS_EBAD ? TS_EBAD : TS_EIO;
    }
    if (!o.quiet) {
        if (!strcmp(info.kind, "experiment"))
            fprintf(out, "%s/%s: %d shards, %ld points merged\n", dir, info.name, info.shards,
                    info.items);
        else
            fprintf(out, "%s: %d shards, %ld scenarios merged\n", dir, info.shards, info.items);
    }
    return 0;
}
