/* tradesim diff: not built yet. */
#include <string.h>

#include "tradesim/cli.h"

int ts_cmd_diff(int argc, char **argv, FILE *out, FILE *err)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            ts_cli_usage("diff", out);
            return TS_OK;
        }
    fprintf(err, "tradesim diff: not built yet in this version\n");
    return TS_EIO;
}
