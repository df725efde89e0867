/* Command line: the shared option parser and the subcommands' entry points,
 * one function, spec and usage text each (cmd_<name>.c); the table of
 * subcommands is main's (main.c). The shared parser gives every subcommand
 * the same spellings. */
#ifndef TRADESIM_CLI_H
#define TRADESIM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tradesim/error.h"

#define TS_CLI_MAX_SETS 256

/* Options every subcommand may take; each says which it accepts. */
typedef struct {
    const char *out;           /* -o, --output */
    long replicates;           /* -r, --replicates; -1 unset */
    const char *seed;          /* -s, --seed as given; NULL unset */
    uint64_t seed_value;       /* its value (checked by the parser) */
    long threads;              /* -j, --jobs; -1 unset, 0 = one per core */
    const char *sets[TS_CLI_MAX_SETS];   /* --set KEY=VALUE */
    int n_sets;
    long trajectories;         /* --trajectories; LONG_MIN unset */
    bool resume;               /* --resume */
    bool quiet;                /* -q, --quiet */
    bool recursive;            /* -R, --recursive */
    double rtol, atol;         /* --rtol, --atol; negative unset */
    bool help;                 /* -h, --help */
    bool independent;          /* --independent (compare) */
    char log_set[32];          /* --log LEVEL, as the --set it stands for */
    const char *design;        /* --design NAME */
    long points;               /* -n, --points; -1 unset */
    const char *where;         /* --where EXPR (discover) */
    const char *target;        /* --target FILE (calibrate) */
    const char *method;        /* --method NAME (calibrate, discover) */
    double accept;             /* --accept SHARE (calibrate); negative unset */
    const char *shard;         /* --shard K/N or auto */
    bool slurm;                /* --slurm */
    long tasks;                /* --tasks N; -1 unset */
    const char *time_limit;    /* --time T (Slurm's forms) */
    const char *partition;     /* --partition P */
    const char *positional[4096];
    int n_positional;
} ts_cli_opts;

/* The overrides of a run, in the order they apply: every --set (and --log),
 * then those -r, -s and --trajectories stand for (monte_carlo.replicates,
 * monte_carlo.seed, output.trajectories), so the resolved scenario records
 * them. v points into o and into the buffers here. */
typedef struct {
    const char *v[TS_CLI_MAX_SETS + 3];
    int n;
    char replicates[64], seed[64], trajectories[64];
} ts_cli_overrides;

void ts_cli_overrides_collect(const ts_cli_opts *o, ts_cli_overrides *ov);

/* What a subcommand accepts and how it is described: each cmd_<name>.c
 * defines its own ts_cmd_<name>_spec. `accept` holds the option letters,
 * e.g. "orsjStRqaeh" (see cli.c); min_pos..max_pos positional arguments
 * (max_pos -1: no limit), named `what` in the error. */
typedef struct {
    const char *name;
    const char *summary;   /* one line, for `tradesim --help` */
    const char *accept;
    int min_pos, max_pos;
    const char *what;
    const char *usage;     /* `tradesim <name> --help` */
} ts_cli_spec;

/* Parses argv[1..] (argv[0] is the subcommand) allowing the options in
 * `accept`. On a bad option prints one line to err and returns 2. */
int ts_cli_parse(int argc, char **argv, const char *accept, const char *cmd, ts_cli_opts *o,
                 FILE *err);

/* The start every subcommand shares: parses options (ts_cli_parse), answers
 * --help with the spec's usage, and checks the number of positional
 * arguments. Returns -1 when the command should go on, otherwise the exit
 * code to return. */
int ts_cli_begin(int argc, char **argv, const ts_cli_spec *spec, ts_cli_opts *o, FILE *out,
                 FILE *err);

/* One rule for every subcommand's inputs: a path that does not exist, cannot
 * be reached or opened, or is a folder where a file is expected is bad input
 * (exit 2),
 * reported on err as one line; folder_hint (or NULL) follows the message for
 * a folder. Returns -1 when path is a file to go on with, else 2. */
int ts_cli_input_file(const char *cmd, const char *path, const char *folder_hint, FILE *err);

/* The subcommands: ts_cmd_<name>(argc, argv, out, err) returns the exit code
 * (0 ok, 1 differences, 2 bad usage or scenario, 3 run-time or I/O failure). */
int ts_cmd_run(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_batch(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_check(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_compare(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_diff(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_plot(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_verify(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_experiment(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_sensitivity(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_discover(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_calibrate(int argc, char **argv, FILE *out, FILE *err);
int ts_cmd_merge(int argc, char **argv, FILE *out, FILE *err);

/* One subcommand: its spec and its function. */
typedef struct {
    const ts_cli_spec *spec;
    int (*fn)(int argc, char **argv, FILE *out, FILE *err);
} ts_cli_command;

/* Every subcommand, in `tradesim --help`'s order (*n of them). */
const ts_cli_command *ts_cli_commands(size_t *n);
/* The subcommand called name; NULL if none. */
const ts_cli_command *ts_cli_find_command(const char *name);
/* `tradesim --help`: usage, the subcommands' summaries, exit codes. */
void ts_cli_main_usage(FILE *out);

/* An option as the parser spells it: short form (NULL when none), long
 * form, and whether it takes a value. */
typedef struct {
    const char *shortf, *longf;
    bool takes_value;
} ts_cli_option;

/* The options spec accepts, in the parser's order, into out (up to max);
 * returns how many there are. */
int ts_cli_spec_options(const ts_cli_spec *spec, ts_cli_option *out, int max);

extern const ts_cli_spec ts_cmd_run_spec, ts_cmd_batch_spec, ts_cmd_check_spec,
    ts_cmd_compare_spec, ts_cmd_diff_spec, ts_cmd_plot_spec, ts_cmd_verify_spec,
    ts_cmd_experiment_spec, ts_cmd_sensitivity_spec, ts_cmd_discover_spec,
    ts_cmd_calibrate_spec, ts_cmd_merge_spec;

#endif
