/* Agreements: the talks phase of the engine (docs/model.md, "Talks and agreements").
 *
 * ts_agreement_hook() is a ts_talks_hook. Each step it (1) observes the
 * active agreement's levers as they were seen at the end of the previous
 * step, updating trust and detecting a breach; (2) handles expiry (snapback,
 * keep or renegotiate); (3) draws each side's compliance for the step and
 * sets the agenda levers; (4) holds the scheduled talks of the step and,
 * with talks_hazard, a random talk. Talks value packages by
 * ts_world_rollout() over the agreement's duration and solve them with
 * ts_talks_nash() (given the values issue by issue as well when they are
 * separable), ts_talks_rubinstein() or ts_talks_concession(). Every talk, agreement, breach
 * and expiry is a log row; the replicate's deal counters are kept here.
 *
 * Threads: the hook's ctx is a const ts_agreement_opts, only read, so one
 * ctx serves every worker thread. Everything mutable (the solver workspace,
 * the active agreement, the talks cursor) lives in the replicate's
 * talks_state, allocated on the hook's first call and released with the
 * replicate; it is reset at step 0. RNG draws, all from the replicate's own
 * generator and in a fixed order (compliance of actor 0 then actor 1 while
 * an agreement is in force, then one hazard draw per step when the hazard
 * is enabled), so results do not depend on the thread count. The equations
 * and conventions are in docs/model.md ("Talks and agreements"). */
#ifndef TRADESIM_AGREEMENT_H
#define TRADESIM_AGREEMENT_H

#include "tradesim/engine.h"
#include "tradesim/talks.h"

/* Package accuracy of talks in the engine, as a share of each lever's range:
 * the solvers' own default (docs/model.md measures it against converged
 * solves). */
#define TS_AGREEMENT_XTOL 1e-4

typedef struct {
    double xtol;      /* solver accuracy (0: TS_AGREEMENT_XTOL) */
    int max_evals;    /* per solve (0: the solver's default) */
    int starts;       /* nash start points (0: the solver's default) */
    /* Nash by the simplex on full roll-outs even when the agenda's values are
     * separable (for comparisons; false: the trust-region Newton method on
     * one-issue roll-outs whenever no interaction joins two agenda levers). */
    bool simplex;
} ts_agreement_opts;

/* The talks hook; ctx is a const ts_agreement_opts * (NULL: defaults). */
ts_status ts_agreement_hook(void *ctx, const ts_engine *e, ts_replicate *r, ts_error *err);

/* Sets opts->talks and opts->talks_ctx so that ts_engine_run holds the
 * scenario's talks; aopts (NULL: defaults) must outlive the run. */
void ts_agreement_hook_opts(ts_engine_opts *opts, const ts_agreement_opts *aopts);

/* One talk from world w's current state, nothing changed: the package over
 * the agenda of tk by its protocol, status quo x0 (the agenda levers' levels;
 * NULL = their current levels), which is the disagreement point, or with
 * tk->disagreement noncooperative the start of the best responses that find
 * it (ts_agreement_threat_point; x0 itself if they do not converge); values
 * by roll-out over tk->duration_steps with pledges valued at trust-weighted
 * levels. d gets the disagreement values. ws must fit the agenda and
 * tk->rounds. */
ts_status ts_agreement_negotiate(const ts_agreement_opts *aopts, ts_talks_workspace *ws,
                                 const ts_world *w, const ts_talk *tk, const double *x0,
                                 ts_talks_result *res, double d[2], ts_error *err);

/* The noncooperative threat point of talk tk in world w's current state:
 * best responses over the agenda (each owner's levers set, in turn, to
 * maximise its own value over tk->duration_steps by roll-out, the other
 * agenda levers fixed), actor 0's levers then actor 1's, from x (in: the
 * agenda's starting levels) until a sweep moves no lever by more than 1e-7
 * of its range (at most 100 sweeps). True with the fixed point in x and the
 * sweeps used in *sweeps; false (x then the last sweep's levels) if it did
 * not converge. Nothing allocated; w is not changed. */
bool ts_agreement_threat_point(const ts_world *w, const ts_talk *tk, double *x, int *sweeps);

/* Per-step probability of a random talk given both actors' losses (bn USD a
 * year, or per step when abstract; negative losses count as 0):
 *   p = 1 - exp(-(base + sensitivity (loss_0 + loss_1))). */
double ts_agreement_hazard(const ts_talks_hazard *h, double loss0, double loss1);

#endif
