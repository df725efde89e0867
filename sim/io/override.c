/* The loader's edits before the walk: `--set KEY=VALUE` overrides.
 *
 * An override is applied to the libconfig tree as it was read (includes
 * expanded, extends merged), before validation, so an overridden value is
 * checked like a written one (docs/scenario-format.md, "Overrides"). KEY is
 * a setting path (setpath.c): list elements by [N], id or label. A replaced
 * or created setting is stamped with the pseudo-file "--set KEY=VALUE", so
 * a message about it names the argument rather than a line of a file. */
#include "loader.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal seeds beyond the int64 range stay text, read by the loader, and
 * so do hex numbers over 8 digits without L (libconfig keeps 32 bits). */
static bool stays_text(const char *value)
{
    size_t n = strlen(value);
    return (n >= 19 && strspn(value, "0123456789") == n) ||
           (n > 10 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X') &&
            strspn(value + 2, "0123456789abcdefABCDEF") == n - 2);
}

/* VALUE as libconfig would read it (int, 64-bit int, float, bool, "string",
 * [array], (list), {group}); anything it cannot read is a bare string.
 * *oom when it could not be tried. */
static bool parse_override_value(config_t *tmp, const char *value, bool *oom)
{
    size_t n = strlen(value);
    /* libconfig would open an @include relative to the working folder. */
    if (stays_text(value) || strstr(value, "@include"))
        return false;
    char *text = malloc(n + 8);
    if (!text) {
        *oom = true;
        return false;
    }
    snprintf(text, n + 8, "v = %s;", value);
    bool ok = config_read_string(tmp, text) == CONFIG_TRUE &&
              config_setting_length(config_root_setting(tmp)) == 1 &&
              config_setting_get_member(config_root_setting(tmp), "v");
    free(text);
    return ok;
}

/* 1e3 for an integer setting: a number written with an exponent whose value
 * is a whole number below 2^53 is that integer, as the analyst meant. */
static void integral_exponent(config_setting_t *v, const char *value)
{
    if (config_setting_type(v) != CONFIG_TYPE_FLOAT || strpbrk(value, "xX") ||
        !strpbrk(value, "eE"))
        return;
    double d = config_setting_get_float(v);
    if (!(fabs(d) < 9007199254740992.0) || d != floor(d))
        return;
    v->type = CONFIG_TYPE_NONE;
    config_setting_set_int64(v, (long long)d);
}

/* VALUE as setting "v" of tmp (initialised by the caller): as libconfig reads
 * it, else a bare string. NULL when out of memory. */
static config_setting_t *override_value(config_t *tmp, const char *value)
{
    bool oom = false;
    if (parse_override_value(tmp, value, &oom)) {
        config_setting_t *v = config_setting_get_member(config_root_setting(tmp), "v");
        integral_exponent(v, value);
        return v;
    }
    if (oom)   /* not a bare string: the value could not be read */
        return NULL;
    config_destroy(tmp);
    config_init(tmp);
    config_setting_t *src = config_setting_add(config_root_setting(tmp), "v", CONFIG_TYPE_STRING);
    if (src)
        config_setting_set_string(src, value);
    return src;
}

/* A value like 25%: the loader would see a string; say what to write. */
static ts_status check_percent(loader *L, const char *ov, const char *value)
{
    char *end;
    double d = strtod(value, &end);
    if (end != value && strcmp(end, "%") == 0)
        return ts_error_set(L->err, TS_EBAD, "--set %s: write a percentage as a fraction "
                            "(%s is %g)", ov, value, d / 100.0);
    return TS_OK;
}

/* A group the file leaves to its defaults (monte_carlo for -r), created in
 * cur; stamped as the override's. NULL when out of memory. */
static config_setting_t *add_group(config_setting_t *cur, const char *comp, const char *origin)
{
    config_setting_t *child = config_setting_add(cur, comp, CONFIG_TYPE_GROUP);
    if (child)
        ts_ld_stamp(child, origin, 0);
    return child;
}

/* Replaces a list or array element by scalar src in place: elements keep
 * their place, so only scalars are replaced (ct: the container's type). */
static ts_status replace_element(loader *L, const char *ov, const char *walked, int ct,
                                 config_setting_t *child, const config_setting_t *src,
                                 const char *origin)
{
    if (!config_setting_is_scalar(child) || !config_setting_is_scalar(src) ||
        (ct == CONFIG_TYPE_ARRAY && config_setting_type(src) != config_setting_type(child)))
        return ts_error_set(L->err, TS_EBAD,
                            "--set %s: can only replace '%s' by a value of the same "
                            "kind (%s)", ov, walked, ts_ld_type_name(child));
    /* libconfig's setters adopt a type only from NONE. */
    if (config_setting_type(child) == CONFIG_TYPE_STRING)
        config_setting_set_string(child, NULL);
    child->type = CONFIG_TYPE_NONE;
    switch (config_setting_type(src)) {
    case CONFIG_TYPE_INT:
        config_setting_set_int(child, config_setting_get_int(src));
        break;
    case CONFIG_TYPE_INT64:
        config_setting_set_int64(child, config_setting_get_int64(src));
        break;
    case CONFIG_TYPE_FLOAT:
        config_setting_set_float(child, config_setting_get_float(src));
        break;
    case CONFIG_TYPE_BOOL:
        config_setting_set_bool(child, config_setting_get_bool(src));
        break;
    default:
        child->value.sval = NULL;
        config_setting_set_string(child, config_setting_get_string(src));
    }
    ts_ld_stamp(child, origin, 0);
    return TS_OK;
}

/* Sets member comp of group cur to a copy of src, stamped as the
 * override's. */
static ts_status replace_member(loader *L, const char *ov, config_setting_t *cur,
                                const char *comp, config_setting_t *child,
                                const config_setting_t *src, const char *origin)
{
    if (child)
        config_setting_remove(cur, comp);
    config_setting_t *s = ts_ld_copy_setting(cur, comp, src);
    if (!s)
        return ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
    ts_ld_stamp(s, origin, 0);
    return TS_OK;
}

/* The last component of KEY (walked: KEY so far, for messages): replaced if
 * present; created if missing from a group. */
static ts_status set_last(loader *L, const char *ov, const char *walked, config_setting_t *cur,
                          const ts_ld_path_comp *c, config_setting_t *child, const char *value,
                          const char *origin)
{
    int ct = config_setting_type(cur);
    if (!child && (c->index || c->quoted || ct != CONFIG_TYPE_GROUP)) {
        char why[512];
        ts_ld_path_missing(cur, c, walked, why, sizeof why);
        return ts_error_set(L->err, TS_EBAD, "--set %s: %s", ov, why);
    }
    TRY(check_percent(L, ov, value));
    config_t tmp;
    config_init(&tmp);
    config_setting_t *src = override_value(&tmp, value);
    ts_status st;
    if (!src)
        st = ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
    else if (ct != CONFIG_TYPE_GROUP)
        st = replace_element(L, ov, walked, ct, child, src, origin);
    else
        st = replace_member(L, ov, cur, c->name, child, src, origin);
    config_destroy(&tmp);
    return st;
}

/* "actors[0]": the hint names this scenario's first element's id too. */
static ts_status bad_key(loader *L, const char *ov, const char *key, const char *why)
{
    char name[256], id_hint[320] = "";
    size_t n = strcspn(key, "[");
    long idx = n < strlen(key) ? strtol(key + n + 1, NULL, 10) : -1;
    if (n < sizeof name && idx >= 0 && strcspn(key, ".") > n) {
        memcpy(name, key, n);
        name[n] = '\0';
        const config_setting_t *l = config_setting_get_member(config_root_setting(L->cfg), name);
        const config_setting_t *e =
            l && config_setting_type(l) == CONFIG_TYPE_LIST ? config_setting_get_elem(l, (unsigned)idx)
                                                            : NULL;
        const char *id = e ? ts_ld_element_key(e) : NULL;
        if (id && ts_ld_valid_id(id))
            snprintf(id_hint, sizeof id_hint, " or %s.%s", name, id);
        else if (id)
            snprintf(id_hint, sizeof id_hint, " or %s.\"%s\"", name, id);
        if (l)
            return ts_error_set(L->err, TS_EBAD, "--set %s: bad setting name '%.*s' (write "
                                "%s.[%ld]%s)", ov, (int)strcspn(key, "."), key, name, idx,
                                id_hint);
    }
    return ts_error_set(L->err, TS_EBAD, "--set %s: %s", ov, why);
}

ts_status ts_ld_apply_override(loader *L, const char *ov)
{
    const char *eq = strchr(ov, '=');
    if (!eq || eq == ov)
        return ts_error_set(L->err, TS_EBAD, "--set %s: expected KEY=VALUE", ov);
    size_t klen = (size_t)(eq - ov);
    char key[1024], why[512];
    if (klen >= sizeof key)
        return ts_error_set(L->err, TS_EBAD, "--set %s: key too long", ov);
    memcpy(key, ov, klen);
    key[klen] = '\0';
    const char *value = eq + 1;
    /* As libconfig reads it (long decimals and hex stay text, for seeds): never
     * wrapped or saturated (intrange.c). */
    if (strspn(value, "-+0123456789") > 0 && !stays_text(value) &&
        ts_ld_check_integers(value, "--set", L->err) != TS_OK)
        return ts_error_set(L->err, TS_EBAD, "--set %s: integer out of range (at most 2147483647; "
                            "64-bit integers end in L, e.g. 4294967296L)", ov);
    ts_ld_path p;
    if (ts_ld_path_parse(key, &p, why, sizeof why) != TS_OK)
        return bad_key(L, ov, key, why);
    char origin[1100];
    snprintf(origin, sizeof origin, "--set %s", ov);
    int oi;
    TRY(ts_ld_name_add(L, origin, &oi));
    const char *oname = L->src.names[oi].name;

    /* Walk all but the last component, which may be created. */
    config_setting_t *cur = config_root_setting(L->cfg);
    char walked[1024] = "";
    for (int i = 0; i < p.n; i++) {
        const ts_ld_path_comp *c = &p.c[i];
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof walked - wl, "%s%s%s%s", wl ? "." : "",
                 c->quoted ? "\"" : "", c->name, c->quoted ? "\"" : "");
        config_setting_t *child = ts_ld_path_child(cur, c);
        if (i == p.n - 1)
            return set_last(L, ov, walked, cur, c, child, value, oname);
        if (!child && !c->index && !c->quoted && config_setting_type(cur) == CONFIG_TYPE_GROUP &&
            !(child = add_group(cur, c->name, oname)))
            return ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
        if (!child) {
            ts_ld_path_missing(cur, c, walked, why, sizeof why);
            return ts_error_set(L->err, TS_EBAD, "--set %s: %s", ov, why);
        }
        cur = child;
    }
    return ts_error_set(L->err, TS_EBAD, "--set %s: expected KEY=VALUE", ov);
}
