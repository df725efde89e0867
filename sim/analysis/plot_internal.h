/* What the three files of the charts share (private to sim/plot*.c and
 * sim/analysis/gnuplot.c; the public face is tradesim/plot.h).
 *
 * plot_data.c loads a folder's aggregate.csv into a ts_plot_data, plot.c
 * builds gnuplot scripts from it and holds the public entry point, and
 * gnuplot.c runs the program on one script. A ts_plot_data is immutable once
 * ts_plot_load() has returned it, so any number of threads may read it.
 *
 * Types here carry the short prefix pl_; functions carry ts_pl_, because the
 * library exports only ts_ names and a program linking it meets no other. */
#ifndef TRADESIM_PLOT_INTERNAL_H
#define TRADESIM_PLOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "tradesim/error.h"
#include "tradesim/plot.h"

/* The statistics aggregate.csv gives for each trajectory column, in the order
 * a script's datablock lists them after x (so `using 1:2` is the mean, 1:3
 * p05, 1:4 p50 and 1:5 p95). */
enum { PL_MEAN, PL_P05, PL_P50, PL_P95, PL_N_STATS };

/* One trajectory column X: its id and the columns of X_mean, X_p05, ... */
typedef struct {
    char *id;
    size_t col[PL_N_STATS];
    /* From the folder's scenario.cfg when it loads (else has_meta is false
     * and the charts fall back to ids and autoscaled levels): an issue's
     * kind, range and owner's name; an actor's name. */
    bool has_meta;
    int kind;           /* ts_issue_kind (issues) */
    double min, max;    /* the lever's range (issues) */
    char *name;         /* the actor's, or the issue owner's; NULL without meta */
} pl_series;

struct ts_plot_data {
    char *dir;
    char *name;
    size_t n_rows, n_cols;
    double *step;       /* n_rows */
    char (*date)[11];   /* n_rows, "YYYY-MM-DD" or "" */
    bool has_dates;
    double *v;          /* n_rows * n_cols, NaN where empty or not finite */
    pl_series *issues, *actors;
    size_t n_issues, n_actors;
};

/* The series of s[0..n) named id, or NULL. */
const pl_series *ts_pl_find_series(const pl_series *s, size_t n, const char *id);

/* Draws one chart into opt->out_dir as <stem>.png and <stem>.svg: the fan
 * chart of issue, or the totals chart when issue is NULL (see
 * ts_plot_draw()). */
ts_status ts_pl_draw_chart(const ts_plot_data *const *d, size_t n, const char *issue,
                           const char *stem, const ts_plot_options *opt, ts_error *err);

#endif
