/* Benchmark: one Nash talk (a 5-lever agenda in talk5.cfg) through the engine's roll-out
 * (target: <= 50 us at 1e-4 of each lever's range).
 *
 *   bench_agreement SCENARIO.cfg [talks]     (default 500)
 * The scenario's first talk is negotiated from its state at step 0 (after
 * step-0 events), the way the talks hook does it, by the simplex at the
 * former engine default xtol 1e-2, by the simplex at 1e-4 (the baseline)
 * and by the engine's default (the trust-region Newton method at 1e-4).
 * Each line gives us per talk (median of 5 batches), the ratios to the
 * 50 us target and to the baseline, roll-outs and one-issue roll-outs per
 * talk, and the package's largest distance from the converged answer
 * (Newton at xtol 1e-8; the simplex at 1e-8 from four starts is printed
 * beside it), as a share of the lever's range. Then 200 talks on random
 * agendas of the scenario's issues from random states: the engine
 * default's and the simplex's largest distance from converged answers.
 *
 * The roll-out is also timed against a plain step-by-step roll-out written
 * here from the model's public functions (every issue's payoff and advance
 * each step), and the two are compared bit for bit on random packages. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_sort.h>

#include "benchutil.h"
#include "tradesim/agreement.h"
#include "tradesim/rollout.h"

#define TARGET_US 50.0

/* The roll-out as the model defines it: each step, every issue's payoff
 * (the receiver's at the trust-weighted level for a promised pledge) and
 * interactions, discounted, then every issue's state advanced. */
static void plain_rollout(const ts_world *from, const int *levers, const double *levels,
                          int n_fixed, int n_steps, bool pledge_trust, double out[2])
{
    int n = from->n_issues;
    double h = from->h;
    ts_issue_state st[TS_MAX_ISSUES];
    double recv[TS_MAX_ISSUES];
    for (int i = 0; i < n; i++) {
        st[i] = from->st[i];
        recv[i] = NAN;
    }
    for (int k = 0; k < n_fixed; k++) {
        int i = levers[k];
        const ts_issue *is = &from->issue[i];
        double x = levels[k] < is->min ? is->min : levels[k] > is->max ? is->max : levels[k];
        if (pledge_trust && is->kind == TS_ISSUE_PLEDGE) {
            double tr = from->trust[1 - is->owner];
            recv[i] = tr * x + (1.0 - tr) * from->st[i].x;
        }
        st[i].x = x;
    }
    for (int i = 0; i < n; i++)
        ts_issue_state_refresh(&from->issue[i], h, &st[i]);
    double disc[2] = {1.0, 1.0}, tot[2] = {0.0, 0.0};
    const ts_scenario *sc = from->sc;
    for (int t = 0; t < n_steps; t++) {
        double p[2] = {0.0, 0.0};
        for (int i = 0; i < n; i++) {
            const ts_issue *is = &from->issue[i];
            double q[2];
            ts_issue_payoff(is, &st[i], st[i].x, h, q);
            if (!isnan(recv[i])) {
                double qr[2];
                ts_issue_payoff(is, &st[i], recv[i], h, qr);
                q[1 - is->owner] = qr[1 - is->owner];
            }
            p[0] += q[0];
            p[1] += q[1];
        }
        for (int k = 0; k < sc->n_interactions; k++) {
            const ts_interaction *in = &sc->interactions[k];
            p[in->actor] += in->coef * st[in->issue_a].x * st[in->issue_b].x * h;
        }
        for (int a = 0; a < 2; a++) {
            tot[a] += disc[a] * p[a];
            disc[a] *= from->factor[a];
        }
        for (int i = 0; i < n; i++)
            ts_issue_advance(&from->issue[i], &st[i], h);
    }
    out[0] = tot[0];
    out[1] = tot[1];
}

static int same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

/* Largest distance between two packages of talk tk, share of each range. */
static double pkg_error(const ts_scenario *sc, const ts_talk *tk, const ts_talks_result *a,
                        const ts_talks_result *b)
{
    double dx = 0.0;
    for (int k = 0; k < tk->n_agenda; k++) {
        const ts_issue *is = &sc->issues[tk->agenda[k]];
        double q = fabs(a->x[k] - b->x[k]) / (is->max - is->min);
        dx = q > dx ? q : dx;
    }
    return dx;
}

/* Random agendas: 200 talks on random subsets (1 to all) of the scenario's
 * issues, from random current levels, trusts and chip/export states, each
 * solved at the engine's default and converged (both methods at xtol 1e-8,
 * the simplex from 4 starts). Prints the largest package error of the
 * default against the converged Newton answer, and the two converged
 * answers' largest distance. */
static int random_agendas(const ts_scenario *sc, ts_replicate *r, double *sink)
{
    ts_talk tk = sc->talks[0];
    ts_talks_workspace *ws = ts_talks_workspace_alloc(sc->n_issues, tk.rounds);
    if (!ws)
        return 3;
    ts_world *w = &r->w;
    unsigned long u = 987654321UL;
#define UNIFORM() (u = u * 6364136223846793005UL + 1442695040888963407UL, \
                   (double)(u >> 11) / 9007199254740992.0)
    double worst = 0.0, refs = 0.0, worst_s = 0.0;
    int deals = 0, n_talks = 200;
    long levals = 0, evals = 0;
    for (int t = 0; t < n_talks; t++) {
        tk.n_agenda = 0;
        for (int i = 0; i < sc->n_issues; i++)
            if (UNIFORM() < 0.6)
                tk.agenda[tk.n_agenda++] = i;
        if (tk.n_agenda == 0)
            tk.agenda[tk.n_agenda++] = (int)(UNIFORM() * sc->n_issues) % sc->n_issues;
        for (int i = 0; i < sc->n_issues; i++) {
            const ts_issue *is = &w->issue[i];
            ts_world_set_level(w, i, is->min + UNIFORM() * (is->max - is->min));
            w->st[i].market = UNIFORM();
            w->st[i].dependence = UNIFORM();
        }
        w->trust[0] = UNIFORM();
        w->trust[1] = UNIFORM();
        ts_agreement_opts def = {.xtol = 0.0}, conv = {.xtol = 1e-8},
                          conv_s = {.xtol = 1e-8, .starts = 4, .simplex = true},
                          old = {.xtol = 1e-4, .simplex = true};
        ts_talks_result a, b, c, o;
        double d[2];
        ts_error err;
        if (ts_agreement_negotiate(&def, ws, w, &tk, NULL, &a, d, &err) != TS_OK ||
            ts_agreement_negotiate(&conv, ws, w, &tk, NULL, &b, d, &err) != TS_OK ||
            ts_agreement_negotiate(&conv_s, ws, w, &tk, NULL, &c, d, &err) != TS_OK ||
            ts_agreement_negotiate(&old, ws, w, &tk, NULL, &o, d, &err) != TS_OK) {
            fprintf(stderr, "bench_agreement: %s\n", err.msg);
            return 3;
        }
        evals += a.evaluations;
        levals += a.lever_evaluations;
        deals += a.agreement;
        double e = pkg_error(sc, &tk, &a, &b), f = pkg_error(sc, &tk, &b, &c);
        double g = pkg_error(sc, &tk, &o, &b);
        worst = e > worst ? e : worst;
        refs = f > refs ? f : refs;
        worst_s = g > worst_s ? g : worst_s;
        *sink += a.x[0];
    }
    printf("random agendas (%d talks on random subsets of the issues, random levels, "
           "trust and states; %d deals): engine default within %.2g of the range of the "
           "converged answer (simplex at 1e-4: %.2g); the two methods' converged answers "
           "within %.2g; %.1f roll-outs + %.1f one-issue roll-outs/talk\n",
           n_talks, deals, worst, worst_s, refs, (double)evals / n_talks,
           (double)levals / n_talks);
#undef UNIFORM
    ts_talks_workspace_free(ws);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_agreement SCENARIO.cfg [talks]\n");
        return 2;
    }
    int talks = argc > 2 ? atoi(argv[2]) : 500;
    if (talks < 1)
        talks = 1;
    ts_error err;
    ts_scenario *sc = ts_scenario_load(argv[1], NULL, 0, &err);
    if (!sc || sc->n_talks < 1) {
        fprintf(stderr, "bench_agreement: %s\n", sc ? "the scenario has no talk" : err.msg);
        return 2;
    }
    ts_engine *e = ts_engine_alloc(sc, &err);
    ts_replicate *r = e ? ts_replicate_alloc(e) : NULL;
    const ts_talk *tk = &sc->talks[0];
    ts_talks_workspace *ws = ts_talks_workspace_alloc(tk->n_agenda, tk->rounds);
    if (!r || !ws)
        return 3;
    ts_replicate_reset(e, r, 0);
    /* step-0 events only: the talk sees the state the hook would see */
    ts_talks_result res, ref;
    double d[2], sink = 0.0;

    double lv[TS_MAX_ISSUES], out[2];
    for (int k = 0; k < tk->n_agenda; k++)
        lv[k] = r->w.st[tk->agenda[k]].x;
    int nv = 20000;
    double t0 = bench_now();
    for (int i = 0; i < nv; i++) {
        lv[0] = (double)(i % 1000) / 500.0;
        ts_world_rollout(&r->w, tk->agenda, lv, tk->n_agenda, tk->duration_steps, true, out);
        sink += out[0];
    }
    double us_eval = (bench_now() - t0) / nv * 1e6;
    t0 = bench_now();
    for (int i = 0; i < nv; i++) {
        lv[0] = (double)(i % 1000) / 500.0;
        plain_rollout(&r->w, tk->agenda, lv, tk->n_agenda, tk->duration_steps, true, out);
        sink += out[0];
    }
    double us_plain = (bench_now() - t0) / nv * 1e6;
    /* Random packages (levels at and beyond the bounds included), both
     * valuations, and horizons across the block length. */
    int mismatches = 0;
    unsigned long u = 12345;
    for (int i = 0; i < 5000; i++) {
        for (int k = 0; k < tk->n_agenda; k++) {
            const ts_issue *is = &sc->issues[tk->agenda[k]];
            u = u * 6364136223846793005UL + 1442695040888963407UL;
            double f = (double)(u >> 11) / 9007199254740992.0 * 1.2 - 0.1;
            lv[k] = is->min + f * (is->max - is->min);
        }
        int steps = i % 7 == 0 ? 1 + i % 200 : tk->duration_steps;
        bool trust = i % 2 == 0;
        double a[2], b[2];
        ts_world_rollout(&r->w, tk->agenda, lv, tk->n_agenda, steps, trust, a);
        plain_rollout(&r->w, tk->agenda, lv, tk->n_agenda, steps, trust, b);
        mismatches += !same_bits(a[0], b[0]) || !same_bits(a[1], b[1]);
    }
    printf("roll-out alone: %d steps x %d issues, %.3f us   plain step-by-step %.3f us   "
           "speed-up %.2fx   (%s)\n",
           tk->duration_steps, sc->n_issues, us_eval, us_plain, us_plain / us_eval,
           mismatches ? "MISMATCH" : "same bits on 5000 random packages");

    /* Converged answers: both methods at xtol 1e-8 (the simplex from all
     * four starts); the table's errors are against the Newton one, and the
     * two references' distance is printed with them. */
    ts_agreement_opts conv = {.xtol = 1e-8}, conv_s = {.xtol = 1e-8, .starts = 4, .simplex = true};
    if (ts_agreement_negotiate(&conv, ws, &r->w, tk, NULL, &ref, d, &err) != TS_OK ||
        ts_agreement_negotiate(&conv_s, ws, &r->w, tk, NULL, &res, d, &err) != TS_OK) {
        fprintf(stderr, "bench_agreement: %s\n", err.msg);
        return 3;
    }
    double refs = pkg_error(sc, tk, &res, &ref);
    const struct {
        const char *name;
        ts_agreement_opts o;
    } runs[] = {
        {"simplex, xtol 1e-4 (baseline)", {.xtol = 1e-4, .simplex = true}},
        {"simplex, xtol 1e-2 (the former engine default)", {.xtol = 1e-2, .simplex = true}},
        {"trust-region Newton, xtol 1e-4 (engine default)", {.xtol = 0.0}},
    };
    double base_us = 0.0;
    for (size_t j = 0; j < sizeof runs / sizeof runs[0]; j++) {
        double batch[5];
        long evals = 0, levals = 0;
        for (int b = 0; b < 5; b++) {
            t0 = bench_now();
            for (int i = 0; i < talks; i++) {
                if (ts_agreement_negotiate(&runs[j].o, ws, &r->w, tk, NULL, &res, d, &err) !=
                    TS_OK) {
                    fprintf(stderr, "bench_agreement: %s\n", err.msg);
                    return 3;
                }
                evals += res.evaluations;
                levals += res.lever_evaluations;
                sink += res.x[0];
            }
            batch[b] = (bench_now() - t0) / talks * 1e6;
        }
        gsl_sort(batch, 1, 5);
        if (j == 0)
            base_us = batch[2];
        double dg = 0.0;
        for (int a = 0; a < 2; a++) {
            double q = fabs(res.gain[a] - ref.gain[a]) / fabs(ref.gain[a]);
            dg = q > dg ? q : dg;
        }
        printf("nash talk, %d levers, %s: %.1f us/talk (target %.0f us: ratio %.2f; "
               "ratio to the baseline %.2f), %.0f roll-outs + %.0f one-issue roll-outs/talk; "
               "package within %.2g of the range, gains within %.2g (relative) of the "
               "converged answer\n",
               tk->n_agenda, runs[j].name, batch[2], TARGET_US, batch[2] / TARGET_US,
               batch[2] / base_us, (double)evals / (5.0 * talks),
               (double)levals / (5.0 * talks), pkg_error(sc, tk, &res, &ref), dg);
    }
    printf("  converged answer (xtol 1e-8; the simplex's from 4 starts within %.2g of it):", refs);
    for (int k = 0; k < tk->n_agenda; k++)
        printf(" %s %.4g", sc->issues[tk->agenda[k]].id, ref.x[k]);
    printf("; gains %.4g %.4g bn\n", ref.gain[0], ref.gain[1]);
    if (random_agendas(sc, r, &sink) != 0)
        return 3;
    ts_talks_workspace_free(ws);
    ts_replicate_free(r);
    ts_engine_free(e);
    ts_scenario_free(sc);
    return sink == 42.0;
}
