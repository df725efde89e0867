/* Tests of `tradesim compare` (in-process through ts_cmd_compare) on
 * summary.csv files built so the answer is known: identical inputs give no
 * significant difference, shifted inputs are marked with the right sign and
 * the Welch interval computed by hand, runs with the same seeds are paired
 * (intervals from a paired variance known by hand) and others are not, with
 * the reason said, metrics on one side only are listed, and bad inputs give
 * exit 2 (3 for an unwritable -o) naming the file. */
#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tradesim/cli.h"
#include "tradesim/csvread.h"
#include "testutil.h"

TS_TEST_SCRATCH(dir, "test_compare")
static char outbuf[16384], errbuf[4096];

/* A result folder dir/name with a 100-replicate summary.csv: `deals` of them
 * reach a deal (at step 10 + k % 7), x_final = k + shift, x_mean = 3 (constant),
 * us_total = 100 - shift + k % 10, joint_total = k % 5; optionally the
 * actor column `extra`_total = 1; then us_vs_status_quo = 2 shift + k % 10
 * and joint_vs_status_quo = k % 3. */
static const char *make_result(const char *name, int deals, double shift, const char *extra)
{
    static char paths[4][256];
    static int slot;
    char *p = paths[slot++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    mkdir(p, 0777);
    char file[300];
    snprintf(file, sizeof file, "%s/summary.csv", p);
    FILE *f = fopen(file, "w");
    fputs("replicate,seed,deal,first_deal_step,first_deal_date,deals,breaches,failed_talks,"
          "x_final,x_mean,us_total",
          f);
    if (extra)
        fprintf(f, ",%s_total", extra);
    fputs(",joint_total,us_vs_status_quo,joint_vs_status_quo\n", f);
    for (int k = 0; k < 100; k++) {
        bool deal = k < deals;
        fprintf(f, "%d,%d,%d,", k, 1000 + k, deal);
        if (deal)
            fprintf(f, "%d,2025-01-%02d,", 10 + k % 7, 10 + k % 7);
        else
            fputs(",,", f);
        fprintf(f, "%d,0,1,%.17g,3,%.17g", deal, k + shift, 100 - shift + k % 10);
        if (extra)
            fputs(",1", f);
        fprintf(f, ",%d,%.17g,%d\n", k % 5, 2 * shift + k % 10, k % 3);
    }
    fclose(f);
    return p;
}

static int run(int n, const char **args)
{
    char *argv[16] = {"compare"};
    for (int i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    FILE *out = tmpfile(), *err = tmpfile();
    int rc = ts_cmd_compare(n + 1, argv, out, err);
    ts_test_slurp_stream(out, outbuf, sizeof outbuf);
    ts_test_slurp_stream(err, errbuf, sizeof errbuf);
    return rc;
}

#define NF 13   /* columns of -o's CSV */

/* The CSV row of `metric` for `other`: fields copied into row[NF]. */
static bool csv_row(const char *path, const char *other, const char *metric, char row[NF][64])
{
    ts_error e;
    ts_csvread *r = ts_csvread_open(path, &e);
    assert_non_null(r);
    bool got, found = false;
    while (!found && ts_csvread_next(r, &got, &e) == TS_OK && got) {
        assert_int_equal(ts_csvread_count(r), NF);
        if (strcmp(ts_csvread_field(r, 2), metric) == 0 &&
            strcmp(ts_csvread_field(r, 1), other) == 0) {
            for (int i = 0; i < NF; i++)
                snprintf(row[i], 64, "%s", ts_csvread_field(r, i));
            found = true;
        }
    }
    ts_csvread_free(r);
    return found;
}

static void test_identical_no_significance(void **state)
{
    (void)state;
    const char *a = make_result("a", 40, 0.0, NULL);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/cmp.csv", dir);
    const char *args[] = {a, a, "-o", csv};
    assert_int_equal(run(4, args), 0);
    assert_null(strstr(outbuf, "  *\n"));
    /* -o's header row names the thirteen columns docs/cli.md lists. */
    char *text = ts_test_read_file(csv, NULL);
    assert_non_null(text);
    const char *head = "base,other,metric,base_value,other_value,diff,lo,hi,significant,"
                       "n_base,n_other,note,method\n";
    assert_true(strncmp(text, head, strlen(head)) == 0);
    free(text);
    assert_non_null(strstr(outbuf, "deal_probability"));
    assert_non_null(strstr(outbuf, "time_to_first_deal"));
    const char *metrics[] = {"deal_probability", "time_to_first_deal", "x_final", "x_mean",
                             "us_total", "joint_total", "us_vs_status_quo",
                             "joint_vs_status_quo"};
    for (int i = 0; i < 8; i++) {
        char row[NF][64];
        assert_true(csv_row(csv, a, metrics[i], row));
        assert_string_equal(row[5], "0");  /* diff */
        assert_string_equal(row[8], "");   /* not significant */
        assert_string_equal(row[11], "");  /* no note */
    }
    /* A folder against itself: the same seeds, so paired. */
    assert_non_null(strstr(outbuf, "\npairing: paired by replicate (the same seed in all 100 "
                                   "replicates)\n"));
}

static void test_shifted_marked_with_sign(void **state)
{
    (void)state;
    const char *a = make_result("base", 20, 0.0, NULL);
    const char *b = make_result("other", 80, 50.0, NULL);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/cmp.csv", dir);
    /* The same seeds: --independent asks for the intervals computed here. */
    const char *args[] = {a, b, "-o", csv, "--independent"};
    assert_int_equal(run(5, args), 0);
    assert_non_null(strstr(outbuf, "\npairing: independent (--independent)\n"));
    char row[NF][64];

    /* 20/100 -> 80/100: +0.6, se = sqrt(2 * .16/100) = 0.056569, half
     * 1.959964 * se = 0.110873. */
    assert_true(csv_row(csv, b, "deal_probability", row));
    assert_float_equal(atof(row[5]), 0.6, 1e-9);
    assert_float_equal(atof(row[6]), 0.6 - 0.110873, 1e-5);
    assert_float_equal(atof(row[7]), 0.6 + 0.110873, 1e-5);
    assert_string_equal(row[8], "*");
    assert_string_equal(row[12], "wald");

    /* x_final: 0..99 vs 50..149. Both sd = sqrt(100*101/12) = 29.011492, so
     * se = sqrt(2 * 841.6667/100) = 4.102845, df = 198, t(.975, 198) =
     * 1.972017 -> half 8.090879: [41.9091, 58.0909]. */
    assert_true(csv_row(csv, b, "x_final", row));
    assert_float_equal(atof(row[3]), 49.5, 1e-9);
    assert_float_equal(atof(row[4]), 99.5, 1e-9);
    assert_float_equal(atof(row[5]), 50.0, 1e-9);
    assert_float_equal(atof(row[6]), 41.9091, 1e-3); /* 6 significant digits written */
    assert_float_equal(atof(row[7]), 58.0909, 1e-3);
    assert_string_equal(row[8], "*");
    assert_string_equal(row[12], "welch_t");

    /* us_total falls by 50: negative and significant. */
    assert_true(csv_row(csv, b, "us_total", row));
    assert_float_equal(atof(row[5]), -50.0, 1e-9);
    assert_true(atof(row[7]) < 0.0);
    assert_string_equal(row[8], "*");

    /* us_vs_status_quo rises by 100, with us_total's interval shifted by 150
     * (the same spread on both sides). */
    char tot[NF][64];
    assert_true(csv_row(csv, b, "us_total", tot));
    assert_true(csv_row(csv, b, "us_vs_status_quo", row));
    assert_float_equal(atof(row[5]), 100.0, 1e-9);
    assert_float_equal(atof(row[6]), atof(tot[6]) + 150.0, 1e-3);
    assert_string_equal(row[8], "*");
    assert_true(csv_row(csv, b, "joint_vs_status_quo", row));
    assert_string_equal(row[5], "0");

    /* Unchanged columns: joint_total exactly equal, x_mean constant 3 on both
     * sides (the interval collapses onto 0, not significant). */
    assert_true(csv_row(csv, b, "joint_total", row));
    assert_string_equal(row[5], "0");
    assert_string_equal(row[8], "");
    assert_true(csv_row(csv, b, "x_mean", row));
    assert_string_equal(row[8], "");

    /* time to first deal: mean over replicates with a deal only (n = 20, 80). */
    assert_true(csv_row(csv, b, "time_to_first_deal", row));
    assert_string_equal(row[9], "20");
    assert_string_equal(row[10], "80");

    /* The table on stdout marks the same rows. */
    const char *line = strstr(outbuf, "\nus_total");
    assert_non_null(line);
    const char *eol = strchr(line + 1, '\n');
    assert_true(eol - line > 3 && strncmp(eol - 3, "  *", 3) == 0);
}

static void test_metric_on_one_side(void **state)
{
    (void)state;
    const char *a = make_result("base", 50, 0.0, "cn");
    const char *b = make_result("other", 50, 0.0, "eu");
    char csv[300];
    snprintf(csv, sizeof csv, "%s/cmp.csv", dir);
    const char *args[] = {a, b, "-o", csv};
    assert_int_equal(run(4, args), 0);
    char row[NF][64];
    assert_true(csv_row(csv, b, "cn_total", row));
    assert_string_equal(row[11], "only in base");
    assert_string_equal(row[3], "1");
    assert_string_equal(row[4], "");
    assert_string_equal(row[8], "");
    assert_true(csv_row(csv, b, "eu_total", row));
    assert_string_equal(row[11], "only in other");
    assert_string_equal(row[4], "1");
    assert_non_null(strstr(outbuf, "(only in base)"));
    assert_non_null(strstr(outbuf, "(only in other)"));
}

/* A summary.csv without first_deal_step (written by hand, or by another
 * tool): time to first deal is a metric of the other side only. */
static void drop_fourth_column(const char *folder)
{
    char path[300];
    snprintf(path, sizeof path, "%s/summary.csv", folder);
    char *text = ts_test_read_file(path, NULL);
    assert_non_null(text);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (char *line = text, *next; *line; line = next) {
        next = strchr(line, '\n');
        next = next ? next + 1 : line + strlen(line);
        int field = 0;
        for (char *c = line; c < next; c++) {
            if (field != 3)
                fputc(*c, f);
            if (*c == ',')
                field++;
        }
    }
    fclose(f);
    free(text);
}

static void test_first_deal_on_one_side(void **state)
{
    (void)state;
    const char *a = make_result("base", 50, 0.0, NULL);
    const char *b = make_result("other", 50, 0.0, NULL);
    drop_fourth_column(b);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/cmp.csv", dir);
    const char *args[] = {a, b, "-o", csv};
    assert_int_equal(run(4, args), 0);
    char row[NF][64];
    assert_true(csv_row(csv, b, "time_to_first_deal", row));
    assert_string_equal(row[11], "only in base");
    assert_float_equal(atof(row[3]), (7 * (10 + 11 + 12 + 13 + 14 + 15 + 16) + 10) / 50.0, 1e-9);
    assert_string_equal(row[4], "");
    assert_string_equal(row[5], "");
    /* and the other way round */
    const char *args2[] = {b, a, "-o", csv};
    assert_int_equal(run(4, args2), 0);
    assert_true(csv_row(csv, a, "time_to_first_deal", row));
    assert_string_equal(row[11], "only in other");
    assert_string_equal(row[3], "");
}

static void test_several_others_and_file_args(void **state)
{
    (void)state;
    const char *a = make_result("base", 50, 0.0, NULL);
    const char *b = make_result("up", 50, 10.0, NULL);
    const char *c = make_result("down", 50, -10.0, NULL);
    char cfile[300], csv[300];
    snprintf(cfile, sizeof cfile, "%s/summary.csv", c); /* a summary.csv named directly */
    snprintf(csv, sizeof csv, "%s/cmp.csv", dir);
    const char *args[] = {a, b, cfile, "-o", csv};
    assert_int_equal(run(5, args), 0);
    char row[NF][64];
    assert_true(csv_row(csv, b, "x_final", row));
    assert_float_equal(atof(row[5]), 10.0, 1e-9);
    assert_true(csv_row(csv, cfile, "x_final", row));
    assert_float_equal(atof(row[5]), -10.0, 1e-9);
    assert_non_null(strstr(outbuf, "other: "));
}

static void test_errors(void **state)
{
    (void)state;
    const char *a = make_result("base", 50, 0.0, NULL);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/nothere", dir);
    const char *args1[] = {a, missing};
    assert_int_equal(run(2, args1), 2);
    assert_non_null(strstr(errbuf, "nothere"));

    const char *args2[] = {a};
    assert_int_equal(run(1, args2), 2);

    const char *args3[] = {a, a, "--rtol", "1"}; /* not a compare option */
    assert_int_equal(run(4, args3), 2);

    char bad[300];
    snprintf(bad, sizeof bad, "%s/bad.csv", dir);
    FILE *f = fopen(bad, "w");
    fputs("replicate,deal,x_final\n0,1,2\n1,maybe,3\n", f);
    fclose(f);
    const char *args4[] = {a, bad};
    assert_int_equal(run(2, args4), 2);
    assert_non_null(strstr(errbuf, "bad.csv:3: column 2: expected deal 0 or 1, got 'maybe'"));

    f = fopen(bad, "w");
    fputs("replicate,deal,x_final\n0,1,abc\n", f);
    fclose(f);
    assert_int_equal(run(2, args4), 2);
    assert_non_null(strstr(errbuf, "bad.csv:2: column 3: expected a finite number, got 'abc'"));
    /* One rule with batch: no infinities in a summary (the engine's guard
     * never writes one). */
    f = fopen(bad, "w");
    fputs("replicate,deal,x_final\n0,true,inf\n", f);
    fclose(f);
    assert_int_equal(run(2, args4), 2);
    assert_non_null(strstr(errbuf, "bad.csv:2: column 3: expected a finite number, got 'inf'"));

    char out[300];
    snprintf(out, sizeof out, "%s/no/such/dir/cmp.csv", dir);
    const char *args5[] = {a, a, "-o", out};
    assert_int_equal(run(4, args5), 3);
    assert_non_null(strstr(errbuf, out));

    const char *args6[] = {"--help"};
    assert_int_equal(run(1, args6), 0);
    assert_non_null(strstr(outbuf, "usage: tradesim compare"));
}

/* dir/name/summary.csv with n rows: seed[k] (hex as tradesim writes it),
 * deal when deal_lo <= k < deal_hi, x_total = x[k]. */
static const char *write_rows(const char *name, int n, const uint64_t *seed, int deal_lo,
                              int deal_hi, const double *x)
{
    static char paths[4][256];
    static int slot;
    char *p = paths[slot++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    mkdir(p, 0777);
    char file[300];
    snprintf(file, sizeof file, "%s/summary.csv", p);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("replicate,seed,deal,first_deal_step,x_total\n", f);
    for (int k = 0; k < n; k++) {
        bool deal = k >= deal_lo && k < deal_hi;
        fprintf(f, "%d,0x%016" PRIx64 ",%d,", k, seed[k], deal);
        if (deal)
            fprintf(f, "%d", 5 + k);
        fprintf(f, ",%.17g\n", x[k]);
    }
    assert_int_equal(fclose(f), 0);
    return p;
}

/* Same seeds, so paired. x_total: base 7k, other 7k + 2 + e_k with e = +1,
 * -1, ... over 10 replicates: d = 2, sd² = 10/9, se = 1/3, t(0.975, 9) =
 * 2.2621571628 -> [1.24594761, 2.75405239] (Welch would give about ±19.9).
 * Deals: base in replicates 0..3, other in 2..7: 2 in base only, 4 in other
 * only, d = 0.2, variance 0.6 - 0.04 = 0.56, se = sqrt(0.056), z = 1.959964
 * -> [-0.263812132, 0.663812132]. */
static void test_paired_known_variance(void **state)
{
    (void)state;
    uint64_t seed[10];
    double xa[10], xb[10];
    for (int k = 0; k < 10; k++) {
        seed[k] = 0x9e3779b97f4a7c15u * (uint64_t)(k + 1);
        xa[k] = 7.0 * k;
        xb[k] = xa[k] + 2.0 + (k % 2 ? -1.0 : 1.0);
    }
    const char *a = write_rows("base", 10, seed, 0, 4, xa);
    const char *b = write_rows("other", 10, seed, 2, 8, xb);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/cmp.csv", dir);
    const char *args[] = {a, b, "-o", csv};
    assert_int_equal(run(4, args), 0);
    assert_non_null(strstr(outbuf, "\npairing: paired by replicate (the same seed in all 10 "
                                   "replicates)\n"));
    assert_non_null(strstr(outbuf, "paired: Student's t of the\nper-replicate differences"));
    char row[NF][64];
    assert_true(csv_row(csv, b, "x_total", row));
    assert_string_equal(row[5], "2");
    assert_string_equal(row[6], "1.24595");   /* 6 significant digits, as the CSV has */
    assert_string_equal(row[7], "2.75405");
    assert_string_equal(row[8], "*");
    assert_string_equal(row[12], "paired_t");
    assert_true(csv_row(csv, b, "deal_probability", row));
    assert_string_equal(row[5], "0.2");
    assert_string_equal(row[6], "-0.263812");
    assert_string_equal(row[7], "0.663812");
    assert_string_equal(row[12], "paired_wald");
    /* first_deal_step: different replicates on each side, never paired. */
    assert_true(csv_row(csv, b, "time_to_first_deal", row));
    assert_string_equal(row[12], "welch_t");

    /* --independent: Welch, far wider (sd 21.19 and 21.04 over 10: ±19.9). */
    const char *args2[] = {a, b, "-o", csv, "--independent"};
    assert_int_equal(run(5, args2), 0);
    assert_true(csv_row(csv, b, "x_total", row));
    assert_string_equal(row[12], "welch_t");
    assert_true(atof(row[6]) < -15.0 && atof(row[7]) > 19.0);
    assert_string_equal(row[8], "");
    assert_true(csv_row(csv, b, "deal_probability", row));
    assert_string_equal(row[12], "wald");
    assert_null(strstr(outbuf, "paired: Student's t"));
}

/* Independent, with the reason on one line: seeds that differ in some rows,
 * replicate counts that differ, a summary without seeds. */
static void test_pairing_reasons(void **state)
{
    (void)state;
    uint64_t seed[10], other_seed[10];
    double x[10];
    for (int k = 0; k < 10; k++) {
        seed[k] = other_seed[k] = 1000u + (uint64_t)k;
        x[k] = k;
    }
    other_seed[2] = other_seed[6] = 1;
    const char *a = write_rows("base", 10, seed, 0, 5, x);
    const char *b = write_rows("partly", 10, other_seed, 0, 5, x);
    const char *c = write_rows("fewer", 9, seed, 0, 5, x);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/cmp.csv", dir);
    const char *args[] = {a, b, c, "-o", csv};
    assert_int_equal(run(5, args), 0);
    assert_non_null(strstr(outbuf, "\npairing: independent (seeds differ in 2 of 10 replicates, "
                                   "first in row 3)\n"));
    assert_non_null(strstr(outbuf, "\npairing: independent (10 replicates in base, 9 in other)\n"));
    char row[NF][64];
    assert_true(csv_row(csv, b, "x_total", row));
    assert_string_equal(row[12], "welch_t");
    assert_true(csv_row(csv, c, "deal_probability", row));
    assert_string_equal(row[12], "wald");
    /* The old tables' footer when nothing was paired. */
    assert_non_null(strstr(outbuf, "its 95% interval (Welch's t for means, two\n"));

    /* A summary without a seed column (written by another tool). */
    char path[300];
    snprintf(path, sizeof path, "%s/noseed.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("replicate,deal,x_total\n", f);
    for (int k = 0; k < 10; k++)
        fprintf(f, "%d,%d,%d\n", k, k < 5, k);
    assert_int_equal(fclose(f), 0);
    const char *args2[] = {a, path};
    assert_int_equal(run(2, args2), 0);
    assert_non_null(strstr(outbuf, "\npairing: independent (other has no seed column)\n"));
    const char *args3[] = {path, path};
    assert_int_equal(run(2, args3), 0);
    assert_non_null(strstr(outbuf, "\npairing: independent (neither has a seed column)\n"));
    const char *args4[] = {path, a};
    assert_int_equal(run(2, args4), 0);
    assert_non_null(strstr(outbuf, "\npairing: independent (base has no seed column)\n"));

    /* Paired seeds, but a column with an empty cell (not written by
     * tradesim): that metric alone falls back to Welch. */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("replicate,seed,deal,x_total\n", f);
    for (int k = 0; k < 10; k++)
        fprintf(f, "%d,%d,%d,%s\n", k, 1000 + k, k < 5, k == 4 ? "" : "1");
    assert_int_equal(fclose(f), 0);
    const char *args5[] = {a, path, "-o", csv};
    assert_int_equal(run(4, args5), 0);
    assert_non_null(strstr(outbuf, "\npairing: paired by replicate"));
    assert_true(csv_row(csv, path, "x_total", row));
    assert_string_equal(row[12], "welch_t");
    assert_string_equal(row[10], "9");
    assert_true(csv_row(csv, path, "deal_probability", row));
    assert_string_equal(row[12], "paired_wald");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identical_no_significance, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_shifted_marked_with_sign, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_metric_on_one_side, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_first_deal_on_one_side, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_several_others_and_file_args, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_errors, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_paired_known_variance, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_pairing_reasons, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
