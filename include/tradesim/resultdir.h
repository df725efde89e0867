/* Result folders: what `run` and `batch` write into DIR/<name>/ and what
 * `batch` and `compare` read back.
 *
 * One home for the folder as a unit: the names of its six files (written in
 * this order by output.c), the folder's name and path, one writer at a time
 * (a lock on the output folder), the `.complete` marker (the resolved
 * scenario's hash and each file's size and SHA-256, written after every file
 * and removed before any is replaced: a folder without it, or whose files
 * differ from it, is incomplete), datapackage.json, and the one reader of
 * summary.csv, whose rules every reader shares:
 *   - the header's roles: column 1 is `replicate` (cells whole numbers), a
 *     `deal` column is required, no name appears twice;
 *   - `deal` cells are 0 or 1 (true/false accepted);
 *   - outcome columns are those whose names end in _final, _mean, _total or
 *     _vs_status_quo; their cells are finite decimal numbers or empty (no
 *     value): no nan, inf, 1e999 or hexadecimal;
 *   - first_deal_step is a number or empty (no deal in that replicate);
 *   - seed, when there is such a column, holds each replicate's seed: a
 *     whole number below 2^64, decimal or 0x and 1 to 16 hex digits;
 *   - every row has the header's number of fields.
 * Errors name the file and line (TS_EBAD), or say out of memory (TS_EIO). */
#ifndef TRADESIM_RESULTDIR_H
#define TRADESIM_RESULTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tradesim/digest.h"
#include "tradesim/error.h"
#include "tradesim/scenario.h"
#include "tradesim/stats.h"
#include "tradesim/text.h"

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

/* The result files' sizes and SHA-256 as their writer took them while
 * writing (csv.h, ts_csv_digest), for ts_result_seal. */
typedef struct {
    char hex[TS_RESULT_N_FILES][TS_SHA256_HEX];
    uint64_t bytes[TS_RESULT_N_FILES];
} ts_result_digests;

#define TS_RESULT_MARKER ".complete"
#define TS_RESULT_DATAPACKAGE "datapackage.json"
#define TS_RESULT_PROVENANCE "provenance.json"

/* The rule for a result folder's name, whether written as `name` or taken
 * from the file name: not empty, no '/' or '\\', not starting with '.', no
 * control character. TS_EBAD naming source (the scenario file) otherwise. */
ts_status ts_result_check_name(const char *name, const char *source, ts_error *err);

/* Writes "dir/<name>" into buf (n bytes); false when it does not fit. */
bool ts_result_folder(const ts_scenario *sc, const char *dir, char *buf, size_t n);

/* One writer per output folder: creates dir (with its parents), refuses an
 * empty path (TS_EBAD), takes an exclusive flock on the folder itself
 * (non-blocking: a second writer gets TS_EIO naming the folder), checks that
 * a file can be created in it and removes the temporaries that dead processes
 * left (ts_result_prepare). *fd is the lock, held until ts_result_unlock. */
ts_status ts_result_lock(const char *dir, int *fd, ts_error *err);
void ts_result_unlock(int fd);

/* Before a folder's first replicate: creates it, checks it is writable and
 * removes stale temporaries ("*.tmp.<pid>.<n>" of processes no longer
 * running). TS_EIO naming the folder. The writer removes the marker before
 * it replaces the first file (output.c) and ts_result_seal writes it last. */
ts_status ts_result_prepare(const char *folder, ts_error *err);

/* What made a run: recorded in provenance.json (volatile, see docs/cli.md). */
typedef struct {
    int argc;
    char **argv;          /* the command line */
    int threads;
    time_t start, end;    /* wall-clock seconds */
} ts_result_run_info;

/* After every file of a run is in place: writes datapackage.json (schemas,
 * sizes, SHA-256, the run's deterministic provenance), provenance.json
 * (times, command line, host, build) and last the marker, which records the
 * scenario's hash and each file's size and SHA-256: those of dg, taken as the
 * files were written, or (dg NULL) read from the files. */
ts_status ts_result_seal(const ts_scenario *sc, const char *folder,
                         const ts_result_run_info *info, const ts_result_digests *dg,
                         ts_error *err);

/* Checks folder against its marker and datapackage.json: the marker is
 * there and well formed, holds *hash (when hash is not NULL), lists every
 * result file, and every file listed has its recorded size and SHA-256, in
 * the marker and in datapackage.json. Each difference is appended to why (if
 * not NULL) as one line. True when there is none. */
bool ts_result_verify(const char *folder, const uint64_t *hash, ts_text *why);

/* ts_result_verify(dir, &hash, NULL): what --resume trusts. */
bool ts_result_is_complete(const char *dir, uint64_t hash);
ts_status ts_result_unmark(const char *dir, ts_error *err);

/* datapackage.json of folder (datapackage.c): resources with their schemas,
 * bytes and hashes; written through ts_csv. hex: SHA-256 of each result file
 * (TS_RESULT_N_FILES entries) and bytes their sizes. */
ts_status ts_result_write_datapackage(const ts_scenario *sc, const char *folder,
                                      char hex[][65], const uint64_t *bytes, ts_error *err);
/* Compares datapackage.json's resources with the files; differences to why. */
bool ts_result_check_datapackage(const char *folder, ts_text *why);
/* provenance.json: the volatile record of the run. */
ts_status ts_result_write_provenance(const ts_scenario *sc, const char *folder,
                                     const ts_result_run_info *info, ts_error *err);

typedef struct {
    char *name;
    ts_values x;   /* the column's non-empty cells, in row order */
} ts_summary_column;

typedef struct {
    char *path;                 /* the file read */
    size_t rows, deals;         /* replicates; those with deal 1 */
    bool has_first;             /* a first_deal_step column */
    ts_values first;            /* first_deal_step of the replicates with a deal */
    ts_values deal;             /* per row: 1 with a deal, else 0 */
    bool has_seed;              /* a seed column */
    uint64_t *seed;             /* per row, when has_seed */
    ts_summary_column *cols;    /* outcome columns, file order */
    size_t n_cols;
} ts_summary;

/* Reads path (a summary.csv). On failure s holds nothing to free. */
ts_status ts_summary_read(const char *path, ts_summary *s, ts_error *err);
void ts_summary_free(ts_summary *s);

#endif
