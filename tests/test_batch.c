/* Batch support: collecting files, the batch row computed from a summary.csv
 * against hand-computed intervals, batch.csv with mixed issue sets and with a
 * summary.csv from before the vs_status_quo columns, and the completion
 * markers. */
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tradesim/batch.h"
#include "testutil.h"

TS_TEST_SCRATCH(tmpdir, "test_batch")

static void write_file(const char *path, const char *text)
{
    assert_true(ts_test_write_file(path, text));
}

/* Ten replicates, seven with a deal (first at steps 3,5,5,6,8,9,12: median 6);
 * us_total = 1..10; joint_total constant 2. With vs: us_vs_status_quo =
 * 0..9, cn_vs_status_quo constant 0.5, joint_vs_status_quo 0.5..9.5, and
 * per-issue totals (us_us_tariff_total = 100.., cn_us_tariff_total = -100),
 * which are no actors' totals; without, a summary.csv as written before
 * those columns existed. */
static void make_summary(const char *dir, bool vs)
{
    static const char *const rows[10] = {
        "0,1,1,3,2025-02-10,1,0,0,0.1,0.2,1,1,2", "1,2,1,5,2025-02-24,1,0,0,0.3,0.2,2,0,2",
        "2,3,0,,,0,0,1,0.5,0.2,3,-1,2",          "3,4,1,5,2025-02-24,2,1,0,0.7,0.2,4,-2,2",
        "4,5,1,6,2025-03-03,1,0,0,0.9,0.2,5,-3,2", "5,6,0,,,0,0,1,0.1,0.2,6,-4,2",
        "6,7,1,8,2025-03-17,1,0,0,0.3,0.2,7,-5,2", "7,8,1,9,2025-03-24,1,0,0,0.5,0.2,8,-6,2",
        "8,9,0,,,0,0,2,0.7,0.2,9,-7,2",          "9,10,1,12,2025-04-14,1,0,0,0.9,0.2,10,-8,2"};
    mkdir(dir, 0777);
    char p[600];
    snprintf(p, sizeof p, "%s/summary.csv", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("replicate,seed,deal,first_deal_step,first_deal_date,deals,breaches,failed_talks,"
          "us_tariff_final,us_tariff_mean,us_total,cn_total,joint_total",
          f);
    if (vs)
        fputs(",us_vs_status_quo,cn_vs_status_quo,joint_vs_status_quo,us_us_tariff_total,"
              "cn_us_tariff_total",
              f);
    fputc('\n', f);
    for (int k = 0; k < 10; k++) {
        fputs(rows[k], f);
        if (vs)
            fprintf(f, ",%d,0.5,%g,%d,-100", k, k + 0.5, 100 + k);
        fputc('\n', f);
    }
    assert_int_equal(fclose(f), 0);
}

static void test_summarise_hand_computed(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/a", tmpdir);
    make_summary(dir, true);
    ts_batch_row row;
    ts_error err;
    assert_int_equal(ts_batch_summarise(dir, "a", &row, &err), TS_OK);
    assert_int_equal(row.replicates, 10);
    assert_int_equal(row.deals, 7);
    assert_float_equal(row.deal_p, 0.7, 1e-15);
    /* Wilson 95% for 7/10 (z = 1.959964): [0.396778, 0.892209], computed by hand from the formula. */
    assert_float_equal(row.deal_lo, 0.396778, 1e-6);
    assert_float_equal(row.deal_hi, 0.892209, 1e-6);
    assert_float_equal(row.first_deal_median, 6.0, 1e-15);
    assert_int_equal(row.n_issues, 1);
    assert_string_equal(row.issue[0], "us_tariff");
    assert_float_equal(row.final_mean[0], 0.5, 1e-15);
    assert_int_equal(row.n_actors, 3);
    assert_string_equal(row.actor[0], "us");
    assert_string_equal(row.actor[2], "joint");
    /* us_total 1..10: mean 5.5, sd 3.0276504, t(0.975, 9) = 2.2621572:
     * half-width 2.1658506. */
    assert_float_equal(row.total_mean[0], 5.5, 1e-12);
    assert_float_equal(row.total_lo[0], 5.5 - 2.1658506, 1e-6);
    assert_float_equal(row.total_hi[0], 5.5 + 2.1658506, 1e-6);
    /* a constant total has a zero-width interval */
    assert_float_equal(row.total_lo[2], 2.0, 1e-12);
    assert_float_equal(row.total_hi[2], 2.0, 1e-12);
    /* us_vs_status_quo 0..9: the same half-width about 4.5; cn's constant. */
    assert_float_equal(row.vsq_mean[0], 4.5, 1e-12);
    assert_float_equal(row.vsq_lo[0], 4.5 - 2.1658506, 1e-6);
    assert_float_equal(row.vsq_hi[0], 4.5 + 2.1658506, 1e-6);
    assert_float_equal(row.vsq_lo[1], 0.5, 1e-12);
    assert_float_equal(row.vsq_mean[2], 5.0, 1e-12);
    ts_batch_row_free(&row);
}

static void test_summarise_errors(void **state)
{
    (void)state;
    char dir[512], p[600];
    ts_batch_row row;
    ts_error err;
    snprintf(dir, sizeof dir, "%s/missing", tmpdir);
    assert_int_equal(ts_batch_summarise(dir, "m", &row, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "summary.csv"));
    snprintf(dir, sizeof dir, "%s/bad", tmpdir);
    mkdir(dir, 0777);
    snprintf(p, sizeof p, "%s/summary.csv", dir);
    write_file(p, "replicate,deal,x_total\n0,1,abc\n");
    assert_int_equal(ts_batch_summarise(dir, "b", &row, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "summary.csv:2: column 3: expected a finite number, got 'abc'"));
    write_file(p, "replicate,deal,x_total\n0,1,nan\n");
    assert_int_equal(ts_batch_summarise(dir, "b", &row, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "expected a finite number, got 'nan'"));
    /* One rule with compare: deals are 0 or 1 (true/false accepted). */
    write_file(p, "replicate,deal,x_total\n0,2,1\n");
    assert_int_equal(ts_batch_summarise(dir, "b", &row, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "expected deal 0 or 1, got '2'"));
    write_file(p, "replicate,deal,x_total\n0,true,1\n1,false,3\n");
    assert_int_equal(ts_batch_summarise(dir, "b", &row, &err), TS_OK);
    assert_int_equal(row.deals, 1);
    assert_int_equal(row.replicates, 2);
    ts_batch_row_free(&row);
    write_file(p, "replicate,deal,x_total\n");
    assert_int_equal(ts_batch_summarise(dir, "b", &row, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "no replicate rows"));
    write_file(p, "replicate,x_total\n0,1\n");
    assert_int_equal(ts_batch_summarise(dir, "b", &row, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "deal"));
}

static void test_write_mixed_issue_sets(void **state)
{
    (void)state;
    char dir[512], out[600];
    snprintf(dir, sizeof dir, "%s/w", tmpdir);
    make_summary(dir, true);
    ts_batch_row rows[3];
    ts_error err;
    assert_int_equal(ts_batch_summarise(dir, "w", &rows[0], &err), TS_OK);
    snprintf(dir, sizeof dir, "%s/old", tmpdir);
    make_summary(dir, false);
    assert_int_equal(ts_batch_summarise(dir, "old", &rows[1], &err), TS_OK);
    assert_int_equal(ts_batch_row_failed(&rows[2], "broken", "broken.cfg:2: actors: expected "
                                                             "exactly two actors, got 1"),
                     TS_OK);
    /* Seeds as summary.csv writes them; none for a scenario that did not load. */
    rows[0].has_seed = rows[1].has_seed = true;
    rows[0].seed = 7;
    rows[1].seed = UINT64_MAX;
    /* --set columns: one per key, the last value given, quoted as CSV needs. */
    static const char *const sets[] = {"monte_carlo.replicates=10",
                                       "talks.[0].label=Geneva, round 2",
                                       "monte_carlo.replicates=20"};
    snprintf(out, sizeof out, "%s/batch.csv", tmpdir);
    assert_int_equal(ts_batch_write(out, rows, 3, sets, 3, 6, &err), TS_OK);
    char *text = ts_test_read_file(out, NULL);
    assert_non_null(text);
    assert_string_equal(
        text,
        "scenario,status,replicates,seed,monte_carlo.replicates,talks.[0].label,"
        "deal_probability,deal_probability_lo,deal_probability_hi,"
        "first_deal_step_median,us_tariff_final_mean,us_total_mean,us_total_lo,us_total_hi,"
        "us_vs_status_quo_mean,us_vs_status_quo_lo,us_vs_status_quo_hi,"
        "cn_total_mean,cn_total_lo,cn_total_hi,"
        "cn_vs_status_quo_mean,cn_vs_status_quo_lo,cn_vs_status_quo_hi,"
        "joint_total_mean,joint_total_lo,joint_total_hi,"
        "joint_vs_status_quo_mean,joint_vs_status_quo_lo,joint_vs_status_quo_hi,error\n"
        "w,ok,10,0x0000000000000007,20,\"Geneva, round 2\",0.7,0.396778,0.892209,6,0.5,5.5,"
        "3.33415,7.66585,4.5,2.33415,6.66585,"
        "-3.5,-5.66585,-1.33415,0.5,0.5,0.5,2,2,2,5,2.83415,7.16585,\n"
        "old,ok,10,0xffffffffffffffff,20,\"Geneva, round 2\",0.7,0.396778,0.892209,6,0.5,5.5,"
        "3.33415,7.66585,,,,"
        "-3.5,-5.66585,-1.33415,,,,2,2,2,,,,\n"
        "broken,failed,,,20,\"Geneva, round 2\",,,,,,,,,,,,,,,,,,,,,,,,\"broken.cfg:2: actors: "
        "expected exactly two actors, got 1\"\n");
    free(text);
    for (int i = 0; i < 3; i++)
        ts_batch_row_free(&rows[i]);
}

static void test_collect_sorted_recursive(void **state)
{
    (void)state;
    char p[600], sub[600];
    snprintf(p, sizeof p, "%s/c", tmpdir);
    mkdir(p, 0777);
    snprintf(sub, sizeof sub, "%s/c/sub", tmpdir);
    mkdir(sub, 0777);
    const char *names[] = {"c/b.cfg", "c/a.cfg", "c/notes.txt", "c/.hidden.cfg", "c/sub/z.cfg"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        write_file(p, "x");
    }
    char dir[600];
    snprintf(dir, sizeof dir, "%s/c", tmpdir);
    const char *args[] = {dir, dir};
    ts_path_list l;
    ts_error err;
    assert_int_equal(ts_batch_collect(args, 2, false, &l, &err), TS_OK);
    assert_int_equal(l.n, 2);   /* duplicates removed, .txt and hidden skipped */
    assert_non_null(strstr(l.paths[0], "/c/a.cfg"));
    assert_non_null(strstr(l.paths[1], "/c/b.cfg"));
    ts_path_list_free(&l);
    assert_int_equal(ts_batch_collect(args, 1, true, &l, &err), TS_OK);
    assert_int_equal(l.n, 3);
    assert_non_null(strstr(l.paths[2], "/c/sub/z.cfg"));
    ts_path_list_free(&l);
    snprintf(p, sizeof p, "%s/c/notes.txt", tmpdir);
    const char *bad[] = {p};
    assert_int_equal(ts_batch_collect(bad, 1, false, &l, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "not a scenario"));
    const char *none[] = {"/nonexistent/x.cfg"};
    assert_int_equal(ts_batch_collect(none, 1, false, &l, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "no such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summarise_hand_computed),
        cmocka_unit_test(test_summarise_errors),
        cmocka_unit_test(test_write_mixed_issue_sets),
        cmocka_unit_test(test_collect_sorted_recursive),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
