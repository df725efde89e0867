/* Uncertain parameters: distributions, each replicate's draws, and a
 * scenario with chosen values (docs/scenario-format.md, "Uncertain
 * parameters"; docs/experiments.md).
 *
 * Every value of an uncertain setting is a quantile of its distribution:
 * a plain run draws u in (0, 1) per replicate and parameter, an experiment's
 * design chooses u per point, and both map it with ts_dist_quantile.
 *
 * A ts_variant is a copy of a loaded scenario whose uncertain settings take
 * given values; the engine keeps one per worker and refills it per
 * replicate (no allocation). It is mutable and belongs to one thread. */
#ifndef TRADESIM_UNCERTAIN_H
#define TRADESIM_UNCERTAIN_H

#include <stdint.h>

#include "tradesim/error.h"
#include "tradesim/scenario.h"

/* "uniform", "normal", ... in ts_dist_kind's order. */
extern const char *const ts_dist_names[TS_DIST_COUNT];

/* The value below which a share u in (0, 1) of the distribution lies. */
double ts_dist_quantile(const ts_dist *d, double u);
/* The smallest closed interval holding every value (infinite ends allowed). */
void ts_dist_support(const ts_dist *d, double *lo, double *hi);
/* The distribution as one line, e.g. "uniform(min 1, max 3)". */
void ts_dist_describe(const ts_dist *d, char *buf, size_t n);

/* FNV-1a of a parameter's name: its stream. */
uint64_t ts_uncertain_name_hash(const char *name);
/* Replicate k's share u in (0, 1) for parameter u: a function of the seed,
 * k and the parameter's name only, so adding a parameter leaves the others'
 * draws (and the replicate's own random numbers) as they were. */
double ts_uncertain_share(uint64_t seed, int k, const ts_uncertain *u);
/* Replicate k's values of every uncertain parameter (sc->n_uncertain). */
void ts_uncertain_draw(const ts_scenario *sc, int k, double *values);
/* A value as the setting takes it: rounded for an int setting. */
double ts_uncertain_value(const ts_uncertain *u, double v);

typedef struct ts_variant ts_variant;

/* A copy of base (which must outlive it); NULL when out of memory. */
ts_variant *ts_variant_alloc(const ts_scenario *base);
void ts_variant_free(ts_variant *v);
/* The copy, with the values of the last ts_variant_set (the base's before). */
const ts_scenario *ts_variant_scenario(const ts_variant *v);
/* Sets every uncertain setting to values[j] (base->n_uncertain of them) and
 * everything else to the base's. TS_EBAD, naming the parameter and the rule,
 * when a value is outside its setting's range or breaks a rule between
 * settings (an issue's initial level outside [min, max], a chip's revenue
 * share at or above its margin without sell_at_loss, ...); the copy is then
 * the base's. */
ts_status ts_variant_set(ts_variant *v, const double *values, ts_error *err);

#endif
