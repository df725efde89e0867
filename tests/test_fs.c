/* Tests of folder creation (fs.h): nested folders, existing ones, and a
 * file in the way, each with the message naming the folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "testutil.h"
#include "tradesim/fs.h"

TS_TEST_SCRATCH(tmpdir, "test_fs")

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void test_nested_and_existing(void **state)
{
    (void)state;
    char p[256];
    snprintf(p, sizeof p, "%s/a/b/c", tmpdir);
    ts_error e = {0};
    assert_int_equal(ts_fs_mkdirs(p, &e), TS_OK);
    assert_true(is_dir(p));
    assert_int_equal(ts_fs_mkdirs(p, &e), TS_OK); /* exists already: fine */
    snprintf(p, sizeof p, "%s/a/b/d/", tmpdir);    /* trailing slash */
    assert_int_equal(ts_fs_mkdirs(p, &e), TS_OK);
    assert_true(is_dir(p));
}

static void test_file_in_the_way(void **state)
{
    (void)state;
    char f[256], p[300], want[400];
    snprintf(f, sizeof f, "%s/file", tmpdir);
    assert_true(ts_test_write_file(f, "x"));
    snprintf(p, sizeof p, "%s/sub", f);
    ts_error e = {0};
    /* The component that is not a folder is named. */
    assert_int_equal(ts_fs_mkdirs(p, &e), TS_EIO);
    snprintf(want, sizeof want, "%s: not a folder", f);
    assert_string_equal(e.msg, want);
    assert_int_equal(ts_fs_mkdirs(f, &e), TS_EIO);
    snprintf(want, sizeof want, "%s: not a folder", f);
    assert_string_equal(e.msg, want);
}

static void test_path_too_long(void **state)
{
    (void)state;
    char p[5000];
    memset(p, 'a', sizeof p - 1);
    p[sizeof p - 1] = '\0';
    ts_error e = {0};
    assert_int_equal(ts_fs_mkdirs(p, &e), TS_EIO);
    assert_int_equal(strncmp(e.msg, "aaaa", 4), 0); /* names the path (cut to fit) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nested_and_existing, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test_setup_teardown(test_file_in_the_way, tmpdir_setup, tmpdir_teardown),
        cmocka_unit_test(test_path_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
