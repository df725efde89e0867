/* Exact aggregates of a run seen a block of replicates at a time, twice (see
 * output_impl.h): memory that does not grow with the replicates, the same
 * bits as output.c's in-memory aggregates.
 *
 * Means: a compensated (Neumaier) sum per column, replicate by replicate in
 * order, divided by R at the end (ts_means_add, which the in-memory path
 * takes too): more accurate than gsl_stats_mean's long-double recurrence and
 * without its division per value. Quantiles: GSL's type 7 reads
 * the ranks lhs and lhs + 1 of the sorted column. The first `sample`
 * replicates (independent draws like any others) bracket those ranks: per
 * column every g-th of the sample's values within SIGMAS standard deviations
 * (and three ranks) of each rank becomes a cell boundary b[0..m) (g = 1 up to
 * 1,023 sample replicates, 5 for the default 4,096), and pass 1 counts every
 * value into its cell (below b[0], equal to b[i], between b[i] and b[i+1],
 * above b[m-1]). The counts give each wanted rank's cell exactly: an equal
 * cell gives the value outright (ties cost nothing), an open one is kept in
 * pass 2 (about g R / sample values) and the rank selected there. A rank the
 * sample missed only makes its open cell larger, never the answer wrong. */
#include "output_impl.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "tradesim/pool.h"

#define N_PROBS TS_AGG_N_PROBS
#define N_RANKS (2 * N_PROBS)
_Static_assert(N_PROBS == 3, "count_lanes takes three zones");
#define CHUNK 64   /* columns per pool task */
/* A bracket reaches this many standard deviations of the sample rank either
 * side: a rank outside (about 1 in 2,000 per end) only costs memory. */
#define SIGMAS 3.5

const double ts_agg_probs[TS_AGG_N_PROBS] = {0.05, 0.50, 0.95};
static const double *const probs = ts_agg_probs;

/* An open cell kept in pass 2: values strictly between lo and hi. */
typedef struct {
    double lo, hi;
    size_t count, fill, off;   /* values, kept so far, place in the round's store */
} want;

typedef struct {
    int n_want;
    want w[N_RANKS];
    /* per wanted rank (lhs, lhs + 1 of each prob): its value when an equal
     * cell holds it, else the open cell's index in w and the rank within */
    int cell[N_RANKS];         /* -1: value known */
    size_t within[N_RANKS];
    double value[N_RANKS];
} col_plan;

struct ts_aggs {
    int R, T, C, s, M;         /* M: most boundaries per column */
    size_t TC;
    double *sum, *comp;        /* [TC]: the means' sums (ts_means_add) */
    double *sample;            /* [s][TC] until the cells are built */
    double *bound;             /* [TC][M] */
    int *m;                    /* [TC] */
    int (*zone)[N_PROBS][2];   /* [TC]: each prob's first and last boundary (-1: none) */
    uint32_t *count;           /* [TC][2 M + 1] */
    bool built;
    col_plan *plan;            /* [TC] */
    int n_rounds;
    size_t *round_end;         /* columns [round_end[r-1], round_end[r]) */
    double *store;             /* the current round's kept values */
    int store_round;
    double *stats;             /* [TC][4] */
};

static int max_bounds(int s)
{
    /* each prob: ranks floor(q - d) .. ceil(q + d) + 1, d <= 4 sqrt(s / 4) + 3 */
    double d = SIGMAS / 2.0 * sqrt((double)s) + 3.0;
    double per = 2.0 * ceil(d) + 4.0;
    double m = N_PROBS * per;
    return m < s ? (int)m : s;
}

size_t ts_aggs_bytes(int R, int T, int C, int sample)
{
    (void)R;
    size_t TC = (size_t)T * (size_t)C, M = (size_t)max_bounds(sample);
    return TC * (2 * sizeof(double) + M * sizeof(double) + (2 * M + 1) * sizeof(uint32_t) +
                 sizeof(int) + sizeof(col_plan) + 4 * sizeof(double)) +
           (size_t)sample * TC * sizeof(double);
}

ts_aggs *ts_aggs_alloc(int R, int T, int C, int sample)
{
    ts_aggs *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->R = R;
    a->T = T;
    a->C = C;
    a->TC = (size_t)T * (size_t)C;
    sample = sample < 1 ? 1 : sample > R ? R : sample;
    a->s = sample;
    a->M = max_bounds(sample);
    size_t TC = a->TC ? a->TC : 1, M = (size_t)a->M;
    a->store_round = -1;
    a->sum = calloc(TC, sizeof *a->sum);
    a->comp = calloc(TC, sizeof *a->comp);
    a->sample = malloc((size_t)sample * TC * sizeof *a->sample);
    a->bound = malloc(TC * M * sizeof *a->bound);
    a->m = calloc(TC, sizeof *a->m);
    a->zone = calloc(TC, sizeof *a->zone);
    a->count = calloc(TC * (2 * M + 1), sizeof *a->count);
    a->plan = calloc(TC, sizeof *a->plan);
    a->stats = calloc(TC * 4, sizeof *a->stats);
    if (!a->sum || !a->comp || !a->sample || !a->bound || !a->m || !a->zone || !a->count || !a->plan || !a->stats) {
        ts_aggs_free(a);
        return NULL;
    }
    return a;
}

void ts_aggs_free(ts_aggs *a)
{
    if (!a)
        return;
    free(a->sum);
    free(a->comp);
    free(a->sample);
    free(a->bound);
    free(a->m);
    free(a->zone);
    free(a->count);
    free(a->plan);
    free(a->round_end);
    free(a->store);
    free(a->stats);
    free(a);
}

const double *ts_aggs_stats(const ts_aggs *a) { return a->stats; }

/* Columns a vector kernel takes at once: a cache line of each row; constant,
 * so that gcc's cheapest vectoriser (-O2) takes the loops over them. */
#define LANES 8

/* One step of the compensated sum: the rounding error of s + v, exactly, by
 * Knuth's TwoSum (the error Neumaier's step finds, without its branch on
 * which term is larger, so the loop vectorises: no x87, no division). */
static inline void neumaier(double *s, double *c, double v)
{
    double t = *s + v, bp = t - v;
    *c += (*s - bp) + (v - (t - bp));
    *s = t;
}

void ts_means_add(double *restrict sum, double *restrict comp, const double *rows,
                  size_t n_rows, size_t stride, size_t w)
{
    /* Row by row, all w columns: a row's lines are read together (columns
     * a group at a time over the rows would wait on one line per row). */
    size_t whole = w - w % LANES;
    for (size_t i = 0; i < n_rows; i++) {
        const double *x = rows + i * stride;
        for (size_t j0 = 0; j0 < whole; j0 += LANES)
            for (int j = 0; j < LANES; j++)
                neumaier(&sum[j0 + (size_t)j], &comp[j0 + (size_t)j], x[j0 + (size_t)j]);
        for (size_t j = whole; j < w; j++)
            neumaier(&sum[j], &comp[j], x[j]);
    }
}

double ts_means_get(double sum, double comp, size_t n)
{
    /* an infinite (or NaN) sum leaves the compensation NaN: the sum alone */
    double total = isfinite(sum) ? sum + comp : sum;
    return total / (double)(n > 0 ? n : 1);
}

/* The rank of GSL's type 7 for prob p over n values. */
size_t ts_agg_lhs_rank(double p, size_t n)
{
    return (size_t)(int)(p * (double)(n - 1));
}

/* Column j's boundaries from its sorted sample x[0..s). */
static void build_column(ts_aggs *a, size_t j, const double *x)
{
    size_t s = (size_t)a->s, n = (size_t)a->R;
    double *b = a->bound + j * (size_t)a->M;
    int m = 0;
    long next = 0;   /* sample indices below it are taken */
    for (int k = 0; k < N_PROBS; k++) {
        double p = ((double)ts_agg_lhs_rank(probs[k], n) + 0.5) / (double)n, q = p * (double)s;
        double d = SIGMAS * sqrt((double)s * p * (1.0 - p)) + 3.0;
        double ilo = floor(q - d), ihi = ceil(q + d) + 1.0;
        long lo = ilo < 0.0 ? 0 : (long)ilo, hi = ihi > (double)(s - 1) ? (long)s - 1 : (long)ihi;
        int first = m;
        /* every g-th sample value, and the bracket's last */
        long g = (long)s / 1024 + 1;
        for (long i = lo > next ? lo : next; i <= hi && m < a->M;) {
            if (m == 0 || x[i] != b[m - 1])
                b[m++] = x[i];
            i = i < hi && i + g > hi ? hi : i + g;
        }
        next = hi + 1 > next ? hi + 1 : next;
        a->zone[j][k][0] = m > first ? first : -1;
        a->zone[j][k][1] = m - 1;
    }
    a->m[j] = m;
}

/* Cell of v among b[0..m): 2 i for the open cell below b[i] (2 m: above all),
 * 2 i + 1 for b[i] itself. Branch-free: where v falls is unpredictable. */
static inline size_t cell_of(const double *b, int m, double v)
{
    const double *p = b;
    size_t n = (size_t)m;
    while (n > 1) {
        size_t half = n / 2;
        p = p[half] < v ? p + half : p;
        n -= half;
    }
    size_t i = (size_t)(p - b) + (m > 0 && *p < v);
    return 2 * i + (i < (size_t)m && b[i] == v);
}

/* A column's zones for counting: the boundaries come in up to N_PROBS runs
 * (one per prob's bracket); between and around them lie wide open cells. */
typedef struct {
    int n;                      /* zones */
    double end[2 * N_PROBS];    /* first and last boundary of each */
    int lo[N_PROBS], len[N_PROBS];
    size_t gap[N_PROBS + 1];    /* cell of a value past z zones' ends, z even */
    /* a window of the boundaries as long as the longest zone, holding zone q
     * from win[q]: every search in the column takes as many steps, which the
     * branch predictor learns (zones of different lengths, visited at random,
     * would cost a misprediction a value) */
    int win_len, win[N_PROBS];
} zones;

static void column_zones(const ts_aggs *a, size_t j, zones *z)
{
    const double *b = a->bound + j * (size_t)a->M;
    z->n = 0;
    for (int k = 0; k < N_PROBS; k++) {
        int lo = a->zone[j][k][0], hi = a->zone[j][k][1];
        if (lo < 0)
            continue;
        z->end[2 * z->n] = b[lo];
        z->end[2 * z->n + 1] = b[hi];
        z->lo[z->n] = lo;
        z->len[z->n] = hi - lo + 1;
        z->gap[z->n] = 2 * (size_t)lo;
        z->n++;
    }
    z->gap[z->n] = 2 * (size_t)a->m[j];
    z->win_len = 0;
    for (int q = 0; q < z->n; q++)
        z->win_len = z->len[q] > z->win_len ? z->len[q] : z->win_len;
    for (int q = 0; q < z->n; q++)
        z->win[q] = z->lo[q] < a->m[j] - z->win_len ? z->lo[q] : a->m[j] - z->win_len;
}

/* True when columns g0..g1 hold the same values in every one of the rows. */
static bool same_rows(const double *rows, size_t n_rows, size_t TC, size_t g0, size_t g1)
{
    for (size_t i = 1; i < n_rows; i++)
        for (size_t j = g0; j < g1; j++)
            if (rows[i * TC + j] != rows[j])
                return false;
    return true;
}

/* Value v of column j (zones zj) into its cell. */
static inline void count_value(ts_aggs *a, size_t j, const zones *zj, double v)
{
    size_t M = (size_t)a->M;
    uint32_t *cnt = a->count + j * (2 * M + 1);
    int past = 0;
    for (int q = 0; q < zj->n; q++)
        past += (v >= zj->end[2 * q]) + (v > zj->end[2 * q + 1]);
    if (past % 2 == 0) {
        cnt[zj->gap[past / 2]]++;
    } else {
        int q = past / 2;
        const double *b = a->bound + j * M + zj->lo[q];
        cnt[2 * (size_t)zj->lo[q] + cell_of(b, zj->len[q], v)]++;
    }
}

static inline double one(int c) { return c ? 1.0 : 0.0; }

#define IN_ZONE_ROWS 256   /* rows whose in-zone values are listed at a time */

/* Columns g0..g0 + LANES of n_rows rows into their cells. Most values fall
 * between the zones: those are counted by compare masks, LANES columns at a
 * time without a branch (how many values reach each zone's first end and
 * pass its last; the gaps' counts are the differences; and how many equal
 * its ends). The values strictly inside a zone (a tenth to a third) are
 * listed without a branch, then searched for. */
static void count_lanes(ts_aggs *a, const double *rows, size_t n_rows, size_t g0,
                        const zones *z)
{
    size_t TC = a->TC, M = (size_t)a->M;
    /* One array per zone and lane, and counts in doubles (exact below 2^53):
     * a loop over the lanes gcc vectorises (it does not with int64_t). */
    double lo0[LANES], hi0[LANES], lo1[LANES], hi1[LANES], lo2[LANES], hi2[LANES];
    double ge0[LANES], gt0[LANES], ge1[LANES], gt1[LANES], ge2[LANES], gt2[LANES];
    double el0[LANES], eh0[LANES], el1[LANES], eh1[LANES], el2[LANES], eh2[LANES];
    double *lo[N_PROBS] = {lo0, lo1, lo2}, *hi[N_PROBS] = {hi0, hi1, hi2};
    double *ge[N_PROBS] = {ge0, ge1, ge2}, *gt[N_PROBS] = {gt0, gt1, gt2};
    double *el[N_PROBS] = {el0, el1, el2}, *eh[N_PROBS] = {eh0, eh1, eh2};
    for (int q = 0; q < N_PROBS; q++)
        for (int j = 0; j < LANES; j++) {
            /* NaN: no value reaches a zone the column lacks */
            lo[q][j] = q < z[j].n ? z[j].end[2 * q] : NAN;
            hi[q][j] = q < z[j].n ? z[j].end[2 * q + 1] : NAN;
            ge[q][j] = gt[q][j] = el[q][j] = eh[q][j] = 0.0;
        }
    /* in-zone values listed per column: each column's search then reads only
     * its own boundaries and counts, which stay in the L1 cache */
    double listed[LANES][IN_ZONE_ROWS];
    for (size_t i0 = 0; i0 < n_rows; i0 += IN_ZONE_ROWS) {
        size_t i1 = i0 + IN_ZONE_ROWS < n_rows ? i0 + IN_ZONE_ROWS : n_rows, n_in[LANES] = {0};
        for (size_t i = i0; i < i1; i++) {
            const double *x = rows + i * TC + g0;
            double in[LANES];
            for (int j = 0; j < LANES; j++) {
                double v = x[j];
                ge0[j] += one(v >= lo0[j]);
                gt0[j] += one(v > hi0[j]);
                ge1[j] += one(v >= lo1[j]);
                gt1[j] += one(v > hi1[j]);
                ge2[j] += one(v >= lo2[j]);
                gt2[j] += one(v > hi2[j]);
                /* a zone's ends by compare masks too: ties (columns of few
                 * values) pile up on them */
                el0[j] += one(v == lo0[j]);
                eh0[j] += one(v == hi0[j]);
                el1[j] += one(v == lo1[j]);
                eh1[j] += one(v == hi1[j]);
                el2[j] += one(v == lo2[j]);
                eh2[j] += one(v == hi2[j]);
                in[j] = one((v > lo0[j]) & (v < hi0[j])) + one((v > lo1[j]) & (v < hi1[j])) +
                        one((v > lo2[j]) & (v < hi2[j]));
            }
            for (int j = 0; j < LANES; j++) {
                listed[j][n_in[j]] = x[j];
                n_in[j] += in[j] != 0.0;
            }
        }
        for (int l = 0; l < LANES; l++) {
            const zones *zj = &z[l];
            size_t j = g0 + (size_t)l;
            const double *bj = a->bound + j * M;
            uint32_t *cnt = a->count + j * (2 * M + 1);
            for (size_t e = 0; e < n_in[l]; e++) {
                double v = listed[l][e];
                int q = 0;
                for (int r = 1; r < zj->n; r++)
                    q += v >= zj->end[2 * r];
                cnt[2 * (size_t)zj->win[q] + cell_of(bj + zj->win[q], zj->win_len, v)]++;
            }
        }
    }
    for (int j = 0; j < LANES; j++) {
        const zones *zj = &z[j];
        uint32_t *cnt = a->count + (g0 + (size_t)j) * (2 * M + 1);
        double before = (double)n_rows;   /* values not yet past the previous zone */
        for (int q = 0; q < zj->n; q++) {
            cnt[zj->gap[q]] += (uint32_t)(before - ge[q][j]);
            before = gt[q][j];
            size_t first = 2 * (size_t)zj->lo[q] + 1, last = first + 2 * ((size_t)zj->len[q] - 1);
            cnt[first] += (uint32_t)el[q][j];
            if (last != first)
                cnt[last] += (uint32_t)eh[q][j];
        }
        cnt[zj->gap[zj->n]] += (uint32_t)before;
    }
}

/* Columns j0..j1 (at most CHUNK) of n_rows rows in replicate order: with
 * `mean` each value joins its column's mean, with `count` its cell's
 * count. */
static void scan_rows(ts_aggs *a, const double *rows, size_t n_rows, size_t j0, size_t j1,
                      bool mean, bool count)
{
    size_t TC = a->TC, M = (size_t)a->M;
    if (mean)
        ts_means_add(a->sum + j0, a->comp + j0, rows + j0, n_rows, TC, j1 - j0);
    if (!count)
        return;
    zones z[CHUNK];
    for (size_t j = j0; j < j1; j++)
        column_zones(a, j, &z[j - j0]);
    for (size_t g0 = j0; g0 < j1; g0 += LANES) {
        size_t g1 = g0 + LANES < j1 ? g0 + LANES : j1;
        if (n_rows > 1 && same_rows(rows, n_rows, TC, g0, g1)) {
            /* one value per column over the block (as in a deterministic
             * game): one cell look-up each */
            for (size_t j = g0; j < g1; j++)
                a->count[j * (2 * M + 1) + cell_of(a->bound + j * M, a->m[j], rows[j])] +=
                    (uint32_t)n_rows;
        } else if (g1 - g0 == LANES) {
            count_lanes(a, rows, n_rows, g0, &z[g0 - j0]);
        } else {
            for (size_t i = 0; i < n_rows; i++)
                for (size_t j = g0; j < g1; j++)
                    count_value(a, j, &z[j - j0], rows[i * TC + j]);
        }
    }
}

typedef struct {
    ts_aggs *a;
    const ts_run *run;
    bool build;      /* this block completes the sample */
    int round;
    size_t j_lo, j_hi;   /* columns of this job */
} agg_ctx;

/* A worker's scratch for sorting a column's sample: the values and their
 * keys, and a second copy of each to sort between. */
typedef struct {
    double *x, *x2;
    uint64_t *key, *key2;
} sort_scratch;

static void *scratch_begin(void *ctx, ts_error *err)
{
    const agg_ctx *c = ctx;
    size_t s = (size_t)c->a->s;
    sort_scratch *l = malloc(sizeof *l);
    if (l) {
        l->x = malloc(2 * s * sizeof *l->x + 1);
        l->key = malloc(2 * s * sizeof *l->key + 1);
        if (l->x && l->key) {
            l->x2 = l->x + s;
            l->key2 = l->key + s;
            return l;
        }
        free(l->x);
        free(l->key);
        free(l);
    }
    ts_error_set(err, TS_EIO, "tradesim: out of memory for the aggregates");
    return NULL;
}

static void scratch_end(void *ctx, void *local)
{
    (void)ctx;
    sort_scratch *l = local;
    free(l->x);
    free(l->key);
    free(l);
}

/* x[0..n) (no NaN, the guard saw to that) in ascending order, equal values
 * (-0 and +0 among them) in the order they came, as the stable merge sort
 * behind glibc's qsort leaves them: an LSD radix sort on keys that order
 * as the values do, a byte at a time, passes whose byte all keys share
 * left out. About eight times faster than qsort on the sample's 4,096 values
 * (a comparison call per step there). Returns the sorted copy: x or x2. */
static double *sort_sample(sort_scratch *l, size_t n)
{
    double *x = l->x, *x2 = l->x2;
    uint64_t *key = l->key, *key2 = l->key2;
    size_t hist[8][256];
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < n; i++) {
        double v = x[i] == 0.0 ? 0.0 : x[i];   /* -0 keyed as +0 */
        uint64_t u;
        memcpy(&u, &v, sizeof u);
        u = u >> 63 ? ~u : u | (uint64_t)1 << 63;
        key[i] = u;
        for (int d = 0; d < 8; d++)
            hist[d][(u >> (8 * d)) & 255]++;
    }
    for (int d = 0; d < 8; d++) {
        size_t *h = hist[d];
        if (h[(key[0] >> (8 * d)) & 255] == n)
            continue;   /* every key has this byte */
        size_t at = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = h[b];
            h[b] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t to = h[(key[i] >> (8 * d)) & 255]++;
            key2[to] = key[i];
            x2[to] = x[i];
        }
        uint64_t *tk = key;
        key = key2;
        key2 = tk;
        double *tx = x;
        x = x2;
        x2 = tx;
    }
    return x;
}

static ts_status pass1_task(void *ctx, void *local, long task, ts_error *err)
{
    (void)err;
    agg_ctx *c = ctx;
    ts_aggs *a = c->a;
    const ts_run *run = c->run;
    size_t TC = a->TC, j0 = (size_t)task * CHUNK, j1 = j0 + CHUNK < TC ? j0 + CHUNK : TC;
    size_t k0 = (size_t)run->k0, n = (size_t)run->n;
    if (c->build) {
        sort_scratch *l = local;
        size_t s = (size_t)a->s;
        for (size_t j = j0; j < j1; j++) {
            double *x = l->x;
            for (size_t i = 0; i < s; i++)
                x[i] = a->sample[i * TC + j];
            size_t i = 1;
            while (i < s && x[i - 1] <= x[i])
                i++;
            if (i < s)   /* not already in order (a constant column is) */
                x = sort_sample(l, s);
            build_column(a, j, x);
        }
        /* the sample's rows before this block: counted now, their means taken */
        scan_rows(a, a->sample, k0, j0, j1, false, true);
    }
    scan_rows(a, run->traj, n, j0, j1, true, a->built || c->build);
    return TS_OK;
}

static ts_status run_chunks(agg_ctx *c, size_t j_lo, size_t j_hi, int threads,
                            ts_status (*task)(void *, void *, long, ts_error *), bool scratch,
                            ts_error *err)
{
    (void)j_lo;
    ts_pool_job job = {.threads = threads,
                       .n_tasks = (long)((j_hi + CHUNK - 1) / CHUNK),
                       .ctx = c,
                       .begin = scratch ? scratch_begin : NULL,
                       .task = task,
                       .end = scratch ? scratch_end : NULL};
    return ts_pool_run(&job, err);
}

ts_status ts_aggs_pass1(ts_aggs *a, const ts_run *run, int threads, ts_error *err)
{
    size_t s = (size_t)a->s, k0 = (size_t)run->k0, n = (size_t)run->n;
    agg_ctx c = {.a = a, .run = run};
    if (!a->built && k0 < s) {
        size_t take = k0 + n < s ? n : s - k0;
        memcpy(a->sample + k0 * a->TC, run->traj, take * a->TC * sizeof *run->traj);
        c.build = k0 + n >= s;
    }
    ts_status st = run_chunks(&c, 0, a->TC, threads, pass1_task, c.build, err);
    if (st == TS_OK && c.build) {
        a->built = true;
        free(a->sample);
        a->sample = NULL;
    }
    return st;
}

/* Column j's plan: each wanted rank's cell from the counts. */
static void plan_column(ts_aggs *a, size_t j)
{
    size_t n = (size_t)a->R, M = (size_t)a->M, m = (size_t)a->m[j];
    const uint32_t *cnt = a->count + j * (2 * M + 1);
    const double *b = a->bound + j * M;
    col_plan *pl = &a->plan[j];
    pl->n_want = 0;
    for (int r = 0; r < N_RANKS; r++) {
        size_t rank = ts_agg_lhs_rank(probs[r / 2], n) + (size_t)(r % 2);
        pl->cell[r] = -1;
        pl->value[r] = 0.0;
        if (rank >= n)
            continue;   /* lhs + 1 past the end: GSL reads only lhs */
        size_t below = 0, cell = 0;
        while (cell < 2 * m && below + cnt[cell] <= rank)
            below += cnt[cell++];
        if (cell % 2 == 1) {
            pl->value[r] = b[cell / 2];
            continue;
        }
        double lo = cell == 0 ? -INFINITY : b[cell / 2 - 1], hi = cell == 2 * m ? INFINITY : b[cell / 2];
        int w = 0;
        while (w < pl->n_want && pl->w[w].lo != lo)
            w++;
        if (w == pl->n_want)
            pl->w[pl->n_want++] = (want){.lo = lo, .hi = hi, .count = cnt[cell]};
        pl->cell[r] = w;
        pl->within[r] = rank - below;
    }
}

int ts_aggs_plan(ts_aggs *a, size_t bytes)
{
    size_t TC = a->TC;
    for (size_t j = 0; j < TC; j++)
        plan_column(a, j);
    free(a->count);
    a->count = NULL;
    free(a->round_end);
    a->round_end = malloc((TC + 1) * sizeof *a->round_end);
    if (!a->round_end)
        return 0;
    int rounds = 0;
    size_t used = 0;
    for (size_t j = 0; j < TC; j++) {
        size_t need = 0;
        for (int w = 0; w < a->plan[j].n_want; w++)
            need += a->plan[j].w[w].count * sizeof(double);
        if (used > 0 && used + need > bytes) {
            a->round_end[rounds++] = j;
            used = 0;
        }
        used += need;
    }
    a->round_end[rounds++] = TC;
    a->n_rounds = rounds;
    return rounds;
}

static size_t round_begin(const ts_aggs *a, int round)
{
    return round == 0 ? 0 : a->round_end[round - 1];
}

size_t ts_aggs_round_values(const ts_aggs *a, int round)
{
    size_t n = 0;
    for (size_t j = round_begin(a, round); j < a->round_end[round]; j++)
        for (int w = 0; w < a->plan[j].n_want; w++)
            n += a->plan[j].w[w].count;
    return n;
}

/* v into column j's kept values when an open cell wanted holds it, `copies`
 * times (at most its count). */
static inline void keep_value(ts_aggs *a, size_t j, double v, size_t copies)
{
    col_plan *pl = &a->plan[j];
    for (int w = 0; w < pl->n_want; w++) {
        want *x = &pl->w[w];
        if (v > x->lo && v < x->hi)
            for (size_t r = 0; r < copies && x->fill < x->count; r++)
                a->store[x->off + x->fill++] = v;
    }
}

static ts_status pass2_task(void *ctx, void *local, long task, ts_error *err)
{
    (void)local;
    (void)err;
    agg_ctx *c = ctx;
    ts_aggs *a = c->a;
    const ts_run *run = c->run;
    const double *rows = run->traj;
    size_t TC = a->TC, j0 = c->j_lo + (size_t)task * CHUNK, n = (size_t)run->n;
    size_t j1 = j0 + CHUNK < c->j_hi ? j0 + CHUNK : c->j_hi;
    /* Whole groups of LANES columns: whether a row holds any value to keep
     * is tested a group at a time without a branch (a few rows in a hundred
     * do), and only those rows are looked at value by value; the rows are
     * read whole, a row's lines together. */
    enum { GROUPS = CHUNK / LANES };
    double lo[GROUPS][N_RANKS][LANES], hi[GROUPS][N_RANKS][LANES];
    int nw[GROUPS];   /* cells wanted, most over the group's columns; 0: done */
    size_t n_g = (j1 - j0) / LANES;
    for (size_t g = 0; g < n_g; g++) {
        size_t g0 = j0 + g * LANES;
        nw[g] = 0;
        if (n > 1 && same_rows(rows, n, TC, g0, g0 + LANES)) {
            /* one value per column over the block: n copies of it, or none */
            for (size_t j = g0; j < g0 + LANES; j++)
                keep_value(a, j, rows[j], n);
            continue;
        }
        for (int j = 0; j < LANES; j++)
            nw[g] = a->plan[g0 + (size_t)j].n_want > nw[g] ? a->plan[g0 + (size_t)j].n_want : nw[g];
        for (int w = 0; w < nw[g]; w++)
            for (int j = 0; j < LANES; j++) {
                const col_plan *pl = &a->plan[g0 + (size_t)j];
                /* NaN: a cell the column does not want holds nothing */
                lo[g][w][j] = w < pl->n_want ? pl->w[w].lo : NAN;
                hi[g][w][j] = w < pl->n_want ? pl->w[w].hi : NAN;
            }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t g = 0; g < n_g; g++) {
            const double *x = rows + i * TC + j0 + g * LANES;
            double hit[LANES] = {0};
            for (int w = 0; w < nw[g]; w++)
                for (int j = 0; j < LANES; j++)
                    hit[j] += one((x[j] > lo[g][w][j]) & (x[j] < hi[g][w][j]));
            double any = 0.0;
            for (int j = 0; j < LANES; j++)
                any += hit[j];
            if (any != 0.0)
                for (int j = 0; j < LANES; j++)
                    keep_value(a, j0 + g * LANES + (size_t)j, x[j], 1);
        }
    size_t t0 = j0 + n_g * LANES;   /* the last columns, fewer than LANES */
    if (t0 < j1 && n > 1 && same_rows(rows, n, TC, t0, j1)) {
        for (size_t j = t0; j < j1; j++)
            keep_value(a, j, rows[j], n);
    } else {
        for (size_t i = 0; i < n; i++)
            for (size_t j = t0; j < j1; j++)
                keep_value(a, j, rows[i * TC + j], 1);
    }
    return TS_OK;
}

ts_status ts_aggs_pass2(ts_aggs *a, int round, const ts_run *run, int threads, ts_error *err)
{
    size_t j_lo = round_begin(a, round), j_hi = a->round_end[round];
    if (a->store_round != round) {
        size_t total = 0;
        for (size_t j = j_lo; j < j_hi; j++)
            for (int w = 0; w < a->plan[j].n_want; w++) {
                a->plan[j].w[w].off = total;
                a->plan[j].w[w].fill = 0;
                total += a->plan[j].w[w].count;
            }
        free(a->store);
        a->store = malloc((total + 1) * sizeof *a->store);
        a->store_round = round;
        if (!a->store)
            return ts_error_set(err, TS_EIO, "tradesim: out of memory for the aggregates (%zu "
                                             "bytes of quantile cells)",
                                total * sizeof *a->store);
    }
    agg_ctx c = {.a = a, .run = run, .round = round, .j_lo = j_lo, .j_hi = j_hi};
    ts_pool_job job = {.threads = threads,
                       .n_tasks = (long)((j_hi - j_lo + CHUNK - 1) / CHUNK),
                       .ctx = &c,
                       .task = pass2_task};
    return ts_pool_run(&job, err);
}

double ts_agg_type7(double f, size_t n, double at_lhs, double at_next)
{
    const double index = f * (double)(n - 1);
    const size_t lhs = (size_t)(int)index;
    const double delta = index - (double)lhs;
    if (n == 0)
        return 0.0;
    if (lhs == n - 1)
        return at_lhs;
    return (1 - delta) * at_lhs + delta * at_next;
}

bool ts_aggs_select(ts_aggs *a, int round)
{
    size_t j_lo = round_begin(a, round), j_hi = a->round_end[round], n = (size_t)a->R;
    bool ok = true;
    for (size_t j = j_lo; j < j_hi; j++) {
        col_plan *pl = &a->plan[j];
        for (int w = 0; w < pl->n_want; w++)
            ok = ok && pl->w[w].fill == pl->w[w].count;
        double v[N_RANKS];
        for (int r = 0; r < N_RANKS; r++) {
            v[r] = pl->value[r];
            if (pl->cell[r] >= 0 && ok) {
                want *x = &pl->w[pl->cell[r]];
                v[r] = gsl_stats_select(a->store + x->off, 1, x->count, pl->within[r]);
            }
        }
        double *out = a->stats + j * 4;
        out[0] = ts_means_get(a->sum[j], a->comp[j], n);
        for (int k = 0; k < N_PROBS; k++)
            out[1 + k] = ts_agg_type7(probs[k], n, v[2 * k], v[2 * k + 1]);
    }
    if (round == a->n_rounds - 1) {
        free(a->store);
        a->store = NULL;
    }
    return ok;
}
