/* Roll-out: a world's payoffs over the next steps with some levers fixed,
 * the values talks bargain over (docs/model.md, "Roll-out"). Reads the world,
 * changes nothing, allocates nothing: thread-safe on distinct worlds. */
#ifndef TRADESIM_ROLLOUT_H
#define TRADESIM_ROLLOUT_H

#include <stdbool.h>

#include "tradesim/model.h"

/* Deterministic roll-out from a world's current state for the talks: levers
 * levers[0..n_fixed-1] set to levels[], every lever then constant; no noise,
 * events or moves; the state variables (m, v, D) evolve. Returns each actor's
 * payoff over n_steps discounted from the first roll-out step (weight 1).
 * With pledge_trust, the receiver of a fixed pledge values its level e_p at
 * trust e_p + (1 - trust) e_now. The world is not changed; nothing allocated. */
void ts_world_rollout(const ts_world *from, const int *levers, const double *levels,
                      int n_fixed, int n_steps, bool pledge_trust, double out[2]);

#endif
