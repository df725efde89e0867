/* Designs on the unit cube (design.h): Latin hypercube, Saltelli's scheme on
 * a digitally shifted Sobol sequence, Morris trajectories.
 *
 * Each design draws its random numbers from one generator seeded from the
 * caller's seed, in a fixed order, so a seed names one design on every
 * machine and thread. */
#include "tradesim/design.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>

#include "tradesim/engine.h"

gsl_rng *ts_design_rng(uint64_t seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_taus2);
    if (r)
        gsl_rng_set(r, (unsigned long)ts_splitmix64(seed));
    return r;
}

void ts_design_free(ts_design *d)
{
    if (!d)
        return;
    free(d->u);
    free(d->moved);
    free(d->step);
    *d = (ts_design){0};
}

/* Allocates out's table of n x k (n and k already checked non-zero). */
static ts_status design_alloc(ts_design *out, ts_design_kind kind, size_t n, size_t k,
                              size_t base, const char *what, ts_error *err)
{
    *out = (ts_design){.kind = kind, .n = n, .k = k, .base = base};
    if (n > SIZE_MAX / sizeof(double) / k)
        return ts_error_set(err, TS_EBAD, "%s design: %zu points of %zu factors is too large",
                            what, n, k);
    out->u = malloc(n * k * sizeof *out->u);
    if (!out->u)
        return ts_error_set(err, TS_EIO, "%s design: out of memory", what);
    return TS_OK;
}

ts_status ts_design_lhs(size_t n, size_t k, uint64_t seed, ts_design *out, ts_error *err)
{
    *out = (ts_design){0};
    if (n < 1 || k < 1)
        return ts_error_set(err, TS_EBAD, "lhs design: needs at least 1 point and 1 factor "
                            "(got %zu points, %zu factors)", n, k);
    ts_status st = design_alloc(out, TS_DESIGN_LHS, n, k, n, "lhs", err);
    if (st != TS_OK)
        return st;
    size_t *perm = malloc(n * sizeof *perm);
    gsl_rng *r = ts_design_rng(seed);
    if (!perm || !r) {
        free(perm);
        gsl_rng_free(r);
        ts_design_free(out);
        return ts_error_set(err, TS_EIO, "lhs design: out of memory");
    }
    /* Factor by factor: a permutation of the strata, then a position in each. */
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < n; j++)
            perm[j] = j;
        gsl_ran_shuffle(r, perm, n, sizeof *perm);
        for (size_t j = 0; j < n; j++) {
            /* Below 1 for any n: past 2^21 strata the sum can round up to it. */
            double u = ((double)perm[j] + gsl_rng_uniform_pos(r)) / (double)n;
            out->u[j * k + i] = u < 1.0 ? u : nextafter(1.0, 0.0);
        }
    }
    free(perm);
    gsl_rng_free(r);
    return TS_OK;
}

/* u's 32-bit binary fraction XOR mask, centred in its 2^-32 cell. GSL's Sobol
 * points are multiples of 2^-30, so the product below is an exact integer. */
static double digital_shift(double u, uint32_t mask)
{
    uint32_t bits = (uint32_t)ldexp(u, 32);
    return ldexp((double)(bits ^ mask) + 0.5, -32);
}

ts_status ts_design_saltelli(size_t n_base, size_t k, uint64_t seed, ts_design *out,
                             ts_error *err)
{
    *out = (ts_design){0};
    if (k < 1 || k > TS_SALTELLI_MAX_FACTORS)
        return ts_error_set(err, TS_EBAD, "sobol design: %zu factors; it takes 1 to %d (GSL's "
                            "Sobol sequence has %d dimensions, two per factor)",
                            k, TS_SALTELLI_MAX_FACTORS, 2 * TS_SALTELLI_MAX_FACTORS);
    if (n_base < 2 || n_base > (1u << 30))
        return ts_error_set(err, TS_EBAD, "sobol design: base size %zu; it takes 2 to 2^30",
                            n_base);
    ts_status st = design_alloc(out, TS_DESIGN_SALTELLI, n_base * (k + 2), k, n_base, "sobol", err);
    if (st != TS_OK)
        return st;
    size_t dim = 2 * k;
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)dim);
    gsl_rng *r = ts_design_rng(seed);
    if (!q || !r) {
        gsl_qrng_free(q);
        gsl_rng_free(r);
        ts_design_free(out);
        return ts_error_set(err, TS_EIO, "sobol design: out of memory");
    }
    uint32_t mask[2 * TS_SALTELLI_MAX_FACTORS];
    for (size_t d = 0; d < dim; d++)
        mask[d] = (uint32_t)gsl_rng_get(r); /* taus2 gives 32 random bits */
    double v[2 * TS_SALTELLI_MAX_FACTORS];
    for (size_t j = 0; j < n_base; j++) {
        /* GSL's sequence skips its first point, the origin; it is put back
         * so that the first 2^m rows form a net. */
        if (j == 0)
            memset(v, 0, sizeof v);
        else
            gsl_qrng_get(q, v);
        double *a = out->u + j * (k + 2) * k;
        double *b = a + (k + 1) * k;
        for (size_t i = 0; i < k; i++) {
            a[i] = digital_shift(v[i], mask[i]);
            b[i] = digital_shift(v[k + i], mask[k + i]);
        }
        for (size_t i = 0; i < k; i++) {
            double *ab = a + (1 + i) * k;
            memcpy(ab, a, k * sizeof *ab);
            ab[i] = b[i];
        }
    }
    gsl_qrng_free(q);
    gsl_rng_free(r);
    return TS_OK;
}

/* One trajectory of k + 1 rows from row t0: base levels, directions and an
 * order drawn in that order from r (perm and dir are scratch of k). */
static void morris_trajectory(ts_design *d, size_t t0, gsl_rng *r, size_t *perm, double *dir)
{
    size_t k = d->k;
    int p = d->levels;
    double delta = p / (2.0 * (p - 1));
    double *x = d->u + t0 * k;
    for (size_t i = 0; i < k; i++) {
        /* Levels 0 .. p/2 - 1 leave room for +Delta (p/2 grid steps). */
        unsigned long lvl = gsl_rng_uniform_int(r, (unsigned long)p / 2);
        x[i] = (double)lvl / (p - 1);
    }
    for (size_t i = 0; i < k; i++) {
        dir[i] = gsl_rng_uniform_int(r, 2) ? delta : -delta;
        if (dir[i] < 0)
            x[i] = (double)(lround(x[i] * (p - 1)) + p / 2) / (p - 1); /* start above */
    }
    for (size_t i = 0; i < k; i++)
        perm[i] = i;
    gsl_ran_shuffle(r, perm, k, sizeof *perm);
    d->moved[t0] = -1;
    d->step[t0] = 0.0;
    for (size_t s = 0; s < k; s++) {
        size_t i = perm[s];
        const double *prev = d->u + (t0 + s) * k;
        double *cur = d->u + (t0 + s + 1) * k;
        memcpy(cur, prev, k * sizeof *cur);
        /* On the grid by level index, so every coordinate is exactly m/(p-1). */
        long m = lround(prev[i] * (p - 1)) + (dir[i] > 0 ? p / 2 : -p / 2);
        cur[i] = (double)m / (p - 1);
        d->moved[t0 + s + 1] = (int)i;
        d->step[t0 + s + 1] = dir[i];
    }
}

ts_status ts_design_morris(size_t r, size_t k, int levels, uint64_t seed, ts_design *out,
                           ts_error *err)
{
    *out = (ts_design){0};
    if (r < 1 || k < 1)
        return ts_error_set(err, TS_EBAD, "morris design: needs at least 1 trajectory and 1 "
                            "factor (got %zu trajectories, %zu factors)", r, k);
    if (levels < 2 || levels % 2 != 0 || levels > 1000)
        return ts_error_set(err, TS_EBAD, "morris design: %d levels; it takes an even number "
                            "from 2 to 1000", levels);
    if (r > SIZE_MAX / (k + 1))
        return ts_error_set(err, TS_EBAD, "morris design: %zu trajectories is too many", r);
    ts_status st = design_alloc(out, TS_DESIGN_MORRIS, r * (k + 1), k, r, "morris", err);
    if (st != TS_OK)
        return st;
    out->levels = levels;
    out->moved = malloc(out->n * sizeof *out->moved);
    out->step = malloc(out->n * sizeof *out->step);
    size_t *perm = malloc(k * sizeof *perm);
    double *dir = malloc(k * sizeof *dir);
    gsl_rng *g = ts_design_rng(seed);
    if (!out->moved || !out->step || !perm || !dir || !g) {
        free(perm);
        free(dir);
        gsl_rng_free(g);
        ts_design_free(out);
        return ts_error_set(err, TS_EIO, "morris design: out of memory");
    }
    for (size_t t = 0; t < r; t++)
        morris_trajectory(out, t * (k + 1), g, perm, dir);
    free(perm);
    free(dir);
    gsl_rng_free(g);
    return TS_OK;
}

/* Campolongo's distance between trajectories a and b of d: the sum over
 * their points' pairs of the Euclidean distance. */
static double trajectory_distance(const ts_design *d, size_t a, size_t b)
{
    size_t k = d->k, w = k + 1;
    double sum = 0.0;
    for (size_t i = 0; i < w; i++) {
        const double *p = d->u + (a * w + i) * k;
        for (size_t j = 0; j < w; j++) {
            const double *q = d->u + (b * w + j) * k;
            double s = 0.0;
            for (size_t z = 0; z < k; z++)
                s += (p[z] - q[z]) * (p[z] - q[z]);
            sum += sqrt(s);
        }
    }
    return sum;
}

/* Marks in keep the r of pool's trajectories left after removing, one at a
 * time, the one with the smallest sum of squared distances to the others
 * left (ties: the later one). d2 is scratch of M x M. */
static void spread_select(const ts_design *pool, size_t r, bool *keep, double *d2)
{
    size_t M = pool->base;
    for (size_t a = 0; a < M; a++) {
        d2[a * M + a] = 0.0;
        for (size_t b = a + 1; b < M; b++) {
            double dist = trajectory_distance(pool, a, b);
            d2[a * M + b] = d2[b * M + a] = dist * dist;
        }
    }
    double *contrib = d2 + M * M; /* M more */
    for (size_t a = 0; a < M; a++) {
        keep[a] = true;
        contrib[a] = 0.0;
        for (size_t b = 0; b < M; b++)
            contrib[a] += d2[a * M + b];
    }
    for (size_t left = M; left > r; left--) {
        size_t worst = SIZE_MAX;
        for (size_t a = 0; a < M; a++)
            if (keep[a] && (worst == SIZE_MAX || contrib[a] <= contrib[worst]))
                worst = a;
        keep[worst] = false;
        for (size_t a = 0; a < M; a++)
            contrib[a] -= d2[a * M + worst];
    }
}

ts_status ts_design_morris_spread(size_t r, size_t pool_size, size_t k, int levels,
                                  uint64_t seed, ts_design *out, ts_error *err)
{
    *out = (ts_design){0};
    if (r < 1 || k < 1)
        return ts_error_set(err, TS_EBAD, "morris design: needs at least 1 trajectory and 1 "
                            "factor (got %zu trajectories, %zu factors)", r, k);
    if (pool_size < r || pool_size > 2000)
        return ts_error_set(err, TS_EBAD, "morris design: a pool of %zu trajectories to choose "
                            "%zu from; it takes %zu to 2000", pool_size, r, r);
    ts_design pool;
    ts_status st = ts_design_morris(pool_size, k, levels, seed, &pool, err);
    if (st != TS_OK)
        return st;
    bool *keep = malloc(pool_size * sizeof *keep);
    double *d2 = malloc((pool_size + 1) * pool_size * sizeof *d2);
    if (keep && d2)
        st = design_alloc(out, TS_DESIGN_MORRIS, r * (k + 1), k, r, "morris", err);
    else
        st = ts_error_set(err, TS_EIO, "morris design: out of memory");
    if (st == TS_OK) {
        out->levels = levels;
        out->moved = malloc(out->n * sizeof *out->moved);
        out->step = malloc(out->n * sizeof *out->step);
        if (!out->moved || !out->step)
            st = ts_error_set(err, TS_EIO, "morris design: out of memory");
    }
    if (st == TS_OK) {
        spread_select(&pool, r, keep, d2);
        size_t w = k + 1, t = 0;
        for (size_t a = 0; a < pool_size; a++) {
            if (!keep[a])
                continue;
            memcpy(out->u + t * w * k, pool.u + a * w * k, w * k * sizeof *out->u);
            memcpy(out->moved + t * w, pool.moved + a * w, w * sizeof *out->moved);
            memcpy(out->step + t * w, pool.step + a * w, w * sizeof *out->step);
            t++;
        }
    } else {
        ts_design_free(out);
    }
    free(keep);
    free(d2);
    ts_design_free(&pool);
    return st;
}
