/* Benchmark: engine replicate-steps per second on one thread (target:
 * >= 10 M/s per core on a 5-issue scenario without talks or trajectory
 * output), against a plain hand-written loop of the same arithmetic in the
 * same run.
 *
 * Two scenarios have a hand-written loop: tests/good_engine/bench5.cfg (two
 * tariffs, a chip licence, an export control, a pledge; tit_for_tat against
 * richardson; noisy moves and noisy pledge observations) and the shipped
 * scenarios/baseline_nov2025.cfg with its talks not held (the same five
 * kinds, tit_for_tat on both sides, a step-0 parameter event, random
 * measures; a lever a random measure moved is not moved by tit-for-tat in
 * the same step). The engine run includes storing every step's trajectory row for
 * the aggregates, as `tradesim run` does, but no file writing. Each baseline
 * is specialised to its scenario's shape (read from the loaded file,
 * checked), computes every payoff afresh each step and makes the same GSL
 * draws in the same order, so replicate 0's totals must match the engine's:
 * printed as a check. Another scenario gets the engine's figure alone.
 *
 *   bench_engine [-1] [-q] [SCENARIO.cfg]     (default bench5)
 *
 * The baseline writes its rows into a fresh store from ts_store_alloc each
 * run, as the engine does, so both pay the same first-touch page clearing.
 * Best of at least 5 runs each, repeated until the engine has run for a
 * second (a short scenario's run is ~10 ms, too short for one timing to
 * mean much on a shared machine); -1 runs each once (for callgrind: the
 * engine's instructions are those under `worker`, the baseline's under
 * `baseline` or `baseline_tft`); -q sets both actors' noise to 0 (every other draw stays).
 *
 * On this shared machine the figures with move noise on differ between
 * processes by up to a quarter, for the engine and the loop alike (address
 * layout: under `setarch -R` they hold still); run it a few times. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "benchutil.h"
#include "tradesim/engine.h"

#define REPEAT 5        /* at least */
#define REPEAT_MAX 200
#define REPEAT_SECONDS 1.0

static double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

static double exprel(double a) { return a == 0.0 ? 1.0 : expm1(a) / a; }

/* The tariff's exact constant-elasticity flows (docs/model.md), written out:
 * L = ln(1+tau), a = (1-eps)(1-theta) L, p M / M0 = e^a, p* M / M0 =
 * e^a/(1+tau); owner: consumer surplus change plus revenue tau p* M; other
 * side: producer surplus change M0 (p* M / M0 - 1)/(1 + eps*), where
 * 1/(1 + eps*) = theta/(theta + eps (1-theta)). */
static void tariff(const ts_issue *is, double tau, double *po, double *pf)
{
    double m0 = is->imports_bn, e = is->elasticity, th = is->tot_share;
    double kf = th > 0.0 ? th / (th + e * (1.0 - th)) : 0.0;
    double L = log1p(tau), a = (1.0 - e) * (1.0 - th) * L, ea = expm1(a);
    double inv = 1.0 / (1.0 + tau);
    double cs = -m0 * (1.0 - th) * L * (a == 0.0 ? 1.0 : ea / a);
    *po = cs + tau * m0 * (1.0 + ea) * inv;
    *pf = m0 * kf * (ea - tau) * inv;
}

/* The chip's flows per unit of reach and capability (no security cost):
 * the price the buyer pays p = (1 - (1-phi) rs)/(1 - rs) sets the quantity
 * sales p^-eta, the seller's profit, the government's share and the buyer's
 * surplus lost. */
static void chip_units(const ts_issue *is, double *o, double *f)
{
    double rs = is->revenue_share, phi = is->pass_through, eta = is->demand_elasticity;
    double lp = phi > 0.0 && rs > 0.0 ? log1p(-(1.0 - phi) * rs) - log1p(-rs) : 0.0;
    double q = exp(-eta * lp), pq = exp((1.0 - eta) * lp);
    *o = is->sales_bn * (is->firm_weight * (is->margin - (1.0 - phi) * rs) * q + rs * pq);
    *f = is->access_value_bn - is->sales_bn * (lp * exprel((1.0 - eta) * lp));
}

static double pressure(const ts_issue *is, double x)
{
    double p = (x - is->min) / (is->max - is->min);
    return is->kind == TS_ISSUE_PLEDGE ? 1.0 - p : p;
}

/* Both baselines' end of a step: the row in the engine's column order
 * (levels and states, then each actor's pressure, trust, payoff, total) and
 * the chip's market m and value v and the export control's dependence D
 * moved to the next step (vfac: v's per-step factor). */
static void row_and_advance(const ts_scenario *sc, const ts_issue *I, const double *x, double h,
                            double vfac, double pu, double pc, const double u[2],
                            const double tot[2], double *row, double *m, double *v, double *D)
{
    double vals[16] = {x[0], x[1], x[2], *m, *v, x[3], *D, x[4],
                       pu, sc->actors[0].trust, u[0], tot[0], pc, sc->actors[1].trust, u[1], tot[1]};
    memcpy(row, vals, sizeof vals);
    double a = I[2].erosion * x[2], b = I[2].recovery * (1 - x[2]), kk = a + b;
    double ms = kk > 0 ? b / kk : 0, md = kk > 0 ? exp(-kk * h) : 1;
    *m = ms + (*m - ms) * md;
    *v *= vfac;
    *D *= exp(-(I[3].diversification * x[3] + I[3].drift) * h);
}

/* The baseline: bench5's arithmetic written out for its fixed shape
 * (0 us tariff, 1 cn tariff, 2 chip (us), 3 export control (cn), 4 pledge (cn)). */
static void baseline(const ts_scenario *sc, int R, double *traj, double *tot_out)
{
    const ts_issue *I = sc->issues;
    const int T = sc->calendar.steps, C = 16;
    const double h = sc->calendar.step_years;
    const double f0 = pow(1.0 + sc->actors[0].discount, -h);
    const double f1 = pow(1.0 + sc->actors[1].discount, -h);
    const double n0 = sc->actors[0].noise, n1 = sc->actors[1].noise;
    const ts_strategy *rs = &sc->actors[1].strategy;
    const double vfac = pow(I[2].generation_decay, h / I[2].generation_years);
    double chip_o, chip_f;
    chip_units(&I[2], &chip_o, &chip_f);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    for (int k = 0; k < R; k++) {
        gsl_rng_set(rng, (unsigned long)ts_engine_replicate_seed(sc->seed, k));
        double x[5], seen[5];
        for (int i = 0; i < 5; i++)
            x[i] = seen[i] = I[i].initial;
        double m = I[2].market_share, v = 1.0, D = I[3].dependence;
        double p_cn = (pressure(&I[1], x[1]) + pressure(&I[3], x[3]) + pressure(&I[4], x[4])) / 3;
        double sp_cn = p_cn, disc0 = 1, disc1 = 1, tot0 = 0, tot1 = 0;
        double *row = traj + (size_t)k * T * C;
        for (int t = 0; t < T; t++, row += C) {
            /* us: tit for tat on levers 0 and 2 (neither is a pledge): the
             * level at cn's pressure index as seen last step; step 0 holds */
            for (int i = 0; i < 3; i += 2) {
                double target = t == 0 ? x[i] : I[i].min + clamp(sp_cn, 0, 1) * (I[i].max - I[i].min);
                double d = clamp(target - x[i], -I[i].max_step, I[i].max_step);
                x[i] = clamp(x[i] + d + (n0 > 0 ? gsl_ran_gaussian_ziggurat(rng, n0) : 0), I[i].min, I[i].max);
            }
            /* cn: richardson on levers 1, 3, 4, rates per year over h years */
            double p = (pressure(&I[1], x[1]) + pressure(&I[3], x[3]) + pressure(&I[4], x[4])) / 3;
            double sp_us = (pressure(&I[0], seen[0]) + pressure(&I[2], seen[2])) / 2;
            double pt = clamp(p + h * (rs->reactivity * sp_us - rs->fatigue * p + rs->grievance), 0, 1);
            for (int i = 1; i < 5; i += (i == 1 ? 2 : 1)) {
                double q = I[i].kind == TS_ISSUE_PLEDGE ? 1 - pt : pt;
                double target = I[i].min + q * (I[i].max - I[i].min);
                double d = clamp(target - x[i], -I[i].max_step, I[i].max_step);
                x[i] = clamp(x[i] + d + (n1 > 0 ? gsl_ran_gaussian_ziggurat(rng, n1) : 0), I[i].min, I[i].max);
            }
            double obs = x[4] + gsl_ran_gaussian_ziggurat(rng, I[4].verification_noise);
            /* payoffs */
            double u0 = 0, u1 = 0;
            for (int i = 0; i < 2; i++) {
                double po, pf;
                tariff(&I[i], x[i], &po, &pf);
                u0 += i == 0 ? po : pf;
                u1 += i == 0 ? pf : po;
            }
            double reach = (1 - x[2]) * m;
            u0 += (chip_o * v - I[2].strategic_value_bn * ts_chip_uplift(&I[2], v)) * reach;
            u1 += chip_f * v * reach;
            double qd = x[3] * D;
            u1 += -I[3].exports_bn * qd - I[3].reputation_bn * x[3];
            u0 += -I[3].disruption_bn * pow(qd, I[3].convexity);
            u1 += -I[4].cost_bn * x[4];
            u0 += I[4].benefit_bn * x[4];
            u0 *= h;
            u1 *= h;
            tot0 += disc0 * u0;
            tot1 += disc1 * u1;
            disc0 *= f0;
            disc1 *= f1;
            double pu = (pressure(&I[0], x[0]) + pressure(&I[2], x[2])) / 2;
            double pc = (pressure(&I[1], x[1]) + pressure(&I[3], x[3]) + pressure(&I[4], x[4])) / 3;
            for (int i = 0; i < 4; i++)
                seen[i] = x[i];
            seen[4] = obs;
            sp_cn = (pressure(&I[1], seen[1]) + pressure(&I[3], seen[3]) + pressure(&I[4], seen[4])) / 3;
            const double u[2] = {u0, u1}, tot[2] = {tot0, tot1};
            row_and_advance(sc, I, x, h, vfac, pu, pc, u, tot, row, &m, &v, &D);
        }
        if (k == 0) {
            tot_out[0] = tot0;
            tot_out[1] = tot1;
        }
    }
    gsl_rng_free(rng);
}

/* Both baselines' levers: us tariff, cn tariff, a chip licence (us), an
 * export control (cn), a pledge (cn), no interactions, GSL's taus2. */
static bool five_issues(const ts_scenario *sc)
{
    static const ts_issue_kind shape[5] = {TS_ISSUE_TARIFF, TS_ISSUE_TARIFF,
                                           TS_ISSUE_CHIP_LICENCE, TS_ISSUE_EXPORT_CONTROL,
                                           TS_ISSUE_PLEDGE};
    bool ok = sc->n_issues == 5 && sc->n_interactions == 0 && strcmp(sc->rng, "taus2") == 0;
    for (int i = 0; ok && i < 5; i++)
        ok = sc->issues[i].kind == shape[i] && sc->issues[i].owner == (i == 0 || i == 2 ? 0 : 1);
    /* The loops hold each tariff's elasticity fixed (no short-run path). */
    for (int i = 0; ok && i < 2; i++)
        ok = sc->issues[i].elasticity_half_life == 0.0;
    return ok;
}

/* True when sc has the shape of the shipped baseline_nov2025 with talks not
 * held: bench5's five kinds and owners, tit-for-tat on both sides without
 * move noise, dated events only at step 0 and only changing parameters,
 * random events that only add to levels, no interactions. */
static bool tft_shape(const ts_scenario *sc)
{
    bool ok = five_issues(sc);
    for (int a = 0; ok && a < 2; a++)
        ok = sc->actors[a].strategy.kind == TS_STRAT_TIT_FOR_TAT && sc->actors[a].noise == 0.0;
    for (int k = 0; ok && k < sc->n_events; k++) {
        const ts_event *ev = &sc->events[k];
        if (ev->step >= 0)
            ok = ev->step == 0 && ev->n_sets == 0;
        else
            ok = !ev->once && ev->n_params == 0;
        for (int j = 0; ok && j < ev->n_sets; j++)
            ok = ev->sets[j].add;
        /* (not the tariffs': their incidence keys move together) */
        for (int j = 0; ok && j < ev->n_params; j++)
            ok = ev->params[j].target == TS_TARGET_ISSUE && ev->params[j].index >= 2;
    }
    return ok;
}

/* Pressure index of the levers idx[0..n) at levels x: weighted mean in file
 * order, as the engine sums it. */
static double index_of(const ts_issue *I, const double *x, const int *idx, int n)
{
    double num = 0.0, den = 0.0;
    for (int k = 0; k < n; k++) {
        num += I[idx[k]].pressure_weight * pressure(&I[idx[k]], x[idx[k]]);
        den += I[idx[k]].pressure_weight;
    }
    return den > 0.0 ? num / den : 0.0;
}

/* The baseline for tft_shape: the shipped scenario's arithmetic written out,
 * every payoff computed afresh each step (no caches), the same draws in the
 * same order (each random event's uniform, then the pledge's observation). */
static void baseline_tft(const ts_scenario *sc, int R, double *traj, double *tot_out)
{
    const int T = sc->calendar.steps, C = 16;
    const double h = sc->calendar.step_years > 0.0 ? sc->calendar.step_years : 1.0;
    const double f0 = pow(1.0 + sc->actors[0].discount, -h);
    const double f1 = pow(1.0 + sc->actors[1].discount, -h);
    static const int own_us[2] = {0, 2}, own_cn[3] = {1, 3, 4};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    for (int k = 0; k < R; k++) {
        gsl_rng_set(rng, (unsigned long)ts_engine_replicate_seed(sc->seed, k));
        ts_issue I[5];
        memcpy(I, sc->issues, sizeof I);
        double x[5], seen[5];
        for (int i = 0; i < 5; i++)
            x[i] = seen[i] = I[i].initial;
        double m = I[2].market_share, v = 1.0, D = I[3].dependence;
        double sp[2];
        sp[0] = index_of(I, x, own_us, 2);
        sp[1] = index_of(I, x, own_cn, 3);
        double disc0 = 1, disc1 = 1, tot0 = 0, tot1 = 0;
        /* Step 0's dated events: parameters (some also shocks), no draws, so
         * applied before the loop; v's factor is constant from then on. */
        for (int e = 0; e < sc->n_events; e++)
            for (int j = 0; sc->events[e].step == 0 && j < sc->events[e].n_params; j++) {
                const ts_event_param *pp = &sc->events[e].params[j];
                memcpy((char *)&I[pp->index] + pp->offset, &pp->value, sizeof pp->value);
                if (pp->offset == offsetof(ts_issue, market_share) && pp->index == 2)
                    m = pp->value;
                if (pp->offset == offsetof(ts_issue, dependence) && pp->index == 3)
                    D = pp->value;
            }
        const double vfac =
            I[2].generation_years > 0 ? pow(I[2].generation_decay, h / I[2].generation_years) : 1;
        double chip_o, chip_f;
        chip_units(&I[2], &chip_o, &chip_f);
        double *row = traj + (size_t)k * T * C;
        for (int t = 0; t < T; t++, row += C) {
            bool hit[5] = {false, false, false, false, false};
            for (int e = 0; e < sc->n_events; e++) {
                const ts_event *ev = &sc->events[e];
                if (ev->step < 0 && gsl_rng_uniform(rng) < ev->probability)
                    for (int j = 0; j < ev->n_sets; j++) {
                        int i = ev->sets[j].issue;
                        x[i] = clamp(x[i] + ev->sets[j].value, I[i].min, I[i].max);
                        hit[i] = true;
                    }
            }
            /* tit for tat: each side copies the other's pressure index as it
             * saw it last step onto its levers (step 0 holds); a lever an
             * event moved this step is not moved again */
            for (int a = 0; a < 2; a++) {
                int o = 1 - a;
                const int *own = a == 0 ? own_us : own_cn;
                for (int q = 0; q < (a == 0 ? 2 : 3); q++) {
                    int i = own[q];
                    if (hit[i])
                        continue;
                    double pl = clamp(sp[o], 0, 1);
                    if (I[i].kind == TS_ISSUE_PLEDGE)
                        pl = 1.0 - pl;
                    double target = t == 0 ? x[i] : I[i].min + pl * (I[i].max - I[i].min);
                    double d = clamp(target - x[i], -I[i].max_step, I[i].max_step);
                    x[i] = clamp(x[i] + d, I[i].min, I[i].max);
                }
            }
            /* payoffs, in issue order */
            double u0 = 0, u1 = 0;
            for (int i = 0; i < 2; i++) {
                double po, pf;
                tariff(&I[i], x[i], &po, &pf);
                u0 += (i == 0 ? po : pf) * h;
                u1 += (i == 0 ? pf : po) * h;
            }
            double reach = (1 - x[2]) * m;
            u0 += (chip_o * v - I[2].strategic_value_bn * ts_chip_uplift(&I[2], v)) * reach * h;
            u1 += chip_f * v * reach * h;
            double qd = x[3] * D, g = I[3].convexity;
            u1 += (-I[3].exports_bn * qd - I[3].reputation_bn * x[3]) * h;
            u0 += -I[3].disruption_bn * (g == 2.0 ? qd * qd : pow(qd, g)) * h;
            u1 += -I[4].cost_bn * x[4] * h;
            u0 += I[4].benefit_bn * x[4] * h;
            double obs = x[4];
            if (I[4].verification_noise > 0.0)
                obs += gsl_ran_gaussian_ziggurat(rng, I[4].verification_noise);
            tot0 += disc0 * u0;
            tot1 += disc1 * u1;
            disc0 *= f0;
            disc1 *= f1;
            for (int i = 0; i < 4; i++)
                seen[i] = x[i];
            seen[4] = obs;
            double pu = index_of(I, x, own_us, 2), pc = index_of(I, x, own_cn, 3);
            sp[0] = index_of(I, seen, own_us, 2);
            sp[1] = index_of(I, seen, own_cn, 3);
            const double u[2] = {u0, u1}, tot[2] = {tot0, tot1};
            row_and_advance(sc, I, x, h, vfac, pu, pc, u, tot, row, &m, &v, &D);
        }
        if (k == 0) {
            tot_out[0] = tot0;
            tot_out[1] = tot1;
        }
    }
    gsl_rng_free(rng);
}

/* One timed engine run: its wall time, replicate 0's totals into tot (may be
 * NULL). False (message printed) when the run fails. */
static bool timed_run(const ts_engine *e, const ts_engine_opts *opts, double *seconds,
                      double tot[2])
{
    ts_error err;
    ts_run *run = NULL;
    double t0 = bench_now();
    if (ts_engine_run(e, opts, &run, &err) != TS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return false;
    }
    *seconds = bench_now() - t0;
    if (tot) {
        tot[0] = run->total[0];
        tot[1] = run->total[1];
    }
    ts_run_free(run);
    return true;
}

int main(int argc, char **argv)
{
    const char *path = "tests/good_engine/bench5.cfg";
    int repeat = REPEAT, quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-1") == 0)
            repeat = 1;
        else if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
        else
            path = argv[i];
    }
    ts_error err;
    ts_scenario *sc = ts_scenario_load(path, NULL, 0, &err);
    if (!sc) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    if (quiet)
        sc->actors[0].noise = sc->actors[1].noise = 0.0;
    bool ok = five_issues(sc) && sc->n_events == 0 && sc->n_talks == 0 &&
              sc->actors[0].strategy.kind == TS_STRAT_TIT_FOR_TAT &&
              sc->actors[1].strategy.kind == TS_STRAT_RICHARDSON;
    /* bench5's hand-written loop, the shipped scenario's, or none */
    void (*base)(const ts_scenario *, int, double *, double *) =
        ok ? baseline : tft_shape(sc) ? baseline_tft : NULL;
    ts_engine *e = ts_engine_alloc(sc, &err);
    if (!e)
        return 3;
    ts_engine_opts opts = {.threads = 1};
    if (!base) {
        /* Another scenario: the engine alone, no talks hook, best of the runs. */
        double best = 1e30, sec, spent = 0.0;
        int rep = 0;
        while (rep < repeat || (repeat > 1 && spent < REPEAT_SECONDS && rep < REPEAT_MAX)) {
            if (!timed_run(e, &opts, &sec, NULL))
                return 3;
            best = sec < best ? sec : best;
            spent += sec;
            rep++;
        }
        double m = (double)sc->replicates * sc->calendar.steps / best / 1e6;
        printf("engine: %s (%d issues, talks not held), %d replicates x %d steps, 1 thread, "
               "best of %d:\n",
               sc->name, sc->n_issues, sc->replicates, sc->calendar.steps, rep);
        printf("engine: %6.2f M replicate-steps/s   (no hand-written loop for this shape; "
               "target 10 M/s)\n", m);
        ts_engine_free(e);
        ts_scenario_free(sc);
        return 0;
    }
    double steps = (double)sc->replicates * sc->calendar.steps;
    double best_e = 1e30, best_b = 1e30, eng_tot[2] = {0, 0}, base_tot[2] = {0, 0};
    double spent = 0.0;
    int rep = 0;
    while (rep < repeat || (repeat > 1 && spent < REPEAT_SECONDS && rep < REPEAT_MAX)) {
        double sec;
        if (!timed_run(e, &opts, &sec, eng_tot))
            return 3;
        double t2 = bench_now();
        double *traj = ts_store_alloc(ts_engine_run_bytes(e));
        if (!traj)
            return 3;
        base(sc, sc->replicates, traj, base_tot);
        double t3 = bench_now();
        free(traj);   /* the engine's run is also freed outside its timing */
        best_e = sec < best_e ? sec : best_e;
        best_b = t3 - t2 < best_b ? t3 - t2 : best_b;
        spent += sec;
        rep++;
    }
    double me = steps / best_e / 1e6, mb = steps / best_b / 1e6;
    if (base == baseline)
        printf("engine: %s, %d replicates x %d steps, 1 thread, move noise %s, best of %d\n",
               sc->name, sc->replicates, sc->calendar.steps, quiet ? "off" : "on", rep);
    else
        printf("engine: %s (5 issues, talks not held), %d replicates x %d steps, 1 thread, "
               "best of %d\n",
               sc->name, sc->replicates, sc->calendar.steps, rep);
    printf("engine: %6.2f M replicate-steps/s   hand-written loop %6.2f M/s   ratio %.2f"
           "   (target >= 10 M/s)\n",
           me, mb, me / mb);
    double diff = fabs(eng_tot[0] - base_tot[0]) + fabs(eng_tot[1] - base_tot[1]);
    printf("engine: replicate 0 totals %.10g %.10g, baseline %.10g %.10g (%s)\n", eng_tot[0],
           eng_tot[1], base_tot[0], base_tot[1],
           diff == 0.0 ? "same bits"
           : diff <= 1e-9 * (1 + fabs(eng_tot[0]) + fabs(eng_tot[1])) ? "same arithmetic"
                                                                      : "MISMATCH");
    ts_engine_free(e);
    ts_scenario_free(sc);
    return diff <= 1e-9 * (1 + fabs(eng_tot[0]) + fabs(eng_tot[1])) ? 0 : 1;
}
