/* Times the experiments' numerics (design.h, sensitivity.h, prim.h, cart.h)
 * at sizes an experiment or a large plain run reaches: designs, Sobol and
 * Morris indices with 1000 bootstrap resamples, given-data indices and
 * scenario discovery on 100,000 points of 10 factors. Prints one line per
 * figure; nothing is asserted (docs/performance.md).
 * Usage: bench_sensitivity [N_POINTS] */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>

#include "benchutil.h"
#include "tradesim/cart.h"
#include "tradesim/design.h"
#include "tradesim/prim.h"
#include "tradesim/sensitivity.h"

/* A smooth test output with interactions (Ishigami on the first three). */
static double model(const double *u)
{
    double x1 = -M_PI + 2 * M_PI * u[0], x2 = -M_PI + 2 * M_PI * u[1], x3 = -M_PI + 2 * M_PI * u[2];
    return sin(x1) + 7 * sin(x2) * sin(x2) + 0.1 * pow(x3, 4) * sin(x1) + u[3] * u[4];
}

static void check(ts_status s, const ts_error *err)
{
    if (s != TS_OK) {
        fprintf(stderr, "bench_sensitivity: %s\n", err->msg);
        exit(3);
    }
}

static double *outputs(const ts_design *d)
{
    double *y = malloc(d->n * sizeof *y);
    if (!y)
        exit(3);
    for (size_t j = 0; j < d->n; j++)
        y[j] = model(d->u + j * d->k);
    return y;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, k = 10;
    ts_error err;
    ts_boot_options boot = ts_boot_defaults();
    double t;

    ts_design sal, mor, lhs;
    t = bench_now();
    check(ts_design_saltelli(8192, 20, 1, &sal, &err), &err);
    printf("sobol design, N = 8192, k = 20 (180,224 points): %.3f s\n", bench_now() - t);
    t = bench_now();
    check(ts_design_morris_spread(20, 200, k, 4, 1, &mor, &err), &err);
    printf("morris design, 20 of 200 trajectories, k = %zu: %.3f s\n", k, bench_now() - t);
    t = bench_now();
    check(ts_design_lhs(n, k, 1, &lhs, &err), &err);
    printf("lhs design, n = %zu, k = %zu: %.3f s\n", n, k, bench_now() - t);

    ts_estimate e1[20], e2[20], e3[20];
    double *ys = outputs(&sal);
    t = bench_now();
    check(ts_sobol_indices(ys, 8192, 20, &boot, e1, e2, NULL, &err), &err);
    printf("sobol indices, N = 8192, k = 20, 1000 resamples: %.3f s\n", bench_now() - t);
    double *ym = outputs(&mor);
    t = bench_now();
    check(ts_morris_indices(&mor, ym, &boot, e1, e2, e3, &err), &err);
    printf("morris indices, 20 trajectories, 1000 resamples: %.3f s\n", bench_now() - t);

    double *y = outputs(&lhs);
    t = bench_now();
    check(ts_given_first_order(lhs.u, y, n, k, &boot, e1, &err), &err);
    printf("given-data S1, n = %zu, k = %zu, 1000 resamples: %.3f s\n", n, k, bench_now() - t);
    t = bench_now();
    check(ts_prcc(lhs.u, y, n, k, 0.95, e1, &err), &err);
    printf("prcc, n = %zu, k = %zu: %.3f s\n", n, k, bench_now() - t);

    bool *cond = malloc(n * sizeof *cond);
    if (!cond)
        return 3;
    for (size_t j = 0; j < n; j++)
        cond[j] = y[j] > 8.0;
    ts_prim_result pr;
    t = bench_now();
    check(ts_prim(lhs.u, cond, n, k, NULL, &pr, &err), &err);
    printf("prim, n = %zu, k = %zu, %d boxes: %.3f s\n", n, k, pr.n_boxes, bench_now() - t);
    ts_cart_result cr;
    t = bench_now();
    check(ts_cart(lhs.u, cond, n, k, NULL, &cr, &err), &err);
    printf("cart, n = %zu, k = %zu, depth 4, %d leaves: %.3f s\n", n, k, cr.n_leaves,
           bench_now() - t);

    ts_prim_free(&pr);
    ts_cart_free(&cr);
    free(cond);
    free(y);
    free(ym);
    free(ys);
    ts_design_free(&sal);
    ts_design_free(&mor);
    ts_design_free(&lhs);
    return 0;
}
