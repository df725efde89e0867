/* Output's parts shared inside io/: the six files open as temporaries, rows
 * written a block of replicates at a time (output.c), and the exact
 * aggregates of a run streamed in blocks (aggstream.c, for ts_output_run). */
#ifndef TRADESIM_OUTPUT_IMPL_H
#define TRADESIM_OUTPUT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradesim/csv.h"
#include "tradesim/engine.h"
#include "tradesim/resultdir.h"

/* A run's files being written: all six open as temporaries. */
typedef struct {
    const ts_scenario *sc;
    char folder[4096];
    char (*dates)[11];              /* [T] */
    bool *once;                     /* [n_events]: ts_out_event_once */
    ts_csv *c[TS_RESULT_N_FILES];
} ts_out;

/* Creates the folder, opens the six temporaries and writes the headers of
 * summary, trajectories, log and agreements (run gives T, C and the
 * columns). On failure nothing is left open. */
ts_status ts_out_open(ts_out *o, const ts_engine *e, const ts_run *run, const char *dir,
                      ts_error *err);
/* The rows of the replicates run holds, in order: blocks must come in
 * replicate order. */
void ts_out_block(ts_out *o, const ts_run *run);
/* The files a block writes rows to, the largest first, and one file's rows
 * of the block: the files are independent, so each may be written by a
 * thread of its own (each file's rows in replicate order). */
#define TS_OUT_BLOCK_FILES 4
extern const int ts_out_block_files[TS_OUT_BLOCK_FILES];
void ts_out_block_file(ts_out *o, const ts_run *run, int file);
/* aggregate.csv from stats ([T][C][4]), scenario.cfg, then every file
 * finished and renamed into place, its digest into dg (when not NULL); o is
 * closed either way. */
ts_status ts_out_close(ts_out *o, const ts_engine *e, const ts_run *run, const double *stats,
                       ts_result_digests *dg, ts_error *err);
/* ts_output_write, with the digests. */
ts_status ts_out_write(const ts_engine *e, const ts_run *run, const char *dir, int threads,
                       ts_result_digests *dg, ts_error *err);
/* Removes the temporaries (o may be half open or closed). */
void ts_out_abort(ts_out *o);

void ts_out_summary_header(ts_csv *c, const ts_scenario *sc, const ts_run *run);
void ts_out_summary_rows(ts_csv *c, const ts_scenario *sc, const ts_run *run,
                         const char (*dates)[11]);
void ts_out_traj_header(ts_csv *c, const ts_engine *e, const ts_run *run);
void ts_out_traj_rows(ts_csv *c, const ts_run *run, const char (*dates)[11]);
void ts_out_log_header(ts_csv *c);
/* True when log.csv holds event k once for every replicate instead of once
 * per replicate: at level events, an event scheduled within the run and none
 * of whose settings is uncertain fires in every replicate at its step, the
 * same. */
bool ts_out_event_once(const ts_scenario *sc, int k);
/* Those events' rows (once[k]), with an empty replicate, after the header. */
void ts_out_log_once(ts_csv *c, const ts_scenario *sc, const bool *once,
                     const char (*dates)[11]);
/* The block's rows, without the events once[] marks (NULL: none). */
void ts_out_log_rows(ts_csv *c, const ts_scenario *sc, const ts_run *run, const bool *once,
                     const char (*dates)[11]);
void ts_out_agreements_header(ts_csv *c, const ts_scenario *sc);
void ts_out_agreements_rows(ts_csv *c, const ts_scenario *sc, const ts_run *run,
                            const char (*dates)[11]);
void ts_out_aggregate(ts_csv *c, const ts_engine *e, const ts_run *run,
                      const char (*dates)[11], const double *stats);

/* ---- exact aggregates in two passes (aggstream.c) ---------------------- */

/* aggregate.csv's quantiles (p05, p50, p95); the rank GSL's type 7 reads
 * first (lhs; it reads lhs + 1 too) for prob p over n values; and its
 * formula (gsl_stats_quantile_from_sorted_data's) on the two values it reads. */
#define TS_AGG_N_PROBS 3
extern const double ts_agg_probs[TS_AGG_N_PROBS];
size_t ts_agg_lhs_rank(double p, size_t n);
double ts_agg_type7(double p, size_t n, double at_lhs, double at_next);

/* Column means, the one code both paths take them with (so the same bits):
 * per column a compensated (Neumaier) sum of its values in replicate order,
 * divided by their number at the end. ts_means_add adds n_rows rows (row i
 * at rows + i stride) to the sums sum[0..w) and their compensations
 * comp[0..w) (both zero to begin with). */
void ts_means_add(double *restrict sum, double *restrict comp, const double *rows,
                  size_t n_rows, size_t stride, size_t w);
/* The mean of n values from their sum and compensation. */
double ts_means_get(double sum, double comp, size_t n);

/* Exact aggregates of R replicates seen a block at a time, twice. Pass 1
 * (every replicate, in order) takes the means, keeps the first `sample`
 * replicates' rows, turns them into cells around each quantile's rank and
 * counts every value into its cell. Pass 2 (the same replicates run again)
 * keeps only the values of the cells that hold the ranks wanted, where the
 * quantiles are then selected. */
typedef struct ts_aggs ts_aggs;

/* NULL when out of memory. sample: replicates whose rows bracket the
 * quantiles (at least 1, at most R). */
ts_aggs *ts_aggs_alloc(int R, int T, int C, int sample);
void ts_aggs_free(ts_aggs *a);
/* Pass 1 on the block run holds (blocks in replicate order). */
ts_status ts_aggs_pass1(ts_aggs *a, const ts_run *run, int threads, ts_error *err);
/* After pass 1: plans pass 2 in rounds of columns whose kept values fit in
 * `bytes`; returns the number of rounds (0: out of memory). */
int ts_aggs_plan(ts_aggs *a, size_t bytes);
/* Values round `round` keeps: 0 when an equal cell holds every rank its
 * columns want (a column of ties), and then its pass 2 can be left out. */
size_t ts_aggs_round_values(const ts_aggs *a, int round);
/* Pass 2 of round `round` on the block run holds. */
ts_status ts_aggs_pass2(ts_aggs *a, int round, const ts_run *run, int threads, ts_error *err);
/* After each round's pass 2: that round's quantiles selected; false when a cell
 * did not fill as counted (the run was not deterministic). */
bool ts_aggs_select(ts_aggs *a, int round);
/* [T][C][4]: mean, p05, p50, p95, once every round is selected. */
const double *ts_aggs_stats(const ts_aggs *a);
/* Bytes of ts_aggs for these sizes, besides the kept values of pass 2. */
size_t ts_aggs_bytes(int R, int T, int C, int sample);

/* ---- exact quantiles in one pass (aggone.c) ----------------------------- */

/* The quantiles of R replicates seen a block at a time, once: per column and
 * quantile, a bracket narrowed as the replicates arrive and the values
 * inside it. Exact when it finishes; when a wanted rank fell outside its
 * bracket (rarely, by chance) it says so, and the two passes above serve. */
typedef struct ts_agg1 ts_agg1;

/* Bytes it takes for these sizes (fixed by R: about sqrt(R) values a column). */
size_t ts_agg1_bytes(int R, int T, int C, double sigmas);
/* NULL when out of memory or when it would take more than `bytes`. sigmas:
 * a bracket's half-width in standard deviations of its rank (negative:
 * NULL). */
ts_agg1 *ts_agg1_alloc(int R, int T, int C, size_t bytes, double sigmas);
void ts_agg1_free(ts_agg1 *a);
/* The block run holds (blocks in replicate order), on `threads`. */
ts_status ts_agg1_add(ts_agg1 *a, const ts_run *run, int threads, ts_error *err);
/* The same in parts, for a job of the caller's: ts_agg1_add_part(a, run,
 * parts, i) for every i < parts = ts_agg1_parts(a, threads), on any threads
 * in any order, the block's parts all done before the next block's start. */
long ts_agg1_parts(const ts_agg1 *a, int threads);
void ts_agg1_add_part(ts_agg1 *a, const ts_run *run, long parts, long i);
/* Columns a tile takes at once: the widest the processor has (8 with
 * AVX-512, 4 with AVX2, else 2) unless set to 1, 2, 4 or 8 it has; the bits
 * are the same every width (tests compare them). */
void ts_agg1_set_width(ts_agg1 *a, int width);
int ts_agg1_width(const ts_agg1 *a);
/* After the last block: the mean, p05, p50, p95 into stats[j * 4 + 0..3] of
 * each column j; false (stats partly written) when some rank fell outside
 * its bracket. */
bool ts_agg1_finish(ts_agg1 *a, double *stats);

#endif
