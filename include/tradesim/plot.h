/* Charts of result folders, drawn by gnuplot.
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

#endif
