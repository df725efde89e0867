/* Tests of the roll-out for talks (rollout.h) against the world's own steps
 * summed here step by step: the discounted payoffs with the state advancing,
 * a promised pledge valued at trust, a tariff on its elasticity path and
 * an export control at each convexity.
 * Tolerance 1e-12: the same flows summed in the same order. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model_fixture.h"
#include "testutil.h"
#include "tradesim/rollout.h"

/* The world's own steps summed by hand: each actor's payoffs discounted
 * from weight 1, the state advancing after each step, as the roll-out
 * promises. first (may be NULL) gets the first step's payoffs, last the
 * last step's. Moves the world on by n steps. */
static void stepped_sum(fixture *f, int n, double tot[2], double first[2], double last[2])
{
    double disc[2] = {1, 1}, pay[2];
    tot[0] = tot[1] = 0.0;
    for (int k = 0; k < n; k++) {
        ts_world_payoffs(&f->w, pay);
        if (k == 0 && first)
            memcpy(first, pay, sizeof pay);
        for (int a = 0; a < 2; a++) {
            tot[a] += disc[a] * pay[a];
            disc[a] *= f->w.factor[a];
        }
        for (int i = 0; i < 2; i++)
            ts_issue_advance(&f->w.issue[i], &f->w.st[i], f->w.h);
    }
    memcpy(last, pay, sizeof pay);
}

/* The roll-out with nothing fixed is the discounted sum of ts_world_payoffs
 * over steps with the state advancing, computed here step by step. */
static void test_rollout(void **state)
{
    (void)state;
    fixture f;
    make_world(&f);
    double out[2];
    ts_world_rollout(&f.w, NULL, NULL, 0, 10, false, out);
    double tot[2], pay[2];
    stepped_sum(&f, 10, tot, NULL, pay);
    assert_float_equal(out[0], tot[0], 1e-12);
    assert_float_equal(out[1], tot[1], 1e-12);
    /* The world itself was not moved by the roll-out. */
    ts_world_reset(&f.w);
    double again[2];
    ts_world_rollout(&f.w, NULL, NULL, 0, 10, false, again);
    assert_float_equal(again[0], out[0], 0.0);

    /* A promised pledge e_p = 1 valued by its receiver (actor 0, trust 0.25)
     * at 0.25*1 + 0.75*0.3 = 0.475; its owner pays the cost of 1. One step. */
    int lever = 1;
    double level = 1.0, r1[2], r0[2];
    ts_world_rollout(&f.w, &lever, &level, 1, 1, true, r1);
    ts_world_rollout(&f.w, NULL, NULL, 0, 1, false, r0);
    double h = f.w.h;
    assert_float_equal(r1[0] - r0[0], 4.0 * (0.475 - 0.3) * h, 1e-12);
    assert_float_equal(r1[1] - r0[1], -1.0 * (1.0 - 0.3) * h, 1e-12);
}

/* A tariff on its elasticity path changes its flows every step at a fixed
 * level: the roll-out follows it step by step, as the world's own steps do. */
static void test_rollout_elasticity_path(void **state)
{
    (void)state;
    fixture f;
    make_world(&f);
    ts_issue *t = &f.issues[1];
    *t = base_issue(TS_ISSUE_TARIFF, 1);
    t->max = 2.0;
    t->initial = 0.3;
    t->imports_bn = 200.0;
    t->elasticity = 2.0;
    t->tot_share = 0.25;
    t->supply_elasticity = ts_tariff_supply_elasticity(2.0, 0.25);
    t->elasticity_short_run = 0.76;
    t->elasticity_half_life = 0.1;   /* years: weekly steps move eps visibly */
    ts_world_bind(&f.w, &f.sc, f.copies, f.st, f.held, f.seen);
    double out[2];
    ts_world_rollout(&f.w, NULL, NULL, 0, 10, false, out);
    double tot[2], pay[2], first[2];
    stepped_sum(&f, 10, tot, first, pay);
    assert_near(out[0], tot[0], 1e-12);
    assert_near(out[1], tot[1], 1e-12);
    /* The owner's flow moved with eps at a level that did not. */
    assert_true(fabs(pay[1] - first[1]) > 1e-6);
}

/* An export control at each convexity the roll-out treats apart (1 and 2
 * by products, others by pow), its dependence drifting and diversifying: the
 * roll-out is the world's own steps summed, levels fixed. */
static void test_rollout_export_convexities(void **state)
{
    (void)state;
    static const double convexity[] = {1.0, 2.0, 1.5};
    for (int c = 0; c < 3; c++) {
        fixture f;
        make_world(&f);
        ts_issue *e = &f.issues[1];
        *e = base_issue(TS_ISSUE_EXPORT_CONTROL, 1);
        e->initial = 0.4;
        e->exports_bn = 1.5;
        e->disruption_bn = 60.0;
        e->convexity = convexity[c];
        e->dependence = 0.9;
        e->diversification = 0.3;
        e->drift = 0.05;
        e->reputation_bn = 0.5;
        ts_world_bind(&f.w, &f.sc, f.copies, f.st, f.held, f.seen);
        double out[2];
        ts_world_rollout(&f.w, NULL, NULL, 0, 12, false, out);
        double tot[2], pay[2];
        stepped_sum(&f, 12, tot, NULL, pay);
        assert_near(out[0], tot[0], 1e-12 * (1.0 + fabs(tot[0])));
        assert_near(out[1], tot[1], 1e-12 * (1.0 + fabs(tot[1])));
        assert_true(fabs(out[1]) > 1e-3);   /* the disruption counts */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rollout),
        cmocka_unit_test(test_rollout_elasticity_path),
        cmocka_unit_test(test_rollout_export_convexities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
