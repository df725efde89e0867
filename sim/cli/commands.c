/* The table of subcommands and the top-level help: the program (main.c)
 * dispatches on it, and the build generates the man pages and the bash
 * completion from it and the specs' usage texts (tools/docgen.c), so the
 * three never disagree. */
#include "tradesim/cli.h"

#include <string.h>

static const ts_cli_command commands[] = {
    {&ts_cmd_run_spec, ts_cmd_run},         {&ts_cmd_batch_spec, ts_cmd_batch},
    {&ts_cmd_check_spec, ts_cmd_check},     {&ts_cmd_compare_spec, ts_cmd_compare},
    {&ts_cmd_diff_spec, ts_cmd_diff},       {&ts_cmd_plot_spec, ts_cmd_plot},
    {&ts_cmd_verify_spec, ts_cmd_verify},   {&ts_cmd_experiment_spec, ts_cmd_experiment},
    {&ts_cmd_sensitivity_spec, ts_cmd_sensitivity}, {&ts_cmd_discover_spec, ts_cmd_discover},
    {&ts_cmd_calibrate_spec, ts_cmd_calibrate},
    {&ts_cmd_merge_spec, ts_cmd_merge},
};

const ts_cli_command *ts_cli_commands(size_t *n)
{
    *n = sizeof commands / sizeof commands[0];
    return commands;
}

const ts_cli_command *ts_cli_find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].spec->name, name) == 0)
            return &commands[i];
    return NULL;
}

void ts_cli_main_usage(FILE *out)
{
    fputs("usage: tradesim <command> [options]\n"
          "\n"
          "Simulates a two-actor trade negotiation (tariffs, chip export licences,\n"
          "export controls, pledges) from a libconfig scenario file.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].spec->name, commands[i].spec->summary);
    fputs("\n"
          "tradesim <command> --help   options of one command\n"
          "tradesim --version          version\n"
          "Exit codes: 0 ok, 1 differences found (diff, verify), 2 bad usage or scenario,\n"
          "3 run-time or I/O failure.\n",
          out);
}
