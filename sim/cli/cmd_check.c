/* tradesim check: validate scenarios and print each fully resolved. */
#include <stdlib.h>

#include "tradesim/cli.h"
#include "tradesim/interrupt.h"
#include "tradesim/resultdir.h"
#include "tradesim/scenario.h"
#include "tradesim/uncertain.h"

const ts_cli_spec ts_cmd_check_spec = {
    .name = "check",
    .summary = "validate scenarios and print them fully resolved",
    .accept = "Sqh",
    .min_pos = 1,
    .max_pos = -1,
    .what = "at least one scenario file",
    .usage =
    "usage: tradesim check SCENARIO.cfg... [--set KEY=VALUE]...\n"
    "\n"
    "Validates each scenario and prints it with every default filled in.\n"
    "Exit 0 when all are valid, 2 (with one line per error) otherwise, 3 when\n"
    "a file cannot be read or a signal stops the check.\n"
    "\n"
    "      --set KEY=VALUE    override a setting by path before validating\n"
    "  -q, --quiet            validate only; print nothing on success\n",
};

int ts_cmd_check(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_check_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    /* SIGINT/SIGTERM stop the loading (a scenario's includes may be many)
     * with one line and exit 3, as for run and batch (docs/limits.md). */
    ts_interrupt in;
    bool watching = ts_interrupt_start(&in);
    int worst = TS_OK;
    for (int i = 0; i < o.n_positional && !ts_interrupted(&in); i++) {
        ts_error e;
        rc = ts_cli_input_file("check", o.positional[i], NULL, err);
        if (rc >= 0) {
            worst = rc > worst ? rc : worst;
            continue;
        }
        ts_scenario *sc = ts_scenario_load_cancel(o.positional[i], o.sets, o.n_sets, &in.flag, &e);
        if (ts_interrupted(&in)) {
            ts_scenario_free(sc);
            break;
        }
        if (sc && ts_result_check_name(sc->name, o.positional[i], &e) != TS_OK) {
            ts_scenario_free(sc);
            sc = NULL;
        }
        if (!sc) {
            fprintf(err, "%s\n", e.msg);
            if ((int)e.code > worst)
                worst = e.code;
            continue;
        }
        if (!o.quiet) {
            char *text = ts_scenario_to_string(sc);
            if (!text) {
                fprintf(err, "tradesim check: out of memory\n");
                worst = TS_EIO;
            } else {
                if (o.n_positional > 1)
                    fprintf(out, "# %s\n", o.positional[i]);
                fputs(text, out);
                free(text);
                for (int j = 0; j < sc->n_uncertain; j++) {
                    const ts_uncertain *u = &sc->uncertain[j];
                    char d[512];
                    ts_dist_describe(&u->dist, d, sizeof d);
                    fprintf(out, "# uncertain %s: %s ~ %s; the scenario's value %.6g; its "
                            "range [%.6g, %.6g]%s\n", u->name, u->key, d, u->nominal, u->lo,
                            u->hi, u->integer ? "; rounded to integers" : "");
                }
            }
        }
        ts_scenario_free(sc);
    }
    if (watching)
        ts_interrupt_stop(&in);
    int sig = ts_interrupted(&in);
    if (sig) {
        fprintf(err, "tradesim check: interrupted by signal %d; the scenarios after the last "
                "one printed were not checked\n", sig);
        return TS_EIO;
    }
    return worst;
}
