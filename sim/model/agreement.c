/* Agreements: scheduling and holding talks, and the lifecycle of what they
 * agree (equations in docs/model.md, "Talks and agreements").
 *
 * At most one agreement is in force at a time (the trajectory's `agreement`
 * column is one id). A talk held while one is in force replaces it if it
 * succeeds; levers it had held keep their original pre-agreement levels, so a
 * later snapback still returns to the levels before any deal.
 *
 * Invariants: while an agreement is in force its agenda levers are held
 * (strategies leave them) and agreed[k] is the level agreed for the current
 * step; a deviation of the true level from it beyond the issue's tolerance is
 * a breach, detected in the step after it happened. The per-replicate state
 * is reset whenever the hook is called at step 0.
 *
 * This file holds the hook, the lifecycle and the log text; setting up and
 * solving one talk is negotiate.c's (ts_agreement_negotiate), the
 * noncooperative threat point threat.c's. Threads: all mutable state is the
 * replicate's talks_state (include/tradesim/agreement.h). */
#include "agreement_impl.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradesim/strategy.h"
#include "tradesim/rollout.h"

#define DETAIL_MAX 16384
#define LEVEL_EPS 1e-12   /* levels set by the hook compare equal up to rounding */

typedef struct {
    bool active;
    int id;                       /* 1, 2, ... within the replicate */
    const ts_talk *tk;
    int n;
    int lever[TS_MAX_ISSUES];
    double pkg[TS_MAX_ISSUES];    /* the agreed package */
    double pre[TS_MAX_ISSUES];    /* levels before any deal: snapback restores them */
    double from[TS_MAX_ISSUES];   /* levels when this package was agreed (phase-in start) */
    double agreed[TS_MAX_ISSUES]; /* level agreed for the current step */
    int start;                    /* step the package was agreed */
    int end;                      /* step of expiry; INT_MAX once kept for good */
    int rec;                      /* its talk's record in the log's talks */
} agreement;

typedef struct {
    ts_talks_workspace *ws;
    int cursor;                   /* next scheduled talk */
    int n_agreements;
    double ref[2];                /* hazard: annual payoffs at the initial levels */
    agreement ag;
    char detail[DETAIL_MAX];
    size_t len;
    const ts_scenario *base;      /* the engine's scenario (r->w.sc may be a variant) */
} talks_state;

const ts_agreement_opts ts_ag_default_opts = {.xtol = TS_AGREEMENT_XTOL};

/* ---- small helpers ---------------------------------------------------- */

static void state_free(void *p)
{
    talks_state *s = p;
    if (!s)
        return;
    ts_talks_workspace_free(s->ws);
    free(s);
}

static talks_state *state_alloc(const ts_scenario *sc)
{
    int levers = 1, rounds = 1;
    for (int k = 0; k <= sc->n_talks; k++) {
        const ts_talk *tk = k < sc->n_talks ? &sc->talks[k] : &sc->talks_hazard.talk;
        if (tk->n_agenda > levers)
            levers = tk->n_agenda;
        if (tk->rounds > rounds)
            rounds = tk->rounds;
    }
    talks_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ws = ts_talks_workspace_alloc(levers, rounds);
    if (!s->ws) {
        free(s);
        return NULL;
    }
    return s;
}

static void put(talks_state *s, const char *fmt, ...)
{
    if (s->len >= DETAIL_MAX - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->detail + s->len, DETAIL_MAX - s->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->len = s->len + (size_t)n < DETAIL_MAX ? s->len + (size_t)n : DETAIL_MAX - 1;
}

static void reset_detail(talks_state *s)
{
    s->len = 0;
    s->detail[0] = '\0';
}

/* " (2025-08-11)" or "" when abstract. */
static void put_date(talks_state *s, const ts_scenario *sc, int step)
{
    if (sc->calendar.unit == TS_STEP_ABSTRACT)
        return;
    char d[11];
    ts_calendar_step_date(&sc->calendar, step, d);
    put(s, " (%s)", d);
}

/* A log row, when output.log keeps rows of its type. */
static ts_status log_row(ts_replicate *r, talks_state *s, ts_log_type type, const char *label,
                         ts_error *err)
{
    if (!ts_log_keeps(r->w.sc->log, type))
        return TS_OK;
    if (ts_log_add(&r->log, r->w.step, type, label, s->detail) != TS_OK)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for the log");
    return TS_OK;
}

/* The talk's record for agreements.csv (the agreement's id and expiry are
 * filled in once it starts). */
static ts_status record_talk(ts_replicate *r, const ts_talk *tk, const char *label,
                             const double *x0, const ts_talks_result *res, ts_error *err)
{
    /* The record outlives the replicate's variant (uncertain parameters):
     * it names the engine's own talk and label, which the run outlives. */
    const talks_state *s = r->talks_state;
    const ts_scenario *v = r->w.sc, *b = s ? s->base : NULL;
    if (b && b != v) {
        const ts_talk *bt = tk == &v->talks_hazard.talk ? &b->talks_hazard.talk
                            : tk >= v->talks && tk < v->talks + v->n_talks
                                ? b->talks + (tk - v->talks)
                                : tk;
        if (label == tk->label)
            label = bt->label;
        tk = bt;
    }
    ts_log_talk rec = {.step = r->w.step,
                       .tk = tk,
                       .label = (char *)label,
                       .outcome = (int)res->outcome,
                       .agreement = -1,
                       .gain = {res->gain[0], res->gain[1]},
                       .until = -1,
                       .end = TS_END_NONE,
                       .end_step = -1};
    double *lv;
    if (ts_log_add_talk(&r->log, &rec, tk->n_agenda, &lv) != TS_OK)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory for the agreements");
    for (int k = 0; k < tk->n_agenda; k++) {
        lv[2 * k] = x0[k];
        lv[2 * k + 1] = res->x[k];
    }
    return TS_OK;
}

/* The active agreement's record: it ended now, how. */
static void end_record(ts_replicate *r, const agreement *ag, ts_log_end how)
{
    if (ag->rec >= 0 && ag->rec < r->log.n_talks) {
        r->log.talks[ag->rec].end = how;
        r->log.talks[ag->rec].end_step = r->w.step;
    }
}

static void agreement_label(const agreement *ag, char *buf, size_t n)
{
    snprintf(buf, n, "agreement %d", ag->id);
}

static const char *talk_label(const ts_talk *tk, const char *fallback)
{
    return tk->label[0] ? tk->label : fallback;
}

/* ---- log text --------------------------------------------------------- */

static void put_talk(talks_state *s, const ts_world *w, const ts_talk *tk, const double *x0,
                     const ts_talks_result *res, const talk_setup *ts)
{
    static const char *const proto[] = {"nash", "alternating", "concession"};
    const ts_scenario *sc = w->sc;
    put(s, "%s on", proto[tk->protocol]);
    for (int k = 0; k < tk->n_agenda; k++)
        put(s, " %s", w->issue[tk->agenda[k]].id);
    put(s, " over %d steps: %s", tk->duration_steps, ts_talks_outcome_name(res->outcome));
    if (tk->protocol == TS_PROTO_CONCESSION) {
        if (res->round >= 0)
            put(s, " in round %d of %d (offer by %s)", res->round + 1, tk->rounds,
                sc->actors[res->round % 2].id);
        else
            put(s, " after %d offers", res->n_trace);
    } else if (tk->protocol == TS_PROTO_ALTERNATING) {
        if (res->round >= 0) {
            const ts_talks_offer *o = &res->trace[0];
            put(s, " in round %d of %d (offer by %s: %s=%.6g %s=%.6g)", o->round + 1, tk->rounds,
                sc->actors[o->proposer].id, sc->actors[0].id, o->value[0], sc->actors[1].id,
                o->value[1]);
        }
        put(s, " (subgame-perfect, %d of %d rounds solved backward; per-round factors "
            "%s=%.6g %s=%.6g)", res->backward_rounds, tk->rounds, sc->actors[0].id,
            ts->delta[0], sc->actors[1].id, ts->delta[1]);
    } else if (ts->patience) {
        if (ts->patience_fallback)
            put(s, " (patience weights undefined with both discounts 0: power weights "
                "%s=%.6g %s=%.6g)", sc->actors[0].id, ts->wt[0], sc->actors[1].id, ts->wt[1]);
        else
            put(s, " (patience weights %s=%.6g %s=%.6g)", sc->actors[0].id, ts->wt[0],
                sc->actors[1].id, ts->wt[1]);
    }
    put(s, "; %s", res->agreement ? "package" : "best package found");
    for (int k = 0; k < tk->n_agenda; k++)
        put(s, " %s=%.6g (from %.6g)", w->issue[tk->agenda[k]].id, res->x[k], x0[k]);
    put(s, "; gains %s=%+.6g %s=%+.6g", sc->actors[0].id, res->gain[0], sc->actors[1].id,
        res->gain[1]);
    if (tk->min_gain > 0.0)
        put(s, " (min_gain %.6g)", tk->min_gain);
    if (ts->noncooperative) {
        if (ts->converged) {
            put(s, "; threat point (noncooperative, %d sweeps):", ts->sweeps);
            for (int k = 0; k < tk->n_agenda; k++)
                put(s, " %s=%.9g", w->issue[tk->agenda[k]].id, ts->threat[k]);
        } else {
            put(s, "; noncooperative threat point not found in %d sweeps of best responses: "
                "status quo used", ts->sweeps);
        }
    }
}

static void put_levels(talks_state *s, const ts_world *w, const agreement *ag, const double *v)
{
    for (int k = 0; k < ag->n; k++)
        put(s, "%s%s=%.6g", k ? " " : "", w->issue[ag->lever[k]].id, v[k]);
}

/* ---- the agreement's levers --------------------------------------------- */

/* Level agreed for step t: the package, reached linearly over phase_in steps. */
static double phase_level(const agreement *ag, int k, int t)
{
    int p = ag->tk->phase_in;
    if (p <= 0 || t - ag->start + 1 >= p)
        return ag->pkg[k];
    double a = (double)(t - ag->start + 1) / p;
    return ag->from[k] + a * (ag->pkg[k] - ag->from[k]);
}

static void release(ts_world *w, agreement *ag)
{
    for (int k = 0; k < ag->n; k++)
        w->held[ag->lever[k]] = false;
    ag->active = false;
}

static void comply(ts_replicate *r, talks_state *s);

/* Starts (or, with extend, extends) an agreement on tk's package at step t. */
static void start_agreement(ts_replicate *r, talks_state *s, const ts_talk *tk,
                            const ts_talks_result *res, bool extend)
{
    ts_world *w = &r->w;
    agreement *old = &s->ag;
    agreement ag = {0};
    ag.active = true;
    ag.tk = tk;
    ag.n = tk->n_agenda;
    ag.start = w->step;
    ag.end = w->step + tk->duration_steps;
    for (int k = 0; k < ag.n; k++) {
        int i = tk->agenda[k];
        ag.lever[k] = i;
        ag.pkg[k] = res->x[k];
        ag.from[k] = w->st[i].x;
        ag.pre[k] = w->st[i].x;
        if (old->active)   /* levers already under a deal keep their pre-deal level */
            for (int j = 0; j < old->n; j++)
                if (old->lever[j] == i)
                    ag.pre[k] = old->pre[j];
    }
    if (old->active)
        release(w, old);
    ag.id = extend ? old->id : ++s->n_agreements;
    for (int k = 0; k < ag.n; k++)
        w->held[ag.lever[k]] = true;
    *old = ag;
    r->agreement = ag.id;
    comply(r, s);   /* even the first step is kept only with probability reliability */
}

static ts_status log_agreement(ts_replicate *r, talks_state *s, bool extended, ts_error *err)
{
    const agreement *ag = &s->ag;
    const ts_scenario *sc = r->w.sc;
    static const char *const expiry[] = {"snapback", "keep", "renegotiate"};
    reset_detail(s);
    if (!ts_log_keeps(sc->log, TS_LOG_AGREEMENT))
        return TS_OK;
    put(s, "%s: ", extended ? "extended" : "in force");
    put_levels(s, &r->w, ag, ag->pkg);
    if (ag->tk->phase_in > 0)
        put(s, ", phased in over %d steps", ag->tk->phase_in);
    put(s, "; until step %d", ag->end);
    put_date(s, sc, ag->end);
    put(s, ", then %s; on breach %s", expiry[ag->tk->on_expiry],
        ag->tk->on_breach == TS_BREACH_SNAPBACK ? "snapback" : "the victim reacts");
    char label[32];
    agreement_label(ag, label, sizeof label);
    return log_row(r, s, TS_LOG_AGREEMENT, label, err);
}

/* Holds talk tk now. x0: disagreement levels (NULL = current). renew: the
 * active agreement is being renegotiated at its expiry. *agreed tells. */
static ts_status hold_talk(const ts_agreement_opts *o, ts_replicate *r, talks_state *s,
                           const ts_talk *tk, const char *label, const double *x0, bool renew,
                           bool *agreed, ts_error *err)
{
    ts_world *w = &r->w;
    double sq[TS_MAX_ISSUES], d[2];
    for (int k = 0; k < tk->n_agenda; k++)
        sq[k] = x0 ? x0[k] : w->st[tk->agenda[k]].x;
    ts_talks_result res;
    talk_setup ts;
    ts_status st = ts_ag_negotiate(o, s->ws, w, tk, sq, &res, d, &ts, err);
    if (st != TS_OK)
        return st;
    *agreed = res.agreement;
    if (ts_log_keeps(w->sc->log, TS_LOG_TALK)) {   /* the text only when it is kept */
        reset_detail(s);
        put_talk(s, w, tk, sq, &res, &ts);
        if (log_row(r, s, TS_LOG_TALK, label, err) != TS_OK)
            return TS_EIO;
    }
    if (record_talk(r, tk, label, sq, &res, err) != TS_OK)
        return TS_EIO;
    int rec = r->log.n_talks - 1;
    if (!res.agreement) {
        r->failed_talks++;
        return TS_OK;
    }
    r->deals++;
    r->deal = 1;
    if (r->first_deal_step < 0)
        r->first_deal_step = w->step;
    if (s->ag.active)
        end_record(r, &s->ag, renew ? TS_END_RENEGOTIATED : TS_END_SUPERSEDED);
    if (s->ag.active && !renew) {
        char old[32];
        agreement_label(&s->ag, old, sizeof old);
        reset_detail(s);
        put(s, "superseded by talk '%s'", label);
        if (log_row(r, s, TS_LOG_EXPIRY, old, err) != TS_OK)
            return TS_EIO;
    }
    start_agreement(r, s, tk, &res, renew);
    s->ag.rec = rec;
    r->log.talks[rec].agreement = s->ag.id;
    r->log.talks[rec].until = s->ag.end;
    return log_agreement(r, s, renew, err);
}

/* ---- lifecycle ------------------------------------------------------- */

static void snapback(ts_world *w, const agreement *ag, int only_owner)
{
    for (int k = 0; k < ag->n; k++)
        if (only_owner < 0 || w->issue[ag->lever[k]].owner == only_owner)
            ts_world_set_level(w, ag->lever[k], ag->pre[k]);
}

/* Each actor's trust moves towards 1 when the other kept the agreement as
 * the actor saw it in the previous step, towards 0 when not. */
static void update_trust(ts_world *w, const agreement *ag)
{
    for (int o = 0; o < 2; o++) {
        int seen = 0, kept = 1;
        for (int k = 0; k < ag->n; k++) {
            int i = ag->lever[k];
            if (w->issue[i].owner == o)
                continue;
            seen = 1;
            if (fabs(w->seen[i] - ag->agreed[k]) > w->issue[i].tolerance + LEVEL_EPS)
                kept = 0;
        }
        if (seen)
            w->trust[o] += w->actor[o].trust_rate * ((double)kept - w->trust[o]);
    }
}

/* The breach's log text: who broke which lever, each victim's reaction,
 * the trust now. */
static void put_breach(talks_state *s, const ts_world *w, const agreement *ag, const int broke[2])
{
    const ts_scenario *sc = w->sc;
    /* At level events the scenario's constants (tolerances, reactions by
     * strategy) are left out: a row per breach of a large run. */
    bool brief = sc->log == TS_LOGLEVEL_EVENTS;
    reset_detail(s);
    for (int k = 0, first = 1; k < ag->n; k++) {
        int i = ag->lever[k];
        double dev = w->st[i].x - ag->agreed[k];
        if (fabs(dev) <= w->issue[i].tolerance + LEVEL_EPS)
            continue;
        put(s, "%s%s broke %s: agreed %.6g, now %.6g", first ? "" : "; ",
            sc->actors[w->issue[i].owner].id, w->issue[i].id, ag->agreed[k], w->st[i].x);
        if (!brief)
            put(s, " (tolerance %.6g)", w->issue[i].tolerance);
        first = 0;
    }
    for (int b = 0; b < 2; b++) {
        if (!broke[b])
            continue;
        int v = 1 - b;
        if (ag->tk->on_breach == TS_BREACH_SNAPBACK) {
            put(s, "; %s snaps back", sc->actors[v].id);
            int any = 0;
            for (int k = 0; k < ag->n; k++)
                if (w->issue[ag->lever[k]].owner == v) {
                    put(s, " %s=%.6g", w->issue[ag->lever[k]].id, ag->pre[k]);
                    any = 1;
                }
            if (!any)
                put(s, " (owns no agenda lever)");
        } else if (!brief) {
            put(s, "; %s reacts by its strategy (%s)", sc->actors[v].id,
                ts_strategy_kind_name(w->actor[v].strategy.kind));
        }
    }
    put(s, "; trust %s=%.3g %s=%.3g", sc->actors[0].id, w->trust[0], sc->actors[1].id,
        w->trust[1]);
}

/* Observations of the previous step (trust) and breach. */
static ts_status observe(ts_replicate *r, talks_state *s, bool *breached, ts_error *err)
{
    ts_world *w = &r->w;
    agreement *ag = &s->ag;
    *breached = false;
    update_trust(w, ag);
    int broke[2] = {0, 0};
    for (int k = 0; k < ag->n; k++) {
        int i = ag->lever[k];
        if (fabs(w->st[i].x - ag->agreed[k]) > w->issue[i].tolerance + LEVEL_EPS)
            broke[w->issue[i].owner] = 1;
    }
    if (!broke[0] && !broke[1])
        return TS_OK;
    *breached = true;
    r->breaches++;
    end_record(r, ag, TS_END_BREACH);
    put_breach(s, w, ag, broke);
    char label[32];
    agreement_label(ag, label, sizeof label);
    if (log_row(r, s, TS_LOG_BREACH, label, err) != TS_OK)
        return TS_EIO;
    if (ag->tk->on_breach == TS_BREACH_SNAPBACK)
        for (int b = 0; b < 2; b++)
            if (broke[b] && !broke[1 - b])
                snapback(w, ag, 1 - b);
    release(w, ag);
    r->agreement = -1;
    return TS_OK;
}

static ts_status expire(const ts_agreement_opts *o, ts_replicate *r, talks_state *s,
                        ts_error *err)
{
    ts_world *w = &r->w;
    agreement *ag = &s->ag;
    char label[32];
    agreement_label(ag, label, sizeof label);
    if (ag->tk->on_expiry == TS_EXPIRY_KEEP) {
        reset_detail(s);
        put(s, "keep: the package stays in force for good");
        ag->end = INT_MAX;
        return log_row(r, s, TS_LOG_EXPIRY, label, err);
    }
    if (ag->tk->on_expiry == TS_EXPIRY_RENEGOTIATE) {
        reset_detail(s);
        put(s, "renegotiate: a new talk on the same agenda, snapback if it fails");
        if (log_row(r, s, TS_LOG_EXPIRY, label, err) != TS_OK)
            return TS_EIO;
        char tl[TS_NAME_MAX + 32];
        snprintf(tl, sizeof tl, "renegotiation of %s", label);
        double pre[TS_MAX_ISSUES];
        memcpy(pre, ag->pre, sizeof pre);
        bool agreed = false;
        ts_status st = hold_talk(o, r, s, ag->tk, tl, pre, true, &agreed, err);
        if (st != TS_OK || agreed)
            return st;
        reset_detail(s);
        put(s, "renegotiation failed: snapback to ");
    } else {
        reset_detail(s);
        put(s, "snapback to ");
    }
    put_levels(s, w, ag, ag->pre);
    end_record(r, ag, TS_END_EXPIRED);
    snapback(w, ag, -1);
    release(w, ag);
    r->agreement = -1;
    return log_row(r, s, TS_LOG_EXPIRY, label, err);
}

/* Each side keeps its side this step with probability reliability; one who
 * does not moves its levers towards its own preferred level by max_step. */
static void comply(ts_replicate *r, talks_state *s)
{
    ts_world *w = &r->w;
    agreement *ag = &s->ag;
    bool keep[2];
    for (int a = 0; a < 2; a++)
        keep[a] = gsl_rng_uniform(r->rng) < w->actor[a].reliability;
    for (int k = 0; k < ag->n; k++) {
        int i = ag->lever[k];
        const ts_issue *is = &w->issue[i];
        ag->agreed[k] = phase_level(ag, k, w->step);
        if (keep[is->owner]) {
            ts_world_set_level(w, i, ag->agreed[k]);
            ag->agreed[k] = w->st[i].x;
            continue;
        }
        double x = w->st[i].x;
        double best = ts_strategy_best_level(w, is->owner, i, r->ws);
        double dx = best - x;
        if (dx > is->max_step)
            dx = is->max_step;
        if (dx < -is->max_step)
            dx = -is->max_step;
        ts_world_set_level(w, i, x + dx);
    }
}

/* ---- the hook ----------------------------------------------------------- */

double ts_agreement_hazard(const ts_talks_hazard *h, double loss0, double loss1)
{
    double loss = (loss0 > 0.0 ? loss0 : 0.0) + (loss1 > 0.0 ? loss1 : 0.0);
    return -expm1(-(h->base + h->sensitivity * loss));
}

static void hazard_reference(const ts_world *w, double ref[2])
{
    const ts_scenario *sc = w->sc;
    int lever[TS_MAX_ISSUES];
    double x[TS_MAX_ISSUES];
    for (int i = 0; i < sc->n_issues; i++) {
        lever[i] = i;
        x[i] = sc->issues[i].initial;
    }
    ts_world_rollout(w, lever, x, sc->n_issues, 1, false, ref);
    ref[0] /= w->h;
    ref[1] /= w->h;
}

static ts_status random_talk(const ts_agreement_opts *o, ts_replicate *r, talks_state *s,
                             bool talked, ts_error *err)
{
    const ts_talks_hazard *h = &r->w.sc->talks_hazard;
    if (!h->enabled)
        return TS_OK;
    double u = gsl_rng_uniform(r->rng);   /* drawn every step: a fixed sequence */
    if (talked || s->ag.active)
        return TS_OK;
    double now[2];
    ts_world_rollout(&r->w, NULL, NULL, 0, 1, false, now);
    double p = ts_agreement_hazard(h, s->ref[0] - now[0] / r->w.h, s->ref[1] - now[1] / r->w.h);
    if (u >= p)
        return TS_OK;
    bool agreed;
    return hold_talk(o, r, s, &h->talk, talk_label(&h->talk, "random talk"), NULL, false,
                     &agreed, err);
}

ts_status ts_agreement_hook(void *ctx, const ts_engine *e, ts_replicate *r, ts_error *err)
{
    const ts_agreement_opts *o = ctx ? ctx : &ts_ag_default_opts;
    const ts_scenario *sc = r->w.sc;   /* the replicate's values */
    if (sc->n_talks == 0 && !sc->talks_hazard.enabled)
        return TS_OK;
    talks_state *s = r->talks_state;
    if (!s) {
        s = state_alloc(sc);
        if (!s)
            return ts_error_set(err, TS_EIO, "tradesim: out of memory for talks");
        r->talks_state = s;
        r->talks_state_free = state_free;
        s->base = ts_engine_scenario(e);
    }
    ts_world *w = &r->w;
    int t = w->step;
    if (t == 0) {
        s->cursor = 0;
        s->n_agreements = 0;
        s->ag.active = false;
        if (sc->talks_hazard.enabled)
            hazard_reference(w, s->ref);
    }
    ts_status st;
    if (s->ag.active && t > s->ag.start) {
        bool breached;
        if ((st = observe(r, s, &breached, err)) != TS_OK)
            return st;
        if (!breached && t >= s->ag.end && (st = expire(o, r, s, err)) != TS_OK)
            return st;
        if (s->ag.active && t > s->ag.start)   /* a new or extended one has complied */
            comply(r, s);
    }
    bool talked = false;
    while (s->cursor < sc->n_talks && sc->talks[s->cursor].step <= t) {
        const ts_talk *tk = &sc->talks[s->cursor++];
        if (tk->step < t)
            continue;
        bool agreed;
        char label[TS_NAME_MAX + 16];
        snprintf(label, sizeof label, "%s", tk->label);
        if (!label[0])
            snprintf(label, sizeof label, "talk at step %d", t);
        if ((st = hold_talk(o, r, s, tk, label, NULL, false, &agreed, err)) != TS_OK)
            return st;
        talked = true;
    }
    return random_talk(o, r, s, talked, err);
}

void ts_agreement_hook_opts(ts_engine_opts *opts, const ts_agreement_opts *aopts)
{
    opts->talks = ts_agreement_hook;
    opts->talks_ctx = (void *)(aopts ? aopts : &ts_ag_default_opts);
}
