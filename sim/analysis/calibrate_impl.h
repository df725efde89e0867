/* What calibrate.c and calibrate_out.c share (private to analysis/). */
#ifndef TRADESIM_CALIBRATE_IMPL_H
#define TRADESIM_CALIBRATE_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

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
    double *psim;      /* [P][n_obs] each point's simulated statistics */
    atomic_char *done; /* [P]: psim (and drep) in */
    char *flushed;     /* [P]: in the partial file */
    double *drep;      /* abc: [P][R] each history's in-sample distance */
    long *acc;         /* abc: accepted histories (point * R + replicate), closest first */
    double *acc_d;
    long n_acc;
    double accept_d;   /* abc: the largest accepted distance (epsilon) */
    int evals;
    /* abc_smc's final population: values [smc_n][k], normalised weights,
     * the share of each particle's histories within the final tolerance */
    double *smc_x, *smc_w, *smc_share, smc_eps;
    int smc_n;
    /* calibrate_cache.c: the finished runs (keys then statistics) and the
     * partial file */
    double *cache;
    int n_cache, cap_cache;
    FILE *cache_file;
    int cache_st;      /* errno of a failed write, 0 */
    char cache_path[4300];
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

/* u in (0,1)^k (kept off the faces) to the parameters' values. */
void ts_cal_values_of(const ts_scenario *sc, const double *u, double *x);

/* ABC-SMC from the design's histories (c->u, c->drep): the estimate is each
 * parameter's weighted posterior median, the interval its weighted 2.5% and
 * 97.5% quantiles; the population is left in c->smc_* (calibrate_smc.c). */
ts_status ts_cal_abc_smc(cal_ctx *c, double *est, double *lo, double *hi, ts_error *err);

/* Opens folder's calibrate.partial.csv: with resume, the records of the same
 * calibration are kept (points marked done, evaluations cached); otherwise
 * it starts empty. */
ts_status ts_cal_cache_open(cal_ctx *c, const char *folder, bool resume, ts_error *err);
/* Appends the design's finished points not yet recorded (calling thread). */
void ts_cal_cache_flush_points(cal_ctx *c);
/* ts_cal_eval with the options' threads, no replicates' distances or band,
 * through the record: a run done before is taken from it, a new one added. */
ts_status ts_cal_eval_cached(cal_ctx *c, const double *values, double *sim, ts_error *err);
/* Closes the record (removed when finished); TS_EIO if a write failed. */
ts_status ts_cal_cache_close(cal_ctx *c, bool finished, ts_error *err);

/* Simulated minimum distance's 95% intervals at est (calibrate_out.c). */
ts_status ts_cal_interval(cal_ctx *c, const double *est, double *lo, double *hi, ts_error *err);

/* Every file of the calibration into folder. */
ts_status ts_cal_write(cal_ctx *c, const char *folder, const double *est, const double *lo,
                       const double *hi, ts_cal_result *res, ts_error *err);

#endif
