/* Command line: one table of subcommands, one function and usage text each.
 *
 * ts_cli_main() is the whole program; it returns the exit code (0 ok,
 * 1 differences, 2 bad usage or scenario, 3 run-time or I/O failure). The
 * shared option parser gives every subcommand the same spellings. */
#ifndef TRADESIM_CLI_H
#define TRADESIM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "tradesim/error.h"

#define TS_CLI_MAX_SETS 256

/* Options every subcommand may take; each says which it accepts. */
typedef struct {
    const char *out;           /* -o, --output */
    long replicates;           /* -r, --replicates; -1 unset */
    const char *seed;          /* -s, --seed (text, checked by the scenario) */
    long threads;              /* -j, --jobs; -1 unset, 0 = one per core */
    const char *sets[TS_CLI_MAX_SETS];   /* --set KEY=VALUE */
    int n_sets;
    long trajectories;         /* --trajectories; LONG_MIN unset */
    bool resume;               /* --resume */
    bool quiet;                /* -q, --quiet */
    bool recursive;            /* -R, --recursive */
    double rtol, atol;         /* --rtol, --atol; negative unset */
    bool help;                 /* -h, --help */
    const char *positional[4096];
    int n_positional;
} ts_cli_opts;

/* Option letters a subcommand accepts, e.g. "orsjStRqaTh" (see cli.c). */
typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv, FILE *out, FILE *err);
    const char *summary;
    const char *usage;
} ts_cli_command;

/* Parses argv[1..] (argv[0] is the subcommand) allowing the options in
 * `accept`. On a bad option prints one line to err and returns 2. */
int ts_cli_parse(int argc, char **argv, const char *accept, const char *cmd, ts_cli_opts *o,
                 FILE *err);

/* The start every subcommand shares: parses options (ts_cli_parse), answers
 * --help, and checks there are min_pos..max_pos positional arguments
 * (max_pos -1: no limit), naming them as `what` in the error. Returns -1 when
 * the command should go on, otherwise the exit code to return. */
int ts_cli_begin(int argc, char **argv, const char *accept, const char *cmd, int min_pos,
                 int max_pos, const char *what, ts_cli_opts *o, FILE *out, FILE *err);

/* Prints a subcommand's usage. */
void ts_cli_usage(const char *cmd, FILE *out);

int ts_cli_main(int argc, char **argv, FILE *out, FILE *err);

int ts_cmd_run(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_batch(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_check(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_compare(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_diff(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_plot(int argc, char **argv, FILE *out, FILE *err);

#endif
