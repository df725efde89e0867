/* What the files of the charts share (private to sim/analysis/plot*.c and
 * sim/analysis/gnuplot.c; the public face is tradesim/plot.h).
 *
 * plot_data.c loads a folder's aggregate.csv into a ts_plot_data, plot.c
 * builds gnuplot scripts from it, holds the script text every chart shares
 * and the public entry point; plot_exp_data.c and plot_exp.c do the same for
 * an experiment folder; gnuplot.c runs the program on one script. A ts_plot_data is immutable once
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
#include "tradesim/text.h"

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

/* The folder's last path component, "." and ".." resolved (malloc'd). */
char *ts_pl_folder_name(const char *dir);

/* The series of s[0..n) named id, or NULL. */
const pl_series *ts_pl_find_series(const pl_series *s, size_t n, const char *id);

/* Draws one chart into opt->out_dir as <stem>.png and <stem>.svg: the fan
 * chart of issue, or the totals chart when issue is NULL (see
 * ts_plot_draw()). */
ts_status ts_pl_draw_chart(const ts_plot_data *const *d, size_t n, const char *issue,
                           const char *stem, const ts_plot_options *opt, ts_error *err);

/* Builds a chart's script for the two temporary files (malloc'd; NULL and
 * err on failure). */
typedef char *(*ts_pl_script_fn)(const void *ctx, const ts_plot_files *files, ts_error *err);

/* Draws the script build(ctx) makes into opt->out_dir as <stem>.png and
 * <stem>.svg, atomically, listing them on opt->list. */
ts_status ts_pl_draw_script(const char *stem, ts_pl_script_fn build, const void *ctx,
                            const ts_plot_options *opt, ts_error *err);

/* Script text shared by every chart (plot.c). */
void ts_pl_quote(ts_text *b, const char *s);          /* a gnuplot single-quoted string */
bool ts_pl_path_ok(const char *p, ts_error *err);     /* false for paths with line breaks */
const char *ts_pl_colour(size_t i);                   /* the palette, cycled */
double ts_pl_nice_step(double span);                  /* a round tick interval */
/* The script: encoding, the datablocks, then body once per terminal (PNG,
 * SVG) at w x h pixels. Frees blocks' and body's text. */
char *ts_pl_finish(ts_text *blocks, ts_text *body, const ts_plot_files *files, int w, int h,
                   ts_error *err);
/* "<prefix>_<id>" with '/' and control characters made '_' (malloc'd). */
char *ts_pl_file_part(const char *prefix, const char *id);

#endif
