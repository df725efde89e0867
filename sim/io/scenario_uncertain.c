/* Scenario loader: `uncertain`, the settings whose values are drawn
 * (docs/scenario-format.md, "Uncertain parameters").
 *
 * A parameter's key is a setting path, resolved in the tree before the walk
 * by the resolver --set uses. The walk's getters report reading the setting
 * (ts_ld_watch_read): where its value went (an element of the issues,
 * actors, talks, talks hazard, interactions or events) and the range they
 * checked it against. So a parameter can be any number the model reads, its
 * range is the one the loader enforces, and a setting that shapes the
 * scenario (a date, a step, a count) is refused: it is read into no field of
 * those elements. The distribution's support must lie inside the range: no
 * draw can then be refused for its range. */
#include "loader.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tradesim/uncertain.h"

#define NUM_LIMIT 1e9   /* the loader's magnitude limit (docs/limits.md) */

/* ---- watching the walk ----------------------------------------------------- */

/* The setting at path: the leaf, or its group and name when the leaf is
 * absent (a default the walk fills). */
static ts_status resolve(loader *L, const config_setting_t *ks, const char *path, ts_ld_watch *w)
{
    ts_ld_path p;
    char why[512], walked[1024] = "";
    if (ts_ld_path_parse(path, &p, why, sizeof why) != TS_OK)
        return ts_ld_fail(L, ks, "%s", why);
    config_setting_t *cur = config_root_setting(L->cfg);
    for (int i = 0; i < p.n; i++) {
        const ts_ld_path_comp *c = &p.c[i];
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof walked - wl, "%s%s", wl ? "." : "", c->name);
        config_setting_t *child = ts_ld_path_child(cur, c);
        if (!child && i == p.n - 1 && !c->index && !c->quoted &&
            config_setting_type(cur) == CONFIG_TYPE_GROUP) {
            w->parent = cur;
            /* The member's name lives as long as the key's setting. */
            w->member = config_setting_get_string(ks) + (strlen(path) - strlen(c->name));
            return TS_OK;
        }
        if (!child) {
            ts_ld_path_missing(cur, c, walked, why, sizeof why);
            return ts_ld_fail(L, ks, "%s", why);
        }
        cur = child;
    }
    if (config_setting_is_aggregate(cur))
        return ts_ld_fail(L, ks, "'%s' is a group or list, not a number", path);
    w->leaf = cur;
    return TS_OK;
}

ts_status ts_ld_watch_prepare(loader *L, const config_setting_t *root)
{
    const config_setting_t *l = config_setting_get_member(root, "uncertain");
    if (!l)
        return TS_OK;
    TRY(ts_ld_need_list(L, l, "{ key = \"...\"; dist = \"...\"; ... }, ..."));
    int n = config_setting_length(l);
    L->watch = calloc((size_t)n + 1, sizeof *L->watch);
    if (!L->watch)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        TRY(ts_ld_need_group(L, g));
        const config_setting_t *ks = config_setting_get_member(g, "key");
        if (!ks)
            return ts_ld_fail_key(L, g, "key", "missing: the setting's path, e.g. "
                                  "\"issues.us_tariff.elasticity\"");
        if (config_setting_type(ks) != CONFIG_TYPE_STRING)
            return ts_ld_fail(L, ks, "expected a setting's path as a string, got %s",
                              ts_ld_type_name(ks));
        TRY(resolve(L, ks, config_setting_get_string(ks), &L->watch[i]));
    }
    L->n_watch = n;
    return TS_OK;
}

static bool within(const void *p, const void *base, size_t n, size_t size, int *index,
                   size_t *offset)
{
    const char *c = p, *b = base;
    if (!b || c < b || c >= b + n * size)
        return false;
    *index = (int)((size_t)(c - b) / size);
    *offset = (size_t)(c - b) % size;
    return true;
}

/* Which element of the scenario (or of the event being read) out is in. */
static bool locate(const loader *L, const void *out, ts_ld_watch *w)
{
    const ts_scenario *sc = L->sc;
    int i;
    size_t off;
    if (within(out, sc->actors, 2, sizeof sc->actors[0], &i, &off))
        w->region = TS_SLOT_ACTOR;
    else if (within(out, &sc->talks_hazard, 1, sizeof sc->talks_hazard, &i, &off))
        w->region = TS_SLOT_HAZARD;
    else if (within(out, sc->issues, (size_t)sc->n_issues, sizeof *sc->issues, &i, &off))
        w->region = TS_SLOT_ISSUE;
    else if (within(out, sc->interactions, (size_t)sc->n_interactions, sizeof *sc->interactions,
                    &i, &off))
        w->region = TS_SLOT_INTERACTION;
    else if (within(out, sc->talks, (size_t)sc->n_talks, sizeof *sc->talks, &i, &off))
        w->region = TS_SLOT_TALK;
    else if (L->cur_event) {
        const ts_event *ev = L->cur_event;
        int sub;
        if (within(out, ev->sets, (size_t)ev->n_sets + 1, sizeof *ev->sets, &sub, &off))
            w->region = TS_SLOT_EVENT_SET;
        else if (within(out, ev->params, (size_t)ev->n_params + 1, sizeof *ev->params, &sub, &off))
            w->region = TS_SLOT_EVENT_PARAM;
        else if (within(out, ev, 1, sizeof *ev, &i, &off) && off == offsetof(ts_event, probability))
            w->region = TS_SLOT_EVENT, sub = 0;
        else
            return false;
        i = L->cur_event_index;
        w->sub = sub;
    } else {
        return false;
    }
    w->index = i;
    w->offset = off;
    return true;
}

void ts_ld_watch_read(loader *L, const config_setting_t *leaf, const config_setting_t *parent,
                      const char *member, void *out, bool integer, double lo, double hi)
{
    for (int j = 0; j < L->n_watch; j++) {
        ts_ld_watch *w = &L->watch[j];
        if (leaf ? w->leaf != leaf : (w->leaf || w->parent != parent || strcmp(w->member, member)))
            continue;
        w->seen = true;
        w->integer = integer;
        w->lo = lo;   /* the magnitude limit applies to each value (ts_variant_set) */
        w->hi = hi;
        w->located = out && locate(L, out, w);
    }
}

void ts_ld_watch_events_reordered(loader *L, const int *new_index)
{
    for (int j = 0; j < L->n_watch; j++) {
        ts_ld_watch *w = &L->watch[j];
        if (w->located && (w->region == TS_SLOT_EVENT || w->region == TS_SLOT_EVENT_SET ||
                           w->region == TS_SLOT_EVENT_PARAM))
            w->index = new_index[w->index];
    }
}

/* ---- the list ------------------------------------------------------------- */

static const char *const dist_keys[TS_DIST_COUNT][5] = {
    {"min", "max", NULL},
    {"mean", "sd", "min", "max", NULL},
    {"mu", "sigma", NULL},
    {"min", "mode", "max", NULL},
    {"a", "b", "min", "max", NULL},
    {"values", "weights", NULL},
};

/* The value the scenario gives the watched setting. */
static double nominal(const ts_scenario *sc, const ts_uncertain *u)
{
    const char *base;
    switch (u->region) {
    case TS_SLOT_ISSUE: base = (const char *)&sc->issues[u->index]; break;
    case TS_SLOT_ACTOR: base = (const char *)&sc->actors[u->index]; break;
    case TS_SLOT_TALK: base = (const char *)&sc->talks[u->index]; break;
    case TS_SLOT_HAZARD: base = (const char *)&sc->talks_hazard; break;
    case TS_SLOT_INTERACTION: base = (const char *)&sc->interactions[u->index]; break;
    case TS_SLOT_EVENT: base = (const char *)&sc->events[u->index]; break;
    case TS_SLOT_EVENT_SET: base = (const char *)&sc->events[u->index].sets[u->sub]; break;
    default: base = (const char *)&sc->events[u->index].params[u->sub]; break;
    }
    if (u->integer) {
        int i;
        memcpy(&i, base + u->offset, sizeof i);
        return i;
    }
    double d;
    memcpy(&d, base + u->offset, sizeof d);
    return d;
}

/* The key with every run of other characters turned into one '_'. */
static void default_name(const char *key, char *name, size_t n)
{
    size_t j = 0;
    for (const char *p = key; *p && j + 1 < n; p++) {
        if (isalnum((unsigned char)*p))
            name[j++] = *p;
        else if (j > 0 && name[j - 1] != '_')
            name[j++] = '_';
    }
    while (j > 0 && name[j - 1] == '_')
        j--;
    name[j] = '\0';
    if (j > 0 && !isalpha((unsigned char)name[0]) && j + 2 < n) {
        memmove(name + 2, name, j + 1);
        name[0] = 'p', name[1] = '_';
    }
}

static ts_status need_num(loader *L, const config_setting_t *g, const char *key, double *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return ts_ld_fail_key(L, g, key, "missing (the %s distribution needs it)",
                              config_setting_get_string(config_setting_get_member(g, "dist")));
    return ts_ld_num_value(L, s, -NUM_LIMIT, NUM_LIMIT, "a number", out);
}

static ts_status load_discrete(loader *L, const config_setting_t *g, ts_dist *d)
{
    const config_setting_t *vs = config_setting_get_member(g, "values");
    if (!vs)
        return ts_ld_fail_key(L, g, "values", "missing (the discrete distribution needs it)");
    int t = config_setting_type(vs);
    int n = t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST ? config_setting_length(vs) : 0;
    if (n < 1)
        return ts_ld_fail(L, vs, "expected a list of numbers, e.g. [0.1, 0.15, 0.25]");
    const config_setting_t *ws = config_setting_get_member(g, "weights");
    if (ws) {
        int wt = config_setting_type(ws);
        int m = wt == CONFIG_TYPE_ARRAY || wt == CONFIG_TYPE_LIST ? config_setting_length(ws) : -1;
        if (m != n)
            return ts_ld_fail(L, ws, "expected a list of %d numbers (one per value)", n);
    }
    d->values = calloc((size_t)n, sizeof *d->values);
    d->cum = calloc((size_t)n, sizeof *d->cum);
    if (!d->values || !d->cum)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    d->n = n;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        TRY(ts_ld_num_value(L, config_setting_get_elem(vs, (unsigned)i), -NUM_LIMIT, NUM_LIMIT,
                            "a number", &d->values[i]));
        double w = 1.0;
        if (ws)
            TRY(ts_ld_num_value(L, config_setting_get_elem(ws, (unsigned)i), 0.0, NUM_LIMIT,
                                "a weight >= 0", &w));
        sum += w;
        d->cum[i] = sum;
    }
    if (!(sum > 0.0))
        return ts_ld_fail(L, ws, "expected weights with a positive sum");
    for (int i = 0; i < n; i++)
        d->cum[i] /= sum;
    d->cum[n - 1] = 1.0;
    return TS_OK;
}

/* The distribution's own parameters, checked for what makes it one. */
static ts_status load_dist(loader *L, const config_setting_t *g, ts_dist *d)
{
    const config_setting_t *s = config_setting_get_member(g, "dist");
    d->lo = -INFINITY;
    d->hi = INFINITY;
    switch (d->kind) {
    case TS_DIST_UNIFORM:
        TRY(need_num(L, g, "min", &d->a));
        TRY(need_num(L, g, "max", &d->b));
        if (!(d->a < d->b))
            return ts_ld_fail(L, config_setting_get_member(g, "max"), "expected max > min (%.15g)",
                              d->a);
        return TS_OK;
    case TS_DIST_NORMAL:
        TRY(need_num(L, g, "mean", &d->a));
        TRY(need_num(L, g, "sd", &d->b));
        if (!(d->b > 0.0))
            return ts_ld_fail(L, config_setting_get_member(g, "sd"), "expected sd > 0");
        if (config_setting_get_member(g, "min"))
            TRY(need_num(L, g, "min", &d->lo));
        if (config_setting_get_member(g, "max"))
            TRY(need_num(L, g, "max", &d->hi));
        if (!(d->lo < d->hi))
            return ts_ld_fail(L, config_setting_get_member(g, "max"), "expected max > min (%.15g)",
                              d->lo);
        return TS_OK;
    case TS_DIST_LOGNORMAL:
        TRY(need_num(L, g, "mu", &d->a));
        TRY(need_num(L, g, "sigma", &d->b));
        if (!(d->b > 0.0))
            return ts_ld_fail(L, config_setting_get_member(g, "sigma"), "expected sigma > 0");
        return TS_OK;
    case TS_DIST_TRIANGULAR:
        TRY(need_num(L, g, "min", &d->a));
        TRY(need_num(L, g, "mode", &d->b));
        TRY(need_num(L, g, "max", &d->c));
        if (!(d->a < d->c))
            return ts_ld_fail(L, config_setting_get_member(g, "max"), "expected max > min (%.15g)",
                              d->a);
        if (d->b < d->a || d->b > d->c)
            return ts_ld_fail(L, config_setting_get_member(g, "mode"),
                              "expected mode in [min, max] ([%.15g, %.15g])", d->a, d->c);
        return TS_OK;
    case TS_DIST_BETA:
        TRY(need_num(L, g, "a", &d->a));
        TRY(need_num(L, g, "b", &d->b));
        if (!(d->a > 0.0))
            return ts_ld_fail(L, config_setting_get_member(g, "a"), "expected a > 0");
        if (!(d->b > 0.0))
            return ts_ld_fail(L, config_setting_get_member(g, "b"), "expected b > 0");
        TRY(need_num(L, g, "min", &d->lo));
        TRY(need_num(L, g, "max", &d->hi));
        if (!(d->lo < d->hi))
            return ts_ld_fail(L, config_setting_get_member(g, "max"), "expected max > min (%.15g)",
                              d->lo);
        return TS_OK;
    case TS_DIST_DISCRETE:
        return load_discrete(L, g, d);
    default:
        return ts_ld_fail(L, s, "unknown distribution");
    }
}

/* Keys of another distribution: say whose they are. */
static ts_status check_dist_keys(loader *L, const config_setting_t *g, ts_dist_kind kind)
{
    const char *keys[12] = {"name", "key", "dist"};
    int nk = 3;
    for (int i = 0; dist_keys[kind][i]; i++)
        keys[nk++] = dist_keys[kind][i];
    keys[nk] = NULL;
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        bool known = false;
        for (int j = 0; keys[j]; j++)
            known = known || !strcmp(keys[j], name);
        for (int k = 0; k < TS_DIST_COUNT && !known; k++)
            for (int j = 0; dist_keys[k][j]; j++)
                if (!strcmp(dist_keys[k][j], name))
                    return ts_ld_fail(L, m, "not a parameter of the %s distribution (it takes %s%s%s%s%s%s%s)",
                                      ts_dist_names[kind], dist_keys[kind][0],
                                      dist_keys[kind][1] ? ", " : "",
                                      dist_keys[kind][1] ? dist_keys[kind][1] : "",
                                      dist_keys[kind][2] ? ", " : "",
                                      dist_keys[kind][2] ? dist_keys[kind][2] : "",
                                      dist_keys[kind][3] ? ", " : "",
                                      dist_keys[kind][3] ? dist_keys[kind][3] : "");
    }
    return ts_ld_check_keys(L, g, keys, NULL, NULL);
}

/* Events are stored scheduled first: the key names its event by its place
 * there, so that the resolved scenario's key finds the same one. */
static void event_key(ts_uncertain *u)
{
    const char *p = u->key + strlen("events.");
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1])
                p++;
        if (*p)
            p++;
    } else {
        p += strcspn(p, ".");
    }
    char key[sizeof u->key];
    snprintf(key, sizeof key, "events.[%d]%s", u->index, p);
    snprintf(u->key, sizeof u->key, "%s", key);
}

/* Where the value goes, from what the walk saw. */
static ts_status place(loader *L, const config_setting_t *ks, const ts_ld_watch *w,
                       ts_uncertain *u)
{
    if (!w->seen && !w->leaf)
        return ts_ld_fail(L, ks, "'%s' is not written in the scenario and has no default here: "
                          "write its value in the scenario to make it uncertain", u->key);
    if (!w->seen)
        return ts_ld_fail(L, ks, "'%s' is not a number the model reads", u->key);
    if (!w->located)
        return ts_ld_fail(L, ks, "'%s' shapes the scenario (a date, step or count): it cannot "
                          "be uncertain; only the numbers of actors, issues, interactions, "
                          "talks, the talks hazard and events can", u->key);
    u->region = w->region;
    u->index = w->index;
    u->sub = w->sub;
    u->offset = w->offset;
    u->integer = w->integer;
    u->lo = w->lo;
    u->hi = w->hi;
    u->nominal = nominal(L->sc, u);
    return TS_OK;
}

/* Every value the distribution can give lies in the setting's range. */
static ts_status check_support(loader *L, const config_setting_t *g, const ts_uncertain *u)
{
    double lo, hi;
    ts_dist_support(&u->dist, &lo, &hi);
    if (u->integer) {
        lo = nearbyint(lo);
        hi = nearbyint(hi);
    }
    if (lo >= u->lo && hi <= u->hi)
        return TS_OK;
    char r[96], s[96];
    snprintf(r, sizeof r, "[%.15g, %.15g]", u->lo, u->hi);
    snprintf(s, sizeof s, "[%.15g, %.15g]", lo, hi);
    if (!isfinite(lo) || !isfinite(hi))
        return ts_ld_fail(L, g, "the %s distribution is unbounded but %s takes values in %s%s",
                          ts_dist_names[u->dist.kind], u->key, r,
                          u->dist.kind == TS_DIST_NORMAL ? ": give min and max to truncate it"
                                                         : ": choose a bounded distribution");
    return ts_ld_fail(L, g, "the distribution's values %s are not all inside %s's range %s", s,
                      u->key, r);
}

ts_status ts_ld_load_uncertain(loader *L, const config_setting_t *root)
{
    const config_setting_t *l = config_setting_get_member(root, "uncertain");
    if (!l)
        return TS_OK;
    ts_scenario *sc = L->sc;
    int n = config_setting_length(l);
    sc->uncertain = calloc((size_t)n + 1, sizeof *sc->uncertain);
    if (!sc->uncertain)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        const config_setting_t *ks = config_setting_get_member(g, "key");
        ts_uncertain *u = &sc->uncertain[i];
        sc->n_uncertain = i + 1;
        u->line = (int)config_setting_source_line(g);
        snprintf(u->where, sizeof u->where, "%s:%d",
                 config_setting_source_file(g) ? config_setting_source_file(g) : L->path, u->line);
        TRY(ts_ld_string_value(L, ks, sizeof u->key, u->key));
        int kind = -1;
        const config_setting_t *ds = config_setting_get_member(g, "dist");
        if (!ds)
            return ts_ld_fail_key(L, g, "dist", "missing: one of uniform, normal, lognormal, "
                                  "triangular, beta, discrete");
        TRY(ts_ld_get_enum(L, g, "dist", ts_dist_names, TS_DIST_COUNT, &kind));
        u->dist.kind = (ts_dist_kind)kind;
        TRY(check_dist_keys(L, g, u->dist.kind));
        const config_setting_t *ns = config_setting_get_member(g, "name");
        if (ns) {
            TRY(ts_ld_string_value(L, ns, sizeof u->name, u->name));
            if (!ts_ld_valid_id(u->name))
                return ts_ld_fail(L, ns, "expected a name of letters, digits and '_' starting "
                                  "with a letter (it names a column), got '%s'", u->name);
        } else {
            default_name(u->key, u->name, sizeof u->name);
        }
        for (int j = 0; j < i; j++) {
            if (!strcmp(sc->uncertain[j].name, u->name))
                return ts_ld_fail(L, ns ? ns : g, "the name '%s' is already used by the "
                                  "uncertain parameter on line %d", u->name, sc->uncertain[j].line);
            const ts_ld_watch *a = &L->watch[j], *b = &L->watch[i];
            bool same = a->leaf ? a->leaf == b->leaf
                                : !b->leaf && a->parent == b->parent && !strcmp(a->member, b->member);
            if (same)
                return ts_ld_fail(L, ks, "'%s' is already uncertain (line %d)", u->key,
                                  sc->uncertain[j].line);
        }
        u->name_hash = ts_uncertain_name_hash(u->name);
        TRY(load_dist(L, g, &u->dist));
        TRY(place(L, ks, &L->watch[i], u));
        TRY(check_support(L, g, u));
        if (u->region == TS_SLOT_EVENT || u->region == TS_SLOT_EVENT_SET ||
            u->region == TS_SLOT_EVENT_PARAM)
            event_key(u);
    }
    return TS_OK;
}
