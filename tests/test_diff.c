/* Tests of `tradesim diff` (run in-process through ts_cmd_diff) and of the
 * CSV reader it stands on: every exit code, the tolerance rule
 * |a-b| <= atol + rtol*max(|a|,|b|) on both sides of its boundary, and the
 * messages (row, column, both values; the differing header columns; the
 * unreadable file's name). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#include "tradesim/cli.h"
#include "tradesim/csvread.h"

TS_TEST_SCRATCH(dir, "test_diff")
static char outbuf[8192], errbuf[8192];

static const char *file(const char *name, const char *text)
{
    static char paths[4][256];
    static int k;
    char *p = paths[k++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    if (text) {
        FILE *f = fopen(p, "wb");
        fputs(text, f);
        fclose(f);
    }
    return p;
}

/* Runs `diff` with up to 6 arguments; captures stdout and stderr. */
static int run(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5,
               const char *a6)
{
    char *argv[8] = {"diff"};
    int argc = 1;
    const char *args[] = {a1, a2, a3, a4, a5, a6};
    for (int i = 0; i < 6 && args[i]; i++)
        argv[argc++] = (char *)args[i];
    FILE *out = tmpfile(), *err = tmpfile();
    int rc = ts_cmd_diff(argc, argv, out, err);
    ts_test_slurp_stream(out, outbuf, sizeof outbuf);
    ts_test_slurp_stream(err, errbuf, sizeof errbuf);
    return rc;
}

static void test_identical_and_equivalent(void **state)
{
    (void)state;
    const char *a = file("a.csv", "x,y,label\n1,2.5,\"a,b\"\n3,nan,plain\n");
    const char *b = file("b.csv", "x,y,label\r\n1.0,25e-1,\"a,b\"\r\n3,nan,\"plain\"\r\n");
    assert_int_equal(run(a, a, NULL, NULL, NULL, NULL), 0);
    assert_string_equal(outbuf, "");
    /* Same numbers written differently, CRLF and optional quotes: equal. */
    assert_int_equal(run(a, b, NULL, NULL, NULL, NULL), 0);
    assert_string_equal(outbuf, "");
    assert_string_equal(errbuf, "");
}

static void test_numbers_differ_exactly(void **state)
{
    (void)state;
    const char *a = file("a.csv", "id,v\nr1,1\nr2,100\n");
    const char *b = file("b.csv", "id,v\nr1,1\nr2,100.5\n");
    assert_int_equal(run(a, b, NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(outbuf, "row 2 (line 3), column v: 100 vs 100.5"));
    assert_non_null(strstr(outbuf, "1 cells in 1 of 2 rows"));
}

static void test_atol(void **state)
{
    (void)state;
    /* |100 - 100.5| = 0.5: equal with atol 0.5 (<=), different with 0.49. */
    const char *a = file("a.csv", "v\n100\n");
    const char *b = file("b.csv", "v\n100.5\n");
    assert_int_equal(run(a, b, "--atol", "0.5", NULL, NULL), 0);
    assert_int_equal(run(a, b, "--atol=0.49", NULL, NULL, NULL), 1);
}

static void test_rtol(void **state)
{
    (void)state;
    /* |100 - 101| = 1 <= rtol*101 when rtol >= 0.0099..: 0.01 passes, 0.009
     * does not; with atol 0.1 + rtol 0.009*101 = 1.009 it passes again. The
     * scale is max(|a|,|b|), so the order of the files does not matter. */
    const char *a = file("a.csv", "v\n-100\n");
    const char *b = file("b.csv", "v\n-101\n");
    assert_int_equal(run(a, b, "--rtol", "0.01", NULL, NULL), 0);
    assert_int_equal(run(b, a, "--rtol", "0.01", NULL, NULL), 0);
    assert_int_equal(run(a, b, "--rtol", "0.009", NULL, NULL), 1);
    assert_int_equal(run(a, b, "--rtol", "0.009", "--atol", "0.1"), 0);
}

static void test_text_cells_exact(void **state)
{
    (void)state;
    /* Tolerances never make different words, or a word and a number, equal. */
    const char *a = file("a.csv", "date,v\n2025-01-20,x\n");
    const char *b = file("b.csv", "date,v\n2025-01-21,1\n");
    assert_int_equal(run(a, b, "--atol", "100", NULL, NULL), 1);
    assert_non_null(strstr(outbuf, "column date: 2025-01-20 vs 2025-01-21"));
    assert_non_null(strstr(outbuf, "column v: x vs 1"));
    const char *c = file("c.csv", "date,v\n2025-01-20,\n");
    assert_int_equal(run(a, c, NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(outbuf, "column v: x vs \"\"")); /* empty shown as "" */
}

/* A differing cell that holds a comma, a quote, a line break or padding is
 * shown quoted, quotes doubled and line breaks as \\n, \\r: as it reads. */
static void test_quoted_cells_shown(void **state)
{
    (void)state;
    const char *a = file("qa.csv", "k,v\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,\"x\ny\"\n4,\" pad\"\n5,\"c\r\"\n6,\"end \"\n");
    const char *b = file("qb.csv", "k,v\n1,ab\n2,say\n3,xy\n4,pad\n5,c\n6,end\n");
    assert_int_equal(run(a, b, NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(outbuf, "column v: \"a,b\" vs ab\n"));
    assert_non_null(strstr(outbuf, "column v: \"say \"\"hi\"\"\" vs say\n"));
    assert_non_null(strstr(outbuf, "column v: \"x\\ny\" vs xy\n"));
    assert_non_null(strstr(outbuf, "column v: \" pad\" vs pad\n"));
    assert_non_null(strstr(outbuf, "column v: \"c\\r\" vs c\n"));
    assert_non_null(strstr(outbuf, "column v: \"end \" vs end\n"));
}

static void test_header_mismatch(void **state)
{
    (void)state;
    const char *a = file("a.csv", "step,us_total,cn_total\n1,2,3\n");
    const char *b = file("b.csv", "step,us_total,eu_total\n1,2,3\n");
    assert_int_equal(run(a, b, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, "only in the first: 'cn_total'"));
    assert_non_null(strstr(errbuf, "only in the second: 'eu_total'"));
    const char *c = file("c.csv", "step,cn_total,us_total\n1,3,2\n");
    assert_int_equal(run(a, c, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, "different order (column 2 is 'us_total' vs 'cn_total')"));
}

static void test_row_counts(void **state)
{
    (void)state;
    const char *a = file("a.csv", "v\n1\n2\n3\n");
    const char *b = file("b.csv", "v\n1\n2\n");
    assert_int_equal(run(a, b, NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(outbuf, "has 3 rows"));
    assert_non_null(strstr(outbuf, "has 2\n"));
    assert_int_equal(run(b, a, NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(outbuf, "has 2 rows"));
    /* The longer file's extra rows are still read and checked: a short or
     * broken one there is a bad file (exit 2), whichever side it is on. */
    const char *c = file("c.csv", "v,w\n1,1\n2,2\n3\n");
    const char *d = file("d.csv", "v,w\n1,1\n");
    assert_int_equal(run(c, d, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, "c.csv:4: 1 fields, but the header has 2"));
    assert_int_equal(run(d, c, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, "c.csv:4: 1 fields, but the header has 2"));
    c = file("c.csv", "v,w\n1,1\n2,2\n\"3\n");
    assert_int_equal(run(c, d, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, "c.csv:4: quoted field is never closed"));
}

static void test_first_ten_listed(void **state)
{
    (void)state;
    char ta[2048] = "a,b\n", tb[2048] = "a,b\n";
    for (int i = 0; i < 20; i++) {
        char line[64];
        snprintf(line, sizeof line, "%d,%d\n", i, i);
        strcat(ta, line);
        snprintf(line, sizeof line, "%d,%d\n", i, i + 1);
        strcat(tb, line);
    }
    assert_int_equal(run(file("a.csv", ta), file("b.csv", tb), NULL, NULL, NULL, NULL), 1);
    assert_non_null(strstr(outbuf, "row 1 (line 2), column b: 0 vs 1\n"));
    assert_non_null(strstr(outbuf, "row 10 (line 11), column b: 9 vs 10\n"));
    assert_null(strstr(outbuf, "row 11 "));
    assert_non_null(strstr(outbuf, "... and 10 more differing cells"));
    assert_non_null(strstr(outbuf, "20 cells in 20 of 20 rows"));
}

static void test_bad_usage_and_files(void **state)
{
    (void)state;
    const char *a = file("a.csv", "v\n1\n");
    const char *missing = file("missing.csv", NULL);
    assert_int_equal(run(a, missing, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, missing));
    assert_non_null(strstr(errbuf, "No such file"));
    assert_int_equal(run(a, NULL, NULL, NULL, NULL, NULL), 2);
    assert_int_equal(run(a, a, a, NULL, NULL, NULL), 2);
    assert_int_equal(run(a, a, "--rtol", "-1", NULL, NULL), 2);
    assert_int_equal(run(a, a, "--atol", "abc", NULL, NULL), 2);
    assert_int_equal(run(a, a, "-o", "x", NULL, NULL), 2); /* not a diff option */
    assert_int_equal(run(a, dir, NULL, NULL, NULL, NULL), 2); /* a folder */
    assert_non_null(strstr(errbuf, dir));
    const char *empty = file("empty.csv", "");
    assert_int_equal(run(a, empty, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, "no header row"));
    const char *ragged = file("ragged.csv", "v\n1\n2,3\n");
    assert_int_equal(run(a, ragged, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, ":3: 2 fields, but the header has 1"));
    const char *open_quote = file("q.csv", "v\n\"1\n");
    assert_int_equal(run(open_quote, a, NULL, NULL, NULL, NULL), 2);
    assert_non_null(strstr(errbuf, ":2: quoted field is never closed"));
    assert_int_equal(run("--help", NULL, NULL, NULL, NULL, NULL), 0);
    assert_non_null(strstr(outbuf, "usage: tradesim diff"));
}

static void test_reader_rfc4180(void **state)
{
    (void)state;
    const char *p = file("r.csv", "a,\"b \"\"q\"\"\",\"multi\nline\"\r\n\n,x,\r\nlast,no,newline");
    ts_error e;
    ts_csvread *r = ts_csvread_open(p, &e);
    assert_non_null(r);
    bool got;
    assert_int_equal(ts_csvread_next(r, &got, &e), TS_OK);
    assert_true(got);
    assert_int_equal(ts_csvread_count(r), 3);
    assert_string_equal(ts_csvread_field(r, 1), "b \"q\"");
    assert_string_equal(ts_csvread_field(r, 2), "multi\nline");
    assert_int_equal(ts_csvread_line(r), 1);
    assert_int_equal(ts_csvread_next(r, &got, &e), TS_OK); /* blank line skipped */
    assert_int_equal(ts_csvread_count(r), 3);
    assert_string_equal(ts_csvread_field(r, 0), "");
    assert_string_equal(ts_csvread_field(r, 2), "");
    assert_int_equal(ts_csvread_line(r), 4);
    assert_int_equal(ts_csvread_next(r, &got, &e), TS_OK);
    assert_true(got);
    assert_string_equal(ts_csvread_field(r, 2), "newline");
    assert_int_equal(ts_csvread_next(r, &got, &e), TS_OK);
    assert_false(got);
    ts_csvread_free(r);

    r = ts_csvread_open(file("bad.csv", "a,b\"c\n"), &e);
    assert_int_equal(ts_csvread_next(r, &got, &e), TS_EBAD);
    assert_non_null(strstr(e.msg, "bad.csv:1: quote inside an unquoted field"));
    ts_csvread_free(r);
    r = ts_csvread_open(file("bad2.csv", "x\n\"a\"b\n"), &e);
    assert_int_equal(ts_csvread_next(r, &got, &e), TS_OK);
    assert_int_equal(ts_csvread_next(r, &got, &e), TS_EBAD);
    assert_non_null(strstr(e.msg, "bad2.csv:2: text after a closing quote"));
    ts_csvread_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identical_and_equivalent, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_numbers_differ_exactly, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_atol, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_quoted_cells_shown, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_rtol, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_text_cells_exact, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_header_mismatch, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_row_counts, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_first_ten_listed, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_bad_usage_and_files, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_reader_rfc4180, dir_setup, dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
