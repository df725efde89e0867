/* tradesim verify: check result folders against their completion marker and
 * datapackage.json (docs/cli.md, "tradesim verify"); the same check
 * --resume makes before it trusts a folder. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tradesim/cli.h"
#include "tradesim/resultdir.h"
#include "tradesim/text.h"

const ts_cli_spec ts_cmd_verify_spec = {
    .name = "verify",
    .summary = "check result folders against their recorded sizes and SHA-256",
    .accept = "qh",
    .min_pos = 1,
    .max_pos = -1,
    .what = "at least one result folder",
    .usage =
    "usage: tradesim verify DIR... [-q]\n"
    "\n"
    "Checks that each result folder DIR is complete and unchanged: its .complete\n"
    "marker is there, and every file it and datapackage.json list has the size and\n"
    "SHA-256 recorded when the run finished. Prints each difference; exit 0 when\n"
    "every folder passes, 1 when one does not, 2 when DIR is not a folder.\n"
    "\n"
    "  -q, --quiet            print only the differences\n",
};

int ts_cmd_verify(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_verify_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    int worst = TS_OK;
    for (int i = 0; i < o.n_positional; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", o.positional[i]);
        for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
            dir[n - 1] = '\0';   /* "results/x/" names its files "results/x/f" */
        struct stat sb;
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(err, "tradesim verify: %s: %s\n", dir,
                    stat(dir, &sb) != 0 ? "no such folder" : "not a folder (give a result folder)");
            worst = TS_EBAD;
            continue;
        }
        ts_text why = {0};
        if (ts_result_verify(dir, NULL, &why)) {
            if (!o.quiet)
                fprintf(out, "%s: ok\n", dir);
        } else {
            fputs(why.oom || !why.s ? "tradesim verify: out of memory\n" : why.s, out);
            if (worst < TS_EDIFF)
                worst = TS_EDIFF;
        }
        ts_text_free(&why);
    }
    return worst;
}
