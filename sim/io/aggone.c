/* Exact quantiles of a run in blocks, in one pass (see output_impl.h).
 *
 * Replicates are independent draws, so the first n of R are a random subset
 * of them: the value that will have rank r among all R has, among the first
 * n, a rank with a hypergeometric law of mean r n / R and variance
 * n (r/R)(1 - r/R)(R - n)/(R - 1), at most R p (1 - p) / 4. Each column
 * keeps, per quantile, a bracket [lo, hi] and the values strictly inside;
 * values below lo and those equal to lo or hi are only counted (those above
 * hi follow from the count seen). When the kept values fill their room the
 * bracket narrows to `sigmas` standard deviations (and three ranks)
 * either side of the expected ranks, which leaves at most half the room used.
 *
 * The answer never rests on that law: at the end the counts say exactly
 * whether each wanted rank lies in its bracket, and its value is then the
 * rank's among the kept ones (or lo or hi themselves). A rank outside
 * (at the default of 6, about 1e-9 a narrowing) is reported, and the run falls back on
 * the two passes of aggstream.c. Memory: the room, fixed from R at the start
 * (ts_agg1_bytes), about 150 MB for a million replicates of 1,680 columns. */
#include "output_impl.h"

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <gsl/gsl_statistics_double.h>

#include "tradesim/pool.h"

#define N_PROBS TS_AGG_N_PROBS
#define GROUP 32   /* columns compared at once (a bit each in a mask) */

static const double *const probs = ts_agg_probs;

struct ts_agg1 {
    int R;
    double sigmas;              /* a bracket's half-width in standard deviations */
    size_t TC;
    size_t rank[N_PROBS];       /* GSL type 7's lhs rank of each prob */
    size_t cap[N_PROBS];        /* room of a column's bracket of each prob */
    size_t off[N_PROBS];        /* a column's room at off[k] of its own */
    size_t stride;              /* doubles of room per column, and a spare each */
    double *lo, *hi;            /* [N_PROBS][TC] */
    uint64_t *lt, *eq_lo, *eq_hi, *kept;   /* [N_PROBS][TC] */
    double *room;               /* [TC][stride] */
    bool lost;                  /* a bracket could not narrow: fall back */
};

/* The most values a bracket of prob k can hold after narrowing, thrice: a
 * narrowing frees at least two thirds of the room. */
static size_t room_of(double p, size_t R, double sigmas)
{
    double sd = 0.5 * sqrt((double)R * p * (1.0 - p));
    double w = 2.0 * (sigmas * sd + 4.0) + 3.0;
    size_t c = (size_t)(3.0 * ceil(w));
    return c < 64 ? 64 : c;
}

size_t ts_agg1_bytes(int R, int T, int C, double sigmas)
{
    size_t TC = (size_t)T * (size_t)C, per = 0;
    for (int k = 0; k < N_PROBS; k++)
        per += room_of(probs[k], (size_t)R, sigmas) + 1;
    return TC * (per * sizeof(double) + N_PROBS * (2 * sizeof(double) + 4 * sizeof(uint64_t)));
}

ts_agg1 *ts_agg1_alloc(int R, int T, int C, size_t bytes, double sigmas)
{
    if (R < 1 || T < 1 || C < 1 || !(sigmas >= 0.0) || ts_agg1_bytes(R, T, C, sigmas) > bytes)
        return NULL;
    ts_agg1 *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->R = R;
    a->sigmas = sigmas;
    a->TC = (size_t)T * (size_t)C;
    for (int k = 0; k < N_PROBS; k++) {
        a->rank[k] = ts_agg_lhs_rank(probs[k], (size_t)R);
        a->cap[k] = room_of(probs[k], (size_t)R, sigmas);
        a->off[k] = a->stride;
        a->stride += a->cap[k] + 1;   /* the spare: a value is written before it counts */
    }
    size_t n = N_PROBS * a->TC;
    a->lo = malloc(n * sizeof *a->lo);
    a->hi = malloc(n * sizeof *a->hi);
    a->lt = calloc(n, sizeof *a->lt);
    a->eq_lo = calloc(n, sizeof *a->eq_lo);
    a->eq_hi = calloc(n, sizeof *a->eq_hi);
    a->kept = calloc(n, sizeof *a->kept);
    a->room = malloc(a->TC * a->stride * sizeof *a->room);
    if (!a->lo || !a->hi || !a->lt || !a->eq_lo || !a->eq_hi || !a->kept || !a->room) {
        ts_agg1_free(a);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        a->lo[i] = -INFINITY;
        a->hi[i] = INFINITY;
    }
    return a;
}

void ts_agg1_free(ts_agg1 *a)
{
    if (!a)
        return;
    free(a->lo);
    free(a->hi);
    free(a->lt);
    free(a->eq_lo);
    free(a->eq_hi);
    free(a->kept);
    free(a->room);
    free(a);
}

/* Where v goes in bracket b once its ends are lo <= hi: below (counted),
 * equal to lo, inside (kept), equal to hi, or above (counted by seen). */
enum { BELOW, AT_LO, INSIDE, AT_HI, ABOVE };
static int place(double v, double lo, double hi)
{
    return v < lo ? BELOW : v == lo ? AT_LO : v > hi ? ABOVE : v == hi ? AT_HI : INSIDE;
}

/* Counts n values of place p into bracket b. */
static void count(ts_agg1 *a, size_t b, int p, uint64_t n)
{
    if (p == BELOW)
        a->lt[b] += n;
    else if (p == AT_LO)
        a->eq_lo[b] += n;
    else if (p == AT_HI)
        a->eq_hi[b] += n;
}

/* Bracket (k, j) is full after seen values: narrow it around the expected
 * ranks of the wanted ones (a window of ranks that may lie among the ties at
 * either end, the bracket then shrinking to that one value). False when
 * that leaves it full. */
static bool narrow(ts_agg1 *a, int k, size_t j, size_t seen)
{
    size_t b = (size_t)k * a->TC + j;
    double *x = a->room + j * a->stride + a->off[k];
    size_t m = a->kept[b];
    double R = (double)a->R, n = (double)seen, r = (double)a->rank[k];
    double q = r / R, var = n * q * (1.0 - q) * (R - n) / (R > 1.0 ? R - 1.0 : 1.0);
    double d = a->sigmas * sqrt(var) + 3.0;
    double first = floor(r * n / R - d), last = ceil((r + 1.0) * n / R + d);
    double base = (double)(a->lt[b] + a->eq_lo[b]);   /* the rank of x[0] */
    double old_lo = a->lo[b], old_hi = a->hi[b], lo = old_lo, hi = old_hi;
    /* the kept values' ranks first and last: selection, not a sort */
    if (first >= base + (double)m)
        lo = old_hi;
    else if (first > base)
        lo = gsl_stats_select(x, 1, m, (size_t)(first - base));
    if (last < base)
        hi = old_lo;
    else if (last < base + (double)m - 1.0)
        hi = gsl_stats_select(x, 1, m, (size_t)(last - base));
    if (hi < lo)
        hi = lo;   /* an empty window: a miss, shown at the end */
    uint64_t at_lo = a->eq_lo[b], at_hi = a->eq_hi[b];
    a->eq_lo[b] = a->eq_hi[b] = 0;
    count(a, b, place(old_lo, lo, hi), at_lo);
    count(a, b, place(old_hi, lo, hi), at_hi);
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        int p = place(x[i], lo, hi);
        if (p == INSIDE)
            x[w++] = x[i];
        else
            count(a, b, p, 1);
    }
    a->kept[b] = w;
    a->lo[b] = lo;
    a->hi[b] = hi;
    return w < a->cap[k];
}

typedef struct {
    ts_agg1 *a;
    const ts_run *run;
    size_t chunk;   /* columns a task */
    atomic_int lost;
} add_ctx;

/* Counts row[j] < lo[j] into lt[j] for j in [g0, g1) (at most 32) and
 * returns a bit for each j whose value lies inside [lo[j], hi[j]]. With
 * SSE2 (every x86-64) two columns a comparison and no branch: which side of
 * lo a value falls on is a coin toss, and branches on it cost more than the
 * rest of the count. */
static unsigned outside(const double *row, const double *lo, const double *hi, uint64_t *lt,
                        size_t g0, size_t g1)
{
    unsigned in = 0;
    size_t j = g0;
#ifdef __SSE2__
    for (; j + 2 <= g1; j += 2) {
        __m128d v = _mm_loadu_pd(row + j), l = _mm_loadu_pd(lo + j), h = _mm_loadu_pd(hi + j);
        __m128d below = _mm_cmplt_pd(v, l), out = _mm_or_pd(below, _mm_cmpgt_pd(v, h));
        __m128i n = _mm_loadu_si128((const __m128i *)(lt + j));
        _mm_storeu_si128((__m128i *)(lt + j), _mm_sub_epi64(n, _mm_castpd_si128(below)));
        in |= (unsigned)(~_mm_movemask_pd(out) & 3) << (j - g0);
    }
#endif
    for (; j < g1; j++) {
        lt[j] += row[j] < lo[j];
        in |= (unsigned)((row[j] >= lo[j]) & (row[j] <= hi[j])) << (j - g0);
    }
    return in;
}

/* Columns j0..j1 of the block's rows, row after row: each row's stretch of
 * columns is read in order (a column at a time down the rows would stride
 * pages and wait on memory at every row), the columns' brackets stay in
 * cache. */
static ts_status add_task(void *ctx, void *local, long task, ts_error *err)
{
    (void)local;
    (void)err;
    add_ctx *c = ctx;
    ts_agg1 *a = c->a;
    const ts_run *run = c->run;
    size_t TC = a->TC, j0 = (size_t)task * c->chunk;
    size_t j1 = j0 + c->chunk < TC ? j0 + c->chunk : TC;
    for (size_t i = 0; i < (size_t)run->n; i++) {
        const double *row = run->traj + i * TC;
        size_t seen = (size_t)run->k0 + i + 1;
        for (size_t g0 = j0; g0 < j1; g0 += GROUP) {
            size_t g1 = g0 + GROUP < j1 ? g0 + GROUP : j1;
            for (int k = 0; k < N_PROBS; k++) {
                size_t kb = (size_t)k * TC;
                unsigned in = outside(row, a->lo + kb, a->hi + kb, a->lt + kb, g0, g1);
                for (size_t j = g0; in; j++, in >>= 1) {
                    if (!(in & 1))
                        continue;
                    double v = row[j];
                    size_t b = kb + j;
                    if (v == a->lo[b]) {
                        a->eq_lo[b]++;
                    } else if (v == a->hi[b]) {
                        a->eq_hi[b]++;   /* lo < hi here */
                    } else {
                        a->room[j * a->stride + a->off[k] + a->kept[b]++] = v;
                        if (a->kept[b] == a->cap[k] && !narrow(a, k, j, seen)) {
                            atomic_store(&c->lost, 1);
                            return TS_OK;
                        }
                    }
                }
            }
        }
    }
    return TS_OK;
}

ts_status ts_agg1_add(ts_agg1 *a, const ts_run *run, int threads, ts_error *err)
{
    if (a->lost)
        return TS_OK;
    /* a few tasks a thread, each a long stretch of every row: which thread
     * takes a column changes nothing of its result */
    size_t tasks = 4 * (size_t)ts_threads(threads), chunk = (a->TC + tasks - 1) / tasks;
    chunk = (chunk + GROUP - 1) / GROUP * GROUP;
    add_ctx c = {.a = a, .run = run, .chunk = chunk};
    atomic_init(&c.lost, 0);
    ts_pool_job job = {.threads = threads,
                       .n_tasks = (long)((a->TC + chunk - 1) / chunk),
                       .ctx = &c,
                       .task = add_task};
    ts_status s = ts_pool_run(&job, err);
    a->lost = a->lost || atomic_load(&c.lost);
    return s;
}

/* The value of rank r of bracket (k, j) among all R, or false when the
 * bracket does not hold it. x: the bracket's kept values (reordered). */
static bool rank_value(const ts_agg1 *a, size_t b, double *x, size_t r, double *v)
{
    if (r < a->lt[b])
        return false;
    r -= a->lt[b];
    if (r < a->eq_lo[b]) {
        *v = a->lo[b];
        return true;
    }
    r -= a->eq_lo[b];
    if (r < a->kept[b]) {
        *v = gsl_stats_select(x, 1, a->kept[b], r);
        return true;
    }
    r -= a->kept[b];
    if (r < a->eq_hi[b]) {
        *v = a->hi[b];
        return true;
    }
    return false;
}

bool ts_agg1_finish(ts_agg1 *a, double *stats)
{
    if (a->lost)
        return false;
    size_t n = (size_t)a->R, TC = a->TC;
    for (size_t j = 0; j < TC; j++)
        for (int k = 0; k < N_PROBS; k++) {
            size_t b = (size_t)k * TC + j;
            double *x = a->room + j * a->stride + a->off[k];
            double v0 = 0.0, v1 = 0.0;
            if (!rank_value(a, b, x, a->rank[k], &v0) ||
                (a->rank[k] + 1 < n && !rank_value(a, b, x, a->rank[k] + 1, &v1)))
                return false;
            stats[j * 4 + 1 + (size_t)k] = ts_agg_type7(probs[k], n, v0, v1);
        }
    return true;
}
