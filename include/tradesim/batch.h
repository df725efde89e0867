/* Batch: many scenarios in one go, one row each in batch.csv.
 *
 * The figures of a batch row are computed from the scenario's summary.csv on
 * disk, so a scenario skipped by --resume and one run now are reported the
 * same way (the result folder and its `.complete` marker are resultdir.h's):
 * a folder without the marker is incomplete and is run again. */
#ifndef TRADESIM_BATCH_H
#define TRADESIM_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tradesim/error.h"
#include "tradesim/scenario.h"

typedef struct {
    char **paths;
    int n;
} ts_path_list;

/* Every *.cfg named in args or found in the folders named (sub-folders too
 * when recursive, except result folders tradesim wrote, whose scenario.cfg
 * is an output), sorted by path (byte order), duplicates removed. A named
 * path that does not exist or is not a .cfg file is TS_EBAD. */
ts_status ts_batch_collect(const char *const *args, int n, bool recursive, ts_path_list *out,
                           ts_error *err);
void ts_path_list_free(ts_path_list *list);

/* One scenario's headline figures. Figures with no data are NaN (written as
 * empty cells). */
typedef struct {
    char *name;                 /* owned */
    char *error;                /* owned; NULL when the scenario ran */
    bool has_seed;              /* the scenario loaded: seed is its monte_carlo.seed */
    uint64_t seed;
    size_t replicates, deals;   /* replicates with at least one deal */
    double deal_p, deal_lo, deal_hi;          /* 95% Wilson interval */
    double first_deal_median;   /* over replicates with a deal, in steps */
    int n_issues;
    char **issue;               /* ids, owned */
    double *final_mean;         /* mean of <issue>_final */
    int n_actors;               /* actors and then "joint" */
    char **actor;
    double *total_mean, *total_lo, *total_hi;   /* 95% t interval */
    double *vsq_mean, *vsq_lo, *vsq_hi;         /* of <actor>_vs_status_quo, likewise */
} ts_batch_row;

/* Reads dir's summary.csv into row (name given). TS_EBAD naming the file
 * when it is missing or malformed. */
ts_status ts_batch_summarise(const char *dir, const char *name, ts_batch_row *row,
                             ts_error *err);
/* A row for a scenario that failed with message. */
ts_status ts_batch_row_failed(ts_batch_row *row, const char *name, const char *message);
void ts_batch_row_free(ts_batch_row *row);
/* A row rebuilt from what another process sent (its name, seed and error;
 * error NULL or "" when the scenario ran): the failed row, or the figures
 * of folder/<name>/summary.csv, with the seed. */
ts_status ts_batch_row_restore(const char *folder, const char *name, bool has_seed,
                               uint64_t seed, const char *error, ts_batch_row *row,
                               ts_error *err);

/* Writes batch.csv: columns scenario, status, replicates, seed (0x and 16
 * hex digits, as summary.csv writes seeds), one column per distinct KEY of
 * sets[0..n_sets) ("KEY=VALUE", every scenario's override: the column is
 * named KEY, first-seen order, and holds the last VALUE given for it),
 * deal_probability, deal_probability_lo, deal_probability_hi,
 * first_deal_step_median, then <issue>_final_mean for every issue of any row
 * (first-seen order), then for every actor likewise and then joint:
 * <actor>_total_mean, _lo, _hi, <actor>_vs_status_quo_mean, _lo, _hi; then
 * error. Cells that do not apply to a row are empty. */
ts_status ts_batch_write(const char *path, const ts_batch_row *rows, int n,
                         const char *const *sets, int n_sets, int precision, ts_error *err);

#endif
