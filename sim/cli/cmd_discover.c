/* tradesim discover: boxes of the factor space where a condition on the
 * outcomes concentrates, by PRIM (docs/experiments.md). */
#include <stdio.h>
#include <string.h>

#include "tradesim/cli.h"
#include "tradesim/discover.h"

const ts_cli_spec ts_cmd_discover_spec = {
    .name = "discover",
    .summary = "find where in the parameters a condition on the outcomes holds (PRIM, CART)",
    .accept = "wMoh",
    .min_pos = 1,
    .max_pos = 1,
    .what = "one result or experiment folder",
    .usage =
    "usage: tradesim discover FOLDER --where EXPR [--method prim|cart] [-o DIR]\n"
    "\n"
    "Finds boxes of the uncertain parameters (a run's replicates or an\n"
    "experiment's points) where EXPR holds far more often than overall, by\n"
    "PRIM with peeling and pasting (boxes.csv and peeling.csv) or by a CART\n"
    "tree whose leaves are the boxes (boxes.csv); prints them. EXPR compares\n"
    "outcome columns with numbers, joined by and/or, e.g. 'deals == 0' or\n"
    "'us_total < -100 and deal_probability < 0.5'.\n"
    "\n"
    "      --where EXPR       the condition (required)\n"
    "      --method METHOD    prim (default) or cart\n"
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
    ts_discover_method method = TS_DISCOVER_PRIM;
    if (o.method) {
        int m = 0;
        while (m < TS_DISCOVER_N_METHODS && strcmp(o.method, ts_discover_method_names[m]) != 0)
            m++;
        if (m == TS_DISCOVER_N_METHODS) {
            fprintf(err, "tradesim discover: --method '%s': expected prim or cart\n", o.method);
            return TS_EBAD;
        }
        method = (ts_discover_method)m;
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
    ts_status st = ts_discover(&d, o.where, method, dir, &report, &e);
    if (st != TS_OK)
        fprintf(err, "tradesim discover: %s\n", e.msg);
    else if (method == TS_DISCOVER_CART)
        fprintf(out, "%s%s/boxes.csv\n", report.s ? report.s : "", dir);
    else
        fprintf(out, "%s%s/boxes.csv, %s/peeling.csv\n", report.s ? report.s : "", dir, dir);
    ts_text_free(&report);
    ts_folder_data_free(&d);
    return st == TS_OK ? 0 : st == TS_EBAD ? TS_EBAD : TS_EIO;
}
