/* Tests of the plot module: reading aggregate.csv, sorting its columns into
 * issues and actors, the gnuplot scripts (quoting, axes, overlays) and drawing
 * through gnuplot (PNG signature, SVG, atomic outputs, missing gnuplot).
 *
 * Each test builds its own synthetic result folder under a fresh temporary
 * directory, following the column naming of docs/cli.md ("Output files"). */
#define _XOPEN_SOURCE 700

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

#include "tradesim/plot.h"
#include "testutil.h"

typedef struct {
    char root[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/ts_test_plot.XXXXXX");
    if (!mkdtemp(f->root)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ts_test_remove_tree(f->root);
    free(f);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* Makes root/name/ with the given aggregate.csv text; returns the folder path. */
static char *make_folder(const fixture *f, const char *name, const char *csv)
{
    static char dir[4][512];
    static int next;
    char *d = dir[next++ % 4];
    snprintf(d, sizeof dir[0], "%s/%s", f->root, name);
    assert_int_equal(mkdir(d, 0777), 0);
    if (csv) {
        char path[600];
        snprintf(path, sizeof path, "%s/aggregate.csv", d);
        write_text(path, csv);
    }
    return d;
}

static void add_stats(char *buf, size_t n, const char *base)
{
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, ",%s_mean,%s_p05,%s_p50,%s_p95", base, base, base, base);
}

/* A small aggregate.csv: two issues (one with a state column), two actors,
 * steps weekly from 2025-01-06 (or no dates when dated is false). The median
 * of us_tariff at step t is 0.1 + 0.01 t. */
static char *synthetic_csv(bool dated, int steps)
{
    static const char *const bases[] = {"us_tariff",   "h20_licence", "h20_licence_market",
                                        "us_pressure", "us_trust",    "us_payoff",
                                        "us_total",    "cn_total",    "cn_pressure"};
    const size_t nb = sizeof bases / sizeof bases[0];
    size_t cap = 4096 + (size_t)steps * nb * 64;
    char *s = malloc(cap);
    assert_non_null(s);
    snprintf(s, cap, "step,date");
    for (size_t b = 0; b < nb; b++)
        add_stats(s, cap, bases[b]);
    strcat(s, "\n");
    for (int t = 0; t < steps; t++) {
        size_t len = strlen(s);
        int day = 6 + 7 * t; /* January then February, enough for a few weeks */
        if (dated)
            snprintf(s + len, cap - len, "%d,2025-%02d-%02d", t, day > 31 ? 2 : 1,
                     day > 31 ? day - 31 : day);
        else
            snprintf(s + len, cap - len, "%d,", t);
        for (size_t b = 0; b < nb; b++) {
            double m = 0.1 + 0.01 * t + (double)b;
            len = strlen(s);
            snprintf(s + len, cap - len, ",%.4f,%.4f,%.4f,%.4f", m + 0.002, m - 0.05, m,
                     m + 0.06);
        }
        strcat(s, "\n");
    }
    return s;
}

static void test_load_sorts_issues_and_actors(void **state)
{
    fixture *f = *state;
    char *csv = synthetic_csv(true, 5);
    char *dir = make_folder(f, "baseline", csv);
    free(csv);
    ts_error e;
    ts_plot_data *d = ts_plot_load(dir, &e);
    assert_non_null(d);
    assert_string_equal(ts_plot_name(d), "baseline");
    assert_int_equal(ts_plot_n_steps(d), 5);
    assert_true(ts_plot_has_dates(d));
    /* State columns (_market, _pressure, _trust, _payoff) are neither. */
    assert_int_equal(ts_plot_n_issues(d), 2);
    assert_string_equal(ts_plot_issue(d, 0), "us_tariff");
    assert_string_equal(ts_plot_issue(d, 1), "h20_licence");
    assert_int_equal(ts_plot_n_actors(d), 2);
    assert_string_equal(ts_plot_actor(d, 0), "us");
    assert_string_equal(ts_plot_actor(d, 1), "cn");
    ts_plot_free(d);
}

static void test_load_name_of_dot_and_trailing_slash(void **state)
{
    fixture *f = *state;
    char *csv = synthetic_csv(true, 3);
    char *dir = make_folder(f, "truce", csv);
    free(csv);
    char path[600];
    snprintf(path, sizeof path, "%s///", dir);
    ts_error e;
    ts_plot_data *d = ts_plot_load(path, &e);
    assert_non_null(d);
    assert_string_equal(ts_plot_name(d), "truce");
    ts_plot_free(d);
    snprintf(path, sizeof path, "%s/.", dir);
    d = ts_plot_load(path, &e);
    assert_non_null(d);
    assert_string_equal(ts_plot_name(d), "truce");
    ts_plot_free(d);
}

static void test_load_quoted_header_crlf_and_bom(void **state)
{
    fixture *f = *state;
    char *dir = make_folder(f, "q",
                            "\xef\xbb\xbf\"step\",\"date\",\"x_mean\",x_p05,x_p50,\"x_p95\"\r\n"
                            "0,,1,0.5,1,1.5\r\n"
                            "1,,2,1.5,2,2.5\r\n");
    ts_error e;
    ts_plot_data *d = ts_plot_load(dir, &e);
    assert_non_null(d);
    assert_int_equal(ts_plot_n_steps(d), 2);
    assert_false(ts_plot_has_dates(d));
    assert_int_equal(ts_plot_n_issues(d), 1);
    assert_string_equal(ts_plot_issue(d, 0), "x");
    assert_int_equal(ts_plot_n_actors(d), 0);
    ts_plot_free(d);
}

static void expect_load_error(const char *dir, ts_status code, const char *a, const char *b)
{
    ts_error e;
    ts_plot_data *d = ts_plot_load(dir, &e);
    assert_null(d);
    assert_int_equal(e.code, code);
    if (!strstr(e.msg, a) || (b && !strstr(e.msg, b)))
        fail_msg("message '%s' lacks '%s' / '%s'", e.msg, a, b ? b : "");
    assert_null(strchr(e.msg, '\n'));
}

static void test_load_errors_name_folder_file_and_line(void **state)
{
    fixture *f = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/nowhere", f->root);
    expect_load_error(path, TS_EBAD, path, "no such result folder");

    char *dir = make_folder(f, "empty_folder", NULL);
    expect_load_error(dir, TS_EBAD, dir, "no aggregate.csv");

    dir = make_folder(f, "ragged", "step,date,x_mean,x_p05,x_p50,x_p95\n0,,1,1,1,1\n1,,2,2\n");
    expect_load_error(dir, TS_EBAD, "aggregate.csv:3:", "4 fields, the header has 6");

    dir = make_folder(f, "text", "step,date,x_mean,x_p05,x_p50,x_p95\n0,,1,abc,1,1\n");
    expect_load_error(dir, TS_EBAD, "aggregate.csv:2:", "'abc' is not a number");

    dir = make_folder(f, "baddate", "step,date,x_mean,x_p05,x_p50,x_p95\n0,20250101,1,1,1,1\n");
    expect_load_error(dir, TS_EBAD, "csv:2:", "date '20250101' is not YYYY-MM-DD");

    dir = make_folder(f, "nop95", "step,date,x_mean,x_p05,x_p50\n0,,1,1,1\n");
    expect_load_error(dir, TS_EBAD, "csv:1:", "'x_p95'");

    dir = make_folder(f, "nostep", "date,x_mean,x_p05,x_p50,x_p95\n,1,1,1,1\n");
    expect_load_error(dir, TS_EBAD, "csv:1:", "no 'step' column");

    dir = make_folder(f, "nothing", "step,date,agreement\n0,,\n");
    expect_load_error(dir, TS_EBAD, "csv:1:", "no '<issue>_mean'");

    dir = make_folder(f, "norows", "step,date,x_mean,x_p05,x_p50,x_p95\n");
    expect_load_error(dir, TS_EBAD, "aggregate.csv", "no data rows");

    dir = make_folder(f, "emptyfile", "");
    expect_load_error(dir, TS_EBAD, "aggregate.csv", "empty file");

    dir = make_folder(f, "openquote",
                      "step,date,x_mean,x_p05,x_p50,x_p95\n0,\"2025-01-01,1,1,1,1\n");
    expect_load_error(dir, TS_EBAD, "csv:2:", "quoted field is never closed");
}

static void test_load_tolerates_text_in_unplotted_columns_and_nan(void **state)
{
    fixture *f = *state;
    char *dir = make_folder(f, "lenient",
                            "step,date,note,x_mean,x_p05,x_p50,x_p95\n"
                            "0,,hello,nan,,1,inf\n");
    ts_error e;
    ts_plot_data *d = ts_plot_load(dir, &e);
    assert_non_null(d);
    ts_plot_files files = {.png = "/o/a.png", .svg = "/o/a.svg"};
    const ts_plot_data *one[] = {d};
    char *s = ts_plot_issue_script(one, 1, "x", &files, &e);
    assert_non_null(s);
    /* nan, empty and inf become gnuplot's missing marker; the median stays. */
    assert_non_null(strstr(s, "\n0 ? ? 1 ?\n"));
    free(s);
    ts_plot_free(d);
}

static void test_issue_script_single(void **state)
{
    fixture *f = *state;
    char *csv = synthetic_csv(true, 4);
    char *dir = make_folder(f, "base", csv);
    free(csv);
    ts_error e;
    ts_plot_data *d = ts_plot_load(dir, &e);
    assert_non_null(d);
    const ts_plot_data *one[] = {d};
    ts_plot_files files = {.png = "/out/it's.png", .svg = "/out/x`touch y`.svg"};
    char *s = ts_plot_issue_script(one, 1, "us_tariff", &files, &e);
    assert_non_null(s);
    /* Single quotes: no backquote substitution; a quote is doubled. */
    assert_non_null(strstr(s, "set output '/out/it''s.png'\n"));
    assert_non_null(strstr(s, "set output '/out/x`touch y`.svg'\n"));
    assert_non_null(strstr(s, "pngcairo noenhanced"));
    assert_non_null(strstr(s, "set terminal svg noenhanced"));
    assert_non_null(strstr(s, "set xdata time"));
    assert_non_null(strstr(s, "set timefmt '%Y-%m-%d'"));
    assert_non_null(strstr(s, "set title 'base: us_tariff'"));
    assert_non_null(strstr(s, "set ylabel 'us_tariff (level)'"));
    /* The datablock holds date, mean, p05, p50, p95 of us_tariff (bases[0]). */
    assert_non_null(strstr(s, "$s0 << EOD\n2025-01-06 0.102 0.05 0.1 0.16\n"));
    assert_non_null(strstr(s, "2025-01-27 0.132 0.08 0.13 0.19\nEOD\n"));
    assert_non_null(strstr(s, "using 1:3:5 with filledcurves"));
    assert_non_null(strstr(s, "using 1:4 with lines"));
    assert_non_null(strstr(s, "using 1:2 with lines lw 1.5 dt 2"));
    assert_null(strstr(s, "$s1"));
    /* One folder's key: its band, median and mean, no per-scenario entries. */
    assert_non_null(strstr(s, "set key outside right top"));
    assert_non_null(strstr(s, "noborder title '5-95% of replicates', \\\n"));
    assert_non_null(strstr(s, "with lines lw 2.5 lc rgb '#0072B2' title 'median', \\\n"));
    assert_non_null(strstr(s, "using 1:2 with lines lw 1.5 dt 2 lc rgb '#0072B2' title 'mean'\n"));
    assert_null(strstr(s, "keyentry"));
    assert_null(strstr(s, "title 'base'"));
    free(s);

    /* No such issue; a line break in a path. */
    assert_null(ts_plot_issue_script(one, 1, "nope", &files, &e));
    assert_int_equal(e.code, TS_EBAD);
    ts_plot_files bad = {.png = "/out/a\nb.png", .svg = "/out/a.svg"};
    assert_null(ts_plot_issue_script(one, 1, "us_tariff", &bad, &e));
    assert_int_equal(e.code, TS_EBAD);
    ts_plot_free(d);
}

static void test_scripts_overlay_and_step_axis(void **state)
{
    fixture *f = *state;
    char *a = synthetic_csv(true, 3), *b = synthetic_csv(false, 3);
    char *da = make_folder(f, "it's", a);
    char *db = make_folder(f, "abstract", b);
    free(a);
    free(b);
    ts_error e;
    ts_plot_data *d[2] = {ts_plot_load(da, &e), ts_plot_load(db, &e)};
    assert_non_null(d[0]);
    assert_non_null(d[1]);
    const ts_plot_data *two[] = {d[0], d[1]};
    ts_plot_files files = {.png = "/o/c.png", .svg = "/o/c.svg"};
    char *s = ts_plot_issue_script(two, 2, "h20_licence", &files, &e);
    assert_non_null(s);
    /* One folder has no dates: both go on a step axis. */
    assert_null(strstr(s, "xdata time"));
    assert_non_null(strstr(s, "set xlabel 'step'"));
    assert_non_null(strstr(s, "$s0 << EOD\n0 "));
    assert_non_null(strstr(s, "$s1 << EOD\n0 "));
    assert_non_null(strstr(s, "title 'it''s'"));
    assert_non_null(strstr(s, "title 'abstract'"));
    assert_non_null(strstr(s, "fs transparent solid"));
    assert_non_null(strstr(s, "set title 'h20_licence: 2 scenarios'"));
    free(s);

    s = ts_plot_totals_script(two, 2, &files, &e);
    assert_non_null(s);
    assert_non_null(strstr(s, "set multiplot layout 1,2"));
    assert_non_null(strstr(s, "set title 'us'"));
    assert_non_null(strstr(s, "set title 'cn'"));
    assert_non_null(strstr(s, "bn USD"));
    /* Two actors times two folders. */
    assert_non_null(strstr(s, "$s3 << EOD"));
    assert_null(strstr(s, "$s4 << EOD"));
    free(s);
    ts_plot_free(d[0]);
    ts_plot_free(d[1]);
}

/* With the folder's scenario.cfg: the lever's range and unit on the y axis
 * (a tariff and a chip licence as %, the data scaled to match), the owner's
 * and actors' names; one key for a multi-panel chart; from four scenarios on,
 * a dash pattern and markers per scenario and no mean lines. */
static const char meta_cfg[] =
    "name = \"base\";\n"
    "calendar = { start = \"2025-01-06\"; end = \"2025-02-02\"; step = \"week\"; };\n"
    "actors = ( { id = \"us\"; name = \"United States\"; }, { id = \"cn\"; name = \"China\"; } );\n"
    "issues = ( { id = \"us_tariff\"; kind = \"tariff\"; owner = \"us\"; max = 2.0; },\n"
    "           { id = \"h20_licence\"; kind = \"chip_licence\"; owner = \"us\"; } );\n";

static void test_scripts_from_scenario_cfg(void **state)
{
    fixture *f = *state;
    char *csv = synthetic_csv(true, 4);
    const char *names[4] = {"base", "v1", "v2", "v3"};
    ts_plot_data *d[4];
    ts_error e;
    for (int i = 0; i < 4; i++) {
        char *dir = make_folder(f, names[i], csv);
        char path[600];
        snprintf(path, sizeof path, "%s/scenario.cfg", dir);
        write_text(path, meta_cfg);
        d[i] = ts_plot_load(dir, &e);
        assert_non_null(d[i]);
    }
    free(csv);
    const ts_plot_data *all[] = {d[0], d[1], d[2], d[3]};
    ts_plot_files files = {.png = "/o/c.png", .svg = "/o/c.svg"};

    char *s = ts_plot_issue_script(all, 1, "us_tariff", &files, &e);
    assert_non_null(s);
    assert_non_null(strstr(s, "set ylabel 'us_tariff: tariff rate (%)'\n"));
    assert_non_null(strstr(s, "set yrange [-6:206]\nset ytics 0, 50, 200\n"));
    assert_non_null(strstr(s, "set title 'base: us_tariff (set by United States)'"));
    /* mean 0.102, p05 0.05, p50 0.1, p95 0.16 as percentages */
    assert_non_null(strstr(s, "$s0 << EOD\n2025-01-06 10.2 5 10 16\n"));
    free(s);
    s = ts_plot_issue_script(all, 1, "h20_licence", &files, &e);
    assert_non_null(s);
    assert_non_null(strstr(s, "set ylabel 'h20_licence: share of sales denied (%)'\n"));
    assert_non_null(strstr(s, "set yrange [-3:103]\nset ytics 0, 20, 100\n"));
    free(s);

    /* Totals: actors by name, one key for the page (drawn with the first panel). */
    s = ts_plot_totals_script(all, 1, &files, &e);
    assert_non_null(s);
    assert_non_null(strstr(s, "title 'United States'"));
    assert_non_null(strstr(s, "title 'China'"));
    free(s);
    s = ts_plot_totals_script(all, 2, &files, &e);
    assert_non_null(s);
    char *svg = strstr(s, "set terminal svg");   /* the same body again: check one */
    assert_non_null(svg);
    *svg = '\0';
    assert_non_null(strstr(s, "set title 'United States'"));
    assert_non_null(strstr(s, "set title 'China'"));
    const char *key = strstr(s, "set key at screen");
    assert_non_null(key);
    assert_null(strstr(key + 1, "set key at screen"));
    const char *first = strstr(s, "\nplot "), *unset = strstr(s, "unset key\n");
    assert_non_null(unset);
    assert_true(first < unset);
    assert_true(strstr(first + 1, "\nplot ") > unset);   /* the second panel has no key */
    /* Two scenarios: solid medians, dashed means. */
    assert_non_null(strstr(s, "using 1:2 with lines lw 1.5 dt 2"));
    assert_null(strstr(s, "linespoints"));
    free(s);

    /* Four scenarios: each median its own dash and marker, bands edged, no means. */
    s = ts_plot_issue_script(all, 4, "us_tariff", &files, &e);
    assert_non_null(s);
    assert_non_null(strstr(s, "set title 'us_tariff (set by United States): 4 scenarios'"));
    const char *style[4] = {"dt 1 pt 7", "dt 2 pt 5", "dt 4 pt 9", "dt 5 pt 11"};
    for (int i = 0; i < 4; i++) {
        char want[96];
        snprintf(want, sizeof want, "$s%d using 1:4 with linespoints lw 2 %s", i, style[i]);
        assert_non_null(strstr(s, want));
        snprintf(want, sizeof want, "$s%d using 1:3 with lines lw 0.8 dt 3", i);
        assert_non_null(strstr(s, want));
    }
    assert_null(strstr(s, "using 1:2 "));
    assert_non_null(strstr(s, "title 'v3'"));
    free(s);
    for (int i = 0; i < 4; i++)
        ts_plot_free(d[i]);
}

static bool png_ok(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    size_t n = fread(head, 1, 8, fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    return n == 8 && memcmp(head, sig, 8) == 0 && size > 1000;
}

static bool svg_ok(const char *path)
{
    char buf[4096] = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    return n > 100 && strstr(buf, "<svg") != NULL;
}

static bool have_gnuplot(const fixture *f)
{
    (void)f;
    return system("gnuplot -e 'exit' >/dev/null 2>&1") == 0;
}

static void test_draw_single_and_compare(void **state)
{
    fixture *f = *state;
    if (!have_gnuplot(f))
        skip();
    char *a = synthetic_csv(true, 8), *b = synthetic_csv(true, 8);
    char *da = make_folder(f, "base", a);
    char *db = make_folder(f, "truce", b);
    free(a);
    free(b);
    ts_error e;
    ts_plot_data *d[2] = {ts_plot_load(da, &e), ts_plot_load(db, &e)};
    assert_non_null(d[0]);
    assert_non_null(d[1]);
    char out[600], p[700];
    snprintf(out, sizeof out, "%s/charts/single", f->root);
    ts_plot_options opt = {.out_dir = out};
    assert_int_equal(ts_plot_draw((const ts_plot_data *const *)d, 1, &opt, &e), TS_OK);
    static const char *const single[] = {"base_us_tariff", "base_h20_licence", "base_totals"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s.png", out, single[i]);
        assert_true(png_ok(p));
        snprintf(p, sizeof p, "%s/%s.svg", out, single[i]);
        assert_true(svg_ok(p));
    }
    /* Nothing else: no temporary scripts, logs or charts left behind. */
    assert_int_equal(ts_test_count_entries(out), 6);

    snprintf(out, sizeof out, "%s/charts/compare", f->root);
    assert_int_equal(ts_plot_draw((const ts_plot_data *const *)d, 2, &opt, &e), TS_OK);
    static const char *const cmp[] = {"compare_us_tariff", "compare_h20_licence",
                                      "compare_totals"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s.png", out, cmp[i]);
        assert_true(png_ok(p));
        snprintf(p, sizeof p, "%s/%s.svg", out, cmp[i]);
        assert_true(svg_ok(p));
    }
    assert_int_equal(ts_test_count_entries(out), 6);
    ts_plot_free(d[0]);
    ts_plot_free(d[1]);
}

static void test_draw_failures_leave_nothing(void **state)
{
    fixture *f = *state;
    char *a = synthetic_csv(true, 3);
    char *da = make_folder(f, "base", a);
    free(a);
    ts_error e;
    ts_plot_data *d = ts_plot_load(da, &e);
    assert_non_null(d);
    char out[600];
    snprintf(out, sizeof out, "%s/charts", f->root);

    ts_plot_options opt = {.out_dir = out, .gnuplot = "tradesim-no-such-gnuplot"};
    assert_int_equal(ts_plot_draw((const ts_plot_data *const *)&d, 1, &opt, &e), TS_EIO);
    assert_string_equal(e.msg, "tradesim-no-such-gnuplot not found; install gnuplot-nox");
    assert_int_equal(ts_test_count_entries(out), 0);

    /* A program that fails: the error says so and no file remains. */
    opt.gnuplot = "false";
    assert_int_equal(ts_plot_draw((const ts_plot_data *const *)&d, 1, &opt, &e), TS_EIO);
    assert_non_null(strstr(e.msg, "false failed (exit 1) drawing"));
    assert_int_equal(ts_test_count_entries(out), 0);

    /* Stand-ins for gnuplot: "not found" from the shell (127), killed by a
     * signal, exit 0 with no chart, a failure whose last non-blank line of
     * stderr, trimmed, is quoted. None leaves a file behind. */
    static const struct {
        const char *name, *body, *msg;
    } fakes[] = {
        {"exit127", "exit 127\n", "exit127 not found; install gnuplot-nox"},
        {"killed", "kill -9 $$\n", "killed by signal 9 while drawing "},
        {"silent", "exit 0\n", "silent wrote an empty chart for "},
        {"chatty",
         "echo 'line 3: first' >&2\necho '  \"s\", line 9: undefined variable: foo  ' >&2\n"
         "echo '' >&2\necho '   ' >&2\nexit 2\n",
         "chatty failed (exit 2) drawing "},
    };
    for (size_t k = 0; k < sizeof fakes / sizeof fakes[0]; k++) {
        char prog[700], body[300];
        snprintf(prog, sizeof prog, "%s/%s", f->root, fakes[k].name);
        snprintf(body, sizeof body, "#!/bin/sh\n%s", fakes[k].body);
        write_text(prog, body);
        assert_int_equal(chmod(prog, 0755), 0);
        opt.gnuplot = prog;
        assert_int_equal(ts_plot_draw((const ts_plot_data *const *)&d, 1, &opt, &e), TS_EIO);
        if (!strstr(e.msg, fakes[k].msg))
            print_error("%s: %s\n", fakes[k].name, e.msg);
        assert_non_null(strstr(e.msg, fakes[k].msg));
        assert_true(k == 0 || strstr(e.msg, "/base_"));   /* the chart it was drawing */
        assert_int_equal(ts_test_count_entries(out), 0);
    }
    assert_non_null(strstr(e.msg, ".png: \"s\", line 9: undefined variable: foo"));
    assert_null(strchr(e.msg, '\n'));

    /* The output folder cannot be made: a file is in the way. */
    char blocker[700];
    snprintf(blocker, sizeof blocker, "%s/file", f->root);
    write_text(blocker, "x");
    snprintf(out, sizeof out, "%s/file/charts", f->root);
    opt.gnuplot = NULL;
    assert_int_equal(ts_plot_draw((const ts_plot_data *const *)&d, 1, &opt, &e), TS_EIO);
    assert_non_null(strstr(e.msg, "not a folder"));
    ts_plot_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_sorts_issues_and_actors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_name_of_dot_and_trailing_slash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_load_quoted_header_crlf_and_bom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_errors_name_folder_file_and_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_load_tolerates_text_in_unplotted_columns_and_nan,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue_script_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scripts_overlay_and_step_axis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scripts_from_scenario_cfg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draw_single_and_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draw_failures_leave_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
