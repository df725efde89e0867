/* The engine: replicates, the step loop, events and parallel Monte Carlo.
 *
 * A ts_engine is prepared once from a loaded scenario (which it only reads
 * and which must outlive it) and is immutable, so threads share it. A
 * ts_replicate is one replicate's mutable state (world, GSL generator, log);
 * one per thread, reused from replicate to replicate without allocating.
 *
 * Order within step t (docs/model.md, "Time, flows and discounting"):
 *   1. scheduled events of step t in file order, then one uniform draw per
 *      random event in file order (drawn even when a `once` event has fired,
 *      so the draw sequence never depends on what happened);
 *   2. talks: the ts_talks_hook, if any (agreements set levers and their
 *      `held` flags in r->w.held; strategies leave held levers alone);
 *   3. strategy moves of actor 0 then actor 1 (each sees the other only up to
 *      step t-1, so the order does not matter; noise draws in this order);
 *   4. one observation draw per pledge with verification_noise > 0;
 *   5. payoffs on the levels after the moves, discounted, then the state
 *      variables advance to step t+1.
 *
 * Replicate k's generator (type sc->rng) is seeded with
 * ts_engine_replicate_seed(sc->seed, k), so its draws depend on nothing else:
 * outputs are byte-identical whatever the thread count. */
#ifndef TRADESIM_ENGINE_H
#define TRADESIM_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "tradesim/error.h"
#include "tradesim/log.h"
#include "tradesim/model.h"
#include "tradesim/scenario.h"
#include "tradesim/strategy.h"
#include "tradesim/text.h"

/* Largest memory a run may plan for: ts_engine_run's R x T x C store, or a
 * run in blocks (output.h, ts_output_run) at its smallest; beyond it a run is
 * refused up front with the bytes it would need. */
#define TS_ENGINE_MEMORY_LIMIT ((size_t)4 << 30)

typedef struct ts_engine ts_engine;

/* ---- one replicate ---------------------------------------------------- */

typedef struct {
    ts_world w;
    gsl_rng *rng;
    ts_strategy_ws *ws;
    int replicate;
    uint64_t seed;
    bool *fired;          /* per event: has fired (for once) */
    int cursor;           /* next scheduled event */
    /* talks outcomes (written by the talks phase; 0 / -1 until it exists) */
    int deal;             /* 1 when any agreement was reached */
    int first_deal_step;  /* -1 when none */
    int deals, breaches, failed_talks;
    int agreement;        /* active agreement id, -1 none (trajectory column) */
    ts_log log;
    /* With uncertain parameters (sc->n_uncertain > 0): the scenario with
     * this replicate's values, which w reads, and the values; else NULL. */
    struct ts_variant *variant;
    double *values;
    ts_status start_status;   /* a failed ts_replicate_reset, reported by the step */
    ts_error start_err;
    /* The talks hook's own per-replicate state (NULL until the hook sets it);
     * ts_replicate_free releases it with talks_state_free. */
    void *talks_state;
    void (*talks_state_free)(void *state);
    /* storage owned by the replicate */
    ts_issue *issue_buf;
    ts_issue_state *st_buf;
    bool *held_buf;
    double *seen_buf;
    ts_level_memo *memo_buf;
    bool *memo_stale_buf;
    /* [n_issues + 1][2]: each issue's discounted payoff to each actor so far,
     * the interactions' last; they sum to w.total up to rounding. */
    double *contrib;
    /* With output.channels: [n_issues][2][TS_N_CHANNELS], each issue's
     * discounted payoff to each actor by channel (ts_issue_channels); NULL
     * otherwise. */
    double *chan;
} ts_replicate;

/* The talks phase: called at step 2 of every step. It may change levers
 * (ts_world_set_level), set or clear r->w.held[i], update trust, the deal
 * counters and r->agreement, and add log rows; it may use ts_world_rollout.
 * A non-OK status stops the run. */
typedef ts_status (*ts_talks_hook)(void *ctx, const ts_engine *e, ts_replicate *r,
                                   ts_error *err);

/* ---- engine ----------------------------------------------------------- */

/* Prepares sc (rng type, columns). TS_EBAD if sc->rng names no GSL generator. */
ts_engine *ts_engine_alloc(const ts_scenario *sc, ts_error *err);
void ts_engine_free(ts_engine *e);
const ts_scenario *ts_engine_scenario(const ts_engine *e);

/* Numeric trajectory columns (after replicate, step, date; before agreement):
 * per issue <issue> and its state columns, per actor <actor>_pressure,
 * _trust, _payoff, _total. */
int ts_engine_n_columns(const ts_engine *e);
const char *ts_engine_column_name(const ts_engine *e, int c);

/* True when a random event changes a parameter: the status quo (see ts_run)
 * of a replicate in which one fired is then run for that replicate; the
 * status quo of every other replicate is run once for the whole run. */
bool ts_engine_status_quo_per_replicate(const ts_engine *e);

uint64_t ts_splitmix64(uint64_t x);
/* splitmix64(seed XOR splitmix64(k + 1)). */
uint64_t ts_engine_replicate_seed(uint64_t seed, int k);

ts_replicate *ts_replicate_alloc(const ts_engine *e);
void ts_replicate_free(ts_replicate *r);
/* Starts replicate k: initial state, generator seeded, log emptied; the
 * uncertain parameters (if any) at values, or at replicate k's own draws
 * when values is NULL (ts_uncertain_draw). TS_EBAD when the values break a
 * rule of the scenario (the message names them). */
ts_status ts_replicate_start(const ts_engine *e, ts_replicate *r, int k, const double *values,
                             ts_error *err);
/* ts_replicate_start with the replicate's own draws; a failure is reported
 * by the first ts_replicate_step. */
void ts_replicate_reset(const ts_engine *e, ts_replicate *r, int k);
/* Runs one step (the order above) and advances r->w.step. If row is not NULL
 * the step's C trajectory values are written there. */
ts_status ts_replicate_step(const ts_engine *e, ts_replicate *r, ts_talks_hook talks,
                            void *talks_ctx, double *row, ts_error *err);

/* ---- the whole Monte Carlo run ------------------------------------------ */

/* A run holds replicates k0 .. k0 + n - 1 of its R: all of them after
 * ts_engine_run (k0 = 0, n = R), one block after ts_engine_run_block. Every
 * per-replicate array below is indexed by k - k0. */
typedef struct {
    int R, T, C, n_issues, n_traj;  /* n_traj: replicates whose paths are kept for output */
    int k0, n, cap;                 /* replicates held, and room for cap of them */
    uint64_t *seed;                 /* [R] */
    int *deal, *first_deal_step, *deals, *breaches, *failed_talks;   /* [R] */
    double *final, *mean;           /* [R][n_issues] */
    double *total;                  /* [R][2] */
    /* [R][2]: each actor's total in the same replicate with every lever held at
     * its initial level (no moves, talks or level-setting events; the
     * parameter changes of the events that fired in the replicate apply at
     * their steps; m, v, D evolve with the levels held). */
    double *status_quo;
    int n_contrib;                  /* n_issues, + 1 when the scenario has interactions */
    double *contrib;                /* [R][2][n_contrib]: each issue's discounted part of
                                       an actor's total, the interactions' last */
    double *chan;                   /* with output.channels: [R][n_issues][2][TS_N_CHANNELS],
                                       each issue's part by channel; else NULL */
    int n_uncertain;                /* sc->n_uncertain */
    double *uncertain;              /* [n][n_uncertain]: the values each replicate ran with */
    double *traj;                   /* [n][T][C] */
    int *agreement;                 /* [k][T] for the held k < n_traj, -1 none */
    ts_log *log;                    /* [n] */
    /* The status quo of a replicate in which no random event changed a
     * parameter: the same in every one, computed at the run's first block. */
    bool sq_known;
    double sq_shared[2];
} ts_run;

/* The caller's own tasks, run in the job of a block's replicates, ahead of
 * them and on the same threads (a run in blocks: the last block's aggregates
 * and rows while this one runs, with no thread beyond -j's). The first job
 * that runs replicates in this process takes them (taken), once: a run_block
 * hook that runs its part here through ts_engine_run_block runs them there;
 * one that runs none leaves taken false, and the caller runs them. Tasks
 * touch state of their own; a failing one fails the block with its error. */
typedef struct ts_engine_side {
    long n_tasks;
    void *ctx;
    ts_status (*task)(void *ctx, long i, ts_error *err);
    atomic_bool taken;
} ts_engine_side;

typedef struct ts_engine_opts {
    int threads;                    /* 0 = one per core */
    ts_talks_hook talks;
    void *talks_ctx;
    /* Called from the calling thread about every 0.2 s, and once with
     * done == total when the run succeeds (may be NULL). */
    void (*progress)(void *ctx, long done, long total);
    void *progress_ctx;
    /* When it becomes non-zero (a signal number, see interrupt.h) workers stop
     * after their current replicate and the run fails with TS_EIO. May be NULL. */
    const atomic_int *cancel;
    /* The uncertain parameters' values every replicate uses (an experiment's
     * point); NULL: each replicate draws its own. */
    const double *values;
    /* Runs replicates k0 .. k0 + n - 1 into run in this process's stead,
     * with ts_engine_run_block's contract (e.g. spread over MPI ranks); NULL:
     * here. ts_engine_run and ts_engine_run_block call it. */
    ts_status (*run_block)(void *ctx, const ts_engine *e, const struct ts_engine_opts *opts,
                           ts_run *run, int k0, int n, ts_error *err);
    void *run_block_ctx;
    ts_engine_side *side;   /* NULL: none */
} ts_engine_opts;

/* Bytes the run needs for its trajectory store (all R replicates). */
size_t ts_engine_run_bytes(const ts_engine *e);
/* Memory for a store of `bytes` written once in order, as the engine
 * allocates it, or for one read and written at random (huge pages asked for
 * where there are); free() releases it. */
double *ts_store_alloc(size_t bytes);
/* Runs every replicate. TS_EIO when the store would exceed
 * TS_ENGINE_MEMORY_LIMIT (message gives the bytes), on out of memory or a
 * hook failure. On success the caller owns *run (ts_run_free). */
ts_status ts_engine_run(const ts_engine *e, const ts_engine_opts *opts, ts_run **run,
                        ts_error *err);
void ts_run_free(ts_run *run);

/* The signal that cancelled opts' run (0: none), and the run's error for it:
 * "<scenario>: interrupted by signal N". */
int ts_engine_cancelled(const ts_engine_opts *opts);
ts_status ts_engine_interrupted(const ts_engine *e, const ts_engine_opts *opts, ts_error *err);

/* A run with room for blocks of up to cap replicates (NULL when out of
 * memory), and replicates k0 .. k0 + n - 1 (n <= cap) run into it, replacing
 * the block it held: the same rows and results as ts_engine_run's for those
 * replicates, whatever the block or thread count. */
ts_run *ts_run_alloc(const ts_engine *e, int cap);
ts_status ts_engine_run_block(const ts_engine *e, const ts_engine_opts *opts, ts_run *run, int k0,
                              int n, ts_error *err);

/* The replicates a run holds as bytes, to move a block between processes
 * (runpack.c): appended to out (its oom set when memory runs out). */
void ts_run_pack(const ts_engine *e, const ts_run *run, ts_text *out);
/* Puts packed replicates back in their places in run, whose block
 * (k0, cap) must hold them; run->n is left to the caller. TS_EIO when the
 * bytes are not a pack of this engine's run or memory runs out. */
ts_status ts_run_unpack(const ts_engine *e, ts_run *run, const char *buf, size_t len,
                        ts_error *err);

#endif
