/* Tests of `tradesim compare` (in-process through ts_cmd_compare) on
 * summary.csv files built so the answer is known: identical inputs give no
 * significant difference, shifted inputs are marked with the right sign and
 * the Welch interval computed by hand, metrics on one side only are listed,
 * and bad inputs give exit 2 (3 for an unwritable -o) naming the file. */
#include <dirent.h>
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

/* The CSV row of `metric` for `other`: fields copied into row[12]. */
static bool csv_row(const char *path, const char *other, const char *metric, char row[12][64])
{
    ts_error e;
    ts_csvread *r = ts_csvread_open(path, &e);
    assert_non_null(r);
    bool got, found = false;
    while (!found && ts_csvread_next(r, &got, &e) == TS_OK && got) {
        assert_int_equal(ts_csvread_count(r), 12);
        if (strcmp(ts_csvread_field(r, 2), metric) == 0 &&
            strcmp(ts_csvread_field(r, 1), other) == 0) {
            for (int i = 0; i < 12; i++)
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
    /* -o's header row names the twelve columns docs/cli.md lists. */
    char *text = ts_test_read_file(csv, NULL);
    assert_non_null(text);
    assert_true(strncmp(text, "base,other,metric,base_value,other_value,diff,lo,hi,significant,"
                              "n_base,n_other,note\n", 84) == 0);
    free(text);
    assert_non_null(strstr(outbuf, "deal_probability"));
    assert_non_null(strstr(outbuf, "time_to_first_deal"));
    const char *metrics[] = {"deal_probability", "time_to_first_deal", "x_final", "x_mean",
                             "us_total", "joint_total", "us_vs_status_quo",
                             "joint_vs_status_quo"};
    for (int i = 0; i < 8; i++) {
        char row[12][64];
        assert_true(csv_row(csv, a, metrics[i], row));
        assert_string_equal(row[5], "0");  /* diff */
        assert_string_equal(row[8], "");   /* not significant */
        assert_string_equal(row[11], "");  /* no note */
    }
}

static void test_shifted_marked_with_sign(void **state)
{
    (void)state;
    const char *a = make_result("base", 20, 0.0, NULL);
    const char *b = make_result("other", 80, 50.0, NULL);
    char csv[300];
    snprintf(csv, sizeof csv, "%s/cmp.csv", dir);
    const char *args[] = {a, b, "-o", csv};
    assert_int_equal(run(4, args), 0);
    char row[12][64];

    /* 20/100 -> 80/100: +0.6, se = sqrt(2 * .16/100) = 0.056569, half
     * 1.959964 * se = 0.110873. */
    assert_true(csv_row(csv, b, "deal_probability", row));
    assert_float_equal(atof(row[5]), 0.6, 1e-9);
    assert_float_equal(atof(row[6]), 0.6 - 0.110873, 1e-5);
    assert_float_equal(atof(row[7]), 0.6 + 0.110873, 1e-5);
    assert_string_equal(row[8], "*");

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

    /* us_total falls by 50: negative and significant. */
    assert_true(csv_row(csv, b, "us_total", row));
    assert_float_equal(atof(row[5]), -50.0, 1e-9);
    assert_true(atof(row[7]) < 0.0);
    assert_string_equal(row[8], "*");

    /* us_vs_status_quo rises by 100, with us_total's interval shifted by 150
     * (the same spread on both sides). */
    char tot[12][64];
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
    char row[12][64];
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
    char row[12][64];
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
    char row[12][64];
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identical_no_significance, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_shifted_marked_with_sign, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_metric_on_one_side, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_first_deal_on_one_side, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_several_others_and_file_args, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_errors, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
