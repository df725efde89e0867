/* Strategies: how an actor moves its own levers between talks.
 *
 * Each step ts_strategy_move() moves every lever actor a owns that no active
 * agreement holds and no event set or moved this step (w->forced) towards
 * the strategy's target by at most max_step, adds N(0, noise) when the actor's noise > 0 (no draw otherwise), and clamps to
 * [min, max]. Strategies read the other side only through w->seen and
 * w->seen_p / w->seen_p_prev (its levels and pressure index up to the
 * previous step), so the two actors' moves are simultaneous whatever order
 * they are computed in. A ts_strategy_ws holds the GSL minimiser used by
 * best_response; allocate one per thread. */
#ifndef TRADESIM_STRATEGY_H
#define TRADESIM_STRATEGY_H

#include <gsl/gsl_rng.h>

#include "tradesim/model.h"

typedef struct ts_strategy_ws ts_strategy_ws;

/* NULL when out of memory. */
ts_strategy_ws *ts_strategy_ws_alloc(void);
void ts_strategy_ws_free(ts_strategy_ws *ws);

/* Moves actor a's free levers for step w->step. rng may be NULL when the
 * actor's noise is 0. */
void ts_strategy_move(ts_world *w, int a, ts_strategy_ws *ws, gsl_rng *rng);

/* Faratin, Sierra & Jennings (1998): alpha(t) = k + (1-k) (min(t,T)/T)^(1/beta);
 * 1 when T <= 0. */
double ts_faratin_alpha(double k, double beta, int t, int deadline);

/* The level of lever i (owned by a) maximising a's step payoff given the
 * other side's seen levels and a's other levers: a grid of 17 points, then
 * GSL's Brent minimiser inside the best bracket. Returns the current level
 * when the payoff is flat in the lever. */
double ts_strategy_best_level(const ts_world *w, int a, int i, ts_strategy_ws *ws);

/* a's step payoff from lever i at level x (issue i and the interactions that
 * involve it), the other levers as a sees them. */
double ts_strategy_lever_payoff(const ts_world *w, int a, int i, double x);

#endif
