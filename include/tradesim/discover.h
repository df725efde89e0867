/* Analyses of a finished folder's factors and outcomes: given-data
 * sensitivity indices of a run with uncertain parameters, and scenario
 * discovery (PRIM or CART) in a run's or an experiment's factor space
 * (docs/experiments.md).
 *
 * A run folder's rows are its replicates (summary.csv), its factors the
 * uncertain parameters of its scenario.cfg; an experiment folder's rows
 * are its points (points.csv), its factors design.csv's columns. */
#ifndef TRADESIM_DISCOVER_H
#define TRADESIM_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "tradesim/error.h"
#include "tradesim/text.h"

#define TS_COLUMN_NAME 160

typedef struct {
    bool experiment;             /* points.csv rather than summary.csv */
    char path[4200];             /* the file the rows come from */
    size_t n, k, m;              /* rows, factors, outcomes */
    char (*factor)[TS_COLUMN_NAME];
    char (*outcome)[TS_COLUMN_NAME];
    double *x;                   /* [n][k] */
    double *y;                   /* [n][m]; NaN where a cell is empty */
    int precision;               /* the scenario's, for what is written */
    char (*headline)[TS_COLUMN_NAME];   /* each actor's total, the deal column, each lever's final */
    size_t n_headline;
} ts_folder_data;

/* Reads folder. TS_EBAD (one line naming the file and line) when it is
 * neither kind, has no factors, or a cell is not a number. */
ts_status ts_folder_data_read(const char *folder, ts_folder_data *d, ts_error *err);
void ts_folder_data_free(ts_folder_data *d);
/* The outcome's column, or -1. */
int ts_folder_outcome(const ts_folder_data *d, const char *name);

/* sensitivity.csv's rows for the headline outcomes: the given-data
 * first-order index (binned correlation ratio, bootstrap interval) and the
 * PRCC (Fisher interval) of every factor, written to path. */
ts_status ts_sensitivity_given_write(const ts_folder_data *d, const char *path, ts_error *err);

/* A condition on outcomes: comparisons NAME OP NUMBER (OP one of < <= > >=
 * == !=) joined by `and` / `or` (`and` binds first), e.g.
 * "deals == 0 or us_total < -100". TS_EBAD naming the fault. */
typedef struct ts_condition ts_condition;
ts_status ts_condition_parse(const char *text, const ts_folder_data *d, ts_condition **out,
                             ts_error *err);
/* Whether row i meets it (an empty cell meets no comparison). */
bool ts_condition_holds(const ts_condition *c, const ts_folder_data *d, size_t i);
void ts_condition_free(ts_condition *c);

typedef enum { TS_DISCOVER_PRIM, TS_DISCOVER_CART, TS_DISCOVER_N_METHODS } ts_discover_method;
extern const char *const ts_discover_method_names[TS_DISCOVER_N_METHODS];

/* Scenario discovery on the rows meeting `where`: PRIM's boxes (boxes.csv)
 * and peeling trajectories (peeling.csv), or CART's leaves as boxes
 * (boxes.csv, densest first; an earlier peeling.csv is removed), in outdir,
 * and the boxes as text lines in report (for CART the leaves denser than the
 * whole). */
ts_status ts_discover(const ts_folder_data *d, const char *where, ts_discover_method method,
                      const char *outdir, ts_text *report, ts_error *err);

#endif
