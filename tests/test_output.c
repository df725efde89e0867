/* Tests of the aggregates (sim/io/output.c): the selection of the ranks GSL's
 * quantile formula reads, and for large columns their bracketing from a
 * sample, must give the same bits as sorting the whole column and calling
 * gsl_stats_quantile_from_sorted_data, whatever the data: ties, NaN, n = 0,
 * 1, 2, 3, even and odd n, sorted and reversed input (except the sign of a
 * zero quantile when -0.0 and +0.0 tie: see below); the means, the bits of
 * Neumaier's compensated sum in replicate order divided by the count. And summary.csv's columns from a run filled by hand: the
 * totals against the status quo and the per-issue totals.
 *
 * quantiles() is static in output.c, so the file is compiled into this test
 * (its external definitions then satisfy the references, and the library's
 * copy of output.o is not linked in). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <float.h>
#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>

#include "../sim/io/output.c"
#include "testutil.h"

#define MAX_N 20001

/* Workspace for quantiles() at any n up to MAX_N. */
static double work[SAMPLE_MAX + BRACKET_MAX * (MAX_N / 2 + 2)];

static const double probs[3] = {0.05, 0.50, 0.95};

/* Same bits, or both NaN (a NaN's payload is not compared). */
static void assert_same(double got, double want, size_t n, int k)
{
    if (isnan(want)) {
        if (!isnan(got))
            fail_msg("n = %zu, quantile %d: %.17g, expected NaN", n, k, got);
        return;
    }
    uint64_t a, b;
    memcpy(&a, &got, sizeof a);
    memcpy(&b, &want, sizeof b);
    if (a != b)
        fail_msg("n = %zu, quantile %d: %.17g, expected %.17g (bits differ)", n, k, got, want);
}

/* The selection on a copy against the full sort on another copy. */
static void check(const double *x, size_t n, const double *p, int np)
{
    static double a[MAX_N], b[MAX_N];
    double got[8], want[8];
    memcpy(a, x, n * sizeof *x);
    memcpy(b, x, n * sizeof *x);
    quantiles(a, n, p, np, got, work);
    if (n == 0) {
        for (int k = 0; k < np; k++)
            assert_true(isnan(got[k]));
        return;
    }
    gsl_sort(b, 1, n);
    for (int k = 0; k < np; k++) {
        want[k] = gsl_stats_quantile_from_sorted_data(b, 1, n, p[k]);
        assert_same(got[k], want[k], n, k);
    }
}

static void test_small_n(void **state)
{
    (void)state;
    double x[3] = {2.0, -1.0, 0.5};
    check(x, 0, probs, 3);
    check(x, 1, probs, 3);   /* every quantile is the one value */
    check(x, 2, probs, 3);
    check(x, 3, probs, 3);
    /* n = 1, 2, 3 by hand: GSL's type 7 interpolation. */
    double q[3];
    double one[1] = {4.0};
    quantiles(one, 1, probs, 3, q, work);
    assert_true(q[0] == 4.0 && q[1] == 4.0 && q[2] == 4.0);
    double two[2] = {3.0, 1.0};
    quantiles(two, 2, probs, 3, q, work);
    /* 1e-15: one rounding of (1 - d) a + d b at these magnitudes. */
    assert_float_equal(q[1], 2.0, 1e-15);              /* midpoint of 1 and 3 */
    assert_float_equal(q[0], 1.0 + 0.05 * 2.0, 1e-15);
    assert_float_equal(q[2], 1.0 + 0.95 * 2.0, 1e-15);
    double three[3] = {9.0, 1.0, 5.0};
    quantiles(three, 3, probs, 3, q, work);
    assert_true(q[1] == 5.0);            /* the middle value, exactly */
}

static void test_random_even_odd(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(rng, 12345);
    static double x[MAX_N];
    for (size_t n = 1; n <= 64; n++) {
        for (int rep = 0; rep < 20; rep++) {
            for (size_t i = 0; i < n; i++)
                x[i] = gsl_rng_uniform(rng) * 200.0 - 100.0;
            check(x, n, probs, 3);
        }
    }
    const size_t big[] = {100, 101, 999, 1000, 1001};
    for (size_t j = 0; j < sizeof big / sizeof big[0]; j++) {
        for (size_t i = 0; i < big[j]; i++)
            x[i] = gsl_rng_uniform(rng);
        check(x, big[j], probs, 3);
    }
    /* The comparisons above are of the selection, not of its fall-back (a
     * full sort): on NaN-free data it leaves the column unsorted. */
    double q[3];
    for (size_t i = 0; i < 1000; i++)
        x[i] = gsl_rng_uniform(rng);
    quantiles(x, 1000, probs, 3, q, work);
    size_t inversions = 0;
    for (size_t i = 1; i < 1000; i++)
        inversions += x[i] < x[i - 1];
    assert_true(inversions > 0);
    gsl_rng_free(rng);
}

static void test_ties(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(rng, 7);
    static double x[MAX_N];
    const size_t ns[] = {1, 2, 3, 4, 5, 20, 21, 200, 1000, 1001};
    for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
        size_t n = ns[j];
        for (int rep = 0; rep < 10; rep++) {
            /* three distinct values: most ranks tie */
            for (size_t i = 0; i < n; i++)
                x[i] = (double)gsl_rng_uniform_int(rng, 3);
            check(x, n, probs, 3);
        }
        for (size_t i = 0; i < n; i++)   /* all equal, as a column of a fixed lever */
            x[i] = 0.25;
        check(x, n, probs, 3);
        for (size_t i = 0; i < n; i++)   /* sorted */
            x[i] = (double)(i / 3);
        check(x, n, probs, 3);
        for (size_t i = 0; i < n; i++)   /* reversed */
            x[i] = (double)((n - i) / 3);
        check(x, n, probs, 3);
        for (size_t i = 0; i < n; i++)   /* infinities are ordered values, not NaN */
            x[i] = i % 4 == 0 ? -INFINITY : i % 4 == 1 ? INFINITY : (double)(i % 7);
        check(x, n, probs, 3);
    }
    gsl_rng_free(rng);
}

static void test_nan(void **state)
{
    (void)state;
    static double x[MAX_N];
    const size_t ns[] = {1, 2, 3, 10, 11, 1000};
    for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
        size_t n = ns[j];
        for (size_t at = 0; at < n; at += n > 10 ? n / 5 : 1) {
            for (size_t i = 0; i < n; i++)
                x[i] = (double)((i * 37) % 101);
            x[at] = NAN;
            /* The selection is not tried (NaN compares false): the fall-back
             * sorts the untouched copy, so the result is the sort's. */
            check(x, n, probs, 3);
        }
        for (size_t i = 0; i < n; i++)
            x[i] = NAN;
        check(x, n, probs, 3);
    }
}

/* Probabilities whose ranks coincide or run into each other and the ends:
 * the rank bookkeeping (ranks already placed, the minimum, the last rank). */
/* Mixed -0.0 and +0.0 are ties that sort and selection may leave in different
 * orders, so a zero quantile can come out as -0 under one and 0 under the
 * other (and the CSV writer prints "-0"): the values are equal, the bits are
 * not always. Checked here as equal values; the sign is not promised. */
static void test_signed_zeros(void **state)
{
    (void)state;
    double a[64], b[64], q[3];
    for (size_t n = 1; n <= 64; n++)
        for (int pat = 0; pat < 4; pat++) {
            for (size_t i = 0; i < n; i++)
                a[i] = (i * 7 + pat) % 3 == 0 ? -0.0 : (i * 5 + pat) % 4 == 0 ? 1.0 : 0.0;
            memcpy(b, a, n * sizeof *a);
            quantiles(a, n, probs, 3, q, work);
            gsl_sort(b, 1, n);
            for (int k = 0; k < 3; k++)
                assert_true(q[k] == gsl_stats_quantile_from_sorted_data(b, 1, n, probs[k]));
        }
}

static void test_rank_layout(void **state)
{
    (void)state;
    static const double p1[] = {0.0, 0.5, 1.0};
    static const double p2[] = {0.5, 0.5000001, 0.51};
    static const double p3[] = {0.0, 0.0, 0.01, 0.99, 1.0};
    static double x[MAX_N];
    for (size_t n = 1; n <= 40; n++) {
        for (size_t i = 0; i < n; i++)
            x[i] = (double)((i * 7919) % 13) - 6.0;
        check(x, n, p1, 3);
        check(x, n, p2, 3);
        check(x, n, p3, 5);
        check(x, n, probs, 3);
    }
}

/* Columns of the sizes runs have (1,000 to 20,000 replicates): the bracketed
 * path must take them (not fall back) and agree with the sort bit for bit. */
static void test_bracket_large(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(rng, 99);
    static double x[MAX_N], a[MAX_N];
    const size_t ns[] = {512, 513, 1000, 4096, 10000, 10001, 20001};
    int taken = 0, tried = 0;
    for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
        size_t n = ns[j];
        for (int shape = 0; shape < 7; shape++) {
            for (size_t i = 0; i < n; i++) {
                double u = gsl_rng_uniform(rng);
                switch (shape) {
                case 0: x[i] = u; break;                                   /* uniform */
                case 1: x[i] = gsl_ran_gaussian_ziggurat(rng, 3.0); break; /* normal */
                case 2: x[i] = 0.411 + 0.05 * (double)gsl_rng_uniform_int(rng, 9); break;
                case 3: x[i] = u < 0.9 ? 0.0 : u; break;        /* one value holds 90% */
                case 4: x[i] = (double)i; break;                /* sorted */
                case 5: x[i] = (double)(n - i); break;          /* reversed */
                default: x[i] = 1.0 / (u + 1e-300); break;      /* heavy tail */
                }
            }
            check(x, n, probs, 3);
            memcpy(a, x, n * sizeof *x);
            double q[3];
            tried++;
            taken += quantiles_bracket(a, n, probs, 3, q, work);
        }
    }
    /* Every shape above is bracketed; none needs the fall-back. */
    assert_int_equal(taken, tried);
    /* Ranks at the very ends and close together, and a NaN: the fall-back. */
    static const double ends[2][4] = {{0.0, 0.001, 0.5, 0.5001}, {0.5, 0.999, 1.0, 1.0}};
    for (size_t i = 0; i < 10000; i++)
        x[i] = gsl_rng_uniform(rng);
    for (int e = 0; e < 2; e++) {
        check(x, 10000, ends[e], 4);
        memcpy(a, x, 10000 * sizeof *x);
        double q[4];
        assert_true(quantiles_bracket(a, 10000, ends[e], 4, q, work));
    }
    x[1234] = NAN;
    check(x, 10000, probs, 3);
    gsl_rng_free(rng);
}

/* A sample that misses: the column's first rows (where the sample's stride
 * falls) hold values far from its quantiles, so the brackets miss and the
 * selection answers, with the same bits. */
static void test_bracket_miss(void **state)
{
    (void)state;
    static double x[10000], a[10000];
    size_t n = 10000, s = (size_t)(4.0 * sqrt((double)n)), step = n / s;   /* s = 400 */
    for (size_t i = 0; i < n; i++)
        x[i] = i % step == 0 ? 1e6 + (double)i : (double)(i % 97);
    memcpy(a, x, sizeof x);
    double q[3];
    assert_false(quantiles_bracket(a, n, probs, 3, q, work));
    check(x, n, probs, 3);
}

/* The aggregates' means are the bits of Neumaier's sum over the count,
 * column by column, and about gsl_stats_mean's value. */
/* Neumaier's sum as he wrote it (a branch on the larger term), over the
 * column in order, divided by n: the means must have its bits. */
static double neumaier_mean(const double *x, size_t n)
{
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = s + x[i];
        c += fabs(s) >= fabs(x[i]) ? (s - t) + x[i] : (x[i] - t) + s;
        s = t;
    }
    return (isfinite(s) ? s + c : s) / (double)n;
}

static void test_means(void **state)
{
    (void)state;
    enum { R = 3001, C = 11, T = 2 };   /* 22 columns: vector lanes and a tail */
    static double traj[R * T * C];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    gsl_rng_set(rng, 5);
    for (size_t i = 0; i < sizeof traj / sizeof traj[0]; i++)
        traj[i] = (gsl_rng_uniform(rng) - 0.3) * pow(10.0, (double)(i % 7) - 3.0);
    /* column 3 of step 1 holds an infinity, column 4 a NaN, column 5 one value */
    traj[((size_t)17 * T + 1) * C + 3] = INFINITY;
    traj[((size_t)29 * T + 1) * C + 4] = NAN;
    for (size_t k = 0; k < R; k++)
        traj[(k * T + 1) * C + 5] = 0.1;
    ts_run run = {.R = R, .T = T, .C = C, .traj = traj};
    double *stats = ts_output_aggregates(&run, 2);
    assert_non_null(stats);
    volatile long double one = 1.0L, tiny = (long double)DBL_EPSILON / 4;
    bool wide = one + tiny != one;
    static double col[R];
    for (int t = 0; t < T; t++)
        for (int j = 0; j < C; j++) {
            for (int k = 0; k < R; k++)
                col[k] = traj[((size_t)k * T + t) * C + j];
            assert_same(stats[((size_t)t * C + j) * 4], neumaier_mean(col, R), R, j);
            /* and within an ulp or two of gsl_stats_mean's long-double
             * recurrence, where there is a mean and long double is wider than
             * double (valgrind computes it in double) */
            double m = neumaier_mean(col, R), g = gsl_stats_mean(col, 1, R);
            if (isfinite(g) && wide)
                assert_true(fabs(m - g) <= 4 * DBL_EPSILON * fabs(g) + 1e-300);
        }
    free(stats);
    gsl_rng_free(rng);
}

/* summary.csv from a hand-filled two-replicate run: <actor>_vs_status_quo is
 * the total less the status quo, joint_vs_status_quo their sum, and the
 * per-issue parts follow, actor by actor, interactions last. */
static void test_summary_columns(void **state)
{
    (void)state;
    static const char *const text =
        "calendar = { step = \"abstract\"; steps = 2; };\n"
        "actors = ( { id = \"us\"; }, { id = \"cn\"; } );\n"
        "issues = ( { id = \"t\"; kind = \"custom\"; owner = \"us\"; },\n"
        "  { id = \"p\"; kind = \"pledge\"; owner = \"cn\"; } );\n"
        "interactions = ( { actor = \"cn\"; issues = [\"t\", \"p\"]; coef = 1.0; } );\n";
    ts_error err;
    ts_scenario *sc = ts_scenario_parse(text, "s.cfg", NULL, 0, &err);
    assert_non_null(sc);
    uint64_t seed[2] = {11, 12};
    int zero[2] = {0, 0}, none[2] = {-1, -1};
    double final[4] = {0.5, 0.25, 1, 0}, mean[4] = {0.5, 0.5, 1, 0};
    double total[4] = {3.5, -1, 2, 4}, sq[4] = {1, -1.5, 2, 5};
    double contrib[12] = {1, 2, 0.5, -1, 0, 0, /* replicate 1 */ 2, 0, 0, 3, 1, 0};
    ts_run run = {.R = 2, .T = 2, .n = 2, .n_issues = 2, .seed = seed, .deal = zero,
                  .first_deal_step = none, .deals = zero, .breaches = zero,
                  .failed_talks = zero, .final = final, .mean = mean, .total = total,
                  .status_quo = sq, .n_contrib = 3, .contrib = contrib};
    char dir[64], path[128];
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "output"));
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    ts_csv *c = ts_csv_open(path, 6, &err);
    assert_non_null(c);
    const char dates[2][11] = {"", ""};
    ts_out_summary_header(c, sc, &run);
    ts_out_summary_rows(c, sc, &run, dates);
    assert_int_equal(ts_csv_commit(c, &err), TS_OK);
    char *got = ts_test_read_file(path, NULL);
    assert_non_null(got);
    assert_string_equal(got,
                        "replicate,seed,deal,first_deal_step,first_deal_date,deals,breaches,"
                        "failed_talks,t_final,t_mean,p_final,p_mean,us_total,cn_total,"
                        "joint_total,us_vs_status_quo,cn_vs_status_quo,joint_vs_status_quo,"
                        "us_t_total,us_p_total,us_interactions_total,cn_t_total,cn_p_total,"
                        "cn_interactions_total\n"
                        "0,0x000000000000000b,0,,,0,0,0,0.5,0.5,0.25,0.5,3.5,-1,2.5,2.5,0.5,3,1,2,"
                        "0.5,-1,0,0\n"
                        "1,0x000000000000000c,0,,,0,0,0,1,1,0,0,2,4,6,0,-1,-1,2,0,0,3,1,0\n");
    free(got);
    /* The experiments' means: the same columns, averaged over the replicates. */
    char names[16][TS_OUTCOME_NAME];
    double means[16];
    assert_int_equal(ts_output_outcomes(sc, NULL, NULL, NULL), 16);
    assert_int_equal(ts_output_outcomes(sc, &run, names, means), 16);
    assert_string_equal(names[0], "t_final");
    assert_string_equal(names[5], "cn_total");
    assert_string_equal(names[15], "cn_interactions_total");
    const double want[16] = {0.75, 0.75, 0.125, 0.25, 2.75, 1.5, 4.25, 1.25,
                             -0.25, 1, 1.5, 1, 0.25, 1, 0.5, 0};
    for (int j = 0; j < 16; j++)
        assert_true(fabs(means[j] - want[j]) < 1e-15);
    ts_test_remove_tree(dir);
    ts_scenario_free(sc);
}


/* Which events log.csv holds once for every replicate at level events: the
 * scheduled ones (the loader keeps them within the run) none of whose
 * settings is uncertain; never at level all. */
static void test_event_once(void **state)
{
    (void)state;
    static const char *const text =
        "calendar = { step = \"abstract\"; steps = 4; };\n"
        "output = { log = \"events\"; };\n"
        "actors = ( { id = \"us\"; }, { id = \"cn\"; } );\n"
        "issues = ( { id = \"t\"; kind = \"custom\"; owner = \"us\"; max = 1.0; } );\n"
        "events = ( { step = 0; set = { t = 0.5; }; label = \"certain\"; },\n"
        "  { step = 1; set = { t = 0.25; }; label = \"uncertain value\"; },\n"
        "  { probability = 0.5; set = { t = 0.2; }; label = \"random\"; } );\n"
        "uncertain = ( { name = \"v\"; key = \"events.[1].set.t\"; dist = \"uniform\";\n"
        "                min = 0.0; max = 1.0; } );\n";
    ts_error err;
    ts_scenario *sc = ts_scenario_parse(text, "s.cfg", NULL, 0, &err);
    if (!sc)
        fail_msg("%s", err.msg);
    assert_int_equal(sc->n_events, 3);
    const bool want[3] = {true, false, false};
    for (int k = 0; k < 3; k++)
        assert_int_equal(ts_out_event_once(sc, k), want[k]);
    sc->log = TS_LOGLEVEL_ALL;
    assert_false(ts_out_event_once(sc, 0));
    ts_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_n),
        cmocka_unit_test(test_random_even_odd),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_nan),
        cmocka_unit_test(test_rank_layout),
        cmocka_unit_test(test_signed_zeros),
        cmocka_unit_test(test_bracket_large),
        cmocka_unit_test(test_bracket_miss),
        cmocka_unit_test(test_means),
        cmocka_unit_test(test_summary_columns),
        cmocka_unit_test(test_event_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
