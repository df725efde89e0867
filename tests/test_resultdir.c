/* Tests of result folders (resultdir.h): the file names, the folder path,
 * the completion marker, and the one summary.csv reader with its rules
 * (deal cells, outcome columns by suffix, empty cells, finite numbers,
 * row widths), checked against counts and sums worked out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "testutil.h"
#include "tradesim/resultdir.h"

TS_TEST_SCRATCH(tmpdir, "test_resultdir")

static void write_file(const char *path, const char *text)
{
    assert_true(ts_test_write_file(path, text));
}

static void test_names_and_folder(void **state)
{
    (void)state;
    assert_string_equal(ts_result_file(TS_RESULT_SUMMARY), "summary.csv");
    assert_string_equal(ts_result_file(TS_RESULT_AGGREGATE), "aggregate.csv");
    assert_string_equal(ts_result_file(TS_RESULT_TRAJECTORIES), "trajectories.csv");
    assert_string_equal(ts_result_file(TS_RESULT_LOG), "log.csv");
    assert_string_equal(ts_result_file(TS_RESULT_SCENARIO), "scenario.cfg");
    assert_string_equal(ts_result_file(TS_RESULT_N_FILES), "");
    ts_scenario sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.name, sizeof sc.name, "base");
    char buf[16];
    assert_true(ts_result_folder(&sc, "out", buf, sizeof buf));
    assert_string_equal(buf, "out/base");
    assert_false(ts_result_folder(&sc, "a-very-long-folder", buf, sizeof buf));
}

static void test_markers(void **state)
{
    (void)state;
    char dir[512], p[600];
    snprintf(dir, sizeof dir, "%s/m", tmpdir);
    assert_int_equal(mkdir(dir, 0777), 0);
    ts_error err;
    assert_false(ts_result_is_complete(dir, 42));
    assert_int_equal(ts_result_mark_complete(dir, 42, &err), TS_OK);
    assert_false(ts_result_is_complete(dir, 42));   /* the files are missing */
    for (int i = 0; i < TS_RESULT_N_FILES; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, ts_result_file(i));
        write_file(p, "x\n");
    }
    assert_true(ts_result_is_complete(dir, 42));
    assert_false(ts_result_is_complete(dir, 43));   /* another scenario */
    assert_int_equal(ts_result_unmark(dir, &err), TS_OK);
    assert_false(ts_result_is_complete(dir, 42));
    assert_int_equal(ts_result_unmark(dir, &err), TS_OK);   /* already gone: fine */
}

static void test_summary_read(void **state)
{
    (void)state;
    char p[600];
    snprintf(p, sizeof p, "%s/summary.csv", tmpdir);
    write_file(p, "replicate,seed,deal,first_deal_step,first_deal_date,deals,us_tariff_final,"
                  "us_tariff_mean,us_total,joint_total,us_vs_status_quo,us_us_tariff_total\n"
                  "0,7,1,4,2025-02-17,2,0.5,0.25,-3,-4,1,-3\n"
                  "1,8,0,,,0,0.75,0.5,-5,-6,2,-5\n"
                  "2,9,true,10,2025-04-01,1,1,0.75,-1,-2,,-1\n");
    ts_summary s;
    ts_error err;
    assert_int_equal(ts_summary_read(p, &s, &err), TS_OK);
    assert_int_equal(s.rows, 3);
    assert_int_equal(s.deals, 2);
    assert_true(s.has_first);
    assert_int_equal(s.first.n, 2);
    assert_true(s.first.v[0] == 4.0 && s.first.v[1] == 10.0);
    /* Outcome columns by suffix, file order; seed and deals are not outcomes. */
    static const char *const names[] = {"us_tariff_final", "us_tariff_mean", "us_total",
                                        "joint_total", "us_vs_status_quo",
                                        "us_us_tariff_total"};
    assert_int_equal(s.n_cols, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(s.cols[i].name, names[i]);
    assert_int_equal(s.cols[2].x.n, 3);
    assert_true(s.cols[2].x.v[0] + s.cols[2].x.v[1] + s.cols[2].x.v[2] == -9.0);
    assert_int_equal(s.cols[4].x.n, 2);   /* the empty cell is no value */
    ts_summary_free(&s);
    assert_null(s.cols);
}

static void expect_error(const char *text, const char *want)
{
    char p[600];
    snprintf(p, sizeof p, "%s/bad.csv", tmpdir);
    write_file(p, text);
    ts_summary s;
    ts_error err;
    assert_int_equal(ts_summary_read(p, &s, &err), TS_EBAD);
    if (!strstr(err.msg, want))
        print_error("got: %s\n", err.msg);
    assert_non_null(strstr(err.msg, want));
}

static void test_summary_rules(void **state)
{
    (void)state;
    expect_error("", "bad.csv: empty file (no header row)");
    expect_error("replicate,x_total\n0,1\n", "no 'deal' column: not a tradesim summary.csv");
    expect_error("replicate,deal\n", "bad.csv: no replicate rows");
    expect_error("deal,x_total\n1,2\n0\n", "bad.csv:3: 1 fields, but the header has 2");
    expect_error("deal,x_total\nyes,2\n", "bad.csv:2: column 1: expected deal 0 or 1, got 'yes'");
    expect_error("deal,x_total\n1,abc\n", "bad.csv:2: column 2: expected a finite number");
    expect_error("deal,x_total\n1,-inf\n", "column 2: expected a finite number, got '-inf'");
    expect_error("deal,first_deal_step\n1,x\n", "column 2: expected a finite number, got 'x'");
    ts_summary s;
    ts_error err;
    char p[600];
    snprintf(p, sizeof p, "%s/none.csv", tmpdir);
    assert_int_equal(ts_summary_read(p, &s, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "none.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_folder),
        cmocka_unit_test_setup_teardown(test_markers, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_summary_read, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_summary_rules, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
