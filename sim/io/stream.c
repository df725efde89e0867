/* A run and its files in one (ts_output_run, output.h): whole in memory when
 * its store fits, else in blocks of replicates over one pass (the quantiles
 * in brackets, aggone.c), or two when the brackets do not fit or miss (the
 * second re-running every replicate from its seed, aggstream.c). Rows reach
 * their files in replicate order every way, so the bytes are those of the
 * in-memory path. */
#include "tradesim/output.h"
#include "output_impl.h"
#include "tradesim/pool.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB ((size_t)1 << 20)

static ts_output_limits limits(const ts_output_limits *lim)
{
    ts_output_limits l = lim ? *lim : (ts_output_limits){.in_memory = 0};
    l.in_memory = l.in_memory ? l.in_memory : 512 * MIB;
    l.block = l.block ? l.block : 8 * MIB;
    l.kept = l.kept ? l.kept : 256 * MIB;
    l.sample = l.sample > 0 ? l.sample : 4096;
    l.sigmas = l.sigmas != 0.0 ? l.sigmas : 6.0;
    return l;
}

/* A replicate's bytes in a block: its rows and its per-replicate results. */
static size_t replicate_bytes(const ts_engine *e)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    size_t n = (size_t)sc->n_issues + 1;
    return (size_t)sc->calendar.steps * (size_t)ts_engine_n_columns(e) * sizeof(double) + 128 +
           n * 48 + (sc->channels ? n * 2 * TS_N_CHANNELS * sizeof(double) : 0);
}

typedef struct {
    int block, sample;
    size_t bytes;
} plan;

static plan block_plan(const ts_engine *e, const ts_output_limits *lim)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    ts_output_limits l = limits(lim);
    size_t row = replicate_bytes(e), R = (size_t)sc->replicates;
    size_t b = l.block / row, s = (size_t)l.sample, s_max = 256 * MIB / row;
    /* two blocks of b (one written while the other runs) */
    b = b < 1 ? 1 : b > R ? R : b;
    s = s > s_max ? s_max : s;
    s = s < 1 ? 1 : s > R ? R : s;
    return (plan){.block = (int)b,
                  .sample = (int)s,
                  /* the kept values: the one pass's brackets (at most twice
                     l.kept), or those of a round of pass 2 */
                  .bytes = 2 * b * row + 2 * l.kept +
                           ts_aggs_bytes(sc->replicates, sc->calendar.steps, ts_engine_n_columns(e),
                                         (int)s)};
}

size_t ts_output_block_bytes(const ts_engine *e, const ts_output_limits *lim)
{
    return block_plan(e, lim).bytes;
}

/* Progress over both passes: a block's count on top of those before it. */
typedef struct {
    const ts_engine_opts *opts;
    long offset, total;
} progress_map;

static void block_progress(void *ctx, long done, long total)
{
    (void)total;
    const progress_map *p = ctx;
    p->opts->progress(p->opts->progress_ctx, p->offset + done, p->total);
}

/* Largest store kept whole. A second pass costs a second simulation, which
 * talks and best responses make dear; without them the steps are cheap next
 * to a fresh store's first-touch faults and its aggregates, so only a store
 * of up to an eighth of the limit is kept (the prisoner's dilemma of 20,000
 * replicates x 150 turns: 0.26 s of CPU in blocks against 0.45 s whole). */
static size_t whole_limit(const ts_scenario *sc, const ts_output_limits *lim)
{
    size_t l = limits(lim).in_memory;
    bool dear = sc->n_talks > 0 || sc->talks_hazard.enabled;
    for (int a = 0; a < 2; a++)
        dear = dear || sc->actors[a].strategy.kind == TS_STRAT_BEST_RESPONSE;
    return lim && lim->in_memory ? l : dear ? l : l / 8;
}

static ts_status run_whole(const ts_engine *e, const ts_engine_opts *opts, const char *dir,
                           ts_result_digests *dg, ts_error *err)
{
    ts_run *run = NULL;
    ts_status s = ts_engine_run(e, opts, &run, err);
    if (s == TS_OK && ts_engine_cancelled(opts))
        s = ts_engine_interrupted(e, opts, err);
    if (s == TS_OK)
        s = ts_out_write(e, run, dir, opts->threads, dg, err);
    ts_run_free(run);
    return s;
}

/* Pass 1's work on a block beyond its simulation (the means, the brackets or
 * counts, the rows) rides in the next block's job, ahead of its replicates
 * (ts_engine_side): the threads are -j's, with none started beside them, and
 * whichever is free takes the next task, a part of the block's columns or
 * one of its four files (each file's rows in order). Blocks reach the
 * aggregates and the files in order, each job done before the next starts;
 * the last block's work is a job of its own. */
typedef struct {
    ts_aggs *a;
    ts_agg1 *one;
    ts_out *o;
    const ts_run *run;
    long parts;   /* the aggregates' tasks: the one pass's parts, or one */
} block_work;

static ts_status work_task(void *ctx, long i, ts_error *err)
{
    const block_work *w = ctx;
    if (i >= w->parts) {
        ts_out_block_file(w->o, w->run, ts_out_block_files[i - w->parts]);
        return TS_OK;
    }
    if (w->one) {
        ts_agg1_add_part(w->one, w->run, w->parts, i);
        return TS_OK;
    }
    return ts_aggs_pass1(w->a, w->run, 1, err);
}

static ts_status work_pool_task(void *ctx, void *local, long i, ts_error *err)
{
    (void)local;
    return work_task(ctx, i, err);
}

/* The block's work as a job of its own (the last block's, or one no job of
 * this process took). */
static ts_status work_alone(const ts_engine_side *side, int threads, ts_error *err)
{
    ts_pool_job job = {.threads = threads, .n_tasks = side->n_tasks, .ctx = side->ctx,
                       .task = work_pool_task};
    return ts_pool_run(&job, err);
}

/* One pass over every replicate, block by block, alternating between the two
 * runs: pass 1 writes the rows (o; NULL: none) and takes the means and the
 * one pass's brackets (one) or the two passes' counts, pass 2 (round >= 0)
 * keeps the values of that round's cells. */
static ts_status pass(const ts_engine *e, const ts_engine_opts *opts, ts_run *runs[2],
                      ts_aggs *a, ts_agg1 *one, ts_out *o, int round, progress_map *pm,
                      ts_error *err)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    int R = sc->replicates, cap = runs[0]->cap;
    ts_engine_opts bo = *opts;
    if (opts->progress) {
        bo.progress = block_progress;
        bo.progress_ctx = pm;
    }
    block_work w = {.a = a, .one = one, .o = o,
                    .parts = one ? ts_agg1_parts(one, opts->threads) : 1};
    ts_engine_side side = {.n_tasks = w.parts + (o ? TS_OUT_BLOCK_FILES : 0), .ctx = &w,
                           .task = work_task};
    bool pending = false;   /* w.run's work is yet to be done */
    ts_status s = TS_OK;
    for (int k0 = 0, b = 0; s == TS_OK && k0 < R; k0 += cap, b++) {
        ts_run *run = runs[b % 2];
        int n = R - k0 < cap ? R - k0 : cap;
        bo.side = pending ? &side : NULL;
        atomic_store(&side.taken, false);
        s = ts_engine_run_block(e, &bo, run, k0, n, err);
        if (s == TS_OK && pending && !atomic_load(&side.taken))
            s = work_alone(&side, opts->threads, err);
        pending = false;
        if (s == TS_OK && ts_engine_cancelled(opts))
            s = ts_engine_interrupted(e, opts, err);
        if (s == TS_OK && round < 0) {
            w.run = run;
            pending = true;
        } else if (s == TS_OK) {
            s = ts_aggs_pass2(a, round, run, opts->threads, err);
        }
        pm->offset += n;
        if (s == TS_OK && opts->progress)
            opts->progress(opts->progress_ctx, pm->offset, pm->total);
    }
    if (s == TS_OK && pending)
        s = work_alone(&side, opts->threads, err);
    return s;
}

/* After pass 1: pass 2 in as many rounds as the kept values need, then the
 * aggregates into stats. */
static ts_status second_pass(const ts_engine *e, const ts_engine_opts *opts, ts_run *runs[2],
                             ts_aggs *a, ts_out *o, size_t kept, progress_map *pm,
                             double *stats, ts_error *err)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    int rounds = ts_aggs_plan(a, kept);
    if (rounds == 0)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for the aggregates");
    pm->total = pm->offset + (long)sc->replicates * rounds;
    ts_status s = TS_OK;
    for (int r = 0; s == TS_OK && r < rounds; r++) {
        /* a round whose ranks all fall on ties needs no second run */
        if (ts_aggs_round_values(a, r) > 0)
            s = pass(e, opts, runs, a, NULL, o, r, pm, err);
        if (s == TS_OK && !ts_aggs_select(a, r))
            s = ts_error_set(err, TS_EIO, "%s: the second pass did not repeat the first; "
                                          "nothing written",
                             sc->name);
    }
    if (s == TS_OK)
        memcpy(stats, ts_aggs_stats(a),
               (size_t)sc->calendar.steps * (size_t)ts_engine_n_columns(e) * 4 * sizeof *stats);
    return s;
}

static ts_status run_blocks(const ts_engine *e, const ts_engine_opts *opts, const char *dir,
                            const plan *pl, const ts_output_limits *lim, ts_result_digests *dg,
                            ts_error *err)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    /* two blocks: one running while the other's rows are written */
    ts_run *runs[2] = {ts_run_alloc(e, pl->block), ts_run_alloc(e, pl->block)}, *run = runs[0];
    /* one pass when its brackets fit, else two */
    int R = sc->replicates, T = sc->calendar.steps, C = ts_engine_n_columns(e);
    ts_output_limits l = limits(lim);
    ts_agg1 *one = runs[0] && runs[1] ? ts_agg1_alloc(R, T, C, 2 * l.kept, l.sigmas) : NULL;
    /* the one pass takes the means too */
    ts_aggs *a = runs[0] && runs[1] && !one ? ts_aggs_alloc(R, T, C, pl->sample) : NULL;
    double *stats = malloc((size_t)T * (size_t)C * 4 * sizeof *stats + 1);
    ts_out o;
    ts_status s = (!a && !one) || !stats ? ts_error_set(err, TS_EIO, "tradesim: out of memory for a run "
                                                           "in blocks of %d replicates",
                                              pl->block)
                               : ts_out_open(&o, e, run, dir, err);
    if (s != TS_OK)
        goto done;
    progress_map pm = {.opts = opts, .total = (one ? 1L : 2L) * R};
    s = pass(e, opts, runs, a, one, &o, -1, &pm, err);
    if (s == TS_OK && one && ts_agg1_finish(one, stats)) {
        /* the means and quantiles, exact */
    } else if (s == TS_OK && one) {
        /* a rank fell outside its bracket: the two passes, the rows
         * already written */
        ts_agg1_free(one);
        one = NULL;
        a = ts_aggs_alloc(R, T, C, pl->sample);
        pm.total = 3L * R;
        s = a ? pass(e, opts, runs, a, NULL, NULL, -1, &pm, err)
              : ts_error_set(err, TS_EIO, "tradesim: out of memory for the aggregates");
        if (s == TS_OK)
            s = second_pass(e, opts, runs, a, &o, l.kept, &pm, stats, err);
    } else if (s == TS_OK) {
        s = second_pass(e, opts, runs, a, &o, l.kept, &pm, stats, err);
    }
    if (s == TS_OK && opts->progress)
        opts->progress(opts->progress_ctx, pm.total, pm.total);
    if (s == TS_OK && ts_engine_cancelled(opts))
        s = ts_engine_interrupted(e, opts, err);
    if (s == TS_OK)
        s = ts_out_close(&o, e, run, stats, dg, err);
    else
        ts_out_abort(&o);
done:
    free(stats);
    ts_agg1_free(one);
    ts_aggs_free(a);
    ts_run_free(runs[0]);
    ts_run_free(runs[1]);
    return s;
}

ts_status ts_output_run(const ts_engine *e, const ts_engine_opts *opts, const char *dir,
                        const ts_output_limits *lim, ts_result_digests *dg, ts_error *err)
{
    static const ts_engine_opts defaults = {.threads = 0};
    opts = opts ? opts : &defaults;
    const ts_scenario *sc = ts_engine_scenario(e);
    if (ts_engine_run_bytes(e) <= whole_limit(sc, lim))
        return run_whole(e, opts, dir, dg, err);
    plan pl = block_plan(e, lim);
    if (pl.bytes > TS_ENGINE_MEMORY_LIMIT)
        return ts_error_set(err, TS_EIO,
                            "%s: %d steps x %d columns need %zu bytes even in blocks of %d "
                            "replicates, more than the limit of %zu; use fewer steps",
                            sc->path, sc->calendar.steps, ts_engine_n_columns(e), pl.bytes,
                            pl.block, (size_t)TS_ENGINE_MEMORY_LIMIT);
    return run_blocks(e, opts, dir, &pl, lim, dg, err);
}
