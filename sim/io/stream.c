/* A run and its files in one (ts_output_run, output.h): whole in memory when
 * its store fits, else in blocks of replicates over two passes, the second
 * re-running every replicate from its seed for the exact quantiles
 * (aggstream.c). Rows reach their files in replicate order either way, so
 * the bytes are those of the in-memory path. */
#include "tradesim/output.h"
#include "output_impl.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define MIB ((size_t)1 << 20)

static ts_output_limits limits(const ts_output_limits *lim)
{
    ts_output_limits l = lim ? *lim : (ts_output_limits){.in_memory = 0};
    l.in_memory = l.in_memory ? l.in_memory : 512 * MIB;
    l.block = l.block ? l.block : 8 * MIB;
    l.kept = l.kept ? l.kept : 256 * MIB;
    l.sample = l.sample > 0 ? l.sample : 4096;
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
    b = b < 1 ? 1 : b > R ? R : b;
    s = s > s_max ? s_max : s;
    s = s < 1 ? 1 : s > R ? R : s;
    return (plan){.block = (int)b,
                  .sample = (int)s,
                  .bytes = b * row + l.kept +
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

static int cancelled(const ts_engine_opts *opts)
{
    return opts->cancel ? atomic_load((atomic_int *)opts->cancel) : 0;
}

static ts_status interrupted(const ts_scenario *sc, const ts_engine_opts *opts, ts_error *err)
{
    return ts_error_set(err, TS_EIO, "%s: interrupted by signal %d", sc->name, cancelled(opts));
}

static ts_status run_whole(const ts_engine *e, const ts_engine_opts *opts, const char *dir,
                           ts_error *err)
{
    ts_run *run = NULL;
    ts_status s = ts_engine_run(e, opts, &run, err);
    if (s == TS_OK && cancelled(opts))
        s = interrupted(ts_engine_scenario(e), opts, err);
    if (s == TS_OK)
        s = ts_output_write(e, run, dir, opts->threads, err);
    ts_run_free(run);
    return s;
}

/* One pass over every replicate, block by block: pass 1 writes the rows and
 * counts, pass 2 (round >= 0) keeps the values of that round's cells. */
static ts_status pass(const ts_engine *e, const ts_engine_opts *opts, ts_run *run, ts_aggs *a,
                      ts_out *o, int round, progress_map *pm, ts_error *err)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    int R = sc->replicates;
    ts_engine_opts bo = *opts;
    if (opts->progress) {
        bo.progress = block_progress;
        bo.progress_ctx = pm;
    }
    for (int k0 = 0; k0 < R; k0 += run->cap) {
        int n = R - k0 < run->cap ? R - k0 : run->cap;
        ts_status s = ts_engine_run_block(e, &bo, run, k0, n, err);
        if (s == TS_OK && cancelled(opts))
            s = interrupted(sc, opts, err);
        if (s != TS_OK)
            return s;
        if (round < 0) {
            ts_out_block(o, run);
            s = ts_aggs_pass1(a, run, opts->threads, err);
        } else {
            s = ts_aggs_pass2(a, round, run, opts->threads, err);
        }
        if (s != TS_OK)
            return s;
        pm->offset += n;
        if (opts->progress)
            opts->progress(opts->progress_ctx, pm->offset, pm->total);
    }
    return TS_OK;
}

static ts_status run_blocks(const ts_engine *e, const ts_engine_opts *opts, const char *dir,
                            const plan *pl, const ts_output_limits *lim, ts_error *err)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    ts_run *run = ts_run_alloc(e, pl->block);
    ts_aggs *a = run ? ts_aggs_alloc(sc->replicates, sc->calendar.steps, ts_engine_n_columns(e),
                                     pl->sample)
                     : NULL;
    if (!a) {
        ts_run_free(run);
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for a run in blocks of %d "
                                         "replicates",
                            pl->block);
    }
    ts_out o;
    ts_status s = ts_out_open(&o, e, run, dir, err);
    if (s != TS_OK)
        goto done;
    progress_map pm = {.opts = opts, .total = 2L * sc->replicates};
    s = pass(e, opts, run, a, &o, -1, &pm, err);
    int rounds = s == TS_OK ? ts_aggs_plan(a, limits(lim).kept) : 1;
    if (s == TS_OK && rounds == 0)
        s = ts_error_set(err, TS_EIO, "tradesim: out of memory for the aggregates");
    pm.total = (long)sc->replicates * (1 + rounds);
    for (int r = 0; s == TS_OK && r < rounds; r++) {
        s = pass(e, opts, run, a, &o, r, &pm, err);
        if (s == TS_OK && !ts_aggs_select(a, r))
            s = ts_error_set(err, TS_EIO, "%s: the second pass did not repeat the first; "
                                          "nothing written",
                             sc->name);
    }
    if (s == TS_OK && cancelled(opts))
        s = interrupted(sc, opts, err);
    if (s == TS_OK)
        s = ts_out_close(&o, e, run, ts_aggs_stats(a), err);
    else
        ts_out_abort(&o);
done:
    ts_aggs_free(a);
    ts_run_free(run);
    return s;
}

ts_status ts_output_run(const ts_engine *e, const ts_engine_opts *opts, const char *dir,
                        const ts_output_limits *lim, ts_error *err)
{
    static const ts_engine_opts defaults = {.threads = 0};
    opts = opts ? opts : &defaults;
    const ts_scenario *sc = ts_engine_scenario(e);
    if (ts_engine_run_bytes(e) <= limits(lim).in_memory)
        return run_whole(e, opts, dir, err);
    plan pl = block_plan(e, lim);
    if (pl.bytes > TS_ENGINE_MEMORY_LIMIT)
        return ts_error_set(err, TS_EIO,
                            "%s: %d steps x %d columns need %zu bytes even in blocks of %d "
                            "replicates, more than the limit of %zu; use fewer steps",
                            sc->path, sc->calendar.steps, ts_engine_n_columns(e), pl.bytes,
                            pl.block, (size_t)TS_ENGINE_MEMORY_LIMIT);
    return run_blocks(e, opts, dir, &pl, lim, err);
}
