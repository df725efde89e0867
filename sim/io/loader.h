/* The scenario loader's private interface: the state of one load and the
 * helpers every section loader shares. Only the loader's own files include
 * it (it is not under include/):
 *
 *   loader.c           messages, "did you mean" suggestions, typed getters
 *   source.c           reading files, expanding @include, settings' origins
 *   extends.c          scenario inheritance (extends = "base.cfg")
 *   setpath.c          setting paths (by name, [N], id or label), tree copies
 *   override.c         --set overrides
 *   scenario.c         top level, calendar, actors and strategies,
 *                      interactions, and the entry points
 *                      ts_scenario_parse/load/free
 *   scenario_issues.c  issues
 *   scenario_events.c  talks, the talks hazard and events
 *
 * Every helper that can fail records one line "FILE:LINE: PATH: message" in
 * L->err (docs/scenario-format.md, "Errors") and returns its status; callers
 * stop at the first failure, most through TRY. A value is stored in *out only
 * when it is valid. Names carry the prefix ld_, so that the static library
 * exports nothing unprefixed. */
#ifndef TRADESIM_LOADER_H
#define TRADESIM_LOADER_H

#include <libconfig.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "tradesim/error.h"
#include "tradesim/scenario.h"

#if defined(__GNUC__)
#define LD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LD_PRINTF(a, b)
#endif

/* Bit of an issue or strategy kind in a table's `kinds` mask. */
#define LD_BIT(kind) (1u << (kind))

#define TRY(x)                                                                                    \
    do {                                                                                          \
        ts_status st_ = (x);                                                                      \
        if (st_ != TS_OK)                                                                         \
            return st_;                                                                           \
    } while (0)

/* A file read for one load (or a pseudo-file such as "--set KEY=VALUE"):
 * settings' `file` points at name until the load ends. */
typedef struct {
    char *name;   /* as messages show it: the path tried */
    char *text;   /* NULL for pseudo-files */
    bool known;   /* dev and ino identify it (read once) */
    dev_t dev;
    ino_t ino;
} ts_ld_file;

/* Where a line of the expanded text came from (index into names). */
typedef struct {
    int file, line;
} ts_ld_origin;

typedef struct {
    ts_ld_file *names;
    int n_names, cap_names;
    int n_includes;      /* @include expansions so far */
    size_t bytes_read;
} ts_ld_sources;

/* A setting an uncertain parameter names, watched during the walk: the
 * getter that reads it records where the value went and its range. */
typedef struct {
    const config_setting_t *leaf;    /* the setting; NULL when it is absent */
    const config_setting_t *parent;  /* else its group, and */
    const char *member;              /* its name there */
    bool seen;                       /* read by a getter */
    bool located;                    /* into a field of a region below */
    bool integer;
    double lo, hi;
    ts_slot_region region;
    int index, sub;
    size_t offset;
} ts_ld_watch;

/* One load: owned by ts_scenario_parse, which fills sc and frees it on
 * failure; the helpers only write through it. */
typedef struct {
    const char *path;     /* shown in messages */
    ts_error *err;
    ts_scenario *sc;
    config_t *cfg;
    ts_ld_sources src;
    const atomic_int *cancel;   /* stop when non-zero (NULL: never) */
    /* Per chip issue, the largest revenue_share and smallest margin that param
     * events loaded so far set (NAN: none), so that every pair is checked. */
    double ev_share_max[TS_MAX_ISSUES], ev_margin_min[TS_MAX_ISSUES];
    /* One per element of `uncertain` (scenario_uncertain.c). */
    ts_ld_watch *watch;
    int n_watch;
    ts_event *cur_event;   /* the event being read, at file index cur_event_index */
    int cur_event_index;
} loader;

/* ---- messages (loader.c) ------------------------------------------------ */

/* TS_EIO "PATH: loading interrupted" when L->cancel is set, else TS_OK. */
ts_status ts_ld_check_cancel(loader *L);

/* "an integer", "a string", ...: what setting s holds, for messages. */
const char *ts_ld_type_name(const config_setting_t *s);

/* Records "FILE:LINE: PATH: message" for setting s and returns TS_EBAD. */
ts_status ts_ld_fail(loader *L, const config_setting_t *s, const char *fmt, ...) LD_PRINTF(3, 4);

/* The same for a key missing from group s: PATH ends in ".key". */
ts_status ts_ld_fail_key(loader *L, const config_setting_t *s, const char *key,
                      const char *fmt, ...) LD_PRINTF(4, 5);

/* Collects candidate names and picks the nearest within two edits:
 * ts_ld_suggester g = {.word = word, .dist = 99}; ts_ld_suggest_add(&g, ...) per candidate;
 * ts_ld_suggest_text gives " (did you mean 'x'?)" or "". */
typedef struct {
    const char *word;
    const char *best;
    int dist;
} ts_ld_suggester;

void ts_ld_suggest_add(ts_ld_suggester *g, const char *cand);
void ts_ld_suggest_text(const ts_ld_suggester *g, char *buf, size_t n);

/* A number as messages show it (%.15g). */
void ts_ld_fmt_num(double v, char *buf, size_t n);

/* ---- typed getters (loader.c) ------------------------------------------- */

/* The value of setting s. ts_ld_num_value: a number in [lo, hi], of magnitude
 * at most 1e9 (docs/limits.md); `what` replaces the range in messages. */
ts_status ts_ld_num_value(loader *L, const config_setting_t *s, double lo, double hi,
                       const char *what, double *out);
ts_status ts_ld_int_value(loader *L, const config_setting_t *s, long long lo, long long hi,
                       long long *out);
/* A string shorter than cap bytes. */
ts_status ts_ld_string_value(loader *L, const config_setting_t *s, size_t cap, char *out);
ts_status ts_ld_date_value(loader *L, const config_setting_t *s, int32_t *day);

/* Member `key` of group g, or def when it is absent. */
ts_status ts_ld_get_num(loader *L, const config_setting_t *g, const char *key, double def,
                     double lo, double hi, double *out);
ts_status ts_ld_get_int(loader *L, const config_setting_t *g, const char *key, int def, int lo,
                     int hi, int *out);
ts_status ts_ld_get_bool(loader *L, const config_setting_t *g, const char *key, bool def,
                      bool *out);
ts_status ts_ld_get_string(loader *L, const config_setting_t *g, const char *key,
                        const char *def, size_t cap, char *out);
/* One of names[0..n-1] as its index; *out is left as it is when the key is
 * absent. */
ts_status ts_ld_get_enum(loader *L, const config_setting_t *g, const char *key,
                      const char *const *names, int n, int *out);

/* An id: letters, digits and '_', starting with a letter. */
bool ts_ld_valid_id(const char *s);

/* Every member of group g is one of keys (NULL-terminated); a member in
 * extra (NULL-terminated, or NULL) is known but misplaced, and reported with
 * `elsewhere`; any other gets "unknown setting" and a suggestion. */
ts_status ts_ld_check_keys(loader *L, const config_setting_t *g, const char *const *keys,
                        const char *const *extra, const char *elsewhere);
ts_status ts_ld_need_group(loader *L, const config_setting_t *s);
/* `of` shows the expected elements in the message. */
ts_status ts_ld_need_list(loader *L, const config_setting_t *s, const char *of);

/* Index of an issue or actor id, or -1 with the failure in *st. */
int ts_ld_issue_ref(loader *L, const config_setting_t *s, const char *id, ts_status *st);
int ts_ld_actor_ref(loader *L, const config_setting_t *s, const char *id, ts_status *st);

/* ---- sources (source.c) and inheritance (extends.c) ---------------------- */

/* Adds name to L's file table (settings may point at it until the load
 * ends); its index in *index. */
ts_status ts_ld_name_add(loader *L, const char *name, int *index);
void ts_ld_sources_free(ts_ld_sources *S);
/* Path `name` as written in file `from`: relative to from's folder. */
void ts_ld_resolve_name(const char *from, const char *name, char *full, size_t n);
/* Reads file `full` once (a regular file below 64 MiB); `what` begins
 * messages ("FILE:LINE: @include \"NAME\""). */
ts_status ts_ld_read_source(loader *L, const char *full, const char *what, int *index);
/* Parses file `file` of the table with its @includes expanded into cfg;
 * every setting's file and line are where it was written. */
ts_status ts_ld_parse_source(loader *L, int file, config_t *cfg);
/* The tree of the scenario `text` (file L->path), with its extends chain
 * merged in; *out is malloc'd, config_destroy and free it. */
ts_status ts_ld_load_tree(loader *L, const char *text, config_t **out);

/* ---- setting paths (setpath.c) ------------------------------------------ */

#define TS_LD_PATH_MAX 16

typedef struct {
    char name[256]; /* a setting name, an id or label, or "[N]" */
    bool index;     /* [N]: element idx */
    bool quoted;    /* "LABEL": only an id or label */
    long idx;
} ts_ld_path_comp;

typedef struct {
    int n;
    ts_ld_path_comp c[TS_LD_PATH_MAX];
} ts_ld_path;

/* Splits "issues.h20_licence.revenue_share", "actors.[0].power" or
 * 'talks."Truce expiry: tariff talks".duration' into components; on failure
 * *why says what is wrong (with the fix for "actors[0]"). */
ts_status ts_ld_path_parse(const char *text, ts_ld_path *p, char *why, size_t n);
/* Member c of a group, or the element of a list that c names ([N], id,
 * else label); NULL if none. */
config_setting_t *ts_ld_path_child(config_setting_t *cur, const ts_ld_path_comp *c);
/* Why c is not a child of cur (walked: the path so far), with suggestions. */
void ts_ld_path_missing(const config_setting_t *cur, const ts_ld_path_comp *c,
                        const char *walked, char *why, size_t n);
/* The setting at `path` in L->cfg; on failure the message starts with who
 * (e.g. "--set KEY=VALUE"). */
ts_status ts_ld_path_lookup(loader *L, const char *path, const char *who,
                            config_setting_t **out);
/* A list element's id, else its label, else NULL. */
const char *ts_ld_element_key(const config_setting_t *e);

/* Deep copy of src as member `name` (NULL in a list) of dst, each setting
 * keeping its file and line. NULL when out of memory. */
config_setting_t *ts_ld_copy_setting(config_setting_t *dst, const char *name,
                                     const config_setting_t *src);
/* Gives s and everything under it this file and line. */
void ts_ld_stamp(config_setting_t *s, const char *file, unsigned line);

/* ---- overrides (override.c) ---------------------------------------------- */

/* Applies one "KEY=VALUE" to the tree in L->cfg before it is loaded. */
ts_status ts_ld_apply_override(loader *L, const char *ov);

/* intrange.c: refuses an integer literal that libconfig would wrap (beyond
 * 32 bits without L) or saturate (beyond 64 bits), naming where, line and
 * setting. Run on every source text before libconfig reads it. */
ts_status ts_ld_check_integers(const char *text, const char *where, ts_error *err);

/* ---- sections shared across files --------------------------------------- */

/* scenario_issues.c: issue k, all but its id (read first, by scenario.c);
 * and a chip's revenue share against its margin, reported at s. */
ts_status ts_ld_load_issue(loader *L, const config_setting_t *g, int k);
ts_status ts_ld_check_share_value(loader *L, const config_setting_t *s, const ts_issue *is,
                               double share, double margin);

/* scenario_uncertain.c: the settings `uncertain` names, found in the tree
 * before the walk (ts_ld_watch_prepare); the getters report reading them
 * (ts_ld_watch_read: leaf, or parent and member when absent; out NULL when
 * the value goes to no field); the list itself after the walk. Events are
 * read in file order and stored in another: new_index[i] is event i's. */
ts_status ts_ld_watch_prepare(loader *L, const config_setting_t *root);
void ts_ld_watch_read(loader *L, const config_setting_t *leaf, const config_setting_t *parent,
                      const char *member, void *out, bool integer, double lo, double hi);
void ts_ld_watch_events_reordered(loader *L, const int *new_index);
ts_status ts_ld_load_uncertain(loader *L, const config_setting_t *root);

/* scenario_events.c: the lists and groups after actors and issues. */
ts_status ts_ld_load_talks(loader *L, const config_setting_t *root);
ts_status ts_ld_load_hazard(loader *L, const config_setting_t *root);
ts_status ts_ld_load_events(loader *L, const config_setting_t *root);

#endif
