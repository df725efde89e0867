/* CART for scenario discovery (cart.h): a Gini tree grown depth first, its
 * leaves reported as boxes.
 *
 * A node is a segment of one index array; a split partitions the segment in
 * place. Choices depend on values only (splits lie between distinct values,
 * counts are order-free), so the tree does not depend on the order of the
 * points. Minimising the weighted Gini impurity of the two sides is
 * maximising c_l^2 / n_l + c_r^2 / n_r (c cases, n points). */
#include "tradesim/cart.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>

#include "prim_impl.h"

typedef struct {
    const double *x;
    const bool *y;
    size_t n, k, min_leaf;
    int max_depth;
    ts_box_frame frame;
    size_t *idx;           /* the points, nodes as segments */
    size_t *ord;           /* scratch of n */
    double *col;           /* scratch of n */
    double *lo, *hi;       /* the current node's box */
    ts_cart_result *res;
    int cap;
} cart_ctx;

/* A candidate split: factor, the last low-side value and first high-side
 * value, the low side's points and cases, its score. */
typedef struct {
    bool ok;
    size_t factor, n_low, c_low;
    double low_max, high_min, score;
} cart_split;

ts_cart_options ts_cart_defaults(void)
{
    return (ts_cart_options){.max_depth = 4, .min_mass = 0.05};
}

void ts_cart_free(ts_cart_result *res)
{
    if (!res)
        return;
    for (int l = 0; l < res->n_leaves; l++)
        ts_prim_box_free(&res->leaves[l]);
    free(res->leaves);
    free(res->depth);
    *res = (ts_cart_result){0};
}

/* The best split of factor j on the segment seg[0..nb-1] with `cases`. */
static void split_factor(cart_ctx *c, const size_t *seg, size_t nb, size_t cases, size_t j,
                         cart_split *best)
{
    for (size_t t = 0; t < nb; t++)
        c->col[t] = c->x[seg[t] * c->k + j];
    gsl_sort_index(c->ord, c->col, 1, nb);
    size_t cl = 0;
    for (size_t t = 0; t + 1 < nb; t++) {
        cl += c->y[seg[c->ord[t]]];
        size_t nl = t + 1, nr = nb - nl, cr = cases - cl;
        double a = c->col[c->ord[t]], b = c->col[c->ord[t + 1]];
        if (a == b || nl < c->min_leaf || nr < c->min_leaf)
            continue;
        if ((uint64_t)cl * nr == (uint64_t)cr * nl)
            continue; /* the same share both sides: no gain */
        double score = (double)cl * (double)cl / (double)nl + (double)cr * (double)cr / (double)nr;
        if (!best->ok || score > best->score)
            *best = (cart_split){.ok = true, .factor = j, .n_low = nl, .c_low = cl,
                                 .low_max = a, .high_min = b, .score = score};
    }
}

static ts_status add_leaf(cart_ctx *c, size_t nb, size_t cases, int depth, ts_error *err)
{
    ts_cart_result *r = c->res;
    if (r->n_leaves == c->cap) {
        int nc = c->cap ? 2 * c->cap : 16;
        ts_prim_box *l = realloc(r->leaves, (size_t)nc * sizeof *l);
        if (!l)
            return ts_error_set(err, TS_EIO, "cart: out of memory");
        r->leaves = l;
        int *d = realloc(r->depth, (size_t)nc * sizeof *d);
        if (!d)
            return ts_error_set(err, TS_EIO, "cart: out of memory");
        r->depth = d;
        c->cap = nc;
    }
    if (!ts_prim_box_set(&r->leaves[r->n_leaves], &c->frame, c->lo, c->hi, nb, cases))
        return ts_error_set(err, TS_EIO, "cart: out of memory");
    r->depth[r->n_leaves++] = depth;
    return TS_OK;
}

/* Grows the node seg[0..nb-1] (its box in c->lo/hi, restored on return). */
static ts_status grow(cart_ctx *c, size_t *seg, size_t nb, int depth, ts_error *err)
{
    size_t cases = 0;
    for (size_t t = 0; t < nb; t++)
        cases += c->y[seg[t]];
    cart_split best = {.ok = false};
    if (depth < c->max_depth && cases > 0 && cases < nb && nb >= 2 * c->min_leaf)
        for (size_t j = 0; j < c->k; j++)
            split_factor(c, seg, nb, cases, j, &best);
    if (!best.ok)
        return add_leaf(c, nb, cases, depth, err);
    /* Low side first in the segment (order within a side does not matter). */
    size_t j = best.factor, m = 0;
    for (size_t t = 0; t < nb; t++)
        if (c->x[seg[t] * c->k + j] <= best.low_max) {
            size_t tmp = seg[m];
            seg[m++] = seg[t];
            seg[t] = tmp;
        }
    double lo = c->lo[j], hi = c->hi[j];
    c->hi[j] = best.low_max;
    ts_status st = grow(c, seg, m, depth + 1, err);
    c->hi[j] = hi;
    if (st != TS_OK)
        return st;
    c->lo[j] = best.high_min;
    st = grow(c, seg + m, nb - m, depth + 1, err);
    c->lo[j] = lo;
    return st;
}

/* Densest first, then larger, then the order found (left before right). */
static int leaf_order(const void *pa, const void *pb)
{
    const ts_prim_box *a = *(const ts_prim_box *const *)pa, *b = *(const ts_prim_box *const *)pb;
    uint64_t da = (uint64_t)a->n_cases * b->n_points, db = (uint64_t)b->n_cases * a->n_points;
    if (da != db)
        return da > db ? -1 : 1;
    if (a->n_points != b->n_points)
        return a->n_points > b->n_points ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Sorts the leaves by leaf_order, depths along; false when out of memory. */
static bool sort_leaves(ts_cart_result *r)
{
    size_t nl = (size_t)r->n_leaves;
    const ts_prim_box **p = malloc(nl * sizeof *p);
    ts_prim_box *leaves = malloc(nl * sizeof *leaves);
    int *depth = malloc(nl * sizeof *depth);
    if (!p || !leaves || !depth) {
        free(p);
        free(leaves);
        free(depth);
        return false;
    }
    for (size_t l = 0; l < nl; l++)
        p[l] = &r->leaves[l];
    qsort(p, nl, sizeof *p, leaf_order);
    for (size_t l = 0; l < nl; l++) {
        leaves[l] = *p[l];
        depth[l] = r->depth[p[l] - r->leaves];
    }
    free(p);
    free(r->leaves);
    free(r->depth);
    r->leaves = leaves;
    r->depth = depth;
    return true;
}

static ts_status check_input(const double *x, const bool *y, size_t n, size_t k,
                             const ts_cart_options *o, ts_error *err)
{
    if (n < 2 || k < 1 || n >= ((size_t)1 << 32) || !y)
        return ts_error_set(err, TS_EBAD, "cart: needs 2 to 2^32 - 1 points and at least 1 "
                            "factor (got %zu points, %zu factors)", n, k);
    if (o->max_depth < 1 || o->max_depth > 30)
        return ts_error_set(err, TS_EBAD, "cart: depth %d must lie in 1..30", o->max_depth);
    if (!(o->min_mass > 0.0 && o->min_mass <= 0.5))
        return ts_error_set(err, TS_EBAD, "cart: minimum mass %g must lie in (0, 0.5]",
                            o->min_mass);
    for (size_t j = 0; j < n * k; j++)
        if (!isfinite(x[j]))
            return ts_error_set(err, TS_EBAD, "cart: point %zu, factor %zu is not a finite number",
                                j / k, j % k);
    return TS_OK;
}

ts_status ts_cart(const double *x, const bool *y, size_t n, size_t k, const ts_cart_options *opt,
                  ts_cart_result *out, ts_error *err)
{
    *out = (ts_cart_result){.n = n, .k = k};
    ts_cart_options o = opt ? *opt : ts_cart_defaults();
    ts_status st = check_input(x, y, n, k, &o, err);
    if (st != TS_OK)
        return st;
    size_t min_leaf = (size_t)ceil(o.min_mass * (double)n);
    cart_ctx c = {.x = x, .y = y, .n = n, .k = k, .max_depth = o.max_depth, .res = out,
                  .min_leaf = min_leaf < 1 ? 1 : min_leaf};
    c.idx = malloc(n * sizeof *c.idx);
    c.ord = malloc(n * sizeof *c.ord);
    c.col = malloc(n * sizeof *c.col);
    c.lo = malloc(4 * k * sizeof *c.lo); /* lo, hi, then the data's range */
    if (!c.idx || !c.ord || !c.col || !c.lo) {
        st = ts_error_set(err, TS_EIO, "cart: out of memory");
        goto done;
    }
    c.hi = c.lo + k;
    double *data_lo = c.lo + 2 * k, *data_hi = c.lo + 3 * k;
    for (size_t i = 0; i < k; i++)
        data_lo[i] = data_hi[i] = x[i];
    for (size_t p = 0; p < n; p++) {
        c.idx[p] = p;
        out->n_cases += y[p];
        for (size_t i = 0; i < k; i++) {
            data_lo[i] = fmin(data_lo[i], x[p * k + i]);
            data_hi[i] = fmax(data_hi[i], x[p * k + i]);
        }
    }
    memcpy(c.lo, data_lo, k * sizeof *c.lo);
    memcpy(c.hi, data_hi, k * sizeof *c.hi);
    c.frame = (ts_box_frame){.n = n, .k = k, .n_cases = out->n_cases, .data_lo = data_lo,
                             .data_hi = data_hi};
    st = grow(&c, c.idx, n, 0, err);
    if (st == TS_OK && !sort_leaves(out))
        st = ts_error_set(err, TS_EIO, "cart: out of memory");
done:
    free(c.idx);
    free(c.ord);
    free(c.col);
    free(c.lo);
    return st;
}
