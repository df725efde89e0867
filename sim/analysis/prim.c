/* PRIM (prim.h): peeling, the choice on the trajectory, pasting, covering.
 *
 * Densities are compared as exact fractions (cases_a * points_b against
 * cases_b * points_a in 64 bits, n < 2^32), so ties are real ties and are
 * broken by the fixed rules of prim.h, never by rounding. Each peeling step
 * selects two order statistics of every factor in the box (O(k n)); each
 * pasting step scans the points in play once (O(n k)) and sorts the
 * candidates. */
#include "tradesim/prim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "prim_impl.h"

typedef struct {
    const double *x;
    const bool *y;
    size_t n, k, min_points;
    ts_prim_options o;
    ts_prim_result *res;
    bool *active;      /* in play: not in an earlier box */
    size_t *idx;       /* the current box's points */
    size_t *ord, *aux, *pts; /* scratch of n */
    double *col;       /* scratch of n */
    double *lo, *hi;   /* the current box */
} prim_ctx;

/* A peel or a paste: factor, end, new bound, points and cases it moves. */
typedef struct {
    bool ok;
    size_t factor;
    bool upper;
    double bound;
    size_t points, cases;
} prim_move;

ts_prim_options ts_prim_defaults(void)
{
    return (ts_prim_options){.peel_alpha = 0.05, .paste_alpha = 0.05, .min_mass = 0.05,
                             .threshold = 0.8, .max_boxes = 3};
}

/* a_cases / a_points > b_cases / b_points, exactly (points > 0). */
static bool denser(size_t a_cases, size_t a_points, size_t b_cases, size_t b_points)
{
    return (uint64_t)a_cases * b_points > (uint64_t)b_cases * a_points;
}

void ts_prim_box_free(ts_prim_box *b)
{
    free(b->lo); /* hi lives in the same block */
    free(b->restricted);
    *b = (ts_prim_box){0};
}

static void found_free(ts_prim_found *f)
{
    ts_prim_box_free(&f->box);
    for (size_t s = 0; s < f->n_steps; s++)
        ts_prim_box_free(&f->trajectory[s]);
    free(f->trajectory);
    *f = (ts_prim_found){0};
}

void ts_prim_free(ts_prim_result *res)
{
    if (!res)
        return;
    for (int b = 0; b < res->n_boxes; b++)
        found_free(&res->boxes[b]);
    free(res->boxes);
    free(res->data_lo);
    *res = (ts_prim_result){0};
}

bool ts_prim_box_set(ts_prim_box *b, const ts_box_frame *f, const double *lo, const double *hi,
                     size_t points, size_t cases)
{
    size_t k = f->k;
    *b = (ts_prim_box){.n_points = points, .n_cases = cases};
    b->lo = malloc(2 * k * sizeof *b->lo);
    b->restricted = malloc(k * sizeof *b->restricted);
    if (!b->lo || !b->restricted) {
        ts_prim_box_free(b);
        return false;
    }
    b->hi = b->lo + k;
    memcpy(b->lo, lo, k * sizeof *lo);
    memcpy(b->hi, hi, k * sizeof *hi);
    for (size_t i = 0; i < k; i++) {
        b->restricted[i] = lo[i] > f->data_lo[i] || hi[i] < f->data_hi[i];
        b->n_restricted += b->restricted[i];
    }
    b->mass = (double)points / (double)f->n;
    b->density = points ? (double)cases / (double)points : 0.0;
    b->coverage = f->n_cases ? (double)cases / (double)f->n_cases : 0.0;
    return true;
}

/* Fills b from the run's frame; false when out of memory. */
static bool box_set(const prim_ctx *c, ts_prim_box *b, const double *lo, const double *hi,
                    size_t points, size_t cases)
{
    ts_box_frame f = {.n = c->n, .k = c->k, .n_cases = c->res->n_cases,
                      .data_lo = c->res->data_lo, .data_hi = c->res->data_hi};
    return ts_prim_box_set(b, &f, lo, hi, points, cases);
}

/* ---- peeling -------------------------------------------------------------- */

/* The slice at one end of factor j beyond v (below it for the low end, above
 * for the high end): points and cases, and when none lies beyond v (v is the
 * extreme value) the slice of the run of values equal to v instead, bounded
 * by the nearest other value. False when the box has one value of j. */
static bool peel_slice(const prim_ctx *c, size_t nb, size_t j, bool upper, double v,
                       double *bound, size_t *points, size_t *cases)
{
    size_t beyond = 0, beyond_cases = 0, at = 0, at_cases = 0;
    double next = upper ? -INFINITY : INFINITY;
    bool has_next = false;
    for (size_t t = 0; t < nb; t++) {
        size_t p = c->idx[t];
        double xv = c->x[p * c->k + j];
        if (upper ? xv > v : xv < v) {
            beyond++;
            beyond_cases += c->y[p];
        } else if (xv == v) {
            at++;
            at_cases += c->y[p];
        } else if (upper ? xv > next : xv < next) {
            next = xv;
            has_next = true;
        }
    }
    if (beyond > 0) {
        *bound = v;
        *points = beyond;
        *cases = beyond_cases;
        return true;
    }
    if (!has_next)
        return false;
    *bound = next;
    *points = at;
    *cases = at_cases;
    return true;
}

/* The best peel of factor j's two ends on the nb points of c->idx holding
 * `cases`, into *best (kept when no better). The slice is what lies beyond
 * the m-th value from that end (m = peel_alpha nb, at least 1), found by
 * selection in O(nb): a run of equal values is kept whole, and at least one
 * value goes. */
static void peel_factor(prim_ctx *c, size_t nb, size_t cases, size_t j, prim_move *best)
{
    size_t m = (size_t)floor(c->o.peel_alpha * (double)nb);
    m = m < 1 ? 1 : m;
    if (m >= nb)
        return;
    for (size_t t = 0; t < nb; t++)
        c->col[t] = c->x[c->idx[t] * c->k + j];
    double v[2];
    v[0] = gsl_stats_select(c->col, 1, nb, m);
    v[1] = gsl_stats_select(c->col, 1, nb, nb - 1 - m);
    for (int side = 0; side < 2; side++) {
        double bound;
        size_t removed, gone;
        if (!peel_slice(c, nb, j, side == 1, v[side], &bound, &removed, &gone))
            continue;
        if (nb - removed < c->min_points)
            continue;
        size_t left = nb - removed, left_cases = cases - gone;
        bool better = !best->ok || denser(left_cases, left, best->cases, best->points) ||
                      (!denser(best->cases, best->points, left_cases, left) && left > best->points);
        if (better)
            *best = (prim_move){.ok = true, .factor = j, .upper = side == 1, .bound = bound,
                                .points = left, .cases = left_cases};
    }
}

/* Peels from the box of all points in play, recording the trajectory in f. */
static ts_status peel(prim_ctx *c, ts_prim_found *f, ts_error *err)
{
    size_t nb = 0, cases = 0, cap = 0;
    for (size_t p = 0; p < c->n; p++)
        if (c->active[p]) {
            c->idx[nb++] = p;
            cases += c->y[p];
        }
    memcpy(c->lo, c->res->data_lo, c->k * sizeof *c->lo);
    memcpy(c->hi, c->res->data_hi, c->k * sizeof *c->hi);
    f->start_density = (double)cases / (double)nb;
    for (;;) {
        if (f->n_steps == cap) {
            size_t nc = cap ? 2 * cap : 64;
            ts_prim_box *t = realloc(f->trajectory, nc * sizeof *t);
            if (!t)
                return ts_error_set(err, TS_EIO, "prim: out of memory");
            f->trajectory = t;
            cap = nc;
        }
        if (!box_set(c, &f->trajectory[f->n_steps], c->lo, c->hi, nb, cases))
            return ts_error_set(err, TS_EIO, "prim: out of memory");
        f->n_steps++;
        prim_move best = {.ok = false};
        for (size_t j = 0; j < c->k; j++)
            peel_factor(c, nb, cases, j, &best);
        if (!best.ok)
            return TS_OK;
        size_t kept = 0;
        for (size_t t = 0; t < nb; t++) {
            double v = c->x[c->idx[t] * c->k + best.factor];
            if (best.upper ? v <= best.bound : v >= best.bound)
                c->idx[kept++] = c->idx[t];
        }
        (best.upper ? c->hi : c->lo)[best.factor] = best.bound;
        nb = kept;
        cases = best.cases;
    }
}

/* The first entry denser than the start that reaches the threshold, else
 * the densest (the first of equals). Denser than the start: when the data's
 * own density reaches the threshold the whole box would otherwise be chosen
 * and the cover would end without a box. */
static size_t choose(const prim_ctx *c, const ts_prim_found *f)
{
    const ts_prim_box *start = &f->trajectory[0];
    size_t densest = 0;
    for (size_t s = 0; s < f->n_steps; s++) {
        const ts_prim_box *b = &f->trajectory[s];
        if (b->density >= c->o.threshold &&
            denser(b->n_cases, b->n_points, start->n_cases, start->n_points))
            return s;
        const ts_prim_box *d = &f->trajectory[densest];
        if (denser(b->n_cases, b->n_points, d->n_cases, d->n_points))
            densest = s;
    }
    return densest;
}

/* ---- pasting -------------------------------------------------------------- */

/* Points in play inside lo/hi into *points, *cases; those outside exactly one
 * bound into c->idx (point) and c->aux (its factor), *n_out of them. */
static void paste_scan(prim_ctx *c, size_t *points, size_t *cases, size_t *n_out)
{
    *points = *cases = *n_out = 0;
    for (size_t p = 0; p < c->n; p++) {
        if (!c->active[p])
            continue;
        const double *xp = c->x + p * c->k;
        size_t outside = 0, dim = 0;
        for (size_t i = 0; i < c->k && outside < 2; i++)
            if (xp[i] < c->lo[i] || xp[i] > c->hi[i]) {
                outside++;
                dim = i;
            }
        if (outside == 0) {
            ++*points;
            *cases += c->y[p];
        } else if (outside == 1) {
            c->idx[*n_out] = p;
            c->aux[(*n_out)++] = dim;
        }
    }
}

/* The t-th nearest of nc candidates sorted ascending by order: from the top
 * below the box (side 0), from the bottom above it. */
static size_t nearest(const size_t *order, size_t nc, int side, size_t t)
{
    return side == 0 ? order[nc - 1 - t] : order[t];
}

/* The best paste at factor j's ends given the box's points and cases; the
 * n_out single-bound outsiders are in c->idx/c->aux. */
static void paste_factor(prim_ctx *c, size_t points, size_t cases, size_t n_out, size_t j,
                         prim_move *best)
{
    size_t m = (size_t)floor(c->o.paste_alpha * (double)points);
    m = m < 1 ? 1 : m;
    for (int side = 0; side < 2; side++) {
        /* Candidates by distance from the bound: ascending values above hi,
         * descending below lo (sorted ascending and read from the end). */
        size_t nc = 0;
        for (size_t t = 0; t < n_out; t++) {
            size_t p = c->idx[t];
            double v = c->x[p * c->k + j];
            if (c->aux[t] == j && (side == 0 ? v < c->lo[j] : v > c->hi[j])) {
                c->col[nc] = v;
                c->pts[nc] = p;
                nc++;
            }
        }
        if (nc == 0)
            continue;
        gsl_sort_index(c->ord, c->col, 1, nc);
        size_t take = m < nc ? m : nc;
        while (take < nc && c->col[nearest(c->ord, nc, side, take)] ==
                                c->col[nearest(c->ord, nc, side, take - 1)])
            take++;
        size_t added = 0;
        for (size_t t = 0; t < take; t++)
            added += c->y[c->pts[nearest(c->ord, nc, side, t)]];
        double bound = c->col[nearest(c->ord, nc, side, take - 1)];
        size_t np = points + take, ncs = cases + added;
        if (denser(ncs, np, best->ok ? best->cases : cases, best->ok ? best->points : points))
            *best = (prim_move){.ok = true, .factor = j, .upper = side == 1, .bound = bound,
                                .points = np, .cases = ncs};
    }
}

/* Widens c->lo/hi (the chosen box) while a paste raises the density;
 * *points, *cases: the box's figures at the end. */
static void paste(prim_ctx *c, size_t *points, size_t *cases)
{
    size_t n_out;
    paste_scan(c, points, cases, &n_out);
    if (c->o.paste_alpha <= 0.0)
        return;
    for (;;) {
        prim_move best = {.ok = false};
        for (size_t j = 0; j < c->k; j++)
            paste_factor(c, *points, *cases, n_out, j, &best);
        if (!best.ok)
            return;
        (best.upper ? c->hi : c->lo)[best.factor] = best.bound;
        paste_scan(c, points, cases, &n_out);
    }
}

/* ---- covering ------------------------------------------------------------- */

static ts_status check_input(const double *x, const bool *y, size_t n, size_t k,
                             const ts_prim_options *o, ts_error *err)
{
    if (n < 2 || k < 1 || n >= ((size_t)1 << 32) || !y)
        return ts_error_set(err, TS_EBAD, "prim: needs 2 to 2^32 - 1 points and at least 1 "
                            "factor (got %zu points, %zu factors)", n, k);
    if (!(o->peel_alpha > 0.0 && o->peel_alpha <= 0.5))
        return ts_error_set(err, TS_EBAD, "prim: peel alpha %g must lie in (0, 0.5]",
                            o->peel_alpha);
    if (!(o->paste_alpha >= 0.0 && o->paste_alpha <= 0.5))
        return ts_error_set(err, TS_EBAD, "prim: paste alpha %g must lie in [0, 0.5]",
                            o->paste_alpha);
    if (!(o->min_mass > 0.0 && o->min_mass <= 1.0))
        return ts_error_set(err, TS_EBAD, "prim: minimum mass %g must lie in (0, 1]",
                            o->min_mass);
    if (!(o->threshold >= 0.0 && o->threshold <= 1.0))
        return ts_error_set(err, TS_EBAD, "prim: threshold %g must lie in [0, 1]", o->threshold);
    if (o->max_boxes < 1)
        return ts_error_set(err, TS_EBAD, "prim: at most %d boxes; it takes 1 or more",
                            o->max_boxes);
    for (size_t j = 0; j < n * k; j++)
        if (!isfinite(x[j]))
            return ts_error_set(err, TS_EBAD, "prim: point %zu, factor %zu is not a finite number",
                                j / k, j % k);
    return TS_OK;
}

/* Finds the next box among the points in play into res->boxes; *stop when
 * the cover is complete (nothing appended). */
static ts_status next_box(prim_ctx *c, bool *stop, ts_error *err)
{
    ts_prim_result *res = c->res;
    ts_prim_found *f = &res->boxes[res->n_boxes];
    *f = (ts_prim_found){0};
    res->n_boxes++; /* owned from here, so ts_prim_free releases a partial one */
    ts_status st = peel(c, f, err);
    if (st != TS_OK)
        return st;
    f->chosen = choose(c, f);
    const ts_prim_box *ch = &f->trajectory[f->chosen];
    memcpy(c->lo, ch->lo, c->k * sizeof *c->lo);
    memcpy(c->hi, ch->hi, c->k * sizeof *c->hi);
    size_t points, cases;
    paste(c, &points, &cases);
    if (!box_set(c, &f->box, c->lo, c->hi, points, cases))
        return ts_error_set(err, TS_EIO, "prim: out of memory");
    size_t start_points = f->trajectory[0].n_points, start_cases = f->trajectory[0].n_cases;
    if (!denser(cases, points, start_cases, start_points)) {
        /* No richer than what it was found among: not a box of the cover. */
        found_free(f);
        res->n_boxes--;
        *stop = true;
        return TS_OK;
    }
    for (size_t p = 0; p < c->n; p++) {
        if (!c->active[p])
            continue;
        const double *xp = c->x + p * c->k;
        bool inside = true;
        for (size_t i = 0; i < c->k && inside; i++)
            inside = xp[i] >= c->lo[i] && xp[i] <= c->hi[i];
        if (inside)
            c->active[p] = false;
    }
    *stop = false;
    return TS_OK;
}

ts_status ts_prim(const double *x, const bool *y, size_t n, size_t k, const ts_prim_options *opt,
                  ts_prim_result *out, ts_error *err)
{
    *out = (ts_prim_result){.n = n, .k = k};
    ts_prim_options o = opt ? *opt : ts_prim_defaults();
    ts_status st = check_input(x, y, n, k, &o, err);
    if (st != TS_OK)
        return st;
    prim_ctx c = {.x = x, .y = y, .n = n, .k = k, .o = o, .res = out,
                  .min_points = (size_t)ceil(o.min_mass * (double)n)};
    c.active = malloc(n * sizeof *c.active);
    c.idx = malloc(n * sizeof *c.idx);
    c.ord = malloc(n * sizeof *c.ord);
    c.aux = malloc(n * sizeof *c.aux);
    c.pts = malloc(n * sizeof *c.pts);
    c.col = malloc(n * sizeof *c.col);
    c.lo = malloc(2 * k * sizeof *c.lo);
    out->data_lo = malloc(2 * k * sizeof *out->data_lo);
    out->boxes = calloc((size_t)o.max_boxes, sizeof *out->boxes);
    if (!c.active || !c.idx || !c.ord || !c.aux || !c.pts || !c.col || !c.lo || !out->data_lo ||
        !out->boxes) {
        st = ts_error_set(err, TS_EIO, "prim: out of memory");
        goto done;
    }
    c.hi = c.lo + k;
    out->data_hi = out->data_lo + k;
    for (size_t i = 0; i < k; i++)
        out->data_lo[i] = out->data_hi[i] = x[i];
    for (size_t p = 0; p < n; p++) {
        c.active[p] = true;
        out->n_cases += y[p];
        for (size_t i = 0; i < k; i++) {
            out->data_lo[i] = fmin(out->data_lo[i], x[p * k + i]);
            out->data_hi[i] = fmax(out->data_hi[i], x[p * k + i]);
        }
    }
    out->mean = (double)out->n_cases / (double)n;
    bool stop = false;
    while (!stop && out->n_boxes < o.max_boxes) {
        size_t cases = 0;
        for (size_t p = 0; p < n; p++)
            cases += c.active[p] && y[p];
        if (cases == 0)
            break;
        st = next_box(&c, &stop, err);
        if (st != TS_OK)
            break;
    }
done:
    free(c.active);
    free(c.idx);
    free(c.ord);
    free(c.aux);
    free(c.pts);
    free(c.col);
    free(c.lo);
    return st;
}
