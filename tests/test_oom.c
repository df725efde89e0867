/* Out of memory everywhere: the library's malloc, calloc, realloc and
 * aligned_alloc are wrapped (the linker's --wrap, set for this program in
 * CMakeLists.txt) so that the k-th call fails, for every k up to the number
 * a whole job makes: loading a scenario with --set and events, writing it as
 * text, running replicates with talks and writing the six files; reading the
 * folder back (chart data and scripts, batch's row and batch.csv, diff,
 * compare); an experiment folder's chart data; the check and batch commands;
 * the experiments' designs, indices, PRIM and CART. Each failure must be
 * reported as a run-time failure (status 3 and one line, no crash, not
 * mistaken for bad input), leave no temporary file, and release what was
 * allocated (the sanitizer and valgrind runs of this program check that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "testutil.h"
#include "tradesim/agreement.h"
#include "tradesim/batch.h"
#include "tradesim/cart.h"
#include "tradesim/cli.h"
#include "tradesim/design.h"
#include "tradesim/discover.h"
#include "tradesim/experiment.h"
#include "tradesim/engine.h"
#include "tradesim/output.h"
#include "tradesim/plot.h"
#include "tradesim/prim.h"
#include "tradesim/scenario.h"
#include "tradesim/sensitivity.h"

/* The calls made so far and the one to fail (0: none). Atomic: the pool's
 * threads allocate too. */
static atomic_long calls, fail_at;

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);

static bool fail_now(void)
{
    long c = atomic_fetch_add(&calls, 1) + 1;
    return c == atomic_load(&fail_at);
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { return fail_now() ? NULL : __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t align, size_t n)
{
    return fail_now() ? NULL : __real_aligned_alloc(align, n);
}

static const char *const sets[] = {"monte_carlo.replicates=3", "output.trajectories=2",
                                   "output.channels=true"};

/* Whether whole_run goes through ts_output_run in blocks of one replicate
 * (two passes, a sample of two) instead of ts_engine_run and ts_output_write. */
static bool in_blocks;

/* One whole run into dir; TS_OK, or the first failure's status and message. */
static ts_status whole_run(const char *dir, ts_error *err)
{
    ts_scenario *sc = ts_scenario_load(TS_SOURCE_DIR "/tests/good/all_kinds.cfg", sets, 3, err);
    if (!sc)
        return err->code;
    ts_status s = TS_OK;
    char *text = ts_scenario_to_string(sc);
    if (!text)
        s = ts_error_set(err, TS_EIO, "out of memory for the scenario's text");
    free(text);
    ts_engine *e = s == TS_OK ? ts_engine_alloc(sc, err) : NULL;
    if (s == TS_OK && !e)
        s = err->code;
    ts_run *run = NULL;
    if (s == TS_OK && in_blocks) {
        ts_engine_opts o = {.threads = 1};
        ts_agreement_hook_opts(&o, NULL);
        ts_output_limits lim = {.in_memory = 1, .block = 1, .sample = 2};
        s = ts_output_run(e, &o, dir, &lim, NULL, err);
        ts_engine_free(e);
        ts_scenario_free(sc);
        return s;
    }
    if (s == TS_OK) {
        ts_engine_opts o = {.threads = 1};
        ts_agreement_hook_opts(&o, NULL);
        s = ts_engine_run(e, &o, &run, err);
    }
    if (s == TS_OK)
        s = ts_output_write(e, run, dir, 1, err);
    ts_run_free(run);
    ts_engine_free(e);
    ts_scenario_free(sc);
    return s;
}

static bool temporaries_in(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "find %s -name '*.tmp.*' | grep -q .", dir);
    return system(cmd) == 0;
}

static void test_every_allocation_fails_once(void **state)
{
    (void)state;
    char dir[64];
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "oom"));
    ts_error err;
    atomic_store(&fail_at, 0);
    atomic_store(&calls, 0);
    assert_int_equal(whole_run(dir, &err), TS_OK);
    long total = atomic_load(&calls);
    assert_true(total > 50);
    int failed = 0;
    for (long k = 1; k <= total; k++) {
        ts_error_clear(&err);
        atomic_store(&calls, 0);
        atomic_store(&fail_at, k);
        ts_status s = whole_run(dir, &err);
        atomic_store(&fail_at, 0);
        if (s == TS_OK)
            continue;   /* a failed allocation with a fallback (none today) */
        failed++;
        if (s != TS_EIO || !err.msg[0] || strchr(err.msg, '\n'))
            print_error("allocation %ld of %ld: status %d, message '%s'\n", k, total, (int)s,
                        err.msg);
        assert_int_equal(s, TS_EIO);
        assert_true(err.msg[0] != '\0');
        assert_null(strchr(err.msg, '\n'));
        assert_false(temporaries_in(dir));
    }
    assert_true(failed > total / 2);
    /* and the folder is whole again after a run that succeeds */
    assert_int_equal(whole_run(dir, &err), TS_OK);
    ts_test_remove_tree(dir);
}

/* The same for a run in blocks (sim/io/stream.c, aggstream.c): the blocks,
 * the aggregates' cells, the writer's rows, each allocation failing. */
static void test_every_allocation_fails_once_in_blocks(void **state)
{
    in_blocks = true;
    test_every_allocation_fails_once(state);
    in_blocks = false;
}

/* The readers of a result folder, each allocation failing in turn: the
 * charts' data and scripts, batch's row and batch.csv, diff and compare. */
static int command(int (*fn)(int, char **, FILE *, FILE *), int argc, char **argv, char *msg,
                   size_t n)
{
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    int rc = fn(argc, argv, out, err);
    ts_test_slurp_stream(err, msg, n);   /* closes it */
    fclose(out);
    return rc;
}

static ts_status readers(const char *dir, const char *folder, ts_error *err)
{
    ts_plot_data *d = ts_plot_load(folder, err);
    if (!d)
        return err->code;
    const ts_plot_data *one[] = {d};
    ts_plot_files files = {.png = "/x/a.png", .svg = "/x/a.svg"};
    char *s = ts_plot_issue_script(one, 1, "us_tariff", &files, err);
    char *t = s ? ts_plot_totals_script(one, 1, &files, err) : NULL;
    ts_status st = s && t ? TS_OK : err->code;
    free(s);
    free(t);
    ts_plot_free(d);
    if (st != TS_OK)
        return st;
    ts_batch_row row;
    memset(&row, 0, sizeof row);
    st = ts_batch_summarise(folder, "all_kinds", &row, err);
    char path[128];
    snprintf(path, sizeof path, "%s/batch.csv", dir);
    static const char *const set_args[] = {"a.b=1", "c=2", "a.b=3"};   /* --set columns */
    if (st == TS_OK)
        st = ts_batch_write(path, &row, 1, set_args, 3, 6, err);
    ts_batch_row_free(&row);
    if (st != TS_OK)
        return st;
    char summary[128], msg[512];
    snprintf(summary, sizeof summary, "%s/summary.csv", folder);
    char *dargs[] = {"diff", summary, summary};
    int rc = command(ts_cmd_diff, 3, dargs, msg, sizeof msg);
    char *cargs[] = {"compare", (char *)folder, (char *)folder};
    if (rc == 0)
        rc = command(ts_cmd_compare, 3, cargs, msg, sizeof msg);
    if (rc != 0) {
        ts_error_set(err, rc, "%s", msg);
        size_t len = strlen(err->msg);
        if (len && err->msg[len - 1] == '\n')   /* the command's one line, without its end */
            err->msg[len - 1] = '\0';
        return (ts_status)rc;
    }
    return TS_OK;
}

static void test_readers(void **state)
{
    (void)state;
    char dir[64], folder[128];
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "oomr"));
    ts_error err;
    atomic_store(&fail_at, 0);
    assert_int_equal(whole_run(dir, &err), TS_OK);
    snprintf(folder, sizeof folder, "%s/all_kinds", dir);
    atomic_store(&calls, 0);
    assert_int_equal(readers(dir, folder, &err), TS_OK);
    long total = atomic_load(&calls);
    assert_true(total > 20);
    for (long k = 1; k <= total; k++) {
        ts_error_clear(&err);
        atomic_store(&calls, 0);
        atomic_store(&fail_at, k);
        ts_status s = readers(dir, folder, &err);
        atomic_store(&fail_at, 0);
        if (s == TS_OK)
            continue;
        if (s != TS_EIO || !err.msg[0] || strchr(err.msg, '\n'))
            print_error("allocation %ld of %ld: status %d, message '%s'\n", k, total, (int)s,
                        err.msg);
        assert_int_equal(s, TS_EIO);
        assert_true(err.msg[0] != '\0');
        assert_null(strchr(err.msg, '\n'));
        assert_false(temporaries_in(dir));
    }
    ts_test_remove_tree(dir);
}

/* An experiment folder's chart data: loading, tornado bars, sweep lines. */
static ts_status exp_readers(const char *folder, ts_error *err)
{
    ts_plot_exp *x = ts_plot_exp_load(folder, err);
    if (!x)
        return err->code;
    ts_plot_tornado t;
    ts_plot_sweep sw = {0};
    ts_status st = ts_plot_exp_tornado(x, "a_total", &t, err);
    ts_plot_tornado_free(&t);
    if (st == TS_OK)
        st = ts_plot_exp_sweep(x, "a_total", 2, &sw, err);
    ts_plot_sweep_free(&sw);
    ts_plot_exp_free(x);
    return st;
}

static void test_experiment_readers(void **state)
{
    (void)state;
    char dir[64], path[128];
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "oome"));
    static const char *const files[][2] = {
        {"design.csv", "point,l1,l2\n0,0,0\n1,1,0\n2,0,1\n3,1,1\n4,0,2\n5,1,2\n"},
        {"points.csv", "point,l1,l2,a_total\n0,0,0,1\n1,1,0,2\n2,0,1,3\n3,1,1,4\n"
                       "4,0,2,5\n5,1,2,6\n"},
        {"sensitivity.csv", "output,parameter,method,index,value,lo95,hi95\n"
                            "a_total,l1,given_data,S1,0.2,0.1,0.3\n"
                            "a_total,l1,given_data,PRCC,0.9,0.8,1\n"
                            "a_total,l2,given_data,S1,0.7,0.6,0.8\n"
                            "a_total,l2,given_data,PRCC,,,\n"}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
        assert_true(ts_test_write_file(path, files[i][1]));
    }
    ts_error err;
    atomic_store(&fail_at, 0);
    atomic_store(&calls, 0);
    assert_int_equal(exp_readers(dir, &err), TS_OK);
    long total = atomic_load(&calls);
    assert_true(total > 20);
    for (long k = 1; k <= total; k++) {
        ts_error_clear(&err);
        atomic_store(&calls, 0);
        atomic_store(&fail_at, k);
        ts_status s = exp_readers(dir, &err);
        atomic_store(&fail_at, 0);
        if (s == TS_OK)
            continue;
        if (s != TS_EIO || !err.msg[0] || strchr(err.msg, '\n'))
            print_error("allocation %ld of %ld: status %d, message '%s'\n", k, total, (int)s,
                        err.msg);
        assert_int_equal(s, TS_EIO);
        assert_true(err.msg[0] != '\0');
        assert_null(strchr(err.msg, '\n'));
    }
    ts_test_remove_tree(dir);
}

/* An experiment into folder: a Sobol design (the indices with bootstrap
 * intervals) then a Latin hypercube (the given-data indices), each a few
 * points of two replicates. */
static ts_status experiment(const char *folder, ts_error *err)
{
    static const char *const esets[] = {"monte_carlo.replicates=2"};
    ts_scenario *sc = ts_scenario_load(TS_SOURCE_DIR "/tests/good/uncertain_poly.cfg", esets, 1,
                                       err);
    if (!sc)
        return err->code;
    ts_experiment_opts o = {.design = TS_EXP_SOBOL, .n = 4, .threads = 2};   /* 16 points */
    ts_status st = ts_experiment_run(sc, folder, &o, NULL, err);
    if (st == TS_OK) {
        o.design = TS_EXP_LHS;
        st = ts_experiment_run(sc, folder, &o, NULL, err);
    }
    ts_scenario_free(sc);
    /* then its analyses: given-data indices and PRIM on the folder */
    char path[256], out[256];
    snprintf(path, sizeof path, "%s", folder);
    ts_folder_data d = {.n = 0};
    if (st == TS_OK)
        st = ts_folder_data_read(path, &d, err);
    if (st == TS_OK) {
        snprintf(out, sizeof out, "%s/given.csv", folder);
        st = ts_sensitivity_given_write(&d, out, err);
    }
    if (st == TS_OK) {
        ts_text report = {0};
        snprintf(out, sizeof out, "%s/discover", folder);
        st = ts_discover(&d, "a_total < 15 or b_total >= 9", TS_DISCOVER_PRIM, out, &report, err);
        ts_text_free(&report);
    }
    if (st == TS_OK) {
        ts_text report = {0};
        snprintf(out, sizeof out, "%s/cart", folder);
        st = ts_discover(&d, "a_total < 15", TS_DISCOVER_CART, out, &report, err);
        ts_text_free(&report);
    }
    ts_folder_data_free(&d);
    return st;
}

/* ts_experiment_run with each allocation failing in turn: status 3 and one
 * line, and no temporary file left; a point's partial file may stay (it is
 * what --resume keeps). */
static void test_experiment(void **state)
{
    (void)state;
    char dir[64];
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "oomx"));
    ts_error err;
    atomic_store(&fail_at, 0);
    atomic_store(&calls, 0);
    ts_status first = experiment(dir, &err);
    if (first != TS_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(first, TS_OK);
    long total = atomic_load(&calls);
    assert_true(total > 50);
    for (long k = 1; k <= total; k++) {
        ts_error_clear(&err);
        atomic_store(&calls, 0);
        atomic_store(&fail_at, k);
        ts_status s = experiment(dir, &err);
        atomic_store(&fail_at, 0);
        if (s == TS_OK)
            continue;
        if (s != TS_EIO || !err.msg[0] || strchr(err.msg, '\n'))
            print_error("allocation %ld of %ld: status %d, message '%s'\n", k, total, (int)s,
                        err.msg);
        assert_int_equal(s, TS_EIO);
        assert_false(temporaries_in(dir));
        char cmd[256];   /* nor the design written beside its name */
        snprintf(cmd, sizeof cmd, "find %s -name '.*.new' | grep -q .", dir);
        assert_int_not_equal(system(cmd), 0);
    }
    assert_int_equal(experiment(dir, &err), TS_OK);
    ts_test_remove_tree(dir);
}

/* The commands as main calls them (run's own work is whole_run's), each
 * allocation failing in turn: exit 0, or 3 with one line on stderr, and
 * nothing half-written. */
static int commands(const char *dir, char *msg, size_t n)
{
    char out[128], in[128];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(in, sizeof in, "%s/in", dir);
    char *check[] = {"check", "-q", TS_SOURCE_DIR "/tests/good/all_kinds.cfg", "--set",
                     "monte_carlo.replicates=2"};
    int rc = command(ts_cmd_check, 5, check, msg, n);
    char *batch[] = {"batch", in, "-q", "-o", out, "-j", "1", "--set", "monte_carlo.replicates=2"};
    if (rc == 0)
        rc = command(ts_cmd_batch, 9, batch, msg, n);
    return rc;
}

static void test_commands(void **state)
{
    (void)state;
    char dir[64], path[128], msg[1024];
    assert_true(ts_test_mkdtemp(dir, sizeof dir, "oomc"));
    snprintf(path, sizeof path, "%s/in", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    static const char *const names[] = {"minimal", "abstract"};
    for (int i = 0; i < 2; i++) {
        char src[256], dst[160];
        snprintf(src, sizeof src, TS_SOURCE_DIR "/tests/good/%s.cfg", names[i]);
        snprintf(dst, sizeof dst, "%s/in/%s.cfg", dir, names[i]);
        char *text = ts_test_read_file(src, NULL);
        assert_non_null(text);
        assert_true(ts_test_write_file(dst, text));
        free(text);
    }
    atomic_store(&fail_at, 0);
    atomic_store(&calls, 0);
    assert_int_equal(commands(dir, msg, sizeof msg), 0);
    long total = atomic_load(&calls);
    assert_true(total > 50);
    /* Every other allocation: each batch stops its signal watcher, which
     * takes up to 0.1 s, so all of them would cost half a minute. */
    for (long k = 1; k <= total; k += 2) {
        atomic_store(&calls, 0);
        atomic_store(&fail_at, k);
        int rc = commands(dir, msg, sizeof msg);
        atomic_store(&fail_at, 0);
        if (rc == 0)
            continue;
        /* batch reports a failed scenario's row and goes on: its line names it */
        char *nl = strchr(msg, '\n');
        if (rc != 3 || !nl || nl[1] != '\0')
            print_error("allocation %ld of %ld: exit %d, stderr '%s'\n", k, total, rc, msg);
        assert_int_equal(rc, 3);
        assert_true(nl && nl[1] == '\0');
        assert_false(temporaries_in(dir));
    }
    ts_test_remove_tree(dir);
}

/* The experiments' numerics, each allocation failing in turn: designs,
 * Sobol, Morris and given-data indices, PRIM with covering, CART. */
static ts_status numerics(ts_error *err)
{
    ts_design sal = {0}, mor = {0}, lhs = {0};
    ts_prim_result pr = {0};
    double *y = NULL;
    bool *cond = NULL;
    ts_estimate e1[3], e2[3], e3[3];
    ts_boot_options o = ts_boot_defaults();
    o.resamples = 20;
    ts_status s = ts_design_saltelli(8, 3, 1, &sal, err);
    if (s == TS_OK)
        s = ts_design_morris_spread(4, 8, 3, 4, 1, &mor, err);
    if (s == TS_OK)
        s = ts_design_lhs(60, 3, 1, &lhs, err);
    if (s == TS_OK && !(y = malloc(60 * sizeof *y)))
        s = ts_error_set(err, TS_EIO, "out of memory for y");
    if (s == TS_OK && !(cond = malloc(60 * sizeof *cond)))
        s = ts_error_set(err, TS_EIO, "out of memory for the condition");
    for (size_t j = 0; s == TS_OK && j < 60; j++) {
        const double *u = lhs.u + 3 * j;
        y[j] = u[0] + 2 * u[1] * u[2];
        cond[j] = u[0] > 0.5 || u[1] < 0.2;
    }
    if (s == TS_OK)
        s = ts_sobol_indices(y, 8, 3, &o, e1, e2, NULL, err);
    if (s == TS_OK)
        s = ts_morris_indices(&mor, y, &o, e1, e2, e3, err);
    if (s == TS_OK)
        s = ts_given_first_order(lhs.u, y, 60, 3, &o, e1, err);
    if (s == TS_OK)
        s = ts_prcc(lhs.u, y, 60, 3, 0.95, e1, err);
    if (s == TS_OK) {
        ts_prim_options po = ts_prim_defaults();
        po.threshold = 1.0;
        s = ts_prim(lhs.u, cond, 60, 3, &po, &pr, err);
    }
    ts_cart_result cr = {0};
    if (s == TS_OK)
        s = ts_cart(lhs.u, cond, 60, 3, NULL, &cr, err);
    ts_cart_free(&cr);
    ts_prim_free(&pr);
    ts_design_free(&sal);
    ts_design_free(&mor);
    ts_design_free(&lhs);
    free(y);
    free(cond);
    return s;
}

static void test_numerics(void **state)
{
    (void)state;
    ts_error err;
    atomic_store(&fail_at, 0);
    atomic_store(&calls, 0);
    assert_int_equal(numerics(&err), TS_OK);
    long total = atomic_load(&calls);
    assert_true(total > 20);
    for (long k = 1; k <= total; k++) {
        ts_error_clear(&err);
        atomic_store(&calls, 0);
        atomic_store(&fail_at, k);
        ts_status s = numerics(&err);
        atomic_store(&fail_at, 0);
        if (s != TS_EIO || !err.msg[0] || strchr(err.msg, '\n'))
            print_error("allocation %ld of %ld: status %d, message '%s'\n", k, total, (int)s,
                        err.msg);
        assert_int_equal(s, TS_EIO);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_once),
        cmocka_unit_test(test_every_allocation_fails_once_in_blocks),
        cmocka_unit_test(test_readers),
        cmocka_unit_test(test_experiment_readers),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_numerics),
        cmocka_unit_test(test_experiment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
