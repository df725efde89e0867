/* The numeric guard (see guard.h). A replicate's values are scanned once
 * after it ends, as a flat array (cheap next to the steps that made them);
 * only when something is wrong is the position worked out for the message. */
#include "guard.h"

#include <math.h>
#include <stdio.h>

static const char *what(double x)
{
    return isnan(x) ? "NaN" : "infinite";
}

static ts_status report(const ts_scenario *sc, int k, int t, const char *column, double x,
                        ts_error *err)
{
    char date[11] = "";
    if (t >= 0)
        ts_calendar_step_date(&sc->calendar, t, date);
    char at[64] = "at the end";
    if (t >= 0)
        snprintf(at, sizeof at, "at step %d%s%s%s", t, date[0] ? " (" : "", date,
                 date[0] ? ")" : "");
    return ts_error_set(err, TS_EIO,
                        "%s: replicate %d %s: %s became %s; the scenario's parameters drive "
                        "the model outside the numbers it can represent",
                        sc->path, k, at, column, what(x));
}

ts_status ts_guard_replicate(const ts_scenario *sc, const char *const *columns, const ts_run *run,
                             int k, ts_error *err)
{
    size_t cells = (size_t)run->T * (size_t)run->C, i0 = (size_t)(k - run->k0);
    const double *rows = run->traj + i0 * cells;
    /* Four running sums stay finite when every value is (without a branch
     * per value); an infinity or NaN makes one of them infinite or NaN. So
     * can finite values whose sum overflows: then the scan below finds
     * nothing and the other checks follow, as for finite rows. */
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    size_t i = 0;
    for (; i + 8 <= cells; i += 8)
        for (int j = 0; j < 4; j++)
            acc[j] += rows[i + (size_t)j] + rows[i + 4 + (size_t)j];
    for (; i < cells; i++)
        acc[0] += rows[i];
    if (!isfinite(acc[0] + acc[1] + acc[2] + acc[3]))
        for (i = 0; i < cells; i++)
            if (!isfinite(rows[i]))
                return report(sc, k, (int)(i / (size_t)run->C), columns[i % (size_t)run->C],
                              rows[i], err);
    char name[2 * TS_ID_MAX + 32];
    for (int q = 0; q < run->n_issues; q++) {
        double f = run->final[i0 * (size_t)run->n_issues + q];
        double m = run->mean[i0 * (size_t)run->n_issues + q];
        if (!isfinite(f) || !isfinite(m)) {
            snprintf(name, sizeof name, "%s_%s", sc->issues[q].id, isfinite(f) ? "mean" : "final");
            return report(sc, k, -1, name, isfinite(f) ? m : f, err);
        }
    }
    for (int a = 0; a < 2; a++) {
        double x = run->total[2 * i0 + a];
        if (!isfinite(x)) {
            snprintf(name, sizeof name, "%s_total", sc->actors[a].id);
            return report(sc, k, -1, name, x, err);
        }
        x = run->status_quo[2 * i0 + a];
        if (!isfinite(x)) {
            snprintf(name, sizeof name, "%s_vs_status_quo", sc->actors[a].id);
            return report(sc, k, -1, name, x, err);
        }
        const double *c = run->contrib + (i0 * 2 + (size_t)a) * (size_t)run->n_contrib;
        for (int j = 0; j < run->n_contrib; j++)
            if (!isfinite(c[j])) {
                snprintf(name, sizeof name, "%s_%s_total", sc->actors[a].id,
                         j < sc->n_issues ? sc->issues[j].id : "interactions");
                return report(sc, k, -1, name, c[j], err);
            }
    }
    if (run->chan) {
        size_t m = (size_t)run->n_issues * 2 * TS_N_CHANNELS;
        const double *ch = run->chan + i0 * m;
        for (size_t j = 0; j < m; j++)
            if (!isfinite(ch[j])) {
                int q = (int)(j / (2 * TS_N_CHANNELS)), a = (int)(j / TS_N_CHANNELS % 2);
                snprintf(name, sizeof name, "%s_%s_%s_total", sc->actors[a].id, sc->issues[q].id,
                         ts_channel_name((ts_channel)(j % TS_N_CHANNELS)));
                return report(sc, k, -1, name, ch[j], err);
            }
    }
    return TS_OK;
}
