/* Writing a run's CSVs and resolved scenario (see output.h).
 *
 * All six files are written and fsynced as temporaries before the first is
 * renamed into place; on a failure the temporary files are removed, never
 * renamed, so the folder keeps the earlier run's complete set. Aggregates gather a block of
 * steps' columns over the replicates into a scratch buffer per thread, take
 * the means on the way (a compensated sum, ts_means_add, as the blocked
 * path takes them) and find the quantiles by bracketing and selection, with
 * the same bits as a full sort; blocks are shared among threads. */
#include "tradesim/output.h"
#include "output_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "tradesim/csv.h"
#include "tradesim/fs.h"
#include "tradesim/pool.h"
#include "tradesim/stats.h"
#include "tradesim/resultdir.h"
#include "tradesim/talks.h"


static void put_date(ts_csv *c, const char (*dates)[11], int t)
{
    if (dates[t][0])
        ts_csv_str(c, dates[t]);
    else
        ts_csv_empty(c);
}

/* The channels actor a has in issue i's payoffs (output.channels). */
static unsigned channel_mask(const ts_scenario *sc, int i, int a)
{
    const ts_issue *is = &sc->issues[i];
    return ts_issue_channel_mask(is->kind, is->owner == a ? 0 : 1);
}

/* The outcome columns of summary.csv, after the counts: each issue's final
 * and mean level, the actors' totals and gains over the status quo, each
 * actor's total by issue (then interactions), and with output.channels each
 * issue's part by channel. One list for the header, the rows and the
 * experiments' means (ts_output_outcomes). */
static int outcome_names(const ts_scenario *sc, void (*emit)(void *ctx, const char *name),
                         void *ctx)
{
    int m = 0;
    char name[TS_OUTCOME_NAME];
#define NAME(...) (snprintf(name, sizeof name, __VA_ARGS__), emit ? emit(ctx, name) : (void)0, m++)
    for (int i = 0; i < sc->n_issues; i++) {
        NAME("%s_final", sc->issues[i].id);
        NAME("%s_mean", sc->issues[i].id);
    }
    for (int a = 0; a < 2; a++)
        NAME("%s_total", sc->actors[a].id);
    NAME("joint_total");
    for (int a = 0; a < 2; a++)
        NAME("%s_vs_status_quo", sc->actors[a].id);
    NAME("joint_vs_status_quo");
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < sc->n_issues + (sc->n_interactions > 0); i++)
            NAME("%s_%s_total", sc->actors[a].id,
                 i < sc->n_issues ? sc->issues[i].id : "interactions");
    if (sc->channels)
        for (int a = 0; a < 2; a++)
            for (int i = 0; i < sc->n_issues; i++) {
                unsigned mask = channel_mask(sc, i, a);
                for (int ch = 0; ch < TS_N_CHANNELS; ch++)
                    if (mask & (1u << ch))
                        NAME("%s_%s_%s_total", sc->actors[a].id, sc->issues[i].id,
                             ts_channel_name((ts_channel)ch));
            }
#undef NAME
    return m;
}

static void emit_csv(void *ctx, const char *name) { ts_csv_str(ctx, name); }

typedef struct {
    char (*names)[TS_OUTCOME_NAME];
    int m;
} name_list;

static void emit_list(void *ctx, const char *name)
{
    name_list *l = ctx;
    snprintf(l->names[l->m++], TS_OUTCOME_NAME, "%s", name);
}

/* The outcomes of the replicate at place i of the block run holds, in
 * outcome_names' order, each handed to put (no buffer: a row is written
 * as it is read). */
static void outcome_values(const ts_scenario *sc, const ts_run *run, size_t i,
                           void (*put)(void *ctx, double v), void *ctx)
{
    int n = run->n_issues, nc = run->n_contrib;
    for (int j = 0; j < n; j++) {
        put(ctx, run->final[i * n + j]);
        put(ctx, run->mean[i * n + j]);
    }
    double t0 = run->total[2 * i], t1 = run->total[2 * i + 1];
    put(ctx, t0);
    put(ctx, t1);
    put(ctx, t0 + t1);
    double v0 = t0 - run->status_quo[2 * i];
    double v1 = t1 - run->status_quo[2 * i + 1];
    put(ctx, v0);
    put(ctx, v1);
    put(ctx, v0 + v1);
    const double *contrib = run->contrib + i * 2 * nc;
    for (int j = 0; j < 2 * nc; j++)
        put(ctx, contrib[j]);
    if (run->chan) {
        const double *ck = run->chan + i * n * 2 * TS_N_CHANNELS;
        for (int a = 0; a < 2; a++)
            for (int j = 0; j < n; j++) {
                unsigned mask = channel_mask(sc, j, a);
                for (int ch = 0; ch < TS_N_CHANNELS; ch++)
                    if (mask & (1u << ch))
                        put(ctx, ck[((size_t)j * 2 + (size_t)a) * TS_N_CHANNELS + ch]);
            }
    }
}

static void put_csv(void *ctx, double v) { ts_csv_num(ctx, v); }

typedef struct {
    double *sums;
    int j;
} sum_list;

static void put_sum(void *ctx, double v)
{
    sum_list *l = ctx;
    l->sums[l->j++] += v;
}

int ts_output_outcomes(const ts_scenario *sc, const ts_run *run, char (*names)[TS_OUTCOME_NAME],
                       double *means)
{
    name_list l = {.names = names};
    int m = outcome_names(sc, names ? emit_list : NULL, &l);
    if (!means || !run)
        return m;
    for (int j = 0; j < m; j++)
        means[j] = 0.0;
    for (int i = 0; i < run->n; i++)   /* summed in replicate order */
        outcome_values(sc, run, (size_t)i, put_sum, &(sum_list){.sums = means});
    for (int j = 0; j < m; j++)
        means[j] /= run->n > 0 ? run->n : 1;
    return m;
}

/* summary.csv's header: the per-replicate counts, the outcomes, then each
 * uncertain parameter's value. */
void ts_out_summary_header(ts_csv *c, const ts_scenario *sc, const ts_run *run)
{
    static const char *const counts[] = {"replicate", "seed",  "deal",     "first_deal_step",
                                         "first_deal_date", "deals", "breaches", "failed_talks"};
    for (size_t j = 0; j < sizeof counts / sizeof counts[0]; j++)
        ts_csv_str(c, counts[j]);
    outcome_names(sc, emit_csv, c);
    for (int j = 0; j < run->n_uncertain; j++)
        ts_csv_str(c, sc->uncertain[j].name);
    ts_csv_end_row(c);
}

/* Replicate k's row of summary.csv (k in the block run holds). */
static void put_summary_row(ts_csv *c, const ts_scenario *sc, const ts_run *run,
                            const char (*dates)[11], int k)
{
    ts_csv_int(c, k);
    size_t i = (size_t)(k - run->k0);
    char seed[24];   /* hex text: spreadsheets and R keep all 64 bits */
    snprintf(seed, sizeof seed, "0x%016" PRIx64, run->seed[i]);
    ts_csv_str(c, seed);
    ts_csv_int(c, run->deal[i]);
    int fd = run->first_deal_step[i];
    if (fd >= 0 && fd < run->T) {
        ts_csv_int(c, fd);
        put_date(c, dates, fd);
    } else {
        ts_csv_empty(c);
        ts_csv_empty(c);
    }
    ts_csv_int(c, run->deals[i]);
    ts_csv_int(c, run->breaches[i]);
    ts_csv_int(c, run->failed_talks[i]);
    outcome_values(sc, run, i, put_csv, c);
    for (int j = 0; j < run->n_uncertain; j++)
        ts_csv_num(c, run->uncertain[i * run->n_uncertain + j]);
    ts_csv_end_row(c);
}

void ts_out_summary_rows(ts_csv *c, const ts_scenario *sc, const ts_run *run,
                         const char (*dates)[11])
{
    for (int k = run->k0; k < run->k0 + run->n; k++)
        put_summary_row(c, sc, run, dates, k);
}

/* Places the element of rank r (0-based) at x[r] when x[lo..n) holds exactly
 * the ranks lo..n-1: GSL's selection, then a check that it left x[lo..n)
 * partitioned around r (its documentation does not promise that). */
static bool place_rank(double *x, size_t n, size_t lo, size_t r)
{
    gsl_stats_select(x + lo, 1, n - lo, r - lo);
    double v = x[r];
    for (size_t i = lo; i < r; i++)
        if (!(x[i] <= v))
            return false;
    for (size_t i = r + 1; i < n; i++)
        if (!(x[i] >= v))
            return false;
    return true;
}

/* The aggregate quantiles of x[0..n) at ascending probs, equal bit for bit to
 * sorting and gsl_stats_quantile_from_sorted_data (which reads only the ranks
 * lhs and lhs+1 of each quantile): those ranks are put in place by selection
 * (a few passes over x instead of an n log n sort), then GSL's formula reads
 * them. Falls back to the sort on NaNs or a failed check. */
static void quantiles_select(double *x, size_t n, const double *probs, int n_probs, double *out)
{
    bool ok = n > 0 && n_probs <= 8;
    for (size_t i = 0; ok && i < n; i++)
        ok = x[i] == x[i];
    size_t lo = 0;          /* x[lo..n) holds exactly the ranks lo..n-1 */
    size_t placed[16];      /* ranks at their sorted position below lo */
    int n_placed = 0;
    for (int k = 0; ok && k < n_probs; k++) {
        size_t lhs = ts_agg_lhs_rank(probs[k], n);
        for (size_t r = lhs; ok && r <= lhs + 1 && r < n; r++) {
            if (r < lo) {
                ok = false;
                for (int i = 0; i < n_placed; i++)
                    ok = ok || placed[i] == r;
                continue;
            }
            if (r == lo) {
                /* the smallest of x[lo..n) */
                size_t m = r;
                for (size_t i = r + 1; i < n; i++)
                    if (x[i] < x[m])
                        m = i;
                double tmp = x[r];
                x[r] = x[m];
                x[m] = tmp;
            } else {
                ok = place_rank(x, n, lo, r);
            }
            placed[n_placed++] = r;
            lo = r + 1;
        }
        if (ok)
            out[k] = gsl_stats_quantile_from_sorted_data(x, 1, n, probs[k]);
    }
    if (!ok)
        ts_stats_quantiles(x, n, probs, (size_t)n_probs, out);
}

/* Large columns: the quantiles' ranks are bracketed from a sorted sample
 * (Floyd and Rivest 1975, CACM 18(3)), then one pass counts each bracket's
 * values below, at and above its ends and keeps only those strictly inside,
 * where GSL's selection finds the ranks. About one pass over the column, where
 * the selections above take several (and slow down on ties, which columns of
 * levers moved by fixed steps are full of); a rank the sample misses, or a
 * bracket too full, falls back to them. Exact either way: the same bits. */
#define BRACKET_MIN_N 512       /* below it the selection alone costs as little */
#define BRACKET_MAX 4           /* probabilities per call (more: the selection) */
#define SAMPLE_MAX 2048

/* Doubles of workspace quantiles() needs for a column of n values. */
static size_t quantile_work_size(size_t n)
{
    return SAMPLE_MAX + BRACKET_MAX * (n / 2 + 2);   /* cap + 1 each */
}

typedef struct {
    double lo, hi;               /* the ends, from the sample (or -inf, +inf) */
    size_t below, at_lo, at_hi;  /* counts of x < lo, x == lo, x == hi (hi != lo) */
    size_t m;                    /* values strictly inside, in inner[0..m) */
    double *inner;
} bracket;

/* The value of rank r (0-based) of the column, when b holds it. */
static bool bracket_rank(bracket *b, size_t r, double *v)
{
    if (r < b->below)
        return false;
    r -= b->below;
    if (r < b->at_lo) {
        *v = b->lo;
        return true;
    }
    r -= b->at_lo;
    if (r < b->m) {
        *v = gsl_stats_select(b->inner, 1, b->m, r);
        return true;
    }
    r -= b->m;
    if (r < b->at_hi) {
        *v = b->hi;
        return true;
    }
    return false;
}

static bool quantiles_bracket(double *x, size_t n, const double *probs, int n_probs,
                              double *out, double *work)
{
    /* 4 sqrt(n), and at least n/4 up to 256: small columns need a larger
     * share sampled for brackets narrow enough to pay. */
    size_t s = (size_t)(4.0 * sqrt((double)n)), small = n / 4 < 256 ? n / 4 : 256;
    s = s < small ? small : s > SAMPLE_MAX ? SAMPLE_MAX : s;
    size_t nan = 0;
    for (size_t i = 0; i < n; i++)
        nan += x[i] != x[i];
    if (nan)
        return false;   /* NaN is in no count below */
    double *sample = work;
    size_t step = n / s;
    for (size_t i = 0; i < s; i++)
        sample[i] = x[i * step];
    gsl_sort(sample, 1, s);
    bracket b[BRACKET_MAX];
    size_t cap = n / 2 + 1, lhs[BRACKET_MAX];   /* inner[cap] takes the overflow */
    for (int k = 0; k < n_probs; k++) {
        lhs[k] = ts_agg_lhs_rank(probs[k], n);
        /* The sample rank of the column's rank lhs is about binomial: three
         * standard deviations and a little either side (and one for lhs+1). */
        double p = ((double)lhs[k] + 0.5) / (double)n, q = p * (double)s;
        double d = 3.0 * sqrt((double)s * p * (1.0 - p)) + 2.0;
        double ilo = floor(q - d), ihi = ceil(q + d) + 1.0;
        b[k].lo = ilo < 0.0 ? -INFINITY : sample[(size_t)ilo];
        b[k].hi = ihi >= (double)s ? INFINITY : sample[(size_t)ihi];
        b[k].inner = work + SAMPLE_MAX + (size_t)k * (cap + 1);
    }
    /* One pass per bracket, its ends and counts in registers, and without
     * branches: whether a value falls inside is a coin toss the processor
     * cannot predict. Every value is written at inner[m], and m moves on only
     * for the values inside; past cap it stays at cap. */
    for (int k = 0; k < n_probs; k++) {
        const double lo = b[k].lo, hi = b[k].hi;
        const double *restrict xs = x;
        double *restrict inner = b[k].inner;
        size_t below = 0, at_lo = 0, at_hi = 0, m = 0;
        for (size_t i = 0; i < n; i++) {
            double v = xs[i];
            below += v < lo;
            at_lo += v == lo;
            at_hi += v == hi;
            inner[m] = v;
            m += (v > lo) & (v < hi);
            m = m < cap ? m : cap;
        }
        b[k].below = below;
        b[k].at_lo = at_lo;
        b[k].at_hi = at_hi;
        b[k].m = m;
    }
    double val[BRACKET_MAX][2];
    for (int k = 0; k < n_probs; k++)
        if (b[k].m == cap)
            return false;   /* too full to pay (and some values not kept) */
    for (int k = 0; k < n_probs; k++) {
        if (b[k].hi == b[k].lo)
            b[k].at_hi = 0;   /* counted once, as at_lo */
        for (size_t j = 0; j < 2 && lhs[k] + j < n; j++)
            if (!bracket_rank(&b[k], lhs[k] + j, &val[k][j]))
                return false;
    }
    /* GSL's formula reads only ranks lhs and lhs+1 of the sorted column: put
     * them there (x is the caller's scratch) and let it interpolate. */
    for (int k = 0; k < n_probs; k++) {
        for (size_t j = 0; j < 2 && lhs[k] + j < n; j++)
            x[lhs[k] + j] = val[k][j];
        out[k] = gsl_stats_quantile_from_sorted_data(x, 1, n, probs[k]);
    }
    return true;
}

/* The quantiles of the column x[0..n) at probs (work: quantile_work_size(n)
 * doubles): bracketed for large n, else (or when the brackets miss) by
 * selection. x is scratch: its order and contents are lost. */
static void quantiles(double *x, size_t n, const double *probs, int n_probs, double *out,
                      double *work)
{
    if (n >= BRACKET_MIN_N && n_probs <= BRACKET_MAX &&
        quantiles_bracket(x, n, probs, n_probs, out, work))
        return;
    quantiles_select(x, n, probs, n_probs, out);
}

/* Aggregates of blocks of steps, one pool task a block; each step's figures
 * land at their own place, so the result does not depend on the number of
 * threads. */
typedef struct {
    const ts_run *run;
    double *stats;          /* [T][C][4]: mean, p05, p50, p95 */
    size_t block, n_blocks; /* steps per block (agg_block), blocks */
} agg_job;

/* A worker's scratch: the block's columns, their means' sums, the quantiles'
 * work. */
typedef struct {
    double *scratch, *work;
    double *sum, *comp;
} agg_local;

/* Steps are aggregated in blocks of up to AGG_BLOCK: a replicate's rows for
 * the block are contiguous in the store, so the gather reads runs of
 * AGG_BLOCK rows instead of one row per replicate, 13 KB apart for a 105-step
 * run, each a cache and TLB miss. The block shrinks so that its scratch stays
 * under AGG_SCRATCH bytes per thread (one step when a step alone is more). */
#define AGG_BLOCK 8
#define AGG_SCRATCH ((size_t)8 << 20)

static size_t agg_block(const ts_run *run)
{
    size_t one = (size_t)run->R * (size_t)run->C * sizeof(double), b = AGG_BLOCK;
    while (b > 1 && b * one > AGG_SCRATCH)
        b--;
    return b;
}

static void *agg_begin(void *ctx, ts_error *err)
{
    const agg_job *job = ctx;
    size_t R = (size_t)job->run->R, C = (size_t)job->run->C, B = job->block;
    agg_local *l = malloc(sizeof *l);
    if (l) {
        l->scratch = malloc((B * R * C + quantile_work_size(R)) * sizeof *l->scratch);
        l->sum = malloc((2 * B * C + 1) * sizeof *l->sum);
        if (l->scratch && l->sum) {
            l->comp = l->sum + B * C;
            l->work = l->scratch + B * R * C;
            return l;
        }
        free(l->scratch);
        free(l->sum);
        free(l);
    }
    ts_error_set(err, TS_EIO, "tradesim: out of memory for the aggregates");
    return NULL;
}

static void agg_end(void *ctx, void *local)
{
    (void)ctx;
    agg_local *l = local;
    free(l->scratch);
    free(l->sum);
    free(l);
}

static ts_status agg_task(void *ctx, void *local, long blk, ts_error *err)
{
    (void)err;
    const double *probs = ts_agg_probs;
    const agg_job *job = ctx;
    agg_local *l = local;
    const ts_run *run = job->run;
    size_t R = (size_t)run->R, C = (size_t)run->C, T = (size_t)run->T, stride = T * C;
    size_t B = job->block;
    double *scratch = l->scratch;
    /* The block's steps t0.. have their w = nb C columns side by side in
     * each replicate's rows, and their aggregates side by side in stats:
     * one flat column index j serves both. Column j goes to scratch[j R ..],
     * its mean taken on the way (ts_means_add, as the blocks take it), a
     * run of MEAN_ROWS rows at a time: the means read the rows whole, then
     * the gather finds them in the cache. */
    enum { MEAN_ROWS = 64 };
    size_t t0 = (size_t)blk * B, nb = T - t0 < B ? T - t0 : B, w = nb * C;
    const double *src = run->traj + t0 * C;
    for (size_t j = 0; j < w; j++)
        l->sum[j] = l->comp[j] = 0.0;
    for (size_t k0 = 0; k0 < R; k0 += MEAN_ROWS) {
        size_t k1 = k0 + MEAN_ROWS < R ? k0 + MEAN_ROWS : R;
        ts_means_add(l->sum, l->comp, src + k0 * stride, k1 - k0, stride, w);
        /* the rows now cached, a column at a time: each column's stores
         * go to one run of scratch (row by row they went to w pages) */
        for (size_t j = 0; j < w; j++)
            for (size_t k = k0; k < k1; k++)
                scratch[j * R + k] = src[k * stride + j];
    }
    double *out = job->stats + t0 * C * 4;
    for (size_t j = 0; j < w; j++, out += 4) {
        out[0] = ts_means_get(l->sum[j], l->comp[j], R);
        quantiles(scratch + j * R, R, probs, TS_AGG_N_PROBS, out + 1, l->work);
    }
    return TS_OK;
}

double *ts_output_aggregates(const ts_run *run, int threads)
{
    size_t block = agg_block(run);
    agg_job job = {.run = run,
                   .stats = malloc(((size_t)run->T * (size_t)run->C * 4 + 1) * sizeof(double)),
                   .block = block,
                   .n_blocks = ((size_t)run->T + block - 1) / block};
    if (!job.stats)
        return NULL;
    ts_pool_job pj = {.threads = threads,
                      .n_tasks = (long)job.n_blocks,
                      .ctx = &job,
                      .begin = agg_begin,
                      .task = agg_task,
                      .end = agg_end};
    ts_error e;
    ts_error_clear(&e);
    if (ts_pool_run(&pj, &e) != TS_OK) {
        free(job.stats);
        return NULL;
    }
    return job.stats;
}

void ts_out_aggregate(ts_csv *c, const ts_engine *e, const ts_run *run,
                      const char (*dates)[11], const double *stats)
{
    static const char *const suffix[4] = {"mean", "p05", "p50", "p95"};
    char name[TS_ID_MAX + 32];
    ts_csv_str(c, "step");
    ts_csv_str(c, "date");
    for (int j = 0; j < run->C; j++)
        for (int s = 0; s < 4; s++) {
            snprintf(name, sizeof name, "%s_%s", ts_engine_column_name(e, j), suffix[s]);
            ts_csv_str(c, name);
        }
    ts_csv_end_row(c);
    for (int t = 0; t < run->T; t++) {
        ts_csv_int(c, t);
        put_date(c, dates, t);
        const double *st = stats + (size_t)t * run->C * 4;
        for (int k = 0; k < run->C * 4; k++)
            ts_csv_num(c, st[k]);
        ts_csv_end_row(c);
    }
}

void ts_out_traj_header(ts_csv *c, const ts_engine *e, const ts_run *run)
{
    ts_csv_str(c, "replicate");
    ts_csv_str(c, "step");
    ts_csv_str(c, "date");
    for (int j = 0; j < run->C; j++)
        ts_csv_str(c, ts_engine_column_name(e, j));
    ts_csv_str(c, "agreement");
    ts_csv_end_row(c);
}

void ts_out_traj_rows(ts_csv *c, const ts_run *run, const char (*dates)[11])
{
    int end = run->k0 + run->n < run->n_traj ? run->k0 + run->n : run->n_traj;
    for (int k = run->k0; k < end; k++)
        for (int t = 0; t < run->T; t++) {
            size_t i0 = (size_t)(k - run->k0);
            const double *row = run->traj + (i0 * run->T + t) * run->C;
            ts_csv_int(c, k);
            ts_csv_int(c, t);
            put_date(c, dates, t);
            for (int j = 0; j < run->C; j++)
                ts_csv_num(c, row[j]);
            int ag = run->agreement[i0 * run->T + t];
            if (ag >= 0)
                ts_csv_int(c, ag);
            else
                ts_csv_empty(c);
            ts_csv_end_row(c);
        }
}

/* The value of event k's set (region TS_SLOT_EVENT_SET) or parameter
 * (TS_SLOT_EVENT_PARAM) `sub` in a replicate: its own draw where the setting
 * is uncertain (vals: the replicate's, NULL for the scenario's), else v. */
static double event_value(const ts_scenario *sc, int k, ts_slot_region region, int sub,
                          const double *vals, double v)
{
    for (int j = 0; vals && j < sc->n_uncertain; j++) {
        const ts_uncertain *u = &sc->uncertain[j];
        if (u->region == region && u->index == k && u->sub == sub)
            return vals[j];
    }
    return v;
}

/* "us_tariff=0.84; cn_tariff+=0.1; cn.discount=0.05": what event k did. */
static void event_detail(const ts_scenario *sc, int k, const double *vals, char *buf, size_t n,
                         int precision)
{
    const ts_event *ev = &sc->events[k];
    size_t len = 0;
    buf[0] = '\0';
    for (int j = 0; j < ev->n_sets + ev->n_params && len < n; j++) {
        char num[32];
        const char *id, *key = NULL, *op = "=";
        double v;
        if (j < ev->n_sets) {
            const ts_event_set *s = &ev->sets[j];
            id = sc->issues[s->issue].id;
            op = s->add ? "+=" : "=";
            v = event_value(sc, k, TS_SLOT_EVENT_SET, j, vals, s->value);
        } else {
            const ts_event_param *p = &ev->params[j - ev->n_sets];
            id = p->target == TS_TARGET_ISSUE ? sc->issues[p->index].id : sc->actors[p->index].id;
            key = p->key;
            v = event_value(sc, k, TS_SLOT_EVENT_PARAM, j - ev->n_sets, vals, p->value);
        }
        num[ts_fmt_g(num, v, precision)] = '\0';
        int w = snprintf(buf + len, n - len, "%s%s%s%s%s%s", j ? "; " : "", id, key ? "." : "",
                         key ? key : "", op, num);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

void ts_out_log_header(ts_csv *c)
{
    ts_csv_str(c, "replicate");
    ts_csv_str(c, "step");
    ts_csv_str(c, "date");
    ts_csv_str(c, "type");
    ts_csv_str(c, "label");
    ts_csv_str(c, "detail");
    ts_csv_end_row(c);
}

bool ts_out_event_once(const ts_scenario *sc, int k)
{
    const ts_event *ev = &sc->events[k];
    if (sc->log != TS_LOGLEVEL_EVENTS || ev->step < 0 || ev->step >= sc->calendar.steps)
        return false;
    for (int j = 0; j < sc->n_uncertain; j++) {
        const ts_uncertain *u = &sc->uncertain[j];
        if (u->index == k && (u->region == TS_SLOT_EVENT || u->region == TS_SLOT_EVENT_SET ||
                              u->region == TS_SLOT_EVENT_PARAM))
            return false;   /* its step or values may differ by replicate */
    }
    return true;
}

/* An event row: replicate k (k < 0: every replicate, the cell empty), with
 * its drawn values vals (NULL: the scenario's). */
static void put_event_row(ts_csv *c, const ts_scenario *sc, int k, int step, int event, int T,
                          const double *vals, const char (*dates)[11])
{
    char detail[2048];
    const ts_event *ev = &sc->events[event];
    if (k >= 0)
        ts_csv_int(c, k);
    else
        ts_csv_empty(c);
    ts_csv_int(c, step);
    if (step >= 0 && step < T)
        put_date(c, dates, step);
    else
        ts_csv_empty(c);
    ts_csv_str(c, ts_log_type_name(TS_LOG_EVENT));
    if (k >= 0 && sc->log == TS_LOGLEVEL_EVENTS) {
        /* a firing of a large run: the event's path in the folder's
         * scenario.cfg, which holds its label and effect */
        char path[32];
        snprintf(path, sizeof path, "events.[%d]", event);
        ts_csv_str(c, path);
        ts_csv_empty(c);
    } else {
        event_detail(sc, event, vals, detail, sizeof detail, sc->precision);
        ts_csv_str(c, ev->label);
        ts_csv_str(c, detail);
    }
    ts_csv_end_row(c);
}

void ts_out_log_once(ts_csv *c, const ts_scenario *sc, const bool *once,
                     const char (*dates)[11])
{
    for (int k = 0; once && k < sc->n_events; k++)   /* scheduled events come in step order */
        if (once[k])
            put_event_row(c, sc, -1, sc->events[k].step, k, sc->calendar.steps, NULL, dates);
}

void ts_out_log_rows(ts_csv *c, const ts_scenario *sc, const ts_run *run, const bool *once,
                     const char (*dates)[11])
{
    for (int k = run->k0; k < run->k0 + run->n; k++) {
        const ts_log *log = &run->log[k - run->k0];
        for (int i = 0; i < log->n; i++) {
            const ts_log_entry *r = &log->rows[i];
            if (!ts_log_keeps(sc->log, r->type))
                continue;   /* event rows stay in the run: the status quo reads them */
            if (r->type == TS_LOG_EVENT && r->event >= 0 && r->event < sc->n_events) {
                if (!once || !once[r->event])
                    put_event_row(c, sc, k, r->step, r->event, run->T,
                                  run->n_uncertain > 0
                                      ? run->uncertain + (size_t)(k - run->k0) * run->n_uncertain
                                      : NULL,
                                  dates);
                continue;
            }
            ts_csv_int(c, k);
            ts_csv_int(c, r->step);
            if (r->step >= 0 && r->step < run->T)
                put_date(c, dates, r->step);
            else
                ts_csv_empty(c);
            ts_csv_str(c, ts_log_type_name(r->type));
            ts_csv_str(c, r->label ? r->label : "");
            ts_csv_str(c, r->detail ? r->detail : "");
            ts_csv_end_row(c);
        }
    }
}

static void put_step(ts_csv *c, const ts_run *run, const char (*dates)[11], int step)
{
    if (step >= 0) {
        ts_csv_int(c, step);
        if (step < run->T)
            put_date(c, dates, step);
        else
            ts_csv_empty(c);
    } else {
        ts_csv_empty(c);
        ts_csv_empty(c);
    }
}

/* agreements.csv: one row per talk held and agenda lever (docs/cli.md). */
void ts_out_agreements_header(ts_csv *c, const ts_scenario *sc)
{
    static const char *const head[] = {"replicate", "talk", "label", "step", "date", "protocol",
                                       "outcome", "agreement", "lever", "before", "agreed"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        ts_csv_str(c, head[i]);
    char name[TS_ID_MAX + 16];
    for (int a = 0; a < 2; a++) {
        snprintf(name, sizeof name, "%s_gain", sc->actors[a].id);
        ts_csv_str(c, name);
    }
    static const char *const tail[] = {"until_step", "until_date", "on_expiry",
                                       "end", "end_step", "end_date"};
    for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
        ts_csv_str(c, tail[i]);
    ts_csv_end_row(c);
}

void ts_out_agreements_rows(ts_csv *c, const ts_scenario *sc, const ts_run *run,
                            const char (*dates)[11])
{
    static const char *const protocol[] = {"nash", "alternating", "concession"};
    static const char *const expiry[] = {"snapback", "keep", "renegotiate"};
    for (int k = run->k0; k < run->k0 + run->n; k++) {
        const ts_log *log = &run->log[k - run->k0];
        for (int j = 0; j < log->n_talks; j++) {
            const ts_log_talk *t = &log->talks[j];
            const double *lv = log->levels + t->first;
            bool agreed = t->agreement >= 0;
            for (int l = 0; l < t->tk->n_agenda; l++) {
                ts_csv_int(c, k);
                ts_csv_int(c, j + 1);
                ts_csv_str(c, t->label ? t->label : "");
                put_step(c, run, dates, t->step);
                ts_csv_str(c, protocol[t->tk->protocol]);
                ts_csv_str(c, ts_talks_outcome_name((ts_talks_outcome)t->outcome));
                if (agreed)
                    ts_csv_int(c, t->agreement);
                else
                    ts_csv_empty(c);
                ts_csv_str(c, sc->issues[t->tk->agenda[l]].id);
                ts_csv_num(c, lv[2 * l]);
                if (agreed)
                    ts_csv_num(c, lv[2 * l + 1]);
                else
                    ts_csv_empty(c);
                ts_csv_num(c, t->gain[0]);
                ts_csv_num(c, t->gain[1]);
                put_step(c, run, dates, agreed ? t->until : -1);
                if (agreed)
                    ts_csv_str(c, expiry[t->tk->on_expiry]);
                else
                    ts_csv_empty(c);
                ts_csv_str(c, ts_log_end_name(t->end));
                put_step(c, run, dates, t->end == TS_END_NONE ? -1 : t->end_step);
                ts_csv_end_row(c);
            }
        }
    }
}

ts_status ts_out_open(ts_out *o, const ts_engine *e, const ts_run *run, const char *dir,
                      ts_error *err)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    *o = (ts_out){.sc = sc};
    char path[4096 + 32];
    if (!ts_result_folder(sc, dir, o->folder, sizeof o->folder))
        return ts_error_set(err, TS_EIO, "%s/%s: path too long", dir, sc->name);
    ts_status s = ts_fs_mkdirs(o->folder, err);
    if (s != TS_OK)
        return s;
    o->dates = malloc(((size_t)run->T + 1) * sizeof *o->dates);
    if (!o->dates)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory writing %s", o->folder);
    for (int t = 0; t < run->T; t++)
        ts_calendar_step_date(&sc->calendar, t, o->dates[t]);
    o->once = calloc((size_t)sc->n_events + 1, sizeof *o->once);
    if (!o->once) {
        ts_out_abort(o);
        return ts_error_set(err, TS_EIO, "tradesim: out of memory writing %s", o->folder);
    }
    for (int k = 0; k < sc->n_events; k++)
        o->once[k] = ts_out_event_once(sc, k);
    for (int f = 0; f < TS_RESULT_N_FILES; f++) {
        snprintf(path, sizeof path, "%s/%s", o->folder, ts_result_file(f));
        o->c[f] = ts_csv_open(path, sc->precision, err);
        if (!o->c[f]) {
            ts_out_abort(o);
            return err ? err->code : TS_EIO;
        }
    }
    ts_out_summary_header(o->c[TS_RESULT_SUMMARY], sc, run);
    ts_out_traj_header(o->c[TS_RESULT_TRAJECTORIES], e, run);
    ts_out_log_header(o->c[TS_RESULT_LOG]);
    ts_out_log_once(o->c[TS_RESULT_LOG], sc, o->once, (const char(*)[11])o->dates);
    ts_out_agreements_header(o->c[TS_RESULT_AGREEMENTS], sc);
    return TS_OK;
}

const int ts_out_block_files[TS_OUT_BLOCK_FILES] = {TS_RESULT_LOG, TS_RESULT_AGREEMENTS,
                                                    TS_RESULT_SUMMARY, TS_RESULT_TRAJECTORIES};

void ts_out_block_file(ts_out *o, const ts_run *run, int file)
{
    const char(*dates)[11] = (const char(*)[11])o->dates;
    if (file == TS_RESULT_SUMMARY)
        ts_out_summary_rows(o->c[TS_RESULT_SUMMARY], o->sc, run, dates);
    else if (file == TS_RESULT_TRAJECTORIES)
        ts_out_traj_rows(o->c[TS_RESULT_TRAJECTORIES], run, dates);
    else if (file == TS_RESULT_LOG)
        ts_out_log_rows(o->c[TS_RESULT_LOG], o->sc, run, o->once, dates);
    else if (file == TS_RESULT_AGREEMENTS)
        ts_out_agreements_rows(o->c[TS_RESULT_AGREEMENTS], o->sc, run, dates);
}

void ts_out_block(ts_out *o, const ts_run *run)
{
    for (int f = 0; f < TS_OUT_BLOCK_FILES; f++)
        ts_out_block_file(o, run, ts_out_block_files[f]);
}

ts_status ts_out_close(ts_out *o, const ts_engine *e, const ts_run *run, const double *stats,
                       ts_result_digests *dg, ts_error *err)
{
    ts_status s = TS_OK;
    ts_out_aggregate(o->c[TS_RESULT_AGGREGATE], e, run, (const char(*)[11])o->dates, stats);
    char *text = ts_scenario_to_string(o->sc);
    if (!text) {
        s = ts_error_set(err, TS_EIO, "tradesim: out of memory writing %s", o->folder);
        goto done;
    }
    ts_csv_raw(o->c[TS_RESULT_SCENARIO], text, strlen(text));
    free(text);
    /* Every file complete on disk before the first replaces its old version:
     * a full disk leaves the earlier set as it was. The marker goes before
     * the first rename, so a folder mid-replacement never reads complete. */
    for (int f = 0; f < TS_RESULT_N_FILES; f++) {
        if ((s = ts_csv_finish(o->c[f], err)) != TS_OK)
            goto done;
        if (dg)
            (void)ts_csv_digest(o->c[f], dg->hex[f], &dg->bytes[f]);
    }
    if ((s = ts_result_unmark(o->folder, err)) != TS_OK)
        goto done;
    for (int f = 0; f < TS_RESULT_N_FILES; f++) {
        s = ts_csv_commit(o->c[f], err);
        o->c[f] = NULL;
        if (s != TS_OK)
            goto done;
    }
done:
    ts_out_abort(o);
    return s;
}

void ts_out_abort(ts_out *o)
{
    for (int f = 0; f < TS_RESULT_N_FILES; f++) {
        ts_csv_abort(o->c[f]);
        o->c[f] = NULL;
    }
    free(o->dates);
    o->dates = NULL;
    free(o->once);
    o->once = NULL;
}

ts_status ts_output_write(const ts_engine *e, const ts_run *run, const char *dir, int threads,
                          ts_error *err)
{
    return ts_out_write(e, run, dir, threads, NULL, err);
}

ts_status ts_out_write(const ts_engine *e, const ts_run *run, const char *dir, int threads,
                       ts_result_digests *dg, ts_error *err)
{
    ts_out o;
    ts_status s = ts_out_open(&o, e, run, dir, err);
    if (s != TS_OK)
        return s;
    double *stats = ts_output_aggregates(run, threads);
    if (!stats) {
        ts_out_abort(&o);
        return ts_error_set(err, TS_EIO, "tradesim: out of memory writing %s", o.folder);
    }
    ts_out_block(&o, run);
    s = ts_out_close(&o, e, run, stats, dg, err);
    free(stats);
    return s;
}
