/* Scenario writer: the fully resolved scenario as libconfig text.
 *
 * Every default is written explicitly, so the text alone reproduces the run.
 * The text is produced here rather than by config_write() because
 * libconfig 1.5 prints floats with a fixed, lossy precision; we print each
 * double with the fewest digits (15 to 17) that read back bit-identical, so
 * loading the output gives a scenario equal to the one written. */
#include "tradesim/scenario.h"
#include "tradesim/uncertain.h"
#include "tradesim/csv.h"
#include "tradesim/text.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TRADESIM_VERSION
#define TRADESIM_VERSION "unknown"
#endif

static void put(ts_text *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(ts_text *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_text_vprintf(b, fmt, ap);
    va_end(ap);
}

/* Shortest of %.15g..%.17g that reads back exactly, always with a '.' or
 * exponent so libconfig reads a float. */
static const char *dbl(double v, char buf[40])
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 40, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    if (!strpbrk(buf, ".eEn"))
        strcat(buf, ".0");
    return buf;
}

static void put_str(ts_text *b, const char *s)
{
    put(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            put(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            put(b, "\\x%02x", *p);
        else
            put(b, "%c", *p);
    }
    put(b, "\"");
}

static void put_kv_num(ts_text *b, const char *key, double v)
{
    char t[40];
    put(b, " %s = %s;", key, dbl(v, t));
}

static void put_when(ts_text *b, const ts_scenario *sc, int step)
{
    if (sc->calendar.unit == TS_STEP_ABSTRACT) {
        put(b, " step = %d;", step);
    } else {
        char d[11];
        ts_calendar_step_date(&sc->calendar, step, d);
        put(b, " date = \"%s\";", d);
    }
}

static const char *const step_names[] = {"day", "week", "month", "abstract"};
static const char *const protocol_names[] = {"nash", "alternating", "concession"};
static const char *const weights_names[] = {"power", "patience"};
static const char *const disagreement_names[] = {"status_quo", "noncooperative"};
static const char *const expiry_names[] = {"snapback", "keep", "renegotiate"};
static const char *const breach_names[] = {"react", "snapback"};

static void put_talk_terms(ts_text *b, const ts_scenario *sc, const ts_talk *tk)
{
    put(b, "\n      label = ");
    put_str(b, tk->label);
    put(b, "; agenda = [");
    for (int i = 0; i < tk->n_agenda; i++)
        put(b, "%s\"%s\"", i ? ", " : "", sc->issues[tk->agenda[i]].id);
    put(b, "]; protocol = \"%s\";\n     ", protocol_names[tk->protocol]);
    put_kv_num(b, "duration", tk->duration);
    put(b, " on_expiry = \"%s\"; on_breach = \"%s\";", expiry_names[tk->on_expiry],
        breach_names[tk->on_breach]);
    put_kv_num(b, "min_gain", tk->min_gain);
    char t0[40], t1[40];
    put(b, "\n      rounds = %d; beta = [%s, %s]; phase_in = %d;", tk->rounds, dbl(tk->beta[0], t0),
        dbl(tk->beta[1], t1), tk->phase_in);
    put(b, "\n      opener = \"%s\"; round_length = %d; weights = \"%s\"; disagreement = \"%s\";",
        sc->actors[tk->opener].id, tk->round_length, weights_names[tk->weights],
        disagreement_names[tk->disagreement]);
}

static double strategy_value(const ts_strategy *st, size_t offset)
{
    double v;
    memcpy(&v, (const char *)st + offset, sizeof v);
    return v;
}

static void put_strategy(ts_text *b, const ts_scenario *sc, int a)
{
    const ts_strategy *st = &sc->actors[a].strategy;
    put(b, "\n      strategy = { kind = \"%s\";", ts_strategy_kind_name(st->kind));
    for (const ts_strategy_param *p = ts_strategy_param_table(); p->key; p++)
        if (p->kinds & (1u << st->kind))
            put_kv_num(b, p->key, strategy_value(st, p->offset));
    if (st->kind == TS_STRAT_TIME_DEPENDENT) {
        put(b, " deadline = %d;\n        reservation = {", st->deadline);
        for (int k = 0; k < sc->n_issues; k++)
            if (sc->issues[k].owner == a)
                put_kv_num(b, sc->issues[k].id, st->reservation[k]);
        put(b, " };");
    }
    put(b, " };");
}

/* The header comment, name, description, calendar, and the run settings
 * (monte_carlo, output). */
static void put_settings(ts_text *b, const ts_scenario *sc)
{
    put(b, "# Resolved by tradesim %s: every default explicit.\n", TRADESIM_VERSION);
    put(b, "name = ");
    put_str(b, sc->name);
    put(b, ";\ndescription = ");
    put_str(b, sc->description);
    put(b, ";\n");

    const ts_calendar *cal = &sc->calendar;
    if (cal->unit == TS_STEP_ABSTRACT) {
        put(b, "calendar = { step = \"abstract\"; steps = %d; };\n", cal->steps);
    } else {
        char s[11], e[11];
        ts_date_format(cal->start_day, s);
        ts_date_format(cal->end_day, e);
        put(b, "calendar = { start = \"%s\"; end = \"%s\"; step = \"%s\"; };  # %d steps\n", s,
            e, step_names[cal->unit], cal->steps);
    }
    if (sc->seed <= (uint64_t)INT64_MAX)
        put(b, "monte_carlo = { replicates = %d; seed = %" PRIu64 "L; rng = ", sc->replicates,
            sc->seed);
    else
        put(b, "monte_carlo = { replicates = %d; seed = \"%" PRIu64 "\"; rng = ", sc->replicates,
            sc->seed);
    put_str(b, sc->rng);
    put(b, "; };\noutput = { trajectories = %d; precision = %d; channels = %s; log = \"%s\"; };\n",
        sc->trajectories, sc->precision, sc->channels ? "true" : "false",
        ts_log_level_names[sc->log < TS_LOGLEVEL_COUNT ? sc->log : TS_LOGLEVEL_ALL]);
}

static void put_actors(ts_text *b, const ts_scenario *sc)
{
    put(b, "actors = (");
    for (int a = 0; a < 2; a++) {
        const ts_actor *ac = &sc->actors[a];
        put(b, "%s\n    { id = \"%s\"; name = ", a ? "," : "", ac->id);
        put_str(b, ac->name);
        put(b, ";\n     ");
        for (const ts_param_info *p = ts_param_table(); p->key; p++)
            if (p->target == TS_TARGET_ACTOR)
                put_kv_num(b, p->key,
                           *(const double *)(const void *)((const char *)ac + p->offset));
        put_strategy(b, sc, a);
        put(b, " }");
    }
    put(b, "\n);\n");
}

/* One issue: its kind's parameters four to a line, then what only some kinds
 * have (a chip licence's sell_at_loss, a custom issue's payoff). */
static void put_issue(ts_text *b, const ts_scenario *sc, int k)
{
    const ts_issue *is = &sc->issues[k];
    put(b, "%s\n    { id = \"%s\"; kind = \"%s\"; owner = \"%s\";\n     ", k ? "," : "", is->id,
        ts_issue_kind_name(is->kind), sc->actors[is->owner].id);
    int col = 0;
    for (const ts_param_info *p = ts_param_table(); p->key; p++) {
        if (p->target != TS_TARGET_ISSUE || !(p->kinds & (1u << is->kind)))
            continue;
        /* Stated by tot_share (the loader derives it; both is an error). */
        if (p->offset == offsetof(ts_issue, supply_elasticity))
            continue;
        if (col && col % 4 == 0)
            put(b, "\n     ");
        put_kv_num(b, p->key, *(const double *)(const void *)((const char *)is + p->offset));
        col++;
    }
    if (is->kind == TS_ISSUE_CHIP_LICENCE)
        put(b, "\n      sell_at_loss = %s;", is->sell_at_loss ? "true" : "false");
    if (is->kind == TS_ISSUE_CUSTOM) {
        put(b, "\n      payoff = {");
        for (int a = 0; a < 2; a++) {
            put(b, "\n        %s = {", sc->actors[a].id);
            put_kv_num(b, "constant", is->payoff[a][0]);
            put_kv_num(b, "linear", is->payoff[a][1]);
            put_kv_num(b, "quadratic", is->payoff[a][2]);
            put(b, " };");
        }
        put(b, " };");
    }
    put(b, " }");
}

static void put_issues(ts_text *b, const ts_scenario *sc)
{
    put(b, "issues = (");
    for (int k = 0; k < sc->n_issues; k++)
        put_issue(b, sc, k);
    put(b, "\n);\n");
}

static void put_interactions(ts_text *b, const ts_scenario *sc)
{
    char t[40];
    put(b, "interactions = (");
    for (int i = 0; i < sc->n_interactions; i++) {
        const ts_interaction *in = &sc->interactions[i];
        put(b, "%s\n    { actor = \"%s\"; issues = [\"%s\", \"%s\"]; coef = %s; }", i ? "," : "",
            sc->actors[in->actor].id, sc->issues[in->issue_a].id, sc->issues[in->issue_b].id,
            dbl(in->coef, t));
    }
    put(b, "%s);\n", sc->n_interactions ? "\n" : " ");
}

/* The scheduled talks, then the hazard of unscheduled ones when enabled. */
static void put_talks(ts_text *b, const ts_scenario *sc)
{
    put(b, "talks = (");
    for (int i = 0; i < sc->n_talks; i++) {
        put(b, "%s\n    {", i ? "," : "");
        put_when(b, sc, sc->talks[i].step);
        put_talk_terms(b, sc, &sc->talks[i]);
        put(b, " }");
    }
    put(b, "%s);\n", sc->n_talks ? "\n" : " ");

    if (sc->talks_hazard.enabled) {
        put(b, "talks_hazard = {");
        put_kv_num(b, "base", sc->talks_hazard.base);
        put_kv_num(b, "sensitivity", sc->talks_hazard.sensitivity);
        put_talk_terms(b, sc, &sc->talks_hazard.talk);
        put(b, " };\n");
    }
}

/* An event's `set = {...}` and then `add = {...}` groups of levels, each
 * written only when it has an entry. */
static void put_event_levels(ts_text *b, const ts_scenario *sc, const ts_event *ev)
{
    for (int add = 0; add < 2; add++) {
        bool any = false;
        for (int j = 0; j < ev->n_sets; j++) {
            if (ev->sets[j].add != (add == 1))
                continue;
            if (!any)
                put(b, "\n      %s = {", add ? "add" : "set");
            any = true;
            put_kv_num(b, sc->issues[ev->sets[j].issue].id, ev->sets[j].value);
        }
        if (any)
            put(b, " };");
    }
}

/* An event's `param = {...}`: consecutive entries for the same actor or issue
 * share one inner group. */
static void put_event_params(ts_text *b, const ts_scenario *sc, const ts_event *ev)
{
    if (!ev->n_params)
        return;
    put(b, "\n      param = {");
    for (int j = 0; j < ev->n_params; j++) {
        const ts_event_param *ep = &ev->params[j];
        bool first = j == 0 || ep->target != ev->params[j - 1].target ||
                     ep->index != ev->params[j - 1].index;
        bool last = j == ev->n_params - 1 || ep->target != ev->params[j + 1].target ||
                    ep->index != ev->params[j + 1].index;
        if (first)
            put(b, " %s = {", ep->target == TS_TARGET_ACTOR ? sc->actors[ep->index].id
                                                            : sc->issues[ep->index].id);
        put_kv_num(b, ep->key, ep->value);
        if (last)
            put(b, " };");
    }
    put(b, " };");
}

static void put_events(ts_text *b, const ts_scenario *sc)
{
    put(b, "events = (");
    for (int i = 0; i < sc->n_events; i++) {
        const ts_event *ev = &sc->events[i];
        put(b, "%s\n    {", i ? "," : "");
        if (ev->step >= 0)
            put_when(b, sc, ev->step);
        else
            put_kv_num(b, "probability", ev->probability);
        put(b, " once = %s; label = ", ev->once ? "true" : "false");
        put_str(b, ev->label);
        put(b, ";");
        put_event_levels(b, sc, ev);
        put_event_params(b, sc, ev);
        put(b, " }");
    }
    put(b, "%s);\n", sc->n_events ? "\n" : " ");
}

static void put_uncertain(ts_text *b, const ts_scenario *sc)
{
    if (sc->n_uncertain == 0)
        return;   /* absent: older readers of resolved scenarios see no new key */
    put(b, "uncertain = (");
    for (int i = 0; i < sc->n_uncertain; i++) {
        const ts_uncertain *u = &sc->uncertain[i];
        const ts_dist *d = &u->dist;
        put(b, "%s\n    { name = ", i ? "," : "");
        put_str(b, u->name);
        put(b, "; key = ");
        put_str(b, u->key);
        put(b, "; dist = \"%s\";", ts_dist_names[d->kind]);
        switch (d->kind) {
        case TS_DIST_UNIFORM:
            put_kv_num(b, "min", d->a);
            put_kv_num(b, "max", d->b);
            break;
        case TS_DIST_NORMAL:
            put_kv_num(b, "mean", d->a);
            put_kv_num(b, "sd", d->b);
            if (isfinite(d->lo))
                put_kv_num(b, "min", d->lo);
            if (isfinite(d->hi))
                put_kv_num(b, "max", d->hi);
            break;
        case TS_DIST_LOGNORMAL:
            put_kv_num(b, "mu", d->a);
            put_kv_num(b, "sigma", d->b);
            break;
        case TS_DIST_TRIANGULAR:
            put_kv_num(b, "min", d->a);
            put_kv_num(b, "mode", d->b);
            put_kv_num(b, "max", d->c);
            break;
        case TS_DIST_BETA:
            put_kv_num(b, "a", d->a);
            put_kv_num(b, "b", d->b);
            put_kv_num(b, "min", d->lo);
            put_kv_num(b, "max", d->hi);
            break;
        default: {
            char t[40];
            put(b, " values = [");
            for (int j = 0; j < d->n; j++)
                put(b, "%s%s", j ? ", " : "", dbl(d->values[j], t));
            put(b, "]; weights = [");
            for (int j = 0; j < d->n; j++)
                put(b, "%s%s", j ? ", " : "", dbl(d->cum[j] - (j ? d->cum[j - 1] : 0.0), t));
            put(b, "];");
        }
        }
        put(b, " }");
    }
    put(b, "\n);\n");
}

char *ts_scenario_to_string(const ts_scenario *sc)
{
    ts_text b = {0};
    put_settings(&b, sc);
    put_actors(&b, sc);
    put_issues(&b, sc);
    put_interactions(&b, sc);
    put_talks(&b, sc);
    put_events(&b, sc);
    put_uncertain(&b, sc);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

ts_status ts_scenario_write(const ts_scenario *sc, const char *path, ts_error *err)
{
    char *text = ts_scenario_to_string(sc);
    if (!text)
        return ts_error_set(err, TS_EIO, "cannot write '%s': out of memory", path);
    ts_csv *f = ts_csv_open(path, 6, err);
    if (!f) {
        free(text);
        return TS_EIO;
    }
    ts_csv_raw(f, text, strlen(text));
    free(text);
    return ts_csv_commit(f, err);
}

/* ---- equality and hash -------------------------------------------------- */

static bool talk_equal(const ts_talk *a, const ts_talk *b)
{
    if (a->step != b->step || strcmp(a->label, b->label) || a->n_agenda != b->n_agenda ||
        a->protocol != b->protocol || a->duration != b->duration ||
        a->duration_steps != b->duration_steps || a->on_expiry != b->on_expiry ||
        a->on_breach != b->on_breach || a->min_gain != b->min_gain || a->rounds != b->rounds ||
        a->beta[0] != b->beta[0] || a->beta[1] != b->beta[1] || a->phase_in != b->phase_in ||
        a->opener != b->opener || a->round_length != b->round_length ||
        a->weights != b->weights || a->disagreement != b->disagreement)
        return false;
    for (int i = 0; i < a->n_agenda; i++)
        if (a->agenda[i] != b->agenda[i])
            return false;
    return true;
}

static bool field_equal(const void *a, const void *b, size_t offset)
{
    double x = *(const double *)(const void *)((const char *)a + offset);
    double y = *(const double *)(const void *)((const char *)b + offset);
    return x == y;
}

/* Name, description, calendar, run settings and the sizes of every list. */
static bool settings_equal(const ts_scenario *a, const ts_scenario *b)
{
    const ts_calendar *ca = &a->calendar, *cb = &b->calendar;
    return !(strcmp(a->name, b->name) || strcmp(a->description, b->description) ||
             ca->unit != cb->unit || ca->steps != cb->steps || ca->step_years != cb->step_years ||
             (ca->unit != TS_STEP_ABSTRACT &&
              (ca->start_day != cb->start_day || ca->end_day != cb->end_day)) ||
             a->replicates != b->replicates || a->seed != b->seed || strcmp(a->rng, b->rng) ||
             a->trajectories != b->trajectories || a->precision != b->precision ||
             a->channels != b->channels || a->log != b->log ||
             a->n_issues != b->n_issues || a->n_interactions != b->n_interactions ||
             a->n_talks != b->n_talks || a->n_events != b->n_events);
}

/* Two actors of scenarios with n_issues issues each. */
static bool actor_equal(const ts_actor *x, const ts_actor *y, int n_issues)
{
    const ts_strategy *s = &x->strategy, *t = &y->strategy;
    if (strcmp(x->id, y->id) || strcmp(x->name, y->name) || s->kind != t->kind ||
        s->deadline != t->deadline)
        return false;
    for (const ts_strategy_param *p = ts_strategy_param_table(); p->key; p++)
        if (strategy_value(s, p->offset) != strategy_value(t, p->offset))
            return false;
    for (int k = 0; k < n_issues; k++)
        if (s->reservation[k] != t->reservation[k])
            return false;
    for (const ts_param_info *p = ts_param_table(); p->key; p++)
        if (p->target == TS_TARGET_ACTOR && !field_equal(x, y, p->offset))
            return false;
    return true;
}

static bool issue_equal(const ts_issue *x, const ts_issue *y)
{
    if (strcmp(x->id, y->id) || x->kind != y->kind || x->owner != y->owner ||
        x->sell_at_loss != y->sell_at_loss)
        return false;
    for (const ts_param_info *p = ts_param_table(); p->key; p++)
        if (p->target == TS_TARGET_ISSUE && !field_equal(x, y, p->offset))
            return false;
    for (int i = 0; i < 2; i++)
        for (int c = 0; c < 3; c++)
            if (x->payoff[i][c] != y->payoff[i][c])
                return false;
    return true;
}

static bool interaction_equal(const ts_interaction *x, const ts_interaction *y)
{
    return x->actor == y->actor && x->issue_a == y->issue_a && x->issue_b == y->issue_b &&
           x->coef == y->coef;
}

static bool hazard_equal(const ts_talks_hazard *ha, const ts_talks_hazard *hb)
{
    return !(ha->enabled != hb->enabled ||
             (ha->enabled && (ha->base != hb->base || ha->sensitivity != hb->sensitivity ||
                              !talk_equal(&ha->talk, &hb->talk))));
}

static bool event_equal(const ts_event *x, const ts_event *y)
{
    if (x->step != y->step || x->probability != y->probability || x->once != y->once ||
        strcmp(x->label, y->label) || x->n_sets != y->n_sets || x->n_params != y->n_params)
        return false;
    for (int j = 0; j < x->n_sets; j++)
        if (x->sets[j].issue != y->sets[j].issue || x->sets[j].value != y->sets[j].value ||
            x->sets[j].add != y->sets[j].add)
            return false;
    for (int j = 0; j < x->n_params; j++)
        if (x->params[j].target != y->params[j].target ||
            x->params[j].index != y->params[j].index ||
            x->params[j].offset != y->params[j].offset ||
            x->params[j].value != y->params[j].value)
            return false;
    return true;
}

static bool uncertain_equal(const ts_uncertain *x, const ts_uncertain *y)
{
    const ts_dist *p = &x->dist, *q = &y->dist;
    if (strcmp(x->name, y->name) || x->region != y->region || x->index != y->index ||
        x->sub != y->sub || x->offset != y->offset || p->kind != q->kind || p->a != q->a ||
        p->b != q->b || p->c != q->c || p->lo != q->lo || p->hi != q->hi || p->n != q->n)
        return false;
    for (int j = 0; j < p->n; j++)
        if (p->values[j] != q->values[j] || fabs(p->cum[j] - q->cum[j]) > 1e-15)
            return false;
    return true;
}

bool ts_scenario_equal(const ts_scenario *a, const ts_scenario *b)
{
    if (!settings_equal(a, b))
        return false;
    for (int i = 0; i < 2; i++)
        if (!actor_equal(&a->actors[i], &b->actors[i], a->n_issues))
            return false;
    for (int k = 0; k < a->n_issues; k++)
        if (!issue_equal(&a->issues[k], &b->issues[k]))
            return false;
    for (int i = 0; i < a->n_interactions; i++)
        if (!interaction_equal(&a->interactions[i], &b->interactions[i]))
            return false;
    for (int i = 0; i < a->n_talks; i++)
        if (!talk_equal(&a->talks[i], &b->talks[i]))
            return false;
    if (!hazard_equal(&a->talks_hazard, &b->talks_hazard))
        return false;
    for (int i = 0; i < a->n_events; i++)
        if (!event_equal(&a->events[i], &b->events[i]))
            return false;
    if (a->n_uncertain != b->n_uncertain)
        return false;
    for (int i = 0; i < a->n_uncertain; i++)
        if (!uncertain_equal(&a->uncertain[i], &b->uncertain[i]))
            return false;
    return true;
}

uint64_t ts_scenario_hash(const ts_scenario *sc)
{
    char *text = ts_scenario_to_string(sc);
    uint64_t h = 14695981039346656037ull; /* FNV-1a 64 offset basis */
    if (!text)
        return 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    free(text);
    return h;
}
