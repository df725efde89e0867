/* Scenario: the parameter table, names of kinds, and the libconfig loader.
 *
 * The loader reads the file into a libconfig tree, applies --set overrides
 * to the tree, then walks it once, checking every key against what is valid
 * at that place and filling the ts_scenario with every default explicit.
 * Any problem stops the walk with one line naming file, line and setting
 * path. A finished ts_scenario is never modified. */
#include "tradesim/scenario.h"

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <gsl/gsl_rng.h>

/* Every number in a scenario has magnitude at most this. With levers, money
 * flows and coefficients so bounded, a step's payoff stays below ~1e27 and a
 * total over TS_MAX_STEPS steps far below DBL_MAX: no overflow to infinity,
 * hence no inf - inf = NaN (docs/limits.md). */
#define TS_NUM_LIMIT 1e9

#define K(kind) (1u << (kind))
#define KT K(TS_ISSUE_TARIFF)
#define KC K(TS_ISSUE_CHIP_LICENCE)
#define KE K(TS_ISSUE_EXPORT_CONTROL)
#define KP K(TS_ISSUE_PLEDGE)
#define KU K(TS_ISSUE_CUSTOM)
#define KALL (KT | KC | KE | KP | KU)
#define A(f) TS_TARGET_ACTOR, 0, offsetof(ts_actor, f)
#define I(kinds, f) TS_TARGET_ISSUE, (kinds), offsetof(ts_issue, f)

/* Defaults of min/max/initial/max_step describe a lever on [0, 1]; the
 * loader derives initial (= min) and max_step (= max - min) when absent. */
static const ts_param_info param_table[] = {
    {"discount", A(discount), 0.0, 0.0, 1.0, "1/year",
     "annual discount rate; the per-step factor is (1+discount)^-step_years"},
    {"power", A(power), 1.0, 0.0, 1e6, "weight",
     "Nash bargaining weight, normalised over the two actors"},
    {"reliability", A(reliability), 1.0, 0.0, 1.0, "probability",
     "probability per step that the actor keeps its side of an agreement"},
    {"trust", A(trust), 0.5, 0.0, 1.0, "share", "initial trust in the other side"},
    {"trust_rate", A(trust_rate), 0.1, 0.0, 1.0, "share",
     "learning rate of trust from observed compliance"},
    {"noise", A(noise), 0.0, 0.0, INFINITY, "lever units",
     "standard deviation of the actor's strategy moves"},

    {"min", I(KALL, min), 0.0, -INFINITY, INFINITY, "lever units", "lowest lever level"},
    {"max", I(KALL, max), 1.0, -INFINITY, INFINITY, "lever units",
     "highest lever level (>= min)"},
    {"initial", I(KALL, initial), 0.0, -INFINITY, INFINITY, "lever units",
     "level at step 0, in [min, max] (default: min)"},
    {"max_step", I(KALL, max_step), 1.0, 0.0, INFINITY, "lever units",
     "largest move per step by a strategy (default: max - min)"},
    {"pressure_weight", I(KALL, pressure_weight), 1.0, 0.0, INFINITY, "weight",
     "weight of the lever in its owner's pressure index"},
    {"tolerance", I(KALL, tolerance), 0.01, 0.0, INFINITY, "lever units",
     "deviation from an agreed level that counts as a breach"},

    {"imports_bn", I(KT, imports_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "imports from the other side at a zero tariff (M0)"},
    {"elasticity", I(KT, elasticity), 2.0, 0.0, 100.0, "",
     "owner's import demand elasticity (long run): D(p) = M0 p^-elasticity"},
    {"tot_share", I(KT, tot_share), 0.3, 0.0, 1.0, "share",
     "theta = elasticity/(elasticity + supply_elasticity): share of a small tariff borne by "
     "the other side's exporters (default 0.3 unless supply_elasticity is given)"},
    {"supply_elasticity", I(KT, supply_elasticity), INFINITY, 0.0, INFINITY, "",
     "other side's export supply elasticity: S(p*) = M0 p*^supply_elasticity; "
     "instead of tot_share (default: from tot_share)"},
    {"elasticity_short_run", I(KT, elasticity_short_run), 2.0, 0.0, 100.0, "",
     "import demand elasticity at step 0, moving to elasticity (default: elasticity, no path)"},
    {"elasticity_half_life", I(KT, elasticity_half_life), 0.0, 0.0, 1000.0, "years",
     "half-life of the gap to the long-run elasticity (steps when abstract); 0 = no path"},

    {"sales_bn", I(KC, sales_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "would-be annual sales of the chip to the other side"},
    {"margin", I(KC, margin), 0.6, 0.0, 1.0, "share", "firm's profit margin on sales"},
    {"revenue_share", I(KC, revenue_share), 0.0, 0.0, 1.0, "share",
     "share of sales paid to the owner's government"},
    {"firm_weight", I(KC, firm_weight), 1.0, 0.0, 1.0, "weight",
     "owner's weight on the firm's profit"},
    {"domestic_capability", I(KC, domestic_capability), 0.0, 0.0, 1.0, "capability",
     "other side's best domestic chip on the scale of v (0: none); access below it costs no "
     "security"},
    {"strategic_value_bn", I(KC, strategic_value_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "owner's security cost of full access to a current-generation chip"},
    {"generation_years", I(KC, generation_years), 2.0, 0.01, 100.0, "years",
     "years for the chip to fall one generation down the stack"},
    {"generation_decay", I(KC, generation_decay), 0.5, 0.0, 1.0, "share",
     "relative capability after one generation: v(t) = decay^(years/generation_years)"},
    {"market_share", I(KC, market_share), 1.0, 0.0, 1.0, "share",
     "initial share m of the other side's market reachable by the owner's firms"},
    {"erosion", I(KC, erosion), 0.0, 0.0, INFINITY, "1/year",
     "annual rate at which denial erodes the market share (erosion r m)"},
    {"recovery", I(KC, recovery), 0.0, 0.0, INFINITY, "1/year",
     "annual rate of market recovery (recovery (1-r)(1-m))"},
    {"access_value_bn", I(KC, access_value_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "other side's annual value of full access"},
    {"demand_elasticity", I(KC, demand_elasticity), 1.5, 0.0, 100.0, "",
     "other side's demand elasticity for the licensed chip: q = q0 p^-demand_elasticity"},
    {"pass_through", I(KC, pass_through), 0.5, 0.0, 1.0, "share",
     "share of the revenue share passed on to the buyer: net price 1 - (1-pass_through) rs"},

    {"exports_bn", I(KE, exports_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "owner's export revenue of the controlled goods at q = 0"},
    {"disruption_bn", I(KE, disruption_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "other side's annual loss at q = 1 with full dependence"},
    {"convexity", I(KE, convexity), 1.0, 1.0, 10.0, "",
     "exponent gamma of the disruption loss (q D)^gamma"},
    {"dependence", I(KE, dependence), 1.0, 0.0, 1.0, "share",
     "initial dependence D of the other side on the owner's supply"},
    {"diversification", I(KE, diversification), 0.0, 0.0, INFINITY, "1/year",
     "annual rate at which withholding drives diversification"},
    {"drift", I(KE, drift), 0.0, 0.0, INFINITY, "1/year",
     "annual rate at which dependence falls regardless of q"},
    {"reputation_bn", I(KE, reputation_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "owner's annual cost of withholding at q = 1 (buyers diversify away)"},

    {"cost_bn", I(KP, cost_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "owner's annual cost of full enforcement (e = 1)"},
    {"benefit_bn", I(KP, benefit_bn), 0.0, 0.0, INFINITY, "bn USD/year",
     "other side's annual benefit of full enforcement"},
    {"verification_noise", I(KP, verification_noise), 0.0, 0.0, INFINITY, "lever units",
     "standard deviation of the other side's observation of e"},

    {NULL, TS_TARGET_ACTOR, 0, 0, 0.0, 0.0, 0.0, NULL, NULL},
};

const ts_param_info *ts_param_table(void)
{
    return param_table;
}

const ts_param_info *ts_param_find(ts_target target, ts_issue_kind kind, const char *key)
{
    if (!key)
        return NULL;
    for (const ts_param_info *p = param_table; p->key; p++) {
        if (p->target != target || strcmp(p->key, key) != 0)
            continue;
        if (target == TS_TARGET_ACTOR || (p->kinds & K(kind)))
            return p;
    }
    return NULL;
}

double ts_tariff_supply_elasticity(double eps, double theta)
{
    return theta > 0.0 ? eps * (1.0 - theta) / theta : INFINITY;
}

double ts_tariff_incidence(double eps, double eps_star, double fallback)
{
    /* eps* = INFINITY gives 0 (eps finite); eps = eps* = 0 is undefined. */
    return eps + eps_star > 0.0 ? eps / (eps + eps_star) : fallback;
}

static const char *const issue_kind_names[TS_ISSUE_KIND_COUNT] = {
    "tariff", "chip_licence", "export_control", "pledge", "custom"};

static const char *const strategy_kind_names[TS_STRAT_COUNT] = {
    "hold",       "scripted",       "tit_for_tat",   "grim_trigger", "always_escalate",
    "always_concede", "richardson", "best_response", "time_dependent", "reciprocity"};

const char *ts_issue_kind_name(ts_issue_kind kind)
{
    return (unsigned)kind < TS_ISSUE_KIND_COUNT ? issue_kind_names[kind] : "?";
}

const char *ts_strategy_kind_name(ts_strategy_kind kind)
{
    return (unsigned)kind < TS_STRAT_COUNT ? strategy_kind_names[kind] : "?";
}

int ts_scenario_actor_index(const ts_scenario *sc, const char *id)
{
    for (int i = 0; i < 2; i++)
        if (strcmp(sc->actors[i].id, id) == 0)
            return i;
    return -1;
}

int ts_scenario_issue_index(const ts_scenario *sc, const char *id)
{
    for (int i = 0; i < sc->n_issues; i++)
        if (strcmp(sc->issues[i].id, id) == 0)
            return i;
    return -1;
}

/* ---- messages ---------------------------------------------------------- */

typedef struct {
    const char *path;     /* shown in messages */
    ts_error *err;
    ts_scenario *sc;
    config_t *cfg;
    /* Per chip issue, the largest revenue_share and smallest margin that param
     * events loaded so far set (NAN: none), so that every pair is checked. */
    double ev_share_max[TS_MAX_ISSUES], ev_margin_min[TS_MAX_ISSUES];
} loader;

static const char *ld_type_name(const config_setting_t *s)
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

#if defined(__GNUC__)
#define TS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TS_PRINTF(a, b)
#endif

static ts_status ld_fail(loader *L, const config_setting_t *s, const char *fmt, ...) TS_PRINTF(3, 4);
static ts_status ld_fail(loader *L, const config_setting_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_status st = failv(L, s, NULL, fmt, ap);
    va_end(ap);
    return st;
}

/* For a key missing from group s. */
static ts_status ld_fail_key(loader *L, const config_setting_t *s, const char *key,
                             const char *fmt, ...) TS_PRINTF(4, 5);
static ts_status ld_fail_key(loader *L, const config_setting_t *s, const char *key,
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

/* Collects candidate names and picks the nearest within distance 2. */
typedef struct {
    const char *word;
    const char *best;
    int dist;
} ld_suggester;

static void ld_suggest_add(ld_suggester *g, const char *cand)
{
    int dist = edit_distance(g->word, cand);
    if (dist <= 2 && dist < g->dist) {
        g->dist = dist;
        g->best = cand;
    }
}

static void ld_suggest_text(const ld_suggester *g, char *buf, size_t n)
{
    if (g->best)
        snprintf(buf, n, " (did you mean '%s'?)", g->best);
    else
        buf[0] = '\0';
}

static void ld_fmt_num(double v, char *buf, size_t n)
{
    snprintf(buf, n, "%.15g", v);
}

static void range_text(double lo, double hi, char *buf, size_t n)
{
    char a[40], b[40];
    ld_fmt_num(lo, a, sizeof a);
    ld_fmt_num(hi, b, sizeof b);
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
static ts_status ld_num_value(loader *L, const config_setting_t *s, double lo, double hi,
                              const char *what, double *out)
{
    char rt[128];
    if (what)
        snprintf(rt, sizeof rt, "%s", what);
    else
        range_text(lo, hi, rt, sizeof rt);
    if (!is_number(s))
        return ld_fail(L, s, "expected %s, got %s", rt, ld_type_name(s));
    double v = number_of(s);
    if (!isfinite(v))
        return ld_fail(L, s, "expected %s, got a non-finite number", rt);
    if (fabs(v) > TS_NUM_LIMIT) {
        char got[40];
        ld_fmt_num(v, got, sizeof got);
        return ld_fail(L, s, "expected %s of magnitude at most 1e9 (larger ones overflow the "
                       "model's payoff sums), got %s", rt, got);
    }
    if (v < lo || v > hi) {
        char got[40];
        ld_fmt_num(v, got, sizeof got);
        return ld_fail(L, s, "expected %s, got %s", rt, got);
    }
    *out = v;
    return TS_OK;
}

static ts_status ld_get_num(loader *L, const config_setting_t *g, const char *key, double def,
                            double lo, double hi, double *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        *out = def;
        return TS_OK;
    }
    return ld_num_value(L, s, lo, hi, NULL, out);
}

static ts_status ld_int_value(loader *L, const config_setting_t *s, long long lo, long long hi,
                              long long *out)
{
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_FLOAT) {
        char got[40];
        ld_fmt_num(config_setting_get_float(s), got, sizeof got);
        return ld_fail(L, s, "expected an integer in [%lld, %lld], got %s", lo, hi, got);
    }
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return ld_fail(L, s, "expected an integer in [%lld, %lld], got %s", lo, hi, ld_type_name(s));
    long long v = t == CONFIG_TYPE_INT ? config_setting_get_int(s) : config_setting_get_int64(s);
    if (v < lo || v > hi)
        return ld_fail(L, s, "expected an integer in [%lld, %lld], got %lld", lo, hi, v);
    *out = v;
    return TS_OK;
}

static ts_status ld_get_int(loader *L, const config_setting_t *g, const char *key, int def, int lo,
                            int hi, int *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        *out = def;
        return TS_OK;
    }
    long long v = 0;   /* set on success; -O3 cannot see that */
    ts_status st = ld_int_value(L, s, lo, hi, &v);
    if (st == TS_OK)
        *out = (int)v;
    return st;
}

static ts_status ld_get_bool(loader *L, const config_setting_t *g, const char *key, bool def,
                             bool *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        *out = def;
        return TS_OK;
    }
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return ld_fail(L, s, "expected true or false, got %s", ld_type_name(s));
    *out = config_setting_get_bool(s) != 0;
    return TS_OK;
}

static ts_status ld_string_value(loader *L, const config_setting_t *s, size_t cap, char *out)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return ld_fail(L, s, "expected a string, got %s", ld_type_name(s));
    const char *v = config_setting_get_string(s);
    if (strlen(v) >= cap)
        return ld_fail(L, s, "expected a string of at most %zu bytes, got %zu", cap - 1, strlen(v));
    memcpy(out, v, strlen(v) + 1);
    return TS_OK;
}

static ts_status ld_get_string(loader *L, const config_setting_t *g, const char *key,
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
    return ld_string_value(L, s, cap, out);
}

/* One of names[0..n-1]; *out keeps def when the key is absent. */
static ts_status ld_get_enum(loader *L, const config_setting_t *g, const char *key,
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
        return ld_fail(L, s, "expected one of %s, got %s", list, ld_type_name(s));
    const char *v = config_setting_get_string(s);
    ld_suggester g2 = {v, NULL, 99};
    for (int i = 0; i < n; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return TS_OK;
        }
        ld_suggest_add(&g2, names[i]);
    }
    char dym[96];
    ld_suggest_text(&g2, dym, sizeof dym);
    return ld_fail(L, s, "expected one of %s, got '%s'%s", list, v, dym);
}

/* Ids are also setting names in the resolved scenario (reservation, set,
 * payoff groups), and libconfig's names start with a letter. */
static bool ld_valid_id(const char *s)
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
static ts_status ld_check_keys(loader *L, const config_setting_t *g, const char *const *keys,
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
                return ld_fail(L, m, "%s", elsewhere);
        ld_suggester sg = {name, NULL, 99};
        for (const char *const *k = keys; *k; k++)
            ld_suggest_add(&sg, *k);
        char dym[96];
        ld_suggest_text(&sg, dym, sizeof dym);
        return ld_fail(L, m, "unknown setting%s", dym);
    }
    return TS_OK;
}

static ts_status ld_need_group(loader *L, const config_setting_t *s)
{
    if (config_setting_type(s) != CONFIG_TYPE_GROUP)
        return ld_fail(L, s, "expected a group { ... }, got %s", ld_type_name(s));
    return TS_OK;
}

static ts_status ld_need_list(loader *L, const config_setting_t *s, const char *of)
{
    if (config_setting_type(s) != CONFIG_TYPE_LIST)
        return ld_fail(L, s, "expected a list ( %s ), got %s", of, ld_type_name(s));
    return TS_OK;
}

/* Looks an issue or actor id up, with a suggestion on failure. */
static int ld_issue_ref(loader *L, const config_setting_t *s, const char *id, ts_status *st)
{
    int k = ts_scenario_issue_index(L->sc, id);
    if (k >= 0)
        return k;
    ld_suggester sg = {id, NULL, 99};
    for (int i = 0; i < L->sc->n_issues; i++)
        ld_suggest_add(&sg, L->sc->issues[i].id);
    char dym[96];
    ld_suggest_text(&sg, dym, sizeof dym);
    *st = ld_fail(L, s, "unknown issue '%s'%s", id, dym);
    return -1;
}

static int ld_actor_ref(loader *L, const config_setting_t *s, const char *id, ts_status *st)
{
    int k = ts_scenario_actor_index(L->sc, id);
    if (k >= 0)
        return k;
    *st = ld_fail(L, s, "unknown actor '%s' (expected '%s' or '%s')", id, L->sc->actors[0].id,
                  L->sc->actors[1].id);
    return -1;
}

#define TRY(x)                                                                                    \
    do {                                                                                          \
        ts_status st_ = (x);                                                                      \
        if (st_ != TS_OK)                                                                         \
            return st_;                                                                           \
    } while (0)

/* ---- sections ----------------------------------------------------------- */

static const char *const step_names[] = {"day", "week", "month", "abstract"};

static double ld_step_days(ts_step_unit u)
{
    /* Mean Gregorian month: 365.2425 / 12 days. */
    return u == TS_STEP_DAY ? 1.0 : u == TS_STEP_WEEK ? 7.0 : u == TS_STEP_MONTH ? 30.436875 : 1.0;
}

static ts_status ld_date_value(loader *L, const config_setting_t *s, int32_t *day)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return ld_fail(L, s, "expected a date \"YYYY-MM-DD\", got %s", ld_type_name(s));
    const char *v = config_setting_get_string(s);
    if (!ts_date_parse(v, day))
        return ld_fail(L, s, "expected a date \"YYYY-MM-DD\", got '%s' (not a real date)", v);
    return TS_OK;
}

static ts_status load_calendar(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"start", "end", "step", "steps", NULL};
    ts_calendar *cal = &L->sc->calendar;
    const config_setting_t *g = config_setting_get_member(root, "calendar");
    if (!g)
        return ld_fail_key(L, root, "calendar",
                           "missing: expected { start = \"YYYY-MM-DD\"; end = \"YYYY-MM-DD\"; "
                           "step = \"week\"; } or { step = \"abstract\"; steps = N; }");
    TRY(ld_need_group(L, g));
    TRY(ld_check_keys(L, g, keys, NULL, NULL));
    const config_setting_t *s_start = config_setting_get_member(g, "start");
    const config_setting_t *s_end = config_setting_get_member(g, "end");
    const config_setting_t *s_steps = config_setting_get_member(g, "steps");
    int unit = s_start ? TS_STEP_WEEK : TS_STEP_ABSTRACT;
    TRY(ld_get_enum(L, g, "step", step_names, 4, &unit));
    cal->unit = (ts_step_unit)unit;
    cal->step_years = unit == TS_STEP_DAY     ? 1.0 / 365.25
                      : unit == TS_STEP_WEEK  ? 7.0 / 365.25
                      : unit == TS_STEP_MONTH ? 1.0 / 12.0
                                              : 1.0;
    int steps = 0;
    if (s_steps)
        TRY(ld_get_int(L, g, "steps", 0, 1, TS_MAX_STEPS, &steps));
    if (unit == TS_STEP_ABSTRACT) {
        if (s_start)
            return ld_fail(L, s_start, "not used by an abstract calendar (give steps only)");
        if (s_end)
            return ld_fail(L, s_end, "not used by an abstract calendar (give steps only)");
        if (!s_steps)
            return ld_fail_key(L, g, "steps", "missing: an abstract calendar needs steps = N");
        cal->steps = steps;
        cal->start_day = cal->end_day = 0;
        return TS_OK;
    }
    if (!s_start)
        return ld_fail_key(L, g, "start", "missing: a dated calendar needs start = \"YYYY-MM-DD\"");
    TRY(ld_date_value(L, s_start, &cal->start_day));
    if (!s_end && !s_steps)
        return ld_fail_key(L, g, "end", "missing: give end = \"YYYY-MM-DD\" or steps = N");
    /* Last representable step: dates stay within year 9999. */
    int32_t last_day;
    ts_date_parse("9999-12-31", &last_day);
    if (s_end) {
        char a[11];
        TRY(ld_date_value(L, s_end, &cal->end_day));
        if (cal->end_day < cal->start_day) {
            ts_date_format(cal->start_day, a);
            return ld_fail(L, s_end, "expected a date on or after start (%s), got '%s'", a,
                           config_setting_get_string(s_end));
        }
        /* Count the steps whose date is on or before end: a search over
         * step indices, since month lengths vary. */
        ts_calendar probe = *cal;
        long lo = 1, hi = (long)(cal->end_day - cal->start_day) + 1;
        probe.steps = TS_MAX_STEPS + 1;
        if (ts_calendar_step_day(&probe, TS_MAX_STEPS) <= cal->end_day)
            return ld_fail(L, s_end, "the calendar would have more than %d steps", TS_MAX_STEPS);
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
            return ld_fail(L, s_steps, "expected %ld (the steps from start to end), got %d", lo,
                           steps);
        cal->steps = (int)lo;
    } else {
        cal->steps = steps;
        if (ts_calendar_step_day(cal, steps) - 1 > last_day)
            return ld_fail(L, s_steps, "the last step falls after year 9999");
        cal->end_day = ts_calendar_step_day(cal, steps) - 1;
    }
    if (cal->end_day > last_day)
        return ld_fail(L, s_end, "expected a date before year 10000");
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
    TRY(ld_need_group(L, g));
    TRY(ld_check_keys(L, g, keys, NULL, NULL));
    TRY(ld_get_int(L, g, "replicates", 100, 1, TS_MAX_REPLICATES, &sc->replicates));
    const config_setting_t *s = config_setting_get_member(g, "seed");
    if (s) {
        /* Seeds beyond the int64 range may be written as decimal strings. */
        int t = config_setting_type(s);
        const char *expect = "expected an integer in [0, 18446744073709551615]";
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
            long long v = t == CONFIG_TYPE_INT ? config_setting_get_int(s)
                                               : config_setting_get_int64(s);
            if (v < 0)
                return ld_fail(L, s, "%s, got %lld", expect, v);
            sc->seed = (uint64_t)v;
        } else if (t == CONFIG_TYPE_STRING) {
            const char *v = config_setting_get_string(s);
            char *end;
            errno = 0;
            unsigned long long u = strtoull(v, &end, 10);
            if (!*v || *end || errno || v[0] < '0' || v[0] > '9')
                return ld_fail(L, s, "%s, got '%s'", expect, v);
            sc->seed = (uint64_t)u;
        } else {
            return ld_fail(L, s, "%s, got %s", expect, ld_type_name(s));
        }
    }
    s = config_setting_get_member(g, "rng");
    if (s) {
        TRY(ld_string_value(L, s, sizeof sc->rng, sc->rng));
        ld_suggester sg = {sc->rng, NULL, 99};
        bool found = false;
        for (const gsl_rng_type **t = gsl_rng_types_setup(); *t && !found; t++) {
            found = strcmp((*t)->name, sc->rng) == 0;
            ld_suggest_add(&sg, (*t)->name);
        }
        if (!found) {
            char dym[96];
            ld_suggest_text(&sg, dym, sizeof dym);
            return ld_fail(L, s, "expected a GSL generator name (e.g. 'taus2', 'mt19937'), got "
                           "'%s'%s", sc->rng, dym);
        }
    }
    return TS_OK;
}

static ts_status load_output(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"trajectories", "precision", NULL};
    ts_scenario *sc = L->sc;
    sc->trajectories = 10;
    sc->precision = 6;
    const config_setting_t *g = config_setting_get_member(root, "output");
    if (!g)
        return TS_OK;
    TRY(ld_need_group(L, g));
    TRY(ld_check_keys(L, g, keys, NULL, NULL));
    TRY(ld_get_int(L, g, "trajectories", 10, -1, TS_MAX_REPLICATES, &sc->trajectories));
    TRY(ld_get_int(L, g, "precision", 6, 1, 17, &sc->precision));
    return TS_OK;
}

/* Ids of actors and issues share one namespace (param events name both). */
static ts_status load_id(loader *L, const config_setting_t *g, char out[TS_ID_MAX])
{
    const config_setting_t *s = config_setting_get_member(g, "id");
    if (!s)
        return ld_fail_key(L, g, "id", "missing: every actor and issue needs an id");
    TRY(ld_string_value(L, s, TS_ID_MAX, out));
    if (!ld_valid_id(out))
        return ld_fail(L, s, "expected an id of letters, digits and '_' starting with a "
                       "letter, got '%s'", out);
    for (int i = 0; i < 2; i++)
        if (L->sc->actors[i].id[0] && &L->sc->actors[i].id[0] != out &&
            strcmp(L->sc->actors[i].id, out) == 0)
            return ld_fail(L, s, "duplicate id '%s' (already an actor)", out);
    for (int i = 0; i < L->sc->n_issues; i++)
        if (&L->sc->issues[i].id[0] != out && strcmp(L->sc->issues[i].id, out) == 0)
            return ld_fail(L, s, "duplicate id '%s' (already an issue)", out);
    return TS_OK;
}

#define SK(k) (1u << (k))
static const ts_strategy_param strategy_params[] = {
    {"threshold", SK(TS_STRAT_GRIM_TRIGGER), offsetof(ts_strategy, threshold), 0.0, 0.0, 1.0},
    {"reactivity", SK(TS_STRAT_RICHARDSON), offsetof(ts_strategy, reactivity), 0.5, 0.0, 10.0},
    {"fatigue", SK(TS_STRAT_RICHARDSON), offsetof(ts_strategy, fatigue), 0.5, 0.0, 10.0},
    {"grievance", SK(TS_STRAT_RICHARDSON), offsetof(ts_strategy, grievance), 0.0, -1.0, 1.0},
    {"speed", SK(TS_STRAT_BEST_RESPONSE), offsetof(ts_strategy, speed), 1.0, 0.001, 1.0},
    {"k", SK(TS_STRAT_TIME_DEPENDENT), offsetof(ts_strategy, k), 0.0, 0.0, 1.0},
    {"beta", SK(TS_STRAT_TIME_DEPENDENT), offsetof(ts_strategy, beta), 1.0, 0.01, 100.0},
    {NULL, 0, 0, 0.0, 0.0, 0.0},
};

const ts_strategy_param *ts_strategy_param_table(void)
{
    return strategy_params;
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

static ts_status load_strategy(loader *L, const config_setting_t *actor, int a)
{
    ts_scenario *sc = L->sc;
    ts_strategy *st = &sc->actors[a].strategy;
    st->kind = TS_STRAT_HOLD;
    for (const ts_strategy_param *p = strategy_params; p->key; p++)
        *strategy_field(st, p->offset) = p->def;
    st->deadline = sc->calendar.steps > 1 ? sc->calendar.steps - 1 : 1;
    for (int i = 0; i < sc->n_issues; i++)
        st->reservation[i] = least_pressure(&sc->issues[i]);
    const config_setting_t *g = config_setting_get_member(actor, "strategy");
    if (!g)
        return TS_OK;
    TRY(ld_need_group(L, g));
    int kind = TS_STRAT_HOLD;
    TRY(ld_get_enum(L, g, "kind", strategy_kind_names, TS_STRAT_COUNT, &kind));
    st->kind = (ts_strategy_kind)kind;
    /* Keys of this kind; keys of other kinds are reported as misplaced. */
    const char *keys[16];
    int nk = 0;
    keys[nk++] = "kind";
    for (const ts_strategy_param *p = strategy_params; p->key; p++)
        if (p->kinds & SK(kind))
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
            for (const ts_strategy_param *p = strategy_params; p->key; p++)
                if (!strcmp(p->key, name))
                    for (int k = 0; k < TS_STRAT_COUNT; k++)
                        if (p->kinds & SK(k))
                            snprintf(owners, sizeof owners, "%s", strategy_kind_names[k]);
            return ld_fail(L, m, "not a parameter of strategy '%s' (only of '%s')",
                           strategy_kind_names[kind], owners);
        }
        TRY(ld_check_keys(L, g, keys, NULL, NULL));
    }
    for (const ts_strategy_param *p = strategy_params; p->key; p++)
        if (p->kinds & SK(kind))
            TRY(ld_get_num(L, g, p->key, p->def, p->lo, p->hi, strategy_field(st, p->offset)));
    const config_setting_t *s = config_setting_get_member(g, "deadline");
    if (s) {
        if (config_setting_type(s) == CONFIG_TYPE_STRING) {
            int32_t day;
            if (sc->calendar.unit == TS_STEP_ABSTRACT)
                return ld_fail(L, s, "expected a step number (the calendar is abstract), got a "
                               "string");
            TRY(ld_date_value(L, s, &day));
            int step = ts_calendar_step_of_day(&sc->calendar, day);
            if (day < sc->calendar.start_day || step < 1)
                return ld_fail(L, s, "expected a date after the first step and within the "
                               "calendar, got '%s'", config_setting_get_string(s));
            st->deadline = step;
        } else {
            long long v;
            TRY(ld_int_value(L, s, 1, sc->calendar.steps > 1 ? sc->calendar.steps - 1 : 1, &v));
            st->deadline = (int)v;
        }
    }
    s = config_setting_get_member(g, "reservation");
    if (s) {
        TRY(ld_need_group(L, s));
        int nr = config_setting_length(s);
        for (int i = 0; i < nr; i++) {
            const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
            ts_status bad = TS_OK;
            int k = ld_issue_ref(L, m, config_setting_name(m), &bad);
            if (k < 0)
                return bad;
            const ts_issue *is = &sc->issues[k];
            if (is->owner != a)
                return ld_fail(L, m, "'%s' is a lever of '%s'; a reservation is for own levers",
                               is->id, sc->actors[is->owner].id);
            char what[256], lo[40], hi[40];
            ld_fmt_num(is->min, lo, sizeof lo);
            ld_fmt_num(is->max, hi, sizeof hi);
            snprintf(what, sizeof what, "a number in [min, max] of '%s' ([%s, %s])", is->id, lo,
                     hi);
            TRY(ld_num_value(L, m, is->min, is->max, what, &st->reservation[k]));
        }
    }
    return TS_OK;
}

static ts_status load_actor(loader *L, const config_setting_t *g, int a)
{
    const char *akeys[16];
    int nk = 0;
    akeys[nk++] = "id";
    akeys[nk++] = "name";
    akeys[nk++] = "strategy";
    for (const ts_param_info *p = param_table; p->key; p++)
        if (p->target == TS_TARGET_ACTOR)
            akeys[nk++] = p->key;
    akeys[nk] = NULL;
    ts_actor *ac = &L->sc->actors[a];
    TRY(ld_check_keys(L, g, akeys, NULL, NULL));
    TRY(ld_get_string(L, g, "name", ac->id, TS_NAME_MAX, ac->name));
    for (const ts_param_info *p = param_table; p->key; p++)
        if (p->target == TS_TARGET_ACTOR)
            TRY(ld_get_num(L, g, p->key, p->def, p->lo, p->hi,
                           (double *)(void *)((char *)ac + p->offset)));
    return load_strategy(L, g, a);
}

static double *issue_field(ts_issue *is, size_t offset)
{
    return (double *)(void *)((char *)is + offset);
}

static ts_status load_payoff(loader *L, const config_setting_t *g, ts_issue *is)
{
    static const char *const coef_keys[] = {"constant", "linear", "quadratic", NULL};
    const config_setting_t *p = config_setting_get_member(g, "payoff");
    if (!p)
        return TS_OK;
    TRY(ld_need_group(L, p));
    int n = config_setting_length(p);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(p, (unsigned)i);
        ts_status bad = TS_OK;
        int a = ld_actor_ref(L, m, config_setting_name(m), &bad);
        if (a < 0)
            return bad;
        TRY(ld_need_group(L, m));
        TRY(ld_check_keys(L, m, coef_keys, NULL, NULL));
        for (int c = 0; c < 3; c++)
            TRY(ld_get_num(L, m, coef_keys[c], 0.0, -INFINITY, INFINITY, &is->payoff[a][c]));
    }
    return TS_OK;
}

/* Chip licences and export controls are shares in [0, 1] (the market and
 * dependence dynamics leave it otherwise: exp of a positive rate overflows);
 * a tariff is a rate >= 0 ((1 + tau)^-elasticity is infinite at tau = -1). */
static bool is_share_lever(ts_issue_kind kind)
{
    return kind == TS_ISSUE_CHIP_LICENCE || kind == TS_ISSUE_EXPORT_CONTROL;
}

static ts_status check_kind_min(loader *L, const config_setting_t *s, const ts_issue *is)
{
    if (!s)
        return TS_OK;
    char got[40];
    ld_fmt_num(is->min, got, sizeof got);
    if (is_share_lever(is->kind) && (is->min < 0.0 || is->min >= 1.0))
        return ld_fail(L, s, "expected a number in [0, 1) (%s levers are shares), got %s",
                       issue_kind_names[is->kind], got);
    if (is->kind == TS_ISSUE_TARIFF && is->min < 0.0)
        return ld_fail(L, s, "expected a number >= 0 (a tariff rate; the import demand "
                       "(1 + tau)^-elasticity is infinite at tau = -1), got %s", got);
    return TS_OK;
}

/* A tariff's incidence from tot_share or supply_elasticity (one of them, not
 * both), both stored; eps* is rederived from theta so that the written file,
 * which states theta, reloads to the same bits. The short-run elasticity
 * defaults to the long-run one and differs from it only with a half-life. */
static ts_status finish_tariff(loader *L, const config_setting_t *g, ts_issue *is)
{
    const config_setting_t *th = config_setting_get_member(g, "tot_share");
    const config_setting_t *es = config_setting_get_member(g, "supply_elasticity");
    if (th && es)
        return ld_fail(L, es, "give tot_share or supply_elasticity, not both "
                       "(tot_share = elasticity / (elasticity + supply_elasticity))");
    if (es) {
        if (is->elasticity + is->supply_elasticity <= 0.0)
            return ld_fail(L, es, "expected a number > 0 when elasticity is 0 (the share borne "
                           "by exporters is undefined; give tot_share), got 0");
        is->tot_share = ts_tariff_incidence(is->elasticity, is->supply_elasticity, 0.0);
    }
    is->supply_elasticity = ts_tariff_supply_elasticity(is->elasticity, is->tot_share);
    const config_setting_t *sr = config_setting_get_member(g, "elasticity_short_run");
    if (!sr)
        is->elasticity_short_run = is->elasticity;
    else if (is->elasticity_short_run != is->elasticity && !(is->elasticity_half_life > 0.0))
        return ld_fail(L, sr, "differs from elasticity (%.15g) but elasticity_half_life is 0: "
                       "give the half-life of the path to the long run", is->elasticity);
    return TS_OK;
}

/* A revenue share at or above the margin only with sell_at_loss; and never
 * the whole of sales (the buyer's price would be infinite). s names the
 * setting in messages (the issue's own key, or an event's). */
static ts_status ld_check_share_value(loader *L, const config_setting_t *s, const ts_issue *is,
                                      double share, double margin)
{
    if (is->sell_at_loss) {
        if (share >= 1.0)
            return ld_fail(L, s, "a revenue_share of 1 leaves the seller nothing: expected a "
                           "number below 1");
        return TS_OK;
    }
    if (share > 0.0 && share >= margin)
        return ld_fail(L, s, "revenue_share %.15g is at or above the margin %.15g: the government "
                       "would take the seller's whole margin (set sell_at_loss = true to allow "
                       "it)", share, margin);
    return TS_OK;
}

static ts_status check_share(loader *L, const config_setting_t *g, const ts_issue *is,
                             const char *key, double share, double margin)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        s = config_setting_get_member(g, "margin");
    return ld_check_share_value(L, s ? s : g, is, share, margin);
}

/* Second pass over an issue: everything but the id. */
static ts_status load_issue(loader *L, const config_setting_t *g, int k)
{
    ts_scenario *sc = L->sc;
    ts_issue *is = &sc->issues[k];
    const config_setting_t *s = config_setting_get_member(g, "kind");
    if (!s)
        return ld_fail_key(L, g, "kind", "missing: expected one of 'tariff', 'chip_licence', "
                           "'export_control', 'pledge', 'custom'");
    int kind = 0;
    TRY(ld_get_enum(L, g, "kind", issue_kind_names, TS_ISSUE_KIND_COUNT, &kind));
    is->kind = (ts_issue_kind)kind;
    s = config_setting_get_member(g, "owner");
    if (!s)
        return ld_fail_key(L, g, "owner", "missing: expected the id of the actor that sets it");
    char owner[TS_ID_MAX];
    TRY(ld_string_value(L, s, sizeof owner, owner));
    ts_status bad = TS_OK;
    is->owner = ld_actor_ref(L, s, owner, &bad);
    if (is->owner < 0)
        return bad;

    const char *keys[64], *others[64];
    int nk = 0, no = 0;
    keys[nk++] = "id";
    keys[nk++] = "kind";
    keys[nk++] = "owner";
    if (kind == TS_ISSUE_CUSTOM)
        keys[nk++] = "payoff";
    else
        others[no++] = "payoff";
    if (kind == TS_ISSUE_CHIP_LICENCE)
        keys[nk++] = "sell_at_loss";
    else
        others[no++] = "sell_at_loss";
    for (const ts_param_info *p = param_table; p->key; p++) {
        if (p->target != TS_TARGET_ISSUE)
            continue;
        if (p->kinds & K(kind))
            keys[nk++] = p->key;
        else
            others[no++] = p->key;
    }
    keys[nk] = others[no] = NULL;
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(m);
        for (int j = 0; j < no; j++)
            if (!strcmp(others[j], name)) {
                const char *belongs = !strcmp(name, "sell_at_loss") ? "chip_licence" : "custom";
                for (const ts_param_info *p = param_table; p->key; p++)
                    if (p->target == TS_TARGET_ISSUE && !strcmp(p->key, name))
                        for (int q = 0; q < TS_ISSUE_KIND_COUNT; q++)
                            if (p->kinds & K(q))
                                belongs = issue_kind_names[q];
                return ld_fail(L, m, "not a parameter of a %s issue (only of %s)",
                               issue_kind_names[kind], belongs);
            }
    }
    TRY(ld_check_keys(L, g, keys, NULL, NULL));

    for (const ts_param_info *p = param_table; p->key; p++) {
        if (p->target != TS_TARGET_ISSUE || !(p->kinds & K(kind)))
            continue;
        double *f = issue_field(is, p->offset);
        const char *key = p->key;
        s = config_setting_get_member(g, key);
        char what[256], lo[40], hi[40];
        if (!strcmp(key, "min")) {
            TRY(ld_get_num(L, g, key, p->def, p->lo, p->hi, f));
            TRY(check_kind_min(L, s, is));
        } else if (!strcmp(key, "max")) {
            ld_fmt_num(is->min, lo, sizeof lo);
            snprintf(what, sizeof what, "a number > min (%s)", lo);
            *f = is->min >= p->def ? is->min + 1.0 : p->def;
            if (s) {
                TRY(ld_num_value(L, s, -INFINITY, INFINITY, what, f));
                if (*f <= is->min)
                    return ld_fail(L, s, "expected %s, got %.15g", what, *f);
                if (is_share_lever(is->kind) && *f > 1.0)
                    return ld_fail(L, s, "expected a number in (min, 1] (%s levers are shares), "
                                   "got %.15g",
                                   issue_kind_names[is->kind], *f);
            }
        } else if (!strcmp(key, "initial")) {
            ld_fmt_num(is->min, lo, sizeof lo);
            ld_fmt_num(is->max, hi, sizeof hi);
            snprintf(what, sizeof what, "a number in [min, max] ([%s, %s])", lo, hi);
            *f = is->min;
            if (s)
                TRY(ld_num_value(L, s, is->min, is->max, what, f));
        } else if (!strcmp(key, "max_step")) {
            *f = is->max - is->min;
            if (s)
                TRY(ld_num_value(L, s, p->lo, p->hi, NULL, f));
        } else {
            TRY(ld_get_num(L, g, key, p->def, p->lo, p->hi, f));
        }
    }
    if (kind == TS_ISSUE_CUSTOM)
        TRY(load_payoff(L, g, is));
    if (kind == TS_ISSUE_TARIFF)
        TRY(finish_tariff(L, g, is));
    if (kind == TS_ISSUE_CHIP_LICENCE) {
        TRY(ld_get_bool(L, g, "sell_at_loss", false, &is->sell_at_loss));
        TRY(check_share(L, g, is, "revenue_share", is->revenue_share, is->margin));
    }
    return TS_OK;
}

static ts_status load_interactions(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"actor", "issues", "coef", NULL};
    ts_scenario *sc = L->sc;
    const config_setting_t *l = config_setting_get_member(root, "interactions");
    if (!l)
        return TS_OK;
    TRY(ld_need_list(L, l, "{ actor = ...; issues = [\"a\", \"b\"]; coef = ...; }, ..."));
    int n = config_setting_length(l);
    sc->interactions = calloc((size_t)n + 1, sizeof *sc->interactions);
    if (!sc->interactions)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        ts_interaction *in = &sc->interactions[i];
        sc->n_interactions = i + 1;
        TRY(ld_need_group(L, g));
        TRY(ld_check_keys(L, g, keys, NULL, NULL));
        in->line = (int)config_setting_source_line(g);
        const config_setting_t *s = config_setting_get_member(g, "actor");
        if (!s)
            return ld_fail_key(L, g, "actor", "missing: expected the id of the actor paid");
        char id[TS_ID_MAX];
        TRY(ld_string_value(L, s, sizeof id, id));
        ts_status bad = TS_OK;
        if ((in->actor = ld_actor_ref(L, s, id, &bad)) < 0)
            return bad;
        s = config_setting_get_member(g, "issues");
        if (!s)
            return ld_fail_key(L, g, "issues", "missing: expected two issue ids [\"a\", \"b\"]");
        if (config_setting_type(s) != CONFIG_TYPE_ARRAY || config_setting_length(s) != 2)
            return ld_fail(L, s, "expected two issue ids [\"a\", \"b\"], got %s",
                           config_setting_type(s) == CONFIG_TYPE_ARRAY ? "another count"
                                                                       : ld_type_name(s));
        int *ix[2] = {&in->issue_a, &in->issue_b};
        for (int j = 0; j < 2; j++) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned)j);
            TRY(ld_string_value(L, e, sizeof id, id));
            if ((*ix[j] = ld_issue_ref(L, e, id, &bad)) < 0)
                return bad;
        }
        TRY(ld_get_num(L, g, "coef", 0.0, -INFINITY, INFINITY, &in->coef));
    }
    return TS_OK;
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
        return ld_fail(L, g, "missing when: give one of %s", choices);
    if (given > 1)
        return ld_fail(L, sd && ss ? ss : sp, "give only one of %s", choices);
    *day = INT32_MIN;
    *prob = 0.0;
    if (sp) {
        *step = -1;
        return ld_num_value(L, sp, 0.0, 1.0, "a probability in [0, 1]", prob);
    }
    if (ss) {
        long long v;
        TRY(ld_int_value(L, ss, 0, cal->steps - 1, &v));
        *step = (int)v;
        return TS_OK;
    }
    if (cal->unit == TS_STEP_ABSTRACT)
        return ld_fail(L, sd, "the calendar is abstract: give step = N instead of a date");
    TRY(ld_date_value(L, sd, day));
    char a[11], b[11];
    int t = ts_calendar_step_of_day(cal, *day);
    if (*day < cal->start_day || t < 0) {
        ts_date_format(cal->start_day, a);
        ts_date_format(ts_calendar_step_day(cal, cal->steps - 1), b);
        return ld_fail(L, sd, "expected a date within the calendar's steps (%s to %s), got '%s'",
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
        return ld_fail(L, s, "expected a non-empty array of issue ids [\"a\", ...], got %s",
                       config_setting_type(s) == CONFIG_TYPE_ARRAY ? "an empty one"
                                                                   : ld_type_name(s));
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        char id[TS_ID_MAX];
        TRY(ld_string_value(L, e, sizeof id, id));
        ts_status bad = TS_OK;
        int k = ld_issue_ref(L, e, id, &bad);
        if (k < 0)
            return bad;
        for (int j = 0; j < tk->n_agenda; j++)
            if (tk->agenda[j] == k)
                return ld_fail(L, e, "'%s' is already on the agenda", id);
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
    tk->duration_steps = abstract ? 13 : (int)ceil(90.0 / ld_step_days(sc->calendar.unit) - 1e-9);
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
    TRY(ld_get_string(L, g, "label", "", TS_NAME_MAX, tk->label));
    TRY(load_agenda(L, g, tk));
    int v = TS_PROTO_NASH;
    TRY(ld_get_enum(L, g, "protocol", protocol_names, 3, &v));
    tk->protocol = (ts_protocol)v;
    TRY(ld_get_num(L, g, "duration", abstract ? 13.0 : 90.0, 0.0, abstract ? TS_MAX_STEPS : 3.7e6,
                   &tk->duration));
    const config_setting_t *s = config_setting_get_member(g, "duration");
    if (s && tk->duration <= 0.0)
        return ld_fail(L, s, "expected a number > 0 (%s), got 0", abstract ? "steps" : "days");
    double steps = abstract ? tk->duration : tk->duration / ld_step_days(cal->unit);
    /* Guard against 90/7-style quotients landing a hair above an integer. */
    double c = ceil(steps - 1e-9);
    tk->duration_steps = c < 1.0 ? 1 : c > TS_MAX_STEPS ? TS_MAX_STEPS : (int)c;
    v = TS_EXPIRY_SNAPBACK;
    TRY(ld_get_enum(L, g, "on_expiry", expiry_names, 3, &v));
    tk->on_expiry = (ts_expiry)v;
    v = TS_BREACH_REACT;
    TRY(ld_get_enum(L, g, "on_breach", breach_names, 2, &v));
    tk->on_breach = (ts_on_breach)v;
    TRY(ld_get_num(L, g, "min_gain", 0.0, 0.0, INFINITY, &tk->min_gain));
    TRY(ld_get_int(L, g, "rounds", 10, 1, 1000, &tk->rounds));
    TRY(ld_get_int(L, g, "round_length", 1, 1, TS_MAX_STEPS, &tk->round_length));
    TRY(ld_get_int(L, g, "phase_in", 0, 0, TS_MAX_STEPS, &tk->phase_in));
    tk->opener = 0;
    s = config_setting_get_member(g, "opener");
    if (s) {
        char id[TS_ID_MAX];
        TRY(ld_string_value(L, s, sizeof id, id));
        ts_status bad = TS_OK;
        if ((tk->opener = ld_actor_ref(L, s, id, &bad)) < 0)
            return bad;
    }
    v = TS_WEIGHTS_POWER;
    TRY(ld_get_enum(L, g, "weights", weights_names, 2, &v));
    tk->weights = (ts_nash_weights)v;
    /* ln d_A + ln d_B = 0: patience weights are undefined */
    s = config_setting_get_member(g, "weights");
    if (tk->protocol == TS_PROTO_NASH && tk->weights == TS_WEIGHTS_PATIENCE &&
        L->sc->actors[0].discount == 0.0 && L->sc->actors[1].discount == 0.0)
        return ld_fail(L, s, "patience weights need a positive discount for at least one actor "
                       "(both are 0)");
    v = TS_DISAGREE_STATUS_QUO;
    TRY(ld_get_enum(L, g, "disagreement", disagreement_names, 2, &v));
    tk->disagreement = (ts_disagreement)v;
    tk->beta[0] = tk->beta[1] = 1.0;
    s = config_setting_get_member(g, "beta");
    if (s) {
        const char *what = "a number in [0.01, 100] or a list of two";
        int t = config_setting_type(s);
        if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
            if (config_setting_length(s) != 2)
                return ld_fail(L, s, "expected %s, got %d numbers", what, config_setting_length(s));
            for (int i = 0; i < 2; i++)
                TRY(ld_num_value(L, config_setting_get_elem(s, (unsigned)i), 0.01, 100.0, NULL,
                                 &tk->beta[i]));
        } else {
            TRY(ld_num_value(L, s, 0.01, 100.0, what, &tk->beta[0]));
            tk->beta[1] = tk->beta[0];
        }
    }
    return TS_OK;
}

static ts_status ld_load_talks(loader *L, const config_setting_t *root)
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
    TRY(ld_need_list(L, l, "{ date = ...; agenda = [...]; ... }, ..."));
    int n = config_setting_length(l);
    sc->talks = calloc((size_t)n + 1, sizeof *sc->talks);
    if (!sc->talks)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    int32_t prev_day = INT32_MIN;
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        ts_talk *tk = &sc->talks[i];
        sc->n_talks = i + 1;
        TRY(ld_need_group(L, g));
        TRY(ld_check_keys(L, g, keys, NULL, NULL));
        tk->line = (int)config_setting_source_line(g);
        int32_t day;
        double prob;
        TRY(load_when(L, g, false, &tk->step, &day, &prob));
        if (i > 0 && (tk->step < sc->talks[i - 1].step || (day != INT32_MIN && day < prev_day)))
            return ld_fail(L, g, "talks must be listed in date order (this one comes before the "
                           "previous one)");
        if (day != INT32_MIN)
            prev_day = day;
        TRY(load_talk_terms(L, g, tk));
    }
    return TS_OK;
}

static ts_status ld_load_hazard(loader *L, const config_setting_t *root)
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
    TRY(ld_need_group(L, g));
    TRY(ld_check_keys(L, g, keys, misplaced, "random talks have no date or step"));
    h->enabled = true;
    h->talk.line = (int)config_setting_source_line(g);
    TRY(ld_get_num(L, g, "base", 0.0, 0.0, INFINITY, &h->base));
    TRY(ld_get_num(L, g, "sensitivity", 0.0, 0.0, INFINITY, &h->sensitivity));
    return load_talk_terms(L, g, &h->talk);
}

static ts_status load_event_levels(loader *L, const config_setting_t *g, const char *key,
                                   bool add, ts_event *ev)
{
    ts_scenario *sc = L->sc;
    const config_setting_t *s = config_setting_get_member(g, key);
    if (!s)
        return TS_OK;
    TRY(ld_need_group(L, s));
    int n = config_setting_length(s);
    ts_event_set *grown = realloc(ev->sets, ((size_t)ev->n_sets + (size_t)n + 1) * sizeof *grown);
    if (!grown)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    ev->sets = grown;
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
        ts_status bad = TS_OK;
        int k = ld_issue_ref(L, m, config_setting_name(m), &bad);
        if (k < 0)
            return bad;
        const ts_issue *is = &sc->issues[k];
        ts_event_set *es = &ev->sets[ev->n_sets];
        es->issue = k;
        es->add = add;
        if (add) {
            TRY(ld_num_value(L, m, -INFINITY, INFINITY, NULL, &es->value));
        } else {
            char what[256], lo[40], hi[40];
            ld_fmt_num(is->min, lo, sizeof lo);
            ld_fmt_num(is->max, hi, sizeof hi);
            snprintf(what, sizeof what, "a level in [min, max] of '%s' ([%s, %s])", is->id, lo,
                     hi);
            TRY(ld_num_value(L, m, is->min, is->max, what, &es->value));
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
        TRY(ld_check_share_value(L, e, is, v, m));
        if (!(L->ev_share_max[k] >= v))
            L->ev_share_max[k] = v;
    } else if (offset == offsetof(ts_issue, margin)) {
        double r = is->revenue_share;
        if (L->ev_share_max[k] > r)
            r = L->ev_share_max[k];
        TRY(ld_check_share_value(L, e, is, r, v));
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
    TRY(ld_need_group(L, s));
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        const config_setting_t *t = config_setting_get_elem(s, (unsigned)i);
        const char *id = config_setting_name(t);
        int a = ts_scenario_actor_index(sc, id);
        int k = a < 0 ? ts_scenario_issue_index(sc, id) : -1;
        if (a < 0 && k < 0) {
            ld_suggester sg = {id, NULL, 99};
            ld_suggest_add(&sg, sc->actors[0].id);
            ld_suggest_add(&sg, sc->actors[1].id);
            for (int j = 0; j < sc->n_issues; j++)
                ld_suggest_add(&sg, sc->issues[j].id);
            char dym[96];
            ld_suggest_text(&sg, dym, sizeof dym);
            return ld_fail(L, t, "unknown actor or issue '%s'%s", id, dym);
        }
        TRY(ld_need_group(L, t));
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
                return ld_fail(L, e, "'%s' cannot be changed by an event (use set or add)", key);
            if (!p) {
                ld_suggester sg = {key, NULL, 99};
                for (const ts_param_info *q = param_table; q->key; q++)
                    if (q->target == target && (target == TS_TARGET_ACTOR || (q->kinds & K(kind))))
                        ld_suggest_add(&sg, q->key);
                char dym[96];
                ld_suggest_text(&sg, dym, sizeof dym);
                if (target == TS_TARGET_ACTOR)
                    return ld_fail(L, e, "not a numeric parameter of an actor%s", dym);
                return ld_fail(L, e, "not a numeric parameter of a %s issue%s",
                               issue_kind_names[kind], dym);
            }
            ts_event_param *ep = &ev->params[ev->n_params];
            ep->target = target;
            ep->index = a >= 0 ? a : k;
            ep->offset = p->offset;
            ep->key = p->key;
            TRY(ld_num_value(L, e, p->lo, p->hi, NULL, &ep->value));
            if (k >= 0 && kind == TS_ISSUE_CHIP_LICENCE)
                TRY(check_event_share(L, e, k, p->offset, ep->value));
            ev->n_params++;
        }
    }
    return TS_OK;
}

static ts_status ld_load_events(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"date", "step", "probability", "once", "label",
                                       "set",  "add",  "param",       NULL};
    ts_scenario *sc = L->sc;
    const config_setting_t *l = config_setting_get_member(root, "events");
    if (!l)
        return TS_OK;
    TRY(ld_need_list(L, l, "{ date = ...; set = { ... }; }, ..."));
    int n = config_setting_length(l);
    ts_event *evs = calloc((size_t)n + 1, sizeof *evs);
    sc->events = calloc((size_t)n + 1, sizeof *sc->events);
    if (!evs || !sc->events) {
        free(evs);
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
        if ((st = ld_need_group(L, g)) != TS_OK || (st = ld_check_keys(L, g, keys, NULL, NULL)) != TS_OK)
            break;
        ev->line = (int)config_setting_source_line(g);
        int32_t day;
        if ((st = load_when(L, g, true, &ev->step, &day, &ev->probability)) != TS_OK)
            break;
        if (ev->step >= 0) {
            if (ev->step < prev_step || (day != INT32_MIN && day < prev_day)) {
                st = ld_fail(L, g, "dated events must be listed in date order (this one comes "
                             "before the previous one)");
                break;
            }
            prev_step = ev->step;
            if (day != INT32_MIN)
                prev_day = day;
        }
        if ((st = ld_get_bool(L, g, "once", false, &ev->once)) != TS_OK ||
            (st = ld_get_string(L, g, "label", "", TS_NAME_MAX, ev->label)) != TS_OK ||
            (st = load_event_levels(L, g, "set", false, ev)) != TS_OK ||
            (st = load_event_levels(L, g, "add", true, ev)) != TS_OK ||
            (st = load_event_params(L, g, ev)) != TS_OK)
            break;
    }
    /* Scheduled events first (already in step order), then random ones. */
    int j = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < loaded; i++)
            if ((evs[i].step >= 0) == (pass == 0))
                sc->events[j++] = evs[i];
    sc->n_events = loaded;
    free(evs);
    return st;
}

static ts_status load_actors_and_issues(loader *L, const config_setting_t *root)
{
    ts_scenario *sc = L->sc;
    const config_setting_t *la = config_setting_get_member(root, "actors");
    if (!la)
        return ld_fail_key(L, root, "actors", "missing: expected a list of exactly two actors");
    TRY(ld_need_list(L, la, "{ id = ...; }, { id = ...; }"));
    if (config_setting_length(la) != 2)
        return ld_fail(L, la, "expected exactly two actors, got %d", config_setting_length(la));
    for (int a = 0; a < 2; a++) {
        const config_setting_t *g = config_setting_get_elem(la, (unsigned)a);
        TRY(ld_need_group(L, g));
        sc->actors[a].line = (int)config_setting_source_line(g);
        TRY(load_id(L, g, sc->actors[a].id));
    }
    const config_setting_t *li = config_setting_get_member(root, "issues");
    if (!li)
        return ld_fail_key(L, root, "issues", "missing: expected a list of issues (levers)");
    TRY(ld_need_list(L, li, "{ id = ...; kind = ...; owner = ...; }, ..."));
    int n = config_setting_length(li);
    if (n < 1 || n > TS_MAX_ISSUES)
        return ld_fail(L, li, "expected 1 to %d issues, got %d", TS_MAX_ISSUES, n);
    sc->issues = calloc((size_t)n, sizeof *sc->issues);
    if (!sc->issues)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    for (int k = 0; k < n; k++) {
        const config_setting_t *g = config_setting_get_elem(li, (unsigned)k);
        TRY(ld_need_group(L, g));
        sc->issues[k].line = (int)config_setting_source_line(g);
        TRY(load_id(L, g, sc->issues[k].id));
        sc->n_issues = k + 1;
    }
    for (int k = 0; k < n; k++)
        TRY(load_issue(L, config_setting_get_elem(li, (unsigned)k), k));
    for (int a = 0; a < 2; a++)
        TRY(load_actor(L, config_setting_get_elem(la, (unsigned)a), a));
    if (sc->actors[0].power + sc->actors[1].power <= 0.0)
        return ld_fail_key(L, config_setting_get_elem(la, 0), "power",
                           "the two actors' powers must not both be 0");
    return TS_OK;
}

static ts_status load_root(loader *L, const config_setting_t *root)
{
    static const char *const keys[] = {"name",   "description", "calendar",     "monte_carlo",
                                       "output", "actors",      "issues",       "interactions",
                                       "talks",  "talks_hazard", "events",      NULL};
    ts_scenario *sc = L->sc;
    TRY(ld_check_keys(L, root, keys, NULL, NULL));
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
        TRY(ld_string_value(L, s, sizeof sc->name, sc->name));
        /* The name becomes an output folder: keep it a plain file name. */
        if (!sc->name[0] || sc->name[0] == '.' || strchr(sc->name, '/') || strchr(sc->name, '\\'))
            return ld_fail(L, s, "expected a plain folder name (no '/', not starting with '.'), "
                           "got '%s'", sc->name);
    }
    TRY(ld_get_string(L, root, "description", "", sizeof sc->description, sc->description));
    TRY(load_calendar(L, root));
    TRY(load_monte_carlo(L, root));
    TRY(load_output(L, root));
    TRY(load_actors_and_issues(L, root));
    TRY(load_interactions(L, root));
    TRY(ld_load_talks(L, root));
    TRY(ld_load_hazard(L, root));
    TRY(ld_load_events(L, root));
    return TS_OK;
}

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

static ts_status ld_apply_override(loader *L, const char *ov)
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
static ts_status ld_check_includes(const char *text, const char *dir, const char *where,
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

/* ---- entry points ------------------------------------------------------- */

ts_scenario *ts_scenario_parse(const char *text, const char *path,
                               const char *const *overrides, int n_overrides, ts_error *err)
{
    ts_error_clear(err);
    if (!path)
        path = "-";
    ts_scenario *sc = calloc(1, sizeof *sc);
    config_t cfg;
    config_init(&cfg);
    if (!sc) {
        ts_error_set(err, TS_EIO, "%s: out of memory", path);
        config_destroy(&cfg);
        return NULL;
    }
    snprintf(sc->path, sizeof sc->path, "%s", path);
    /* @include resolves relative to the scenario's folder. */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof dir)
            n = sizeof dir - 1;
        memcpy(dir, path, n);
        dir[n] = '\0';
        config_set_include_dir(&cfg, dir);
    }
    loader L = {.path = path, .err = err, .sc = sc, .cfg = &cfg};
    for (int k = 0; k < TS_MAX_ISSUES; k++)
        L.ev_share_max[k] = L.ev_margin_min[k] = NAN;
    ts_status st = ld_check_includes(text ? text : "", slash ? dir : NULL, path, 1, err);
    if (st == TS_OK && config_read_string(&cfg, text ? text : "") != CONFIG_TRUE) {
        const char *file = config_error_file(&cfg);
        st = ts_error_set(err, TS_EBAD, "%s:%d: %s", file ? file : path, config_error_line(&cfg),
                          config_error_text(&cfg));
    }
    for (int i = 0; st == TS_OK && i < n_overrides; i++)
        st = ld_apply_override(&L, overrides[i]);
    if (st == TS_OK)
        st = load_root(&L, config_root_setting(&cfg));
    config_destroy(&cfg);
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

ts_scenario *ts_scenario_load(const char *path, const char *const *overrides,
                              int n_overrides, ts_error *err)
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
    ts_scenario *sc = ts_scenario_parse(buf, path, overrides, n_overrides, err);
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
    free(sc);
}
