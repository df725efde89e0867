/* Scenario inheritance: `extends = "base.cfg";` (docs/scenario-format.md,
 * "Deriving a scenario: extends").
 *
 * The base's tree is loaded first (with its own extends, so chains work)
 * and the variant's settings are merged into it before validation:
 *   - a group (calendar, monte_carlo, output, talks_hazard) is merged member
 *     by member;
 *   - actors and issues are matched by id, talks by label: a matched element
 *     is merged member by member, any other is added at the end (an actor
 *     must match: a scenario has two);
 *   - events and interactions are added at the end;
 *   - anything else, and every member inside a merged element or group, is
 *     replaced whole (a strategy = { ... } replaces the base's strategy);
 *   - name is not inherited: the variant is named by its own file.
 * Every copied setting keeps its file and line, so messages name the file
 * that holds the setting. */
#include "loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#define TS_EXTENDS_DEPTH 8

/* The files of the chain being loaded, innermost last (cycle check). */
typedef struct {
    int file[TS_EXTENDS_DEPTH + 1];
    int n;
} ld_chain;

static ts_status no_memory(loader *L)
{
    return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
}

/* Replaces member `name` of group g by a copy of src (or adds it). */
static ts_status put_member(loader *L, config_setting_t *g, const config_setting_t *src)
{
    const char *name = config_setting_name(src);
    if (config_setting_get_member(g, name))
        config_setting_remove(g, name);
    return ts_ld_copy_setting(g, name, src) ? TS_OK : no_memory(L);
}

static ts_status merge_members(loader *L, config_setting_t *b, const config_setting_t *v)
{
    int n = config_setting_length(v);
    for (int i = 0; i < n; i++)
        TRY(put_member(L, b, config_setting_get_elem(v, (unsigned)i)));
    return TS_OK;
}

/* The element of list b whose string member key equals value, or NULL. */
static config_setting_t *find_element(config_setting_t *b, const char *key, const char *value)
{
    int n = config_setting_length(b);
    for (int i = 0; i < n; i++) {
        config_setting_t *e = config_setting_get_elem(b, (unsigned)i);
        const config_setting_t *k = config_setting_type(e) == CONFIG_TYPE_GROUP
                                        ? config_setting_get_member(e, key)
                                        : NULL;
        if (k && config_setting_type(k) == CONFIG_TYPE_STRING &&
            strcmp(config_setting_get_string(k), value) == 0)
            return e;
    }
    return NULL;
}

/* Whether dated (or stepped) element a comes after element e: a later
 * date ("YYYY-MM-DD" sorts as text) or step; undated ones never do. */
static bool comes_after(const config_setting_t *a, const config_setting_t *e)
{
    if (config_setting_type(a) != CONFIG_TYPE_GROUP || config_setting_type(e) != CONFIG_TYPE_GROUP)
        return false;
    const config_setting_t *da = config_setting_get_member(a, "date");
    const config_setting_t *de = config_setting_get_member(e, "date");
    if (da && de && config_setting_type(da) == CONFIG_TYPE_STRING &&
        config_setting_type(de) == CONFIG_TYPE_STRING)
        return strcmp(config_setting_get_string(da), config_setting_get_string(de)) > 0;
    const config_setting_t *sa = config_setting_get_member(a, "step");
    const config_setting_t *se = config_setting_get_member(e, "step");
    return sa && se && config_setting_type(sa) == CONFIG_TYPE_INT &&
           config_setting_type(se) == CONFIG_TYPE_INT &&
           config_setting_get_int(sa) > config_setting_get_int(se);
}

/* Adds a copy of e to list b; a dated talk or event goes before the first
 * base element that comes after it, so the list stays in date order
 * (libconfig only appends: the later elements are moved behind it). */
static ts_status add_element(loader *L, config_setting_t *b, const config_setting_t *e)
{
    int n = config_setting_length(b), at = n;
    for (int i = 0; i < n && at == n; i++)
        if (comes_after(config_setting_get_elem(b, (unsigned)i), e))
            at = i;
    if (!ts_ld_copy_setting(b, NULL, e))
        return no_memory(L);
    for (int i = at; i < n; i++) {
        if (!ts_ld_copy_setting(b, NULL, config_setting_get_elem(b, (unsigned)at)))
            return no_memory(L);
        config_setting_remove_elem(b, (unsigned)at);
    }
    return TS_OK;
}

/* List v into list b: elements matched by `key` (NULL: none are) merged,
 * the others added. */
static ts_status merge_list(loader *L, config_setting_t *b, const config_setting_t *v,
                            const char *key)
{
    const char *list = config_setting_name(v);
    bool actors = strcmp(list, "actors") == 0;
    int n = config_setting_length(v);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(v, (unsigned)i);
        const config_setting_t *k = key && config_setting_type(e) == CONFIG_TYPE_GROUP
                                        ? config_setting_get_member(e, key)
                                        : NULL;
        if (key && !strcmp(key, "id") && (!k || config_setting_type(k) != CONFIG_TYPE_STRING))
            return ts_ld_fail(L, e, "an element of %s in a scenario that extends another needs an "
                           "id (the base's element with that id is changed, or it is added)",
                           list);
        config_setting_t *match =
            k && config_setting_type(k) == CONFIG_TYPE_STRING
                ? find_element(b, key, config_setting_get_string(k))
                : NULL;
        if (match) {
            /* An uncertain parameter given a `dist` is a new distribution:
             * the base's distribution keys go, the key and name stay. */
            static const char *const dist_keys[] = {"min", "max", "mean", "sd", "mu", "sigma",
                                                    "mode", "a", "b", "values", "weights"};
            if (key && !strcmp(key, "name") && config_setting_get_member(e, "dist"))
                for (size_t d = 0; d < sizeof dist_keys / sizeof dist_keys[0]; d++)
                    config_setting_remove(match, dist_keys[d]);
            TRY(merge_members(L, match, e));
            continue;
        }
        if (actors)
            return ts_ld_fail(L, k, "no actor '%s' in the base scenario (a scenario has exactly "
                           "two actors: change them by their ids)", config_setting_get_string(k));
        TRY(add_element(L, b, e));
    }
    return TS_OK;
}

static ts_status merge(loader *L, config_setting_t *broot, const config_setting_t *vroot)
{
    static const char *const lists[][2] = {{"actors", "id"},    {"issues", "id"},
                                           {"talks", "label"},  {"events", NULL},
                                           {"interactions", NULL}, {"uncertain", "name"}};
    if (!config_setting_get_member(vroot, "name") && config_setting_get_member(broot, "name"))
        config_setting_remove(broot, "name");
    int n = config_setting_length(vroot);
    for (int i = 0; i < n; i++) {
        const config_setting_t *v = config_setting_get_elem(vroot, (unsigned)i);
        const char *name = config_setting_name(v);
        config_setting_t *b = config_setting_get_member(broot, name);
        if (!strcmp(name, "extends"))
            continue;
        int bt = b ? config_setting_type(b) : CONFIG_TYPE_NONE;
        int vt = config_setting_type(v);
        bool done = false;
        for (size_t j = 0; j < sizeof lists / sizeof lists[0] && !done; j++)
            if (!strcmp(name, lists[j][0]) && bt == CONFIG_TYPE_LIST && vt == CONFIG_TYPE_LIST) {
                TRY(merge_list(L, b, v, lists[j][1]));
                done = true;
            }
        if (!done && bt == CONFIG_TYPE_GROUP && vt == CONFIG_TYPE_GROUP) {
            TRY(merge_members(L, b, v));
            done = true;
        }
        if (!done)
            TRY(put_member(L, broot, v));
    }
    return TS_OK;
}

static void drop_tree(config_t *cfg)
{
    if (cfg) {
        config_destroy(cfg);
        free(cfg);
    }
}

static ts_status load_tree(loader *L, int file, ld_chain *chain, config_t **out)
{
    config_t *cfg = malloc(sizeof *cfg);
    if (!cfg)
        return no_memory(L);
    config_init(cfg);
    ts_status st = ts_ld_parse_source(L, file, cfg);
    const config_setting_t *ext =
        st == TS_OK ? config_setting_get_member(config_root_setting(cfg), "extends") : NULL;
    if (!ext) {
        if (st == TS_OK)
            *out = cfg;
        else
            drop_tree(cfg);
        return st;
    }
    config_t *base = NULL;
    char full[8192], what[8192 + 64];
    if (config_setting_type(ext) != CONFIG_TYPE_STRING || !config_setting_get_string(ext)[0]) {
        st = ts_ld_fail(L, ext, "expected the path of the base scenario (a string), got %s",
                     ts_ld_type_name(ext));
    } else if (chain->n > TS_EXTENDS_DEPTH) {
        st = ts_ld_fail(L, ext, "scenarios extend each other more than %d levels deep",
                     TS_EXTENDS_DEPTH);
    } else {
        const char *name = config_setting_get_string(ext);
        ts_ld_resolve_name(ext->file ? ext->file : L->path, name, full, sizeof full);
        snprintf(what, sizeof what, "%s:%u: extends", ext->file ? ext->file : L->path,
                 ext->line);
        int bf = -1;
        st = ts_ld_read_source(L, full, what, &bf);
        for (int i = 0; st == TS_OK && i < chain->n; i++)
            if (chain->file[i] == bf)
                st = ts_ld_fail(L, ext, "'%s' extends itself (a cycle of extends)", full);
        if (st == TS_OK) {
            chain->file[chain->n++] = bf;
            st = load_tree(L, bf, chain, &base);
            chain->n--;
        }
    }
    if (st == TS_OK)
        st = merge(L, config_root_setting(base), config_root_setting(cfg));
    drop_tree(cfg);
    if (st == TS_OK)
        *out = base;
    else
        drop_tree(base);
    return st;
}

ts_status ts_ld_load_tree(loader *L, const char *text, config_t **out)
{
    int top;
    TRY(ts_ld_name_add(L, L->path, &top));
    ts_ld_file *F = &L->src.names[top];
    if (!(F->text = strdup(text)))
        return no_memory(L);
    TRY(ts_ld_check_integers(F->text, L->path, L->err));
    struct stat sb;
    if (stat(L->path, &sb) == 0) {
        F->known = true;
        F->dev = sb.st_dev;
        F->ino = sb.st_ino;
    }
    ld_chain chain = {.file = {top}, .n = 1};
    return load_tree(L, top, &chain, out);
}
