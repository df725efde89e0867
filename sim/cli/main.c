/* tradesim: the command-line program. The table of subcommands and the
 * top-level help are the library's (commands.c), as is every subcommand's
 * work (cmd_<name>.c, cli.h). */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "tradesim/cli.h"

static int run(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 2) {
        ts_cli_main_usage(err);
        return TS_EBAD;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        const ts_cli_command *c = argc > 2 ? ts_cli_find_command(argv[2]) : NULL;
        if (c)
            fputs(c->spec->usage, out);
        else
            ts_cli_main_usage(out);
        return TS_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        fprintf(out, "tradesim %s\n", TRADESIM_VERSION);
        return TS_OK;
    }
    const ts_cli_command *c = ts_cli_find_command(name);
    if (!c) {
        fprintf(err, "tradesim: unknown command '%s' (commands: run, batch, check, compare, "
                     "diff, plot, verify; see 'tradesim --help')\n",
                name);
        return TS_EBAD;
    }
    int rc = c->fn(argc - 1, argv + 1, out, err);
    if (fflush(out) != 0 && rc == TS_OK) {
        fprintf(err, "tradesim %s: cannot write to standard output\n", name);
        rc = TS_EIO;
    }
    return rc;
}

int main(int argc, char **argv)
{
    /* The library checks every GSL status; GSL's default handler would abort. */
    gsl_set_error_handler_off();
    return run(argc, argv, stdout, stderr);
}
