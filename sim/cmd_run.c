/* tradesim run: not built yet. */
#include <string.h>

#include "tradesim/cli.h"

int ts_cmd_run(int argc, char **argv, FILE *out, FILE *err)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            ts_cli_usage("run", out);
            return TS_OK;
        }
    fprintf(err, "tradesim run: not built yet in this version\n");
    return TS_EIO;
}
