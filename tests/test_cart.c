/* CART tests: a one-factor split traced by hand, a two-factor box recovered
 * exactly from noise-free data (its bounds the nearest data values), leaves
 * that respect the minimum mass and partition the data, independence from
 * the order of the points, and bad options. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "tradesim/cart.h"

/* x = 0..9, cases at x >= 6: one split, between 5 and 6 (gain in Gini); the
 * leaves [6, 9] (density 1) then [0, 5] (density 0). */
static void test_one_split(void **state)
{
    (void)state;
    double x[10];
    bool y[10];
    for (int i = 0; i < 10; i++) {
        x[i] = i;
        y[i] = i >= 6;
    }
    ts_cart_result res;
    assert_int_equal(ts_cart(x, y, 10, 1, NULL, &res, NULL), TS_OK);
    assert_int_equal(res.n_leaves, 2);
    assert_true(res.leaves[0].lo[0] == 6 && res.leaves[0].hi[0] == 9);
    assert_true(res.leaves[0].density == 1.0 && res.leaves[0].coverage == 1.0);
    assert_true(res.leaves[0].restricted[0]);
    assert_true(res.leaves[1].lo[0] == 0 && res.leaves[1].hi[0] == 5);
    assert_true(res.leaves[1].density == 0.0 && res.leaves[1].mass == 0.6);
    assert_int_equal(res.depth[0], 1);
    ts_cart_free(&res);
}

/* n points uniform on [0,1]^3 from seed, with y = x1 > 0.7 and x2 < 0.3. */
static void box_data(size_t n, unsigned long seed, double *x, bool *y)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (size_t j = 0; j < n * 3; j++)
        x[j] = gsl_rng_uniform(r);
    gsl_rng_free(r);
    for (size_t j = 0; j < n; j++)
        y[j] = x[3 * j] > 0.7 && x[3 * j + 1] < 0.3;
}

static void test_box_exact(void **state)
{
    (void)state;
    size_t n = 3000;
    double *x = malloc(n * 3 * sizeof *x);
    bool *y = malloc(n * sizeof *y);
    box_data(n, 9, x, y);
    ts_cart_result res;
    assert_int_equal(ts_cart(x, y, n, 3, NULL, &res, NULL), TS_OK);
    const ts_prim_box *b = &res.leaves[0];
    /* The box's bounds are the nearest data values inside the condition. */
    double lo1 = 1, hi2 = 0;
    size_t cases = 0;
    for (size_t j = 0; j < n; j++)
        if (y[j]) {
            lo1 = fmin(lo1, x[3 * j]);
            hi2 = fmax(hi2, x[3 * j + 1]);
            cases++;
        }
    print_message("cart: x1 >= %.4f, x2 <= %.4f, density %.4f, coverage %.4f, %d leaves\n",
                  b->lo[0], b->hi[1], b->density, b->coverage, res.n_leaves);
    assert_true(b->density == 1.0 && b->coverage == 1.0);
    assert_int_equal(b->n_cases, cases);
    assert_true(b->lo[0] == lo1 && b->hi[1] == hi2);
    assert_true(!b->restricted[2]);
    /* Leaves partition the data and respect the minimum mass (150 points). */
    size_t total = 0;
    for (int l = 0; l < res.n_leaves; l++) {
        total += res.leaves[l].n_points;
        assert_true(res.leaves[l].n_points >= 150);
        assert_true(res.depth[l] >= 1 && res.depth[l] <= 4);
        if (l > 0)
            assert_true(res.leaves[l].density <= res.leaves[l - 1].density);
    }
    assert_int_equal(total, n);
    /* Reversed order of the points: the same leaves. */
    double *xr = malloc(n * 3 * sizeof *xr);
    bool *yr = malloc(n * sizeof *yr);
    for (size_t j = 0; j < n; j++) {
        memcpy(xr + 3 * j, x + 3 * (n - 1 - j), 3 * sizeof *xr);
        yr[j] = y[n - 1 - j];
    }
    ts_cart_result rev;
    assert_int_equal(ts_cart(xr, yr, n, 3, NULL, &rev, NULL), TS_OK);
    assert_int_equal(rev.n_leaves, res.n_leaves);
    for (int l = 0; l < res.n_leaves; l++) {
        assert_int_equal(rev.leaves[l].n_points, res.leaves[l].n_points);
        assert_memory_equal(rev.leaves[l].lo, res.leaves[l].lo, 3 * sizeof(double));
        assert_memory_equal(rev.leaves[l].hi, res.leaves[l].hi, 3 * sizeof(double));
    }
    ts_cart_free(&rev);
    ts_cart_free(&res);
    free(x);
    free(y);
    free(xr);
    free(yr);
}

static void test_bad_input(void **state)
{
    (void)state;
    double x[3] = {0, 1, 2};
    bool y[3] = {true, false, true};
    ts_cart_result res;
    ts_error err;
    ts_cart_options o = ts_cart_defaults();
    o.max_depth = 0;
    assert_int_equal(ts_cart(x, y, 3, 1, &o, &res, &err), TS_EBAD);
    assert_string_equal(err.msg, "cart: depth 0 must lie in 1..30");
    o = ts_cart_defaults();
    o.min_mass = 0.7;
    assert_int_equal(ts_cart(x, y, 3, 1, &o, &res, &err), TS_EBAD);
    assert_string_equal(err.msg, "cart: minimum mass 0.7 must lie in (0, 0.5]");
    x[1] = NAN;
    assert_int_equal(ts_cart(x, y, 3, 1, NULL, &res, &err), TS_EBAD);
    assert_string_equal(err.msg, "cart: point 1, factor 0 is not a finite number");
    ts_cart_free(&res);
    /* All cases: one leaf, the whole data. */
    x[1] = 1;
    bool all[3] = {true, true, true};
    assert_int_equal(ts_cart(x, all, 3, 1, NULL, &res, &err), TS_OK);
    assert_int_equal(res.n_leaves, 1);
    assert_int_equal(res.leaves[0].n_restricted, 0);
    ts_cart_free(&res);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_split),
        cmocka_unit_test(test_box_exact),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
