/* Charts of result folders and experiment folders, drawn by gnuplot.
 *
 * ts_plot_load() reads one result folder's aggregate.csv (one row per step:
 * `step, date`, and `X_mean, X_p05, X_p50, X_p95` per trajectory column X)
 * and sorts its columns into issues (levels) and actors (`<actor>_total`,
 * cumulative discounted payoff). ts_plot_issue_script() and
 * ts_plot_totals_script() build self-contained gnuplot scripts (data inlined
 * as datablocks, so gnuplot reads no file but its script); ts_plot_draw()
 * writes every chart of one or several folders, each as PNG and SVG, through
 * temporary names renamed when gnuplot has succeeded, so no half-written chart
 * is ever left under a final name.
 *
 * A ts_plot_data is immutable after loading; the functions here keep no state
 * of their own and may run in several threads at once. */
#ifndef TRADESIM_PLOT_H
#define TRADESIM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tradesim/error.h"

typedef struct ts_plot_data ts_plot_data;

/* Reads dir/aggregate.csv. The scenario's name is dir's last path component
 * (as `tradesim run` names folders). NULL and err on failure: TS_EBAD when
 * dir has no aggregate.csv or the file is malformed (naming file and line),
 * TS_EIO when reading fails or memory runs out. */
ts_plot_data *ts_plot_load(const char *dir, ts_error *err);
void ts_plot_free(ts_plot_data *d);

const char *ts_plot_name(const ts_plot_data *d);
size_t ts_plot_n_steps(const ts_plot_data *d);
bool ts_plot_has_dates(const ts_plot_data *d);   /* every row has a date */
size_t ts_plot_n_issues(const ts_plot_data *d);
const char *ts_plot_issue(const ts_plot_data *d, size_t i);
size_t ts_plot_n_actors(const ts_plot_data *d);
const char *ts_plot_actor(const ts_plot_data *d, size_t i);

/* Where a chart goes: png and svg are the (temporary) file names gnuplot
 * writes. */
typedef struct {
    const char *png;
    const char *svg;
} ts_plot_files;

/* Script of the fan chart of `issue` over the n folders in d (those lacking
 * the issue are left out; one folder gives the single-scenario chart with
 * median, 5-95% band and dashed mean). Returns a malloc'd string (caller
 * frees), or NULL and err (TS_EBAD when no folder has the issue or a path
 * holds a line break, TS_EIO out of memory). */
char *ts_plot_issue_script(const ts_plot_data *const *d, size_t n, const char *issue,
                           const ts_plot_files *files, ts_error *err);

/* Script of every actor's cumulative payoff: one panel with all actors for
 * one folder, one panel per actor with the folders overlaid for several. */
char *ts_plot_totals_script(const ts_plot_data *const *d, size_t n, const ts_plot_files *files,
                            ts_error *err);

typedef struct {
    const char *out_dir;   /* created (with parents) when missing */
    const char *gnuplot;   /* program looked up in PATH; NULL = "gnuplot" */
    FILE *list;            /* when non-NULL, each chart written is listed here */
    FILE *notes;           /* when non-NULL, a series with no finite value (no chart
                              drawn for it) is noted here */
} ts_plot_options;

/* Draws every chart of the n folders into opt->out_dir: one folder gives
 * `<name>_<issue>.png|svg` and `<name>_totals.png|svg`, several give
 * `compare_<issue>.png|svg` and `compare_totals.png|svg`. Returns TS_OK, or
 * TS_EIO with err when gnuplot is missing ("gnuplot not found; install
 * gnuplot-nox"), fails (its last message quoted) or a file cannot be written.
 * Charts finished before a failure stay in place. */
ts_status ts_plot_draw(const ts_plot_data *const *d, size_t n, const ts_plot_options *opt,
                       ts_error *err);

/* ---- experiment folders -------------------------------------------------
 *
 * An experiment folder (`tradesim experiment`, DIR/<name>/) holds design.csv
 * (point and factor values), points.csv (point, factors, each point's mean
 * outcomes) and sensitivity.csv (long format: output, parameter, method,
 * index, value, lo95, hi95). ts_plot_exp_load() reads all three; the
 * extraction functions below give what the tornado and sweep charts draw, and
 * ts_plot_exp_draw() draws them. */

typedef struct ts_plot_exp ts_plot_exp;

/* Whether dir holds design.csv, points.csv and sensitivity.csv. */
bool ts_plot_is_experiment(const char *dir);

/* Reads the three files. NULL and err on failure: TS_EBAD for a missing or
 * malformed file (one line naming file and line), TS_EIO out of memory. */
ts_plot_exp *ts_plot_exp_load(const char *dir, ts_error *err);
void ts_plot_exp_free(ts_plot_exp *x);

const char *ts_plot_exp_name(const ts_plot_exp *x);   /* the folder's last component */
size_t ts_plot_exp_n_factors(const ts_plot_exp *x);
const char *ts_plot_exp_factor(const ts_plot_exp *x, size_t j);
size_t ts_plot_exp_n_points(const ts_plot_exp *x);
double ts_plot_exp_design(const ts_plot_exp *x, size_t point, size_t j);   /* design.csv */
/* The outputs of sensitivity.csv, in order of first appearance. */
size_t ts_plot_exp_n_outputs(const ts_plot_exp *x);
const char *ts_plot_exp_output(const ts_plot_exp *x, size_t i);
/* points.csv's column `name` by point (NaN where empty or not finite, or
 * for a point it lacks), or NULL when it has no such column. */
const double *ts_plot_exp_column(const ts_plot_exp *x, const char *name);

/* A grid: every factor takes at most TS_PLOT_GRID_LEVELS distinct values
 * and the points are their full factorial, each combination once. */
#define TS_PLOT_GRID_LEVELS 32
bool ts_plot_exp_is_grid(const ts_plot_exp *x);

/* One tornado bar pair: a parameter's primary index (the sort key) and the
 * secondary one, with 95% intervals; NaN where sensitivity.csv is empty. */
typedef struct {
    const char *parameter;
    double value[2], lo[2], hi[2];
} ts_plot_bar;

typedef struct {
    const char *method;     /* the output's first method in sensitivity.csv */
    const char *index[2];   /* sobol: ST, S1; morris: mu_star, sigma; given_data:
                               PRCC, S1; another method: its first index, NULL */
    size_t n;
    ts_plot_bar *bars;      /* by |primary| descending (|secondary| when the
                               primary is undefined; undefined last; ties in
                               file order) */
} ts_plot_tornado;

/* The bars of output's tornado. TS_EBAD when sensitivity.csv has no row for
 * output; TS_EIO out of memory. Free with ts_plot_tornado_free(). */
ts_status ts_plot_exp_tornado(const ts_plot_exp *x, const char *output, ts_plot_tornado *t,
                              ts_error *err);
void ts_plot_tornado_free(ts_plot_tornado *t);

/* Output against the first factor, one line per level combination of the
 * others (a grid), or one line through every point (one factor). */
typedef struct {
    char *label;      /* "l2=0.25, l3=1"; "" with one factor */
    size_t n;
    double *x, *y;    /* by x ascending */
} ts_plot_line;

typedef struct {
    size_t n_combos;  /* level combinations of the other factors */
    size_t n_lines;   /* at most max_lines: evenly spaced combinations,
                         the first and last included, when capped */
    ts_plot_line *lines;
} ts_plot_sweep;

/* TS_EBAD when the design is neither a grid nor of one factor, or
 * points.csv has no column output. Free with ts_plot_sweep_free(). */
ts_status ts_plot_exp_sweep(const ts_plot_exp *x, const char *output, size_t max_lines,
                            ts_plot_sweep *s, ts_error *err);
void ts_plot_sweep_free(ts_plot_sweep *s);

/* The sweep's line cap. */
#define TS_PLOT_MAX_LINES 8

/* Draws an experiment's charts into opt->out_dir: per output of
 * sensitivity.csv `<name>_tornado_<output>`, and `<name>_sweep_<output>`
 * (a grid or one factor) or `<name>_scatter_<output>` (other designs, one
 * panel per factor). Outputs with no finite value get a note and no chart.
 * Errors as ts_plot_draw(). */
ts_status ts_plot_exp_draw(const ts_plot_exp *x, const ts_plot_options *opt, ts_error *err);

/* ---- scenario discovery's peeling trade-off ------------------------------ */

/* One row of a `tradesim discover` folder's peeling.csv. */
typedef struct {
    int box;                    /* from 1 */
    double coverage, density, mass;
    int restricted;             /* factors the box restricts */
    bool chosen;                /* the step PRIM kept */
} ts_plot_peel_row;

typedef struct {
    char *name;                 /* the analysed folder's name (DIR/<name>/discover) */
    size_t n;
    ts_plot_peel_row *rows;     /* in file order */
    int n_boxes;
} ts_plot_peel;

/* Whether dir holds peeling.csv. */
bool ts_plot_is_discover(const char *dir);
/* Reads dir/peeling.csv. TS_EBAD for a missing or malformed file (one line
 * naming file, line and column), TS_EIO out of memory; p is then empty. */
ts_status ts_plot_peel_load(const char *dir, ts_plot_peel *p, ts_error *err);
void ts_plot_peel_free(ts_plot_peel *p);
/* Draws `<name>_peeling.png|svg` into opt->out_dir: density against
 * coverage along each box's peeling, the chosen step circled. Errors as
 * ts_plot_draw(). */
ts_status ts_plot_peel_draw(const ts_plot_peel *p, const ts_plot_options *opt, ts_error *err);

#endif
