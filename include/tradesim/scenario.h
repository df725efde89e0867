/* Scenario: the validated, immutable description of one negotiation.
 *
 * ts_scenario_load() reads a libconfig file (with @include and --set
 * overrides), fills every default, checks every range and reference, and
 * returns a scenario that the rest of the library only reads. Every numeric
 * parameter of actors and issues is a double in the structs below and is
 * described once, in the table returned by ts_param_table(): the loader, the
 * writer, `param` events and the docs all use that table, so a key cannot be
 * known to one and unknown to another.
 *
 * Ownership: a ts_scenario is allocated by ts_scenario_load() and released by
 * ts_scenario_free(); every array inside it belongs to it. A loaded scenario
 * is never modified, so threads may share it. */
#ifndef TRADESIM_SCENARIO_H
#define TRADESIM_SCENARIO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradesim/calendar.h"
#include "tradesim/error.h"

#define TS_ID_MAX 64       /* ids: letters, digits, '_', at most 63 chars */
#define TS_NAME_MAX 256    /* names and labels; longer is an error */
#define TS_DESC_MAX 1024
#define TS_MAX_ISSUES 64   /* refused up front beyond this */
#define TS_MAX_STEPS 1000000
#define TS_MAX_REPLICATES 100000000

/* ---- actors and strategies ------------------------------------------- */

typedef enum {
    TS_STRAT_HOLD,
    TS_STRAT_SCRIPTED,      /* synonym of hold, for replays */
    TS_STRAT_TIT_FOR_TAT,
    TS_STRAT_GRIM_TRIGGER,
    TS_STRAT_ALWAYS_ESCALATE,
    TS_STRAT_ALWAYS_CONCEDE,
    TS_STRAT_RICHARDSON,
    TS_STRAT_BEST_RESPONSE,
    TS_STRAT_TIME_DEPENDENT,
    TS_STRAT_RECIPROCITY,   /* answers the other's change of pressure by a step */
    TS_STRAT_COUNT
} ts_strategy_kind;

typedef struct {
    ts_strategy_kind kind;
    double threshold;    /* grim_trigger: pressure rise that triggers (default 0) */
    double reactivity;   /* richardson k, per year (per step when abstract; default 0.5) */
    double fatigue;      /* richardson a, per year (default 0.5) */
    double grievance;    /* richardson g, pressure per year (default 0) */
    double speed;        /* best_response share of the gap closed per step (default 1) */
    double k;            /* time_dependent initial share alpha(0) (default 0) */
    double beta;         /* time_dependent concession exponent (default 1) */
    int deadline;        /* time_dependent deadline step T (default: last step) */
    /* time_dependent reservation level per issue index (only own levers are
     * used); default: the lever's minimum-pressure end. */
    double reservation[TS_MAX_ISSUES];
} ts_strategy;

typedef struct {
    char id[TS_ID_MAX];
    char name[TS_NAME_MAX];
    double discount;     /* annual rate */
    double power;        /* Nash weight before normalisation */
    double reliability;  /* P(keeps an agreement) per step */
    double trust;        /* initial trust in the other side */
    double trust_rate;   /* learning rate */
    double noise;        /* std. dev. of lever moves, lever units */
    ts_strategy strategy;
    int line;            /* source line of the actor's group, for messages */
} ts_actor;

/* Numeric strategy parameters (doubles in ts_strategy), ended by a NULL key:
 * the one list the loader, the writer, ts_scenario_equal and the docs check
 * iterate, so a strategy key cannot be known to one and unknown to another.
 * `kinds` has bit (1u << kind) set for each ts_strategy_kind that takes it.
 * deadline and reservation (time_dependent) are not numbers of this kind. */
typedef struct {
    const char *key;
    unsigned kinds;
    size_t offset;
    double def, lo, hi;
} ts_strategy_param;

const ts_strategy_param *ts_strategy_param_table(void);

/* ---- issues -------------------------------------------------------- */

typedef enum {
    TS_ISSUE_TARIFF,
    TS_ISSUE_CHIP_LICENCE,
    TS_ISSUE_EXPORT_CONTROL,
    TS_ISSUE_PLEDGE,
    TS_ISSUE_CUSTOM,
    TS_ISSUE_KIND_COUNT
} ts_issue_kind;

typedef struct {
    char id[TS_ID_MAX];
    ts_issue_kind kind;
    int owner;           /* actor index 0 or 1; the other side is 1 - owner */
    double min, max, initial, max_step;
    double pressure_weight;
    double tolerance;    /* deviation from an agreed level that counts as breach */
    /* tariff. tot_share (theta) and supply_elasticity (eps*) are kept
     * consistent, theta = elasticity / (elasticity + eps*): the loader fills
     * both from whichever was given (eps* = INFINITY when theta = 0), and
     * ts_issue_param_set (model.h) keeps them so after a param event. */
    double imports_bn, elasticity, tot_share, supply_elasticity;
    double elasticity_short_run, elasticity_half_life;
    /* chip_licence */
    double sales_bn, margin, revenue_share, firm_weight, strategic_value_bn, domestic_capability;
    double generation_years, generation_decay, market_share, erosion, recovery;
    double access_value_bn, demand_elasticity, pass_through;
    bool sell_at_loss;   /* a revenue_share at or above the margin is allowed */
    /* export_control */
    double exports_bn, disruption_bn, convexity, dependence, diversification;
    double drift, reputation_bn;
    /* pledge */
    double cost_bn, benefit_bn, verification_noise;
    /* custom: payoff[actor] = {constant, linear, quadratic} */
    double payoff[2][3];
    int line;
} ts_issue;

typedef struct {
    int actor;           /* who receives coef * x_a * x_b */
    int issue_a, issue_b;
    double coef;
    int line;
} ts_interaction;

/* ---- talks ---------------------------------------------------------- */

/* nash: generalised Nash bargaining; alternating: the subgame-perfect
 * equilibrium of alternating offers; concession: Faratin's aspirations. */
typedef enum { TS_PROTO_NASH, TS_PROTO_ALTERNATING, TS_PROTO_CONCESSION } ts_protocol;
/* Nash weights: normalised power, or patience (Binmore, Rubinstein & Wolinsky 1986). */
typedef enum { TS_WEIGHTS_POWER, TS_WEIGHTS_PATIENCE } ts_nash_weights;
/* Disagreement point: the agenda levers as they stand, or at the two
 * sides' best-response fixed point. */
typedef enum { TS_DISAGREE_STATUS_QUO, TS_DISAGREE_NONCOOPERATIVE } ts_disagreement;
typedef enum { TS_EXPIRY_SNAPBACK, TS_EXPIRY_KEEP, TS_EXPIRY_RENEGOTIATE } ts_expiry;
typedef enum { TS_BREACH_REACT, TS_BREACH_SNAPBACK } ts_on_breach;

typedef struct {
    int step;            /* step of a scheduled talk; -1 for the hazard template */
    char label[TS_NAME_MAX];
    int n_agenda;
    int agenda[TS_MAX_ISSUES];   /* issue indices, in the file's order */
    ts_protocol protocol;
    double duration;     /* as written: days, or steps when abstract (default 90 / 13) */
    int duration_steps;  /* derived: ceil(duration in steps), >= 1 */
    ts_expiry on_expiry; /* default snapback */
    ts_on_breach on_breach; /* default react */
    double min_gain;     /* default 0 */
    int rounds;          /* alternating, concession: default 10 */
    int opener;          /* alternating: actor proposing first (default 0) */
    int round_length;    /* alternating: steps per round (default 1) */
    double beta[2];      /* concession: aspiration exponents per actor (default 1) */
    ts_nash_weights weights;        /* nash: default power */
    ts_disagreement disagreement;   /* default status_quo */
    int phase_in;        /* steps to reach the package (default 0 = at once) */
    int line;
} ts_talk;

/* Random talks: per-step probability
 *   p = 1 - exp(-(base + sensitivity * (loss_0 + loss_1)))
 * where loss_i is actor i's loss, in bn USD per year, relative to its payoff
 * at the scenario's initial levels (never negative). */
typedef struct {
    bool enabled;
    double base;
    double sensitivity;
    ts_talk talk;        /* agenda, protocol, duration, ... of every random talk */
} ts_talks_hazard;

/* ---- events -------------------------------------------------------- */

typedef enum { TS_TARGET_ISSUE, TS_TARGET_ACTOR } ts_target;

typedef struct {
    int issue;
    double value;
    bool add;            /* from `add = {...}`: value is a change, not a level */
} ts_event_set;

typedef struct {
    ts_target target;
    int index;           /* issue or actor index */
    size_t offset;       /* byte offset of the double in ts_issue / ts_actor */
    const char *key;     /* static string from ts_param_table() */
    double value;
} ts_event_param;

typedef struct {
    int step;            /* -1 for a random event */
    double probability;  /* random events: per-step probability */
    bool once;
    char label[TS_NAME_MAX];
    int n_sets;
    ts_event_set *sets;
    int n_params;
    ts_event_param *params;
    int line;
} ts_event;

/* ---- uncertain parameters ------------------------------------------- */

/* The distribution of an uncertain setting (docs/scenario-format.md,
 * "Uncertain parameters"); every value is a quantile of it (ts_dist_quantile,
 * uncertain.h), so draws and designs share one map from (0, 1). */
typedef enum {
    TS_DIST_UNIFORM,     /* a = min, b = max */
    TS_DIST_NORMAL,      /* a = mean, b = sd, truncated to [lo, hi] (-inf, inf: not) */
    TS_DIST_LOGNORMAL,   /* a = mu, b = sigma of the log */
    TS_DIST_TRIANGULAR,  /* a = min, b = mode, c = max */
    TS_DIST_BETA,        /* a, b the shapes, on [lo, hi] */
    TS_DIST_DISCRETE,    /* values[n], cumulative weights cum[n] (cum[n-1] = 1) */
    TS_DIST_COUNT
} ts_dist_kind;

typedef struct {
    ts_dist_kind kind;
    double a, b, c;
    double lo, hi;
    int n;
    double *values, *cum;
} ts_dist;

/* Where an uncertain setting's value lives in the scenario: the element
 * `index` of a region (issues, actors, talks, interactions, events), the
 * event's set or param `sub`, the byte offset of the double (or int) in
 * the element. */
typedef enum {
    TS_SLOT_ISSUE,
    TS_SLOT_ACTOR,
    TS_SLOT_TALK,
    TS_SLOT_HAZARD,          /* offset in ts_talks_hazard */
    TS_SLOT_INTERACTION,
    TS_SLOT_EVENT,           /* offset in ts_event */
    TS_SLOT_EVENT_SET,       /* events[index].sets[sub].value */
    TS_SLOT_EVENT_PARAM      /* events[index].params[sub].value */
} ts_slot_region;

typedef struct {
    char name[TS_ID_MAX];    /* summary.csv's column */
    char key[512];           /* the setting's path, as written */
    char where[TS_NAME_MAX + 32];   /* "FILE:LINE" of the entry, for messages */
    ts_dist dist;
    ts_slot_region region;
    int index, sub;
    size_t offset;
    bool integer;            /* an int setting: values are rounded */
    double lo, hi;           /* the setting's allowed range */
    double nominal;          /* the value the scenario gives it */
    uint64_t name_hash;      /* FNV-1a of name: its own draw stream */
    int line;
} ts_uncertain;

/* ---- the scenario -------------------------------------------------- */

/* How much of the story log.csv keeps (output.log, --log): all rows; the
 * rows that changed the world (events, agreements, breaches, expiries: no
 * talk rows), briefly (docs/cli.md); none (the header only). agreements.csv
 * is written whatever. */
typedef enum {
    TS_LOGLEVEL_ALL,
    TS_LOGLEVEL_EVENTS,
    TS_LOGLEVEL_NONE,
    TS_LOGLEVEL_COUNT
} ts_log_level;

/* "all", "events", "none", in ts_log_level's order. */
extern const char *const ts_log_level_names[TS_LOGLEVEL_COUNT];


typedef struct {
    char name[TS_NAME_MAX];
    char description[TS_DESC_MAX];
    char path[4096];     /* file it was loaded from */
    ts_calendar calendar;
    int replicates;      /* default 100 */
    uint64_t seed;       /* default 1 */
    char rng[64];        /* gsl_rng type name, default "taus2" */
    int trajectories;    /* replicates with full paths written; -1 = all; default 10 */
    int precision;       /* significant digits in CSVs, 1..17, default 6 */
    bool channels;       /* summary.csv splits each issue's totals by channel; default false */
    ts_log_level log;    /* log.csv's rows; default all */
    ts_actor actors[2];
    int n_issues;
    ts_issue *issues;
    int n_interactions;
    ts_interaction *interactions;
    int n_talks;
    ts_talk *talks;      /* sorted by step */
    ts_talks_hazard talks_hazard;
    int n_events;
    ts_event *events;    /* dated/stepped ones in step order, then random ones */
    int n_uncertain;
    ts_uncertain *uncertain;   /* in the file's order */
} ts_scenario;

/* ---- parameter table --------------------------------------------------- */

typedef struct {
    const char *key;
    ts_target target;
    unsigned kinds;      /* issues: bit (1u << kind) for kinds that take it */
    size_t offset;       /* offsetof(ts_issue or ts_actor, field) */
    double def;          /* default */
    double lo, hi;       /* allowed closed range */
    const char *unit;
    const char *doc;
} ts_param_info;

/* The table of every numeric actor and issue parameter, ending with key NULL. */
const ts_param_info *ts_param_table(void);
/* Looks key up for an issue of kind (or an actor when target is TS_TARGET_ACTOR). */
const ts_param_info *ts_param_find(ts_target target, ts_issue_kind kind, const char *key);

/* The tariff's two ways of stating the incidence: theta = eps / (eps + eps*).
 * ts_tariff_supply_elasticity gives eps* = eps (1 - theta) / theta (INFINITY
 * when theta = 0); ts_tariff_incidence gives theta, or fallback when
 * eps + eps* = 0 leaves it undefined. */
double ts_tariff_supply_elasticity(double eps, double theta);
double ts_tariff_incidence(double eps, double eps_star, double fallback);

const char *ts_issue_kind_name(ts_issue_kind kind);
const char *ts_strategy_kind_name(ts_strategy_kind kind);

/* Indices by id; -1 when absent. */
int ts_scenario_actor_index(const ts_scenario *sc, const char *id);
int ts_scenario_issue_index(const ts_scenario *sc, const char *id);

/* ---- loading and writing ------------------------------------------- */

/* Loads path, applies overrides ("path.to.key=value", n_overrides of them) in
 * order, validates. On failure returns NULL and err holds one line:
 *   FILE:LINE: SETTING: what was expected (and what was found)   (code TS_EBAD)
 * or an I/O message (code TS_EIO) when the file cannot be read. */
ts_scenario *ts_scenario_load(const char *path, const char *const *overrides,
                              int n_overrides, ts_error *err);
/* Same, stopping soon after *cancel becomes non-zero (polled while files are
 * read and includes expanded, and between the loader's phases) with
 * TS_EIO "PATH: loading interrupted"; cancel may be NULL. */
ts_scenario *ts_scenario_load_cancel(const char *path, const char *const *overrides,
                                     int n_overrides, const atomic_int *cancel, ts_error *err);
/* Same from libconfig text in memory; path is used in messages and to
 * resolve @include (relative to its folder). */
ts_scenario *ts_scenario_parse(const char *text, const char *path,
                               const char *const *overrides, int n_overrides, ts_error *err);
void ts_scenario_free(ts_scenario *sc);

/* Writes the fully resolved scenario as libconfig text (every default
 * explicit) to path, via a temporary file renamed when complete.
 * Loading the written file gives an equal scenario (ts_scenario_equal). */
ts_status ts_scenario_write(const ts_scenario *sc, const char *path, ts_error *err);
/* Same text into a malloc'd string (caller frees); NULL on out of memory. */
char *ts_scenario_to_string(const ts_scenario *sc);

/* True when a and b describe the same model (path and source lines ignored). */
bool ts_scenario_equal(const ts_scenario *a, const ts_scenario *b);

/* 64-bit FNV-1a of ts_scenario_to_string(): identifies a resolved scenario. */
uint64_t ts_scenario_hash(const ts_scenario *sc);

#endif
