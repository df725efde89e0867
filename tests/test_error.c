/* Tests of the error record (error.h): the formatted line and its code, a
 * message cut to TS_ERROR_MAX - 1 characters (never overflowing), the status
 * returned whether or not there is a record to fill, and clearing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tradesim/error.h"

static void test_set_and_clear(void **state)
{
    (void)state;
    ts_error e;
    assert_int_equal(ts_error_set(&e, TS_EBAD, "%s:%d: %s", "a.cfg", 7, "bad"), TS_EBAD);
    assert_int_equal(e.code, TS_EBAD);
    assert_string_equal(e.msg, "a.cfg:7: bad");
    ts_error_clear(&e);
    assert_int_equal(e.code, TS_OK);
    assert_string_equal(e.msg, "");
    /* no record: the status still comes back, and nothing is touched */
    assert_int_equal(ts_error_set(NULL, TS_EIO, "x %d", 1), TS_EIO);
    ts_error_clear(NULL);
}

static void test_long_message_cut(void **state)
{
    (void)state;
    char big[3 * TS_ERROR_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ts_error e;
    memset(&e, 0x55, sizeof e);
    assert_int_equal(ts_error_set(&e, TS_EIO, "%s", big), TS_EIO);
    assert_int_equal(strlen(e.msg), TS_ERROR_MAX - 1);
    assert_int_equal(e.code, TS_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_and_clear),
        cmocka_unit_test(test_long_message_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
