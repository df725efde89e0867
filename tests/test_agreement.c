/* Tests of the talks phase (agreement.h) through the engine: the Nash
 * package against the closed form x1 = d1 + w (1 - d1 - d2) (also at the
 * engine's default accuracy), separability of the agenda's values, random
 * agendas against converged solves, a 90-day truce (snapback, renegotiation, breach, phase-in), trust learnt from a pledge
 * kept or broken (closed forms for the trust path), failed talks, the random
 * talks' rate, identical results whatever the thread count; Rubinstein's
 * shares and patience weights (Binmore, Rubinstein & Wolinsky 1986) from the
 * actors' discounts, and the noncooperative threat point of two tariffs at
 * the owners' optimal tariffs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_rng.h>

#include "tradesim/agreement.h"
#include "tradesim/strategy.h"
#include "tradesim/rollout.h"
#include "testutil.h"

static ts_scenario *parse(const char *text, const char *const *ov, int n_ov)
{
    ts_error err;
    ts_scenario *sc = ts_scenario_parse(text, "test.cfg", ov, n_ov, &err);
    if (!sc)
        fail_msg("%s", err.msg);
    return sc;
}

/* One replicate stepped by hand through the talks hook. */
typedef struct {
    ts_scenario *sc;
    ts_engine *e;
    ts_replicate *r;
    ts_agreement_opts o;
} sim;

static void sim_open(sim *s, const char *text, const char *const *ov, int n_ov, double xtol)
{
    s->sc = parse(text, ov, n_ov);
    s->e = ts_engine_alloc(s->sc, NULL);
    assert_non_null(s->e);
    s->r = ts_replicate_alloc(s->e);
    assert_non_null(s->r);
    s->o = (ts_agreement_opts){.xtol = xtol};
}

static void sim_reset(sim *s, int k) { ts_replicate_reset(s->e, s->r, k); }

static void sim_step(sim *s)
{
    ts_error err;
    ts_status st = ts_replicate_step(s->e, s->r, ts_agreement_hook, &s->o, NULL, &err);
    if (st != TS_OK)
        fail_msg("%s", err.msg);
}

static void sim_close(sim *s)
{
    ts_replicate_free(s->r);
    ts_engine_free(s->e);
    ts_scenario_free(s->sc);
}

static int count_rows(const ts_log *log, ts_log_type type)
{
    int n = 0;
    for (int i = 0; i < log->n; i++)
        n += log->rows[i].type == type;
    return n;
}

/* ---- Nash package through the engine ------------------------------------ */

/* s splits a unit surplus per step (a gets s, b gets 1 - s); c is a conflict
 * lever costing both 0.2 (c + c^2). From s = 0.3, c = 0.5 the disagreement
 * values per step are d_a = 0.15, d_b = 0.55; no discounting, so values over
 * the duration are 5 times the per-step ones and the closed form holds per
 * step: s = d_a + w (1 - d_a - d_b), c = 0. */
static const char *const surplus =
    "calendar = { step = \"abstract\"; steps = 3; };\n"
    "monte_carlo = { replicates = 1; };\n"
    "actors = ( { id = \"a\"; discount = 0.0; reliability = 1.0; strategy = { kind = \"hold\"; }; },\n"
    "  { id = \"b\"; discount = 0.0; reliability = 1.0; strategy = { kind = \"hold\"; }; } );\n"
    "issues = ( { id = \"s\"; kind = \"custom\"; owner = \"a\"; min = 0.0; max = 1.0; initial = 0.3;\n"
    "    payoff = { a = { linear = 1.0; }; b = { constant = 1.0; linear = -1.0; }; }; },\n"
    "  { id = \"c\"; kind = \"custom\"; owner = \"b\"; min = 0.0; max = 1.0; initial = 0.5;\n"
    "    payoff = { a = { linear = -0.2; quadratic = -0.2; }; b = { linear = -0.2; quadratic = -0.2; }; }; } );\n"
    "talks = ( { step = 0; agenda = [\"s\", \"c\"]; protocol = \"nash\"; duration = 5;\n"
    "            on_expiry = \"keep\"; } );\n";

static void nash_case(double w, double xtol, double tol)
{
    char p0[64], p1[64];
    snprintf(p0, sizeof p0, "actors.[0].power=%.17g", w);
    snprintf(p1, sizeof p1, "actors.[1].power=%.17g", 1.0 - w);
    const char *ov[2] = {p0, p1};
    sim s;
    sim_open(&s, surplus, ov, 2, xtol);
    sim_reset(&s, 0);
    sim_step(&s);
    assert_int_equal(s.r->deals, 1);
    assert_int_equal(s.r->first_deal_step, 0);
    assert_near(s.r->w.st[0].x, 0.15 + w * 0.3, tol);
    assert_near(s.r->w.st[1].x, 0.0, tol);
    sim_close(&s);
}

static void test_nash_closed_form(void **state)
{
    (void)state;
    /* xtol 1e-7: the package within 1e-5 of the closed form, two orders to spare. */
    for (double w = 0.2; w < 0.85; w += 0.3)
        nash_case(w, 1e-7, 1e-5);
}

static void test_nash_engine_accuracy(void **state)
{
    (void)state;
    /* The engine's default (xtol 1e-4 of the range, the trust-region Newton
     * method on this separable agenda): the split within 1e-4 of the closed
     * form, the conflict lever at its bound (observed error ~1e-8). */
    for (double w = 0.2; w < 0.85; w += 0.15)
        nash_case(w, 0.0, 1e-4);
}

/* The values are split issue by issue unless an interaction joins two
 * agenda levers. c_a: an interaction of s with the off-agenda lever o keeps
 * the agenda separable (its term goes with s); one of s with c does not, and
 * the talk is solved by the simplex. Either way the package is the
 * converged simplex's (1e-8, four starts) within 1e-4 of the range. */
static void test_separable_or_not(void **state)
{
    (void)state;
    static const char *const extra[] = {
        "interactions=({actor=\"a\";issues=[\"s\",\"o\"];coef=-0.3;})",
        "interactions=({actor=\"b\";issues=[\"s\",\"c\"];coef=-0.3;})",
        "interactions=({actor=\"b\";issues=[\"s\",\"s\"];coef=-0.4;})",
    };
    for (int k = 0; k < 3; k++) {
        const char *ov[3] = {"issues=({id=\"s\";kind=\"custom\";owner=\"a\";min=0.0;max=1.0;"
                             "initial=0.3;payoff={a={linear=1.0;};b={constant=1.0;linear=-1.0;};};},"
                             "{id=\"c\";kind=\"custom\";owner=\"b\";min=0.0;max=1.0;initial=0.5;"
                             "payoff={a={linear=-0.2;quadratic=-0.2;};b={linear=-0.2;"
                             "quadratic=-0.2;};};},"
                             "{id=\"o\";kind=\"custom\";owner=\"b\";min=0.0;max=1.0;"
                             "initial=0.7;})",
                             extra[k], "actors.[0].discount=0.1"};
        sim s;
        sim_open(&s, surplus, ov, 3, 0.0);
        sim_reset(&s, 0);
        const ts_talk *tk = &s.sc->talks[0];
        ts_talks_workspace *ws = ts_talks_workspace_alloc(tk->n_agenda, 1);
        ts_talks_result def, ref;
        double d[2];
        ts_error err;
        ts_agreement_opts conv = {.xtol = 1e-8, .starts = 4, .simplex = true};
        assert_int_equal(ts_agreement_negotiate(NULL, ws, &s.r->w, tk, NULL, &def, d, &err),
                         TS_OK);
        assert_int_equal(ts_agreement_negotiate(&conv, ws, &s.r->w, tk, NULL, &ref, d, &err),
                         TS_OK);
        assert_true(def.agreement && ref.agreement);
        if (k == 1)
            assert_int_equal(def.lever_evaluations, 0);
        else
            assert_true(def.lever_evaluations > 0);
        assert_int_equal(ref.lever_evaluations, 0);
        for (int j = 0; j < tk->n_agenda; j++)
            assert_near(def.x[j], ref.x[j], 1e-4);
        ts_talks_workspace_free(ws);
        sim_close(&s);
    }
}

/* The shipped issue kinds (talk5's five levers) on random agendas, levels,
 * trusts and chip and export states: the engine's default package within
 * 1e-4 of each range of the converged simplex (xtol 1e-8, four starts). */
static void random_agendas(const char *const *sets, int n_sets)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/good_talks/talk5.cfg", TS_SOURCE_DIR);
    ts_error err;
    ts_scenario *sc = ts_scenario_load(path, sets, n_sets, &err);
    if (!sc)
        fail_msg("%s", err.msg);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_replicate *r = ts_replicate_alloc(e);
    ts_replicate_reset(e, r, 0);
    ts_talks_workspace *ws = ts_talks_workspace_alloc(sc->n_issues, 1);
    ts_world *w = &r->w;
    ts_talk tk = sc->talks[0];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 13);
    double worst = 0.0;
    int deals = 0, max_evals = 0;
    for (int t = 0; t < 60; t++) {
        tk.n_agenda = 0;
        for (int i = 0; i < sc->n_issues; i++)
            if (gsl_rng_uniform(rng) < 0.6)
                tk.agenda[tk.n_agenda++] = i;
        if (tk.n_agenda == 0)
            tk.agenda[tk.n_agenda++] = t % sc->n_issues;
        for (int i = 0; i < sc->n_issues; i++) {
            const ts_issue *is = &w->issue[i];
            ts_world_set_level(w, i, is->min + gsl_rng_uniform(rng) * (is->max - is->min));
            w->st[i].market = gsl_rng_uniform(rng);
            w->st[i].dependence = gsl_rng_uniform(rng);
        }
        w->trust[0] = gsl_rng_uniform(rng);
        w->trust[1] = gsl_rng_uniform(rng);
        ts_agreement_opts conv = {.xtol = 1e-8, .starts = 4, .simplex = true};
        ts_talks_result def, ref;
        double d[2];
        assert_int_equal(ts_agreement_negotiate(NULL, ws, w, &tk, NULL, &def, d, &err), TS_OK);
        assert_int_equal(ts_agreement_negotiate(&conv, ws, w, &tk, NULL, &ref, d, &err), TS_OK);
        assert_int_equal(def.agreement, ref.agreement);
        /* Newton throughout: the issue-by-issue values add up to the
         * roll-out's (no fall-back to the simplex, which takes hundreds) */
        assert_true(def.lever_evaluations > 0 && def.evaluations <= 40);
        max_evals = def.evaluations > max_evals ? def.evaluations : max_evals;
        deals += def.agreement;
        for (int j = 0; j < tk.n_agenda; j++) {
            const ts_issue *is = &w->issue[tk.agenda[j]];
            worst = fmax(worst, fabs(def.x[j] - ref.x[j]) / (is->max - is->min));
        }
    }
    print_message("random agendas: %d deals of 60, largest package distance %.2g of the range, "
                  "at most %d roll-outs\n", deals, worst, max_evals);
    assert_true(worst <= 1e-4);
    assert_true(deals >= 40);
    gsl_rng_free(rng);
    ts_talks_workspace_free(ws);
    ts_replicate_free(r);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

static void test_random_agendas(void **state)
{
    (void)state;
    random_agendas(NULL, 0);
}

/* Tariffs whose elasticity moves towards the long run during the talk: the
 * per-issue values follow the path step by step as the roll-out does, so the
 * Newton method still needs no fall-back. */
static void test_random_agendas_elasticity_path(void **state)
{
    (void)state;
    static const char *const sets[] = {
        "issues.[0].elasticity_short_run=0.76", "issues.[0].elasticity_half_life=0.5",
        "issues.[1].elasticity_short_run=0.5", "issues.[1].elasticity_half_life=0.25"};
    random_agendas(sets, 4);
}

static void test_concession(void **state)
{
    (void)state;
    const char *ov[2] = {"talks.[0].protocol=\"concession\"", "talks.[0].rounds=9"};
    sim s;
    sim_open(&s, surplus, ov, 2, 1e-6);
    sim_reset(&s, 0);
    sim_step(&s);
    assert_int_equal(s.r->deals, 1);
    /* individually rational: a gets more than d_a, b more than d_b */
    double x = s.r->w.st[0].x, c = s.r->w.st[1].x, cost = 0.2 * (c + c * c);
    assert_true(x - cost > 0.15);
    assert_true(1.0 - x - cost > 0.55);
    assert_non_null(strstr(s.r->log.rows[0].detail, "in round"));
    sim_close(&s);
}

/* ---- Rubinstein and patience weights through the engine ----------------- */

/* First proposer's share of the surplus, R rounds, per-round factors da (its
 * own) and db (Osborne & Rubinstein 1990, ch. 3). */
static double spe_share(double da, double db, int rounds)
{
    double a = 1.0, b = 1.0;
    for (int r = 2; r <= rounds; r++) {
        double na = 1.0 - db * b, nb = 1.0 - da * a;
        a = na;
        b = nb;
    }
    return a;
}

/* Discount rates rho_a, rho_b give per-step factors 1/(1 + rho) (abstract
 * calendar); values over the 5 steps scale each side's gain by its own
 * annuity, which neither the Rubinstein split nor the Nash split of s sees. */
static void rubinstein_case(double da, double db, int rounds, int len, const char *opener)
{
    char o[6][64];
    snprintf(o[0], sizeof o[0], "actors.[0].discount=%.17g", 1.0 / da - 1.0);
    snprintf(o[1], sizeof o[1], "actors.[1].discount=%.17g", 1.0 / db - 1.0);
    snprintf(o[2], sizeof o[2], "talks.[0].protocol=\"alternating\"");
    snprintf(o[3], sizeof o[3], "talks.[0].rounds=%d", rounds);
    snprintf(o[4], sizeof o[4], "talks.[0].round_length=%d", len);
    snprintf(o[5], sizeof o[5], "talks.[0].opener=\"%s\"", opener);
    const char *ov[6] = {o[0], o[1], o[2], o[3], o[4], o[5]};
    sim s;
    sim_open(&s, surplus, ov, 6, 0.0);
    sim_reset(&s, 0);
    sim_step(&s);
    assert_int_equal(s.r->deals, 1);
    int first = opener[0] == 'b';
    double pa = pow(da, len), pb = pow(db, len);
    double share = first ? spe_share(pb, pa, rounds) : spe_share(pa, pb, rounds);
    /* per step: d_a = 0.15, d_b = 0.55, surplus 0.3 with the conflict lever at 0 */
    double sa = first ? 1.0 - share : share;
    assert_near(s.r->w.st[0].x, 0.15 + sa * 0.3, 1e-4 * 0.3);
    assert_near(s.r->w.st[1].x, 0.0, 1e-4);
    const char *d = s.r->log.rows[0].detail;
    assert_non_null(strstr(d, "alternating on s c"));
    assert_non_null(strstr(d, first ? "offer by b" : "offer by a"));
    assert_non_null(strstr(d, "subgame-perfect"));
    sim_close(&s);
}

static void test_rubinstein_engine(void **state)
{
    (void)state;
    rubinstein_case(0.9, 0.8, 1, 1, "a");
    rubinstein_case(0.9, 0.8, 2, 1, "a");
    rubinstein_case(0.9, 0.8, 9, 1, "a");
    rubinstein_case(0.9, 0.8, 200, 1, "a");
    rubinstein_case(0.9, 0.8, 9, 1, "b");
    rubinstein_case(0.95, 0.9, 7, 3, "b");   /* per-round factors 0.95^3, 0.9^3 */
}

static void patience_case(double da, double db)
{
    char o[3][64];
    snprintf(o[0], sizeof o[0], "actors.[0].discount=%.17g", 1.0 / da - 1.0);
    snprintf(o[1], sizeof o[1], "actors.[1].discount=%.17g", 1.0 / db - 1.0);
    snprintf(o[2], sizeof o[2], "talks.[0].weights=\"patience\"");
    const char *ov[3] = {o[0], o[1], o[2]};
    sim s;
    sim_open(&s, surplus, ov, 3, 1e-7);
    sim_reset(&s, 0);
    sim_step(&s);
    assert_int_equal(s.r->deals, 1);
    double w = log(db) / (log(da) + log(db));
    assert_near(s.r->w.st[0].x, 0.15 + w * 0.3, 1e-5);
    assert_non_null(strstr(s.r->log.rows[0].detail, "patience weights"));
    sim_close(&s);
}

static void test_patience_weights(void **state)
{
    (void)state;
    patience_case(0.9, 0.8);
    patience_case(0.8, 0.9);
    patience_case(0.99, 0.95);
    /* one side without discounting is infinitely patient: weight 1, and the
     * other gains nothing, so the talk fails as with a zero power */
    const char *ov[3] = {"actors.[0].discount=0.0", "actors.[1].discount=0.1",
                         "talks.[0].weights=\"patience\""};
    sim s;
    sim_open(&s, surplus, ov, 3, 1e-7);
    sim_reset(&s, 0);
    sim_step(&s);
    assert_int_equal(s.r->deals, 0);
    assert_non_null(strstr(s.r->log.rows[0].detail, "patience weights a=1 b=0"));
    sim_close(&s);
}

/* ---- the noncooperative threat point ------------------------------------ */

/* Two tariffs at war levels; each owner's unilateral optimum is interior.
 * A talk with the noncooperative disagreement point must find them as its
 * threat point, whatever the status quo. */
static const char *const tariffs =
    "calendar = { step = \"abstract\"; steps = 3; };\n"
    "monte_carlo = { replicates = 1; };\n"
    "actors = ( { id = \"us\"; reliability = 1.0; strategy = { kind = \"hold\"; }; },\n"
    "  { id = \"cn\"; reliability = 1.0; strategy = { kind = \"hold\"; }; } );\n"
    "issues = ( { id = \"us_tariff\"; kind = \"tariff\"; owner = \"us\"; min = 0.0; max = 2.0;\n"
    "    initial = 1.2; imports_bn = 100.0; elasticity = 2.0; tot_share = 0.3; },\n"
    "  { id = \"cn_tariff\"; kind = \"tariff\"; owner = \"cn\"; min = 0.0; max = 2.0;\n"
    "    initial = 0.0; imports_bn = 60.0; elasticity = 3.0; tot_share = 0.4; } );\n"
    "talks = ( { step = 0; agenda = [\"us_tariff\", \"cn_tariff\"]; protocol = \"nash\";\n"
    "            duration = 4; disagreement = \"noncooperative\"; on_expiry = \"keep\"; } );\n";

static void test_threat_point_tariffs(void **state)
{
    (void)state;
    sim s;
    sim_open(&s, tariffs, NULL, 0, 1e-7);
    sim_reset(&s, 0);
    const ts_talk *tk = &s.sc->talks[0];
    /* each owner's optimal tariff, from the model's own step payoff */
    double opt[2];
    for (int k = 0; k < 2; k++)
        opt[k] = ts_strategy_best_level(&s.r->w, k, k, s.r->ws);
    assert_true(opt[0] > 0.01 && opt[0] < 1.0 && opt[1] > 0.01 && opt[1] < 1.0);
    for (int start = 0; start < 3; start++) {
        double x[2] = {start * 0.9, 2.0 - start * 0.7};
        int sweeps = 0;
        assert_true(ts_agreement_threat_point(&s.r->w, tk, x, &sweeps));
        assert_near(x[0], opt[0], 1e-6);
        assert_near(x[1], opt[1], 1e-6);
        /* each tariff's payoff depends on its own level only: the first
         * sweep finds the point, the second confirms it */
        assert_int_equal(sweeps, 2);
    }
    /* the talk: d at the threat point, which the log reports */
    double x[2] = {1.2, 0.0};
    int sweeps;
    assert_true(ts_agreement_threat_point(&s.r->w, tk, x, &sweeps));
    ts_talks_workspace *ws = ts_talks_workspace_alloc(2, 10);
    ts_talks_result res;
    double d[2], dref[2];
    ts_error err;
    assert_int_equal(ts_agreement_negotiate(&s.o, ws, &s.r->w, tk, NULL, &res, d, &err), TS_OK);
    ts_world_rollout(&s.r->w, tk->agenda, x, 2, tk->duration_steps, false, dref);
    assert_near(d[0], dref[0], 1e-9 * (1 + fabs(dref[0])));
    assert_near(d[1], dref[1], 1e-9 * (1 + fabs(dref[1])));
    /* lower tariffs than the war's gain both sides */
    assert_true(res.agreement);
    assert_true(res.x[0] < x[0] && res.x[1] < x[1]);
    ts_talks_workspace_free(ws);
    sim_step(&s);
    const char *det = s.r->log.rows[0].detail;
    char want[128];
    snprintf(want, sizeof want, "threat point (noncooperative, 2 sweeps): us_tariff=%.9g", x[0]);
    assert_non_null(strstr(det, want));
    snprintf(want, sizeof want, "cn_tariff=%.9g", x[1]);
    assert_non_null(strstr(det, want));
    sim_close(&s);
}

/* Best responses that cycle: a wants x to match y, b wants y to mismatch x
 * (u_a = -x^2 + 2xy, u_b = -y^2 + 2y - 2xy: x = y, y = 1 - x). From
 * (0.5, 0.2) the sweeps alternate between (0.2, 0.8) and (0.8, 0.2) and
 * never settle on the fixed point (0.5, 0.5): the talk falls back to the
 * status quo and says so. */
static const char *const pennies =
    "calendar = { step = \"abstract\"; steps = 3; };\n"
    "monte_carlo = { replicates = 1; };\n"
    "actors = ( { id = \"a\"; reliability = 1.0; strategy = { kind = \"hold\"; }; },\n"
    "  { id = \"b\"; reliability = 1.0; strategy = { kind = \"hold\"; }; } );\n"
    "issues = ( { id = \"x\"; kind = \"custom\"; owner = \"a\"; min = 0.0; max = 1.0; initial = 0.5;\n"
    "    payoff = { a = { quadratic = -1.0; }; }; },\n"
    "  { id = \"y\"; kind = \"custom\"; owner = \"b\"; min = 0.0; max = 1.0; initial = 0.2;\n"
    "    payoff = { b = { linear = 2.0; quadratic = -1.0; }; }; } );\n"
    "interactions = ( { actor = \"a\"; issues = [\"x\", \"y\"]; coef = 2.0; },\n"
    "  { actor = \"b\"; issues = [\"x\", \"y\"]; coef = -2.0; } );\n"
    "talks = ( { step = 0; agenda = [\"x\", \"y\"]; disagreement = \"noncooperative\"; } );\n";

static void test_threat_point_no_fixed_point(void **state)
{
    (void)state;
    sim s;
    sim_open(&s, pennies, NULL, 0, 0.0);
    sim_reset(&s, 0);
    sim_step(&s);
    assert_non_null(strstr(s.r->log.rows[0].detail,
                           "noncooperative threat point not found in 100 sweeps"));
    sim_close(&s);
}

/* ---- a 90-day truce ----------------------------------------------------- */

/* A prisoner's dilemma in two levers, both at 1 (war): each lever gives its
 * owner 1 and costs the other 3 a year, so both gain from (0, 0). Weekly
 * steps: a 90-day agreement made at step 2 holds steps 2..14 (13 steps) and
 * expires at step 15. */
static const char *const truce =
    "calendar = { start = \"2025-01-06\"; end = \"2025-12-29\"; step = \"week\"; };\n"
    "monte_carlo = { replicates = 1; };\n"
    "actors = ( { id = \"us\"; reliability = 1.0; strategy = { kind = \"hold\"; }; },\n"
    "  { id = \"cn\"; reliability = 1.0; strategy = { kind = \"hold\"; }; } );\n"
    "issues = ( { id = \"a\"; kind = \"custom\"; owner = \"us\"; min = 0.0; max = 1.0; initial = 1.0;\n"
    "    max_step = 1.0; tolerance = 0.01;\n"
    "    payoff = { us = { linear = 1.0; }; cn = { linear = -3.0; }; }; },\n"
    "  { id = \"b\"; kind = \"custom\"; owner = \"cn\"; min = 0.0; max = 1.0; initial = 1.0;\n"
    "    max_step = 1.0; tolerance = 0.01;\n"
    "    payoff = { us = { linear = -3.0; }; cn = { linear = 1.0; }; }; } );\n"
    "talks = ( { step = 2; label = \"truce talks\"; agenda = [\"a\", \"b\"]; protocol = \"nash\";\n"
    "            duration = 90; on_expiry = \"snapback\"; } );\n";

/* The package sits at a bound, which the solver reaches up to its accuracy. */
#define PKG_TOL 1e-3

static void test_truce_snapback(void **state)
{
    (void)state;
    sim s;
    sim_open(&s, truce, NULL, 0, 0.0);
    assert_int_equal(s.sc->talks[0].duration_steps, 13);
    sim_reset(&s, 0);
    for (int t = 0; t < 20; t++) {
        sim_step(&s);
        bool in_force = t >= 2 && t <= 14;
        assert_int_equal(s.r->agreement, in_force ? 1 : -1);
        for (int i = 0; i < 2; i++) {
            if (in_force)
                assert_near(s.r->w.st[i].x, 0.0, PKG_TOL);
            else
                assert_near(s.r->w.st[i].x, 1.0, 0.0);   /* snapback is exact */
            assert_int_equal(s.r->w.held[i], in_force);
        }
    }
    assert_int_equal(s.r->deals, 1);
    assert_int_equal(s.r->breaches, 0);
    assert_int_equal(count_rows(&s.r->log, TS_LOG_TALK), 1);
    assert_int_equal(count_rows(&s.r->log, TS_LOG_AGREEMENT), 1);
    assert_int_equal(count_rows(&s.r->log, TS_LOG_EXPIRY), 1);
    const ts_log_entry *last = &s.r->log.rows[s.r->log.n - 1];
    assert_int_equal(last->step, 15);
    assert_non_null(strstr(last->detail, "snapback to a=1 b=1"));
    sim_close(&s);
}

static void test_truce_renegotiate(void **state)
{
    (void)state;
    const char *ov[1] = {"talks.[0].on_expiry=\"renegotiate\""};
    sim s;
    sim_open(&s, truce, ov, 1, 0.0);
    sim_reset(&s, 0);
    for (int t = 0; t < 30; t++) {
        sim_step(&s);
        if (t >= 2) {   /* extended at 15 and 28: never back at war */
            assert_int_equal(s.r->agreement, 1);
            assert_near(s.r->w.st[0].x, 0.0, PKG_TOL);
            assert_near(s.r->w.st[1].x, 0.0, PKG_TOL);
        }
    }
    assert_int_equal(s.r->deals, 3);
    assert_int_equal(s.r->failed_talks, 0);
    assert_int_equal(count_rows(&s.r->log, TS_LOG_EXPIRY), 2);
    int extended = 0;
    for (int i = 0; i < s.r->log.n; i++)
        extended += s.r->log.rows[i].type == TS_LOG_AGREEMENT &&
                    strncmp(s.r->log.rows[i].detail, "extended", 8) == 0;
    assert_int_equal(extended, 2);
    sim_close(&s);
}

static void test_truce_breach(void **state)
{
    (void)state;
    /* cn never keeps: at step 2, when the truce is signed, it leaves b at its
     * preferred level 1 while us lowers a; the breach is observed at step 3
     * and ends the agreement then. */
    const char *ov[2] = {"actors.[1].reliability=0.0", "talks.[0].on_breach=\"snapback\""};
    sim s;
    sim_open(&s, truce, ov, 2, 0.0);
    sim_reset(&s, 0);
    for (int t = 0; t < 3; t++)
        sim_step(&s);
    assert_int_equal(s.r->agreement, 1);
    assert_near(s.r->w.st[1].x, 1.0, 0.0);   /* cn's defection at step 2 */
    assert_near(s.r->w.st[0].x, 0.0, PKG_TOL);
    sim_step(&s);                              /* step 3 */
    assert_int_equal(s.r->agreement, -1);
    assert_int_equal(s.r->breaches, 1);
    assert_false(s.r->w.held[0]);
    assert_false(s.r->w.held[1]);
    assert_near(s.r->w.st[0].x, 1.0, 0.0);   /* the victim's snapback */
    const ts_log_entry *last = &s.r->log.rows[s.r->log.n - 1];
    assert_int_equal(last->type, TS_LOG_BREACH);
    assert_int_equal(last->step, 3);
    assert_non_null(strstr(last->detail, "cn broke b"));
    sim_close(&s);
}

static void test_phase_in(void **state)
{
    (void)state;
    const char *ov[1] = {"talks.[0].phase_in=4"};
    sim s;
    sim_open(&s, truce, ov, 1, 1e-8);
    sim_reset(&s, 0);
    for (int t = 0; t < 8; t++) {
        sim_step(&s);
        double want = t < 2 ? 1.0 : t >= 5 ? 0.0 : 1.0 - (t - 1) / 4.0;
        assert_near(s.r->w.st[0].x, want, 1e-6);
        assert_near(s.r->w.st[1].x, want, 1e-6);
    }
    sim_close(&s);
}

/* ---- trust ------------------------------------------------------------ */

/* cn pledges effort p (cost 1, us's benefit 10 a step); us pays a transfer y
 * (5 a step at y = 1). With us's trust tr the joint gain is (10 tr - 1) p:
 * a deal (p = 1) while tr > 0.1. */
static const char *const pledge =
    "calendar = { step = \"abstract\"; steps = 60; };\n"
    "monte_carlo = { replicates = 1; };\n"
    "actors = ( { id = \"us\"; discount = 0.0; reliability = 1.0; trust = 0.5; trust_rate = 0.1;\n"
    "             strategy = { kind = \"hold\"; }; },\n"
    "  { id = \"cn\"; discount = 0.0; reliability = 1.0; strategy = { kind = \"hold\"; }; } );\n"
    "issues = ( { id = \"p\"; kind = \"pledge\"; owner = \"cn\"; initial = 0.0; max_step = 1.0;\n"
    "    tolerance = 0.1; cost_bn = 1.0; benefit_bn = 10.0; verification_noise = 0.0; },\n"
    "  { id = \"y\"; kind = \"custom\"; owner = \"us\"; min = 0.0; max = 1.0; initial = 0.0;\n"
    "    max_step = 1.0; payoff = { us = { linear = -5.0; }; cn = { linear = 5.0; }; }; } );\n"
    "talks = ( { step = 0; agenda = [\"p\", \"y\"]; duration = 100; on_expiry = \"keep\"; } );\n";

static void test_trust_kept(void **state)
{
    (void)state;
    sim s;
    sim_open(&s, pledge, NULL, 0, 0.0);
    sim_reset(&s, 0);
    for (int t = 0; t < 60; t++) {
        sim_step(&s);
        /* exact observations: trust = 1 - (1 - 0.5)(1 - rate)^t */
        assert_near(s.r->w.trust[0], 1.0 - 0.5 * pow(0.9, t), 1e-12);
    }
    assert_near(s.r->w.st[0].x, 1.0, PKG_TOL);
    assert_true(s.r->w.trust[0] > 0.99);
    sim_close(&s);
}

static void test_trust_noisy(void **state)
{
    (void)state;
    /* Noise 0.05 against tolerance 0.1: a kept pledge is seen kept with
     * probability q = erf(2 / sqrt 2) = 0.9545, so trust settles around q.
     * Mean over 400 replicates of trust at step 59: the EWMA's sd is
     * sqrt(q (1-q) r / (2-r)) = 0.048, 0.0024 for the mean; the start's
     * weight 0.9^59 = 0.002 adds a bias below 0.001. Tolerance 0.012 (5 sd). */
    const char *ov[1] = {"issues.[0].verification_noise=0.05"};
    sim s;
    sim_open(&s, pledge, ov, 1, 0.0);
    double sum = 0.0;
    for (int k = 0; k < 400; k++) {
        sim_reset(&s, k);
        for (int t = 0; t < 60; t++)
            sim_step(&s);
        assert_int_equal(s.r->breaches, 0);   /* breach is judged on the true level */
        sum += s.r->w.trust[0];
    }
    assert_near(sum / 400.0, erf(2.0 / sqrt(2.0)), 0.012);
    sim_close(&s);
}

static void test_trust_broken(void **state)
{
    (void)state;
    /* cn never keeps: each agreement is breached at its first observation,
     * so trust falls by the factor (1 - rate) per deal, 0.5 * 0.7^k, until
     * 10 tr <= 1 leaves no zone of agreement (after 5 deals: 0.084). */
    const char *ov[] = {"actors.[1].reliability=0.0", "actors.[0].trust_rate=0.3",
                        "talks=({step=0;agenda=[\"p\",\"y\"];duration=100;on_breach=\"snapback\";},"
                        "{step=3;agenda=[\"p\",\"y\"];duration=100;on_breach=\"snapback\";},"
                        "{step=6;agenda=[\"p\",\"y\"];duration=100;on_breach=\"snapback\";},"
                        "{step=9;agenda=[\"p\",\"y\"];duration=100;on_breach=\"snapback\";},"
                        "{step=12;agenda=[\"p\",\"y\"];duration=100;on_breach=\"snapback\";},"
                        "{step=15;agenda=[\"p\",\"y\"];duration=100;on_breach=\"snapback\";},"
                        "{step=18;agenda=[\"p\",\"y\"];duration=100;on_breach=\"snapback\";})"};
    sim s;
    sim_open(&s, pledge, ov, 3, 1e-6);
    s.o.starts = 4;   /* the zone narrows as trust falls: search it thoroughly */
    sim_reset(&s, 0);
    for (int t = 0; t < 21; t++)
        sim_step(&s);
    assert_int_equal(s.r->deals, 5);
    assert_int_equal(s.r->breaches, 5);
    assert_int_equal(s.r->failed_talks, 2);
    assert_near(s.r->w.trust[0], 0.5 * pow(0.7, 5), 1e-12);
    sim_close(&s);
}

/* ---- failed talks and random talks ------------------------------------ */

static void test_failed_talk(void **state)
{
    (void)state;
    /* Only us's own lever on the table: lowering it costs us, nothing else
     * is possible (it is at its maximum), so no side can gain from a deal. */
    const char *ov[1] = {"talks.[0].agenda=[\"a\"]"};
    sim s;
    sim_open(&s, truce, ov, 1, 0.0);
    sim_reset(&s, 0);
    for (int t = 0; t < 5; t++)
        sim_step(&s);
    assert_int_equal(s.r->deals, 0);
    assert_int_equal(s.r->deal, 0);
    assert_int_equal(s.r->first_deal_step, -1);
    assert_int_equal(s.r->failed_talks, 1);
    assert_int_equal(s.r->agreement, -1);
    assert_near(s.r->w.st[0].x, 1.0, 0.0);
    assert_int_equal(s.r->log.n, 1);
    assert_non_null(strstr(s.r->log.rows[0].detail, "no_zone"));
    sim_close(&s);
}

static void test_hazard_form(void **state)
{
    (void)state;
    ts_talks_hazard h = {.enabled = true, .base = 0.1, .sensitivity = 0.01};
    assert_near(ts_agreement_hazard(&h, 0.0, 0.0), 1.0 - exp(-0.1), 1e-15);
    assert_near(ts_agreement_hazard(&h, 10.0, 20.0), 1.0 - exp(-0.4), 1e-15);
    assert_near(ts_agreement_hazard(&h, -10.0, 20.0), 1.0 - exp(-0.3), 1e-15);
}

static void test_hazard_rate(void **state)
{
    (void)state;
    /* Random talks on an agenda where no side gains: every one fails, so
     * failed_talks counts them. Levels never move, so losses are 0 and
     * p = 1 - exp(-0.2) each step: 50 steps x 200 replicates give a mean of
     * 50 p = 9.06 per replicate with sd 2.72 / sqrt(200) = 0.19; tolerance 1. */
    const char *ov[2] = {"talks=()",
                         "talks_hazard={base=0.2;sensitivity=1.0;agenda=[\"a\"];}"};
    sim s;
    sim_open(&s, truce, ov, 2, 0.0);
    long failed = 0;
    for (int k = 0; k < 200; k++) {
        sim_reset(&s, k);
        for (int t = 0; t < 50; t++)
            sim_step(&s);
        assert_int_equal(s.r->deals, 0);
        failed += s.r->failed_talks;
    }
    assert_near(failed / 200.0, 50.0 * (1.0 - exp(-0.2)), 1.0);
    sim_close(&s);
}

/* ---- determinism ------------------------------------------------------ */

static void test_threads(void **state)
{
    (void)state;
    const char *ov[4] = {"actors.[0].reliability=0.97", "actors.[1].reliability=0.95",
                         "talks_hazard={base=0.05;sensitivity=0.01;agenda=[\"a\",\"b\"];"
                         "on_expiry=\"renegotiate\";}",
                         "monte_carlo.replicates=40"};
    ts_scenario *sc = parse(truce, ov, 4);
    ts_engine *e = ts_engine_alloc(sc, NULL);
    ts_run *run[2];
    for (int j = 0; j < 2; j++) {
        ts_engine_opts o = {.threads = j + 1};
        ts_agreement_hook_opts(&o, NULL);
        ts_error err;
        assert_int_equal(ts_engine_run(e, &o, &run[j], &err), TS_OK);
    }
    long deals = 0;
    for (int k = 0; k < 40; k++) {
        assert_int_equal(run[0]->deals[k], run[1]->deals[k]);
        assert_int_equal(run[0]->breaches[k], run[1]->breaches[k]);
        assert_int_equal(run[0]->first_deal_step[k], run[1]->first_deal_step[k]);
        assert_memory_equal(&run[0]->total[2 * k], &run[1]->total[2 * k], 2 * sizeof(double));
        assert_int_equal(run[0]->log[k].n, run[1]->log[k].n);
        for (int i = 0; i < run[0]->log[k].n; i++)
            if (run[0]->log[k].rows[i].detail)
                assert_string_equal(run[0]->log[k].rows[i].detail,
                                    run[1]->log[k].rows[i].detail);
        deals += run[0]->deals[k];
    }
    assert_true(deals > 0);
    ts_run_free(run[0]);
    ts_run_free(run[1]);
    ts_engine_free(e);
    ts_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nash_closed_form),   cmocka_unit_test(test_nash_engine_accuracy),
        cmocka_unit_test(test_concession),         cmocka_unit_test(test_truce_snapback),
        cmocka_unit_test(test_rubinstein_engine),  cmocka_unit_test(test_patience_weights),
        cmocka_unit_test(test_threat_point_tariffs),
        cmocka_unit_test(test_threat_point_no_fixed_point),
        cmocka_unit_test(test_separable_or_not),   cmocka_unit_test(test_random_agendas),
        cmocka_unit_test(test_random_agendas_elasticity_path),
        cmocka_unit_test(test_truce_renegotiate),  cmocka_unit_test(test_truce_breach),
        cmocka_unit_test(test_phase_in),           cmocka_unit_test(test_trust_kept),
        cmocka_unit_test(test_trust_noisy),        cmocka_unit_test(test_trust_broken),
        cmocka_unit_test(test_failed_talk),        cmocka_unit_test(test_hazard_form),
        cmocka_unit_test(test_hazard_rate),        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
