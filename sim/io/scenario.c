/* Scenario loader: the top level, calendar, Monte Carlo and output settings,
 * actors with their strategies, interactions, and the entry points
 * ts_scenario_parse/load/free.
 *
 * The loader reads the file into a libconfig tree, applies --set overrides
 * to the tree (override.c), then walks it once, checking every key against
 * what is valid at that place and filling the ts_scenario with every default
 * explicit (docs/scenario-format.md). Ids are read first, so that any section
 * may name any actor or issue; issues (scenario_issues.c) are loaded before
 * actors, whose strategies refer to the levers. Talks, the talks hazard and
 * events follow (scenario_events.c). Any problem stops the walk with one line
 * naming file, line and setting path. A finished ts_scenario is never
 * modified. */
#include "loader.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

/* ---- sections ----------------------------------------------------------- */

static const char *const step_names[] = {"day", "week", "month", "abstract"};

/* A dated calendar's steps up to its end date (steps: the steps given too,
 * or 0): those whose date is on or before end. */
static ts_status steps_to_end(loader *L, const config_setting_t *s_end,
                              const config_setting_t *s_steps, int steps, ts_calendar *cal)
{
    char a[11];
    TRY(ts_ld_date_value(L, s_end, &cal->end_day));
    if (cal->end_day < cal->start_day) {
        ts_date_format(cal->start_day, a);
        return ts_ld_fail(L, s_end, "expected a date on or after start (%s), got '%s'", a,
                       config_setting_get_string(s_end));
    }
    /* Count the steps whose date is on or before end: a search over
     * step indices, since month lengths vary. */
    ts_calendar probe = *cal;
    long lo = 1, hi = (long)(cal->end_day - cal->start_day) + 1;
    probe.steps = TS_MAX_STEPS + 1;
    if (ts_calendar_step_day(&probe, TS_MAX_STEPS) <= cal->end_day)
        return ts_ld_fail(L, s_end, "the calendar would have more than %d steps", TS_MAX_STEPS);
    if (hi > TS_MAX_STEPS)
        hi = TS_MAX_STEPS;
    while (lo < hi) { /* largest n with step_day(n-1) <= end */
        long mid = lo + (hi - lo + 1) / 2;
        if (ts_calendar_step_day(&probe, (int)mid - 1) <= cal->end_day)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (s_steps && steps != (int)lo)
        return ts_ld_fail(L, s_steps, "expected %ld (the steps from start to end), got %d", lo,
                       steps);
    cal->steps = (int)lo;
    return TS_OK;
}

static ts_status load_calendar(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"start", "end", "step", "steps", NULL};
    ts_calendar *cal = &L->sc->calendar;
    const config_setting_t *g = config_setting_get_member(root, "calendar");
    if (!g)
        return ts_ld_fail_key(L, root, "calendar",
                           "missing: expected { start = \"YYYY-MM-DD\"; end = \"YYYY-MM-DD\"; "
                           "step = \"week\"; } or { step = \"abstract\"; steps = N; }");
    TRY(ts_ld_need_group(L, g));
    TRY(ts_ld_check_keys(L, g, keys, NULL, NULL));
    const config_setting_t *s_start = config_setting_get_member(g, "start");
    const config_setting_t *s_end = config_setting_get_member(g, "end");
    const config_setting_t *s_steps = config_setting_get_member(g, "steps");
    int unit = s_start ? TS_STEP_WEEK : TS_STEP_ABSTRACT;
    TRY(ts_ld_get_enum(L, g, "step", step_names, 4, &unit));
    cal->unit = (ts_step_unit)unit;
    cal->step_years = unit == TS_STEP_DAY     ? 1.0 / 365.25
                      : unit == TS_STEP_WEEK  ? 7.0 / 365.25
                      : unit == TS_STEP_MONTH ? 1.0 / 12.0
                                              : 1.0;
    int steps = 0;
    if (s_steps)
        TRY(ts_ld_get_int(L, g, "steps", 0, 1, TS_MAX_STEPS, &steps));
    if (unit == TS_STEP_ABSTRACT) {
        if (s_start)
            return ts_ld_fail(L, s_start, "not used by an abstract calendar (give steps only)");
        if (s_end)
            return ts_ld_fail(L, s_end, "not used by an abstract calendar (give steps only)");
        if (!s_steps)
            return ts_ld_fail_key(L, g, "steps", "missing: an abstract calendar needs steps = N");
        cal->steps = steps;
        cal->start_day = cal->end_day = 0;
        return TS_OK;
    }
    if (!s_start)
        return ts_ld_fail_key(L, g, "start", "missing: a dated calendar needs start = \"YYYY-MM-DD\"");
    TRY(ts_ld_date_value(L, s_start, &cal->start_day));
    if (!s_end && !s_steps)
        return ts_ld_fail_key(L, g, "end", "missing: give end = \"YYYY-MM-DD\" or steps = N");
    /* Last representable step: dates stay within year 9999. */
    int32_t last_day;
    ts_date_parse("9999-12-31", &last_day);
    if (s_end) {
        TRY(steps_to_end(L, s_end, s_steps, steps, cal));
    } else {
        cal->steps = steps;
        if (ts_calendar_step_day(cal, steps) - 1 > last_day)
            return ts_ld_fail(L, s_steps, "the last step falls after year 9999");
        cal->end_day = ts_calendar_step_day(cal, steps) - 1;
    }
    if (cal->end_day > last_day)
        return ts_ld_fail(L, s_end, "expected a date before year 10000");
    return TS_OK;
}

/* A seed in [0, 2^64 - 1]: an integer (hex 64-bit integers such as
 * 0xc37f0e2a4b1d9f80L stand for their 64 bits), or a string of decimal or
 * 0x-prefixed hex digits, as summary.csv writes them (docs/cli.md). */
static ts_status seed_value(loader *L, const config_setting_t *s, uint64_t *seed)
{
    int t = config_setting_type(s);
    const char *expect = "expected an integer in [0, 18446744073709551615] or \"0x\" and up to 16 "
                         "hex digits";
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        long long v = t == CONFIG_TYPE_INT ? config_setting_get_int(s)
                                           : config_setting_get_int64(s);
        if (v < 0 && config_setting_get_format(s) != CONFIG_FORMAT_HEX)
            return ts_ld_fail(L, s, "%s, got %lld", expect, v);
        *seed = (uint64_t)v;
    } else if (t == CONFIG_TYPE_STRING) {
        const char *v = config_setting_get_string(s);
        bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
        const char *digits = hex ? v + 2 : v;
        size_t n = strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789");
        char *end;
        errno = 0;
        unsigned long long u = strtoull(digits, &end, hex ? 16 : 10);
        if (n == 0 || digits[n] || (hex && n > 16) || errno)
            return ts_ld_fail(L, s, "%s, got '%s'", expect, v);
        *seed = (uint64_t)u;
    } else {
        return ts_ld_fail(L, s, "%s, got %s", expect, ts_ld_type_name(s));
    }
    return TS_OK;
}

/* The name of one of GSL's generators. */
static ts_status rng_value(loader *L, const config_setting_t *s, ts_scenario *sc)
{
    TRY(ts_ld_string_value(L, s, sizeof sc->rng, sc->rng));
    ts_ld_suggester sg = {.word = sc->rng, .dist = 99};
    bool found = false;
    for (const gsl_rng_type **t = gsl_rng_types_setup(); *t && !found; t++) {
        found = strcmp((*t)->name, sc->rng) == 0;
        ts_ld_suggest_add(&sg, (*t)->name);
    }
    if (!found) {
        char dym[96];
        ts_ld_suggest_text(&sg, dym, sizeof dym);
        return ts_ld_fail(L, s, "expected a GSL generator name (e.g. 'taus2', 'mt19937'), got "
                       "'%s'%s", sc->rng, dym);
    }
    return TS_OK;
}

static ts_status load_monte_carlo(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"replicates", "seed", "rng", NULL};
    ts_scenario *sc = L->sc;
    sc->replicates = 100;
    sc->seed = 1;
    snprintf(sc->rng, sizeof sc->rng, "taus2");
    const config_setting_t *g = config_setting_get_member(root, "monte_carlo");
    if (!g)
        return TS_OK;
    TRY(ts_ld_need_group(L, g));
    TRY(ts_ld_check_keys(L, g, keys, NULL, NULL));
    TRY(ts_ld_get_int(L, g, "replicates", 100, 1, TS_MAX_REPLICATES, &sc->replicates));
    const config_setting_t *s = config_setting_get_member(g, "seed");
    if (s)
        TRY(seed_value(L, s, &sc->seed));
    s = config_setting_get_member(g, "rng");
    if (s)
        TRY(rng_value(L, s, sc));
    return TS_OK;
}

static ts_status load_output(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"trajectories", "precision", "channels", "log", NULL};
    ts_scenario *sc = L->sc;
    sc->trajectories = 10;
    sc->precision = 6;
    sc->log = TS_LOGLEVEL_ALL;
    const config_setting_t *g = config_setting_get_member(root, "output");
    if (!g)
        return TS_OK;
    TRY(ts_ld_need_group(L, g));
    TRY(ts_ld_check_keys(L, g, keys, NULL, NULL));
    TRY(ts_ld_get_int(L, g, "trajectories", 10, -1, TS_MAX_REPLICATES, &sc->trajectories));
    TRY(ts_ld_get_int(L, g, "precision", 6, 1, 17, &sc->precision));
    TRY(ts_ld_get_bool(L, g, "channels", false, &sc->channels));
    int level = TS_LOGLEVEL_ALL;
    TRY(ts_ld_get_enum(L, g, "log", ts_log_level_names, TS_LOGLEVEL_COUNT, &level));
    sc->log = (ts_log_level)level;
    return TS_OK;
}

/* Ids of actors and issues share one namespace (param events name both). */
static ts_status load_id(loader *L, const config_setting_t *g, char out[TS_ID_MAX])
{
    const config_setting_t *s = config_setting_get_member(g, "id");
    if (!s)
        return ts_ld_fail_key(L, g, "id", "missing: every actor and issue needs an id");
    TRY(ts_ld_string_value(L, s, TS_ID_MAX, out));
    if (!ts_ld_valid_id(out))
        return ts_ld_fail(L, s, "expected an id of letters, digits and '_' starting with a "
                       "letter, got '%s'", out);
    for (int i = 0; i < 2; i++)
        if (L->sc->actors[i].id[0] && &L->sc->actors[i].id[0] != out &&
            strcmp(L->sc->actors[i].id, out) == 0)
            return ts_ld_fail(L, s, "duplicate id '%s' (already an actor)", out);
    for (int i = 0; i < L->sc->n_issues; i++)
        if (&L->sc->issues[i].id[0] != out && strcmp(L->sc->issues[i].id, out) == 0)
            return ts_ld_fail(L, s, "duplicate id '%s' (already an issue)", out);
    return TS_OK;
}

static const char *const strategy_keys_all[] = {"kind",  "threshold", "reactivity", "fatigue",
                                                "grievance", "speed", "k",  "beta",
                                                "deadline", "reservation", NULL};

static double *strategy_field(ts_strategy *st, size_t offset)
{
    return (double *)(void *)((char *)st + offset);
}

/* Lever level of least pressure on the other side: the default concession. */
static double least_pressure(const ts_issue *is)
{
    return is->kind == TS_ISSUE_PLEDGE ? is->max : is->min;
}

/* Defaults of every strategy parameter, so that a written scenario states
 * them all whatever the kind. */
static void strategy_defaults(ts_scenario *sc, int a)
{
    ts_strategy *st = &sc->actors[a].strategy;
    st->kind = TS_STRAT_HOLD;
    for (const ts_strategy_param *p = ts_strategy_param_table(); p->key; p++)
        *strategy_field(st, p->offset) = p->def;
    st->deadline = sc->calendar.steps > 1 ? sc->calendar.steps - 1 : 1;
    for (int i = 0; i < sc->n_issues; i++)
        st->reservation[i] = least_pressure(&sc->issues[i]);
}

/* Keys of this kind; keys of other kinds are reported as misplaced. */
static ts_status check_strategy_keys(loader *L, const config_setting_t *g, int kind)
{
    const char *keys[16];
    int nk = 0;
    keys[nk++] = "kind";
    for (const ts_strategy_param *p = ts_strategy_param_table(); p->key; p++)
        if (p->kinds & LD_BIT(kind))
            keys[nk++] = p->key;
    if (kind == TS_STRAT_TIME_DEPENDENT) {
        keys[nk++] = "deadline";
        keys[nk++] = "reservation";
    }
    keys[nk] = NULL;
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        bool mine = false, other = false;
        for (int j = 0; j < nk; j++)
            mine = mine || strcmp(keys[j], name) == 0;
        for (const char *const *k = strategy_keys_all; *k; k++)
            other = other || strcmp(*k, name) == 0;
        if (mine)
            continue;
        if (other) {
            char owners[128] = "";
            if (!strcmp(name, "deadline") || !strcmp(name, "reservation"))
                snprintf(owners, sizeof owners, "time_dependent");
            for (const ts_strategy_param *p = ts_strategy_param_table(); p->key; p++)
                if (!strcmp(p->key, name))
                    for (int k = 0; k < TS_STRAT_COUNT; k++)
                        if (p->kinds & LD_BIT(k))
                            snprintf(owners, sizeof owners, "%s", ts_strategy_kind_name(k));
            return ts_ld_fail(L, m, "not a parameter of strategy '%s' (only of '%s')",
                           ts_strategy_kind_name(kind), owners);
        }
        TRY(ts_ld_check_keys(L, g, keys, NULL, NULL));
    }
    return TS_OK;
}

/* time_dependent's deadline: a step number, or a date on a dated calendar. */
static ts_status load_deadline(loader *L, const config_setting_t *g, ts_strategy *st)
{
    const ts_calendar *cal = &L->sc->calendar;
    const config_setting_t *s = config_setting_get_member(g, "deadline");
    if (!s)
        return TS_OK;
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        int32_t day;
        if (cal->unit == TS_STEP_ABSTRACT)
            return ts_ld_fail(L, s, "expected a step number (the calendar is abstract), got a "
                           "string");
        TRY(ts_ld_date_value(L, s, &day));
        int step = ts_calendar_step_of_day(cal, day);
        if (day < cal->start_day || step < 1)
            return ts_ld_fail(L, s, "expected a date after the first step and within the "
                           "calendar, got '%s'", config_setting_get_string(s));
        st->deadline = step;
    } else {
        long long v;
        TRY(ts_ld_int_value(L, s, 1, cal->steps > 1 ? cal->steps - 1 : 1, &v));
        st->deadline = (int)v;
    }
    return TS_OK;
}

/* time_dependent's reservation levels, for actor a's own levers only. */
static ts_status load_reservation(loader *L, const config_setting_t *g, int a)
{
    ts_scenario *sc = L->sc;
    ts_strategy *st = &sc->actors[a].strategy;
    const config_setting_t *s = config_setting_get_member(g, "reservation");
    if (!s)
        return TS_OK;
    TRY(ts_ld_need_group(L, s));
    int nr = config_setting_length(s);
    for (int i = 0; i < nr; i++) {
        const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
        ts_status bad = TS_OK;
        int k = ts_ld_issue_ref(L, m, config_setting_name(m), &bad);
        if (k < 0)
            return bad;
        const ts_issue *is = &sc->issues[k];
        if (is->owner != a)
            return ts_ld_fail(L, m, "'%s' is a lever of '%s'; a reservation is for own levers",
                           is->id, sc->actors[is->owner].id);
        char what[256], lo[40], hi[40];
        ts_ld_fmt_num(is->min, lo, sizeof lo);
        ts_ld_fmt_num(is->max, hi, sizeof hi);
        snprintf(what, sizeof what, "a number in [min, max] of '%s' ([%s, %s])", is->id, lo,
                 hi);
        TRY(ts_ld_num_value(L, m, is->min, is->max, what, &st->reservation[k]));
    }
    return TS_OK;
}

static ts_status load_strategy(loader *L, const config_setting_t *actor, int a)
{
    ts_strategy *st = &L->sc->actors[a].strategy;
    strategy_defaults(L->sc, a);
    const config_setting_t *g = config_setting_get_member(actor, "strategy");
    if (!g)
        return TS_OK;
    TRY(ts_ld_need_group(L, g));
    int kind = TS_STRAT_HOLD;
    const char *kinds[TS_STRAT_COUNT];
    for (int i = 0; i < TS_STRAT_COUNT; i++)
        kinds[i] = ts_strategy_kind_name(i);
    TRY(ts_ld_get_enum(L, g, "kind", kinds, TS_STRAT_COUNT, &kind));
    st->kind = (ts_strategy_kind)kind;
    TRY(check_strategy_keys(L, g, kind));
    for (const ts_strategy_param *p = ts_strategy_param_table(); p->key; p++)
        if (p->kinds & LD_BIT(kind))
            TRY(ts_ld_get_num(L, g, p->key, p->def, p->lo, p->hi, strategy_field(st, p->offset)));
    TRY(load_deadline(L, g, st));
    return load_reservation(L, g, a);
}

static ts_status load_actor(loader *L, const config_setting_t *g, int a)
{
    const char *akeys[16];
    int nk = 0;
    akeys[nk++] = "id";
    akeys[nk++] = "name";
    akeys[nk++] = "strategy";
    for (const ts_param_info *p = ts_param_table(); p->key; p++)
        if (p->target == TS_TARGET_ACTOR)
            akeys[nk++] = p->key;
    akeys[nk] = NULL;
    ts_actor *ac = &L->sc->actors[a];
    TRY(ts_ld_check_keys(L, g, akeys, NULL, NULL));
    TRY(ts_ld_get_string(L, g, "name", ac->id, TS_NAME_MAX, ac->name));
    for (const ts_param_info *p = ts_param_table(); p->key; p++)
        if (p->target == TS_TARGET_ACTOR)
            TRY(ts_ld_get_num(L, g, p->key, p->def, p->lo, p->hi,
                           (double *)(void *)((char *)ac + p->offset)));
    return load_strategy(L, g, a);
}

static ts_status load_interactions(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"actor", "issues", "coef", NULL};
    ts_scenario *sc = L->sc;
    const config_setting_t *l = config_setting_get_member(root, "interactions");
    if (!l)
        return TS_OK;
    TRY(ts_ld_need_list(L, l, "{ actor = ...; issues = [\"a\", \"b\"]; coef = ...; }, ..."));
    int n = config_setting_length(l);
    sc->interactions = calloc((size_t)n + 1, sizeof *sc->interactions);
    if (!sc->interactions)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        ts_interaction *in = &sc->interactions[i];
        sc->n_interactions = i + 1;
        TRY(ts_ld_need_group(L, g));
        TRY(ts_ld_check_keys(L, g, keys, NULL, NULL));
        in->line = (int)config_setting_source_line(g);
        const config_setting_t *s = config_setting_get_member(g, "actor");
        if (!s)
            return ts_ld_fail_key(L, g, "actor", "missing: expected the id of the actor paid");
        char id[TS_ID_MAX];
        TRY(ts_ld_string_value(L, s, sizeof id, id));
        ts_status bad = TS_OK;
        if ((in->actor = ts_ld_actor_ref(L, s, id, &bad)) < 0)
            return bad;
        s = config_setting_get_member(g, "issues");
        if (!s)
            return ts_ld_fail_key(L, g, "issues", "missing: expected two issue ids [\"a\", \"b\"]");
        if (config_setting_type(s) != CONFIG_TYPE_ARRAY || config_setting_length(s) != 2)
            return ts_ld_fail(L, s, "expected two issue ids [\"a\", \"b\"], got %s",
                           config_setting_type(s) == CONFIG_TYPE_ARRAY ? "another count"
                                                                       : ts_ld_type_name(s));
        int *ix[2] = {&in->issue_a, &in->issue_b};
        for (int j = 0; j < 2; j++) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
            TRY(ts_ld_string_value(L, e, sizeof id, id));
            if ((*ix[j] = ts_ld_issue_ref(L, e, id, &bad)) < 0)
                return bad;
        }
        TRY(ts_ld_get_num(L, g, "coef", 0.0, -INFINITY, INFINITY, &in->coef));
    }
    return TS_OK;
}

static ts_status load_actors_and_issues(loader *L, const config_setting_t *root)
{
    ts_scenario *sc = L->sc;
    const config_setting_t *la = config_setting_get_member(root, "actors");
    if (!la)
        return ts_ld_fail_key(L, root, "actors", "missing: expected a list of exactly two actors");
    TRY(ts_ld_need_list(L, la, "{ id = ...; }, { id = ...; }"));
    if (config_setting_length(la) != 2)
        return ts_ld_fail(L, la, "expected exactly two actors, got %d", config_setting_length(la));
    for (int a = 0; a < 2; a++) {
        const config_setting_t *g = config_setting_get_elem(la, (unsigned)a);
        TRY(ts_ld_need_group(L, g));
        sc->actors[a].line = (int)config_setting_source_line(g);
        TRY(load_id(L, g, sc->actors[a].id));
    }
    const config_setting_t *li = config_setting_get_member(root, "issues");
    if (!li)
        return ts_ld_fail_key(L, root, "issues", "missing: expected a list of issues (levers)");
    TRY(ts_ld_need_list(L, li, "{ id = ...; kind = ...; owner = ...; }, ..."));
    int n = config_setting_length(li);
    if (n < 1 || n > TS_MAX_ISSUES)
        return ts_ld_fail(L, li, "expected 1 to %d issues, got %d", TS_MAX_ISSUES, n);
    sc->issues = calloc((size_t)n, sizeof *sc->issues);
    if (!sc->issues)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    for (int k = 0; k < n; k++) {
        const config_setting_t *g = config_setting_get_elem(li, (unsigned)k);
        TRY(ts_ld_need_group(L, g));
        sc->issues[k].line = (int)config_setting_source_line(g);
        TRY(load_id(L, g, sc->issues[k].id));
        sc->n_issues = k + 1;
    }
    for (int k = 0; k < n; k++)
        TRY(ts_ld_load_issue(L, config_setting_get_elem(li, (unsigned)k), k));
    for (int a = 0; a < 2; a++)
        TRY(load_actor(L, config_setting_get_elem(la, (unsigned)a), a));
    if (sc->actors[0].power + sc->actors[1].power <= 0.0)
        return ts_ld_fail_key(L, config_setting_get_elem(la, 0), "power",
                           "the two actors' powers must not both be 0");
    return TS_OK;
}

static ts_status load_root(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"name",   "description", "calendar",     "monte_carlo",
                                       "output", "actors",      "issues",       "interactions",
                                       "talks",  "talks_hazard", "events",      "uncertain",
                                       NULL};
    ts_scenario *sc = L->sc;
    TRY(ts_ld_check_keys(L, root, keys, NULL, NULL));
    /* Default name: the file's base name without its extension. */
    const char *base = strrchr(L->path, '/');
    base = base ? base + 1 : L->path;
    size_t len = strcspn(base, ".");
    if (len == 0)
        len = strlen(base);
    if (len >= sizeof sc->name)
        len = sizeof sc->name - 1;
    memcpy(sc->name, base, len);
    sc->name[len] = '\0';
    const config_setting_t *s = config_setting_get_member(root, "name");
    if (s) {
        TRY(ts_ld_string_value(L, s, sizeof sc->name, sc->name));
        /* The name becomes an output folder: keep it a plain file name. */
        if (!sc->name[0] || sc->name[0] == '.' || strchr(sc->name, '/') || strchr(sc->name, '\\'))
            return ts_ld_fail(L, s, "expected a plain folder name (no '/', not starting with '.'), "
                           "got '%s'", sc->name);
    }
    TRY(ts_ld_get_string(L, root, "description", "", sizeof sc->description, sc->description));
    TRY(ts_ld_watch_prepare(L, root));
    TRY(load_calendar(L, root));
    TRY(load_monte_carlo(L, root));
    TRY(load_output(L, root));
    TRY(load_actors_and_issues(L, root));
    TRY(load_interactions(L, root));
    TRY(ts_ld_load_talks(L, root));
    TRY(ts_ld_load_hazard(L, root));
    TRY(ts_ld_load_events(L, root));
    return ts_ld_load_uncertain(L, root);
}

/* ---- entry points ------------------------------------------------------- */

static ts_scenario *parse(const char *text, const char *path, const char *const *overrides,
                          int n_overrides, const atomic_int *cancel, ts_error *err)
{
    ts_error_clear(err);
    if (!path)
        path = "-";
    ts_scenario *sc = calloc(1, sizeof *sc);
    if (!sc) {
        ts_error_set(err, TS_EIO, "%s: out of memory", path);
        return NULL;
    }
    snprintf(sc->path, sizeof sc->path, "%s", path);
    loader L = {.path = path, .err = err, .sc = sc, .cancel = cancel};
    for (int k = 0; k < TS_MAX_ISSUES; k++)
        L.ev_share_max[k] = L.ev_margin_min[k] = NAN;
    /* Includes expanded and extends merged (source.c, extends.c), then
     * overrides, then one validating walk. */
    ts_status st = ts_ld_load_tree(&L, text ? text : "", &L.cfg);
    for (int i = 0; st == TS_OK && i < n_overrides; i++)
        st = ts_ld_apply_override(&L, overrides[i]);
    if (st == TS_OK)
        st = ts_ld_check_cancel(&L);
    if (st == TS_OK)
        st = load_root(&L, config_root_setting(L.cfg));
    if (L.cfg) {
        config_destroy(L.cfg);
        free(L.cfg);
    }
    ts_ld_sources_free(&L.src);
    free(L.watch);
    if (st != TS_OK) {
        /* Values echoed from the file may hold newlines: keep one line. */
        if (err)
            for (char *p = err->msg; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    *p = '?';
        ts_scenario_free(sc);
        return NULL;
    }
    return sc;
}

ts_scenario *ts_scenario_parse(const char *text, const char *path,
                               const char *const *overrides, int n_overrides, ts_error *err)
{
    return parse(text, path, overrides, n_overrides, NULL, err);
}

ts_scenario *ts_scenario_load(const char *path, const char *const *overrides,
                              int n_overrides, ts_error *err)
{
    return ts_scenario_load_cancel(path, overrides, n_overrides, NULL, err);
}

ts_scenario *ts_scenario_load_cancel(const char *path, const char *const *overrides,
                                     int n_overrides, const atomic_int *cancel, ts_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ts_error_set(err, TS_EIO, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    int e = 0;
    while (buf) {
        if (len + 1 >= cap) {
            char *grown = cap > (64u << 20) ? NULL : realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                e = EFBIG;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                e = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (!buf || e) {
        free(buf);
        ts_error_set(err, TS_EIO, "%s: cannot read: %s", path, strerror(e ? e : ENOMEM));
        return NULL;
    }
    buf[len] = '\0';
    if (memchr(buf, '\0', len)) {
        free(buf);
        ts_error_set(err, TS_EBAD, "%s: not a text file (contains NUL bytes)", path);
        return NULL;
    }
    ts_scenario *sc = parse(buf, path, overrides, n_overrides, cancel, err);
    free(buf);
    return sc;
}

void ts_scenario_free(ts_scenario *sc)
{
    if (!sc)
        return;
    free(sc->issues);
    free(sc->interactions);
    free(sc->talks);
    for (int i = 0; i < sc->n_events; i++) {
        free(sc->events[i].sets);
        free(sc->events[i].params);
    }
    free(sc->events);
    for (int i = 0; i < sc->n_uncertain; i++) {
        free(sc->uncertain[i].dist.values);
        free(sc->uncertain[i].dist.cum);
    }
    free(sc->uncertain);
    free(sc);
}
