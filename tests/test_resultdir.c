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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"
#include "tradesim/csv.h"
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

static ts_scenario *minimal(void)
{
    ts_error err;
    ts_scenario *sc = ts_scenario_load(TS_SOURCE_DIR "/tests/good/minimal.cfg", NULL, 0, &err);
    assert_non_null(sc);
    return sc;
}

/* A sealed folder passes; one whose file changed, or that holds another
 * scenario's files, or lost its marker, does not, and says why. */
static void test_seal_and_verify(void **state)
{
    (void)state;
    char dir[512], p[600];
    snprintf(dir, sizeof dir, "%s/m", tmpdir);
    ts_error err;
    assert_int_equal(ts_result_prepare(dir, &err), TS_OK);
    ts_scenario *sc = minimal();
    uint64_t h = ts_scenario_hash(sc);
    assert_false(ts_result_is_complete(dir, h));
    for (int i = 0; i < TS_RESULT_N_FILES; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, ts_result_file(i));
        write_file(p, "replicate,deal\n0,1\n");
    }
    assert_false(ts_result_is_complete(dir, h));   /* no marker yet */
    ts_result_run_info info = {.threads = 1};
    assert_int_equal(ts_result_seal(sc, dir, &info, NULL, &err), TS_OK);
    assert_true(ts_result_is_complete(dir, h));
    assert_false(ts_result_is_complete(dir, h + 1));   /* another scenario */
    ts_text why = {0};
    assert_true(ts_result_verify(dir, NULL, &why));
    assert_null(why.s);
    /* Same size, other content: only the hash tells. */
    snprintf(p, sizeof p, "%s/%s", dir, ts_result_file(TS_RESULT_LOG));
    write_file(p, "replicate,deal\n0,0\n");
    assert_false(ts_result_verify(dir, &h, &why));
    assert_non_null(strstr(why.s, "log.csv: SHA-256 differs"));
    ts_text_free(&why);
    write_file(p, "replicate,deal\n");   /* truncated */
    assert_false(ts_result_verify(dir, &h, &why));
    assert_non_null(strstr(why.s, "log.csv: 15 bytes, recorded 19"));
    ts_text_free(&why);
    write_file(p, "replicate,deal\n0,1\n");
    assert_true(ts_result_is_complete(dir, h));
    /* datapackage.json is checked too. */
    snprintf(p, sizeof p, "%s/%s", dir, TS_RESULT_DATAPACKAGE);
    char *dp = ts_test_read_file(p, NULL);
    assert_non_null(strstr(dp, "\"hash\": \"sha256:"));
    assert_non_null(strstr(dp, "\"scenario_sha256\""));
    assert_null(strstr(dp, "\"start\""));   /* nothing volatile in it */
    free(dp);
    write_file(p, "{}");
    assert_false(ts_result_verify(dir, &h, &why));
    assert_non_null(strstr(why.s, "datapackage.json"));
    ts_text_free(&why);
    assert_int_equal(ts_result_unmark(dir, &err), TS_OK);
    assert_false(ts_result_verify(dir, NULL, &why));
    assert_non_null(strstr(why.s, "no .complete marker"));
    ts_text_free(&why);
    assert_int_equal(ts_result_unmark(dir, &err), TS_OK);   /* already gone: fine */
    /* A marker of the old format (the hash alone) is not trusted. */
    snprintf(p, sizeof p, "%s/%s", dir, TS_RESULT_MARKER);
    char old[32];
    snprintf(old, sizeof old, "%016llx\n", (unsigned long long)h);
    write_file(p, old);
    assert_false(ts_result_is_complete(dir, h));
    ts_scenario_free(sc);
}

/* One writer per folder: a second lock is refused at once, naming the
 * folder; released, the folder can be locked again. */
static void test_lock(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/out/deep", tmpdir);
    ts_error err;
    int a, b;
    assert_int_equal(ts_result_lock(dir, &a, &err), TS_OK);
    assert_int_equal(ts_result_lock(dir, &b, &err), TS_EIO);
    assert_int_equal(b, -1);
    assert_non_null(strstr(err.msg, "another tradesim is writing into this folder"));
    assert_non_null(strstr(err.msg, dir));
    ts_result_unlock(a);
    assert_int_equal(ts_result_lock(dir, &b, &err), TS_OK);
    ts_result_unlock(b);
    assert_int_equal(ts_result_lock("", &b, &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "empty path"));
}

/* Temporaries of dead processes go; a live process's stay. */
static void test_stale_temporaries(void **state)
{
    (void)state;
    char dir[512], dead[600], live[600], other[600];
    snprintf(dir, sizeof dir, "%s/s", tmpdir);
    assert_int_equal(mkdir(dir, 0777), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    snprintf(dead, sizeof dead, "%s/summary.csv.tmp.%ld.12345", dir, (long)child);
    snprintf(live, sizeof live, "%s/log.csv.tmp.%ld.7", dir, (long)getppid());
    snprintf(other, sizeof other, "%s/notes.tmp.txt", dir);
    write_file(dead, "half");
    write_file(live, "busy");
    write_file(other, "mine");
    ts_error err;
    assert_int_equal(ts_result_prepare(dir, &err), TS_OK);
    struct stat sb;
    assert_int_not_equal(stat(dead, &sb), 0);
    assert_int_equal(stat(live, &sb), 0);
    assert_int_equal(stat(other, &sb), 0);
}

/* A link planted at a temporary name is never written through: the marker
 * (like every file) is written beside it and the link's target is intact. */
static void test_planted_link_refused(void **state)
{
    (void)state;
    char dir[512], victim[600], p[600];
    snprintf(dir, sizeof dir, "%s/l", tmpdir);
    snprintf(victim, sizeof victim, "%s/victim", tmpdir);
    assert_int_equal(mkdir(dir, 0777), 0);
    write_file(victim, "precious\n");
    snprintf(p, sizeof p, "%s/%s", dir, TS_RESULT_MARKER);
    ts_error err;
    /* Learn the temporary name, free it, plant a link there: the next open
     * (glibc reuses the freed block, so the same name comes first) must
     * step past it. */
    ts_csv *c = ts_csv_open(p, 6, &err);
    assert_non_null(c);
    char tmpname[700];
    snprintf(tmpname, sizeof tmpname, "%s", ts_csv_temp_path(c));
    ts_csv_abort(c);
    assert_int_equal(symlink(victim, tmpname), 0);
    c = ts_csv_open(p, 6, &err);
    assert_non_null(c);
    assert_string_not_equal(ts_csv_temp_path(c), tmpname);
    ts_csv_raw(c, "x\n", 2);
    assert_int_equal(ts_csv_commit(c, &err), TS_OK);
    char *v = ts_test_read_file(victim, NULL);
    assert_string_equal(v, "precious\n");
    free(v);
    struct stat sb;
    assert_int_equal(lstat(tmpname, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
}

static void test_name_rule(void **state)
{
    (void)state;
    ts_error err;
    assert_int_equal(ts_result_check_name("baseline_2025", "a.cfg", &err), TS_OK);
    assert_int_equal(ts_result_check_name(".hid", "x/.hid.cfg", &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "x/.hid.cfg: name '.hid' cannot be a result folder"));
    assert_int_equal(ts_result_check_name("a\nb", "a\nb.cfg", &err), TS_EBAD);
    assert_non_null(strstr(err.msg, "name 'a\\x0ab'"));
    assert_int_equal(ts_result_check_name("", "x", &err), TS_EBAD);
    assert_int_equal(ts_result_check_name("a/b", "x", &err), TS_EBAD);
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
    /* Per row: the deal indicator and the seed (decimal here). */
    assert_int_equal(s.deal.n, 3);
    assert_true(s.deal.v[0] == 1.0 && s.deal.v[1] == 0.0 && s.deal.v[2] == 1.0);
    assert_true(s.has_seed);
    assert_true(s.seed[0] == 7 && s.seed[1] == 8 && s.seed[2] == 9);
    ts_summary_free(&s);
    assert_null(s.cols);
    assert_null(s.seed);

    /* Seeds as summary.csv writes them, the full 64 bits; no seed column. */
    write_file(p, "replicate,seed,deal\n0,0xffffffffffffffff,0\n1,0xC382140277F90FA0,1\n"
                  "2,18446744073709551615,0\n");
    assert_int_equal(ts_summary_read(p, &s, &err), TS_OK);
    assert_true(s.seed[0] == UINT64_MAX && s.seed[1] == 0xc382140277f90fa0u &&
                s.seed[2] == UINT64_MAX);
    ts_summary_free(&s);
    write_file(p, "replicate,deal\n0,1\n");
    assert_int_equal(ts_summary_read(p, &s, &err), TS_OK);
    assert_false(s.has_seed);
    assert_null(s.seed);
    ts_summary_free(&s);
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
    expect_error("replicate,deal,x_total\n0,1,2\n1,0\n", "bad.csv:3: 2 fields, but the header has 3");
    expect_error("replicate,deal,x_total\n0,yes,2\n",
                 "bad.csv:2: column 2: expected deal 0 or 1, got 'yes'");
    expect_error("replicate,deal,x_total\n0,1,abc\n", "bad.csv:2: column 3: expected a finite number");
    expect_error("replicate,deal,x_total\n0,1,-inf\n", "column 3: expected a finite number, got '-inf'");
    expect_error("replicate,deal,x_total\n0,1,nan\n", "column 3: expected a finite number, got 'nan'");
    expect_error("replicate,deal,x_total\n0,1,1e999\n", "column 3: expected a finite number, got '1e999'");
    expect_error("replicate,deal,x_total\n0,1,0x1p3\n", "column 3: expected a finite number, got '0x1p3'");
    expect_error("replicate,deal,x_total\n0,1,-0X10\n", "column 3: expected a finite number, got '-0X10'");
    expect_error("replicate,deal,first_deal_step\n0,1,x\n", "column 3: expected a finite number, got 'x'");
    /* The header's roles: the other files of a result folder are refused. */
    expect_error("step,date,us_tariff_mean\n0,2025-01-01,1\n",
                 "bad.csv:1: column 1: expected 'replicate', got 'step': not a tradesim summary.csv");
    expect_error("scenario,status,deal_probability\nbase,ok,0.5\n", "expected 'replicate', got 'scenario'");
    expect_error("replicate,step,date,type,label,detail\n0,0,,event,a,b\n", "no 'deal' column");
    expect_error("replicate,deal,x_total,x_total\n0,1,2,3\n", "bad.csv:1: column 4: 'x_total' is also column 3");
    /* Found by fuzzing: a quoted header cell with CR and LF stays one line. */
    expect_error("\"\rotal\n0684257482\"\n", "column 1: expected 'replicate', got '?otal?0684257482'");
    expect_error("replicate,deal\nfirst,1\n", "bad.csv:2: column 1: expected a replicate number, got 'first'");
    /* Seeds: whole numbers below 2^64, never wrapped; every row has one. */
    static const char *const bad_seeds[] = {"", "x", "-1", "0x", "0x1g", "1.5",
                                            "18446744073709551616", "0x10000000000000000"};
    for (size_t i = 0; i < sizeof bad_seeds / sizeof bad_seeds[0]; i++) {
        char text[128], want[160];
        snprintf(text, sizeof text, "replicate,seed,deal\n0,1,1\n1,%s,0\n", bad_seeds[i]);
        snprintf(want, sizeof want,
                 "bad.csv:3: column 2: expected a seed (a whole number below 2^64, decimal or "
                 "0x hex), got '%s'", bad_seeds[i]);
        expect_error(text, want);
    }
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
        cmocka_unit_test_setup_teardown(test_seal_and_verify, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_lock, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_stale_temporaries, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_planted_link_refused, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_name_rule),
        cmocka_unit_test_setup_teardown(test_summary_read, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_summary_rules, tmpdir_setup, tmpdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
