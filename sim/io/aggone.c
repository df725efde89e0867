/* Exact quantiles of a run in blocks, in one pass (see output_impl.h).
 *
 * Replicates are independent draws, so the first n of R are a random subset
 * of them: the value that will have rank r among all R has, among the first
 * n, a rank with a hypergeometric law of mean r n / R and variance
 * n (r/R)(1 - r/R)(R - n)/(R - 1), at most R p (1 - p) / 4. Each column
 * keeps, per quantile, a bracket [lo, hi] and the values strictly inside;
 * values below lo and those equal to lo or hi are only counted (those above
 * hi follow from the count seen). When the kept values reach four times
 * those the last narrowing left (64 at first), or the room, the bracket
 * narrows, at the end of the KEEP_ROWS rows that filled it, to `sigmas`
 * standard deviations (and three ranks) either side of the expected ranks,
 * which leaves at most half the room used.
 *
 * The answer never rests on that law: at the end the counts say exactly
 * whether each wanted rank lies in its bracket, and its value is then the
 * rank's among the kept ones (or lo or hi themselves). A rank outside (at
 * the default of 6, about 1e-9 a narrowing) is reported, and the run falls
 * back on the two passes of aggstream.c. The means are taken on the way, as
 * ts_means_add takes them. Memory: the room, fixed from R at the start
 * (ts_agg1_bytes), about 150 MB for a million replicates of 1,680 columns. */
#include "output_impl.h"

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "tradesim/pool.h"

#define N_PROBS TS_AGG_N_PROBS
/* a bracket's kept values that first narrow it: the first values of a run
 * need not fill the room three times over */
#define FIRST 64
#define AHEAD 16   /* rows a tile fetches ahead */
/* Rows a tile counts before it keeps the values inside them and narrows:
 * keeping calls out, which would otherwise leave the tile's registers on
 * the stack throughout its loop. A bracket's room has as many spare. */
#define KEEP_ROWS 64

static const double *const probs = ts_agg_probs;

static int widest(void);

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
    uint64_t *next;             /* [N_PROBS][TC]: kept values that narrow it */
    double *sum, *comp;         /* [TC]: the means (ts_means_add's sums) */
    double *room;               /* [TC][stride] */
    int width;                  /* columns a tile: 8, 4 or 2 (tile_8...) */
    atomic_bool lost;           /* a bracket could not narrow: fall back */
};

/* The most values a bracket of prob k can hold after narrowing, twice: a
 * narrowing frees at least half the room (thrice freed more a narrowing,
 * but the room's first touch cost more than the narrowings saved). */
static size_t room_of(double p, size_t R, double sigmas)
{
    double sd = 0.5 * sqrt((double)R * p * (1.0 - p));
    double w = 2.0 * (sigmas * sd + 4.0) + 3.0;
    size_t c = (size_t)(2.0 * ceil(w));
    return c < 64 ? 64 : c;
}

size_t ts_agg1_bytes(int R, int T, int C, double sigmas)
{
    size_t TC = (size_t)T * (size_t)C, per = 0;
    for (int k = 0; k < N_PROBS; k++)
        per += room_of(probs[k], (size_t)R, sigmas) + KEEP_ROWS;
    return TC * (per * sizeof(double) + 2 * sizeof(double) +
                 N_PROBS * (2 * sizeof(double) + 5 * sizeof(uint64_t)));
}

ts_agg1 *ts_agg1_alloc(int R, int T, int C, size_t bytes, double sigmas)
{
    if (R < 1 || T < 1 || C < 1 || !(sigmas >= 0.0) || ts_agg1_bytes(R, T, C, sigmas) > bytes)
        return NULL;
    ts_agg1 *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    atomic_init(&a->lost, false);
    a->R = R;
    a->sigmas = sigmas;
    a->TC = (size_t)T * (size_t)C;
    for (int k = 0; k < N_PROBS; k++) {
        a->rank[k] = ts_agg_lhs_rank(probs[k], (size_t)R);
        a->cap[k] = room_of(probs[k], (size_t)R, sigmas);
        a->off[k] = a->stride;
        a->stride += a->cap[k] + KEEP_ROWS;   /* the spare: a full bracket narrows after its tile's rows */
    }
    size_t n = N_PROBS * a->TC;
    a->lo = malloc(n * sizeof *a->lo);
    a->hi = malloc(n * sizeof *a->hi);
    a->lt = calloc(n, sizeof *a->lt);
    a->eq_lo = calloc(n, sizeof *a->eq_lo);
    a->eq_hi = calloc(n, sizeof *a->eq_hi);
    a->kept = calloc(n, sizeof *a->kept);
    a->next = malloc(n * sizeof *a->next);
    a->sum = calloc(a->TC, sizeof *a->sum);
    a->comp = calloc(a->TC, sizeof *a->comp);
    /* written and read at random across tens of megabytes: huge pages
     * spare a page walk a value */
    a->room = ts_store_alloc(a->TC * a->stride * sizeof *a->room);
    if (!a->lo || !a->hi || !a->lt || !a->eq_lo || !a->eq_hi || !a->kept || !a->next ||
        !a->sum || !a->comp || !a->room) {
        ts_agg1_free(a);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        a->lo[i] = -INFINITY;
        a->hi[i] = INFINITY;
        a->next[i] = FIRST < a->cap[i / a->TC] ? FIRST : a->cap[i / a->TC];
    }
    a->width = widest();
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
    free(a->next);
    free(a->sum);
    free(a->comp);
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

/* Partitions x[0..n) into the values below pivot, then the rest (NaN
 * among them); returns the first of the rest. Branch-free (Lomuto's scheme,
 * swapping always): which side a value falls on is a coin toss. */
static size_t part_below(double *x, size_t n, double pivot)
{
    size_t p = 0;
    for (size_t i = 0; i < n; i++) {
        /* a swap every time: x[p..i) are all at least pivot, so whichever
         * lands at i belongs there */
        double v = x[i];
        x[i] = x[p];
        x[p] = v;
        p += v < pivot;
    }
    return p;
}

/* The value of rank k of x[0..n), x rearranged so that the values before k
 * are at most it and those after at least it: quickselect on the median of
 * three, each round a pass for the values below the pivot and one for those
 * equal to it (ties end a round, never stall it). About five times faster
 * than gsl_stats_select, whose partition branches, on the narrowings of
 * baseline_nov2025 (scripts/bench stream). */
static double select_at(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 8) {
        double a = x[lo], b = x[lo + (hi - lo) / 2], c = x[hi - 1];
        double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        if (pivot != pivot)   /* NaN: no order to partition by */
            return gsl_stats_select(x + lo, 1, hi - lo, k - lo);
        size_t p = lo + part_below(x + lo, hi - lo, pivot);
        if (k < p) {
            hi = p;
            continue;
        }
        /* [p, hi): the pivot's ties first, then the values above */
        size_t q = p;
        for (size_t i = p; i < hi; i++) {
            double v = x[i];
            x[i] = x[q];
            x[q] = v;
            q += v <= pivot;
        }
        if (k < q)
            return pivot;
        lo = q;
    }
    for (size_t i = lo + 1; i < hi; i++)   /* a few left: insertion */
        for (size_t t = i; t > lo && x[t] < x[t - 1]; t--) {
            double v = x[t];
            x[t] = x[t - 1];
            x[t - 1] = v;
        }
    return x[k];
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
    /* the kept values' ranks first and last: selection, not a sort; the
     * second among the values from the first on */
    size_t from = 0;
    if (first >= base + (double)m) {
        lo = old_hi;
    } else if (first > base) {
        from = (size_t)(first - base);
        lo = select_at(x, m, from);
    }
    if (last < base)
        hi = old_lo;
    else if (last < base + (double)m - 1.0)
        hi = select_at(x + from, m - from, (size_t)(last - base) - from);
    if (hi < lo)
        hi = lo;   /* an empty window: a miss, shown at the end */
    uint64_t at_lo = a->eq_lo[b], at_hi = a->eq_hi[b];
    a->eq_lo[b] = a->eq_hi[b] = 0;
    count(a, b, place(old_lo, lo, hi), at_lo);
    count(a, b, place(old_hi, lo, hi), at_hi);
    /* place's counts without its branches (where a value falls is a coin
     * toss): kept strictly inside, and NaN, as place keeps it */
    size_t w = 0;
    uint64_t below = 0, eq_lo = 0, eq_hi = 0;
    for (size_t i = 0; i < m; i++) {
        double v = x[i];
        x[w] = v;
        w += !(v <= lo) & !(v >= hi);
        below += v < lo;
        eq_lo += v == lo;
        eq_hi += (v == hi) & (v != lo);
    }
    a->lt[b] += below;
    a->eq_lo[b] += eq_lo;
    a->eq_hi[b] += eq_hi;
    a->kept[b] = w;
    a->lo[b] = lo;
    a->hi[b] = hi;
    if (w >= a->cap[k])
        return false;
    /* the next narrowing frees three quarters at least, or the room */
    size_t nx = 4 * w > FIRST ? 4 * w : FIRST;
    a->next[b] = nx < a->cap[k] ? nx : a->cap[k];
    return true;
}

/* A row of a tile with values inside a bracket: its index among the rows
 * counted, and which lanes of each bracket (8 bits a bracket). */
typedef struct {
    uint32_t row, in;
} pending;
_Static_assert(N_PROBS <= 4, "a pending row holds 8 lanes of at most 4 brackets");

/* Keeps the values of a tile's KEEP_ROWS rows (or fewer) that were inside
 * their bracket, then narrows the brackets of its w columns at j.. that are
 * full, seen values in all: the counts then cover those rows exactly. */
static bool keep(ts_agg1 *a, const double *rows, const pending *pend, size_t np, size_t seen,
                 size_t j, size_t w)
{
    size_t TC = a->TC;
    for (size_t p = 0; p < np; p++) {
        const double *row = rows + pend[p].row * TC + j;
        for (int k = 0; k < N_PROBS; k++)
            for (uint32_t m = (pend[p].in >> (8 * k)) & 0xffu; m; m &= m - 1) {
                size_t l = (size_t)__builtin_ctz(m), b = (size_t)k * TC + j + l;
                double *r = a->room + (j + l) * a->stride + a->off[k] + a->kept[b]++;
                *r = row[l];
                /* the bracket's next line, last touched at its last
                 * narrowing, long out of cache */
                __builtin_prefetch(r + 8, 1);
            }
    }
    for (int k = 0; k < N_PROBS; k++)
        for (size_t l = 0; l < w; l++) {
            size_t b = (size_t)k * TC + j + l;
            if (a->kept[b] >= a->next[b] && !narrow(a, k, j + l, seen))
                return false;
        }
    return true;
}

/* The tiles, one per instruction set: the widest the processor has is taken
 * (ts_agg1_alloc), columns left over one at a time. GCC and Clang on x86-64
 * build the AVX ones. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TILE_X86 1
#include <immintrin.h>

#define TILE_W 8
#define TILE_TARGET __attribute__((target("avx512f")))
#define VD __m512d
#define VI __m512i
#define VM __mmask8
#define LD(p) _mm512_loadu_pd(p)
#define ST(p, v) _mm512_storeu_pd(p, v)
#define LDI(p) _mm512_loadu_si512((const void *)(p))
#define STI(p, v) _mm512_storeu_si512((void *)(p), v)
#define ADD _mm512_add_pd
#define SUB _mm512_sub_pd
#define ADDI _mm512_add_epi64
#define SUBI _mm512_sub_epi64
#define LT(x, y) _mm512_cmp_pd_mask(x, y, _CMP_LT_OQ)
#define LE(x, y) _mm512_cmp_pd_mask(x, y, _CMP_LE_OQ)
#define GE(x, y) _mm512_cmp_pd_mask(x, y, _CMP_GE_OQ)
#define EQ(x, y) _mm512_cmp_pd_mask(x, y, _CMP_EQ_OQ)
#define M_OR(x, y) ((VM)((x) | (y)))
#define M_ANDNOT(x, y) ((VM)(~(x) & (y)))
#define M_BITS(m) ((unsigned)(m))
#define COUNT(c, m) _mm512_mask_add_epi64(c, m, c, _mm512_set1_epi64(1))
#include "aggone_tile.h"

#define TILE_W 4
#define TILE_TARGET __attribute__((target("avx2")))
#define VD __m256d
#define VI __m256i
#define VM __m256d
#define LD(p) _mm256_loadu_pd(p)
#define ST(p, v) _mm256_storeu_pd(p, v)
#define LDI(p) _mm256_loadu_si256((const __m256i *)(p))
#define STI(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define ADD _mm256_add_pd
#define SUB _mm256_sub_pd
#define ADDI _mm256_add_epi64
#define SUBI _mm256_sub_epi64
#define LT(x, y) _mm256_cmp_pd(x, y, _CMP_LT_OQ)
#define LE(x, y) _mm256_cmp_pd(x, y, _CMP_LE_OQ)
#define GE(x, y) _mm256_cmp_pd(x, y, _CMP_GE_OQ)
#define EQ(x, y) _mm256_cmp_pd(x, y, _CMP_EQ_OQ)
#define M_OR _mm256_or_pd
#define M_ANDNOT _mm256_andnot_pd
#define M_BITS(m) ((unsigned)_mm256_movemask_pd(m))
#define COUNT(c, m) _mm256_sub_epi64(c, _mm256_castpd_si256(m))   /* a true lane is -1 */
#include "aggone_tile.h"
#endif

/* One column: plain C, anywhere. */
#define TILE_W 1
#define TILE_TARGET
#define VD double
#define VI uint64_t
#define VM unsigned
#define LD(p) (*(p))
#define ST(p, v) (*(p) = (v))
#define LDI(p) (*(p))
#define STI(p, v) (*(p) = (v))
#define ADD(x, y) ((x) + (y))
#define SUB(x, y) ((x) - (y))
#define ADDI(x, y) ((x) + (y))
#define SUBI(x, y) ((x) - (y))
#define LT(x, y) ((unsigned)((x) < (y)))
#define LE(x, y) ((unsigned)((x) <= (y)))
#define GE(x, y) ((unsigned)((x) >= (y)))
#define EQ(x, y) ((unsigned)((x) == (y)))
#define M_OR(x, y) ((x) | (y))
#define M_ANDNOT(x, y) (~(x) & (y))
#define M_BITS(m) (m)
#define COUNT(c, m) ((c) + (m))
#include "aggone_tile.h"

static int widest(void)
{
#ifdef TILE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return 8;
    if (__builtin_cpu_supports("avx2"))
        return 4;
#endif
    return 1;
}

void ts_agg1_set_width(ts_agg1 *a, int width)
{
    int w = widest();
    a->width = width == 1 || (width == 4 && w >= 4) || (width == 8 && w >= 8)
                   ? width
                   : w;
}

int ts_agg1_width(const ts_agg1 *a)
{
    return a->width;
}

static bool tile(ts_agg1 *a, int width, const double *traj, size_t n, size_t k0, size_t j)
{
#ifdef TILE_X86
    if (width == 8)
        return tile_8(a, traj, n, k0, j);
    if (width == 4)
        return tile_4(a, traj, n, k0, j);
#endif
    (void)width;
    return tile_1(a, traj, n, k0, j);
}

/* A few parts a thread, each a long stretch of every row: which thread
 * takes a column changes nothing of its result. */
long ts_agg1_parts(const ts_agg1 *a, int threads)
{
    size_t parts = 4 * (size_t)ts_threads(threads), most = (a->TC + 7) / 8;
    return (long)(parts < most ? parts : most);
}

/* Columns of part i of `parts` a tile at a time: the tile's state stays in
 * registers down the rows, and each row gives it a line or half of one (the
 * lines of a row are read by the tiles that follow, from cache). */
void ts_agg1_add_part(ts_agg1 *a, const ts_run *run, long parts, long i)
{
    if (atomic_load(&a->lost))
        return;
    size_t TC = a->TC, W = (size_t)a->width, chunk = (TC + (size_t)parts - 1) / (size_t)parts;
    chunk = (chunk + 7) / 8 * 8;
    size_t j = (size_t)i * chunk, j1 = j + chunk < TC ? j + chunk : TC;
    size_t n = (size_t)run->n, k0 = (size_t)run->k0;
    bool held = true;
    for (; held && j + W <= j1; j += W)
        held = tile(a, (int)W, run->traj, n, k0, j);
    for (; held && j < j1; j++)
        held = tile(a, 1, run->traj, n, k0, j);
    if (!held)
        atomic_store(&a->lost, true);
}

typedef struct {
    ts_agg1 *a;
    const ts_run *run;
    long parts;
} add_ctx;

static ts_status add_task(void *ctx, void *local, long i, ts_error *err)
{
    (void)local;
    (void)err;
    const add_ctx *c = ctx;
    ts_agg1_add_part(c->a, c->run, c->parts, i);
    return TS_OK;
}

ts_status ts_agg1_add(ts_agg1 *a, const ts_run *run, int threads, ts_error *err)
{
    add_ctx c = {.a = a, .run = run, .parts = ts_agg1_parts(a, threads)};
    ts_pool_job job = {.threads = threads, .n_tasks = c.parts, .ctx = &c, .task = add_task};
    return ts_pool_run(&job, err);
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
        *v = select_at(x, a->kept[b], r);
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
    if (atomic_load(&a->lost))
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
    for (size_t j = 0; j < TC; j++)
        stats[j * 4] = ts_means_get(a->sum[j], a->comp[j], n);
    return true;
}
