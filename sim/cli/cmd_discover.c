/* tradesim discover: boxes of the factor space where a condition on the
 * outcomes concentrates, by PRIM (docs/experiments.md). */
#include <stdio.h>

#include "tradesim/cli.h"
#include "tradesim/discover.h"

const ts_cli_spec ts_cmd_discover_spec = {
    .name = "discover",
    .summary = "find where in the parameters a condition on the outcomes holds (PRIM)",
    .accept = "woh",
    .min_pos = 1,
    .max_pos = 1,
    .what = "one result or experiment folder",
    .usage =
    "usage: tradesim discover FOLDER --where EXPR [-o DIR]\n"
    "\n"
    "Finds boxes of the uncertain parameters (a run's replicates or an\n"
    "experiment's points) where EXPR holds far more often than overall, by\n"
    "PRIM with peeling and pasting; prints them and writes boxes.csv and\n"
    "peeling.csv. EXPR compares outcome columns with numbers, joined by\n"
    "and/or, e.g. 'deals == 0' or 'us_total < -100 and deal_probability < 0.5'.\n"
    "\n"
    "      --where EXPR       the condition (required)\n"
    "  -o, --output DIR       where the files go (default FOLDER/discover)\n",
};

int ts_cmd_discover(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_discover_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    if (!o.where) {
        fprintf(err, "tradesim discover: --where is required, e.g. --where 'deals == 0'\n");
        return TS_EBAD;
    }
    ts_folder_data d;
    ts_error e;
    ts_error_clear(&e);
    if (ts_folder_data_read(o.positional[0], &d, &e) != TS_OK) {
        fprintf(err, "tradesim discover: %s\n", e.msg);
        return e.code == TS_EIO ? TS_EIO : TS_EBAD;
    }
    char dir[4300];
    snprintf(dir, sizeof dir, "%s%s", o.out ? o.out : o.positional[0], o.out ? "" : "/discover");
    ts_text report = {0};
    ts_status st = ts_discover(&d, o.where, dir, &report, &e);
    if (st != TS_OK)
        fprintf(err, "tradesim discover: %s\n", e.msg);
    else
        fprintf(out, "%s%s/boxes.csv, %s/peeling.csv\n", report.s ? report.s : "", dir, dir);
    ts_text_free(&report);
    ts_folder_data_free(&d);
    return st == TS_OK ? 0 : st == TS_EBAD ? TS_EBAD : TS_EIO;
}
