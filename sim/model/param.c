/* The scenario's tables: numeric parameters of actors and issues
 * (ts_param_table), of strategies (ts_strategy_param_table), and the names of
 * issue and strategy kinds, with the look-ups scenario.h declares.
 *
 * Each key is described once, here, with its default, range, unit and
 * meaning: the loader, the writer, `param` events and the docs
 * (docs/scenario-format.md, "Numeric parameters of actors and issues") all
 * iterate these tables, so a key cannot be known to one and unknown to
 * another. The tables are constant and may be read from any thread. */
#include "tradesim/scenario.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

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
 * loader derives initial (= min) and max_step (= max - min) when absent.
 * These four lead the issue parameters, in this order: the loader checks each
 * bound against those before it. */
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

#define SK(k) (1u << (k))

/* Strategy parameters: one row per key, iterated by the loader, the writer,
 * ts_scenario_equal and the docs check. */
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

static const char *const issue_kind_names[TS_ISSUE_KIND_COUNT] = {
    "tariff", "chip_licence", "export_control", "pledge", "custom"};

static const char *const strategy_kind_names[TS_STRAT_COUNT] = {
    "hold",       "scripted",       "tit_for_tat",   "grim_trigger", "always_escalate",
    "always_concede", "richardson", "best_response", "time_dependent", "reciprocity"};

const char *const ts_log_level_names[TS_LOGLEVEL_COUNT] = {"all", "events", "none"};

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
