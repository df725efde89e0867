/* Tests of a run in blocks (sim/io/stream.c, aggstream.c): every file it
 * writes has the bytes of the in-memory run's, whatever the block size,
 * sample, rounds of the second pass and thread count: on the shipped
 * baseline (talks), a scenario of every issue kind, and the prisoner's
 * dilemma, whose levers take only the values 0 and 1 (every quantile a
 * tie); and so when every block's replicates run in parts moved between
 * processes (ts_run_pack, as MPI's ranks move them). And the refusal of a
 * scenario whose blocks alone exceed the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "../sim/io/output_impl.h"
#include "testutil.h"
#include "tradesim/agreement.h"
#include "tradesim/engine.h"
#include "tradesim/output.h"
#include "tradesim/resultdir.h"
#include "tradesim/shard.h"

/* A stand-in for MPI's ranks (opts.run_block): each block cut in three
 * contiguous parts, the first run into the block, the others into runs of
 * their own, packed and unpacked into it, as the ranks' parts reach rank 0.
 * With ctx, the caller's side tasks are not passed on (as by a hook that
 * runs no replicates in this process), which leaves them to the caller. */
static ts_status split_block(void *ctx, const ts_engine *e, const ts_engine_opts *opts,
                             ts_run *run, int k0, int n, ts_error *err)
{
    ts_engine_opts here = *opts;
    here.run_block = NULL;
    if (ctx)
        here.side = NULL;
    long first, last;
    ts_shard_block(n, 1, 3, &first, &last);
    ts_status st = ts_engine_run_block(e, &here, run, k0, (int)last, err);
    for (int p = 2; p <= 3 && st == TS_OK; p++) {
        ts_shard_block(n, p, 3, &first, &last);
        ts_run *part = ts_run_alloc(e, (int)(last - first));
        assert_non_null(part);
        ts_text t = {.s = NULL};
        st = ts_engine_run_block(e, &here, part, k0 + (int)first, (int)(last - first), err);
        if (st == TS_OK) {
            ts_run_pack(e, part, &t);
            assert_false(t.oom);
            /* a pack cut short is refused */
            assert_int_equal(ts_run_unpack(e, run, t.s, t.len - 1, NULL), TS_EIO);
            st = ts_run_unpack(e, run, t.s, t.len, err);
        }
        ts_text_free(&t);
        ts_run_free(part);
    }
    run->k0 = k0;
    run->n = n;
    return st;
}

/* Runs cfg with its overrides into dir (its blocks split, when split); the
 * status. */
static ts_status run_split(const char *cfg, const char **sets, int n_sets, const char *dir,
                           int threads, const ts_output_limits *lim, int split, ts_error *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TS_SOURCE_DIR, cfg);
    ts_scenario *sc = ts_scenario_load(path, sets, n_sets, err);
    assert_non_null(sc);
    ts_engine *e = ts_engine_alloc(sc, err);
    assert_non_null(e);
    ts_engine_opts o = {.threads = threads};
    ts_agreement_hook_opts(&o, NULL);
    static int withheld;
    if (split) {
        o.run_block = split_block;
        o.run_block_ctx = split > 1 ? &withheld : NULL;
    }
    ts_status s = ts_output_run(e, &o, dir, lim, NULL, err);
    ts_engine_free(e);
    ts_scenario_free(sc);
    return s;
}

static ts_status run_into(const char *cfg, const char **sets, int n_sets, const char *dir,
                          int threads, const ts_output_limits *lim, ts_error *err)
{
    return run_split(cfg, sets, n_sets, dir, threads, lim, 0, err);
}

static void assert_same_files(const char *a, const char *b, const char *name)
{
    for (int f = 0; f < TS_RESULT_N_FILES; f++) {
        char pa[512], pb[512];
        snprintf(pa, sizeof pa, "%s/%s/%s", a, name, ts_result_file(f));
        snprintf(pb, sizeof pb, "%s/%s/%s", b, name, ts_result_file(f));
        size_t na = 0, nb = 0;
        char *ta = ts_test_read_file(pa, &na), *tb = ts_test_read_file(pb, &nb);
        assert_non_null(ta);
        assert_non_null(tb);
        if (na != nb || memcmp(ta, tb, na) != 0)
            fail_msg("%s differs from %s", pb, pa);
        free(ta);
        free(tb);
    }
}

/* cfg run whole, then in blocks under each of the limits, at -j1 and -j2. */
static void check_same(const char *cfg, const char *name, const char **sets, int n_sets)
{
    static const ts_output_limits blocked[] = {
        /* one replicate a block; a small sample */
        {.in_memory = 1, .block = 1, .sample = 64},
        /* blocks that straddle the sample's end */
        {.in_memory = 1, .block = 300000, .sample = 100},
        /* a sample of one (every rank in a wide open cell), a few rounds */
        {.in_memory = 1, .block = 1000000, .sample = 1, .kept = 1 << 20},
        /* the defaults (the sample is every replicate) */
        {.in_memory = 1},
        /* two passes always */
        {.in_memory = 1, .sigmas = -1.0},
        /* one pass with brackets too narrow to hold: the two passes after it */
        {.in_memory = 1, .block = 1, .sigmas = 1e-9},
    };
    char dir[64], whole[128], got[128];
    ts_error err;
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "stream"));
    snprintf(whole, sizeof whole, "%s/whole", dir);
    assert_int_equal(run_into(cfg, sets, n_sets, whole, 1, NULL, &err), TS_OK);
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
        for (int threads = 1; threads <= 2; threads++) {
            snprintf(got, sizeof got, "%s/b%zu_j%d", dir, i, threads);
            ts_status s = run_into(cfg, sets, n_sets, got, threads, &blocked[i], &err);
            if (s != TS_OK)
                fail_msg("%s", err.msg);
            assert_same_files(whole, got, name);
        }
    /* Whole and in blocks, every block's replicates moved as MPI's ranks move
     * them; and with each block's work left to the caller. */
    for (int split = 1; split <= 2; split++)
        for (int i = -1; i < 2; i++) {
            snprintf(got, sizeof got, "%s/split%d_%d", dir, split, i);
            ts_status s =
                run_split(cfg, sets, n_sets, got, 2, i < 0 ? NULL : &blocked[i], split, &err);
            if (s != TS_OK)
                fail_msg("%s", err.msg);
            assert_same_files(whole, got, name);
        }
    ts_test_remove_tree(dir);
}

static void test_baseline(void **state)
{
    (void)state;
    const char *sets[] = {"monte_carlo.replicates=500", "output.trajectories=3"};
    check_same("scenarios/baseline_nov2025.cfg", "baseline_nov2025", sets, 2);
}

static void test_all_kinds(void **state)
{
    (void)state;
    const char *sets[] = {"monte_carlo.replicates=777"};
    check_same("tests/good/all_kinds.cfg", "all_kinds", sets, 1);
}

/* Replicates that draw their own uncertain values (their own status quo,
 * summary columns of the values, agreements under their own parameters). */
static void test_uncertain(void **state)
{
    (void)state;
    const char *sets[] = {"monte_carlo.replicates=300", "output.trajectories=2"};
    check_same("scenarios/experiments/baseline_uncertain.cfg", "baseline_uncertain", sets, 2);
}

/* Levers at 0 or 1 only: each quantile of a lever's column is a tie. */
static void test_ties(void **state)
{
    (void)state;
    const char *sets[] = {"monte_carlo.replicates=1001", "calendar.steps=40"};
    check_same("tests/closed_forms/strategy/ipd_tft_alld.cfg", "ipd_tft_alld", sets, 2);
}

/* Fewer replicates than a quantile needs two ranks of: one, two, three. */
static void test_tiny(void **state)
{
    (void)state;
    for (int r = 1; r <= 3; r++) {
        char set[64];
        snprintf(set, sizeof set, "monte_carlo.replicates=%d", r);
        const char *sets[] = {set};
        check_same("tests/good/all_kinds.cfg", "all_kinds", sets, 1);
    }
}

/* The one pass on its own (output_impl.h): columns of distinct values, of
 * one value, and of two, fed in blocks of 97 replicates, give the means of
 * ts_means_add and GSL's type 7 quantiles of the sorted columns exactly, the
 * same bits at every tile width the processor has (19 columns: two tiles of
 * eight and three columns left over, or four of four and three); brackets
 * too narrow to hold a rank say so. */
static void feed(ts_agg1 *a, double *x, int R, int C, int B)
{
    ts_error err;
    for (int k0 = 0; k0 < R; k0 += B) {
        ts_run run = {.traj = x + (size_t)k0 * (size_t)C, .k0 = k0, .n = R - k0 < B ? R - k0 : B};
        assert_int_equal(ts_agg1_add(a, &run, 2, &err), TS_OK);
    }
}

static void test_one_pass(void **state)
{
    (void)state;
    enum { R = 20000, C = 19 };
    double *x = malloc(sizeof(double) * R * C), *col = malloc(sizeof(double) * R);
    assert_non_null(x);
    assert_non_null(col);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    for (int i = 0; i < R; i++)
        for (int c = 0; c < C; c++) {
            double g = gsl_ran_gaussian(rng, 1.0 + c);
            x[i * C + c] = c % 3 == 0 ? g : c % 3 == 1 ? 0.25 * c : (g < 0.5 ? 1.0 : 0.0);
        }
    static const double probs[] = {0.05, 0.50, 0.95};
    double stats[C * 4], first[C * 4];
    int widths[] = {0, 8, 4, 1};
    for (int w = 0; w < 4; w++) {
        ts_agg1 *a = ts_agg1_alloc(R, 1, C, (size_t)1 << 30, 6.0);
        assert_non_null(a);
        if (widths[w]) {
            ts_agg1_set_width(a, widths[w]);
            assert_true(ts_agg1_width(a) <= widths[w]);
        }
        feed(a, x, R, C, 97);
        assert_true(ts_agg1_finish(a, stats));
        ts_agg1_free(a);
        if (w > 0) {   /* every width: the same bits */
            assert_memory_equal(stats, first, sizeof stats);
            continue;
        }
        memcpy(first, stats, sizeof stats);
        for (int c = 0; c < C; c++) {
            double sum = 0.0, comp = 0.0;
            for (int i = 0; i < R; i++)
                col[i] = x[i * C + c];
            ts_means_add(&sum, &comp, col, R, 1, 1);
            assert_true(stats[c * 4] == ts_means_get(sum, comp, R));
            gsl_sort(col, 1, R);
            for (int k = 0; k < 3; k++)
                assert_true(stats[c * 4 + 1 + k] ==
                            gsl_stats_quantile_from_sorted_data(col, 1, R, probs[k]));
        }
    }
    /* NaN in one column (every seventh value; the engine's guard keeps
     * them out of a run): kept in its brackets, which have no order to
     * narrow by, so the one pass ends and reports it cannot answer (the
     * run then takes the two passes), without a hang */
    for (int i = 0; i < R; i += 7)
        x[i * C + 3] = NAN;
    ts_agg1 *nan = ts_agg1_alloc(R, 1, C, (size_t)1 << 30, 6.0);
    assert_non_null(nan);
    feed(nan, x, R, C, 97);
    assert_false(ts_agg1_finish(nan, stats));
    ts_agg1_free(nan);
    /* a room that cannot hold R's brackets: none */
    assert_null(ts_agg1_alloc(R, 1, C, 1000, 6.0));
    assert_null(ts_agg1_alloc(R, 1, C, (size_t)1 << 30, -1.0));
    /* brackets of no width: some rank falls outside (the run falls back) */
    ts_agg1 *a = ts_agg1_alloc(R, 1, C, (size_t)1 << 30, 1e-9);
    assert_non_null(a);
    feed(a, x, R, C, 97);
    assert_false(ts_agg1_finish(a, stats));
    ts_agg1_free(a);
    gsl_rng_free(rng);
    free(col);
    free(x);
}

/* Blocks that cannot fit however small: refused, one line with the bytes,
 * nothing written. */
static void test_refusal(void **state)
{
    (void)state;
    const char *sets[] = {"monte_carlo.replicates=100", "calendar.steps=1000000"};
    char dir[64];
    ts_error err;
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "stream"));
    ts_output_limits lim = {.in_memory = 1};
    assert_int_equal(run_into("tests/closed_forms/strategy/ipd_tft_alld.cfg", sets, 2, dir, 1, &lim,
                              &err),
                     TS_EIO);
    assert_non_null(strstr(err.msg, "ipd_tft_alld.cfg: 1000000 steps x 10 columns need "));
    assert_non_null(strstr(err.msg, "bytes even in blocks of 1 replicates, more than the limit "
                                    "of 4294967296; use fewer steps"));
    assert_int_equal(ts_test_count_entries(dir), 0);
    ts_test_remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline), cmocka_unit_test(test_all_kinds),
        cmocka_unit_test(test_ties),     cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_refusal), cmocka_unit_test(test_uncertain),
        cmocka_unit_test(test_one_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
