/* Calendar tests: ISO date parsing and formatting, leap years, step dates for
 * day/week/month calendars, and the mapping from dates back to steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tradesim/scenario.h"

static int32_t day_of(const char *s)
{
    int32_t d = 0;
    assert_true(ts_date_parse(s, &d));
    return d;
}

static void test_epoch_and_known_days(void **state)
{
    (void)state;
    assert_int_equal(day_of("1970-01-01"), 0);
    assert_int_equal(day_of("1970-01-02"), 1);
    assert_int_equal(day_of("1969-12-31"), -1);
    assert_int_equal(day_of("2000-03-01"), 11017); /* 30 years incl. 7 leap days + Jan, Feb */
    assert_int_equal(day_of("2025-01-20"), 20108);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"2025-02-30", "2025-02-29", "2100-02-29", "2025-13-01", "2025-00-10",
                         "2025-04-31", "2025-1-01",  "2025/01/01", "20250101",   "",
                         "2025-01-01x", "0000-01-01", "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ts_date_parse(bad[i], NULL));
    assert_true(ts_date_parse("2024-02-29", NULL));
    assert_true(ts_date_parse("2000-02-29", NULL));
}

static void test_format_round_trip(void **state)
{
    (void)state;
    char buf[11];
    /* Every day from 1900 to 2100 formats back to the text it parsed from. */
    for (int32_t d = day_of("1900-01-01"); d <= day_of("2100-12-31"); d++) {
        ts_date_format(d, buf);
        int32_t back;
        assert_true(ts_date_parse(buf, &back));
        assert_int_equal(back, d);
    }
    ts_date_format(day_of("2028-02-29"), buf);
    assert_string_equal(buf, "2028-02-29");
    /* The four-digit years' ends: 0001-01-01 and 9999-12-31 format; a day
     * beyond either has no four-digit date and formats as empty text. */
    ts_date_format(day_of("0001-01-01"), buf);
    assert_string_equal(buf, "0001-01-01");
    ts_date_format(day_of("9999-12-31"), buf);
    assert_string_equal(buf, "9999-12-31");
    ts_date_format(day_of("9999-12-31") + 1, buf);
    assert_string_equal(buf, "");
    ts_date_format(day_of("0001-01-01") - 367, buf);
    assert_string_equal(buf, "");
}

static void test_week_steps(void **state)
{
    (void)state;
    ts_calendar cal = {TS_STEP_WEEK, day_of("2025-01-20"), day_of("2025-12-31"), 50, 7 / 365.25};
    char buf[11];
    ts_calendar_step_date(&cal, 0, buf);
    assert_string_equal(buf, "2025-01-20");
    ts_calendar_step_date(&cal, 1, buf);
    assert_string_equal(buf, "2025-01-27");
    ts_calendar_step_date(&cal, 49, buf);
    assert_string_equal(buf, "2025-12-29");
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2025-01-20")), 0);
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2025-01-21")), 1);
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2025-01-27")), 1);
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2025-01-01")), 0);
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2025-12-29")), 49);
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2025-12-30")), -1);
}

static void test_month_steps_clamp(void **state)
{
    (void)state;
    ts_calendar cal = {TS_STEP_MONTH, day_of("2024-01-31"), 0, 14, 1.0 / 12};
    char buf[11];
    const char *want[] = {"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30",
                          "2024-05-31", "2024-06-30", "2024-07-31", "2024-08-31",
                          "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31",
                          "2025-01-31", "2025-02-28"};
    for (int t = 0; t < 14; t++) {
        ts_calendar_step_date(&cal, t, buf);
        assert_string_equal(buf, want[t]);
        assert_int_equal(ts_calendar_step_of_day(&cal, day_of(want[t])), t);
    }
    /* A day between two month steps maps to the later one. */
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2024-02-01")), 1);
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2024-03-01")), 2);
    assert_int_equal(ts_calendar_step_of_day(&cal, day_of("2025-03-01")), -1);
}

static void test_day_and_abstract(void **state)
{
    (void)state;
    ts_calendar cal = {TS_STEP_DAY, day_of("2024-02-27"), 0, 5, 1 / 365.25};
    char buf[11];
    ts_calendar_step_date(&cal, 2, buf);
    assert_string_equal(buf, "2024-02-29");
    ts_calendar_step_date(&cal, 3, buf);
    assert_string_equal(buf, "2024-03-01");
    ts_calendar abs = {TS_STEP_ABSTRACT, 0, 0, 10, 1.0};
    ts_calendar_step_date(&abs, 3, buf);
    assert_string_equal(buf, "");
    assert_int_equal(ts_calendar_step_of_day(&abs, 0), -1);
}

static void test_loaded_step_counts(void **state)
{
    (void)state;
    ts_error err;
    /* 2025-01-20 + 49 weeks = 2025-12-29 <= 2025-12-31 < + 50 weeks: 50 steps. */
    ts_scenario *sc = ts_scenario_parse(
        "calendar = { start = \"2025-01-20\"; end = \"2025-12-31\"; };\n"
        "actors = ({ id = \"a\"; }, { id = \"b\"; });\n"
        "issues = ({ id = \"x\"; kind = \"tariff\"; owner = \"a\"; });\n",
        "t.cfg", NULL, 0, &err);
    assert_non_null(sc);
    assert_int_equal(sc->calendar.steps, 50);
    assert_int_equal(sc->calendar.unit, TS_STEP_WEEK);
    assert_true(sc->calendar.step_years == 7.0 / 365.25);
    ts_scenario_free(sc);
    /* Month steps from Jan 31 with steps = 2: end is the day before step 2 (Mar 31). */
    sc = ts_scenario_parse(
        "calendar = { start = \"2024-01-31\"; steps = 2; step = \"month\"; };\n"
        "actors = ({ id = \"a\"; }, { id = \"b\"; });\n"
        "issues = ({ id = \"x\"; kind = \"tariff\"; owner = \"a\"; });\n",
        "t.cfg", NULL, 0, &err);
    assert_non_null(sc);
    char buf[11];
    ts_date_format(sc->calendar.end_day, buf);
    assert_string_equal(buf, "2024-03-30");
    assert_true(sc->calendar.step_years == 1.0 / 12.0);
    ts_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_and_known_days), cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_format_round_trip),    cmocka_unit_test(test_week_steps),
        cmocka_unit_test(test_month_steps_clamp),    cmocka_unit_test(test_day_and_abstract),
        cmocka_unit_test(test_loaded_step_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
