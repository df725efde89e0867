/* Tests of the text builder (text.h) and the CSV number parser that every
 * reader shares (csvread.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tradesim/csvread.h"
#include "tradesim/text.h"

static void test_builder_grows(void **state)
{
    (void)state;
    ts_text b = {0};
    ts_text_puts(&b, "");
    assert_non_null(b.s);
    assert_int_equal(b.len, 0);
    /* Past the first 4096-byte block, so the doubling runs. */
    for (int i = 0; i < 2000; i++)
        ts_text_printf(&b, "%04d,", i);
    assert_false(b.oom);
    assert_int_equal(b.len, 10000);
    assert_int_equal(strlen(b.s), 10000);
    assert_true(b.cap >= 10001);
    assert_memory_equal(b.s, "0000,0001,", 10);
    assert_string_equal(b.s + 9995, "1999,");
    ts_text_puts(&b, "end");
    assert_string_equal(b.s + 10000, "end");
    ts_text_free(&b);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
}

static void test_oom_is_sticky(void **state)
{
    (void)state;
    ts_text b = {0};
    b.oom = true;
    ts_text_puts(&b, "lost");
    ts_text_printf(&b, "%d", 1);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    ts_text_free(&b);
}

/* Bytes as they are, NULs too, still NUL-terminated after them. */
static void test_put_bytes(void **state)
{
    (void)state;
    ts_text b = {0};
    ts_text_put(&b, "a\0b", 3);
    ts_text_put(&b, "", 0);
    ts_text_puts(&b, "c");
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.s, "a\0bc", 5);
    ts_text_free(&b);
}

static void test_ends_with(void **state)
{
    (void)state;
    assert_true(ts_text_ends_with("us_total", "_total"));
    assert_true(ts_text_ends_with("a.cfg", ".cfg"));
    assert_false(ts_text_ends_with("_total", "_total")); /* nothing before it */
    assert_false(ts_text_ends_with(".cfg", ".cfg"));
    assert_false(ts_text_ends_with("total", "_total"));
    assert_false(ts_text_ends_with("us_total_x", "_total"));
}

static void test_csv_number(void **state)
{
    (void)state;
    double v;
    assert_true(ts_csvread_number("1.5", &v));
    assert_float_equal(v, 1.5, 0.0);
    assert_true(ts_csvread_number("-2e-3", &v));
    assert_float_equal(v, -2e-3, 0.0);
    assert_true(ts_csvread_number("inf", &v));
    assert_true(isinf(v));
    assert_true(ts_csvread_number("nan", &v));
    assert_true(isnan(v));
    assert_false(ts_csvread_number("", &v));
    assert_false(ts_csvread_number(" 1", &v));
    assert_false(ts_csvread_number("\t1", &v));
    assert_false(ts_csvread_number("1 ", &v));
    assert_false(ts_csvread_number("1x", &v));
    assert_false(ts_csvread_number("true", &v));
    assert_false(ts_csvread_number("2025-01-20", &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder_grows),
        cmocka_unit_test(test_oom_is_sticky),
        cmocka_unit_test(test_put_bytes),
        cmocka_unit_test(test_ends_with),
        cmocka_unit_test(test_csv_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
