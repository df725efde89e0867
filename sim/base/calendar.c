/* Calendar: ISO dates as days since 1970-01-01 and the mapping between steps
 * and dates.
 *
 * Invariants: step dates strictly increase with the step (month steps keep
 * the start's day of month, clamped to shorter months, so they never
 * collide); abstract calendars have no dates at all. Proleptic Gregorian
 * arithmetic after H. Hinnant's days_from_civil, valid for years 1..9999. */
#include "tradesim/calendar.h"

#include <stdio.h>
#include <string.h>

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int32_t doe = z - era * 146097;
    const int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int32_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400) + (*m <= 2);
}

bool ts_date_parse(const char *s, int32_t *day)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    if (day)
        *day = days_from_civil(y, m, d);
    return true;
}

void ts_date_format(int32_t day, char buf[11])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
}

int32_t ts_calendar_step_day(const ts_calendar *cal, int step)
{
    switch (cal->unit) {
    case TS_STEP_DAY:
        return cal->start_day + step;
    case TS_STEP_WEEK:
        return cal->start_day + 7 * step;
    case TS_STEP_MONTH: {
        int y, m, d;
        civil_from_days(cal->start_day, &y, &m, &d);
        int months = (m - 1) + step;
        y += months / 12;
        m = months % 12 + 1;
        int dim = days_in_month(y, m);
        return days_from_civil(y, m, d < dim ? d : dim);
    }
    case TS_STEP_ABSTRACT:
    default:
        return 0;
    }
}

void ts_calendar_step_date(const ts_calendar *cal, int step, char buf[11])
{
    if (cal->unit == TS_STEP_ABSTRACT) {
        buf[0] = '\0';
        return;
    }
    ts_date_format(ts_calendar_step_day(cal, step), buf);
}

int ts_calendar_step_of_day(const ts_calendar *cal, int32_t day)
{
    if (cal->unit == TS_STEP_ABSTRACT || cal->steps <= 0)
        return -1;
    if (ts_calendar_step_day(cal, cal->steps - 1) < day)
        return -1;
    /* Step dates increase strictly: binary search for the first >= day. */
    int lo = 0, hi = cal->steps - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (ts_calendar_step_day(cal, mid) >= day)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
