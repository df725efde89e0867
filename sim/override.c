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
 * [array], (list), {group}); anything it cannot read is a bare string. */
static bool parse_override_value(config_t *tmp, const char *value)
{
    size_t n = strlen(value);
    /* Decimal seeds beyond the int64 range stay text, read by the loader. */
    if (n >= 19 && strspn(value, "0123456789") == n)
        return false;
    char *text = malloc(n + 8);
    if (!text)
        return false;
    snprintf(text, n + 8, "v = %s;", value);
    bool ok = config_read_string(tmp, text) == CONFIG_TRUE &&
              config_setting_length(config_root_setting(tmp)) == 1 &&
              config_setting_get_member(config_root_setting(tmp), "v");
    free(text);
    return ok;
}

ts_status ld_apply_override(loader *L, const char *ov)
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
        bool index = comp[0] == '[';
        long idx = -1;
        if (index) {
            char *end;
            idx = strtol(comp + 1, &end, 10);
            if (end == comp + 1 || strcmp(end, "]") != 0 || idx < 0)
                return ts_error_set(L->err, TS_EBAD, "--set %s: bad index '%s' (expected [N])",
                                    ov, comp);
        } else if (!ld_valid_id(comp)) {
            return ts_error_set(L->err, TS_EBAD, "--set %s: bad setting name '%s'", ov, comp);
        }
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof walked - wl, "%s%s", wl ? "." : "", comp);
        int ct = config_setting_type(cur);
        config_setting_t *child = NULL;
        if (index && (ct == CONFIG_TYPE_LIST || ct == CONFIG_TYPE_ARRAY))
            child = config_setting_get_elem(cur, (unsigned)idx);
        else if (!index && ct == CONFIG_TYPE_GROUP)
            child = config_setting_get_member(cur, comp);
        if (next && !child && !index && ct == CONFIG_TYPE_GROUP) {
            /* A group the file leaves to its defaults (monte_carlo for -r):
             * create it; the loader then checks its name like any other. */
            unsigned line = cur->line;
            const char *file = cur->file;
            child = config_setting_add(cur, comp, CONFIG_TYPE_GROUP);
            if (!child)
                return ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
            child->line = line;
            child->file = file;
        }
        if (next && !child)
            return ts_error_set(L->err, TS_EBAD, "--set %s: no such setting '%s'", ov, walked);
        if (!next) {
            if (!child && (index || ct != CONFIG_TYPE_GROUP))
                return ts_error_set(L->err, TS_EBAD, "--set %s: no such setting '%s'", ov,
                                    walked);
            config_t tmp;
            config_init(&tmp);
            config_setting_t *src = NULL;
            if (parse_override_value(&tmp, value))
                src = config_setting_get_member(config_root_setting(&tmp), "v");
            else {
                config_destroy(&tmp);
                config_init(&tmp);
                src = config_setting_add(config_root_setting(&tmp), "v", CONFIG_TYPE_STRING);
                if (src)
                    config_setting_set_string(src, value);
            }
            ts_status st = TS_OK;
            if (!src) {
                st = ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
            } else if (index) {
                /* Elements keep their place: only scalars are replaced. */
                if (!config_setting_is_scalar(child) || !config_setting_is_scalar(src) ||
                    (ct == CONFIG_TYPE_ARRAY &&
                     config_setting_type(src) != config_setting_type(child)))
                    st = ts_error_set(L->err, TS_EBAD,
                                      "--set %s: can only replace '%s' by a value of the same "
                                      "kind (%s)", ov, walked, ld_type_name(child));
                else {
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
                }
            } else {
                unsigned line = child ? child->line : cur->line;
                const char *file = child ? child->file : cur->file;
                if (child)
                    config_setting_remove(cur, comp);
                config_setting_t *s = copy_setting(cur, comp, src);
                if (!s)
                    st = ts_error_set(L->err, TS_EIO, "--set %s: out of memory", ov);
                else {
                    s->line = line;
                    s->file = file;
                }
            }
            config_destroy(&tmp);
            return st;
        }
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
ts_status ld_check_includes(const char *text, const char *dir, const char *where,
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
                            st = ld_check_includes(buf, dir, full, depth + 1, err);
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
