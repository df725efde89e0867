/* Experiments: a design of points over a scenario's uncertain parameters,
 * each point a full Monte Carlo run, and the sensitivity of the headline
 * outcomes to each parameter (docs/experiments.md).
 *
 * Every point runs the scenario's replicates with its parameter values fixed
 * (common random numbers: replicate k has the same seed at every point), so
 * the difference between two points is the parameters' effect and not
 * noise. Points are independent tasks of the pool, each stored at its index,
 * so the files do not depend on -j; a finished point is appended to
 * points.partial.csv at once, so an interrupted experiment resumes where it
 * stopped (--resume). */
#ifndef TRADESIM_EXPERIMENT_H
#define TRADESIM_EXPERIMENT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "tradesim/csv.h"
#include "tradesim/error.h"
#include "tradesim/output.h"
#include "tradesim/scenario.h"
#include "tradesim/sensitivity.h"

typedef enum {
    TS_EXP_GRID,     /* full factorial; n levels per factor (a discrete factor: its values) */
    TS_EXP_LHS,      /* Latin hypercube of n points */
    TS_EXP_SOBOL,    /* Saltelli's scheme, base n: n (k + 2) points */
    TS_EXP_MORRIS,   /* n trajectories of k + 1 points */
    TS_EXP_COUNT
} ts_experiment_design;

/* "grid", "lhs", "sobol", "morris". */
extern const char *const ts_experiment_design_names[TS_EXP_COUNT];

/* The files of DIR/<name>/. */
#define TS_EXP_DESIGN "design.csv"
#define TS_EXP_POINTS "points.csv"
#define TS_EXP_SENSITIVITY "sensitivity.csv"
#define TS_EXP_PARTIAL "points.partial.csv"
#define TS_EXP_SCENARIO "scenario.cfg"
/* A shard's block of points, every metric exact (shard.h). */
#define TS_EXP_VALUES "values.csv"

typedef struct {
    ts_experiment_design design;
    int n;                  /* see ts_experiment_design; 0: the default (3, 64, 64, 16) */
    int threads;            /* 0: one per core */
    bool resume;            /* keep the points of points.partial.csv */
    long first, last;       /* run only points [first, last); last 0: to the end */
    bool values_only;       /* a shard: values.csv instead of points.csv, sensitivity.csv */
    const atomic_int *cancel;
    /* About every 0.2 s from the calling thread, and once at the end. */
    void (*progress)(void *ctx, long done, long total);
    void *progress_ctx;
} ts_experiment_opts;

/* The design's points: n_points rows of k values (the factors in the
 * scenario's `uncertain` order), in design.csv's order. TS_EBAD when the
 * scenario has no uncertain parameter, or the design cannot be made (too
 * many factors for sobol, n too small). The caller frees *values. */
ts_status ts_experiment_points(const ts_scenario *sc, const ts_experiment_opts *o,
                               double **values, int *n_points, ts_error *err);

/* Runs the experiment into folder (created; the caller holds the output
 * folder's lock): design.csv, points.csv, sensitivity.csv and the resolved
 * scenario.cfg. Points done before an interruption stay in
 * points.partial.csv; with o->resume they are kept when scenario.cfg and
 * design.csv are the ones this experiment would write. *done: points run by
 * this call (may be NULL). */
ts_status ts_experiment_run(const ts_scenario *sc, const char *folder,
                            const ts_experiment_opts *o, long *done, ts_error *err);

/* sensitivity.csv's header and one estimate's row (empty cells when the
 * index is undefined): the one writer of that format, for experiments and
 * `tradesim sensitivity`. */
void ts_experiment_put_header(ts_csv *f);
void ts_experiment_put_estimate(ts_csv *f, const char *output, const char *param,
                                const char *method, const char *index, const ts_estimate *e);
/* One output's given-data rows of sensitivity.csv: the first-order index
 * (binned correlation ratio) and PRCC of each of the k factors over n rows
 * of x ([n][k]) and y; factor j's name at factor + j * stride. work: room
 * for 2 k estimates. */
ts_status ts_experiment_put_given(ts_csv *f, const char *output, const char *factor,
                                  size_t stride, const double *x, const double *y, size_t n,
                                  size_t k, const ts_boot_options *bo, ts_estimate *work,
                                  ts_error *err);
/* The metrics of points.csv after the factors, in its order: the
 * replicates' deal share and mean counts, then summary.csv's outcomes. *m
 * of them; NULL when out of memory. The caller frees. */
char (*ts_experiment_metrics(const ts_scenario *sc, int *m))[TS_OUTCOME_NAME];

/* Runs the block [o->first, o->last) of the design in memory, no file:
 * y ([n_points][m] as ts_experiment_points and ts_experiment_metrics count
 * them) gets the block's rows. */
ts_status ts_experiment_run_block(const ts_scenario *sc, const ts_experiment_opts *o,
                                  double *y, ts_error *err);

/* The files every way of running an experiment ends with, from the exact
 * values, so one machine, merged shards and MPI write the same bytes:
 * design.csv and scenario.cfg (inputs), points.csv and sensitivity.csv
 * (results; y as ts_experiment_run_block fills it). */
ts_status ts_experiment_write_inputs(const ts_scenario *sc, const char *folder, const double *x,
                                     int n_points, ts_error *err);
ts_status ts_experiment_write_results(const ts_scenario *sc, const char *folder,
                                      const ts_experiment_opts *o, const double *x,
                                      int n_points, const double *y, ts_error *err);

#endif
