/* The deterministic roll-out of a world for the talks (rollout.h): every
 * lever held, state variables evolving, discounted payoffs summed. Terms
 * that do not change over the roll-out are summed once; chips and export
 * controls advance their state in closed form per step. */
#include "tradesim/rollout.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* During a roll-out every lever is constant, so a step's payoff is the sum, in
 * issue order, of terms of which only chip licences (through m and v) and
 * export controls (through D) change from step to step. The roll-out computes
 * the constant terms once and folds the leading run of them into the starting
 * value of every step's sum (the same additions in the same order, so the
 * same bits). The steps then go in blocks: each step's sums are built term by
 * term over the whole block (one dispatch per term and block, and loops the
 * compiler can keep in registers), then discounted in step order. Every step
 * sees exactly the operations of ts_issue_payoff and ts_issue_advance, in
 * their order; only the loop nesting differs, and each sum is still formed
 * term after term. */

#define ROLLOUT_BLOCK 64

enum { TERM_CONST, TERM_CHIP, TERM_EXPORT, TERM_TARIFF_PATH };

typedef struct {
    int kind, o;            /* o: owner (the actor po goes to) */
    const ts_issue *is;     /* TERM_TARIFF_PATH: the issue, its state st at level x */
    ts_issue_state st;
    double c[2];            /* TERM_CONST: per-step payoff of each actor */
    double s, ds;           /* state (m or D) and its per-step factor (m_decay, d_decay) */
    double v, dv;           /* chip: value v and v_factor */
    double ms;              /* chip: fixed point m* */
    double k0, k1, k2;      /* chip: 1 - x, chip_o, strategic value; export: x, -exports,
                               reputation*x */
    double k3;              /* chip: chip_f; export: -disruption */
    const ts_issue *chip;   /* chip: the issue, for its domestic capability */
    double g;               /* export: convexity */
} rollout_term;

/* A constant term's per-step payoffs q[actor]; a pledge's receiver values it
 * at recv (its trust-weighted level) unless recv is NaN. */
static void const_payoff(const ts_issue *is, const ts_issue_state *from, double x, double recv,
                         double h, double q[2])
{
    double po, pf;
    ts_issue_flows(is, from, x, &po, &pf);
    if (is->kind == TS_ISSUE_PLEDGE && !isnan(recv))
        pf = is->benefit_bn * recv;
    q[is->owner] = po * h;
    q[1 - is->owner] = pf * h;
}

/* Adds one term's payoffs for nb steps to the per-step sums u[actor][j] and
 * moves its state on by nb steps. */
static void term_block(rollout_term *tm, double h, int nb, double *restrict u0,
                       double *restrict u1)
{
    double *uo = tm->o == 0 ? u0 : u1, *uf = tm->o == 0 ? u1 : u0;
    switch (tm->kind) {
    case TERM_CHIP: {
        double s = tm->s, v = tm->v;
        const double ms = tm->ms, ds = tm->ds, dv = tm->dv;
        const double k0 = tm->k0, k1 = tm->k1, k2 = tm->k2, k3 = tm->k3;
        for (int j = 0; j < nb; j++) {
            double reach = k0 * s;
            uo[j] += (k1 * v - k2 * ts_chip_uplift(tm->chip, v)) * reach * h;
            uf[j] += k3 * v * reach * h;
            s = ms + (s - ms) * ds;
            v *= dv;
        }
        tm->s = s;
        tm->v = v;
        break;
    }
    case TERM_EXPORT: {
        double s = tm->s;
        const double ds = tm->ds, k0 = tm->k0, k1 = tm->k1, k2 = tm->k2, k3 = tm->k3, g = tm->g;
        if (g == 2.0) {
            for (int j = 0; j < nb; j++) {
                double qd = k0 * s;
                uo[j] += (k1 * qd - k2) * h;
                uf[j] += k3 * (qd * qd) * h;
                s *= ds;
            }
        } else if (g == 1.0) {
            for (int j = 0; j < nb; j++) {
                double qd = k0 * s;
                uo[j] += (k1 * qd - k2) * h;
                uf[j] += k3 * qd * h;
                s *= ds;
            }
        } else {
            for (int j = 0; j < nb; j++) {
                double qd = k0 * s;
                uo[j] += (k1 * qd - k2) * h;
                uf[j] += k3 * (qd > 0.0 ? pow(qd, g) : 0.0) * h;
                s *= ds;
            }
        }
        tm->s = s;
        break;
    }
    case TERM_TARIFF_PATH: {
        /* The elasticity moves every step: the step's own functions, in order. */
        for (int j = 0; j < nb; j++) {
            double po, pf;
            ts_issue_state_refresh(tm->is, h, &tm->st);
            ts_tariff_flows(tm->is, &tm->st, tm->st.x, &po, &pf);
            uo[j] += po * h;
            uf[j] += pf * h;
            ts_issue_advance(tm->is, &tm->st, h);
        }
        break;
    }
    default: {
        const double c0 = tm->c[0], c1 = tm->c[1];
        for (int j = 0; j < nb; j++) {
            u0[j] += c0;
            u1[j] += c1;
        }
        break;
    }
    }
}

/* The levels a roll-out holds: x[i] each issue's (a fixed lever's clamped
 * to its range, else its current one); recv[i] the level a pledge's
 * receiver values with pledge_trust (its trust-weighted level), else NaN. */
static void rollout_levels(const ts_world *from, const int *levers, const double *levels,
                           int n_fixed, bool pledge_trust, double *x, double *recv)
{
    for (int i = 0; i < from->n_issues; i++) {
        x[i] = from->st[i].x;
        recv[i] = NAN;
    }
    for (int k = 0; k < n_fixed; k++) {
        int i = levers[k];
        const ts_issue *is = &from->issue[i];
        double xk = levels[k] < is->min ? is->min : levels[k] > is->max ? is->max : levels[k];
        if (pledge_trust && is->kind == TS_ISSUE_PLEDGE) {
            double tr = from->trust[1 - is->owner];
            recv[i] = tr * xk + (1.0 - tr) * from->st[i].x;
        }
        x[i] = xk;
    }
}

/* Issue i's chip-licence term at level x: its state's closed-form
 * coefficients after the step's refresh. */
static void chip_term(rollout_term *tm, const ts_world *from, int i, double x)
{
    const ts_issue *is = &from->issue[i];
    ts_issue_state st = from->st[i];
    st.x = x;
    ts_issue_state_refresh(is, from->h, &st);
    tm->kind = TERM_CHIP;
    tm->s = st.market;
    tm->ds = st.m_decay;
    tm->ms = st.m_star;
    tm->v = st.value;
    tm->dv = st.v_factor;
    tm->k0 = 1.0 - x;
    tm->k1 = st.chip_o;
    tm->k2 = is->strategic_value_bn;
    tm->k3 = st.chip_f;
    tm->chip = is;
}

/* Issue i's export-control term at level x. */
static void export_term(rollout_term *tm, const ts_world *from, int i, double x)
{
    const ts_issue *is = &from->issue[i];
    ts_issue_state st = from->st[i];
    st.x = x;
    ts_issue_state_refresh(is, from->h, &st);
    tm->kind = TERM_EXPORT;
    tm->s = st.dependence;
    tm->ds = st.d_decay;
    tm->k0 = x;
    tm->k1 = -is->exports_bn;
    tm->k2 = is->reputation_bn * x;
    tm->k3 = -is->disruption_bn;
    tm->g = is->convexity;
}

/* One term per issue in issue order, but the leading run of constant terms
 * summed into p[0], p[1], and the interactions too when every term is
 * constant (*ni = 0; else *ni = their number, added every step). Returns
 * the number of terms. */
static int rollout_terms(const ts_world *from, const double *x, const double *recv,
                         rollout_term *term, double p[2], int *ni)
{
    int n = from->n_issues;
    double h = from->h;
    const ts_scenario *sc = from->sc;
    int nt = 0;
    for (int i = 0; i < n; i++) {
        const ts_issue *is = &from->issue[i];
        rollout_term *tm = &term[nt];
        tm->o = is->owner;
        if (is->kind == TS_ISSUE_CHIP_LICENCE) {
            chip_term(tm, from, i, x[i]);
            nt++;
            continue;
        }
        if (is->kind == TS_ISSUE_EXPORT_CONTROL) {
            export_term(tm, from, i, x[i]);
            nt++;
            continue;
        }
        if (is->kind == TS_ISSUE_TARIFF && from->st[i].eps != is->elasticity) {
            tm->kind = TERM_TARIFF_PATH;
            tm->is = is;
            tm->st = from->st[i];
            tm->st.x = x[i];
            nt++;
            continue;
        }
        double q[2];
        const_payoff(is, &from->st[i], x[i], recv[i], h, q);
        if (nt == 0) {
            p[0] += q[0];
            p[1] += q[1];
        } else {
            tm->kind = TERM_CONST;
            tm->c[0] = q[0];
            tm->c[1] = q[1];
            nt++;
        }
    }
    /* Interactions (levels constant): folded in when nothing before them changes. */
    *ni = sc->n_interactions;
    if (nt == 0) {
        for (int k = 0; k < sc->n_interactions; k++) {
            const ts_interaction *in = &sc->interactions[k];
            double v = in->coef * x[in->issue_a] * x[in->issue_b] * h;
            if (in->actor == 0)
                p[0] += v;
            else
                p[1] += v;
        }
        *ni = 0;
    }
    return nt;
}

void ts_world_rollout(const ts_world *from, const int *levers, const double *levels,
                       int n_fixed, int n_steps, bool pledge_trust, double out[2])
{
    double h = from->h;
    double x[TS_MAX_ISSUES];
    double recv[TS_MAX_ISSUES];   /* level the receiver values; NaN = the level itself */
    rollout_levels(from, levers, levels, n_fixed, pledge_trust, x, recv);
    const ts_scenario *sc = from->sc;
    rollout_term term[TS_MAX_ISSUES];
    double p[2] = {0.0, 0.0};    /* the leading constant terms, summed */
    int ni;
    int nt = rollout_terms(from, x, recv, term, p, &ni);
    double p0 = p[0], p1 = p[1];
    double f0 = from->factor[0], f1 = from->factor[1];
    double disc0 = 1.0, disc1 = 1.0, tot0 = 0.0, tot1 = 0.0;
    double u0[ROLLOUT_BLOCK], u1[ROLLOUT_BLOCK];
    for (int t0 = 0; t0 < n_steps; t0 += ROLLOUT_BLOCK) {
        int nb = n_steps - t0 < ROLLOUT_BLOCK ? n_steps - t0 : ROLLOUT_BLOCK;
        for (int j = 0; j < nb; j++) {
            u0[j] = p0;
            u1[j] = p1;
        }
        for (int k = 0; k < nt; k++)
            term_block(&term[k], h, nb, u0, u1);
        for (int k = 0; k < ni; k++) {
            const ts_interaction *in = &sc->interactions[k];
            double v = in->coef * x[in->issue_a] * x[in->issue_b] * h;
            double *u = in->actor == 0 ? u0 : u1;
            for (int j = 0; j < nb; j++)
                u[j] += v;
        }
        for (int j = 0; j < nb; j++) {
            tot0 += disc0 * u0[j];
            tot1 += disc1 * u1[j];
            disc0 *= f0;
            disc1 *= f1;
        }
    }
    out[0] = tot0;
    out[1] = tot1;
}
