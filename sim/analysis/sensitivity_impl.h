/* Helpers the sensitivity estimators share (sensitivity.c, givendata.c). */
#ifndef TRADESIM_SENSITIVITY_IMPL_H
#define TRADESIM_SENSITIVITY_IMPL_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "tradesim/sensitivity.h"

/* Below this share of the mean square, a variance is rounding noise. */
#define TS_SENS_CONSTANT 1e-24

/* TS_EBAD naming the first non-finite y[j], prefixed by what. */
ts_status ts_sens_check_finite(const double *y, size_t n, const char *what, ts_error *err);
/* TS_EBAD when opt is NULL or its level is outside (0, 1). */
ts_status ts_sens_check_boot(const ts_boot_options *opt, const char *what, ts_error *err);
/* *e = 0 with interval [0, 0], undefined (nothing when e is NULL). */
void ts_sens_undefined(ts_estimate *e);
/* e's percentile interval at level from column col of boot (B rows of k);
 * scratch holds B. With B = 0 the interval is e->value. */
void ts_sens_percentile(ts_estimate *e, const double *boot, size_t B, size_t k, size_t col,
                        double level, double *scratch);
/* n indices drawn uniformly from 0..n-1 with replacement. */
void ts_sens_resample(gsl_rng *r, size_t n, size_t *idx);

#endif
