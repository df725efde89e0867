/* The step loop, events, seeding, each replicate's status quo (its levers
 * held; see ts_run) and the Monte Carlo driver (see engine.h for the order
 * within a step). The roll-out for talks is rollout.c's, the log log.c's.
 *
 * Nothing in the step loop allocates or looks anything up by name: events
 * carry indices and byte offsets, caches in the issue states spare pow/exp
 * while a lever does not move, and a replicate's buffers are reused. The pool
 * (pool.h) hands out replicate indices and results are stored by index, so
 * the output does not depend on which thread ran what. */
/* madvise(MADV_HUGEPAGE) for the trajectory store. */
#define _DEFAULT_SOURCE
#include "tradesim/engine.h"
#include "guard.h"
#include "tradesim/pool.h"
#include "tradesim/uncertain.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>

#define COL_NAME_MAX (TS_ID_MAX + 16)

struct ts_engine {
    const ts_scenario *sc;
    const gsl_rng_type *rng_type;
    int T, C;
    int first_random;          /* index of the first random event in sc->events */
    /* A random event changes a parameter: a replicate in which one fired has
     * its own status quo; one status quo serves every other replicate. */
    bool sq_each;
    char (*col)[COL_NAME_MAX];
    const char **col_name;     /* col's rows, as the guard takes them */
    int *level_col;            /* per issue: the column of its level */
};

/* ---- engine ----------------------------------------------------------- */

uint64_t ts_splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t ts_engine_replicate_seed(uint64_t seed, int k)
{
    return ts_splitmix64(seed ^ ts_splitmix64((uint64_t)k + 1));
}

static const gsl_rng_type *find_rng(const char *name)
{
    for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    return NULL;
}

ts_engine *ts_engine_alloc(const ts_scenario *sc, ts_error *err)
{
    const gsl_rng_type *type = find_rng(sc->rng);
    if (!type) {
        ts_error_set(err, TS_EBAD, "%s: monte_carlo.rng: '%s' is not a GSL generator", sc->path,
                     sc->rng);
        return NULL;
    }
    ts_engine *e = calloc(1, sizeof *e);
    int C = 8;
    for (int i = 0; i < sc->n_issues; i++)
        C += 1 + ts_issue_n_state(sc->issues[i].kind);
    if (!e || !(e->col = calloc((size_t)C, sizeof *e->col)) ||
        !(e->col_name = malloc((size_t)C * sizeof *e->col_name)) ||
        !(e->level_col = malloc((size_t)(sc->n_issues > 0 ? sc->n_issues : 1) * sizeof(int)))) {
        if (e) {
            free(e->col);
            free(e->col_name);
        }
        free(e);
        ts_error_set(err, TS_EIO, "tradesim: out of memory");
        return NULL;
    }
    e->sc = sc;
    e->rng_type = type;
    e->T = sc->calendar.steps;
    e->C = C;
    int c = 0;
    for (int i = 0; i < sc->n_issues; i++) {
        const ts_issue *is = &sc->issues[i];
        e->level_col[i] = c;
        snprintf(e->col[c++], COL_NAME_MAX, "%s", is->id);
        for (int j = 0; j < ts_issue_n_state(is->kind); j++)
            snprintf(e->col[c++], COL_NAME_MAX, "%s_%s", is->id,
                     ts_issue_state_name(is->kind, j));
    }
    static const char *const actor_cols[] = {"pressure", "trust", "payoff", "total"};
    for (int a = 0; a < 2; a++)
        for (int j = 0; j < 4; j++)
            snprintf(e->col[c++], COL_NAME_MAX, "%s_%s", sc->actors[a].id, actor_cols[j]);
    for (c = 0; c < C; c++)
        e->col_name[c] = e->col[c];
    e->first_random = sc->n_events;
    for (int k = 0; k < sc->n_events; k++)
        if (sc->events[k].step < 0) {
            e->first_random = k;
            break;
        }
    for (int k = e->first_random; k < sc->n_events; k++)
        e->sq_each = e->sq_each || sc->events[k].n_params > 0;
    return e;
}

void ts_engine_free(ts_engine *e)
{
    if (!e)
        return;
    free(e->col);
    free(e->col_name);
    free(e->level_col);
    free(e);
}

const ts_scenario *ts_engine_scenario(const ts_engine *e) { return e->sc; }
int ts_engine_n_columns(const ts_engine *e) { return e->C; }
bool ts_engine_status_quo_per_replicate(const ts_engine *e) { return e->sq_each; }
const char *ts_engine_column_name(const ts_engine *e, int c) { return e->col[c]; }

/* ---- replicate ---------------------------------------------------------- */

ts_replicate *ts_replicate_alloc(const ts_engine *e)
{
    const ts_scenario *sc = e->sc;
    size_t n = sc->n_issues > 0 ? (size_t)sc->n_issues : 1;
    ts_replicate *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->issue_buf = calloc(n, sizeof *r->issue_buf);
    r->st_buf = calloc(n, sizeof *r->st_buf);
    r->held_buf = calloc(n, sizeof *r->held_buf);
    r->seen_buf = calloc(n, sizeof *r->seen_buf);
    r->memo_buf = malloc(n * sizeof *r->memo_buf);
    r->memo_stale_buf = calloc(n, sizeof *r->memo_stale_buf);
    r->contrib = calloc(2 * (n + 1), sizeof *r->contrib);
    r->chan = sc->channels ? calloc(n * 2 * TS_N_CHANNELS, sizeof *r->chan) : NULL;
    r->fired = calloc(sc->n_events > 0 ? (size_t)sc->n_events : 1, sizeof *r->fired);
    r->rng = gsl_rng_alloc(e->rng_type);
    r->ws = ts_strategy_ws_alloc();
    if (sc->n_uncertain > 0) {
        r->variant = ts_variant_alloc(sc);
        r->values = calloc((size_t)sc->n_uncertain, sizeof *r->values);
    }
    if (!r->issue_buf || !r->st_buf || !r->held_buf || !r->seen_buf || !r->memo_buf ||
        !r->memo_stale_buf || !r->contrib || (sc->channels && !r->chan) || !r->fired || !r->rng ||
        !r->ws || (sc->n_uncertain > 0 && (!r->variant || !r->values))) {
        ts_replicate_free(r);
        return NULL;
    }
    /* The world reads the replicate's own copy when values vary. */
    ts_world_bind(&r->w, r->variant ? ts_variant_scenario(r->variant) : sc, r->issue_buf, r->st_buf,
                  r->held_buf, r->seen_buf);
    ts_world_use_memo(&r->w, r->memo_buf, r->memo_stale_buf);
    return r;
}

void ts_replicate_free(ts_replicate *r)
{
    if (!r)
        return;
    free(r->issue_buf);
    free(r->st_buf);
    free(r->held_buf);
    free(r->seen_buf);
    free(r->memo_buf);
    free(r->memo_stale_buf);
    free(r->contrib);
    free(r->chan);
    free(r->fired);
    if (r->rng)
        gsl_rng_free(r->rng);
    ts_strategy_ws_free(r->ws);
    ts_variant_free(r->variant);
    free(r->values);
    ts_log_free(&r->log);
    if (r->talks_state && r->talks_state_free)
        r->talks_state_free(r->talks_state);
    free(r);
}

ts_status ts_replicate_start(const ts_engine *e, ts_replicate *r, int k, const double *values,
                             ts_error *err)
{
    const ts_scenario *sc = e->sc;
    r->start_status = TS_OK;
    if (r->variant) {
        if (values)
            memcpy(r->values, values, (size_t)sc->n_uncertain * sizeof *r->values);
        else
            ts_uncertain_draw(sc, k, r->values);
        for (int j = 0; j < sc->n_uncertain; j++)
            r->values[j] = ts_uncertain_value(&sc->uncertain[j], r->values[j]);
        r->start_status = ts_variant_set(r->variant, r->values, &r->start_err);
        /* The levers' caches belong to the parameters they were made with. */
        for (int i = 0; i < sc->n_issues; i++)
            r->memo_stale_buf[i] = true;
    }
    ts_world_reset(&r->w);
    r->replicate = k;
    r->seed = ts_engine_replicate_seed(sc->seed, k);
    gsl_rng_set(r->rng, (unsigned long)r->seed);
    memset(r->fired, 0, (size_t)sc->n_events * sizeof *r->fired);
    r->cursor = 0;
    r->deal = 0;
    r->first_deal_step = -1;
    r->deals = r->breaches = r->failed_talks = 0;
    r->agreement = -1;
    memset(r->contrib, 0, 2 * ((size_t)sc->n_issues + 1) * sizeof *r->contrib);
    if (r->chan)
        memset(r->chan, 0, (size_t)sc->n_issues * 2 * TS_N_CHANNELS * sizeof *r->chan);
    ts_log_clear(&r->log);
    if (r->start_status != TS_OK && err)
        *err = r->start_err;
    return r->start_status;
}

void ts_replicate_reset(const ts_engine *e, ts_replicate *r, int k)
{
    (void)ts_replicate_start(e, r, k, NULL, NULL);
}

static ts_status fire_event(ts_replicate *r, const ts_event *ev, int index)
{
    ts_world *w = &r->w;
    for (int j = 0; j < ev->n_sets; j++) {
        const ts_event_set *s = &ev->sets[j];
        ts_world_set_level(w, s->issue, s->add ? w->st[s->issue].x + s->value : s->value);
        w->forced |= UINT64_C(1) << s->issue;
    }
    if (ev->n_params > 0)
        ts_world_set_params(w, ev->params, ev->n_params);
    r->fired[index] = true;
    return ts_log_add_event(&r->log, w->step, index);
}

static ts_status run_events(const ts_engine *e, ts_replicate *r)
{
    const ts_scenario *sc = r->w.sc;   /* the replicate's values */
    int t = r->w.step;
    while (r->cursor < e->first_random && sc->events[r->cursor].step <= t) {
        int k = r->cursor++;
        if (sc->events[k].step == t && fire_event(r, &sc->events[k], k) != TS_OK)
            return TS_EIO;
    }
    for (int k = e->first_random; k < sc->n_events; k++) {
        const ts_event *ev = &sc->events[k];
        double u = gsl_rng_uniform(r->rng);
        if (u < ev->probability && !(ev->once && r->fired[k]) && fire_event(r, ev, k) != TS_OK)
            return TS_EIO;
    }
    return TS_OK;
}

/* Phase 4 and the level caches of phase 5: every call to libm or GSL a step
 * makes after the moves. The levers with caches, grouped by kind in the
 * world's refresh list (pledges and custom levers have none), then the
 * observation draws of the noisy pledges in file order (nothing else draws
 * after the moves). Kept out of account_issues, whose loop then holds its
 * sums in registers across no call. */
static void refresh_issues(ts_world *w, gsl_rng *rng)
{
    const double h = w->h;
    const ts_lever_ref *l = w->refresh;
    /* One loop over the kinds' runs (the kind a constant in each call). */
    for (int k = 0; k < w->refresh_end[2]; k++, l++) {
        if (k < w->refresh_end[0])
            ts_issue_state_refresh_kind(TS_ISSUE_TARIFF, l->is, h, l->st, l->memo);
        else if (k < w->refresh_end[1])
            ts_issue_state_refresh_kind(TS_ISSUE_CHIP_LICENCE, l->is, h, l->st, l->memo);
        else
            ts_issue_state_refresh_kind(TS_ISSUE_EXPORT_CONTROL, l->is, h, l->st, l->memo);
    }
    for (int k = 0; k < w->n_noisy; k++) {
        int i = w->noisy[k];
        w->st[i].observed =
            w->st[i].x + gsl_ran_gaussian_ziggurat(rng, w->issue[i].verification_noise);
    }
}

/* Actor a's end of the step, from account_issues's sums still in registers:
 * its payoff pay, total and discount, its pressure index on the numerator
 * num as its levers stand and on num_seen as the other side saw them, and
 * its four columns at the end of the row (ra, or NULL). */
static inline void actor_end(ts_world *w, int a, double pay, double num, double num_seen,
                             double *ra)
{
    double den = w->p_den[a];
    double total = w->total[a] + w->disc[a] * pay;
    double pressure = den > 0.0 ? num / den : 0.0;
    w->payoff[a] = pay;
    w->total[a] = total;
    w->disc[a] *= w->factor[a];
    w->pressure[a] = pressure;
    w->pressure_fresh[a] = true;
    w->seen_p_prev[a] = w->seen_p[a];
    /* Without a noisy pledge a's levers were seen as they are: the same index. */
    w->seen_p[a] = !w->noisy_owner[a] ? pressure : den > 0.0 ? num_seen / den : 0.0;
    if (ra) {
        ra[0] = pressure;
        ra[1] = w->trust[a];
        ra[2] = pay;
        ra[3] = total;
    }
}

/* The rest of phase 5 in one pass over the issues, after refresh_issues:
 * each issue's payoff exactly as ts_world_payoffs computes it (same
 * operations, same order), its columns of the row, its state advanced to the
 * next step, what the other side saw (seen[]), and the numerators of each
 * actor's pressure index on the true and on the seen levels
 * (ts_world_pressure's sums: an actor's levers in file order, which is this
 * loop's order). contrib[2 i + a] gains issue i's discounted payoff to actor
 * a, and contrib[2 n + a] the interactions' (the parts of w->total[a] this
 * step adds). */
static void account_issues(ts_world *w, double *row, double *restrict contrib)
{
    double p0 = 0.0, p1 = 0.0, h = w->h, n0 = 0.0, n1 = 0.0, s0 = 0.0, s1 = 0.0;
    const double d0 = w->disc[0], d1 = w->disc[1];
    int n = w->n_issues, c = 0;
    /* Walking pointers: no index arithmetic per issue. */
    const ts_issue *is = w->issue;
    ts_issue_state *st = w->st;
    double *seen = w->seen, *ci = contrib;
    for (int i = 0; i < n; i++, is++, st++, seen++, ci += 2) {
        double x = st->x, po, pf;
        bool drawn = false;
        switch (is->kind) {
        case TS_ISSUE_TARIFF:
            ts_tariff_flows(is, st, x, &po, &pf);
            if (row)
                row[c++] = x;
            if (is->elasticity_half_life > 0.0)
                ts_issue_advance(is, st, h);
            break;
        case TS_ISSUE_CHIP_LICENCE:
            ts_chip_flows(is, st, x, &po, &pf);
            if (row) {
                row[c++] = x;
                row[c++] = st->market;
                row[c++] = st->value;
            }
            ts_issue_advance(is, st, h);
            break;
        case TS_ISSUE_EXPORT_CONTROL:
            ts_export_flows(is, st, x, &po, &pf);
            if (row) {
                row[c++] = x;
                row[c++] = st->dependence;
            }
            ts_issue_advance(is, st, h);
            break;
        case TS_ISSUE_PLEDGE:
            ts_pledge_flows(is, x, &po, &pf);
            if (row)
                row[c++] = x;
            /* A noisy pledge's observation is refresh_issues's draw. */
            drawn = is->verification_noise > 0.0;
            if (!drawn)
                st->observed = x;
            break;
        case TS_ISSUE_CUSTOM:
        default:
            ts_custom_flows(is, x, &po, &pf);
            if (row)
                row[c++] = x;
            break;
        }
        double obs = drawn ? st->observed : x;
        *seen = obs;
        double pw = is->pressure_weight * ts_issue_pressure(is, x);
        double ps = drawn ? is->pressure_weight * ts_issue_pressure(is, obs) : pw;
        /* Named sums rather than [owner] stores: they stay in registers. */
        if (is->owner == 0) {
            n0 += pw;
            s0 += ps;
        } else {
            n1 += pw;
            s1 += ps;
        }
        /* ts_flows_add's sums, and the same products weighted as w->total's. */
        double qo = po * h, qf = pf * h;
        if (is->owner == 0) {
            p0 += qo;
            p1 += qf;
            ci[0] += d0 * qo;
            ci[1] += d1 * qf;
        } else {
            p0 += qf;
            p1 += qo;
            ci[0] += d0 * qf;
            ci[1] += d1 * qo;
        }
    }
    if (w->sc->n_interactions > 0) {
        double q0 = 0.0, q1 = 0.0;
        ts_interactions_add(w->sc, w->st, h, &q0, &q1);
        contrib[2 * n] += d0 * q0;
        contrib[2 * n + 1] += d1 * q1;
        ts_interactions_add(w->sc, w->st, h, &p0, &p1);
    }
    double *ra = row ? row + c : NULL;
    actor_end(w, 0, p0, n0, s0, ra);
    actor_end(w, 1, p1, n1, s1, ra ? ra + 4 : NULL);
}

/* Each issue's flows this step by channel, weighted as its contribution to
 * the totals (discount and h), before account_issues moves the state on: the
 * state the flows use. Off the hot path unless output.channels asks. */
static void add_channels(const ts_world *w, double *chan)
{
    double ch[2][TS_N_CHANNELS];
    for (int i = 0; i < w->n_issues; i++) {
        const ts_issue *is = &w->issue[i];
        ts_issue_channels(is, &w->st[i], w->st[i].x, ch);
        double *ci = chan + (size_t)i * 2 * TS_N_CHANNELS;
        for (int side = 0; side < 2; side++) {
            int a = side == 0 ? is->owner : 1 - is->owner;
            double wgt = w->disc[a] * w->h;
            for (int c = 0; c < TS_N_CHANNELS; c++)
                ci[a * TS_N_CHANNELS + c] += wgt * ch[side][c];
        }
    }
}

ts_status ts_replicate_step(const ts_engine *e, ts_replicate *r, ts_talks_hook talks,
                            void *talks_ctx, double *row, ts_error *err)
{
    ts_world *w = &r->w;
    if (r->start_status != TS_OK) {
        if (err)
            *err = r->start_err;
        return r->start_status;
    }
    w->forced = 0;
    if (e->sc->n_events > 0 && run_events(e, r) != TS_OK)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for the event log");
    if (talks) {
        ts_status s = talks(talks_ctx, e, r, err);
        if (s != TS_OK)
            return s;
    }
    ts_strategy_move(w, 0, r->ws, r->rng);
    ts_strategy_move(w, 1, r->ws, r->rng);
    if (r->chan)
        add_channels(w, r->chan);
    refresh_issues(w, r->rng);
    account_issues(w, row, r->contrib);
    w->step++;
    return TS_OK;
}

/* ---- the status quo -------------------------------------------------------- */

static void apply_params(ts_world *w, const ts_event *ev)
{
    if (ev->n_params > 0)
        ts_world_set_params(w, ev->params, ev->n_params);
}

/* True when a random event that changes a parameter fired in the replicate
 * whose log this is (then its status quo is its own). */
static bool random_params_fired(const ts_engine *e, const ts_log *log)
{
    for (int i = 0; i < log->n; i++) {
        int k = log->rows[i].event;
        if (log->rows[i].type == TS_LOG_EVENT && k >= e->first_random && k < e->sc->n_events &&
            e->sc->events[k].n_params > 0)
            return true;
    }
    return false;
}

/* Each actor's discounted total in w's replicate with every lever held at its
 * initial level: no moves, talks or level-setting events, only the parameter
 * changes of the events in log (the replicate's own firings; NULL: the
 * scheduled events), each at its step. The state variables evolve with the
 * levels held. A step is the engine's (ts_world_payoffs goes through the same
 * flow functions in the same order, and the same discounting), so a run in
 * which nothing moved has exactly these totals. w is reset first and left in
 * the status quo's final state. */
static void status_quo(const ts_engine *e, ts_world *w, const ts_log *log, double out[2])
{
    const ts_scenario *sc = w->sc;
    ts_world_reset(w);
    int next = 0, n = log ? log->n : e->first_random;
    for (int t = 0; t < e->T; t++) {
        for (; next < n; next++) {
            int k = log ? log->rows[next].event : next;
            int step = log ? log->rows[next].step : sc->events[k].step;
            if (log && (log->rows[next].type != TS_LOG_EVENT || k < 0 || k >= sc->n_events))
                continue;
            if (step > t)
                break;
            if (step == t)
                apply_params(w, &sc->events[k]);
        }
        double pay[2];
        ts_world_payoffs(w, pay);
        for (int i = 0; i < w->n_issues; i++)
            ts_issue_advance(&w->issue[i], &w->st[i], w->h);
        for (int a = 0; a < 2; a++) {
            w->total[a] += w->disc[a] * pay[a];
            w->disc[a] *= w->factor[a];
        }
        w->step++;
    }
    out[0] = w->total[0];
    out[1] = w->total[1];
}

/* ---- Monte Carlo ---------------------------------------------------------- */

/* The status quo of every replicate in which no random event changed a
 * parameter (the scheduled events alone): once per run, on a replicate of its
 * own. TS_EIO when out of memory. */
static ts_status shared_status_quo(const ts_engine *e, double out[2])
{
    ts_replicate *r = ts_replicate_alloc(e);
    if (!r)
        return TS_EIO;
    status_quo(e, &r->w, NULL, out);
    ts_replicate_free(r);
    return TS_OK;
}

size_t ts_engine_run_bytes(const ts_engine *e)
{
    return (size_t)e->sc->replicates * (size_t)e->T * (size_t)e->C * sizeof(double);
}

void ts_run_free(ts_run *run)
{
    if (!run)
        return;
    if (run->log)
        for (int k = 0; k < run->cap; k++)
            ts_log_free(&run->log[k]);
    free(run->log);
    free(run->seed);
    free(run->deal);
    free(run->first_deal_step);
    free(run->deals);
    free(run->breaches);
    free(run->failed_talks);
    free(run->final);
    free(run->mean);
    free(run->total);
    free(run->status_quo);
    free(run->contrib);
    free(run->chan);
    free(run->traj);
    free(run->uncertain);
    free(run->agreement);
    free(run);
}

/* The store is written once, step by step: with 4 KiB pages the first-touch
 * faults cost more than the model, so ask for huge pages where there are. */
double *ts_store_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge)
        return malloc(bytes ? bytes : 1);
    size_t n = (bytes + huge - 1) / huge * huge;
    double *p = aligned_alloc(huge, n);
#ifdef MADV_HUGEPAGE
    if (p)
        madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

ts_run *ts_run_alloc(const ts_engine *e, int cap)
{
    const ts_scenario *sc = e->sc;
    ts_run *run = calloc(1, sizeof *run);
    if (!run)
        return NULL;
    cap = cap < 1 ? 1 : cap;
    size_t R = (size_t)cap, n = sc->n_issues > 0 ? (size_t)sc->n_issues : 1;
    run->R = sc->replicates;
    run->T = e->T;
    run->C = e->C;
    run->n_issues = sc->n_issues;
    run->n_traj = sc->trajectories < 0 || sc->trajectories > sc->replicates ? sc->replicates
                                                                           : sc->trajectories;
    run->cap = cap;
    run->seed = calloc(R, sizeof *run->seed);
    run->deal = calloc(R, sizeof(int));
    run->first_deal_step = calloc(R, sizeof(int));
    run->deals = calloc(R, sizeof(int));
    run->breaches = calloc(R, sizeof(int));
    run->failed_talks = calloc(R, sizeof(int));
    run->final = calloc(R * n, sizeof(double));
    run->mean = calloc(R * n, sizeof(double));
    run->total = calloc(R * 2, sizeof(double));
    run->status_quo = calloc(R * 2, sizeof(double));
    run->n_contrib = sc->n_issues + (sc->n_interactions > 0);
    run->contrib = calloc(R * 2 * (size_t)run->n_contrib + 1, sizeof(double));
    run->chan = sc->channels ? calloc(R * n * 2 * TS_N_CHANNELS, sizeof(double)) : NULL;
    run->n_uncertain = sc->n_uncertain;
    run->uncertain = calloc(R * (size_t)sc->n_uncertain + 1, sizeof(double));
    run->traj = ts_store_alloc(R * (size_t)e->T * (size_t)e->C * sizeof(double));
    size_t agree = (size_t)(run->n_traj < cap ? run->n_traj : cap);
    run->agreement = malloc((agree * (size_t)e->T + 1) * sizeof(int));
    run->log = calloc(R, sizeof *run->log);
    if (!run->seed || !run->deal || !run->first_deal_step || !run->deals || !run->breaches ||
        !run->failed_talks || !run->final || !run->mean || !run->total || !run->status_quo ||
        !run->contrib || (sc->channels && !run->chan) || !run->traj || !run->uncertain ||
        !run->agreement || !run->log) {
        ts_run_free(run);
        return NULL;
    }
    return run;
}

typedef struct {
    const ts_engine *e;
    const ts_engine_opts *opts;
    ts_run *run;
    int k0;                 /* the block's first replicate: task i runs k0 + i */
    double status_quo[2];   /* of the replicates without a random parameter event */
    ts_engine_side *side;   /* the caller's tasks, first in the job: task i < side_n */
    long side_n;
} mc_shared;

static ts_status run_one(mc_shared *sh, ts_replicate *r, int k, ts_error *err)
{
    const ts_engine *e = sh->e;
    ts_run *run = sh->run;
    int T = e->T, C = e->C, n = e->sc->n_issues;
    ts_status st = ts_replicate_start(e, r, k, sh->opts->values, err);
    if (st != TS_OK)
        return st;
    size_t i0 = (size_t)(k - run->k0);   /* k's place in the block held */
    double *rows = run->traj + i0 * T * C;
    double *mean = run->mean + i0 * n;
    for (int t = 0; t < T; t++) {
        ts_status s = ts_replicate_step(e, r, sh->opts->talks, sh->opts->talks_ctx,
                                        rows + (size_t)t * C, err);
        if (s != TS_OK)
            return s;
        if (k < run->n_traj)
            run->agreement[i0 * T + t] = r->agreement;
        /* A replicate can run for seconds: look for a signal now and then. */
        if ((t & 1023) == 1023 && ts_engine_cancelled(sh->opts))
            return ts_engine_interrupted(e, sh->opts, err);
    }
    /* Each lever's mean level: the sum of its row column, step by step as a
     * running sum in the loop above would add it (the row holds st[i].x as
     * the step left it), divided once. */
    for (int i = 0; i < n; i++) {
        const double *x = rows + e->level_col[i];
        double sum = 0.0;
        int t = 0;
        /* Four steps an iteration: the same additions, left to right. */
        for (; t + 4 <= T; t += 4, x += 4 * (size_t)C)
            sum = sum + x[0] + x[C] + x[2 * (size_t)C] + x[3 * (size_t)C];
        for (; t < T; t++, x += C)
            sum += *x;
        mean[i] = sum / (T > 0 ? T : 1);
        run->final[i0 * n + i] = r->w.st[i].x;
    }
    run->seed[i0] = r->seed;
    run->deal[i0] = r->deal;
    run->first_deal_step[i0] = r->first_deal_step;
    run->deals[i0] = r->deals;
    run->breaches[i0] = r->breaches;
    run->failed_talks[i0] = r->failed_talks;
    run->total[2 * i0] = r->w.total[0];
    run->total[2 * i0 + 1] = r->w.total[1];
    int nc = run->n_contrib;
    double *contrib = run->contrib + i0 * 2 * nc;
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < nc; i++)
            contrib[a * nc + i] = r->contrib[2 * i + a];
    if (r->chan) {
        size_t m = (size_t)e->sc->n_issues * 2 * TS_N_CHANNELS;
        memcpy(run->chan + i0 * m, r->chan, m * sizeof *r->chan);
    }
    /* The replicate's world is done with: its own status quo, when a random
     * event changed a parameter in it, reuses it. */
    double *sq = run->status_quo + 2 * i0;
    bool own = e->sq_each && random_params_fired(e, &r->log);
    if (own || r->variant)   /* a replicate with its own values has its own status quo */
        status_quo(e, &r->w, own ? &r->log : NULL, sq);
    else
        memcpy(sq, sh->status_quo, sizeof sh->status_quo);
    if (r->variant)
        memcpy(run->uncertain + i0 * run->n_uncertain, r->values,
               (size_t)run->n_uncertain * sizeof *r->values);
    /* Hand the log over to the run and take the slot's earlier one (a block
     * before), which the next replicate's start clears: its arrays and its
     * strings' chunks reused. */
    ts_log old = run->log[i0];
    run->log[i0] = r->log;
    r->log = old;
    return ts_guard_replicate(e->sc, e->col_name, run, k, err);
}

int ts_engine_cancelled(const ts_engine_opts *opts)
{
    return opts->cancel ? atomic_load((atomic_int *)opts->cancel) : 0;
}

ts_status ts_engine_interrupted(const ts_engine *e, const ts_engine_opts *opts, ts_error *err)
{
    return ts_error_set(err, TS_EIO, "%s: interrupted by signal %d", e->sc->name,
                        ts_engine_cancelled(opts));
}

static void *replicate_begin(void *ctx, ts_error *err)
{
    const mc_shared *sh = ctx;
    ts_replicate *r = ts_replicate_alloc(sh->e);
    if (!r)
        ts_error_set(err, TS_EIO, "tradesim: out of memory for a replicate");
    return r;
}

/* Replicates a task: consecutive ones, so that two threads seldom write the
 * same line of the run's per-replicate arrays, and the shared counter is
 * taken an eighth as often (-j 2 about 4% faster than one a task; the bytes
 * are the same either way). */
#define GRAIN 8

static ts_status replicate_task(void *ctx, void *local, long k, ts_error *err)
{
    const mc_shared *sh = ctx;
    if (k < sh->side_n)
        return sh->side->task(sh->side->ctx, k, err);
    int first = sh->k0 + (int)(k - sh->side_n) * GRAIN, end = sh->k0 + sh->run->n;
    int last = end - first < GRAIN ? end : first + GRAIN;
    for (int r = first; r < last; r++) {
        /* stopped after the replicate in hand, as between tasks */
        if (r > first && ts_engine_cancelled(sh->opts))
            return ts_engine_interrupted(sh->e, sh->opts, err);
        ts_status s = run_one(ctx, local, r, err);
        if (s != TS_OK)
            return s;
    }
    return TS_OK;
}

static void replicate_end(void *ctx, void *local)
{
    (void)ctx;
    ts_replicate_free(local);
}

static void replicate_poll(void *ctx, long done, long total)
{
    const mc_shared *sh = ctx;
    /* replicates (the side tasks counted as if done last, the last task as
     * if whole); the report of the total is ts_engine_run's own, made once */
    done = done > sh->side_n ? (done - sh->side_n) * GRAIN : 0;
    total = sh->run->n;
    if (done < total)
        sh->opts->progress(sh->opts->progress_ctx, done, total);
}

/* Runs replicates k0 .. k0 + n - 1 into run (see ts_engine_run_block). */
static ts_status run_replicates(const ts_engine *e, const ts_engine_opts *opts, ts_run *run,
                                int k0, int n, ts_error *err)
{
    run->k0 = k0;
    run->n = n;
    mc_shared sh = {.e = e, .opts = opts, .run = run, .k0 = k0};
    if (!run->sq_known && shared_status_quo(e, run->sq_shared) != TS_OK)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for a replicate");
    run->sq_known = true;
    memcpy(sh.status_quo, run->sq_shared, sizeof sh.status_quo);
    if (opts->side && !atomic_exchange(&opts->side->taken, true)) {   /* once, whoever asks */
        sh.side = opts->side;
        sh.side_n = opts->side->n_tasks;
    }
    ts_pool_job job = {.threads = opts->threads,
                       .n_tasks = (n + GRAIN - 1) / GRAIN + sh.side_n,
                       .ctx = &sh,
                       .begin = replicate_begin,
                       .task = replicate_task,
                       .end = replicate_end,
                       .cancel = opts->cancel,
                       .name = e->sc->name,
                       .poll = opts->progress ? replicate_poll : NULL};
    ts_error perr;
    ts_error_clear(&perr);
    ts_status s = ts_pool_run(&job, &perr);
    if (s != TS_OK && err)
        *err = perr;
    return s;
}

ts_status ts_engine_run_block(const ts_engine *e, const ts_engine_opts *opts, ts_run *run, int k0,
                              int n, ts_error *err)
{
    static const ts_engine_opts defaults = {.threads = 0};
    if (n < 0 || n > run->cap || k0 < 0 || k0 > e->sc->replicates - n)
        return ts_error_set(err, TS_EBAD, "tradesim: replicates %d..%d do not fit the run", k0,
                            k0 + n - 1);
    if (opts && opts->run_block)
        return opts->run_block(opts->run_block_ctx, e, opts, run, k0, n, err);
    return run_replicates(e, opts ? opts : &defaults, run, k0, n, err);
}

ts_status ts_engine_run(const ts_engine *e, const ts_engine_opts *opts, ts_run **out,
                        ts_error *err)
{
    static const ts_engine_opts defaults = {.threads = 0};
    if (!opts)
        opts = &defaults;
    *out = NULL;
    const ts_scenario *sc = e->sc;
    if ((double)sc->replicates * e->T * e->C * sizeof(double) > (double)TS_ENGINE_MEMORY_LIMIT)
        return ts_error_set(err, TS_EIO,
                            "%s: %d replicates x %d steps x %d columns need %.0f bytes for the "
                            "aggregates, more than the limit of %zu; use fewer replicates",
                            sc->path, sc->replicates, e->T, e->C,
                            (double)sc->replicates * e->T * e->C * sizeof(double),
                            (size_t)TS_ENGINE_MEMORY_LIMIT);
    ts_run *run = ts_run_alloc(e, sc->replicates);
    if (!run)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for %d replicates",
                            sc->replicates);
    ts_status s = opts->run_block
                      ? opts->run_block(opts->run_block_ctx, e, opts, run, 0, run->R, err)
                      : run_replicates(e, opts, run, 0, run->R, err);
    if (s != TS_OK) {
        ts_run_free(run);
        return s;
    }
    if (opts->progress)
        opts->progress(opts->progress_ctx, run->R, run->R);
    *out = run;
    return TS_OK;
}
