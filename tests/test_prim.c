/* PRIM tests: small one-factor cases traced by hand (the trajectory step by
 * step, the choice, a paste that raises the density, covering that finds
 * two boxes), a noisy two-factor box recovered within a peel step with its
 * density and coverage recounted from the data, and bad options. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "tradesim/prim.h"

#define assert_near(a, b, tol)                                                                   \
    do {                                                                                         \
        double a_ = (a), b_ = (b);                                                               \
        if (!(fabs(a_ - b_) <= (tol)))                                                           \
            fail_msg("%s = %.6g, expected %.6g within %g", #a, a_, b_, (double)(tol));           \
    } while (0)

/* x = 0..19, cases at x >= 15. Peel alpha 0.1 takes 2 points from 20, then 1
 * (floor(0.1 nb) < 2 below 20 points): the low end goes each time (it leaves
 * the denser box) until [15, 19] with density 1; one more peel (a tie between
 * the ends: the low end, by rule) leaves [16, 19], the last box of at least
 * min_mass 20 = 4 points. The first box reaching the threshold 1 is [15, 19]:
 * mass 0.25, coverage 1; x = 14 has no case, so pasting adds nothing. */
static void test_one_factor_by_hand(void **state)
{
    (void)state;
    double x[20];
    bool y[20];
    for (int i = 0; i < 20; i++) {
        x[i] = i;
        y[i] = i >= 15;
    }
    ts_prim_options o = ts_prim_defaults();
    o.peel_alpha = 0.1;
    o.min_mass = 0.2;
    o.threshold = 1.0;
    ts_prim_result res;
    assert_int_equal(ts_prim(x, y, 20, 1, &o, &res, NULL), TS_OK);
    assert_int_equal(res.n_cases, 5);
    assert_near(res.mean, 0.25, 0);
    assert_int_equal(res.n_boxes, 1); /* no cases are left after it */
    const ts_prim_found *f = &res.boxes[0];
    assert_int_equal(f->n_steps, 16);
    assert_near(f->trajectory[0].lo[0], 0, 0);
    assert_int_equal(f->trajectory[0].n_points, 20);
    assert_int_equal(f->trajectory[0].n_restricted, 0);
    assert_near(f->trajectory[1].lo[0], 2, 0);
    assert_int_equal(f->trajectory[1].n_points, 18);
    for (size_t s = 1; s < 16; s++) {
        assert_near(f->trajectory[s].lo[0], s + 1, 0);
        assert_near(f->trajectory[s].hi[0], 19, 0);
        assert_true(f->trajectory[s].restricted[0]);
    }
    assert_int_equal(f->chosen, 14);
    assert_near(f->box.lo[0], 15, 0);
    assert_near(f->box.hi[0], 19, 0);
    assert_int_equal(f->box.n_points, 5);
    assert_near(f->box.mass, 0.25, 0);
    assert_near(f->box.density, 1.0, 0);
    assert_near(f->box.coverage, 1.0, 0);
    assert_int_equal(f->box.n_restricted, 1);
    assert_near(f->trajectory[15].density, 1.0, 0);
    assert_near(f->trajectory[15].coverage, 0.8, 1e-15);
    ts_prim_free(&res);
}

/* x = 0..99, cases at x >= 50 but 60 and 70. Peeling at alpha 0.1 overshoots:
 * 100 -> lo 10 -> 19 -> 27 -> 34 -> 40 -> 46 -> 51, where 47 of 49 points
 * are cases (0.959 >= threshold 0.95). A paste of one point (alpha 0.02)
 * brings x = 50 back: 48 of 50 = 0.96 is denser; x = 49 then would not be. */
static void test_paste_by_hand(void **state)
{
    (void)state;
    double x[100];
    bool y[100];
    for (int i = 0; i < 100; i++) {
        x[i] = i;
        y[i] = i >= 50 && i != 60 && i != 70;
    }
    ts_prim_options o = ts_prim_defaults();
    o.peel_alpha = 0.1;
    o.paste_alpha = 0.02;
    o.threshold = 0.95;
    o.max_boxes = 1;
    ts_prim_result res;
    assert_int_equal(ts_prim(x, y, 100, 1, &o, &res, NULL), TS_OK);
    assert_int_equal(res.n_boxes, 1);
    const ts_prim_found *f = &res.boxes[0];
    const double lo[] = {0, 10, 19, 27, 34, 40, 46, 51};
    for (size_t s = 0; s < 8; s++)
        assert_near(f->trajectory[s].lo[0], lo[s], 0);
    assert_int_equal(f->chosen, 7);
    assert_int_equal(f->trajectory[7].n_cases, 47);
    assert_near(f->box.lo[0], 50, 0);
    assert_int_equal(f->box.n_points, 50);
    assert_int_equal(f->box.n_cases, 48);
    assert_near(f->box.density, 0.96, 1e-15);
    /* Without pasting the box stays where peeling left it. */
    ts_prim_free(&res);
    o.paste_alpha = 0.0;
    assert_int_equal(ts_prim(x, y, 100, 1, &o, &res, NULL), TS_OK);
    assert_near(res.boxes[0].box.lo[0], 51, 0);
    ts_prim_free(&res);
}

/* x = 0..39, cases at both ends (x <= 4, x >= 33). The first search peels the
 * low end (ties go low; then it is denser) down to [33, 39]; with those points
 * out of play the second finds [0, 4]; then no cases are left. */
static void test_covering_two_boxes(void **state)
{
    (void)state;
    double x[40];
    bool y[40];
    for (int i = 0; i < 40; i++) {
        x[i] = i;
        y[i] = i <= 4 || i >= 33;
    }
    ts_prim_options o = ts_prim_defaults();
    o.peel_alpha = 0.1;
    o.min_mass = 0.1;
    o.threshold = 1.0;
    ts_prim_result res;
    assert_int_equal(ts_prim(x, y, 40, 1, &o, &res, NULL), TS_OK);
    assert_int_equal(res.n_boxes, 2);
    assert_near(res.boxes[0].box.lo[0], 33, 0);
    assert_near(res.boxes[0].box.hi[0], 39, 0);
    assert_near(res.boxes[0].box.coverage, 7.0 / 12, 1e-15);
    assert_near(res.boxes[1].box.lo[0], 0, 0);
    assert_near(res.boxes[1].box.hi[0], 4, 0);
    assert_near(res.boxes[1].box.coverage, 5.0 / 12, 1e-15);
    assert_near(res.boxes[1].start_density, 5.0 / 33, 1e-15);
    assert_true(res.boxes[1].box.restricted[0]); /* hi 4 < 39 */
    ts_prim_free(&res);
    /* One box at most. */
    o.max_boxes = 1;
    assert_int_equal(ts_prim(x, y, 40, 1, &o, &res, NULL), TS_OK);
    assert_int_equal(res.n_boxes, 1);
    ts_prim_free(&res);
}

/* 4000 points uniform on [0,1]^3; the condition x1 > 0.7 and x2 < 0.3, each
 * point's answer flipped with probability 0.05. The box holds 9% of the
 * points, so its last peels take about 0.05 x 360 = 18 points, a slice of
 * 0.015 in x1 or x2: the bounds must come within 0.03 (two steps) of 0.7 and
 * 0.3, x3 unrestricted; density and coverage are recounted from the data. */
static void test_noisy_box(void **state)
{
    (void)state;
    size_t n = 4000, k = 3;
    double *x = malloc(n * k * sizeof *x);
    bool *y = malloc(n * sizeof *y);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 17);
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < k; i++)
            x[j * k + i] = gsl_rng_uniform(r);
        bool in = x[j * k] > 0.7 && x[j * k + 1] < 0.3;
        y[j] = gsl_rng_uniform(r) < 0.05 ? !in : in;
    }
    gsl_rng_free(r);
    /* The default threshold 0.8 takes the first box that reaches it, a
     * generous one; 0.9 asks for the core. */
    ts_prim_result res;
    assert_int_equal(ts_prim(x, y, n, k, NULL, &res, NULL), TS_OK);
    const ts_prim_found *f = &res.boxes[0];
    print_message("threshold 0.8: x1 >= %.4f, x2 <= %.4f, density %.4f\n", f->box.lo[0],
                  f->box.hi[1], f->box.density);
    assert_true(f->chosen > 0 && f->trajectory[f->chosen].density >= 0.8);
    assert_true(f->trajectory[f->chosen - 1].density < 0.8);
    ts_prim_free(&res);
    ts_prim_options o = ts_prim_defaults();
    o.threshold = 0.9;
    assert_int_equal(ts_prim(x, y, n, k, &o, &res, NULL), TS_OK);
    assert_true(res.n_boxes >= 1);
    const ts_prim_box *b = &res.boxes[0].box;
    print_message("noisy box: x1 >= %.4f, x2 <= %.4f, mass %.4f, density %.4f, coverage %.4f, "
                  "%zu peeling steps\n", b->lo[0], b->hi[1], b->mass, b->density, b->coverage,
                  res.boxes[0].n_steps);
    assert_near(b->lo[0], 0.7, 0.03);
    assert_near(b->hi[1], 0.3, 0.03);
    assert_true(b->restricted[0] && b->restricted[1] && !b->restricted[2]);
    assert_int_equal(b->n_restricted, 2);
    size_t pts = 0, cases = 0;
    for (size_t j = 0; j < n; j++) {
        bool in = true;
        for (size_t i = 0; i < k; i++)
            in = in && x[j * k + i] >= b->lo[i] && x[j * k + i] <= b->hi[i];
        pts += in;
        cases += in && y[j];
    }
    assert_int_equal(b->n_points, pts);
    assert_int_equal(b->n_cases, cases);
    assert_near(b->density, (double)cases / pts, 1e-15);
    assert_near(b->coverage, (double)cases / res.n_cases, 1e-15);
    assert_near(b->mass, (double)pts / n, 1e-15);
    assert_true(b->density >= 0.9);
    /* The same data, the same boxes. */
    ts_prim_result again;
    assert_int_equal(ts_prim(x, y, n, k, &o, &again, NULL), TS_OK);
    assert_int_equal(again.n_boxes, res.n_boxes);
    assert_true(again.boxes[0].box.lo[0] == b->lo[0] && again.boxes[0].box.hi[1] == b->hi[1]);
    ts_prim_free(&again);
    ts_prim_free(&res);
    free(x);
    free(y);
}

/* x = 0..19, cases at x >= 4: the data's density 0.8 already reaches the
 * threshold 0.8, so the first box denser than the start is chosen: the first
 * peel, [2, 19] (16 of 18); x = 1 has no case, so it is not pasted back. */
static void test_common_condition(void **state)
{
    (void)state;
    double x[20];
    bool y[20];
    for (int i = 0; i < 20; i++) {
        x[i] = i;
        y[i] = i >= 4;
    }
    ts_prim_options o = ts_prim_defaults();
    o.peel_alpha = 0.1;
    ts_prim_result res;
    assert_int_equal(ts_prim(x, y, 20, 1, &o, &res, NULL), TS_OK);
    assert_true(res.n_boxes >= 1);
    assert_int_equal(res.boxes[0].chosen, 1);
    assert_near(res.boxes[0].box.lo[0], 2, 0);
    assert_int_equal(res.boxes[0].box.n_cases, 16);
    assert_int_equal(res.boxes[0].box.n_points, 18);
    ts_prim_free(&res);
}

static void test_bad_input(void **state)
{
    (void)state;
    double x[4] = {0, 1, 2, NAN};
    bool y[4] = {true, false, true, false};
    ts_prim_result res;
    ts_error err;
    ts_prim_options o = ts_prim_defaults();
    o.peel_alpha = 0.6;
    assert_int_equal(ts_prim(x, y, 3, 1, &o, &res, &err), TS_EBAD);
    assert_string_equal(err.msg, "prim: peel alpha 0.6 must lie in (0, 0.5]");
    ts_prim_free(&res);
    o = ts_prim_defaults();
    o.min_mass = 0;
    assert_int_equal(ts_prim(x, y, 3, 1, &o, &res, &err), TS_EBAD);
    assert_string_equal(err.msg, "prim: minimum mass 0 must lie in (0, 1]");
    assert_int_equal(ts_prim(x, y, 4, 1, NULL, &res, &err), TS_EBAD);
    assert_string_equal(err.msg, "prim: point 3, factor 0 is not a finite number");
    ts_prim_free(&res);
    assert_int_equal(ts_prim(x, y, 1, 1, NULL, &res, &err), TS_EBAD);
    assert_string_equal(err.msg, "prim: needs 2 to 2^32 - 1 points and at least 1 factor (got 1 "
                                 "points, 1 factors)");
    /* No cases at all: no box, not an error. */
    bool none[3] = {false, false, false};
    assert_int_equal(ts_prim(x, none, 3, 1, NULL, &res, &err), TS_OK);
    assert_int_equal(res.n_boxes, 0);
    assert_near(res.mean, 0.0, 0);
    ts_prim_free(&res);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_factor_by_hand), cmocka_unit_test(test_paste_by_hand),
        cmocka_unit_test(test_covering_two_boxes), cmocka_unit_test(test_noisy_box),
        cmocka_unit_test(test_common_condition), cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
