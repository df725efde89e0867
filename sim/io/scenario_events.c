/* Scenario loader, second part: scheduled talks, the talks hazard (random
 * talks) and events (docs/scenario-format.md, "Talks", "talks_hazard",
 * "Events"), read after actors and issues so that every id resolves.
 *
 * A talk or event happens at a date or a step (an event may instead have a
 * probability per step); dated ones must be listed in date order. Events are
 * stored scheduled first, in step order, then random ones. Every revenue
 * share that events can set on a chip is checked against every margin they
 * can set, whatever order random events fire in. */
#include "loader.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- talks ------------------------------------------------------------- */

static double step_days(ts_step_unit u)
{
    /* Mean Gregorian month: 365.2425 / 12 days. */
    return u == TS_STEP_DAY ? 1.0 : u == TS_STEP_WEEK ? 7.0 : u == TS_STEP_MONTH ? 30.436875 : 1.0;
}

static const char *const protocol_names[] = {"nash", "alternating", "concession"};
static const char *const weights_names[] = {"power", "patience"};
static const char *const disagreement_names[] = {"status_quo", "noncooperative"};
static const char *const expiry_names[] = {"snapback", "keep", "renegotiate"};
static const char *const breach_names[] = {"react", "snapback"};

/* When an event or talk happens: `date` or `step`; random events may give
 * `probability` instead. Returns the step through *step (-1 if random). */
static ts_status load_when(loader *L, const config_setting_t *g, bool random_ok, int *step,
                           int32_t *day, double *prob)
{
    const ts_calendar *cal = &L->sc->calendar;
    const config_setting_t *sd = config_setting_get_member(g, "date");
    const config_setting_t *ss = config_setting_get_member(g, "step");
    const config_setting_t *sp = random_ok ? config_setting_get_member(g, "probability") : NULL;
    int given = (sd != NULL) + (ss != NULL) + (sp != NULL);
    const char *choices = random_ok ? "'date', 'step' or 'probability'" : "'date' or 'step'";
    if (given == 0)
        return ts_ld_fail(L, g, "missing when: give one of %s", choices);
    if (given > 1)
        return ts_ld_fail(L, sd && ss ? ss : sp, "give only one of %s", choices);
    *day = INT32_MIN;
    *prob = 0.0;
    if (sp) {
        *step = -1;
        return ts_ld_num_value(L, sp, 0.0, 1.0, "a probability in [0, 1]", prob);
    }
    if (ss) {
        long long v;
        TRY(ts_ld_int_value(L, ss, 0, cal->steps - 1, &v));
        *step = (int)v;
        return TS_OK;
    }
    if (cal->unit == TS_STEP_ABSTRACT)
        return ts_ld_fail(L, sd, "the calendar is abstract: give step = N instead of a date");
    TRY(ts_ld_date_value(L, sd, day));
    char a[11], b[11];
    int t = ts_calendar_step_of_day(cal, *day);
    if (*day < cal->start_day || t < 0) {
        ts_date_format(cal->start_day, a);
        ts_date_format(ts_calendar_step_day(cal, cal->steps - 1), b);
        return ts_ld_fail(L, sd, "expected a date within the calendar's steps (%s to %s), got '%s'",
                       a, b, config_setting_get_string(sd));
    }
    *step = t;
    return TS_OK;
}

static ts_status load_agenda(loader *L, const config_setting_t *g, ts_talk *tk)
{
    ts_scenario *sc = L->sc;
    const config_setting_t *s = config_setting_get_member(g, "agenda");
    if (!s) {
        tk->n_agenda = sc->n_issues;
        for (int i = 0; i < sc->n_issues; i++)
            tk->agenda[i] = i;
        return TS_OK;
    }
    if (config_setting_type(s) != CONFIG_TYPE_ARRAY || config_setting_length(s) == 0)
        return ts_ld_fail(L, s, "expected a non-empty array of issue ids [\"a\", ...], got %s",
                       config_setting_type(s) == CONFIG_TYPE_ARRAY ? "an empty one"
                                                                   : ts_ld_type_name(s));
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        char id[TS_ID_MAX];
        TRY(ts_ld_string_value(L, e, sizeof id, id));
        ts_status bad = TS_OK;
        int k = ts_ld_issue_ref(L, e, id, &bad);
        if (k < 0)
            return bad;
        for (int j = 0; j < tk->n_agenda; j++)
            if (tk->agenda[j] == k)
                return ts_ld_fail(L, e, "'%s' is already on the agenda", id);
        tk->agenda[tk->n_agenda++] = k;
    }
    return TS_OK;
}

static void talk_defaults(const ts_scenario *sc, ts_talk *tk)
{
    bool abstract = sc->calendar.unit == TS_STEP_ABSTRACT;
    tk->n_agenda = sc->n_issues;
    for (int i = 0; i < sc->n_issues; i++)
        tk->agenda[i] = i;
    tk->protocol = TS_PROTO_NASH;
    tk->duration = abstract ? 13.0 : 90.0;
    tk->duration_steps = abstract ? 13 : (int)ceil(90.0 / step_days(sc->calendar.unit) - 1e-9);
    tk->on_expiry = TS_EXPIRY_SNAPBACK;
    tk->on_breach = TS_BREACH_REACT;
    tk->min_gain = 0.0;
    tk->rounds = 10;
    tk->opener = 0;
    tk->round_length = 1;
    tk->beta[0] = tk->beta[1] = 1.0;
    tk->weights = TS_WEIGHTS_POWER;
    tk->disagreement = TS_DISAGREE_STATUS_QUO;
    tk->phase_in = 0;
}

/* Talk terms shared by scheduled talks and the hazard's template. */
static ts_status load_talk_terms(loader *L, const config_setting_t *g, ts_talk *tk)
{
    const ts_calendar *cal = &L->sc->calendar;
    bool abstract = cal->unit == TS_STEP_ABSTRACT;
    TRY(ts_ld_get_string(L, g, "label", "", TS_NAME_MAX, tk->label));
    TRY(load_agenda(L, g, tk));
    int v = TS_PROTO_NASH;
    TRY(ts_ld_get_enum(L, g, "protocol", protocol_names, 3, &v));
    tk->protocol = (ts_protocol)v;
    TRY(ts_ld_get_num(L, g, "duration", abstract ? 13.0 : 90.0, 0.0, abstract ? TS_MAX_STEPS : 3.7e6,
                   &tk->duration));
    const config_setting_t *s = config_setting_get_member(g, "duration");
    if (s && tk->duration <= 0.0)
        return ts_ld_fail(L, s, "expected a number > 0 (%s), got 0", abstract ? "steps" : "days");
    double steps = abstract ? tk->duration : tk->duration / step_days(cal->unit);
    /* Guard against 90/7-style quotients landing a hair above an integer. */
    double c = ceil(steps - 1e-9);
    tk->duration_steps = c < 1.0 ? 1 : c > TS_MAX_STEPS ? TS_MAX_STEPS : (int)c;
    v = TS_EXPIRY_SNAPBACK;
    TRY(ts_ld_get_enum(L, g, "on_expiry", expiry_names, 3, &v));
    tk->on_expiry = (ts_expiry)v;
    v = TS_BREACH_REACT;
    TRY(ts_ld_get_enum(L, g, "on_breach", breach_names, 2, &v));
    tk->on_breach = (ts_on_breach)v;
    TRY(ts_ld_get_num(L, g, "min_gain", 0.0, 0.0, INFINITY, &tk->min_gain));
    TRY(ts_ld_get_int(L, g, "rounds", 10, 1, 1000, &tk->rounds));
    TRY(ts_ld_get_int(L, g, "round_length", 1, 1, TS_MAX_STEPS, &tk->round_length));
    TRY(ts_ld_get_int(L, g, "phase_in", 0, 0, TS_MAX_STEPS, &tk->phase_in));
    tk->opener = 0;
    s = config_setting_get_member(g, "opener");
    if (s) {
        char id[TS_ID_MAX];
        TRY(ts_ld_string_value(L, s, sizeof id, id));
        ts_status bad = TS_OK;
        if ((tk->opener = ts_ld_actor_ref(L, s, id, &bad)) < 0)
            return bad;
    }
    v = TS_WEIGHTS_POWER;
    TRY(ts_ld_get_enum(L, g, "weights", weights_names, 2, &v));
    tk->weights = (ts_nash_weights)v;
    /* ln d_A + ln d_B = 0: patience weights are undefined */
    s = config_setting_get_member(g, "weights");
    if (tk->protocol == TS_PROTO_NASH && tk->weights == TS_WEIGHTS_PATIENCE &&
        L->sc->actors[0].discount == 0.0 && L->sc->actors[1].discount == 0.0)
        return ts_ld_fail(L, s, "patience weights need a positive discount for at least one actor "
                       "(both are 0)");
    v = TS_DISAGREE_STATUS_QUO;
    TRY(ts_ld_get_enum(L, g, "disagreement", disagreement_names, 2, &v));
    tk->disagreement = (ts_disagreement)v;
    tk->beta[0] = tk->beta[1] = 1.0;
    s = config_setting_get_member(g, "beta");
    if (s) {
        const char *what = "a number in [0.01, 100] or a list of two";
        int t = config_setting_type(s);
        if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
            if (config_setting_length(s) != 2)
                return ts_ld_fail(L, s, "expected %s, got %d numbers", what, config_setting_length(s));
            for (int i = 0; i < 2; i++)
                TRY(ts_ld_num_value(L, config_setting_get_elem(s, (unsigned)i), 0.01, 100.0, NULL,
                                 &tk->beta[i]));
        } else {
            TRY(ts_ld_num_value(L, s, 0.01, 100.0, what, &tk->beta[0]));
            tk->beta[1] = tk->beta[0];
        }
    }
    return TS_OK;
}

ts_status ts_ld_load_talks(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"date",     "step",      "label",    "agenda",
                                       "protocol", "duration",  "on_expiry", "on_breach",
                                       "min_gain", "rounds",    "beta",     "phase_in",
                                       "opener",   "round_length", "weights", "disagreement",
                                       NULL};
    ts_scenario *sc = L->sc;
    const config_setting_t *l = config_setting_get_member(root, "talks");
    if (!l)
        return TS_OK;
    TRY(ts_ld_need_list(L, l, "{ date = ...; agenda = [...]; ... }, ..."));
    int n = config_setting_length(l);
    sc->talks = calloc((size_t)n + 1, sizeof *sc->talks);
    if (!sc->talks)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    int32_t prev_day = INT32_MIN;
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        ts_talk *tk = &sc->talks[i];
        sc->n_talks = i + 1;
        TRY(ts_ld_need_group(L, g));
        TRY(ts_ld_check_keys(L, g, keys, NULL, NULL));
        tk->line = (int)config_setting_source_line(g);
        int32_t day;
        double prob;
        TRY(load_when(L, g, false, &tk->step, &day, &prob));
        if (i > 0 && (tk->step < sc->talks[i - 1].step || (day != INT32_MIN && day < prev_day)))
            return ts_ld_fail(L, g, "talks must be listed in date order (this one comes before the "
                           "previous one)");
        if (day != INT32_MIN)
            prev_day = day;
        TRY(load_talk_terms(L, g, tk));
    }
    return TS_OK;
}

ts_status ts_ld_load_hazard(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"base",     "sensitivity", "label",     "agenda",
                                       "protocol", "duration",    "on_expiry", "on_breach",
                                       "min_gain", "rounds",      "beta",      "phase_in",
                                       "opener",   "round_length", "weights", "disagreement",
                                       NULL};
    static const char *const misplaced[] = {"date", "step", NULL};
    ts_talks_hazard *h = &L->sc->talks_hazard;
    const config_setting_t *g = config_setting_get_member(root, "talks_hazard");
    h->talk.step = -1;
    if (!g) {
        talk_defaults(L->sc, &h->talk);
        return TS_OK;
    }
    TRY(ts_ld_need_group(L, g));
    TRY(ts_ld_check_keys(L, g, keys, misplaced, "random talks have no date or step"));
    h->enabled = true;
    h->talk.line = (int)config_setting_source_line(g);
    TRY(ts_ld_get_num(L, g, "base", 0.0, 0.0, INFINITY, &h->base));
    TRY(ts_ld_get_num(L, g, "sensitivity", 0.0, 0.0, INFINITY, &h->sensitivity));
    return load_talk_terms(L, g, &h->talk);
}

/* ---- events ------------------------------------------------------------ */

static ts_status load_event_levels(loader *L, const config_setting_t *g, const char *key,
                                   bool add, ts_event *ev)
{
    ts_scenario *sc = L->sc;
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return TS_OK;
    TRY(ts_ld_need_group(L, s));
    int n = config_setting_length(s);
    ts_event_set *grown = realloc(ev->sets, ((size_t)ev->n_sets + (size_t)n + 1) * sizeof *grown);
    if (!grown)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    ev->sets = grown;
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
        ts_status bad = TS_OK;
        int k = ts_ld_issue_ref(L, m, config_setting_name(m), &bad);
        if (k < 0)
            return bad;
        const ts_issue *is = &sc->issues[k];
        ts_event_set *es = &ev->sets[ev->n_sets];
        es->issue = k;
        es->add = add;
        if (add) {
            TRY(ts_ld_num_value(L, m, -INFINITY, INFINITY, NULL, &es->value));
        } else {
            char what[256], lo[40], hi[40];
            ts_ld_fmt_num(is->min, lo, sizeof lo);
            ts_ld_fmt_num(is->max, hi, sizeof hi);
            snprintf(what, sizeof what, "a level in [min, max] of '%s' ([%s, %s])", is->id, lo,
                     hi);
            TRY(ts_ld_num_value(L, m, is->min, is->max, what, &es->value));
        }
        ev->n_sets++;
    }
    return TS_OK;
}

/* An event's revenue_share or margin against the issue's own value and every
 * value the events before it set: every share the run can meet must be below
 * every margin it can meet (events fire in any order when random). */
static ts_status check_event_share(loader *L, const config_setting_t *e, int k, size_t offset,
                                   double v)
{
    const ts_issue *is = &L->sc->issues[k];
    if (offset == offsetof(ts_issue, revenue_share)) {
        double m = is->margin;
        if (L->ev_margin_min[k] < m)
            m = L->ev_margin_min[k];
        TRY(ts_ld_check_share_value(L, e, is, v, m));
        if (!(L->ev_share_max[k] >= v))
            L->ev_share_max[k] = v;
    } else if (offset == offsetof(ts_issue, margin)) {
        double r = is->revenue_share;
        if (L->ev_share_max[k] > r)
            r = L->ev_share_max[k];
        TRY(ts_ld_check_share_value(L, e, is, r, v));
        if (!(L->ev_margin_min[k] <= v))
            L->ev_margin_min[k] = v;
    }
    return TS_OK;
}

static ts_status load_event_params(loader *L, const config_setting_t *g, ts_event *ev)
{
    ts_scenario *sc = L->sc;
    const config_setting_t *s = config_setting_get_member(g, "param");
    if (!s)
        return TS_OK;
    TRY(ts_ld_need_group(L, s));
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *t = config_setting_get_elem(s, (unsigned)i);
        const char *id = config_setting_name(t);
        int a = ts_scenario_actor_index(sc, id);
        int k = a < 0 ? ts_scenario_issue_index(sc, id) : -1;
        if (a < 0 && k < 0) {
            ts_ld_suggester sg = {.word = id, .dist = 99};
            ts_ld_suggest_add(&sg, sc->actors[0].id);
            ts_ld_suggest_add(&sg, sc->actors[1].id);
            for (int j = 0; j < sc->n_issues; j++)
                ts_ld_suggest_add(&sg, sc->issues[j].id);
            char dym[96];
            ts_ld_suggest_text(&sg, dym, sizeof dym);
            return ts_ld_fail(L, t, "unknown actor or issue '%s'%s", id, dym);
        }
        TRY(ts_ld_need_group(L, t));
        int m = config_setting_length(t);
        ts_event_param *grown =
            realloc(ev->params, ((size_t)ev->n_params + (size_t)m + 1) * sizeof *grown);
        if (!grown)
            return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
        ev->params = grown;
        ts_target target = a >= 0 ? TS_TARGET_ACTOR : TS_TARGET_ISSUE;
        ts_issue_kind kind = k >= 0 ? sc->issues[k].kind : TS_ISSUE_TARIFF;
        for (int j = 0; j < m; j++) {
            const config_setting_t *e = config_setting_get_elem(t, (unsigned)j);
            const char *key = config_setting_name(e);
            const ts_param_info *p = ts_param_find(target, kind, key);
            /* Bounds move only with the lever itself: set levels instead. */
            if (p && (!strcmp(key, "min") || !strcmp(key, "max") || !strcmp(key, "initial")))
                return ts_ld_fail(L, e, "'%s' cannot be changed by an event (use set or add)", key);
            if (!p) {
                ts_ld_suggester sg = {.word = key, .dist = 99};
                for (const ts_param_info *q = ts_param_table(); q->key; q++)
                    if (q->target == target &&
                        (target == TS_TARGET_ACTOR || (q->kinds & LD_BIT(kind))))
                        ts_ld_suggest_add(&sg, q->key);
                char dym[96];
                ts_ld_suggest_text(&sg, dym, sizeof dym);
                if (target == TS_TARGET_ACTOR)
                    return ts_ld_fail(L, e, "not a numeric parameter of an actor%s", dym);
                return ts_ld_fail(L, e, "not a numeric parameter of a %s issue%s",
                               ts_issue_kind_name(kind), dym);
            }
            ts_event_param *ep = &ev->params[ev->n_params];
            ep->target = target;
            ep->index = a >= 0 ? a : k;
            ep->offset = p->offset;
            ep->key = p->key;
            TRY(ts_ld_num_value(L, e, p->lo, p->hi, NULL, &ep->value));
            if (k >= 0 && kind == TS_ISSUE_CHIP_LICENCE)
                TRY(check_event_share(L, e, k, p->offset, ep->value));
            ev->n_params++;
        }
    }
    return TS_OK;
}

ts_status ts_ld_load_events(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"date", "step", "probability", "once", "label",
                                       "set",  "add",  "param",       NULL};
    ts_scenario *sc = L->sc;
    const config_setting_t *l = config_setting_get_member(root, "events");
    if (!l)
        return TS_OK;
    TRY(ts_ld_need_list(L, l, "{ date = ...; set = { ... }; }, ..."));
    int n = config_setting_length(l);
    ts_event *evs = calloc((size_t)n + 1, sizeof *evs);
    int *moved = calloc((size_t)n + 1, sizeof *moved);
    sc->events = calloc((size_t)n + 1, sizeof *sc->events);
    if (!evs || !moved || !sc->events) {
        free(evs);
        free(moved);
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    }
    ts_status st = TS_OK;
    int prev_step = -1;
    int32_t prev_day = INT32_MIN;
    int loaded = 0;
    for (int i = 0; i < n && st == TS_OK; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        ts_event *ev = &evs[i];
        loaded = i + 1;
        L->cur_event = ev;
        L->cur_event_index = i;
        if ((st = ts_ld_need_group(L, g)) != TS_OK ||
            (st = ts_ld_check_keys(L, g, keys, NULL, NULL)) != TS_OK)
            break;
        ev->line = (int)config_setting_source_line(g);
        int32_t day;
        if ((st = load_when(L, g, true, &ev->step, &day, &ev->probability)) != TS_OK)
            break;
        if (ev->step >= 0) {
            if (ev->step < prev_step || (day != INT32_MIN && day < prev_day)) {
                st = ts_ld_fail(L, g, "dated events must be listed in date order (this one comes "
                             "before the previous one)");
                break;
            }
            prev_step = ev->step;
            if (day != INT32_MIN)
                prev_day = day;
        }
        if ((st = ts_ld_get_bool(L, g, "once", false, &ev->once)) != TS_OK ||
            (st = ts_ld_get_string(L, g, "label", "", TS_NAME_MAX, ev->label)) != TS_OK ||
            (st = load_event_levels(L, g, "set", false, ev)) != TS_OK ||
            (st = load_event_levels(L, g, "add", true, ev)) != TS_OK ||
            (st = load_event_params(L, g, ev)) != TS_OK)
            break;
    }
    /* Scheduled events first (already in step order), then random ones. */
    int j = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < loaded; i++)
            if ((evs[i].step >= 0) == (pass == 0)) {
                moved[i] = j;
                sc->events[j++] = evs[i];
            }
    ts_ld_watch_events_reordered(L, moved);
    free(moved);
    L->cur_event = NULL;
    sc->n_events = loaded;
    free(evs);
    return st;
}
