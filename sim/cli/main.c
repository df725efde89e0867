/* tradesim: the command-line program. The table of subcommands and the
 * top-level help live here; every subcommand's work is in the library
 * (cmd_<name>.c, cli.h). */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "tradesim/cli.h"

typedef struct {
    const ts_cli_spec *spec;
    int (*fn)(int argc, char **argv, FILE *out, FILE *err);
} command;

static const command commands[] = {
    {&ts_cmd_run_spec, ts_cmd_run},         {&ts_cmd_batch_spec, ts_cmd_batch},
    {&ts_cmd_check_spec, ts_cmd_check},     {&ts_cmd_compare_spec, ts_cmd_compare},
    {&ts_cmd_diff_spec, ts_cmd_diff},       {&ts_cmd_plot_spec, ts_cmd_plot},
    {&ts_cmd_verify_spec, ts_cmd_verify},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].spec->name, name) == 0)
            return &commands[i];
    return NULL;
}

static void main_usage(FILE *out)
{
    fputs("usage: tradesim <command> [options]\n"
          "\n"
          "Simulates a two-actor trade negotiation (tariffs, chip export licences,\n"
          "export controls, pledges) from a libconfig scenario file.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-9s %s\n", commands[i].spec->name, commands[i].spec->summary);
    fputs("\n"
          "tradesim <command> --help   options of one command\n"
          "tradesim --version          version\n"
          "Exit codes: 0 ok, 1 differences found (diff, verify), 2 bad usage or scenario, 3 run-time\n"
          "or I/O failure.\n",
          out);
}

static int run(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 2) {
        main_usage(err);
        return TS_EBAD;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        const command *c = argc > 2 ? find_command(argv[2]) : NULL;
        if (c)
            fputs(c->spec->usage, out);
        else
            main_usage(out);
        return TS_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        fprintf(out, "tradesim %s\n", TRADESIM_VERSION);
        return TS_OK;
    }
    const command *c = find_command(name);
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
