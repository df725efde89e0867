/* The option parser every subcommand shares.
 *
 * Every subcommand is ts_cmd_<name>(argc, argv, out, err) in its own file
 * (cmd_<name>.c) with its own ts_cli_spec (usage text, accepted options,
 * argument count); argv[0] is the subcommand's name. Options are spelled the
 * same everywhere; each subcommand lists the letters it accepts. The table of
 * subcommands lives with main (main.c). */
#include "tradesim/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tradesim/scenario.h"

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
    {'L', NULL, "--log", true},          {'I', NULL, "--independent", false},
    {'d', NULL, "--design", true},       {'n', "-n", "--points", true},
    {'w', NULL, "--where", true},        {'T', NULL, "--target", true},
    {'M', NULL, "--method", true},       {'A', NULL, "--accept", true},
    {'k', NULL, "--shard", true},        {'y', NULL, "--slurm", false},
    {'K', NULL, "--tasks", true},        {'W', NULL, "--time", true},
    {'P', NULL, "--partition", true},
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

/* A seed: a whole number in [0, 2^64 - 1], decimal or 0x hex (as
 * summary.csv writes seeds), an optional L suffix, never saturated or
 * wrapped. */
static bool parse_seed(const char *d, uint64_t *v)
{
    size_t len = strlen(d);
    if (len > 0 && (d[len - 1] == 'L' || d[len - 1] == 'l'))
        len--;
    bool hex = len > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
    const char *digits = hex ? "0123456789abcdefABCDEF" : "0123456789";
    size_t skip = hex ? 2 : 0;
    char text[32];
    if (!(len > skip && len - skip < sizeof text && strspn(d + skip, digits) >= len - skip))
        return false;
    memcpy(text, d + skip, len - skip);
    text[len - skip] = '\0';
    errno = 0;
    unsigned long long x = strtoull(text, NULL, hex ? 16 : 10);
    if (errno == ERANGE)
        return false;
    *v = (uint64_t)x;
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
    case 'o':
        if (!*val)   /* "" would put DIR/<name> at the filesystem's root */
            return bad_value(err, cmd, name, val, "a folder (not an empty path)");
        o->out = val;
        break;
    case 'r':
        if (!parse_long(val, 1, 100000000L, &o->replicates))
            return bad_value(err, cmd, name, val, "a whole number from 1 to 100000000");
        break;
    case 's':
        if (!parse_seed(val, &o->seed_value))
            return bad_value(err, cmd, name, val,
                             "a whole number from 0 to 18446744073709551615 (or 0x and up to 16 "
                             "hex digits)");
        o->seed = val;
        break;
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
    case 'd': o->design = val; break;
    case 'w': o->where = val; break;
    case 'T': o->target = val; break;
    case 'M': o->method = val; break;
    case 'A':
        if (!parse_double(val, &o->accept) || !(o->accept > 0.0) || o->accept > 1.0)
            return bad_value(err, cmd, name, val, "a share in (0, 1]");
        break;
    case 'n':
        if (!parse_long(val, 1, 10000000L, &o->points))
            return bad_value(err, cmd, name, val, "a whole number from 1 to 10000000");
        break;
    case 'I': o->independent = true; break;
    case 'k': o->shard = val; break;
    case 'y': o->slurm = true; break;
    case 'K':
        if (!parse_long(val, 1, 100000L, &o->tasks))
            return bad_value(err, cmd, name, val, "a whole number from 1 to 100000");
        break;
    case 'W':
        /* Slurm's own forms (MM, HH:MM:SS, D-HH...): digits, ':' and '-' */
        if (!*val || strspn(val, "0123456789:-") != strlen(val) || strlen(val) > 16)
            return bad_value(err, cmd, name, val, "a Slurm time limit such as 30, 2:00:00 or 1-00:00:00");
        o->time_limit = val;
        break;
    case 'P':
        if (!*val || strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,-") != strlen(val))
            return bad_value(err, cmd, name, val, "a partition name (letters, digits, _ . , -)");
        o->partition = val;
        break;
    case 'L': {
        /* the same as --set output.log=LEVEL, checked here to name --log */
        bool known = false;
        for (int i = 0; i < TS_LOGLEVEL_COUNT; i++)
            known = known || strcmp(val, ts_log_level_names[i]) == 0;
        if (!known)
            return bad_value(err, cmd, name, val, "none, events or all");
        if (o->n_sets == TS_CLI_MAX_SETS)
            return bad_value(err, cmd, name, val, "at most 256 --set options");
        snprintf(o->log_set, sizeof o->log_set, "output.log=%s", val);
        o->sets[o->n_sets++] = o->log_set;
        break;
    }
    }
    return TS_OK;
}

int ts_cli_spec_options(const ts_cli_spec *spec, ts_cli_option *out, int max)
{
    int n = 0;
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++)
        if (strchr(spec->accept, specs[k].letter)) {
            if (n < max)
                out[n] = (ts_cli_option){.shortf = specs[k].shortf,
                                         .longf = specs[k].longf,
                                         .takes_value = specs[k].takes_value};
            n++;
        }
    return n;
}

int ts_cli_parse(int argc, char **argv, const char *accept, const char *cmd, ts_cli_opts *o,
                 FILE *err)
{
    memset(o, 0, sizeof *o);
    o->replicates = -1;
    o->threads = -1;
    o->trajectories = LONG_MIN;
    o->points = -1;
    o->tasks = -1;
    o->rtol = o->atol = -1.0;
    o->accept = -1.0;
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

int ts_cli_begin(int argc, char **argv, const ts_cli_spec *spec, ts_cli_opts *o, FILE *out,
                 FILE *err)
{
    const char *cmd = spec->name;
    int rc = ts_cli_parse(argc, argv, spec->accept, cmd, o, err);
    if (rc != TS_OK)
        return rc;
    if (o->help) {
        fputs(spec->usage, out);
        return TS_OK;
    }
    if (o->n_positional < spec->min_pos || (spec->max_pos >= 0 && o->n_positional > spec->max_pos)) {
        fprintf(err, "tradesim %s: expected %s, got %d argument%s (see 'tradesim %s --help')\n",
                cmd, spec->what, o->n_positional, o->n_positional == 1 ? "" : "s", cmd);
        return TS_EBAD;
    }
    return -1;
}

int ts_cli_input_file(const char *cmd, const char *path, const char *folder_hint, FILE *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(err, "tradesim %s: %s: %s\n", cmd, path,
                errno == ENOENT ? "no such file" : strerror(errno));
        return TS_EBAD;
    }
    if (S_ISDIR(sb.st_mode)) {
        fprintf(err, "tradesim %s: %s: is a folder, not a file%s\n", cmd, path,
                folder_hint ? folder_hint : "");
        return TS_EBAD;
    }
    FILE *f = S_ISREG(sb.st_mode) ? fopen(path, "rb") : NULL;   /* opening a FIFO would block */
    if (S_ISREG(sb.st_mode) && !f) {
        fprintf(err, "tradesim %s: %s: cannot read: %s\n", cmd, path, strerror(errno));
        return TS_EBAD;
    }
    if (f)
        fclose(f);
    return -1;
}

void ts_cli_overrides_collect(const ts_cli_opts *o, ts_cli_overrides *ov)
{
    ov->n = 0;
    for (int i = 0; i < o->n_sets; i++)
        ov->v[ov->n++] = o->sets[i];
    if (o->replicates > 0) {
        snprintf(ov->replicates, sizeof ov->replicates, "monte_carlo.replicates=%ld",
                 o->replicates);
        ov->v[ov->n++] = ov->replicates;
    }
    if (o->seed) {
        /* Up to 2^63 - 1 as a 64-bit integer (L), above as the decimal text
         * the loader reads exactly. */
        snprintf(ov->seed, sizeof ov->seed, "monte_carlo.seed=%" PRIu64 "%s", o->seed_value,
                 o->seed_value <= (uint64_t)INT64_MAX ? "L" : "");
        ov->v[ov->n++] = ov->seed;
    }
    if (o->trajectories != LONG_MIN) {
        snprintf(ov->trajectories, sizeof ov->trajectories, "output.trajectories=%ld",
                 o->trajectories);
        ov->v[ov->n++] = ov->trajectories;
    }
}
