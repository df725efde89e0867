/* Tests of the CSV writer: ts_fmt_g against glibc's snprintf("%.*g") on edge
 * values and millions of random ones, RFC 4180 quoting, exact bytes of a
 * committed file, and failures (injected ENOSPC, unwritable folder) that must
 * leave neither the target nor a temporary file behind. */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tradesim/csv.h"
#include "testutil.h"

/* ---- ts_fmt_g ------------------------------------------------------------ */

/* Exactly the 32 bytes csv.h promises, on the heap, so ASan sees any overrun. */
static char *fmt_buf;

static int check_one(double v, int prec)
{
    char want[64];
    snprintf(want, sizeof want, "%.*g", prec, v);
    if (isnan(v))
        strcpy(want, "nan"); /* csv.h: NaN is "nan" whatever its sign bit */
    size_t n = ts_fmt_g(fmt_buf, v, prec);
    if (strcmp(want, fmt_buf) != 0 || n != strlen(want)) {
        print_error("ts_fmt_g(%a, %d) = \"%s\", snprintf gives \"%s\"\n", v, prec, fmt_buf,
                    want);
        return 1;
    }
    return 0;
}

static void test_fmt_edges(void **state)
{
    (void)state;
    const double edges[] = {
        0.0, -0.0, 1.0, -1.0, 0.5, 0.125, 0.375, 2.5, 3.5, -2.5, 9.9999995, 9.999995,
        99.5, 999999.5, 9999995.0, 999999.4999999999, 0.1, 0.2, 0.3, 1e-5, 1e-4,
        9.99999e-5, 0.0001, 0.00009999995, 0.000099999949, 1e-4 * (1 - 1e-16), 123456.0,
        1234567.0, 1e15, 1e16, 1e17, 1e21, 1e22, 1e23, 1e-22, 1e-23, 123456789012345.0,
        DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, DBL_MIN / 2, 4.9406564584124654e-324,
        DBL_EPSILON, 1.0 + DBL_EPSILON, 1.0 - DBL_EPSILON / 2, 0.1 + 0.2, 100.0, 1000000.0,
        42.0, -42.0, 1e100, -1e-100, 5e-5, 0.15, 0.25, 0.35, 0.45, 1.005, 2.675, 1.45,
        8.5, 9.5, 95.0, 0.95, 0.995, 9.995, 4503599627370496.5, 4503599627370497.0,
        9007199254740993.0, INFINITY, -INFINITY, NAN, -NAN};
    int fails = 0;
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        for (int p = 1; p <= 17; p++)
            fails += check_one(edges[i], p);
    /* Every integer 0..30000, k/1000 and -k/64 for the same k: decade switches,
     * ties and the fixed/exponent switch live there. */
    for (int i = 0; i <= 30000; i++)
        for (int p = 1; p <= 7; p++) {
            fails += check_one((double)i, p);
            fails += check_one(i / 1000.0, p);
            fails += check_one(-i / 64.0, p); /* exact binary fractions: true ties */
        }
    assert_int_equal(fails, 0);
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_fmt_random(void **state)
{
    (void)state;
    uint64_t s = 20250512;
    int fails = 0;
    for (long i = 0; i < 2000000 && fails < 20; i++) {
        uint64_t r = splitmix(&s);
        int prec = 1 + (int)(splitmix(&s) % 17);
        double v;
        switch (i % 4) {
        case 0: /* any bit pattern: every exponent, subnormals, nan, inf */
            memcpy(&v, &r, sizeof v);
            break;
        case 1: /* simulation-like magnitudes, 1e-30 .. 1e30 */
            v = ldexp((double)(r >> 11), -53) * pow(10.0, (double)((int)(r % 61) - 30));
            break;
        case 2: /* short decimals: many near-ties after scaling */
            v = (double)(int64_t)(r % 2000001 - 1000000) / pow(10.0, (double)(r % 9));
            break;
        default: /* values just beside a decimal rounding boundary */
            v = (double)(r % 1000000) + 0.5;
            v = nextafter(v * pow(10.0, (double)((int)(r % 21) - 10)),
                          (r >> 63) ? INFINITY : -INFINITY);
            break;
        }
        fails += check_one(v, prec);
    }
    assert_int_equal(fails, 0);
}

/* ---- the writer ------------------------------------------------------------ */

TS_TEST_SCRATCH(tmpdir, "test_csv")

static void test_commit_exact_bytes(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/out.csv", tmpdir);
    ts_error err;
    ts_csv *c = ts_csv_open(path, 6, &err);
    assert_non_null(c);
    ts_csv_str(c, "name");
    ts_csv_str(c, "value");
    ts_csv_str(c, "n");
    ts_csv_str(c, "u");
    ts_csv_str(c, "e");
    ts_csv_end_row(c);
    ts_csv_str(c, "a,b");
    ts_csv_num(c, 3.14159265);
    ts_csv_int(c, -42);
    ts_csv_u64(c, UINT64_MAX);
    ts_csv_empty(c);
    ts_csv_end_row(c);
    ts_csv_str(c, "say \"hi\"\nnow");
    ts_csv_num(c, 1e-7);
    ts_csv_int(c, INT64_MIN);
    ts_csv_u64(c, 0);
    ts_csv_str(c, "cr\r");
    ts_csv_end_row(c);
    assert_int_equal(ts_test_count_entries(tmpdir), 1); /* only the temporary so far */
    assert_int_equal(ts_csv_commit(c, &err), TS_OK);
    const char *want = "name,value,n,u,e\n"
                       "\"a,b\",3.14159,-42,18446744073709551615,\n"
                       "\"say \"\"hi\"\"\nnow\",1e-07,-9223372036854775808,0,\"cr\r\"\n";
    size_t len;
    char *got = ts_test_read_file(path, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    free(got);
    assert_int_equal(ts_test_count_entries(tmpdir), 1); /* the temporary was renamed */
}

/* Several MB through the 64 KiB buffer: bytes must equal the fprintf output. */
static void test_large_file_matches_fprintf(void **state)
{
    (void)state;
    char path[128], ref[128];
    snprintf(path, sizeof path, "%s/big.csv", tmpdir);
    snprintf(ref, sizeof ref, "%s/ref.txt", tmpdir);
    ts_error err;
    ts_csv *c = ts_csv_open(path, 9, &err);
    FILE *f = fopen(ref, "w");
    assert_non_null(c);
    assert_non_null(f);
    uint64_t s = 7;
    for (int row = 0; row < 50000; row++) {
        fprintf(f, "%d", row);
        ts_csv_int(c, row);
        for (int k = 0; k < 8; k++) {
            double v = ((double)(splitmix(&s) >> 11) - 4.5e15) * 1e-12;
            fprintf(f, ",%.9g", v);
            ts_csv_num(c, v);
        }
        fputc('\n', f);
        ts_csv_end_row(c);
    }
    fclose(f);
    assert_int_equal(ts_csv_commit(c, &err), TS_OK);
    size_t la, lb;
    char *a = ts_test_read_file(path, &la), *b = ts_test_read_file(ref, &lb);
    assert_true(la > 4 * 65536);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
    unlink(ref);
    unlink(path);
}

static void test_injected_enospc_leaves_nothing(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/full.csv", tmpdir);
    for (int n = 1; n <= 3; n++) {
        ts_error err;
        ts_csv *c = ts_csv_open(path, 6, &err);
        assert_non_null(c);
        ts_csv_fail_after(c, n);
        for (int i = 0; i < 30000; i++) { /* about 2.5 flushes of data */
            ts_csv_num(c, i * 0.001);
            ts_csv_end_row(c);
        }
        assert_int_equal(ts_csv_commit(c, &err), TS_EIO);
        assert_int_equal(err.code, TS_EIO);
        assert_non_null(strstr(err.msg, path));
        assert_non_null(strstr(err.msg, strerror(ENOSPC)));
        assert_int_equal(ts_test_count_entries(tmpdir), 0);
        assert_int_equal(access(path, F_OK), -1);
    }
    /* Small file: the only flush is the commit's own. */
    ts_error err;
    ts_csv *c = ts_csv_open(path, 6, &err);
    ts_csv_fail_after(c, 1);
    ts_csv_str(c, "x");
    ts_csv_end_row(c);
    assert_int_equal(ts_csv_commit(c, &err), TS_EIO);
    assert_int_equal(ts_test_count_entries(tmpdir), 0);
}

static void test_failed_commit_keeps_old_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/keep.csv", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    ts_error err;
    ts_csv *c = ts_csv_open(path, 6, &err);
    ts_csv_str(c, "new");
    ts_csv_end_row(c);
    ts_csv_fail_after(c, 1);
    assert_int_equal(ts_csv_commit(c, &err), TS_EIO);
    size_t len;
    char *b = ts_test_read_file(path, &len);
    assert_string_equal(b, "old\n");
    free(b);
    assert_int_equal(ts_test_count_entries(tmpdir), 1);
    unlink(path);
}

/* The rename itself fails (a folder took the file's place after the open
 * checked it): the commit says so and the temporary file goes. */
static void test_failed_rename_reported(void **state)
{
    (void)state;
    char path[128], inside[160];
    snprintf(path, sizeof path, "%s/late.csv", tmpdir);
    ts_error err;
    ts_csv *c = ts_csv_open(path, 6, &err);
    assert_non_null(c);
    ts_csv_str(c, "x");
    ts_csv_end_row(c);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(inside, sizeof inside, "%s/f", path);
    assert_true(ts_test_write_file(inside, "y"));
    assert_int_equal(ts_csv_commit(c, &err), TS_EIO);
    assert_non_null(strstr(err.msg, "cannot write '"));
    assert_non_null(strstr(err.msg, "late.csv': "));
    assert_int_equal(ts_test_count_entries(tmpdir), 1);   /* the folder alone */
    unlink(inside);
    rmdir(path);
}

static void test_abort_removes_temporary(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/ab.csv", tmpdir);
    ts_error err;
    ts_csv *c = ts_csv_open(path, 6, &err);
    ts_csv_str(c, "x");
    ts_csv_end_row(c);
    assert_int_equal(ts_test_count_entries(tmpdir), 1);
    ts_csv_abort(c);
    ts_csv_abort(NULL);
    assert_int_equal(ts_test_count_entries(tmpdir), 0);
}

static void test_two_writers_same_path(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/same.csv", tmpdir);
    ts_error err;
    ts_csv *a = ts_csv_open(path, 6, &err), *b = ts_csv_open(path, 6, &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(ts_test_count_entries(tmpdir), 2); /* distinct temporaries */
    ts_csv_str(a, "a");
    ts_csv_end_row(a);
    ts_csv_str(b, "b");
    ts_csv_end_row(b);
    assert_int_equal(ts_csv_commit(a, &err), TS_OK);
    assert_int_equal(ts_csv_commit(b, &err), TS_OK);
    size_t len;
    char *s = ts_test_read_file(path, &len);
    assert_string_equal(s, "b\n");
    free(s);
    unlink(path);
}

static void test_unwritable_folder(void **state)
{
    (void)state;
    char path[160];
    ts_error err;
    snprintf(path, sizeof path, "%s/no/such/folder/x.csv", tmpdir);
    ts_error_clear(&err);
    assert_null(ts_csv_open(path, 6, &err));
    assert_int_equal(err.code, TS_EIO);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, strerror(ENOENT)));

    if (geteuid() != 0) { /* root writes anywhere: permissions cannot be tested */
        char ro[128];
        snprintf(ro, sizeof ro, "%s/ro", tmpdir);
        assert_int_equal(mkdir(ro, 0500), 0);
        snprintf(path, sizeof path, "%s/x.csv", ro);
        assert_null(ts_csv_open(path, 6, &err));
        assert_int_equal(err.code, TS_EIO);
        assert_non_null(strstr(err.msg, path));
        rmdir(ro);
    }
}

/* A set of files: all finished before any is committed. The second fails on
 * finish, so the first is aborted too and both old files stay. */
static void test_finish_then_commit_set(void **state)
{
    (void)state;
    char pa[128], pb[128];
    snprintf(pa, sizeof pa, "%s/a.csv", tmpdir);
    snprintf(pb, sizeof pb, "%s/b.csv", tmpdir);
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(k ? pb : pa, "w");
        fputs("old\n", f);
        fclose(f);
    }
    ts_error err;
    ts_csv *a = ts_csv_open(pa, 6, &err), *b = ts_csv_open(pb, 6, &err);
    assert_non_null(a);
    assert_non_null(b);
    ts_csv_str(a, "new");
    ts_csv_end_row(a);
    ts_csv_str(b, "new");
    ts_csv_end_row(b);
    ts_csv_fail_after(b, 1);
    assert_int_equal(ts_csv_finish(a, &err), TS_OK);
    assert_int_equal(ts_csv_finish(a, &err), TS_OK); /* idempotent */
    assert_int_equal(ts_csv_finish(b, &err), TS_EIO);
    assert_non_null(strstr(err.msg, strerror(ENOSPC)));
    assert_int_equal(ts_csv_commit(b, &err), TS_EIO); /* still failed, and freed */
    ts_csv_abort(a);
    size_t len;
    for (int k = 0; k < 2; k++) {
        char *c = ts_test_read_file(k ? pb : pa, &len);
        assert_string_equal(c, "old\n");
        free(c);
    }
    assert_int_equal(ts_test_count_entries(tmpdir), 2);

    /* Without a failure the set commits after finishing. */
    a = ts_csv_open(pa, 6, &err);
    ts_csv_raw(a, "raw text\n", 9);
    assert_int_equal(ts_csv_finish(a, &err), TS_OK);
    assert_int_equal(ts_csv_commit(a, &err), TS_OK);
    char *c = ts_test_read_file(pa, &len);
    assert_string_equal(c, "raw text\n");
    free(c);
    unlink(pa);
    unlink(pb);
}

/* rename() would replace a read-only file whatever its mode: refused up front. */
static void test_read_only_target_refused(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/ro.csv", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0444), 0);
    ts_error err;
    ts_error_clear(&err);
    assert_null(ts_csv_open(path, 6, &err));
    assert_int_equal(err.code, TS_EIO);
    assert_non_null(strstr(err.msg, "the file is read-only"));
    assert_int_equal(ts_test_count_entries(tmpdir), 1);
    chmod(path, 0644);
    unlink(path);

    char dir[128];
    snprintf(dir, sizeof dir, "%s/sub.csv", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_null(ts_csv_open(dir, 6, &err));
    assert_non_null(strstr(err.msg, "a folder is in the way"));
    rmdir(dir);
}

int main(void)
{
    fmt_buf = malloc(32);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_edges),
        cmocka_unit_test(test_fmt_random),
        cmocka_unit_test_setup_teardown(test_commit_exact_bytes, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_large_file_matches_fprintf, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_injected_enospc_leaves_nothing, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_keeps_old_file, tmpdir_setup,
                                        tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_failed_rename_reported, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_abort_removes_temporary, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_two_writers_same_path, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_folder, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_finish_then_commit_set, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_target_refused, tmpdir_setup, tmpdir_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(fmt_buf);
    return rc;
}
