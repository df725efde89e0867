/* Uncertain parameters: quantiles, draw streams and scenario variants
 * (uncertain.h; docs/scenario-format.md, "Uncertain parameters"). */
#include "tradesim/uncertain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "tradesim/engine.h"
#include "tradesim/model.h"

const char *const ts_dist_names[TS_DIST_COUNT] = {"uniform",    "normal", "lognormal",
                                                   "triangular", "beta",   "discrete"};

double ts_dist_quantile(const ts_dist *d, double u)
{
    switch (d->kind) {
    case TS_DIST_UNIFORM:
        return d->a + u * (d->b - d->a);
    case TS_DIST_NORMAL: {
        /* Truncation by the inverse of the normal's CDF restricted to [lo, hi]. */
        double pl = isfinite(d->lo) ? gsl_cdf_gaussian_P(d->lo - d->a, d->b) : 0.0;
        double ph = isfinite(d->hi) ? gsl_cdf_gaussian_P(d->hi - d->a, d->b) : 1.0;
        if (u <= 0.0 && isfinite(d->lo))
            return d->lo;   /* exact ends, not a rounding away from them */
        if (u >= 1.0 && isfinite(d->hi))
            return d->hi;
        double p = pl + u * (ph - pl);
        double x = p <= 0.0 ? d->lo : p >= 1.0 ? d->hi : d->a + gsl_cdf_gaussian_Pinv(p, d->b);
        return x < d->lo ? d->lo : x > d->hi ? d->hi : x;
    }
    case TS_DIST_LOGNORMAL:
        return gsl_cdf_lognormal_Pinv(u, d->a, d->b);
    case TS_DIST_TRIANGULAR: {
        double lo = d->a, mode = d->b, hi = d->c, w = hi - lo;
        double f = (mode - lo) / w;
        return u < f ? lo + sqrt(u * w * (mode - lo)) : hi - sqrt((1.0 - u) * w * (hi - mode));
    }
    case TS_DIST_BETA:
        return d->lo + (d->hi - d->lo) * gsl_cdf_beta_Pinv(u, d->a, d->b);
    case TS_DIST_DISCRETE: {
        int i = 0;
        while (i < d->n - 1 && !(u < d->cum[i]))
            i++;
        return d->values[i];
    }
    default:
        return NAN;
    }
}

void ts_dist_support(const ts_dist *d, double *lo, double *hi)
{
    switch (d->kind) {
    case TS_DIST_UNIFORM:
        *lo = d->a, *hi = d->b;
        return;
    case TS_DIST_LOGNORMAL:
        *lo = 0.0, *hi = INFINITY;
        return;
    case TS_DIST_TRIANGULAR:
        *lo = d->a, *hi = d->c;
        return;
    case TS_DIST_DISCRETE:
        *lo = INFINITY, *hi = -INFINITY;
        for (int i = 0; i < d->n; i++) {
            *lo = fmin(*lo, d->values[i]);
            *hi = fmax(*hi, d->values[i]);
        }
        return;
    default:   /* normal, beta */
        *lo = d->lo, *hi = d->hi;
    }
}

void ts_dist_describe(const ts_dist *d, char *buf, size_t n)
{
    const char *name = (unsigned)d->kind < TS_DIST_COUNT ? ts_dist_names[d->kind] : "?";
    switch (d->kind) {
    case TS_DIST_UNIFORM:
        snprintf(buf, n, "%s(min %.6g, max %.6g)", name, d->a, d->b);
        break;
    case TS_DIST_NORMAL:
        if (isfinite(d->lo) || isfinite(d->hi))
            snprintf(buf, n, "%s(mean %.6g, sd %.6g, truncated to [%.6g, %.6g])", name, d->a, d->b,
                     d->lo, d->hi);
        else
            snprintf(buf, n, "%s(mean %.6g, sd %.6g)", name, d->a, d->b);
        break;
    case TS_DIST_LOGNORMAL:
        snprintf(buf, n, "%s(mu %.6g, sigma %.6g)", name, d->a, d->b);
        break;
    case TS_DIST_TRIANGULAR:
        snprintf(buf, n, "%s(min %.6g, mode %.6g, max %.6g)", name, d->a, d->b, d->c);
        break;
    case TS_DIST_BETA:
        snprintf(buf, n, "%s(a %.6g, b %.6g, on [%.6g, %.6g])", name, d->a, d->b, d->lo, d->hi);
        break;
    case TS_DIST_DISCRETE: {
        int len = snprintf(buf, n, "%s(", name);
        for (int i = 0; i < d->n && len >= 0 && (size_t)len < n; i++) {
            double w = d->cum[i] - (i > 0 ? d->cum[i - 1] : 0.0);
            len += snprintf(buf + len, n - (size_t)len, "%s%.6g w %.3g", i ? ", " : "",
                            d->values[i], w);
        }
        if (len >= 0 && (size_t)len < n)
            snprintf(buf + len, n - (size_t)len, ")");
        break;
    }
    default:
        snprintf(buf, n, "%s", name);
    }
}

uint64_t ts_uncertain_name_hash(const char *name)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    return h;
}

/* One number per (seed, replicate, name): a counter-based generator (two
 * rounds of splitmix64 over the replicate's seed and the name's hash) needs
 * no state, so a parameter's draw depends on nothing else. */
double ts_uncertain_share(uint64_t seed, int k, const ts_uncertain *u)
{
    uint64_t x = ts_splitmix64(ts_engine_replicate_seed(seed, k) ^ u->name_hash);
    /* 53 bits, centred in their interval: strictly inside (0, 1). */
    return ((double)(x >> 11) + 0.5) * 0x1.0p-53;
}

double ts_uncertain_value(const ts_uncertain *u, double v)
{
    return u->integer ? nearbyint(v) : v;
}

void ts_uncertain_draw(const ts_scenario *sc, int k, double *values)
{
    for (int j = 0; j < sc->n_uncertain; j++) {
        const ts_uncertain *u = &sc->uncertain[j];
        values[j] = ts_uncertain_value(u, ts_dist_quantile(&u->dist, ts_uncertain_share(sc->seed, k, u)));
    }
}

/* ---- variants ------------------------------------------------------------ */

struct ts_variant {
    ts_scenario sc;           /* the copy: its arrays are the ones below */
    const ts_scenario *base;
    ts_issue *issues;
    ts_talk *talks;
    ts_interaction *interactions;
    ts_event *events;
    ts_event_set *sets;       /* every event's sets, then */
    ts_event_param *params;   /* every event's params, in event order */
};

void ts_variant_free(ts_variant *v)
{
    if (!v)
        return;
    free(v->issues);
    free(v->talks);
    free(v->interactions);
    free(v->events);
    free(v->sets);
    free(v->params);
    free(v);
}

static void *copy_of(const void *src, size_t n, size_t size)
{
    void *p = malloc(n > 0 ? n * size : 1);
    if (p && n > 0)
        memcpy(p, src, n * size);
    return p;
}

ts_variant *ts_variant_alloc(const ts_scenario *base)
{
    ts_variant *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    size_t n_sets = 0, n_params = 0;
    for (int i = 0; i < base->n_events; i++) {
        n_sets += (size_t)base->events[i].n_sets;
        n_params += (size_t)base->events[i].n_params;
    }
    v->base = base;
    v->issues = copy_of(base->issues, (size_t)base->n_issues, sizeof *base->issues);
    v->talks = copy_of(base->talks, (size_t)base->n_talks, sizeof *base->talks);
    v->interactions =
        copy_of(base->interactions, (size_t)base->n_interactions, sizeof *base->interactions);
    v->events = copy_of(base->events, (size_t)base->n_events, sizeof *base->events);
    v->sets = malloc((n_sets > 0 ? n_sets : 1) * sizeof *v->sets);
    v->params = malloc((n_params > 0 ? n_params : 1) * sizeof *v->params);
    if (!v->issues || !v->talks || !v->interactions || !v->events || !v->sets || !v->params) {
        ts_variant_free(v);
        return NULL;
    }
    size_t js = 0, jp = 0;
    for (int i = 0; i < base->n_events; i++) {
        const ts_event *be = &base->events[i];
        ts_event *e = &v->events[i];
        e->sets = v->sets + js;
        e->params = v->params + jp;
        if (be->n_sets > 0)
            memcpy(e->sets, be->sets, (size_t)be->n_sets * sizeof *e->sets);
        if (be->n_params > 0)
            memcpy(e->params, be->params, (size_t)be->n_params * sizeof *e->params);
        js += (size_t)be->n_sets;
        jp += (size_t)be->n_params;
    }
    v->sc = *base;
    v->sc.issues = v->issues;
    v->sc.talks = v->talks;
    v->sc.interactions = v->interactions;
    v->sc.events = v->events;
    return v;
}

const ts_scenario *ts_variant_scenario(const ts_variant *v) { return &v->sc; }

/* Element u points at, restored from the base (the derived fields too). */
static void restore(ts_variant *v, const ts_uncertain *u)
{
    const ts_scenario *b = v->base;
    switch (u->region) {
    case TS_SLOT_ISSUE:
        v->issues[u->index] = b->issues[u->index];
        break;
    case TS_SLOT_ACTOR:
        v->sc.actors[u->index] = b->actors[u->index];
        break;
    case TS_SLOT_TALK:
        v->talks[u->index] = b->talks[u->index];
        break;
    case TS_SLOT_HAZARD:
        v->sc.talks_hazard = b->talks_hazard;
        break;
    case TS_SLOT_INTERACTION:
        v->interactions[u->index] = b->interactions[u->index];
        break;
    case TS_SLOT_EVENT:
        v->events[u->index].probability = b->events[u->index].probability;
        break;
    case TS_SLOT_EVENT_SET:
        v->events[u->index].sets[u->sub] = b->events[u->index].sets[u->sub];
        break;
    case TS_SLOT_EVENT_PARAM:
        v->events[u->index].params[u->sub] = b->events[u->index].params[u->sub];
        break;
    }
}

static double step_days(ts_step_unit unit)
{
    return unit == TS_STEP_WEEK ? 7.0 : unit == TS_STEP_MONTH ? 30.436875 : 1.0;
}

/* A talk's duration in steps, as the loader derives it. */
static void talk_duration(const ts_scenario *sc, ts_talk *tk)
{
    double steps = sc->calendar.unit == TS_STEP_ABSTRACT
                       ? tk->duration
                       : tk->duration / step_days(sc->calendar.unit);
    double c = ceil(steps - 1e-9);
    tk->duration_steps = c < 1.0 ? 1 : c > TS_MAX_STEPS ? TS_MAX_STEPS : (int)c;
}

static void put(ts_variant *v, const ts_uncertain *u, double x)
{
    char *base;
    switch (u->region) {
    case TS_SLOT_ISSUE:
        if (!u->integer) {
            ts_issue_param_set(&v->issues[u->index], u->offset, x);
            return;
        }
        base = (char *)&v->issues[u->index];
        break;
    case TS_SLOT_ACTOR:
        base = (char *)&v->sc.actors[u->index];
        break;
    case TS_SLOT_TALK:
        base = (char *)&v->talks[u->index];
        break;
    case TS_SLOT_HAZARD:
        base = (char *)&v->sc.talks_hazard;
        break;
    case TS_SLOT_INTERACTION:
        base = (char *)&v->interactions[u->index];
        break;
    case TS_SLOT_EVENT:
        base = (char *)&v->events[u->index];
        break;
    case TS_SLOT_EVENT_SET:
        base = (char *)&v->events[u->index].sets[u->sub];
        break;
    default:
        base = (char *)&v->events[u->index].params[u->sub];
        break;
    }
    if (u->integer) {
        int i = (int)x;
        memcpy(base + u->offset, &i, sizeof i);
    } else {
        memcpy(base + u->offset, &x, sizeof x);
    }
    if (u->region == TS_SLOT_TALK && u->offset == offsetof(ts_talk, duration))
        talk_duration(&v->sc, &v->talks[u->index]);
    else if (u->region == TS_SLOT_HAZARD &&
             u->offset == offsetof(ts_talks_hazard, talk) + offsetof(ts_talk, duration))
        talk_duration(&v->sc, &v->sc.talks_hazard.talk);
}

/* The rules between settings that one value can break (the loader checks the
 * same when it reads them). NULL when none is broken. */
static const char *broken_rule(const ts_scenario *sc, char *buf, size_t n)
{
    for (int i = 0; i < sc->n_issues; i++) {
        const ts_issue *is = &sc->issues[i];
        if (!(is->min < is->max) || is->initial < is->min || is->initial > is->max) {
            snprintf(buf, n, "issue %s needs min < max and initial in [min, max] (min %.6g, "
                     "max %.6g, initial %.6g)", is->id, is->min, is->max, is->initial);
            return buf;
        }
        if (is->kind == TS_ISSUE_CHIP_LICENCE && !is->sell_at_loss &&
            is->revenue_share >= is->margin) {
            snprintf(buf, n, "issue %s's revenue_share %.6g is not below its margin %.6g (set "
                     "sell_at_loss = true to allow it)", is->id, is->revenue_share, is->margin);
            return buf;
        }
    }
    for (int a = 0; a < 2; a++) {
        const ts_strategy *s = &sc->actors[a].strategy;
        if (s->kind != TS_STRAT_TIME_DEPENDENT)
            continue;
        for (int i = 0; i < sc->n_issues; i++) {
            const ts_issue *is = &sc->issues[i];
            if (is->owner == a && (s->reservation[i] < is->min || s->reservation[i] > is->max)) {
                snprintf(buf, n, "actor %s's reservation for %s (%.6g) is outside [%.6g, %.6g]",
                         sc->actors[a].id, is->id, s->reservation[i], is->min, is->max);
                return buf;
            }
        }
    }
    for (int k = 0; k < sc->n_events; k++)
        for (int j = 0; j < sc->events[k].n_sets; j++) {
            const ts_event_set *es = &sc->events[k].sets[j];
            const ts_issue *is = &sc->issues[es->issue];
            if (!es->add && (es->value < is->min || es->value > is->max)) {
                snprintf(buf, n, "an event sets %s to %.6g, outside [%.6g, %.6g]", is->id,
                         es->value, is->min, is->max);
                return buf;
            }
        }
    return NULL;
}

ts_status ts_variant_set(ts_variant *v, const double *values, ts_error *err)
{
    const ts_scenario *b = v->base;
    for (int j = 0; j < b->n_uncertain; j++)
        restore(v, &b->uncertain[j]);
    for (int j = 0; j < b->n_uncertain; j++) {
        const ts_uncertain *u = &b->uncertain[j];
        double x = ts_uncertain_value(u, values[j]);
        /* The loader's magnitude limit on every number (docs/limits.md). */
        if (!(x >= u->lo && x <= u->hi && fabs(x) <= 1e9)) {
            for (int i = 0; i <= j; i++)
                restore(v, &b->uncertain[i]);
            return ts_error_set(err, TS_EBAD, "%s: uncertain %s: %.15g is outside %s's range "
                                "[%.15g, %.15g]", u->where, u->name, x, u->key, u->lo, u->hi);
        }
        put(v, u, x);
    }
    char why[512];
    if (broken_rule(&v->sc, why, sizeof why)) {
        /* Name the parameters: any of them may be the cause. */
        char names[256] = "";
        size_t len = 0;
        for (int j = 0; j < b->n_uncertain && len < sizeof names; j++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s = %.6g", j ? ", " : "",
                                    b->uncertain[j].name, values[j]);
        for (int j = 0; j < b->n_uncertain; j++)
            restore(v, &b->uncertain[j]);
        return ts_error_set(err, TS_EBAD, "%s: uncertain values %s: %s", b->uncertain[0].where,
                            names, why);
    }
    return TS_OK;
}
