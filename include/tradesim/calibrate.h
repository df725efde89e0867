/* Calibration: fitting a scenario's uncertain parameters to observed paths
 * (docs/cli.md, "calibrate").
 *
 * The target is a file of dated observations of trajectory columns (and of
 * the step of the first deal); the parameters are the scenario's `uncertain`
 * list, their distributions the priors. Two methods:
 * - simulated minimum distance: the weighted squared distance between the
 *   simulated mean (or median) path over the replicates and the observations,
 *   with common random numbers (replicate k has the same seed at every
 *   parameter value), minimised by Nelder-Mead on the priors' quantile scale
 *   from the best point of a Latin hypercube;
 * - ABC rejection: a Latin hypercube of draws from the priors, each run with
 *   the scenario's replicates, every (draw, replicate) pair one simulated
 *   history; the closest share of pairs is the posterior sample;
 * - ABC-SMC: from that hypercube, five generations of weighted particles
 *   with shrinking tolerances (calibrate_smc.c).
 * Points run as tasks of the pool, stored by index: files never depend on -j.
 * Every finished run goes to calibrate.partial.csv at once, so an
 * interrupted calibration resumes (opts.resume) where it stopped. */
#ifndef TRADESIM_CALIBRATE_H
#define TRADESIM_CALIBRATE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "tradesim/error.h"
#include "tradesim/scenario.h"

/* The series name of the first deal's step (a summary of each replicate;
 * a replicate without a deal counts as the number of steps). */
#define TS_CAL_FIRST_DEAL "first_deal_step"

typedef struct {
    int step;
    int column;        /* trajectory column, or -1 for TS_CAL_FIRST_DEAL */
    int series;        /* index into the target's series names */
    double value, weight, sd;
    int line;          /* in the target file */
} ts_cal_obs;

typedef struct {
    ts_cal_obs *obs;
    int n;
    char (*series)[64];   /* distinct series, in order of first appearance */
    int n_series;
} ts_cal_target;

/* Reads a target file for sc: a header naming `date` (or `step`), `series`,
 * `value` and optionally `weight` (default 1; 0 holds the row out of the fit
 * and reports it as out of sample), `sd` (default 1) and `source` (ignored).
 * TS_EBAD naming the file and line for an unknown column or series, a date
 * outside the calendar, a bad number. */
ts_status ts_cal_target_read(const char *path, const ts_scenario *sc, ts_cal_target *t,
                             ts_error *err);
void ts_cal_target_free(ts_cal_target *t);

typedef enum {
    TS_CAL_SMD,
    TS_CAL_SMD_MEDIAN,
    TS_CAL_ABC,
    TS_CAL_ABC_SMC,
    TS_CAL_COUNT
} ts_cal_method;

/* "smd", "smd_median", "abc", "abc_smc". */
extern const char *const ts_cal_method_names[TS_CAL_COUNT];

/* The files of DIR/<name>/. */
#define TS_CAL_FIT "fit.csv"
#define TS_CAL_POSTERIOR "posterior.csv"
#define TS_CAL_DISTANCE "distance.csv"
#define TS_CAL_PATHS "paths.csv"
#define TS_CAL_POINTS "points.csv"
#define TS_CAL_CHART "chart.gp"
#define TS_CAL_PARTIAL "calibrate.partial.csv"

typedef struct {
    ts_cal_method method;
    int n;              /* Latin hypercube points (0: 32 for smd, 256 for abc); abc_smc:
                           also the population's size */
    double accept;      /* abc: accepted share of histories (0: 0.05) */
    int max_iter;       /* smd: Nelder-Mead iterations (0: 200) */
    int threads;        /* 0: one per core */
    bool resume;        /* take the runs of calibrate.partial.csv */
    /* The scenario file as the fitted .cfg's `extends` names it (relative to
     * the output folder). */
    const char *extends;
    const atomic_int *cancel;
    void (*progress)(void *ctx, const char *stage, long done, long total);
    void *progress_ctx;
} ts_cal_opts;

typedef struct {
    double distance;       /* in-sample (weight > 0) objective at the estimate */
    double distance_out;   /* out-of-sample rows' distance (weight 1 each); 0 if none */
    int evaluations;       /* runs of the scenario by this call (not taken from the record) */
    bool chart;            /* chart.png drawn (gnuplot found and succeeded) */
} ts_cal_result;

/* Calibrates sc to t into folder (created; the caller holds the output
 * lock): fit.csv, distance.csv, paths.csv, points.csv, posterior.csv (abc),
 * <name>_fit.cfg, chart.gp and (gnuplot permitting) chart.png. TS_EBAD when sc has no uncertain parameter
 * or t no in-sample row. */
ts_status ts_calibrate(const ts_scenario *sc, const ts_cal_target *t, const char *folder,
                       const ts_cal_opts *o, ts_cal_result *res, ts_error *err);

#endif
