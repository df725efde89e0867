/* Scenario loader, issues: one lever each, of kind tariff, chip_licence,
 * export_control, pledge or custom (docs/scenario-format.md, "Issues").
 *
 * An issue's kind decides which keys it may hold; a key of another kind is
 * reported with the kind it belongs to. The lever's bounds are read in the
 * table's order (min, max, initial, max_step), each checked against those
 * before it, and the kind's own rules follow: a tariff's incidence from
 * tot_share or supply_elasticity, a chip's revenue share below its margin
 * unless it may sell at a loss, a custom issue's payoff coefficients. Ids are
 * read before any issue is loaded (scenario.c), so owners and references
 * resolve. */
#include "loader.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
    TRY(ts_ld_need_group(L, p));
    int n = config_setting_length(p);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(p, (unsigned)i);
        ts_status bad = TS_OK;
        int a = ts_ld_actor_ref(L, m, config_setting_name(m), &bad);
        if (a < 0)
            return bad;
        TRY(ts_ld_need_group(L, m));
        TRY(ts_ld_check_keys(L, m, coef_keys, NULL, NULL));
        for (int c = 0; c < 3; c++)
            TRY(ts_ld_get_num(L, m, coef_keys[c], 0.0, -INFINITY, INFINITY, &is->payoff[a][c]));
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
    ts_ld_fmt_num(is->min, got, sizeof got);
    if (is_share_lever(is->kind) && (is->min < 0.0 || is->min >= 1.0))
        return ts_ld_fail(L, s, "expected a number in [0, 1) (%s levers are shares), got %s",
                       ts_issue_kind_name(is->kind), got);
    if (is->kind == TS_ISSUE_TARIFF && is->min < 0.0)
        return ts_ld_fail(L, s, "expected a number >= 0 (a tariff rate; the import demand "
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
        return ts_ld_fail(L, es, "give tot_share or supply_elasticity, not both "
                       "(tot_share = elasticity / (elasticity + supply_elasticity))");
    if (es) {
        if (is->elasticity + is->supply_elasticity <= 0.0)
            return ts_ld_fail(L, es, "expected a number > 0 when elasticity is 0 (the share borne "
                           "by exporters is undefined; give tot_share), got 0");
        is->tot_share = ts_tariff_incidence(is->elasticity, is->supply_elasticity, 0.0);
    }
    is->supply_elasticity = ts_tariff_supply_elasticity(is->elasticity, is->tot_share);
    const config_setting_t *sr = config_setting_get_member(g, "elasticity_short_run");
    if (!sr)
        is->elasticity_short_run = is->elasticity;
    else if (is->elasticity_short_run != is->elasticity && !(is->elasticity_half_life > 0.0))
        return ts_ld_fail(L, sr, "differs from elasticity (%.15g) but elasticity_half_life is 0: "
                       "give the half-life of the path to the long run", is->elasticity);
    return TS_OK;
}

/* A revenue share at or above the margin only with sell_at_loss; and never
 * the whole of sales (the buyer's price would be infinite). s names the
 * setting in messages (the issue's own key, or an event's). */
ts_status ts_ld_check_share_value(loader *L, const config_setting_t *s, const ts_issue *is,
                               double share, double margin)
{
    if (is->sell_at_loss) {
        if (share >= 1.0)
            return ts_ld_fail(L, s, "a revenue_share of 1 leaves the seller nothing: expected a "
                           "number below 1");
        return TS_OK;
    }
    if (share > 0.0 && share >= margin)
        return ts_ld_fail(L, s, "revenue_share %.15g is at or above the margin %.15g: the government "
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
    return ts_ld_check_share_value(L, s ? s : g, is, share, margin);
}

/* An issue's kind and owner, which decide what else it may hold. */
static ts_status load_kind_and_owner(loader *L, const config_setting_t *g, ts_issue *is)
{
    const config_setting_t *s = config_setting_get_member(g, "kind");
    if (!s)
        return ts_ld_fail_key(L, g, "kind", "missing: expected one of 'tariff', 'chip_licence', "
                           "'export_control', 'pledge', 'custom'");
    int kind = 0;
    const char *kinds[TS_ISSUE_KIND_COUNT];
    for (int i = 0; i < TS_ISSUE_KIND_COUNT; i++)
        kinds[i] = ts_issue_kind_name(i);
    TRY(ts_ld_get_enum(L, g, "kind", kinds, TS_ISSUE_KIND_COUNT, &kind));
    is->kind = (ts_issue_kind)kind;
    s = config_setting_get_member(g, "owner");
    if (!s)
        return ts_ld_fail_key(L, g, "owner", "missing: expected the id of the actor that sets it");
    char owner[TS_ID_MAX];
    TRY(ts_ld_string_value(L, s, sizeof owner, owner));
    ts_status bad = TS_OK;
    is->owner = ts_ld_actor_ref(L, s, owner, &bad);
    if (is->owner < 0)
        return bad;
    return TS_OK;
}

/* Keys of this kind; keys of other kinds are reported as misplaced, with
 * the kind they belong to. */
static ts_status check_issue_keys(loader *L, const config_setting_t *g, int kind)
{
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
    for (const ts_param_info *p = ts_param_table(); p->key; p++) {
        if (p->target != TS_TARGET_ISSUE)
            continue;
        if (p->kinds & LD_BIT(kind))
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
                for (const ts_param_info *p = ts_param_table(); p->key; p++)
                    if (p->target == TS_TARGET_ISSUE && !strcmp(p->key, name))
                        for (int q = 0; q < TS_ISSUE_KIND_COUNT; q++)
                            if (p->kinds & LD_BIT(q))
                                belongs = ts_issue_kind_name(q);
                return ts_ld_fail(L, m, "not a parameter of a %s issue (only of %s)",
                               ts_issue_kind_name(kind), belongs);
            }
    }
    return ts_ld_check_keys(L, g, keys, NULL, NULL);
}

/* max: above min (default 1, or min + 1 when min >= 1); at most 1 for a
 * share lever. s is the setting, or NULL. */
static ts_status load_max(loader *L, const config_setting_t *s, const ts_param_info *p,
                          ts_issue *is)
{
    char what[256], lo[40];
    ts_ld_fmt_num(is->min, lo, sizeof lo);
    snprintf(what, sizeof what, "a number > min (%s)", lo);
    is->max = is->min >= p->def ? is->min + 1.0 : p->def;
    if (!s)
        return TS_OK;
    TRY(ts_ld_num_value(L, s, -INFINITY, INFINITY, what, &is->max));
    if (is->max <= is->min)
        return ts_ld_fail(L, s, "expected %s, got %.15g", what, is->max);
    if (is_share_lever(is->kind) && is->max > 1.0)
        return ts_ld_fail(L, s, "expected a number in (min, 1] (%s levers are shares), "
                       "got %.15g",
                       ts_issue_kind_name(is->kind), is->max);
    return TS_OK;
}

/* One numeric parameter p of the issue. The table lists min, max, initial
 * and max_step in that order, so each bound can be checked against those
 * before it; their defaults follow from them (docs/scenario-format.md,
 * "Issues"). */
static ts_status load_issue_param(loader *L, const config_setting_t *g, const ts_param_info *p,
                                  ts_issue *is)
{
    double *f = issue_field(is, p->offset);
    const char *key = p->key;
    const config_setting_t *s = config_setting_get_member(g, key);
    char what[256], lo[40], hi[40];
    if (!strcmp(key, "min")) {
        TRY(ts_ld_get_num(L, g, key, p->def, p->lo, p->hi, f));
        TRY(check_kind_min(L, s, is));
    } else if (!strcmp(key, "max")) {
        TRY(load_max(L, s, p, is));
    } else if (!strcmp(key, "initial")) {
        ts_ld_fmt_num(is->min, lo, sizeof lo);
        ts_ld_fmt_num(is->max, hi, sizeof hi);
        snprintf(what, sizeof what, "a number in [min, max] ([%s, %s])", lo, hi);
        *f = is->min;
        if (s)
            TRY(ts_ld_num_value(L, s, is->min, is->max, what, f));
    } else if (!strcmp(key, "max_step")) {
        *f = is->max - is->min;
        if (s)
            TRY(ts_ld_num_value(L, s, p->lo, p->hi, NULL, f));
    } else {
        TRY(ts_ld_get_num(L, g, key, p->def, p->lo, p->hi, f));
    }
    return TS_OK;
}

/* Second pass over an issue: everything but the id. */
ts_status ts_ld_load_issue(loader *L, const config_setting_t *g, int k)
{
    ts_issue *is = &L->sc->issues[k];
    TRY(load_kind_and_owner(L, g, is));
    ts_issue_kind kind = is->kind;
    TRY(check_issue_keys(L, g, kind));
    for (const ts_param_info *p = ts_param_table(); p->key; p++)
        if (p->target == TS_TARGET_ISSUE && (p->kinds & LD_BIT(kind)))
            TRY(load_issue_param(L, g, p, is));
    if (kind == TS_ISSUE_CUSTOM)
        TRY(load_payoff(L, g, is));
    if (kind == TS_ISSUE_TARIFF)
        TRY(finish_tariff(L, g, is));
    if (kind == TS_ISSUE_CHIP_LICENCE) {
        TRY(ts_ld_get_bool(L, g, "sell_at_loss", false, &is->sell_at_loss));
        TRY(check_share(L, g, is, "revenue_share", is->revenue_share, is->margin));
    }
    return TS_OK;
}
