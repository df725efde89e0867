/* Setting paths and tree copies, shared by --set (override.c), extends
 * (extends.c) and any later reader of a path (docs/scenario-format.md,
 * "Setting paths").
 *
 * A path is components separated by '.': a setting name in a group; in a
 * list, [N] (the Nth element, from 0) or an id or label (the element whose
 * `id`, else whose `label`, equals it; a label with spaces or dots is
 * written in double quotes). So issues.h20_licence.revenue_share,
 * issues.[2].revenue_share and talks."Truce expiry: tariff talks".duration
 * reach settings wherever the elements were written (included, inherited). */
#include "loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ts_status ts_ld_path_parse(const char *text, ts_ld_path *p, char *why, size_t n)
{
    *p = (ts_ld_path){0};
    const char *s = text;
    for (;;) {
        if (p->n == TS_LD_PATH_MAX) {
            snprintf(why, n, "more than %d components", TS_LD_PATH_MAX);
            return TS_EBAD;
        }
        ts_ld_path_comp *c = &p->c[p->n];
        size_t len;
        if (*s == '"') {
            const char *end = strchr(s + 1, '"');
            len = end ? (size_t)(end - s - 1) : 0;
            if (!end || len == 0 || len >= sizeof c->name || (end[1] && end[1] != '.')) {
                snprintf(why, n, "bad quoted name in '%s' (expected \"LABEL\" between dots)",
                         text);
                return TS_EBAD;
            }
            memcpy(c->name, s + 1, len);
            c->name[len] = '\0';
            c->quoted = true;
            s = end + 1;
        } else {
            len = strcspn(s, ".");
            if (len == 0 || len >= sizeof c->name) {
                snprintf(why, n, "empty or overlong component in '%s'", text);
                return TS_EBAD;
            }
            memcpy(c->name, s, len);
            c->name[len] = '\0';
            s += len;
            if (c->name[0] == '[') {
                char *end;
                c->index = true;
                c->idx = strtol(c->name + 1, &end, 10);
                if (end == c->name + 1 || strcmp(end, "]") != 0 || c->idx < 0) {
                    snprintf(why, n, "bad index '%s' (expected [N])", c->name);
                    return TS_EBAD;
                }
            } else if (!ts_ld_valid_id(c->name)) {
                char *br = strchr(c->name, '[');
                if (br && br > c->name) {
                    *br = '\0';
                    snprintf(why, n, "bad setting name '%s[%s' (an element is its own component: "
                             "%s.[N] by position, %s.ID by id)", c->name, br + 1, c->name,
                             c->name);
                } else {
                    snprintf(why, n, "bad setting name '%s'", c->name);
                }
                return TS_EBAD;
            }
        }
        p->n++;
        if (!*s)
            return TS_OK;
        s++; /* the '.' */
    }
}

/* The string member `key` of group g, or NULL. */
static const char *string_member(const config_setting_t *g, const char *key)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return NULL;
    const config_setting_t *s = config_setting_get_member(g, key);
    return s && config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s)
                                                             : NULL;
}

const char *ts_ld_element_key(const config_setting_t *e)
{
    const char *k = string_member(e, "id");
    return k ? k : string_member(e, "label");
}

config_setting_t *ts_ld_path_child(config_setting_t *cur, const ts_ld_path_comp *c)
{
    int t = config_setting_type(cur);
    if (c->index)
        return t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY
                   ? config_setting_get_elem(cur, (unsigned)c->idx)
                   : NULL;
    if (t == CONFIG_TYPE_GROUP && !c->quoted)
        return config_setting_get_member(cur, c->name);
    if (t != CONFIG_TYPE_LIST)
        return NULL;
    int n = config_setting_length(cur);
    for (int i = 0; i < n; i++) {
        config_setting_t *e = config_setting_get_elem(cur, (unsigned)i);
        const char *id = string_member(e, "id");
        if (id && strcmp(id, c->name) == 0)
            return e;
    }
    for (int i = 0; i < n; i++) {
        config_setting_t *e = config_setting_get_elem(cur, (unsigned)i);
        const char *label = string_member(e, "label");
        if (label && strcmp(label, c->name) == 0)
            return e;
    }
    return NULL;
}

void ts_ld_path_missing(const config_setting_t *cur, const ts_ld_path_comp *c,
                        const char *walked, char *why, size_t n)
{
    if (config_setting_type(cur) != CONFIG_TYPE_LIST || c->index) {
        snprintf(why, n, "no such setting '%s'", walked);
        return;
    }
    ts_ld_suggester g = {.word = c->name, .dist = 99};
    int len = config_setting_length(cur);
    for (int i = 0; i < len; i++) {
        const char *k = ts_ld_element_key(config_setting_get_elem(cur, (unsigned)i));
        if (k)
            ts_ld_suggest_add(&g, k);
    }
    char dym[96];
    ts_ld_suggest_text(&g, dym, sizeof dym);
    snprintf(why, n, "no element with id or label '%s' in '%s'%s", c->name,
             config_setting_name(cur) ? config_setting_name(cur) : "the list", dym);
}

ts_status ts_ld_path_lookup(loader *L, const char *path, const char *who,
                            config_setting_t **out)
{
    ts_ld_path p;
    char why[512], walked[1024] = "";
    if (ts_ld_path_parse(path, &p, why, sizeof why) != TS_OK)
        return ts_error_set(L->err, TS_EBAD, "%s: %s", who, why);
    config_setting_t *cur = config_root_setting(L->cfg);
    for (int i = 0; i < p.n; i++) {
        size_t wl = strlen(walked);
        snprintf(walked + wl, sizeof walked - wl, "%s%s", wl ? "." : "", p.c[i].name);
        config_setting_t *child = ts_ld_path_child(cur, &p.c[i]);
        if (!child) {
            ts_ld_path_missing(cur, &p.c[i], walked, why, sizeof why);
            return ts_error_set(L->err, TS_EBAD, "%s: %s", who, why);
        }
        cur = child;
    }
    *out = cur;
    return TS_OK;
}

/* ---- copies -------------------------------------------------------------- */

config_setting_t *ts_ld_copy_setting(config_setting_t *dst, const char *name,
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
            if (!ts_ld_copy_setting(s, t == CONFIG_TYPE_GROUP ? config_setting_name(e) : NULL, e))
                return NULL;
        }
    }
    }
    s->line = src->line;
    s->file = src->file;
    return s;
}

void ts_ld_stamp(config_setting_t *s, const char *file, unsigned line)
{
    s->file = file;
    s->line = line;
    if (config_setting_is_aggregate(s)) {
        int n = config_setting_length(s);
        for (int i = 0; i < n; i++)
            ts_ld_stamp(config_setting_get_elem(s, (unsigned)i), file, line);
    }
}
