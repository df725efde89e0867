/* Tests of the statistics module against figures computed by hand from the
 * textbook formulas, with the table values they use quoted in comments.
 * Tolerances: 1e-4 where the expected value is quoted to 4 decimals, 1e-9
 * where it is exact arithmetic, 1e-12 where the reference was computed to
 * 30 digits (mpmath). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tradesim/stats.h"

static void test_quantiles_type7(void **state)
{
    (void)state;
    /* sorted: 1 1 2 3 4 5 6 9; type 7: h = (n-1)p, x[floor h] + frac(h) * gap.
     * p=.25: h=1.75 -> 1 + .75*(2-1) = 1.75; p=.5: h=3.5 -> 3.5; p=.9: h=6.3 ->
     * 6 + .3*3 = 6.9; p=0 and 1 are the extremes. */
    double x[] = {3, 1, 4, 1, 5, 9, 2, 6};
    const double probs[] = {0.0, 0.25, 0.5, 0.9, 1.0};
    double q[5];
    ts_stats_quantiles(x, 8, probs, 5, q);
    assert_float_equal(q[0], 1.0, 1e-12);
    assert_float_equal(q[1], 1.75, 1e-12);
    assert_float_equal(q[2], 3.5, 1e-12);
    assert_float_equal(q[3], 6.9, 1e-12);
    assert_float_equal(q[4], 9.0, 1e-12);
    assert_float_equal(x[0], 1.0, 0.0); /* sorted in place, as documented */
    assert_float_equal(x[7], 9.0, 0.0);

    double one[] = {42.0};
    ts_stats_quantiles(one, 1, probs, 5, q);
    for (int k = 0; k < 5; k++)
        assert_float_equal(q[k], 42.0, 0.0);
}

static void test_mean_sd(void **state)
{
    (void)state;
    /* 2 4 4 4 5 5 7 9: mean 5, sum of squares 32, sample sd sqrt(32/7). */
    const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    double m, sd;
    ts_stats_mean_sd(x, 8, &m, &sd);
    assert_float_equal(m, 5.0, 1e-12);
    assert_float_equal(sd, sqrt(32.0 / 7.0), 1e-12);
    ts_stats_mean_sd(x, 1, &m, &sd);
    assert_float_equal(m, 2.0, 0.0);
    assert_float_equal(sd, 0.0, 0.0);
    ts_stats_mean_sd(x, 0, &m, &sd);
    assert_true(isnan(m));
    assert_float_equal(sd, 0.0, 0.0);
}

static void test_wilson(void **state)
{
    (void)state;
    double lo, hi;
    /* 7/10 at 95% (z = 1.959964): centre (0.7 + z^2/20)/(1 + z^2/10) = 0.64448,
     * half z*sqrt(0.021 + z^2/400)/(1 + z^2/10) = 0.24771 -> [0.3968, 0.8922]. */
    ts_stats_wilson(7, 10, 0.95, &lo, &hi);
    assert_float_equal(lo, 0.3968, 1e-4);
    assert_float_equal(hi, 0.8922, 1e-4);
    /* 0/10: lower bound 0, upper z^2/10 / (1 + z^2/10) = 0.2775. */
    ts_stats_wilson(0, 10, 0.95, &lo, &hi);
    assert_float_equal(lo, 0.0, 1e-12);
    assert_float_equal(hi, 0.2775, 1e-4);
    /* Symmetry: 10/10 mirrors 0/10. */
    ts_stats_wilson(10, 10, 0.95, &lo, &hi);
    assert_float_equal(lo, 1.0 - 0.2775, 1e-4);
    assert_float_equal(hi, 1.0, 1e-12);
    /* 50/100 at 99% (z = 2.575829, z^2 = 6.634897): centre 0.5, half
     * z*sqrt(.0025 + z^2/40000) / (1 + z^2/100) = 0.132997/1.066349 = 0.124722
     * -> [0.3753, 0.6247]. */
    ts_stats_wilson(50, 100, 0.99, &lo, &hi);
    assert_float_equal(lo, 0.3753, 1e-4);
    assert_float_equal(hi, 0.6247, 1e-4);
    ts_stats_wilson(0, 0, 0.95, &lo, &hi);
    assert_float_equal(lo, 0.0, 0.0);
    assert_float_equal(hi, 1.0, 0.0);
    /* The bounds at k = 0 and k = n are exactly 0 and 1, not a rounding
     * residue (centre - half once gave 2.17e-19 for 0 of 1000). */
    static const size_t ns[] = {1, 3, 7, 10, 100, 1000, 12345};
    for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
        ts_stats_wilson(0, ns[j], 0.95, &lo, &hi);
        assert_true(lo == 0.0);
        assert_true(hi > 0.0 && hi < 1.0);
        ts_stats_wilson(ns[j], ns[j], 0.95, &lo, &hi);
        assert_true(hi == 1.0);
        assert_true(lo > 0.0 && lo < 1.0);
    }
}

static void test_mean_ci(void **state)
{
    (void)state;
    /* 1..5: mean 3, sd sqrt(2.5); t(0.975, 4) = 2.776445 (standard t table):
     * half = 2.776445 * 1.581139 / sqrt 5 = 1.96324 -> [1.0368, 4.9632]. */
    const double x[] = {1, 2, 3, 4, 5};
    double m, lo, hi;
    ts_stats_mean_ci(x, 5, 0.95, &m, &lo, &hi);
    assert_float_equal(m, 3.0, 1e-12);
    assert_float_equal(lo, 1.0368, 1e-4);
    assert_float_equal(hi, 4.9632, 1e-4);
    ts_stats_mean_ci(x, 1, 0.95, &m, &lo, &hi);
    assert_float_equal(lo, 1.0, 0.0);
    assert_float_equal(hi, 1.0, 0.0);
}

static void test_welch(void **state)
{
    (void)state;
    double d, lo, hi;
    /* Equal n = 10 and sd = 1: df = 2(n-1) = 18, t(0.975, 18) = 2.100922,
     * se = sqrt(0.2) -> half 0.939561; diff = 1.5 - 1 = 0.5. */
    ts_stats_welch(1.0, 1.0, 10, 1.5, 1.0, 10, 0.95, &d, &lo, &hi);
    assert_float_equal(d, 0.5, 1e-12);
    assert_float_equal(lo, 0.5 - 0.939561, 1e-5);
    assert_float_equal(hi, 0.5 + 0.939561, 1e-5);
    /* Unequal: a (10, sd 2, n 10), b (12, sd 3, n 15): va = .4, vb = .6, se = 1,
     * df = 1/(.16/9 + .36/14) = 22.993; t(0.975, 22.993) = 2.06866 (between
     * the table's 2.073873 at 22 and 2.068658 at 23) -> [-0.0687, 4.0687]. */
    ts_stats_welch(10.0, 2.0, 10, 12.0, 3.0, 15, 0.95, &d, &lo, &hi);
    assert_float_equal(d, 2.0, 1e-12);
    assert_float_equal(lo, -0.0687, 1e-4);
    assert_float_equal(hi, 4.0687, 1e-4);
    /* Both constant: the difference is known exactly. */
    ts_stats_welch(1.0, 0.0, 5, 2.0, 0.0, 5, 0.95, &d, &lo, &hi);
    assert_float_equal(lo, 1.0, 0.0);
    assert_float_equal(hi, 1.0, 0.0);
    /* No value on a side: no difference either. */
    ts_stats_welch(1.0, 0.5, 10, 0.0, 0.0, 0, 0.95, &d, &lo, &hi);
    assert_true(isnan(d) && isnan(lo) && isnan(hi));
    ts_stats_welch(0.0, 0.0, 0, 1.0, 0.5, 10, 0.95, &d, &lo, &hi);
    assert_true(isnan(d) && isnan(lo) && isnan(hi));
    /* One value on a side: no variance estimate, no interval. */
    ts_stats_welch(1.0, 0.0, 1, 2.0, 1.0, 5, 0.95, &d, &lo, &hi);
    assert_float_equal(d, 1.0, 0.0);
    assert_true(isnan(lo) && isnan(hi));
}

static void test_two_prop(void **state)
{
    (void)state;
    double d, lo, hi;
    /* 30/100 vs 45/100: diff .15, se = sqrt(.21/100 + .2475/100) = 0.067639,
     * half = 1.959964 * se = 0.132570 -> [0.0174, 0.2826]. */
    ts_stats_two_prop(30, 100, 45, 100, 0.95, &d, &lo, &hi);
    assert_float_equal(d, 0.15, 1e-12);
    assert_float_equal(lo, 0.0174, 1e-4);
    assert_float_equal(hi, 0.2826, 1e-4);
    /* Sign follows b - a. */
    ts_stats_two_prop(45, 100, 30, 100, 0.95, &d, &lo, &hi);
    assert_float_equal(d, -0.15, 1e-12);
    assert_float_equal(hi, -0.0174, 1e-4);
    ts_stats_two_prop(0, 0, 3, 10, 0.95, &d, &lo, &hi);
    assert_true(isnan(d) && isnan(lo) && isnan(hi));
}

/* Paired differences with a variance known by hand: b_k = a_k + 2 + e_k with
 * e = +1, -1, +1, ... over n = 10 pairs, so d = 2, the sum of squares about
 * it is 10, sd² = 10/9 and se = sqrt(10/9/10) = 1/3 exactly; t(0.975, 9) =
 * 2.2621571627982055 (30-digit inversion of Student's t, mpmath) gives
 * 2 ∓ t/3. The a_k spread widely (0, 7, 14, ...), which Welch's interval would
 * count and pairing removes. */
static void test_paired(void **state)
{
    (void)state;
    double a[10], b[10], d, lo, hi;
    for (int k = 0; k < 10; k++) {
        a[k] = 7.0 * k;
        b[k] = a[k] + 2.0 + (k % 2 ? -1.0 : 1.0);
    }
    ts_stats_paired(a, b, 10, 0.95, &d, &lo, &hi);
    assert_float_equal(d, 2.0, 1e-12);
    assert_float_equal(lo, 1.24594761240059815, 1e-12);
    assert_float_equal(hi, 2.75405238759940185, 1e-12);
    /* Reversed pairs: the same interval mirrored. */
    ts_stats_paired(b, a, 10, 0.95, &d, &lo, &hi);
    assert_float_equal(lo, -2.75405238759940185, 1e-12);
    assert_float_equal(hi, -1.24594761240059815, 1e-12);
    /* Welch on the same columns is far wider: both sd ~ 21, se ~ 9.6. */
    double ma, sa, mb, sb, wd, wlo, whi;
    ts_stats_mean_sd(a, 10, &ma, &sa);
    ts_stats_mean_sd(b, 10, &mb, &sb);
    ts_stats_welch(ma, sa, 10, mb, sb, 10, 0.95, &wd, &wlo, &whi);
    assert_true(whi - wlo > 10.0 * (hi - lo));
    /* A constant difference is known exactly; one pair has no variance; no
     * pair has no difference. */
    ts_stats_paired(a, a, 10, 0.95, &d, &lo, &hi);
    assert_true(d == 0.0 && lo == 0.0 && hi == 0.0);
    ts_stats_paired(a, b, 1, 0.95, &d, &lo, &hi);
    assert_float_equal(d, 3.0, 0.0);
    assert_true(isnan(lo) && isnan(hi));
    ts_stats_paired(a, b, 0, 0.95, &d, &lo, &hi);
    assert_true(isnan(d) && isnan(lo) && isnan(hi));
}

/* Paired proportions: 100 pairs, 10 with a deal in a only and 20 in b only:
 * d = 0.1, mean of d_k² = 0.3, variance 0.3 - 0.01 = 0.29, se = sqrt(0.0029);
 * z = 1.9599639845400542 -> [-0.00554729072796215, 0.20554729072796215]
 * (30-digit arithmetic, mpmath). */
static void test_paired_prop(void **state)
{
    (void)state;
    double d, lo, hi;
    ts_stats_paired_prop(10, 20, 100, 0.95, &d, &lo, &hi);
    assert_float_equal(d, 0.1, 1e-12);
    assert_float_equal(lo, -0.00554729072796215208, 1e-12);
    assert_float_equal(hi, 0.20554729072796215208, 1e-12);
    /* Every pair moved the same way: d = 1 exactly, no variance left. */
    ts_stats_paired_prop(0, 50, 50, 0.95, &d, &lo, &hi);
    assert_true(d == 1.0 && lo == 1.0 && hi == 1.0);
    /* No pair moved: nothing changed. */
    ts_stats_paired_prop(0, 0, 50, 0.95, &d, &lo, &hi);
    assert_true(d == 0.0 && lo == 0.0 && hi == 0.0);
    ts_stats_paired_prop(0, 0, 0, 0.95, &d, &lo, &hi);
    assert_true(isnan(d) && isnan(lo) && isnan(hi));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles_type7), cmocka_unit_test(test_mean_sd),
        cmocka_unit_test(test_wilson),          cmocka_unit_test(test_mean_ci),
        cmocka_unit_test(test_welch),           cmocka_unit_test(test_two_prop),
        cmocka_unit_test(test_paired),          cmocka_unit_test(test_paired_prop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
