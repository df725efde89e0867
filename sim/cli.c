/* The subcommand table, the shared option parser and top-level help.
 *
 * Every subcommand is ts_cmd_<name>(argc, argv, out, err) in its own file
 * (cmd_<name>.c); argv[0] is the subcommand's name. Options are spelled the
 * same everywhere; each subcommand lists the letters it accepts. */
#include "tradesim/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const ts_cli_command commands[] = {
    {"run", ts_cmd_run, "run one scenario's Monte Carlo replicates, write outcome CSVs",
     "usage: tradesim run SCENARIO.cfg [-o DIR] [-r N] [-s SEED] [-j THREADS]\n"
     "                    [--set KEY=VALUE]... [--trajectories N] [-q]\n"
     "\n"
     "Runs SCENARIO.cfg and writes summary.csv, aggregate.csv, trajectories.csv,\n"
     "log.csv and scenario.cfg into DIR/<name>/ (default DIR: results).\n"
     "\n"
     "  -o, --output DIR       output folder (default results)\n"
     "  -r, --replicates N     Monte Carlo replicates (overrides monte_carlo.replicates)\n"
     "  -s, --seed SEED        64-bit seed (overrides monte_carlo.seed)\n"
     "  -j, --jobs THREADS     worker threads; 0 = one per core (default 0)\n"
     "      --set KEY=VALUE    override a setting by path, e.g. actors.[0].reliability=0.5\n"
     "      --trajectories N   replicates whose full paths are written (-1 = all)\n"
     "  -q, --quiet            no progress on stderr\n"},
    {"batch", ts_cmd_batch, "run every *.cfg in files and folders, write batch.csv",
     "usage: tradesim batch PATH... [-o DIR] [-j THREADS] [-R] [--resume] [-q]\n"
     "                      [--set KEY=VALUE]...\n"
     "\n"
     "Runs every *.cfg file named or found in the folders named (sorted by path),\n"
     "each into DIR/<name>/, and writes DIR/batch.csv with one row per scenario.\n"
     "\n"
     "  -o, --output DIR       output folder (default results)\n"
     "  -j, --jobs THREADS     worker threads; 0 = one per core (default 0)\n"
     "  -R, --recursive        descend into sub-folders\n"
     "      --resume           skip scenarios whose outputs are complete and unchanged\n"
     "      --set KEY=VALUE    override a setting in every scenario\n"
     "  -q, --quiet            no progress on stderr\n"},
    {"check", ts_cmd_check, "validate scenarios and print them fully resolved",
     "usage: tradesim check SCENARIO.cfg... [--set KEY=VALUE]...\n"
     "\n"
     "Validates each scenario and prints it with every default filled in.\n"
     "Exit 0 when all are valid, 2 (with one line per error) otherwise.\n"
     "\n"
     "      --set KEY=VALUE    override a setting by path before validating\n"
     "  -q, --quiet            validate only; print nothing on success\n"},
    {"compare", ts_cmd_compare, "compare outcomes of result folders against a base",
     "usage: tradesim compare BASE_DIR OTHER_DIR... [-o FILE.csv]\n"
     "\n"
     "For each headline metric prints base and other values, the difference and\n"
     "its 95% interval (Welch's t for means, two proportions for deal\n"
     "probability), marking significant differences with '*'.\n"
     "\n"
     "  -o, --output FILE.csv  also write the table as CSV\n"},
    {"diff", ts_cmd_diff, "compare two outcome CSVs cell by cell",
     "usage: tradesim diff A.csv B.csv [--rtol X] [--atol X]\n"
     "\n"
     "Numbers are equal when |a-b| <= atol + rtol*max(|a|,|b|) (defaults 0, 0:\n"
     "exact). Exit 0 equal, 1 different (first differing cells listed), 2 bad\n"
     "usage or unreadable files.\n"
     "\n"
     "      --rtol X           relative tolerance (default 0)\n"
     "      --atol X           absolute tolerance (default 0)\n"},
    {"plot", ts_cmd_plot, "draw PNG and SVG charts of result folders with gnuplot",
     "usage: tradesim plot RESULT_DIR... [-o DIR]\n"
     "\n"
     "Per issue a fan chart (median, 5-95% band) and each actor's cumulative\n"
     "payoff; with several folders, one chart per issue with all overlaid.\n"
     "\n"
     "  -o, --output DIR       where the charts go (default: RESULT_DIR/plots for one\n"
     "                         folder, ./plots for several)\n"},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const ts_cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void ts_cli_usage(const char *cmd, FILE *out)
{
    const ts_cli_command *c = find_command(cmd);
    if (c)
        fputs(c->usage, out);
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
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "tradesim <command> --help   options of one command\n"
          "tradesim --version          version\n"
          "Exit codes: 0 ok, 1 differences found, 2 bad usage or scenario, 3 run-time\n"
          "or I/O failure.\n",
          out);
}

typedef struct {
    char letter;        /* key in the accept string */
    const char *shortf; /* "-o" or NULL */
    const char *longf;  /* "--output" */
    bool takes_value;
} opt_spec;

static const opt_spec specs[] = {
    {'o', "-o", "--output", true},       {'r', "-r", "--replicates", true},
    {'s', "-s", "--seed", true},         {'j', "-j", "--jobs", true},
    {'S', NULL, "--set", true},          {'t', NULL, "--trajectories", true},
    {'u', NULL, "--resume", false},      {'q', "-q", "--quiet", false},
    {'R', "-R", "--recursive", false},   {'a', NULL, "--atol", true},
    {'e', NULL, "--rtol", true},         {'h', "-h", "--help", false},
};

static bool parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return false;
    *v = x;
    return true;
}

static bool parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !(x >= 0.0) || x > 1e300)
        return false;
    *v = x;
    return true;
}

static int bad_value(FILE *err, const char *cmd, const char *opt, const char *val,
                     const char *expected)
{
    fprintf(err, "tradesim %s: %s '%s': expected %s\n", cmd, opt, val, expected);
    return TS_EBAD;
}

static int apply(const opt_spec *sp, const char *val, const char *cmd, ts_cli_opts *o, FILE *err)
{
    const char *name = sp->longf;
    switch (sp->letter) {
    case 'o': o->out = val; break;
    case 'r':
        if (!parse_long(val, 1, 100000000L, &o->replicates))
            return bad_value(err, cmd, name, val, "a whole number from 1 to 100000000");
        break;
    case 's': o->seed = val; break;
    case 'j':
        if (!parse_long(val, 0, 1024, &o->threads))
            return bad_value(err, cmd, name, val, "a whole number from 0 (one per core) to 1024");
        break;
    case 'S':
        if (!strchr(val, '='))
            return bad_value(err, cmd, name, val, "KEY=VALUE, e.g. monte_carlo.replicates=100");
        if (o->n_sets == TS_CLI_MAX_SETS)
            return bad_value(err, cmd, name, val, "at most 256 --set options");
        o->sets[o->n_sets++] = val;
        break;
    case 't':
        if (!parse_long(val, -1, 100000000L, &o->trajectories))
            return bad_value(err, cmd, name, val, "a whole number, -1 for all");
        break;
    case 'u': o->resume = true; break;
    case 'q': o->quiet = true; break;
    case 'R': o->recursive = true; break;
    case 'a':
        if (!parse_double(val, &o->atol))
            return bad_value(err, cmd, name, val, "a number >= 0");
        break;
    case 'e':
        if (!parse_double(val, &o->rtol))
            return bad_value(err, cmd, name, val, "a number >= 0");
        break;
    case 'h': o->help = true; break;
    }
    return TS_OK;
}

int ts_cli_parse(int argc, char **argv, const char *accept, const char *cmd, ts_cli_opts *o,
                 FILE *err)
{
    memset(o, 0, sizeof *o);
    o->replicates = -1;
    o->threads = -1;
    o->trajectories = LONG_MIN;
    o->rtol = o->atol = -1.0;
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || a[0] != '-' || a[1] == '\0') {
            if (o->n_positional == (int)(sizeof o->positional / sizeof o->positional[0])) {
                fprintf(err, "tradesim %s: too many arguments (at most 4096)\n", cmd);
                return TS_EBAD;
            }
            o->positional[o->n_positional++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = true;
            continue;
        }
        const opt_spec *sp = NULL;
        const char *val = NULL;
        for (size_t k = 0; k < sizeof specs / sizeof specs[0] && !sp; k++) {
            size_t ll = strlen(specs[k].longf);
            if (strncmp(a, specs[k].longf, ll) == 0 && (a[ll] == '\0' || a[ll] == '=')) {
                sp = &specs[k];
                if (a[ll] == '=')
                    val = a + ll + 1;
            } else if (specs[k].shortf && strncmp(a, specs[k].shortf, 2) == 0 &&
                       (a[2] == '\0' || specs[k].takes_value)) {
                sp = &specs[k];   /* "-j2" as well as "-j 2" */
                if (a[2] != '\0')
                    val = a + 2;
            }
        }
        if (!sp || !strchr(accept, sp->letter)) {
            fprintf(err, "tradesim %s: unknown option '%s' (see 'tradesim %s --help')\n", cmd, a,
                    cmd);
            return TS_EBAD;
        }
        if (sp->takes_value && !val) {
            if (i + 1 >= argc) {
                fprintf(err, "tradesim %s: option '%s' needs a value\n", cmd, a);
                return TS_EBAD;
            }
            val = argv[++i];
        } else if (!sp->takes_value && val) {
            fprintf(err, "tradesim %s: option '%s' takes no value\n", cmd, sp->longf);
            return TS_EBAD;
        }
        int rc = apply(sp, val, cmd, o, err);
        if (rc != TS_OK)
            return rc;
    }
    return TS_OK;
}

int ts_cli_begin(int argc, char **argv, const char *accept, const char *cmd, int min_pos,
                 int max_pos, const char *what, ts_cli_opts *o, FILE *out, FILE *err)
{
    int rc = ts_cli_parse(argc, argv, accept, cmd, o, err);
    if (rc != TS_OK)
        return rc;
    if (o->help) {
        ts_cli_usage(cmd, out);
        return TS_OK;
    }
    if (o->n_positional < min_pos || (max_pos >= 0 && o->n_positional > max_pos)) {
        fprintf(err, "tradesim %s: expected %s, got %d argument%s (see 'tradesim %s --help')\n",
                cmd, what, o->n_positional, o->n_positional == 1 ? "" : "s", cmd);
        return TS_EBAD;
    }
    return -1;
}

int ts_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 2) {
        main_usage(err);
        return TS_EBAD;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && find_command(argv[2])) {
            ts_cli_usage(argv[2], out);
            return TS_OK;
        }
        main_usage(out);
        return TS_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        fprintf(out, "tradesim %s\n", TRADESIM_VERSION);
        return TS_OK;
    }
    const ts_cli_command *c = find_command(name);
    if (!c) {
        fprintf(err, "tradesim: unknown command '%s' (commands: run, batch, check, compare, "
                     "diff, plot; see 'tradesim --help')\n",
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
