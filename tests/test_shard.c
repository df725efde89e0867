/* Shards: the blocks cover the design once, in order; K/N and auto parse
 * as documented, with the exact one-line errors (shard.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tradesim/shard.h"

static void test_blocks_cover_once(void **state)
{
    (void)state;
    static const long sizes[] = {0, 1, 7, 256, 49152, 2000000000L};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int n = 1; n <= 9; n++) {
            long next = 0;
            for (int k = 1; k <= n; k++) {
                long first, last;
                ts_shard_block(sizes[i], k, n, &first, &last);
                assert_int_equal(first, next);
                assert_true(last >= first);
                assert_true(last - first <= sizes[i] / n + 1);
                next = last;
            }
            assert_int_equal(next, sizes[i]);
        }
}

static void test_parse(void **state)
{
    (void)state;
    ts_error e;
    int k = 0, n = 0;
    assert_int_equal(ts_shard_parse("3/4", &k, &n, &e), TS_OK);
    assert_int_equal(k, 3);
    assert_int_equal(n, 4);
    static const char *const bad[] = {"0/4", "5/4", "4", "/4", "1/", "a/b", "1/100001", "2/3x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ts_shard_parse(bad[i], &k, &n, &e), TS_EBAD);
        char want[200];
        snprintf(want, sizeof want,
                 "--shard '%s': expected K/N with 1 <= K <= N <= 100000, or auto", bad[i]);
        assert_string_equal(e.msg, want);
    }
}

static void test_auto(void **state)
{
    (void)state;
    ts_error e;
    int k = 0, n = 0;
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_MIN");
    setenv("SLURM_ARRAY_TASK_COUNT", "8", 1);
    assert_int_equal(ts_shard_parse("auto", &k, &n, &e), TS_EBAD);
    setenv("SLURM_ARRAY_TASK_ID", "8", 1);
    assert_int_equal(ts_shard_parse("auto", &k, &n, &e), TS_OK);
    assert_int_equal(k, 8);
    assert_int_equal(n, 8);
    /* An array from 0: task 0 is shard 1, task 7 shard 8. */
    setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
    setenv("SLURM_ARRAY_TASK_ID", "0", 1);
    assert_int_equal(ts_shard_parse("auto", &k, &n, &e), TS_OK);
    assert_int_equal(k, 1);
    setenv("SLURM_ARRAY_TASK_ID", "8", 1);   /* beyond 0..7 */
    assert_int_equal(ts_shard_parse("auto", &k, &n, &e), TS_EBAD);
    assert_string_equal(e.msg, "--shard auto: SLURM_ARRAY_TASK_ID 8, SLURM_ARRAY_TASK_MIN 0, "
                               "SLURM_ARRAY_TASK_COUNT 8: not a task of an array of consecutive "
                               "indices");
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_MIN");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
}

static void test_folder(void **state)
{
    (void)state;
    char buf[64];
    assert_true(ts_shard_folder("out", "poly", 2, 4, buf, sizeof buf));
    assert_string_equal(buf, "out/poly.shard-2-of-4");
    assert_false(ts_shard_folder("out", "poly", 2, 4, buf, 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_cover_once),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_auto),
        cmocka_unit_test(test_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
