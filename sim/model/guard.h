/* Numeric guard: no NaN or infinity may reach an output file.
 *
 * The loader rejects parameters that would produce one; this guard is the
 * net behind it. The engine calls ts_guard_replicate() once per finished
 * replicate; the first non-finite value fails the run with a one-line
 * message naming the replicate, step (and date) and column. */
#ifndef TRADESIM_GUARD_H
#define TRADESIM_GUARD_H

#include "tradesim/engine.h"
#include "tradesim/error.h"
#include "tradesim/scenario.h"

/* Checks replicate k's trajectory rows, issue finals and means, actor
 * totals, status-quo totals and per-issue contributions in run, whose
 * trajectory columns are named columns[0..run->C) (k is in the block run
 * holds). TS_OK when all are finite, else TS_EIO with the message. The
 * guard reads a run; it calls nothing of the engine's, which calls it. */
ts_status ts_guard_replicate(const ts_scenario *sc, const char *const *columns, const ts_run *run,
                             int k, ts_error *err);

#endif
