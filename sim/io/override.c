/* The loader's edits and checks before the walk: `--set KEY=VALUE`
 * overrides and the @include pre-check.
 *
 * An override is applied to the libconfig tree as it was read, before
 * validation, so an overridden value is checked like a written one
 * (docs/scenario-format.md, "Overrides"). A replaced or created setting keeps
 * the file and line of the setting it replaces (or of its group), so
 * messages still point into the file. The pre-check runs on the text before
 * libconfig parses it, because libconfig's scanner cannot recover from an
 * included folder or FIFO. */
#include "loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

/* ---- --set overrides ---------------------------------------------------- */

/* Deep copy of src as member `name` (NULL for list/array elements) of dst. */
static config_setting_t *copy_setting(config_setting_t *dst, const char *name,
                                      const config_setting_t *src)
{
    int t = config_setting_type(src);
    config_setting_t *s = config_setting_add(dst, name, t);
    if (!s)
        return NULL;
    config_setting_set_format(s, config_setting_get_format(src));   /* hex seeds */
    switch (t) {
    case CONFIG_TYPE_INT:
        config_setting_set_int(s, config_setting_get_int(src));
        break;
    case CONFIG_TYPE_INT64:
        config_setting_set_int64(s, config_setting_get_int64(src));
        break;
    case CONFIG_TYPE_FLOAT:
        config_setting_set_float(s, config_setting_get_float(src));
        break;
    case CONFIG_TYPE_BOOL:
        config_setting_set_bool(s, config_setting_get_bool(src));
        break;
    case CONFIG_TYPE_STRING:
        config_setting_set_string(s, config_setting_get_string(src));
        break;
    default: {
        int n = config_setting_length(src);
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(src, (unsigned)i);
            if (!copy_setting(s, t == CONFIG_TYPE_GROUP ? config_setting_name(e) : NULL, e))
                return NULL;
        }
    }
    }
    return s;
}

/* VALUE as libconfig would read it (int, 64-bit int, float, bool, "string",
 * [array], (list), {group}); anything it cannot read is a bare string.
 * *oom when it could not be tried. */
static bool parse_override_value(config_t *tmp, const char *value, bool *oom)
{
    size_t n = strlen(value);
    /* Decimal seeds beyond the int64 range stay text, read by the loader, and
     * so do hex numbers over 8 digits without L (libconfig keeps 32 bits). */
    if (n >= 19 && strspn(value, "0123456789") == n)
        return false;
    if (n > 10 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X') &&
        strspn(value + 2, "0123456789abcdefABCDEF") == n - 2)
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

/* VALUE as setting "v" of tmp (initialised by the caller): as libconfig reads
 * it, else a bare string. NULL when out of memory. */
static config_setting_t *override_value(config_t *tmp, const char *value)
{
    bool oom = false;
    if (parse_override_value(tmp, value, &oom))
        return config_setting_get_member(config_root_setting(tmp), "v");
    if (oom)   /* not a bare string: the value could not be read */
        return NULL;
    config_destroy(tmp);
    config_init(tmp);
    config_setting_t *src = config_setting_add(config_root_setting(tmp), "v", CONFIG_TYPE_STRING);
    if (src)
        config_setting_set_string(src, value);
    return src;
}

/* One component of KEY: "[N]" (*index, with N in *idx) or a setting name. */
static ts_status parse_component(loader *L, const char *ov, const char *comp, bool *index,
                                 long *idx)
{
    *index = comp[0] == '[';
    *idx = -1;
    if (*index) {
        char *end;
        *idx = strtol(comp + 1, &end, 10);
        if (end == comp + 1 || strcmp(end, "]") != 0 || *idx < 0)
            return ts_error_set(L->err, TS_EBAD, "--set %s: bad index '%s' (expected [N])",
                                ov, comp);
    } else if (!ts_ld_valid_id(comp)) {
        return ts_error_set(L->err, TS_EBAD, "--set %s: bad setting name '%s'", ov, comp);
    }
    return TS_OK;
}

/* Element idx of a list or array, or member comp of a group; NULL if none. */
static config_setting_t *child_of(config_setting_t *cur, const char *comp, bool index, long idx)
{
    int ct = config_setting_type(cur);
    if (index && (ct == CONFIG_TYPE_LIST || ct == CONFIG_TYPE_ARRAY))
        return config_setting_get_elem(cur, (unsigned)idx);
    if (!index && ct == CONFIG_TYPE_GROUP)
        return config_setting_get_member(cur, comp);
    return NULL;
}

/* A group the file leaves to its defaults (monte_carlo for -r): created
 * where the enclosing group is, so that messages point there; the loader
 * then checks its name like any other. NULL when out of memory. */
static config_setting_t *add_group(config_setting_t *cur, const char *comp)
{
    unsigned line = cur->line;
    const char *file = cur->file;
    config_setting_t *child = config_setting_add(cur, comp, CONFIG_TYPE_GROUP);
    if (child) {
        child->line = line;
        child->file = file;
    }
    return child;
}

/* Replaces a list or array element by scalar src in place: elements keep
 * their place, so only scalars are replaced (ct: the container's type). */
static ts_status replace_element(loader *L, const char *ov, const char *walked, int ct,
                                 config_setting_t *child, const config_setting_t *src)
{
    if (!config_setting_is_scalar(child) || !config_setting_is_scalar(src) ||
        (ct == CONFIG_TYPE_ARRAY && config_setting_type(src) != config_setting_type(child)))
        return ts_error_set(L->err, TS_EBAD,
                            "--set %s: can only replace '%s' by a value of the same "
                            "kind (%s)", ov, walked, ts_ld_type_name(child));
    unsigned line = child->line;
    const char *file = child->file;
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
    child->line = line;
    child->file = file;
    return TS_OK;
}

/* Sets member comp of group cur (child: the present one, or NULL) to a copy
 * of src, at the file and line of the value it replaces or of the group. */
static ts_status replace_member(loader *L, const char *ov, config_setting_t *cur,
                                const char *comp, config_setting_t *child,
                                const config_setting_t *src)
{
    unsigned line = child ? child->line : cur->line;
    const char *file = child ? child->file : cur->file;
    if (child)
        config_setting_remove(cur, comp);
    config_setting_t *s = copy_setting(cur, comp, src);
    if (!s)
        return ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
    s->line = line;
    s->file = file;
    return TS_OK;
}

/* The last component of KEY (walked: KEY so far, for messages): replaced if
 * present; created if missing from a group. */
static ts_status set_last(loader *L, const char *ov, const char *walked, config_setting_t *cur,
                          const char *comp, bool index, config_setting_t *child,
                          const char *value)
{
    int ct = config_setting_type(cur);
    if (!child && (index || ct != CONFIG_TYPE_GROUP))
        return ts_error_set(L->err, TS_EBAD, "--set %s: no such setting '%s'", ov, walked);
    config_t tmp;
    config_init(&tmp);
    config_setting_t *src = override_value(&tmp, value);
    ts_status st;
    if (!src)
        st = ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
    else if (index)
        st = replace_element(L, ov, walked, ct, child, src);
    else
        st = replace_member(L, ov, cur, comp, child, src);
    config_destroy(&tmp);
    return st;
}

ts_status ts_ld_apply_override(loader *L, const char *ov)
{
    const char *eq = strchr(ov, '=');
    if (!eq || eq == ov)
        return ts_error_set(L->err, TS_EBAD, "--set %s: expected KEY=VALUE", ov);
    size_t klen = (size_t)(eq - ov);
    char key[512];
    if (klen >= sizeof key)
        return ts_error_set(L->err, TS_EBAD, "--set %s: key too long", ov);
    memcpy(key, ov, klen);
    key[klen] = '\0';
    const char *value = eq + 1;

    /* Walk all but the last component, which may be created. */
    config_setting_t *cur = config_root_setting(L->cfg);
    char walked[512] = "";
    char *save = NULL;
    char *comp = strtok_r(key, ".", &save);
    while (comp) {
        char *next = strtok_r(NULL, ".", &save);
        bool index = false;
        long idx = -1;
        TRY(parse_component(L, ov, comp, &index, &idx));
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof walked - wl, "%s%s", wl ? "." : "", comp);
        config_setting_t *child = child_of(cur, comp, index, idx);
        if (!next)
            return set_last(L, ov, walked, cur, comp, index, child, value);
        if (!child && !index && config_setting_type(cur) == CONFIG_TYPE_GROUP &&
            !(child = add_group(cur, comp)))
            return ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
        if (!child)
            return ts_error_set(L->err, TS_EBAD, "--set %s: no such setting '%s'", ov, walked);
        cur = child;
        comp = next;
    }
    return ts_error_set(L->err, TS_EBAD, "--set %s: expected KEY=VALUE", ov);
}

/* ---- @include pre-check --------------------------------------------------- */

#define TS_INCLUDE_DEPTH 10        /* libconfig's own nesting limit */
#define TS_TEXT_MAX ((size_t)64 << 20)

/* libconfig's scanner exits the process when an included path is a folder,
 * and blocks or reads forever on a FIFO or device. So before parsing, every
 * `@include "F"` (at a line's start, as libconfig reads it) is resolved as
 * libconfig will (include_dir + "/" + F, or F as is) and must be a regular
 * file of a sane size; included files are checked the same way. A missing
 * file is left to libconfig ("cannot open include file"). Commented-out
 * includes are checked too: harmless, they only fail on a non-file. */
ts_status ts_ld_check_includes(const char *text, const char *dir, const char *where,
                            int depth, ts_error *err)
{
    int line = 1;
    for (const char *p = text; *p; line++) {
        const char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncmp(q, "@include", 8) == 0 && (q[8] == ' ' || q[8] == '\t')) {
            q += 8;
            while (*q == ' ' || *q == '\t')
                q++;
            const char *end = *q == '"' ? strpbrk(q + 1, "\"\n") : NULL;
            if (end && *end == '"') {
                char name[4096], full[8192];
                size_t n = (size_t)(end - (q + 1));
                if (n >= sizeof name)
                    return ts_error_set(err, TS_EBAD, "%s:%d: @include path too long", where,
                                        line);
                memcpy(name, q + 1, n);
                name[n] = '\0';
                snprintf(full, sizeof full, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
                struct stat sb;
                if (stat(full, &sb) == 0) {
                    if (!S_ISREG(sb.st_mode))
                        return ts_error_set(err, TS_EBAD,
                                            "%s:%d: @include \"%s\": not a regular file", where,
                                            line, name);
                    if ((size_t)sb.st_size >= TS_TEXT_MAX)
                        return ts_error_set(err, TS_EBAD,
                                            "%s:%d: @include \"%s\": larger than %zu MiB",
                                            where, line, name, TS_TEXT_MAX >> 20);
                    if (depth < TS_INCLUDE_DEPTH) {
                        FILE *f = fopen(full, "rb");
                        char *buf = f ? malloc((size_t)sb.st_size + 1) : NULL;
                        ts_status st = TS_OK;
                        if (buf) {
                            size_t got = fread(buf, 1, (size_t)sb.st_size, f);
                            buf[got] = '\0';
                            st = ts_ld_check_includes(buf, dir, full, depth + 1, err);
                        }
                        free(buf);
                        if (f)
                            fclose(f);
                        if (st != TS_OK)
                            return st;
                    }
                }
            }
        }
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return TS_OK;
}
