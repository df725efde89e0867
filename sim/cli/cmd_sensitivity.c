/* tradesim sensitivity: given-data sensitivity indices of a run whose
 * scenario has uncertain parameters (docs/experiments.md). */
#include <stdio.h>
#include <string.h>

#include "tradesim/cli.h"
#include "tradesim/discover.h"
#include "tradesim/fs.h"

const ts_cli_spec ts_cmd_sensitivity_spec = {
    .name = "sensitivity",
    .summary = "rank a run's uncertain parameters from its replicates",
    .accept = "oh",
    .min_pos = 1,
    .max_pos = 1,
    .what = "one result folder",
    .usage =
    "usage: tradesim sensitivity RESULT_DIR [-o FILE]\n"
    "\n"
    "From one Monte Carlo run of a scenario with uncertain parameters (each\n"
    "replicate drew its own values), the first-order index of every parameter\n"
    "(binned correlation ratio, bootstrap 95% interval) and its partial rank\n"
    "correlation (Fisher interval) for each actor's total, the deal and each\n"
    "lever's final level. Also reads an experiment folder's points.\n"
    "\n"
    "  -o, --output FILE      where sensitivity.csv goes (default\n"
    "                         RESULT_DIR/sensitivity/sensitivity.csv)\n",
};

int ts_cmd_sensitivity(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_sensitivity_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    ts_folder_data d;
    ts_error e;
    ts_error_clear(&e);
    if (ts_folder_data_read(o.positional[0], &d, &e) != TS_OK) {
        fprintf(err, "tradesim sensitivity: %s\n", e.msg);
        return e.code == TS_EIO ? TS_EIO : TS_EBAD;
    }
    char path[4300];
    if (o.out)
        snprintf(path, sizeof path, "%s", o.out);
    else
        snprintf(path, sizeof path, "%s/sensitivity", o.positional[0]);
    ts_status st = TS_OK;
    if (!o.out) {
        st = ts_fs_mkdirs(path, &e);
        strncat(path, "/sensitivity.csv", sizeof path - strlen(path) - 1);
    }
    if (st == TS_OK)
        st = ts_sensitivity_given_write(&d, path, &e);
    if (st != TS_OK)
        fprintf(err, "tradesim sensitivity: %s\n", e.msg);
    else
        fprintf(out, "%s: %zu %s, %zu parameters\n", path, d.n,
                d.experiment ? "points" : "replicates", d.k);
    ts_folder_data_free(&d);
    return st == TS_OK ? 0 : st == TS_EBAD ? TS_EBAD : TS_EIO;
}
