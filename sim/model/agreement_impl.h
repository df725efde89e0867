/* Agreements internals: what agreement.c (the hook, the lifecycle, the log
 * text) and negotiate.c (setting up and solving one talk) share. Not
 * installed; the API is include/tradesim/agreement.h. Functions and data
 * shared between the files carry the prefix ts_ag_. */
#ifndef TRADESIM_AGREEMENT_IMPL_H
#define TRADESIM_AGREEMENT_IMPL_H

#include <stdbool.h>

#include "tradesim/agreement.h"

/* How a talk was set up, for its log row. */
typedef struct {
    double threat[TS_MAX_ISSUES];  /* the disagreement point's levels */
    bool noncooperative;           /* asked for */
    bool converged;                /* threat point found (else the status quo is used) */
    int sweeps;
    bool patience;                 /* nash weights from patience */
    bool patience_fallback;        /* both discounts 0: power weights used */
    double wt[2];                  /* nash weights used */
    double delta[2];               /* alternating: per-round factors */
} talk_setup;

/* The options used when none are given. */
extern const ts_agreement_opts ts_ag_default_opts;

/* ts_agreement_negotiate, also telling how the talk was set up (ts). */
ts_status ts_ag_negotiate(const ts_agreement_opts *aopts, ts_talks_workspace *ws, const ts_world *w,
                          const ts_talk *tk, const double *x0, ts_talks_result *res, double d[2],
                          talk_setup *ts, ts_error *err);

#endif
