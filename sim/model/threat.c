/* Agreements: the noncooperative threat point of a talk
 * (ts_agreement_threat_point; docs/model.md, "Values").
 *
 * Best responses over the agenda, each owner's levers in turn set to the
 * level maximising its own value over the talk's duration by roll-out (a
 * grid, then golden-section search), until a sweep moves no lever by more
 * than NC_TOL of its range. The world is only read and nothing is
 * allocated: thread-safe on distinct x. */
#include "tradesim/agreement.h"

#include <math.h>

#include "tradesim/rollout.h"

#define NC_GRID 21          /* grid of a best response before the golden-section search */
#define NC_GOLDEN_TOL 1e-10 /* golden-section bracket, as a share of the lever's range */
#define NC_TOL 1e-7         /* fixed point: no lever moved more than this share of its
                             * range in a sweep (an argmax is resolved to ~sqrt(eps)) */
#define NC_MAX_SWEEPS 100

typedef struct {
    const ts_world *w;
    const ts_talk *tk;
    double *x;              /* the agenda's levels, x[k] varied */
    int k, a;
} br_rollout;

/* Owner a's value over the talk's duration with agenda lever k at level t
 * and the other agenda levers at x: what a threat costs or gains its owner. */
static double own_value(br_rollout *c, double t)
{
    double out[2], keep = c->x[c->k];
    c->x[c->k] = t;
    ts_world_rollout(c->w, c->tk->agenda, c->x, c->tk->n_agenda, c->tk->duration_steps, false,
                      out);
    c->x[c->k] = keep;
    return out[c->a];
}

/* The level of agenda lever k maximising its owner's value given the others:
 * the best point of a grid, refined by golden-section search between its
 * neighbours (nothing allocated). A value flat in the lever leaves it. */
static double rollout_best_level(br_rollout *c, double lo, double hi)
{
    if (!(hi > lo))
        return lo;
    double f[NC_GRID], fmin = INFINITY, fmax = -INFINITY;
    int best = 0;
    for (int g = 0; g < NC_GRID; g++) {
        f[g] = own_value(c, lo + (hi - lo) * g / (NC_GRID - 1));
        if (f[g] > f[best])
            best = g;
        fmin = fmin < f[g] ? fmin : f[g];
        fmax = fmax > f[g] ? fmax : f[g];
    }
    if (fmax - fmin <= 1e-12 * (1.0 + fabs(fmax)))
        return c->x[c->k];
    double a = lo + (hi - lo) * (best > 0 ? best - 1 : 0) / (NC_GRID - 1);
    double b = lo + (hi - lo) * (best < NC_GRID - 1 ? best + 1 : NC_GRID - 1) / (NC_GRID - 1);
    const double r = 0.6180339887498949;   /* (sqrt 5 - 1) / 2 */
    double u = b - r * (b - a), v = a + r * (b - a);
    double fu = own_value(c, u), fv = own_value(c, v);
    while (b - a > NC_GOLDEN_TOL * (hi - lo)) {
        if (fu >= fv) {
            b = v;
            v = u;
            fv = fu;
            u = b - r * (b - a);
            fu = own_value(c, u);
        } else {
            a = u;
            u = v;
            fu = fv;
            v = a + r * (b - a);
            fv = own_value(c, v);
        }
    }
    double t = fu >= fv ? u : v, ft = fu >= fv ? fu : fv;
    /* the grid's ends are not inside the bracket's interior: compare */
    double g = lo + (hi - lo) * best / (NC_GRID - 1);
    return f[best] > ft ? g : t;
}

bool ts_agreement_threat_point(const ts_world *w, const ts_talk *tk, double *x, int *sweeps)
{
    double lo[TS_MAX_ISSUES], hi[TS_MAX_ISSUES];
    for (int k = 0; k < tk->n_agenda; k++) {
        lo[k] = w->issue[tk->agenda[k]].min;
        hi[k] = w->issue[tk->agenda[k]].max;
        x[k] = x[k] < lo[k] ? lo[k] : x[k] > hi[k] ? hi[k] : x[k];
    }
    br_rollout c = {.w = w, .tk = tk, .x = x};
    for (int sweep = 1; sweep <= NC_MAX_SWEEPS; sweep++) {
        double moved = 0.0;
        for (int a = 0; a < 2; a++)
            for (int k = 0; k < tk->n_agenda; k++) {
                if (w->issue[tk->agenda[k]].owner != a)
                    continue;
                c.k = k;
                c.a = a;
                double t = rollout_best_level(&c, lo[k], hi[k]);
                if (hi[k] > lo[k])
                    moved = fmax(moved, fabs(t - x[k]) / (hi[k] - lo[k]));
                x[k] = t;
            }
        if (moved <= NC_TOL) {
            *sweeps = sweep;
            return true;
        }
    }
    *sweeps = NC_MAX_SWEEPS;
    return false;
}

