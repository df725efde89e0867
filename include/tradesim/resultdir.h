/* Result folders: what `run` and `batch` write into DIR/<name>/ and what
 * `batch` and `compare` read back.
 *
 * One home for the folder as a unit: the names of its six files (written in
 * this order by output.c), the folder's path, the `.complete` marker (the
 * resolved scenario's hash, written after every file and removed before any
 * is replaced: a folder without it is incomplete) and the one reader of
 * summary.csv, whose rules every reader shares:
 *   - a `deal` column is required; its cells are 0 or 1 (true/false accepted);
 *   - outcome columns are those whose names end in _final, _mean, _total or
 *     _vs_status_quo; their cells are finite numbers or empty (no value);
 *   - first_deal_step is a number or empty (no deal in that replicate);
 *   - every row has the header's number of fields.
 * Errors name the file and line (TS_EBAD), or say out of memory (TS_EIO). */
#ifndef TRADESIM_RESULTDIR_H
#define TRADESIM_RESULTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradesim/error.h"
#include "tradesim/scenario.h"
#include "tradesim/stats.h"

enum {
    TS_RESULT_SUMMARY,
    TS_RESULT_AGGREGATE,
    TS_RESULT_TRAJECTORIES,
    TS_RESULT_LOG,
    TS_RESULT_AGREEMENTS,
    TS_RESULT_SCENARIO,
    TS_RESULT_N_FILES
};

/* "summary.csv", "aggregate.csv", "trajectories.csv", "log.csv",
 * "agreements.csv", "scenario.cfg". */
const char *ts_result_file(int which);

#define TS_RESULT_MARKER ".complete"

/* Writes "dir/<name>" into buf (n bytes); false when it does not fit. */
bool ts_result_folder(const ts_scenario *sc, const char *dir, char *buf, size_t n);

/* The completion marker: complete when the marker holds hash and every file
 * is there. */
bool ts_result_is_complete(const char *dir, uint64_t hash);
ts_status ts_result_mark_complete(const char *dir, uint64_t hash, ts_error *err);
ts_status ts_result_unmark(const char *dir, ts_error *err);

typedef struct {
    char *name;
    ts_values x;   /* the column's non-empty cells, in row order */
} ts_summary_column;

typedef struct {
    char *path;                 /* the file read */
    size_t rows, deals;         /* replicates; those with deal 1 */
    bool has_first;             /* a first_deal_step column */
    ts_values first;            /* first_deal_step of the replicates with a deal */
    ts_summary_column *cols;    /* outcome columns, file order */
    size_t n_cols;
} ts_summary;

/* Reads path (a summary.csv). On failure s holds nothing to free. */
ts_status ts_summary_read(const char *path, ts_summary *s, ts_error *err);
void ts_summary_free(ts_summary *s);

#endif
