/* A calibration's target file: dated observations of trajectory columns
 * (calibrate.h; docs/cli.md, "calibrate"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradesim/calibrate.h"
#include "tradesim/calendar.h"
#include "tradesim/csvread.h"
#include "tradesim/engine.h"

enum { COL_WHEN, COL_SERIES, COL_VALUE, COL_WEIGHT, COL_SD, COL_SOURCE, N_COLS };

static ts_status header(ts_csvread *r, const ts_scenario *sc, int *at, bool *by_step,
                        ts_error *err)
{
    bool got = false;
    ts_status st = ts_csvread_next(r, &got, err);
    if (st != TS_OK)
        return st;
    if (!got)
        return ts_error_set(err, TS_EBAD, "%s: empty: expected a header such as "
                            "date,series,value,weight,sd", ts_csvread_path(r));
    for (int j = 0; j < N_COLS; j++)
        at[j] = -1;
    for (size_t i = 0; i < ts_csvread_count(r); i++) {
        const char *f = ts_csvread_field(r, i);
        static const char *const names[N_COLS] = {"date", "series", "value", "weight", "sd",
                                                  "source"};
        int j = -1;
        for (int m = 0; m < N_COLS; m++)
            if (!strcmp(f, names[m]))
                j = m;
        if (!strcmp(f, "step")) {
            j = COL_WHEN;
            *by_step = true;
        }
        if (j < 0 || at[j] >= 0)
            return ts_error_set(err, TS_EBAD, "%s:1: column '%s': expected date (or step), "
                                "series, value, weight, sd, source, each once",
                                ts_csvread_path(r), f);
        at[j] = (int)i;
    }
    if (at[COL_WHEN] < 0 || at[COL_SERIES] < 0 || at[COL_VALUE] < 0)
        return ts_error_set(err, TS_EBAD, "%s:1: the header needs date (or step), series and "
                            "value", ts_csvread_path(r));
    if (!*by_step && sc->calendar.unit == TS_STEP_ABSTRACT)
        return ts_error_set(err, TS_EBAD, "%s:1: a date column, but %s has an abstract "
                            "calendar: use step", ts_csvread_path(r), sc->path);
    return TS_OK;
}

static const char *field(const ts_csvread *r, int at)
{
    return at >= 0 && (size_t)at < ts_csvread_count(r) ? ts_csvread_field(r, (size_t)at) : "";
}

static int series_index(ts_cal_target *t, const char *name)
{
    for (int s = 0; s < t->n_series; s++)
        if (!strcmp(t->series[s], name))
            return s;
    snprintf(t->series[t->n_series], sizeof t->series[0], "%s", name);
    return t->n_series++;
}

/* One observation row into o. */
static ts_status row(ts_csvread *r, const ts_scenario *sc, const ts_engine *e, const int *at,
                     bool by_step, ts_cal_target *t, ts_cal_obs *o, ts_error *err)
{
    const char *path = ts_csvread_path(r);
    size_t line = ts_csvread_line(r);
    const char *when = field(r, at[COL_WHEN]), *series = field(r, at[COL_SERIES]);
    int T = sc->calendar.steps;
    *o = (ts_cal_obs){.line = (int)line, .weight = 1.0, .sd = 1.0, .column = -1};
    if (by_step) {
        double v;
        if (!ts_csvread_number(when, &v) || v != floor(v) || v < 0 || v >= T)
            return ts_error_set(err, TS_EBAD, "%s:%zu: step '%s': expected a whole number "
                                "from 0 to %d", path, line, when, T - 1);
        o->step = (int)v;
    } else {
        int32_t day;
        if (!ts_date_parse(when, &day))
            return ts_error_set(err, TS_EBAD, "%s:%zu: date '%s': expected YYYY-MM-DD",
                                path, line, when);
        o->step = day < sc->calendar.start_day ? -1 : ts_calendar_step_of_day(&sc->calendar, day);
        if (o->step < 0)
            return ts_error_set(err, TS_EBAD, "%s:%zu: date %s is outside %s's calendar",
                                path, line, when, sc->name);
    }
    if (strcmp(series, TS_CAL_FIRST_DEAL) != 0) {
        for (int c = 0; c < ts_engine_n_columns(e); c++)
            if (!strcmp(ts_engine_column_name(e, c), series))
                o->column = c;
        if (o->column < 0)
            return ts_error_set(err, TS_EBAD, "%s:%zu: series '%s': not a trajectory column "
                                "of %s (e.g. %s) nor %s", path, line, series, sc->name,
                                ts_engine_column_name(e, 0), TS_CAL_FIRST_DEAL);
    }
    const char *v = field(r, at[COL_VALUE]);
    if (!*v && o->column < 0)
        o->value = o->step;   /* the first deal at the row's own step */
    else if (!ts_csvread_number(v, &o->value) || !isfinite(o->value))
        return ts_error_set(err, TS_EBAD, "%s:%zu: value '%s': expected a number", path, line,
                            v);
    const char *w = field(r, at[COL_WEIGHT]), *s = field(r, at[COL_SD]);
    if (*w && (!ts_csvread_number(w, &o->weight) || !(o->weight >= 0) || !isfinite(o->weight)))
        return ts_error_set(err, TS_EBAD, "%s:%zu: weight '%s': expected a number >= 0", path,
                            line, w);
    if (*s && (!ts_csvread_number(s, &o->sd) || !(o->sd > 0) || !isfinite(o->sd)))
        return ts_error_set(err, TS_EBAD, "%s:%zu: sd '%s': expected a number > 0", path, line,
                            s);
    if (strlen(series) >= sizeof t->series[0])
        return ts_error_set(err, TS_EBAD, "%s:%zu: series name too long", path, line);
    o->series = series_index(t, series);
    return TS_OK;
}

ts_status ts_cal_target_read(const char *path, const ts_scenario *sc, ts_cal_target *t,
                             ts_error *err)
{
    *t = (ts_cal_target){0};
    ts_engine *e = ts_engine_alloc(sc, err);
    if (!e)
        return err->code;
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r) {
        ts_engine_free(e);
        return TS_EBAD;
    }
    int at[N_COLS], cap = 0;
    bool by_step = false, got = true;
    ts_status st = header(r, sc, at, &by_step, err);
    while (st == TS_OK && (st = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        if (t->n == cap) {
            cap = cap * 2 + 16;
            ts_cal_obs *g = realloc(t->obs, (size_t)cap * sizeof *g);
            char(*s)[64] = realloc(t->series, (size_t)cap * sizeof *s);
            if (g)
                t->obs = g;
            if (s)
                t->series = s;
            if (!g || !s) {
                st = ts_error_set(err, TS_EIO, "%s: out of memory", path);
                break;
            }
        }
        if ((st = row(r, sc, e, at, by_step, t, &t->obs[t->n], err)) == TS_OK)
            t->n++;
    }
    bool fit = false;
    for (int i = 0; i < t->n; i++)
        fit = fit || t->obs[i].weight > 0;
    if (st == TS_OK && !fit)
        st = ts_error_set(err, TS_EBAD, "%s: no observation with a weight above 0 to fit", path);
    ts_csvread_free(r);
    ts_engine_free(e);
    if (st != TS_OK)
        ts_cal_target_free(t);
    return st;
}

void ts_cal_target_free(ts_cal_target *t)
{
    free(t->obs);
    free(t->series);
    *t = (ts_cal_target){0};
}
