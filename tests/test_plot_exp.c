/* Tests of the experiment charts' data: loading an experiment folder
 * (design.csv, points.csv, sensitivity.csv), the tornado bars (sorted by
 * importance, intervals kept, undefined indices last), grid detection, the
 * sweep's lines (sorted, labelled, capped evenly) and the one-line errors for
 * malformed files.
 *
 * Each test writes its own synthetic folder in the column layout docs/cli.md
 * gives for `tradesim experiment`. */
#define _XOPEN_SOURCE 700

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "testutil.h"
#include "tradesim/plot.h"

typedef struct {
    char root[64];
    char dir[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || !ts_test_mkdtemp(f->root, sizeof f->root, "test_plot_exp")) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "%s/exp", f->root);
    if (mkdir(f->dir, 0777) != 0) {
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

static void put(const fixture *f, const char *file, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, file);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

/* design.csv and points.csv from n points of k factors (values row-major);
 * points.csv's outcome y = 10 * first factor + point. */
static void put_design(const fixture *f, size_t k, size_t n, const double *v)
{
    static const char *const names[] = {"l1", "l2", "l3"};
    char design[8192] = "point", points[8192] = "point";
    for (size_t j = 0; j < k; j++) {
        strcat(design, ",");
        strcat(design, names[j]);
        strcat(points, ",");
        strcat(points, names[j]);
    }
    strcat(design, "\n");
    strcat(points, ",deal_probability,a_total\n");
    for (size_t p = 0; p < n; p++) {
        size_t dl = strlen(design), pl = strlen(points);
        dl += (size_t)snprintf(design + dl, sizeof design - dl, "%zu", p);
        pl += (size_t)snprintf(points + pl, sizeof points - pl, "%zu", p);
        for (size_t j = 0; j < k; j++) {
            dl += (size_t)snprintf(design + dl, sizeof design - dl, ",%.17g", v[p * k + j]);
            pl += (size_t)snprintf(points + pl, sizeof points - pl, ",%g", v[p * k + j]);
        }
        snprintf(design + dl, sizeof design - dl, "\n");
        snprintf(points + pl, sizeof points - pl, ",0.5,%.17g\n", 10 * v[p * k] + (double)p);
    }
    put(f, "design.csv", design);
    put(f, "points.csv", points);
}

static const char sens_head[] = "output,parameter,method,index,value,lo95,hi95\n";

static ts_plot_exp *load_ok(const fixture *f)
{
    ts_error e;
    ts_plot_exp *x = ts_plot_exp_load(f->dir, &e);
    if (!x)
        fail_msg("load: %s", e.msg);
    return x;
}

static void test_tornado_sobol_sorted_by_st_with_intervals(void **state)
{
    fixture *f = *state;
    const double v[] = {0, 0, 1, 1, 0.5, 0.2};
    put_design(f, 3, 2, v);
    put(f, "sensitivity.csv",
        "output,parameter,method,index,value,lo95,hi95\n"
        "a_total,l1,sobol,S1,0.08,0.01,0.15\n"
        "a_total,l1,sobol,ST,0.1,0.05,0.2\n"
        "a_total,l2,sobol,S1,0.65,0.5,0.8\n"
        "a_total,l2,sobol,ST,0.7,0.6,0.85\n"
        "a_total,l3,sobol,S1,,,\n"
        "a_total,l3,sobol,ST,,,\n"
        "deal_probability,l1,sobol,S1,0.3,0.2,0.4\n"
        "deal_probability,l1,sobol,ST,0.3,0.2,0.4\n");
    assert_true(ts_plot_is_experiment(f->dir));
    ts_plot_exp *x = load_ok(f);
    assert_int_equal(ts_plot_exp_n_outputs(x), 2);
    assert_string_equal(ts_plot_exp_output(x, 0), "a_total");
    assert_string_equal(ts_plot_exp_output(x, 1), "deal_probability");
    ts_plot_tornado t;
    ts_error e;
    assert_int_equal(ts_plot_exp_tornado(x, "a_total", &t, &e), TS_OK);
    assert_string_equal(t.method, "sobol");
    assert_string_equal(t.index[0], "ST");
    assert_string_equal(t.index[1], "S1");
    assert_int_equal(t.n, 3);
    assert_string_equal(t.bars[0].parameter, "l2");
    assert_string_equal(t.bars[1].parameter, "l1");
    assert_string_equal(t.bars[2].parameter, "l3");   /* undefined: last */
    assert_float_equal(t.bars[0].value[0], 0.7, 1e-12);
    assert_float_equal(t.bars[0].lo[0], 0.6, 1e-12);
    assert_float_equal(t.bars[0].hi[0], 0.85, 1e-12);
    assert_float_equal(t.bars[0].value[1], 0.65, 1e-12);
    assert_float_equal(t.bars[0].lo[1], 0.5, 1e-12);
    assert_float_equal(t.bars[0].hi[1], 0.8, 1e-12);
    assert_true(isnan(t.bars[2].value[0]) && isnan(t.bars[2].lo[1]) && isnan(t.bars[2].hi[1]));
    ts_plot_tornado_free(&t);
    assert_int_equal(ts_plot_exp_tornado(x, "b_total", &t, &e), TS_EBAD);
    assert_string_equal(e.msg, "exp: sensitivity.csv has no output 'b_total'");
    ts_plot_exp_free(x);
}

static void test_tornado_given_data_by_abs_prcc_and_morris(void **state)
{
    fixture *f = *state;
    const double v[] = {0, 0, 1, 1, 0.5, 0.2};
    put_design(f, 3, 2, v);
    /* |PRCC| ranks l3 (-0.9) before l1 (0.5); l2 has no PRCC and ranks by
     * its S1 (0.7); ties keep file order. */
    put(f, "sensitivity.csv",
        "output,parameter,method,index,value,lo95,hi95\n"
        "a_total,l1,given_data,S1,0.2,0.1,0.3\n"
        "a_total,l1,given_data,PRCC,0.5,0.4,0.6\n"
        "a_total,l2,given_data,S1,0.7,0.6,0.8\n"
        "a_total,l2,given_data,PRCC,,,\n"
        "a_total,l3,given_data,S1,0.1,0,0.2\n"
        "a_total,l3,given_data,PRCC,-0.9,-0.95,-0.8\n"
        "x_final,l1,morris,mu_star,2,1,3\n"
        "x_final,l1,morris,mu,-2,-3,-1\n"
        "x_final,l1,morris,sigma,0.5,0.2,0.7\n"
        "x_final,l2,morris,mu_star,4,3,5\n"
        "x_final,l2,morris,sigma,1,0.5,1.5\n"
        "x_final,l3,morris,mu_star,2,1,3\n");
    ts_plot_exp *x = load_ok(f);
    ts_plot_tornado t;
    ts_error e;
    assert_int_equal(ts_plot_exp_tornado(x, "a_total", &t, &e), TS_OK);
    assert_string_equal(t.index[0], "PRCC");
    assert_string_equal(t.index[1], "S1");
    assert_int_equal(t.n, 3);
    assert_string_equal(t.bars[0].parameter, "l3");
    assert_string_equal(t.bars[1].parameter, "l2");
    assert_string_equal(t.bars[2].parameter, "l1");
    assert_float_equal(t.bars[0].value[0], -0.9, 1e-12);
    assert_float_equal(t.bars[0].lo[0], -0.95, 1e-12);
    ts_plot_tornado_free(&t);
    assert_int_equal(ts_plot_exp_tornado(x, "x_final", &t, &e), TS_OK);
    assert_string_equal(t.index[0], "mu_star");
    assert_string_equal(t.index[1], "sigma");
    assert_string_equal(t.bars[0].parameter, "l2");
    assert_string_equal(t.bars[1].parameter, "l1");   /* tie with l3: file order */
    assert_string_equal(t.bars[2].parameter, "l3");
    assert_float_equal(t.bars[1].value[1], 0.5, 1e-12);
    assert_true(isnan(t.bars[2].value[1]));            /* no sigma row */
    ts_plot_tornado_free(&t);
    ts_plot_exp_free(x);
}

static void test_grid_detection(void **state)
{
    fixture *f = *state;
    put(f, "sensitivity.csv", sens_head);
    /* A 3 x 2 full factorial, rows in any order. */
    const double grid[] = {0, 5, 1, 5, 2, 5, 2, 7, 1, 7, 0, 7};
    put_design(f, 2, 6, grid);
    ts_plot_exp *x = load_ok(f);
    assert_true(ts_plot_exp_is_grid(x));
    assert_int_equal(ts_plot_exp_n_points(x), 6);
    assert_float_equal(ts_plot_exp_design(x, 3, 1), 7, 0);
    ts_plot_exp_free(x);
    /* Six points over 3 x 2 levels, one combination twice and one missing. */
    const double dup[] = {0, 5, 1, 5, 2, 5, 2, 7, 1, 7, 1, 7};
    put_design(f, 2, 6, dup);
    x = load_ok(f);
    assert_false(ts_plot_exp_is_grid(x));
    ts_plot_exp_free(x);
    /* A Latin hypercube: every value distinct. */
    const double lhs[] = {0.1, 0.7, 0.5, 0.2, 0.9, 0.4};
    put_design(f, 2, 3, lhs);
    x = load_ok(f);
    assert_false(ts_plot_exp_is_grid(x));
    ts_plot_tornado t;
    ts_plot_sweep s;
    ts_error e;
    assert_int_equal(ts_plot_exp_sweep(x, "a_total", 0, &s, &e), TS_EBAD);
    assert_string_equal(e.msg, "exp: neither a grid nor a one-factor design");
    assert_int_equal(ts_plot_exp_n_outputs(x), 0);
    assert_int_equal(ts_plot_exp_tornado(x, "a_total", &t, &e), TS_EBAD);
    ts_plot_exp_free(x);
    /* More levels than a grid has. */
    double many[2 * (TS_PLOT_GRID_LEVELS + 1)];
    for (size_t p = 0; p <= TS_PLOT_GRID_LEVELS; p++) {
        many[2 * p] = (double)p;
        many[2 * p + 1] = 1;
    }
    put_design(f, 2, TS_PLOT_GRID_LEVELS + 1, many);
    x = load_ok(f);
    assert_false(ts_plot_exp_is_grid(x));
    ts_plot_exp_free(x);
}

static void test_sweep_lines_sorted_and_labelled(void **state)
{
    fixture *f = *state;
    put(f, "sensitivity.csv", sens_head);
    const double grid[] = {2, 5, 0, 5, 1, 5, 2, 7.5, 1, 7.5, 0, 7.5};
    put_design(f, 2, 6, grid);
    ts_plot_exp *x = load_ok(f);
    ts_plot_sweep s;
    ts_error e;
    assert_int_equal(ts_plot_exp_sweep(x, "a_total", 8, &s, &e), TS_OK);
    assert_int_equal(s.n_combos, 2);
    assert_int_equal(s.n_lines, 2);
    assert_string_equal(s.lines[0].label, "l2=5");
    assert_string_equal(s.lines[1].label, "l2=7.5");
    /* y = 10 l1 + point: line l2=5 holds points 1 (x 0), 2 (x 1), 0 (x 2). */
    const double x0[] = {0, 1, 2}, y0[] = {1, 12, 20}, y1[] = {5, 14, 23};
    assert_int_equal(s.lines[0].n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_float_equal(s.lines[0].x[i], x0[i], 0);
        assert_float_equal(s.lines[0].y[i], y0[i], 1e-12);
        assert_float_equal(s.lines[1].y[i], y1[i], 1e-12);
    }
    ts_plot_sweep_free(&s);
    assert_int_equal(ts_plot_exp_sweep(x, "nothing", 8, &s, &e), TS_EBAD);
    assert_string_equal(e.msg, "exp: points.csv has no column 'nothing'");
    ts_plot_exp_free(x);
}

static void test_sweep_capped_evenly(void **state)
{
    fixture *f = *state;
    put(f, "sensitivity.csv", sens_head);
    /* 2 x 5 x 4: twenty combinations of l2 and l3, l2 the slower. */
    double v[40 * 3];
    size_t n = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 5; b++)
            for (int c = 0; c < 4; c++) {
                v[3 * n] = a;
                v[3 * n + 1] = b;
                v[3 * n + 2] = 10 + c;
                n++;
            }
    put_design(f, 3, n, v);
    ts_plot_exp *x = load_ok(f);
    assert_true(ts_plot_exp_is_grid(x));
    ts_plot_sweep s;
    ts_error e;
    assert_int_equal(ts_plot_exp_sweep(x, "a_total", 0, &s, &e), TS_OK);
    assert_int_equal(s.n_combos, 20);
    assert_int_equal(s.n_lines, TS_PLOT_MAX_LINES);
    /* combinations round(i * 19 / 7): 0, 3, 5, 8, 11, 14, 16, 19 */
    static const char *const want[] = {"l2=0, l3=10", "l2=0, l3=13", "l2=1, l3=11",
                                       "l2=2, l3=10", "l2=2, l3=13", "l2=3, l3=12",
                                       "l2=4, l3=10", "l2=4, l3=13"};
    for (size_t i = 0; i < s.n_lines; i++) {
        assert_string_equal(s.lines[i].label, want[i]);
        assert_int_equal(s.lines[i].n, 2);
        assert_true(s.lines[i].x[0] < s.lines[i].x[1]);
    }
    ts_plot_sweep_free(&s);
    assert_int_equal(ts_plot_exp_sweep(x, "a_total", 30, &s, &e), TS_OK);
    assert_int_equal(s.n_lines, 20);
    ts_plot_sweep_free(&s);
    ts_plot_exp_free(x);
}

static void test_one_factor_sweep_of_any_design(void **state)
{
    fixture *f = *state;
    put(f, "sensitivity.csv", sens_head);
    const double v[] = {0.9, 0.1, 0.5, 0.1};
    put_design(f, 1, 4, v);
    ts_plot_exp *x = load_ok(f);
    assert_false(ts_plot_exp_is_grid(x));   /* a point repeated */
    ts_plot_sweep s;
    ts_error e;
    assert_int_equal(ts_plot_exp_sweep(x, "a_total", 8, &s, &e), TS_OK);
    assert_int_equal(s.n_lines, 1);
    assert_int_equal(s.n_combos, 1);
    assert_string_equal(s.lines[0].label, "");
    const double xs[] = {0.1, 0.1, 0.5, 0.9}, ys[] = {2, 4, 7, 9};
    for (size_t i = 0; i < 4; i++) {
        assert_float_equal(s.lines[0].x[i], xs[i], 1e-12);
        assert_float_equal(s.lines[0].y[i], ys[i], 1e-12);
    }
    ts_plot_sweep_free(&s);
    ts_plot_exp_free(x);
}

static void test_malformed_files_one_line_errors(void **state)
{
    fixture *f = *state;
    const double v[] = {0, 1, 2};
    char want[512];
    ts_error e;
    static const struct {
        const char *file, *text, *msg;   /* msg after "<dir>/" */
    } cases[] = {
        {"sensitivity.csv", "output,parameter,method,index,value,lo95,hi95\na,l1,sobol,S1,0.1,0,1\n"
                            "a,l1,sobol,ST,abc,0,1\n",
         "sensitivity.csv:3: 'abc' is not a number"},
        {"sensitivity.csv", "output,parameter,method,index,value,lo95\n",
         "sensitivity.csv:1: no 'hi95' column in the header"},
        {"sensitivity.csv", "output,parameter,method,index,value,lo95,hi95\na,l1,sobol,S1,1\n",
         "sensitivity.csv:2: 5 fields, the header has 7"},
        {"sensitivity.csv", "output,parameter,method,index,value,lo95,hi95\n,l1,sobol,S1,1,0,1\n",
         "sensitivity.csv:2: empty output"},
        {"sensitivity.csv", "output,parameter,method,index,value,lo95,hi95\na,\"l1,sobol\n",
         NULL},
        {"sensitivity.csv", "", "sensitivity.csv: empty file, expected a header row"},
        {"points.csv", "point,l1,a_total\n0,0,1\n7,1,2\n",
         "points.csv:3: point '7' is not one of design.csv's 0 to 2"},
        {"points.csv", "point,l1,a_total\n0,0,1\n0,1,2\n", "points.csv:3: point 0 appears twice"},
        {"points.csv", "point,l1,a_total\n0,0,x\n", "points.csv:2: 'x' is not a number"},
        {"design.csv", "point,l1\n0,0\n2,1\n", "design.csv:3: point '2', expected 1"},
        {"design.csv", "point,l1\n0,nan\n", "design.csv:2: l1 has no finite value"},
        {"design.csv", "l1,l2\n0,1\n", "design.csv:1: expected 'point' and the factors' columns"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        put_design(f, 1, 3, v);
        put(f, "sensitivity.csv", sens_head);
        put(f, cases[i].file, cases[i].text);
        ts_plot_exp *x = ts_plot_exp_load(f->dir, &e);
        assert_null(x);
        assert_int_equal(e.code, TS_EBAD);
        assert_null(strchr(e.msg, '\n'));
        if (cases[i].msg) {
            snprintf(want, sizeof want, "%s/%s", f->dir, cases[i].msg);
            assert_string_equal(e.msg, want);
        } else {
            snprintf(want, sizeof want, "%s/%s:", f->dir, cases[i].file);
            assert_memory_equal(e.msg, want, strlen(want));
        }
    }
    /* A missing file. */
    put_design(f, 1, 3, v);
    char path[256];
    snprintf(path, sizeof path, "%s/sensitivity.csv", f->dir);
    assert_int_equal(unlink(path), 0);
    assert_false(ts_plot_is_experiment(f->dir));
    assert_null(ts_plot_exp_load(f->dir, &e));
    assert_int_equal(e.code, TS_EBAD);
    assert_non_null(strstr(e.msg, "sensitivity.csv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tornado_sobol_sorted_by_st_with_intervals, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tornado_given_data_by_abs_prcc_and_morris, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_grid_detection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_lines_sorted_and_labelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_capped_evenly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_factor_sweep_of_any_design, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_files_one_line_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
