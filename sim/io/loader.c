/* The loader's messages and typed getters (declared in loader.h).
 *
 * A message names the file and line libconfig recorded for the setting (the
 * included file's, for a setting read from an @include) and the setting's
 * path in libconfig's lookup syntax, so that `--set PATH=...` reaches the
 * same setting (docs/scenario-format.md, "Errors"). Names close to a wrong
 * one, within two edits, are offered as "did you mean". The getters accept
 * only the type and range the format gives for the key and leave *out alone
 * on failure; every number is finite and of magnitude at most 1e9. */
#include "loader.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Every number in a scenario has magnitude at most this. With levers, money
 * flows and coefficients so bounded, a step's payoff stays below ~1e27 and a
 * total over TS_MAX_STEPS steps far below DBL_MAX: no overflow to infinity,
 * hence no inf - inf = NaN (docs/limits.md). */
#define TS_NUM_LIMIT 1e9

/* ---- messages ---------------------------------------------------------- */

ts_status ts_ld_check_cancel(loader *L)
{
    if (L->cancel && atomic_load_explicit(L->cancel, memory_order_relaxed))
        return ts_error_set(L->err, TS_EIO, "%s: loading interrupted", L->path);
    return TS_OK;
}

const char *ts_ld_type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return "an integer";
    case CONFIG_TYPE_FLOAT:
        return "a number";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "a boolean";
    case CONFIG_TYPE_ARRAY:
        return "an array";
    case CONFIG_TYPE_LIST:
        return "a list";
    case CONFIG_TYPE_GROUP:
        return "a group";
    default:
        return "nothing";
    }
}

/* Setting path in libconfig's lookup syntax: actors.[0].strategy.kind */
static void setting_path(const config_setting_t *s, char *buf, size_t n)
{
    const config_setting_t *parent = config_setting_parent(s);
    if (!parent) {
        buf[0] = '\0';
        return;
    }
    setting_path(parent, buf, n);
    size_t len = strlen(buf);
    const char *sep = len ? "." : "";
    if (config_setting_name(s))
        snprintf(buf + len, n - len, "%s%s", sep, config_setting_name(s));
    else
        snprintf(buf + len, n - len, "%s[%d]", sep, config_setting_index(s));
}

/* Records "FILE:LINE: PATH[.key]: message" and returns TS_EBAD. */
static ts_status failv(loader *L, const config_setting_t *s, const char *key, const char *fmt,
                       va_list ap)
{
    char path[512], msg[768];
    setting_path(s, path, sizeof path);
    if (key) {
        size_t len = strlen(path);
        snprintf(path + len, sizeof path - len, "%s%s", len ? "." : "", key);
    }
    vsnprintf(msg, sizeof msg, fmt, ap);
    const char *file = config_setting_source_file(s);
    unsigned line = config_setting_source_line(s);
    if (!file)
        file = L->path;
    if (line)
        return ts_error_set(L->err, TS_EBAD, "%s:%u: %s: %s", file, line, path, msg);
    return ts_error_set(L->err, TS_EBAD, "%s: %s: %s", file, path, msg);
}

ts_status ts_ld_fail(loader *L, const config_setting_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_status st = failv(L, s, NULL, fmt, ap);
    va_end(ap);
    return st;
}

ts_status ts_ld_fail_key(loader *L, const config_setting_t *s, const char *key,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_status st = failv(L, s, key, fmt, ap);
    va_end(ap);
    return st;
}

/* Optimal string alignment distance, capped: names are short. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

void ts_ld_suggest_add(ts_ld_suggester *g, const char *cand)
{
    int dist = edit_distance(g->word, cand);
    if (dist <= 2 && dist < g->dist) {
        g->dist = dist;
        g->best = cand;
    }
}

void ts_ld_suggest_text(const ts_ld_suggester *g, char *buf, size_t n)
{
    if (g->best)
        snprintf(buf, n, " (did you mean '%s'?)", g->best);
    else
        buf[0] = '\0';
}

void ts_ld_fmt_num(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.15g", v);
}

static void range_text(double lo, double hi, char *buf, size_t n)
{
    char a[40], b[40];
    ts_ld_fmt_num(lo, a, sizeof a);
    ts_ld_fmt_num(hi, b, sizeof b);
    if (isinf(lo) && isinf(hi))
        snprintf(buf, n, "a number");
    else if (isinf(hi))
        snprintf(buf, n, "a number >= %s", a);
    else if (isinf(lo))
        snprintf(buf, n, "a number <= %s", b);
    else
        snprintf(buf, n, "a number in [%s, %s]", a, b);
}

/* ---- typed getters ------------------------------------------------------ */

static bool is_number(const config_setting_t *s)
{
    int t = config_setting_type(s);
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
}

static double number_of(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
        return config_setting_get_int(s);
    case CONFIG_TYPE_INT64:
        return (double)config_setting_get_int64(s);
    default:
        return config_setting_get_float(s);
    }
}

/* A number from setting s in [lo, hi]; `what` replaces the range text. */
ts_status ts_ld_num_value(loader *L, const config_setting_t *s, double lo, double hi,
                       const char *what, double *out)
{
    char rt[128];
    if (what)
        snprintf(rt, sizeof rt, "%s", what);
    else
        range_text(lo, hi, rt, sizeof rt);
    if (!is_number(s))
        return ts_ld_fail(L, s, "expected %s, got %s", rt, ts_ld_type_name(s));
    double v = number_of(s);
    if (!isfinite(v))
        return ts_ld_fail(L, s, "expected %s, got a non-finite number", rt);
    if (fabs(v) > TS_NUM_LIMIT) {
        char got[40];
        ts_ld_fmt_num(v, got, sizeof got);
        return ts_ld_fail(L, s, "expected %s of magnitude at most 1e9 (larger ones overflow the "
                       "model's payoff sums), got %s", rt, got);
    }
    if (v < lo || v > hi) {
        char got[40];
        ts_ld_fmt_num(v, got, sizeof got);
        return ts_ld_fail(L, s, "expected %s, got %s", rt, got);
    }
    *out = v;
    if (L->n_watch)
        ts_ld_watch_read(L, s, NULL, NULL, out, false, lo, hi);
    return TS_OK;
}

ts_status ts_ld_get_num(loader *L, const config_setting_t *g, const char *key, double def,
                     double lo, double hi, double *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        *out = def;
        if (L->n_watch)
            ts_ld_watch_read(L, NULL, g, key, out, false, lo, hi);
        return TS_OK;
    }
    return ts_ld_num_value(L, s, lo, hi, NULL, out);
}

ts_status ts_ld_int_value(loader *L, const config_setting_t *s, long long lo, long long hi,
                       long long *out)
{
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_FLOAT) {
        char got[40];
        double d = config_setting_get_float(s);
        ts_ld_fmt_num(d, got, sizeof got);
        if (d == floor(d) && fabs(d) < 1e18)
            return ts_ld_fail(L, s, "expected an integer in [%lld, %lld], got %s written as a "
                           "number (write it as %.0f, without a point or exponent)", lo, hi, got,
                           d);
        return ts_ld_fail(L, s, "expected an integer in [%lld, %lld], got %s", lo, hi, got);
    }
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return ts_ld_fail(L, s, "expected an integer in [%lld, %lld], got %s", lo, hi,
                       ts_ld_type_name(s));
    long long v = t == CONFIG_TYPE_INT ? config_setting_get_int(s) : config_setting_get_int64(s);
    if (v < lo || v > hi)
        return ts_ld_fail(L, s, "expected an integer in [%lld, %lld], got %lld", lo, hi, v);
    *out = v;
    /* Not a field: ts_ld_get_int reports its own. */
    if (L->n_watch)
        ts_ld_watch_read(L, s, NULL, NULL, NULL, true, (double)lo, (double)hi);
    return TS_OK;
}

ts_status ts_ld_get_int(loader *L, const config_setting_t *g, const char *key, int def, int lo,
                     int hi, int *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        *out = def;
        if (L->n_watch)
            ts_ld_watch_read(L, NULL, g, key, out, true, lo, hi);
        return TS_OK;
    }
    long long v = 0;   /* set on success; -O3 cannot see that */
    ts_status st = ts_ld_int_value(L, s, lo, hi, &v);
    if (st == TS_OK) {
        *out = (int)v;
        if (L->n_watch)
            ts_ld_watch_read(L, s, NULL, NULL, out, true, lo, hi);
    }
    return st;
}

ts_status ts_ld_get_bool(loader *L, const config_setting_t *g, const char *key, bool def,
                      bool *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        *out = def;
        return TS_OK;
    }
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return ts_ld_fail(L, s, "expected true or false, got %s", ts_ld_type_name(s));
    *out = config_setting_get_bool(s) != 0;
    return TS_OK;
}

ts_status ts_ld_string_value(loader *L, const config_setting_t *s, size_t cap, char *out)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return ts_ld_fail(L, s, "expected a string, got %s", ts_ld_type_name(s));
    const char *v = config_setting_get_string(s);
    if (strlen(v) >= cap)
        return ts_ld_fail(L, s, "expected a string of at most %zu bytes, got %zu", cap - 1, strlen(v));
    memcpy(out, v, strlen(v) + 1);
    return TS_OK;
}

ts_status ts_ld_get_string(loader *L, const config_setting_t *g, const char *key,
                        const char *def, size_t cap, char *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        size_t n = strlen(def);
        if (n >= cap)
            n = cap - 1;
        memmove(out, def, n);
        out[n] = '\0';
        return TS_OK;
    }
    return ts_ld_string_value(L, s, cap, out);
}

/* One of names[0..n-1]; *out keeps def when the key is absent. */
ts_status ts_ld_get_enum(loader *L, const config_setting_t *g, const char *key,
                      const char *const *names, int n, int *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return TS_OK;
    char list[512] = "";
    for (int i = 0; i < n; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s'%s'", i ? ", " : "", names[i]);
    }
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return ts_ld_fail(L, s, "expected one of %s, got %s", list, ts_ld_type_name(s));
    const char *v = config_setting_get_string(s);
    ts_ld_suggester g2 = {.word = v, .dist = 99};
    for (int i = 0; i < n; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return TS_OK;
        }
        ts_ld_suggest_add(&g2, names[i]);
    }
    char dym[96];
    ts_ld_suggest_text(&g2, dym, sizeof dym);
    return ts_ld_fail(L, s, "expected one of %s, got '%s'%s", list, v, dym);
}

/* Ids are also setting names in the resolved scenario (reservation, set,
 * payoff groups), and libconfig's names start with a letter. */
bool ts_ld_valid_id(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
        return false;
    for (const char *p = s + 1; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' ||
              (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

/* Checks that every member of group g is in keys (NULL-terminated); others
 * (extra, NULL-terminated or NULL) are known but belong elsewhere, and get
 * `elsewhere` as the reason. */
ts_status ts_ld_check_keys(loader *L, const config_setting_t *g, const char *const *keys,
                        const char *const *extra, const char *elsewhere)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        bool ok = false;
        for (const char *const *k = keys; *k && !ok; k++)
            ok = strcmp(*k, name) == 0;
        if (ok)
            continue;
        for (const char *const *k = extra; k && *k; k++)
            if (strcmp(*k, name) == 0)
                return ts_ld_fail(L, m, "%s", elsewhere);
        ts_ld_suggester sg = {.word = name, .dist = 99};
        for (const char *const *k = keys; *k; k++)
            ts_ld_suggest_add(&sg, *k);
        char dym[96];
        ts_ld_suggest_text(&sg, dym, sizeof dym);
        return ts_ld_fail(L, m, "unknown setting%s", dym);
    }
    return TS_OK;
}

ts_status ts_ld_need_group(loader *L, const config_setting_t *s)
{
    if (config_setting_type(s) != CONFIG_TYPE_GROUP)
        return ts_ld_fail(L, s, "expected a group { ... }, got %s", ts_ld_type_name(s));
    return TS_OK;
}

ts_status ts_ld_need_list(loader *L, const config_setting_t *s, const char *of)
{
    if (config_setting_type(s) != CONFIG_TYPE_LIST)
        return ts_ld_fail(L, s, "expected a list ( %s ), got %s", of, ts_ld_type_name(s));
    return TS_OK;
}

/* Looks an issue or actor id up, with a suggestion on failure. */
int ts_ld_issue_ref(loader *L, const config_setting_t *s, const char *id, ts_status *st)
{
    int k = ts_scenario_issue_index(L->sc, id);
    if (k >= 0)
        return k;
    ts_ld_suggester sg = {.word = id, .dist = 99};
    for (int i = 0; i < L->sc->n_issues; i++)
        ts_ld_suggest_add(&sg, L->sc->issues[i].id);
    char dym[96];
    ts_ld_suggest_text(&sg, dym, sizeof dym);
    *st = ts_ld_fail(L, s, "unknown issue '%s'%s", id, dym);
    return -1;
}

int ts_ld_actor_ref(loader *L, const config_setting_t *s, const char *id, ts_status *st)
{
    int k = ts_scenario_actor_index(L->sc, id);
    if (k >= 0)
        return k;
    *st = ts_ld_fail(L, s, "unknown actor '%s' (expected '%s' or '%s')", id, L->sc->actors[0].id,
                  L->sc->actors[1].id);
    return -1;
}

ts_status ts_ld_date_value(loader *L, const config_setting_t *s, int32_t *day)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return ts_ld_fail(L, s, "expected a date \"YYYY-MM-DD\", got %s", ts_ld_type_name(s));
    const char *v = config_setting_get_string(s);
    if (!ts_date_parse(v, day))
        return ts_ld_fail(L, s, "expected a date \"YYYY-MM-DD\", got '%s' (not a real date)", v);
    return TS_OK;
}
