/* Tests of the option parser every subcommand shares (cli.h): both spellings
 * (-j 2, -j2, --jobs 2, --jobs=2), each value's range and its one-line error,
 * options a subcommand does not accept, a missing or unwanted value, "--"
 * and "-" as positional arguments, the --set limit, --log as the --set it
 * stands for, and ts_cli_begin's --help and argument counts. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tradesim/cli.h"

#define ALL "orsjStuqRaehL"

typedef struct {
    ts_cli_opts o;
    char err[1024];
} parsed;

/* Parses the NULL-terminated arguments after a subcommand "cmd" accepting
 * `accept`; the error text in p->err. */
static int parse(parsed *p, const char *accept, ...)
{
    char *argv[600] = {"cmd"};
    int argc = 1;
    va_list ap;
    va_start(ap, accept);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 600;)
        argv[argc++] = (char *)a;
    va_end(ap);
    p->err[0] = '\0';
    FILE *err = fmemopen(p->err, sizeof p->err, "w");
    assert_non_null(err);
    int rc = ts_cli_parse(argc, argv, accept, "cmd", &p->o, err);
    fclose(err);
    return rc;
}

static void test_spellings(void **state)
{
    (void)state;
    parsed *p = malloc(sizeof *p);
    assert_non_null(p);
    static const char *const jobs[][2] = {{"-j", "2"}, {"-j2", NULL}, {"--jobs", "2"},
                                          {"--jobs=2", NULL}};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(parse(p, ALL, jobs[k][0], jobs[k][1], NULL), 0);
        assert_int_equal(p->o.threads, 2);
        assert_int_equal(p->o.n_positional, 0);
    }
    /* unset values */
    assert_int_equal(parse(p, ALL, "a.cfg", NULL), 0);
    assert_int_equal(p->o.replicates, -1);
    assert_int_equal(p->o.threads, -1);
    assert_true(p->o.trajectories == LONG_MIN);
    assert_true(p->o.rtol < 0 && p->o.atol < 0);
    assert_null(p->o.out);
    assert_null(p->o.seed);
    /* every option once, positionals among them */
    assert_int_equal(parse(p, ALL, "a.cfg", "-o", "out", "-r", "100000000", "-s", "7", "-j", "0",
                           "--set", "k=v", "--trajectories", "-1", "--resume", "-q", "-R",
                           "--atol", "0.5", "--rtol=1e-9", "--log", "events", "b.cfg", NULL),
                     0);
    assert_string_equal(p->o.out, "out");
    assert_int_equal(p->o.replicates, 100000000);
    assert_string_equal(p->o.seed, "7");
    assert_int_equal(p->o.threads, 0);
    assert_int_equal(p->o.trajectories, -1);
    assert_true(p->o.resume && p->o.quiet && p->o.recursive);
    assert_true(p->o.atol == 0.5 && p->o.rtol == 1e-9);
    /* --log is the --set output.log=LEVEL, after the --set before it */
    assert_int_equal(p->o.n_sets, 2);
    assert_string_equal(p->o.sets[0], "k=v");
    assert_string_equal(p->o.sets[1], "output.log=events");
    assert_int_equal(p->o.n_positional, 2);
    assert_string_equal(p->o.positional[0], "a.cfg");
    assert_string_equal(p->o.positional[1], "b.cfg");
    /* "-" and everything after "--" are positional */
    assert_int_equal(parse(p, ALL, "-", "--", "-q", "--set", NULL), 0);
    assert_false(p->o.quiet);
    assert_int_equal(p->o.n_positional, 3);
    assert_string_equal(p->o.positional[0], "-");
    assert_string_equal(p->o.positional[2], "--set");
    free(p);
}

static void test_bad_values(void **state)
{
    (void)state;
    parsed *p = malloc(sizeof *p);
    assert_non_null(p);
    static const struct {
        const char *opt, *val, *msg;
    } bad[] = {
        {"-r", "0", "tradesim cmd: --replicates '0': expected a whole number from 1 to 100000000\n"},
        {"-r", "100000001", "--replicates '100000001': expected a whole number"},
        {"-r", "12x", "--replicates '12x': expected"},
        {"-r", "", "--replicates '': expected"},
        {"-r", "99999999999999999999", "--replicates '99999999999999999999'"},
        {"-j", "1025", "tradesim cmd: --jobs '1025': expected a whole number from 0 (one per core) to 1024\n"},
        {"-j", "-1", "--jobs '-1'"},
        {"--trajectories", "-2", "tradesim cmd: --trajectories '-2': expected a whole number, -1 for all\n"},
        {"--atol", "-0.1", "tradesim cmd: --atol '-0.1': expected a number >= 0\n"},
        {"--atol", "nan", "--atol 'nan'"},
        {"--rtol", "1e301", "tradesim cmd: --rtol '1e301': expected a number >= 0\n"},
        {"--rtol", "x", "--rtol 'x'"},
        {"--set", "novalue", "tradesim cmd: --set 'novalue': expected KEY=VALUE, e.g. monte_carlo.replicates=100\n"},
        {"--log", "debug", "tradesim cmd: --log 'debug': expected none, events or all\n"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(parse(p, ALL, bad[k].opt, bad[k].val, NULL), 2);
        if (!strstr(p->err, bad[k].msg))
            print_error("%s %s: got '%s'\n", bad[k].opt, bad[k].val, p->err);
        assert_non_null(strstr(p->err, bad[k].msg));
        assert_non_null(strchr(p->err, '\n'));
        assert_true(strchr(p->err, '\n')[1] == '\0');   /* one line */
    }
    /* the largest and smallest accepted */
    assert_int_equal(parse(p, ALL, "-r", "1", "-j", "1024", "--atol", "1e300", NULL), 0);
    assert_int_equal(p->o.replicates, 1);
    assert_int_equal(p->o.threads, 1024);
    free(p);
}

static void test_unknown_and_missing(void **state)
{
    (void)state;
    parsed *p = malloc(sizeof *p);
    assert_non_null(p);
    assert_int_equal(parse(p, "oqh", "-x", NULL), 2);
    assert_string_equal(p->err, "tradesim cmd: unknown option '-x' (see 'tradesim cmd --help')\n");
    /* known to the parser, not accepted by this subcommand */
    assert_int_equal(parse(p, "oqh", "--resume", NULL), 2);
    assert_string_equal(p->err,
                        "tradesim cmd: unknown option '--resume' (see 'tradesim cmd --help')\n");
    /* a prefix of a long option is not that option */
    assert_int_equal(parse(p, ALL, "--out", "x", NULL), 2);
    assert_non_null(strstr(p->err, "unknown option '--out'"));
    /* a flag's short form does not take text glued on */
    assert_int_equal(parse(p, ALL, "-qq", NULL), 2);
    assert_non_null(strstr(p->err, "unknown option '-qq'"));
    assert_int_equal(parse(p, ALL, "-o", NULL), 2);
    assert_string_equal(p->err, "tradesim cmd: option '-o' needs a value\n");
    assert_int_equal(parse(p, ALL, "--quiet=yes", NULL), 2);
    assert_string_equal(p->err, "tradesim cmd: option '--quiet' takes no value\n");
    free(p);
}

static void test_set_limit(void **state)
{
    (void)state;
    parsed *p = malloc(sizeof *p);
    assert_non_null(p);
    char *argv[2 * TS_CLI_MAX_SETS + 4] = {"cmd"};
    int argc = 1;
    for (int k = 0; k < TS_CLI_MAX_SETS; k++) {
        argv[argc++] = "--set";
        argv[argc++] = "a=1";
    }
    FILE *err = fmemopen(p->err, sizeof p->err, "w");
    assert_int_equal(ts_cli_parse(argc, argv, ALL, "cmd", &p->o, err), 0);
    assert_int_equal(p->o.n_sets, TS_CLI_MAX_SETS);
    argv[argc++] = "--set";
    argv[argc++] = "b=2";
    assert_int_equal(ts_cli_parse(argc, argv, ALL, "cmd", &p->o, err), 2);
    fclose(err);
    assert_string_equal(p->err, "tradesim cmd: --set 'b=2': expected at most 256 --set options\n");
    /* --log counts as one of them */
    argv[argc - 2] = "--log";
    argv[argc - 1] = "all";
    err = fmemopen(p->err, sizeof p->err, "w");
    assert_int_equal(ts_cli_parse(argc, argv, ALL, "cmd", &p->o, err), 2);
    fclose(err);
    assert_string_equal(p->err, "tradesim cmd: --log 'all': expected at most 256 --set options\n");
    free(p);
}

static const ts_cli_spec spec = {
    .name = "demo",
    .summary = "a demo",
    .accept = "qh",
    .min_pos = 1,
    .max_pos = 2,
    .what = "one or two files",
    .usage = "usage: tradesim demo FILE [FILE]\n",
};

static int begin(ts_cli_opts *o, char *out, char *errbuf, int argc, char **argv)
{
    out[0] = errbuf[0] = '\0';
    FILE *fo = fmemopen(out, 256, "w"), *fe = fmemopen(errbuf, 256, "w");
    int rc = ts_cli_begin(argc, argv, &spec, o, fo, fe);
    fclose(fo);
    fclose(fe);
    return rc;
}

static void test_begin(void **state)
{
    (void)state;
    ts_cli_opts *o = malloc(sizeof *o);
    assert_non_null(o);
    char out[256], err[256];
    char *help[] = {"demo", "--help"};
    assert_int_equal(begin(o, out, err, 2, help), 0);
    assert_string_equal(out, spec.usage);
    assert_string_equal(err, "");
    char *none[] = {"demo"};
    assert_int_equal(begin(o, out, err, 1, none), 2);
    assert_string_equal(err, "tradesim demo: expected one or two files, got 0 arguments "
                             "(see 'tradesim demo --help')\n");
    char *three[] = {"demo", "a", "b", "c"};
    assert_int_equal(begin(o, out, err, 4, three), 2);
    assert_non_null(strstr(err, "got 3 arguments"));
    char *one[] = {"demo", "a", "-q"};
    assert_int_equal(begin(o, out, err, 3, one), -1);
    assert_true(o->quiet);
    assert_string_equal(out, "");
    char *bad[] = {"demo", "a", "-o", "x"};
    assert_int_equal(begin(o, out, err, 4, bad), 2);
    assert_non_null(strstr(err, "unknown option '-o'"));
    /* the options a spec accepts, in the parser's order, counted past max */
    ts_cli_option opts[2];
    assert_int_equal(ts_cli_spec_options(&spec, opts, 1), 2);
    assert_string_equal(opts[0].longf, "--quiet");
    assert_string_equal(opts[0].shortf, "-q");
    assert_false(opts[0].takes_value);
    assert_int_equal(ts_cli_spec_options(&ts_cmd_diff_spec, opts, 2), 3);
    assert_string_equal(opts[0].longf, "--atol");
    assert_null(opts[0].shortf);
    assert_true(opts[0].takes_value);
    free(o);
}

/* The table of subcommands: each found by name with its own spec, and the
 * top-level help lists each with its summary. */
static void test_commands(void **state)
{
    (void)state;
    size_t n;
    const ts_cli_command *c = ts_cli_commands(&n);
    assert_int_equal(n, 12);
    char help[4096];
    FILE *f = fmemopen(help, sizeof help, "w");
    ts_cli_main_usage(f);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(ts_cli_find_command(c[i].spec->name), &c[i]);
        assert_non_null(strstr(help, c[i].spec->summary));
    }
    assert_null(ts_cli_find_command("nope"));
    assert_null(ts_cli_find_command("ru"));
    assert_ptr_equal(ts_cli_find_command("run")->fn, ts_cmd_run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spellings),   cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_unknown_and_missing), cmocka_unit_test(test_set_limit),
        cmocka_unit_test(test_begin),       cmocka_unit_test(test_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
