/* tradesim plot: PNG and SVG charts of result folders through gnuplot.
 *
 * One folder: per issue `<name>_<issue>` and `<name>_totals`, by default in
 * RESULT_DIR/plots. Several: `compare_<issue>` and `compare_totals`, by
 * default in ./plots. Every folder is read before any chart is drawn, so a bad
 * folder leaves nothing behind. The charts written are listed on stdout. */
#include <stdlib.h>
#include <string.h>

#include "tradesim/cli.h"
#include "tradesim/error.h"
#include "tradesim/plot.h"

const ts_cli_spec ts_cmd_plot_spec = {
    .name = "plot",
    .summary = "draw PNG and SVG charts of result folders with gnuplot",
    .accept = "oh",
    .min_pos = 1,
    .max_pos = -1,
    .what = "at least one result folder",
    .usage =
    "usage: tradesim plot RESULT_DIR... [-o DIR]\n"
    "\n"
    "Per issue a fan chart (median, 5-95% band) and each actor's cumulative\n"
    "payoff; with several folders, one chart per issue with all overlaid.\n"
    "\n"
    "  -o, --output DIR       where the charts go (default: RESULT_DIR/plots for one\n"
    "                         folder, ./plots for several)\n",
};

int ts_cmd_plot(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_plot_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    rc = TS_OK;
    size_t n = (size_t)o.n_positional;
    ts_plot_data **d = calloc(n, sizeof *d);
    char *def_out = NULL;
    if (!d) {
        fprintf(err, "tradesim plot: out of memory\n");
        return TS_EIO;
    }
    ts_error e;
    for (size_t i = 0; i < n && rc == TS_OK; i++) {
        d[i] = ts_plot_load(o.positional[i], &e);
        if (!d[i]) {
            fprintf(err, "tradesim plot: %s\n", e.msg);
            rc = e.code;
        }
    }
    const char *out_dir = o.out;
    if (rc == TS_OK && !out_dir) {
        if (n == 1) {
            size_t len = strlen(o.positional[0]) + sizeof "/plots";
            def_out = malloc(len);
            if (def_out) {
                snprintf(def_out, len, "%s/plots", o.positional[0]);
                out_dir = def_out;
            } else {
                fprintf(err, "tradesim plot: out of memory\n");
                rc = TS_EIO;
            }
        } else {
            out_dir = "plots";
        }
    }
    if (rc == TS_OK) {
        ts_plot_options opt = {.out_dir = out_dir, .list = out};
        rc = ts_plot_draw((const ts_plot_data *const *)d, n, &opt, &e);
        if (rc != TS_OK)
            fprintf(err, "tradesim plot: %s\n", e.msg);
    }
    for (size_t i = 0; i < n; i++)
        ts_plot_free(d[i]);
    free(d);
    free(def_out);
    return rc;
}
