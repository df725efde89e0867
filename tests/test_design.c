/* Design tests: the Latin hypercube puts one point in each stratum of each
 * factor; the Saltelli rows are A, AB^(1..k), B with AB^(i) equal to A but in
 * column i (taken from B), and the scrambled Sobol columns keep the net
 * property; Morris trajectories stay on the grid and move each factor once
 * by +-Delta; a seed names one design; bad sizes give their one-line error. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>

#include "tradesim/design.h"

/* True when the n values of column i (stride k) have one in each of n equal
 * cells of (0,1), and none on 0 or 1. */
static bool one_per_cell(const double *u, size_t n, size_t k, size_t i)
{
    bool seen[4096] = {false};
    assert_true(n <= 4096);
    for (size_t j = 0; j < n; j++) {
        double v = u[j * k + i];
        if (!(v > 0.0 && v < 1.0))
            return false;
        size_t cell = (size_t)floor(v * (double)n);
        if (seen[cell])
            return false;
        seen[cell] = true;
    }
    return true;
}

static void test_lhs_strata(void **state)
{
    (void)state;
    ts_design d;
    ts_error err;
    assert_int_equal(ts_design_lhs(200, 6, 42, &d, &err), TS_OK);
    assert_int_equal(d.n, 200);
    assert_int_equal(d.k, 6);
    assert_int_equal(d.kind, TS_DESIGN_LHS);
    for (size_t i = 0; i < 6; i++)
        assert_true(one_per_cell(d.u, d.n, d.k, i));
    /* Strata are permuted independently: two columns are not the same order. */
    size_t same = 0;
    for (size_t j = 0; j < d.n; j++)
        same += floor(d.u[j * 6] * 200) == floor(d.u[j * 6 + 1] * 200);
    assert_true(same < 10);
    ts_design_free(&d);
    assert_null(d.u);
}

static void test_lhs_seed(void **state)
{
    (void)state;
    ts_design a, b, c;
    assert_int_equal(ts_design_lhs(50, 3, 7, &a, NULL), TS_OK);
    assert_int_equal(ts_design_lhs(50, 3, 7, &b, NULL), TS_OK);
    assert_int_equal(ts_design_lhs(50, 3, 8, &c, NULL), TS_OK);
    assert_memory_equal(a.u, b.u, 150 * sizeof(double));
    assert_memory_not_equal(a.u, c.u, 150 * sizeof(double));
    ts_design_free(&a);
    ts_design_free(&b);
    ts_design_free(&c);
}

static void test_lhs_bad(void **state)
{
    (void)state;
    ts_design d;
    ts_error err;
    assert_int_equal(ts_design_lhs(0, 3, 1, &d, &err), TS_EBAD);
    assert_string_equal(err.msg, "lhs design: needs at least 1 point and 1 factor (got 0 points, "
                                 "3 factors)");
    assert_null(d.u);
    ts_design_free(&d);
}

static void test_saltelli_structure(void **state)
{
    (void)state;
    size_t N = 256, k = 5, w = k + 2;
    ts_design d;
    assert_int_equal(ts_design_saltelli(N, k, 3, &d, NULL), TS_OK);
    assert_int_equal(d.n, N * w);
    assert_int_equal(d.base, N);
    for (size_t j = 0; j < N; j++) {
        const double *a = d.u + j * w * k, *b = a + (k + 1) * k;
        for (size_t i = 0; i < k; i++) {
            assert_true(a[i] > 0.0 && a[i] < 1.0);
            assert_true(b[i] > 0.0 && b[i] < 1.0);
            assert_true(a[i] != b[i]);
            const double *ab = a + (1 + i) * k;
            for (size_t c = 0; c < k; c++)
                assert_true(ab[c] == (c == i ? b[c] : a[c]));
        }
    }
    /* A and B gathered: each of the 2k columns of the first N = 2^8 rows has
     * one point in each of N cells (the shifted sequence is still a net). */
    double ab[256 * 10];
    for (size_t j = 0; j < N; j++)
        for (size_t i = 0; i < k; i++) {
            ab[j * 2 * k + i] = d.u[j * w * k + i];
            ab[j * 2 * k + k + i] = d.u[(j * w + k + 1) * k + i];
        }
    for (size_t i = 0; i < 2 * k; i++)
        assert_true(one_per_cell(ab, N, 2 * k, i));
    /* And in two dimensions: 16 x 16 cells of the first two columns, one each. */
    int cells[16][16] = {{0}};
    for (size_t j = 0; j < N; j++)
        cells[(int)(ab[j * 2 * k] * 16)][(int)(ab[j * 2 * k + 1] * 16)]++;
    for (int p = 0; p < 16; p++)
        for (int q = 0; q < 16; q++)
            assert_int_equal(cells[p][q], 1);
    ts_design_free(&d);
}

static void test_saltelli_seed_and_limits(void **state)
{
    (void)state;
    ts_design a, b, c;
    ts_error err;
    assert_int_equal(ts_design_saltelli(10, 2, 1, &a, NULL), TS_OK); /* not a power of two */
    assert_int_equal(ts_design_saltelli(10, 2, 1, &b, NULL), TS_OK);
    assert_int_equal(ts_design_saltelli(10, 2, 2, &c, NULL), TS_OK);
    assert_memory_equal(a.u, b.u, 40 * 2 * sizeof(double));
    assert_memory_not_equal(a.u, c.u, 40 * 2 * sizeof(double));
    ts_design_free(&a);
    ts_design_free(&b);
    ts_design_free(&c);
    assert_int_equal(ts_design_saltelli(4, 20, 1, &a, NULL), TS_OK);
    ts_design_free(&a);
    assert_int_equal(ts_design_saltelli(4, 21, 1, &a, &err), TS_EBAD);
    assert_string_equal(err.msg, "sobol design: 21 factors; it takes 1 to 20 (GSL's Sobol "
                                 "sequence has 40 dimensions, two per factor)");
    assert_int_equal(ts_design_saltelli(1, 3, 1, &a, &err), TS_EBAD);
    assert_string_equal(err.msg, "sobol design: base size 1; it takes 2 to 2^30");
}

static void test_morris_trajectories(void **state)
{
    (void)state;
    size_t r = 40, k = 6;
    int p = 4;
    double delta = 2.0 / 3.0;
    ts_design d;
    assert_int_equal(ts_design_morris(r, k, p, 11, &d, NULL), TS_OK);
    assert_int_equal(d.n, r * (k + 1));
    assert_int_equal(d.levels, p);
    size_t ups = 0;
    for (size_t t = 0; t < r; t++) {
        bool moved[6] = {false};
        assert_int_equal(d.moved[t * (k + 1)], -1);
        assert_true(d.step[t * (k + 1)] == 0.0);
        for (size_t s = 0; s <= k; s++) {
            const double *x = d.u + (t * (k + 1) + s) * k;
            for (size_t i = 0; i < k; i++) {
                double lv = x[i] * (p - 1);
                assert_true(x[i] >= 0.0 && x[i] <= 1.0 && lv == round(lv)); /* on the grid */
            }
            if (s == 0)
                continue;
            int i = d.moved[t * (k + 1) + s];
            double st = d.step[t * (k + 1) + s];
            assert_true(i >= 0 && i < (int)k && !moved[i]);
            moved[i] = true;
            assert_true(fabs(fabs(st) - delta) < 1e-15);
            ups += st > 0;
            for (size_t c = 0; c < k; c++)
                assert_true(fabs(x[c] - (x - k)[c] - (c == (size_t)i ? st : 0.0)) <= 1e-15);
        }
    }
    /* Directions are random: neither all up nor all down. */
    assert_true(ups > r * k / 4 && ups < 3 * r * k / 4);
    ts_design e;
    assert_int_equal(ts_design_morris(r, k, p, 11, &e, NULL), TS_OK);
    assert_memory_equal(d.u, e.u, d.n * k * sizeof(double));
    ts_design_free(&d);
    ts_design_free(&e);
}

static void test_morris_bad(void **state)
{
    (void)state;
    ts_design d;
    ts_error err;
    assert_int_equal(ts_design_morris(10, 3, 3, 1, &d, &err), TS_EBAD);
    assert_string_equal(err.msg, "morris design: 3 levels; it takes an even number from 2 to 1000");
    assert_int_equal(ts_design_morris(0, 3, 4, 1, &d, &err), TS_EBAD);
    assert_string_equal(err.msg, "morris design: needs at least 1 trajectory and 1 factor (got 0 "
                                 "trajectories, 3 factors)");
    /* Two levels: every factor jumps between 0 and 1. */
    assert_int_equal(ts_design_morris(3, 2, 2, 1, &d, NULL), TS_OK);
    for (size_t j = 0; j < d.n * 2; j++)
        assert_true(d.u[j] == 0.0 || d.u[j] == 1.0);
    ts_design_free(&d);
}

/* Sum over pairs of d's trajectories of the squared Campolongo distance. */
static double spread(const ts_design *d)
{
    size_t k = d->k, w = k + 1;
    double total = 0.0;
    for (size_t a = 0; a < d->base; a++)
        for (size_t b = a + 1; b < d->base; b++) {
            double sum = 0.0;
            for (size_t i = 0; i < w; i++)
                for (size_t j = 0; j < w; j++) {
                    double s = 0.0;
                    for (size_t z = 0; z < k; z++) {
                        double diff = d->u[(a * w + i) * k + z] - d->u[(b * w + j) * k + z];
                        s += diff * diff;
                    }
                    sum += sqrt(s);
                }
            total += sum * sum;
        }
    return total;
}

/* Chosen from a pool of 100, 10 trajectories are more spread out than the
 * pool's first 10 (the plain design of the same seed), still valid Morris
 * trajectories, and a seed names them. */
static void test_morris_spread(void **state)
{
    (void)state;
    size_t r = 10, k = 5, w = k + 1;
    ts_design plain, sp, again;
    ts_error err;
    assert_int_equal(ts_design_morris(r, k, 4, 21, &plain, NULL), TS_OK);
    assert_int_equal(ts_design_morris_spread(r, 100, k, 4, 21, &sp, NULL), TS_OK);
    assert_int_equal(sp.n, r * w);
    assert_int_equal(sp.base, r);
    assert_int_equal(sp.kind, TS_DESIGN_MORRIS);
    double s_plain = spread(&plain), s_sp = spread(&sp);
    print_message("spread of 10 trajectories: plain %.1f, chosen from 100 %.1f\n", s_plain, s_sp);
    assert_true(s_sp > 1.2 * s_plain);
    for (size_t t = 0; t < r; t++) {
        unsigned seen = 0;
        assert_int_equal(sp.moved[t * w], -1);
        for (size_t s = 1; s < w; s++) {
            int i = sp.moved[t * w + s];
            assert_true(i >= 0 && i < (int)k && !(seen & (1u << i)));
            seen |= 1u << i;
            const double *x = sp.u + (t * w + s) * k;
            assert_true(fabs(x[i] - (x - k)[i] - sp.step[t * w + s]) <= 1e-15);
        }
    }
    assert_int_equal(ts_design_morris_spread(r, 100, k, 4, 21, &again, NULL), TS_OK);
    assert_memory_equal(sp.u, again.u, sp.n * k * sizeof(double));
    /* A pool as large as r keeps it whole: the plain design. */
    ts_design whole;
    assert_int_equal(ts_design_morris_spread(r, r, k, 4, 21, &whole, NULL), TS_OK);
    assert_memory_equal(whole.u, plain.u, plain.n * k * sizeof(double));
    ts_design_free(&whole);
    assert_int_equal(ts_design_morris_spread(r, 5, k, 4, 21, &whole, &err), TS_EBAD);
    assert_string_equal(err.msg, "morris design: a pool of 5 trajectories to choose 10 from; it "
                                 "takes 10 to 2000");
    ts_design_free(&plain);
    ts_design_free(&sp);
    ts_design_free(&again);
    ts_design_free(&whole);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lhs_strata),          cmocka_unit_test(test_lhs_seed),
        cmocka_unit_test(test_lhs_bad),             cmocka_unit_test(test_saltelli_structure),
        cmocka_unit_test(test_saltelli_seed_and_limits),
        cmocka_unit_test(test_morris_trajectories), cmocka_unit_test(test_morris_bad),
        cmocka_unit_test(test_morris_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
