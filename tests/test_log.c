/* Tests of the log rows (log.h): rows appended in order with their strings
 * copied, event rows by index, growth past the first block, and clearing
 * that keeps the capacity for the next replicate; the strings' chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tradesim/log.h"

static void test_rows(void **state)
{
    (void)state;
    ts_log log = {0};
    char label[] = "Geneva";
    assert_int_equal(ts_log_add(&log, 3, TS_LOG_TALK, label, "nash on a b"), TS_OK);
    label[0] = 'X';   /* copied, not borrowed */
    assert_int_equal(ts_log_add_event(&log, 4, 7), TS_OK);
    assert_int_equal(ts_log_add(&log, 5, TS_LOG_EXPIRY, NULL, NULL), TS_OK);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.rows[0].step, 3);
    assert_int_equal(log.rows[0].type, TS_LOG_TALK);
    assert_int_equal(log.rows[0].event, -1);
    assert_string_equal(log.rows[0].label, "Geneva");
    assert_string_equal(log.rows[0].detail, "nash on a b");
    assert_int_equal(log.rows[1].type, TS_LOG_EVENT);
    assert_int_equal(log.rows[1].event, 7);
    assert_null(log.rows[1].label);
    assert_null(log.rows[2].label);
    assert_null(log.rows[2].detail);
    assert_string_equal(ts_log_type_name(TS_LOG_BREACH), "breach");
    assert_string_equal(ts_log_type_name((ts_log_type)99), "");
    ts_log_free(&log);
    assert_null(log.rows);
}

static void test_growth_and_clear(void **state)
{
    (void)state;
    ts_log log = {0};
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ts_log_add(&log, i, TS_LOG_AGREEMENT, "a", "b"), TS_OK);
    assert_int_equal(log.n, 1000);
    assert_int_equal(log.rows[999].step, 999);
    int cap = log.cap;
    assert_true(cap >= 1000);
    ts_log_clear(&log);
    assert_int_equal(log.n, 0);
    assert_int_equal(log.cap, cap);
    assert_int_equal(ts_log_add_event(&log, 1, 0), TS_OK);
    assert_int_equal(log.n, 1);
    ts_log_free(&log);
}

/* Talk records: levels laid out per record, strings owned, cleared with
 * the rows; the log levels keep what docs/cli.md says. */
static void test_talks_and_levels(void **state)
{
    (void)state;
    ts_log log = {0};
    for (int i = 0; i < 100; i++) {
        double *lv = NULL;
        ts_log_talk t = {.step = i, .label = "talk", .agreement = i % 2 ? i : -1,
                         .end = TS_END_NONE, .end_step = -1};
        assert_int_equal(ts_log_add_talk(&log, &t, 3, &lv), TS_OK);
        assert_non_null(lv);
        for (int k = 0; k < 6; k++) {
            assert_true(lv[k] == 0.0);
            lv[k] = i * 10 + k;
        }
    }
    assert_int_equal(log.n_talks, 100);
    assert_int_equal(log.n_levels, 600);
    assert_int_equal(log.talks[42].first, 252);
    assert_true(log.levels[log.talks[42].first + 5] == 425.0);
    assert_string_equal(log.talks[99].label, "talk");
    assert_true(log.talks[99].label != log.talks[98].label);
    ts_log_clear(&log);
    assert_int_equal(log.n_talks, 0);
    assert_int_equal(log.n_levels, 0);
    ts_log_free(&log);
    assert_null(log.talks);

    assert_true(ts_log_keeps(TS_LOGLEVEL_ALL, TS_LOG_TALK));
    assert_false(ts_log_keeps(TS_LOGLEVEL_EVENTS, TS_LOG_TALK));
    assert_true(ts_log_keeps(TS_LOGLEVEL_EVENTS, TS_LOG_EVENT));
    assert_true(ts_log_keeps(TS_LOGLEVEL_EVENTS, TS_LOG_BREACH));
    /* agreements.csv holds the agreements and their expiries */
    assert_false(ts_log_keeps(TS_LOGLEVEL_EVENTS, TS_LOG_AGREEMENT));
    assert_false(ts_log_keeps(TS_LOGLEVEL_EVENTS, TS_LOG_EXPIRY));
    assert_true(ts_log_keeps(TS_LOGLEVEL_ALL, TS_LOG_EXPIRY));
    assert_false(ts_log_keeps(TS_LOGLEVEL_NONE, TS_LOG_EVENT));
    assert_string_equal(ts_log_end_name(TS_END_SUPERSEDED), "superseded");
    assert_string_equal(ts_log_end_name(TS_END_NONE), "");
    assert_string_equal(ts_log_end_name((ts_log_end)99), "");
}

/* Strings stay where they were put while later ones fill new chunks (one
 * longer than any chunk included), and a cleared log reuses its chunks:
 * the same strings again land at the same addresses. */
static void test_text_chunks(void **state)
{
    (void)state;
    ts_log log = {0};
    char big[5000], name[32];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *first[600];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 600; i++) {
            snprintf(name, sizeof name, "talk %d", i);
            assert_int_equal(ts_log_add(&log, i, TS_LOG_TALK, name, i == 300 ? big : "d"), TS_OK);
            if (round == 0)
                first[i] = log.rows[i].label;
            else
                assert_ptr_equal(log.rows[i].label, first[i]);
        }
        for (int i = 0; i < 600; i++) {
            snprintf(name, sizeof name, "talk %d", i);
            assert_string_equal(log.rows[i].label, name);
            assert_string_equal(log.rows[i].detail, i == 300 ? big : "d");
        }
        ts_log_clear(&log);
    }
    assert_true(log.text_at == log.text);
    char part[] = "abcdef";
    char *t = ts_log_text(&log, part, 3);
    assert_string_equal(t, "abc");
    ts_log_free(&log);
    assert_null(log.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_growth_and_clear),
        cmocka_unit_test(test_talks_and_levels),
        cmocka_unit_test(test_text_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
