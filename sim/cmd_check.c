/* tradesim check: validate scenarios and print each fully resolved. */
#include <stdlib.h>

#include "tradesim/cli.h"
#include "tradesim/scenario.h"

int ts_cmd_check(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, "Sqh", "check", 1, -1, "at least one scenario file", &o,
                          out, err);
    if (rc >= 0)
        return rc;
    int worst = TS_OK;
    for (int i = 0; i < o.n_positional; i++) {
        ts_error e;
        ts_scenario *sc = ts_scenario_load(o.positional[i], o.sets, o.n_sets, &e);
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
            }
        }
        ts_scenario_free(sc);
    }
    return worst;
}
