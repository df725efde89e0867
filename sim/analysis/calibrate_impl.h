/* What calibrate.c and calibrate_out.c share (private to analysis/). */
#ifndef TRADESIM_CALIBRATE_IMPL_H
#define TRADESIM_CALIBRATE_IMPL_H

#include <stdbool.h>

#include "tradesim/calibrate.h"
#include "tradesim/engine.h"

typedef struct {
    const ts_scenario *sc;
    const ts_cal_target *t;
    const ts_cal_opts *o;
    ts_engine *e;
    int k, R, P;
    bool median;
    double *u, *x;     /* [P][k] the design's shares and values */
    double *dist;      /* [P] in-sample distance of each point's mean (median) path */
    double *drep;      /* abc: [P][R] each history's in-sample distance */
    long *acc;         /* abc: accepted histories (point * R + replicate), closest first */
    double *acc_d;
    long n_acc;
    double accept_d;   /* abc: the largest accepted distance (epsilon) */
    int evals;
} cal_ctx;

/* Runs the scenario at values (threads for the engine) and fills sim[n_obs]
 * with the mean (median) over replicates of each observation's series; drep
 * (may be NULL): each replicate's in-sample distance; band (may be NULL):
 * [n_obs][2] the 2.5% and 97.5% quantiles over replicates. Values the
 * scenario refuses give distances of 1e300, not an error. */
ts_status ts_cal_eval(const cal_ctx *c, const double *values, int threads, double *sim,
                      double *drep, double *band, ts_error *err);

/* The in-sample distance (weight > 0 rows) and the out-of-sample one (weight
 * 0 rows, each with weight 1), and per series when the arrays are given. */
void ts_cal_distances(const ts_cal_target *t, const double *sim, double *in, double *out,
                      double *per_series_in, double *per_series_out);

/* Simulated minimum distance's 95% intervals at est (calibrate_out.c). */
ts_status ts_cal_interval(cal_ctx *c, const double *est, double *lo, double *hi, ts_error *err);

/* Every file of the calibration into folder. */
ts_status ts_cal_write(cal_ctx *c, const char *folder, const double *est, const double *lo,
                       const double *hi, ts_cal_result *res, ts_error *err);

#endif
