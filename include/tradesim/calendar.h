/* Calendar: steps and their dates.
 *
 * A scenario's steps are days, weeks, months (dated, ISO 8601) or abstract
 * (no dates). Days are counted from 1970-01-01 in the proleptic Gregorian
 * calendar, so dates need no time zone. Pure functions; thread-safe. */
#ifndef TRADESIM_CALENDAR_H
#define TRADESIM_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { TS_STEP_DAY, TS_STEP_WEEK, TS_STEP_MONTH, TS_STEP_ABSTRACT } ts_step_unit;

typedef struct {
    ts_step_unit unit;
    int32_t start_day;   /* days since 1970-01-01 of step 0 (unused when abstract) */
    int32_t end_day;     /* last calendar day included (unused when abstract) */
    int steps;           /* T: steps 0..T-1 */
    double step_years;   /* length of one step in years; 1.0 when abstract */
} ts_calendar;

/* Days since 1970-01-01 of step t (month steps keep the start's day of month,
 * clamped to the month's length). */
int32_t ts_calendar_step_day(const ts_calendar *cal, int step);
/* Writes YYYY-MM-DD for step t into buf (11 bytes); empty string when abstract. */
void ts_calendar_step_date(const ts_calendar *cal, int step, char buf[11]);
/* Parses YYYY-MM-DD into days since 1970-01-01; false if not a real date. */
bool ts_date_parse(const char *s, int32_t *day);
void ts_date_format(int32_t day, char buf[11]);
/* First step whose date is on or after day; -1 if day is after the last step. */
int ts_calendar_step_of_day(const ts_calendar *cal, int32_t day);

#endif
