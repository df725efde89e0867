/* Output: the run's files in DIR/<name>/ (docs/cli.md, "Output files").
 *
 * summary.csv, aggregate.csv, trajectories.csv, log.csv, agreements.csv and
 * scenario.cfg are each written through ts_csv (a temporary file renamed when complete).
 * All six are written and fsynced before the first is renamed, so a write
 * failure (full disk) leaves the earlier set whole; a read-only results file
 * is refused before anything is written (the error says which file).
 *
 * Conventions: replicates and steps are numbered from 0; `date` is empty for
 * an abstract calendar; first_deal_step and first_deal_date are empty when a
 * replicate reached no deal; `agreement` is the active agreement's number or
 * empty. Aggregate quantiles are GSL's (linear interpolation between order
 * statistics, Hyndman & Fan type 7) over all R replicates. */
#ifndef TRADESIM_OUTPUT_H
#define TRADESIM_OUTPUT_H

#include "tradesim/engine.h"
#include "tradesim/error.h"
#include "tradesim/resultdir.h"

/* Creates dir and dir/<name> as needed and writes the six files, computing
 * the aggregates on up to `threads` threads (0: one per core; the bytes do not
 * depend on it).
 * TS_EIO with a message naming the path on failure. */
ts_status ts_output_write(const ts_engine *e, const ts_run *run, const char *dir, int threads,
                          ts_error *err);

/* The aggregates of aggregate.csv: for every step t and column c, at
 * [(t C + c) 4 ..], the mean over replicates (a compensated sum in
 * replicate order over their number: ts_means_add) and the
 * 5%, 50% and 95% quantiles (those of a full sort and
 * gsl_stats_quantile_from_sorted_data), on up to `threads` threads (0: one
 * per core; the bits do not depend on it). The caller frees the array; NULL
 * when out of memory. */
double *ts_output_aggregates(const ts_run *run, int threads);

/* summary.csv's outcome columns (each issue's final and mean level, the
 * totals, the gains over the status quo, the totals by issue and channel):
 * their number, their names into names (when not NULL) and, when run and
 * means are not NULL, each one's mean over the run's replicates (summed in
 * replicate order). */
#define TS_OUTCOME_NAME 160
int ts_output_outcomes(const ts_scenario *sc, const ts_run *run, char (*names)[TS_OUTCOME_NAME],
                       double *means);

/* How ts_output_run spends memory (docs/limits.md); 0 in a field: its
 * default. */
typedef struct {
    size_t in_memory;   /* a run whose R x T x C store fits is run whole (512 MiB with
                           talks or best responses, else 64 MiB) */
    size_t block;       /* else replicates run in blocks of this many bytes of rows (8 MiB) */
    size_t kept;        /* values kept for the quantiles: the one pass's brackets, or
                           each round of pass 2 (256 MiB) */
    int sample;         /* replicates whose rows bracket the quantiles of two passes (4096) */
    double sigmas;      /* the one pass's brackets: standard deviations of a rank either
                           side (6); negative: two passes always */
} ts_output_limits;

/* Runs the scenario and writes its six files (as ts_engine_run and
 * ts_output_write would, byte for byte). A run whose store exceeds
 * lim->in_memory runs in blocks of replicates: the pass writes every
 * replicate's rows (summary, log, agreements, the first trajectories) as its
 * block ends and keeps, per column and quantile, the values of a bracket
 * narrowed as the replicates arrive; when a rank fell outside its bracket
 * (rarely) or the brackets do not fit lim->kept, a second pass runs every
 * replicate again from its seed and keeps only the values the exact
 * quantiles need (output_impl.h). TS_EIO, writing nothing, when even the
 * blocks' memory exceeds TS_ENGINE_MEMORY_LIMIT (the message gives the
 * bytes), on an interruption (opts->cancel) or a failure; lim may be NULL.
 * dg (when not NULL) receives the files' sizes and SHA-256, taken as they
 * were written, for ts_result_seal. */
ts_status ts_output_run(const ts_engine *e, const ts_engine_opts *opts, const char *dir,
                        const ts_output_limits *lim, ts_result_digests *dg, ts_error *err);
/* Bytes ts_output_run plans for a run in blocks of these sizes. */
size_t ts_output_block_bytes(const ts_engine *e, const ts_output_limits *lim);

#endif
