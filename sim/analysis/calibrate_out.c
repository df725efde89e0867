/* Calibration's intervals and files: fit.csv, points.csv, posterior.csv,
 * distance.csv, paths.csv, the fitted scenario and the chart's script
 * (calibrate.h; docs/cli.md, "calibrate"); chart.png when gnuplot runs. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "calibrate_impl.h"
#include "tradesim/agreement.h"
#include "tradesim/calendar.h"
#include "tradesim/csv.h"
#include "tradesim/uncertain.h"

#define EXACT 17

extern char **environ;

/* ---- simulated minimum distance's intervals ---------------------------------- */

/* The prior's central 95% (a parameter the observations do not identify). */
static void prior_interval(const ts_uncertain *u, double *lo, double *hi)
{
    *lo = ts_uncertain_value(u, ts_dist_quantile(&u->dist, 0.025));
    *hi = ts_uncertain_value(u, ts_dist_quantile(&u->dist, 0.975));
}

/* Gauss-Newton's asymptotic covariance of a weighted least-squares fit,
 * inflated by (1 + 1/R) for simulated moments (Gourieroux & Monfort 1996;
 * McFadden 1989): V = (1 + 1/R) s^2 (J'J)^-1, J the standardised
 * residuals' Jacobian by central differences, s^2 = D / (n - k) when there
 * are more in-sample observations n than parameters k, else 1 (the sd
 * column taken as the observations' own). A parameter whose column of J
 * is zero (the observations do not move with it), a discrete one, or a
 * singular J'J gets its prior's central 95% instead. */
ts_status ts_cal_interval(cal_ctx *c, const double *est, double *lo, double *hi, ts_error *err)
{
    int k = c->k, n = 0, N = c->t->n;
    for (int i = 0; i < N; i++)
        n += c->t->obs[i].weight > 0;
    double *J = calloc((size_t)n * (size_t)k + 1, sizeof *J);
    double *sp = malloc((size_t)N * sizeof *sp + 1), *sm = malloc((size_t)N * sizeof *sm + 1);
    double *th = malloc((size_t)k * sizeof *th);
    bool *use = calloc((size_t)k, sizeof *use);
    gsl_matrix *A = gsl_matrix_alloc((size_t)k, (size_t)k);
    ts_status st = TS_OK;
    if (!J || !sp || !sm || !th || !use || !A) {
        st = ts_error_set(err, TS_EIO, "tradesim: out of memory");
        goto done;
    }
    double D, out;
    if ((st = ts_cal_eval_cached(c, est, sp, err)) != TS_OK)
        goto done;
    ts_cal_distances(c->t, sp, &D, &out, NULL, NULL);
    double s2 = n > k ? D / (n - k) : 1.0;
    int m = 0;
    for (int j = 0; j < k; j++) {
        const ts_uncertain *u = &c->sc->uncertain[j];
        prior_interval(u, &lo[j], &hi[j]);
        if (u->dist.kind == TS_DIST_DISCRETE || u->integer)
            continue;
        double slo, shi;
        ts_dist_support(&u->dist, &slo, &shi);
        double h = 0.01 * (hi[j] - lo[j]);
        double a = fmax(est[j] - h, slo), b = fmin(est[j] + h, shi);
        if (!(b > a))
            continue;
        memcpy(th, est, (size_t)k * sizeof *th);
        th[j] = b;
        if ((st = ts_cal_eval_cached(c, th, sp, err)) != TS_OK)
            goto done;
        th[j] = a;
        if ((st = ts_cal_eval_cached(c, th, sm, err)) != TS_OK)
            goto done;
        double norm = 0.0;
        for (int i = 0, r = 0; i < N; i++) {
            const ts_cal_obs *o = &c->t->obs[i];
            if (o->weight <= 0)
                continue;
            double g = sqrt(o->weight) / o->sd * (sp[i] - sm[i]) / (b - a);
            if (!isfinite(g) || fabs(sp[i]) >= 1e299 || fabs(sm[i]) >= 1e299)
                g = 0.0;
            J[(size_t)r++ * k + (size_t)m] = g;
            norm += g * g;
        }
        if (norm > 1e-24) {
            use[j] = true;
            m++;
        } else {
            for (int r = 0; r < n; r++)
                J[(size_t)r * k + (size_t)m] = 0.0;
        }
    }
    if (m == 0)
        goto done;
    gsl_matrix_view Av = gsl_matrix_submatrix(A, 0, 0, (size_t)m, (size_t)m);
    for (int p = 0; p < m; p++)
        for (int q = 0; q < m; q++) {
            double s = 0.0;
            for (int r = 0; r < n; r++)
                s += J[(size_t)r * k + (size_t)p] * J[(size_t)r * k + (size_t)q];
            gsl_matrix_set(&Av.matrix, (size_t)p, (size_t)q, s);
        }
    /* The pseudo-inverse by eigenvectors: a direction the observations barely
     * move (eigenvalue below 1e-10 of the largest) leaves the parameters
     * loading on it unidentified, with their priors' intervals. */
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc((size_t)m);
    gsl_vector *lam = gsl_vector_alloc((size_t)m);
    gsl_matrix *V = gsl_matrix_alloc((size_t)m, (size_t)m);
    if (!w || !lam || !V || gsl_eigen_symmv(&Av.matrix, lam, V, w) != GSL_SUCCESS) {
        gsl_eigen_symmv_free(w);
        gsl_vector_free(lam);
        gsl_matrix_free(V);
        goto done;
    }
    double top = gsl_vector_max(lam), inflate = (1.0 + 1.0 / c->R) * s2;
    for (int j = 0, p = 0; j < k; j++) {
        if (!use[j])
            continue;
        double var = 0.0;
        bool ok = true;
        for (int l = 0; l < m; l++) {
            double v = gsl_matrix_get(V, (size_t)p, (size_t)l), e = gsl_vector_get(lam, (size_t)l);
            if (e > 1e-10 * top)
                var += v * v / e;
            else if (v * v > 1e-6)
                ok = false;
        }
        p++;
        if (!ok)
            continue;
        const ts_uncertain *u = &c->sc->uncertain[j];
        double slo, shi, se = sqrt(inflate * var);
        ts_dist_support(&u->dist, &slo, &shi);
        lo[j] = fmax(est[j] - 1.959964 * se, slo);
        hi[j] = fmin(est[j] + 1.959964 * se, shi);
    }
    gsl_eigen_symmv_free(w);
    gsl_vector_free(lam);
    gsl_matrix_free(V);
done:
    free(J);
    free(sp);
    free(sm);
    free(th);
    free(use);
    gsl_matrix_free(A);
    return st;
}

/* ---- files --------------------------------------------------------------------- */

static void path_of(char *buf, size_t n, const char *folder, const char *file)
{
    snprintf(buf, n, "%s/%s", folder, file);
}

static ts_status write_fit(const cal_ctx *c, const char *folder, const double *est,
                           const double *lo, const double *hi, ts_error *err)
{
    char path[4300];
    path_of(path, sizeof path, folder, TS_CAL_FIT);
    ts_csv *f = ts_csv_open(path, c->sc->precision, err);
    if (!f)
        return TS_EIO;
    static const char *const head[] = {"parameter", "estimate", "lo95", "hi95"};
    for (int j = 0; j < 4; j++)
        ts_csv_str(f, head[j]);
    ts_csv_end_row(f);
    for (int j = 0; j < c->k; j++) {
        ts_csv_str(f, c->sc->uncertain[j].name);
        ts_csv_num(f, est[j]);
        ts_csv_num(f, lo[j]);
        ts_csv_num(f, hi[j]);
        ts_csv_end_row(f);
    }
    return ts_csv_commit(f, err);
}

static ts_status write_points(const cal_ctx *c, const char *folder, ts_error *err)
{
    char path[4300];
    path_of(path, sizeof path, folder, TS_CAL_POINTS);
    ts_csv *f = ts_csv_open(path, EXACT, err);
    if (!f)
        return TS_EIO;
    ts_csv_str(f, "point");
    for (int j = 0; j < c->k; j++)
        ts_csv_str(f, c->sc->uncertain[j].name);
    ts_csv_str(f, "distance");
    ts_csv_end_row(f);
    for (int p = 0; p < c->P; p++) {
        ts_csv_int(f, p);
        for (int j = 0; j < c->k; j++)
            ts_csv_num(f, c->x[(size_t)p * c->k + j]);
        ts_csv_num(f, c->dist[p]);
        ts_csv_end_row(f);
    }
    return ts_csv_commit(f, err);
}

static ts_status write_posterior(const cal_ctx *c, const char *folder, ts_error *err)
{
    char path[4300];
    path_of(path, sizeof path, folder, TS_CAL_POSTERIOR);
    ts_csv *f = ts_csv_open(path, EXACT, err);
    if (!f)
        return TS_EIO;
    static const char *const head[] = {"sample", "point", "replicate", "distance"};
    for (int j = 0; j < 4; j++)
        ts_csv_str(f, head[j]);
    for (int j = 0; j < c->k; j++)
        ts_csv_str(f, c->sc->uncertain[j].name);
    ts_csv_end_row(f);
    for (long i = 0; i < c->n_acc; i++) {
        long p = c->acc[i] / c->R;
        ts_csv_int(f, i);
        ts_csv_int(f, p);
        ts_csv_int(f, c->acc[i] % c->R);
        ts_csv_num(f, c->acc_d[i]);
        for (int j = 0; j < c->k; j++)
            ts_csv_num(f, c->x[(size_t)p * c->k + j]);
        ts_csv_end_row(f);
    }
    return ts_csv_commit(f, err);
}

/* abc_smc's posterior.csv: the final population with its weights. */
static ts_status write_smc(const cal_ctx *c, const char *folder, ts_error *err)
{
    char path[4300];
    path_of(path, sizeof path, folder, TS_CAL_POSTERIOR);
    ts_csv *f = ts_csv_open(path, EXACT, err);
    if (!f)
        return TS_EIO;
    static const char *const head[] = {"sample", "weight", "share_within"};
    for (int j = 0; j < 3; j++)
        ts_csv_str(f, head[j]);
    for (int j = 0; j < c->k; j++)
        ts_csv_str(f, c->sc->uncertain[j].name);
    ts_csv_end_row(f);
    for (int i = 0; i < c->smc_n; i++) {
        ts_csv_int(f, i);
        ts_csv_num(f, c->smc_w[i]);
        ts_csv_num(f, c->smc_share[i]);
        for (int j = 0; j < c->k; j++)
            ts_csv_num(f, c->smc_x[(size_t)i * c->k + j]);
        ts_csv_end_row(f);
    }
    return ts_csv_commit(f, err);
}

/* distance.csv: per series and sample, the observations, the distance (its
 * part of the objective; out of sample with weight 1) and the root mean
 * squared error in the series' own units; then the totals. */
static ts_status write_distance(const cal_ctx *c, const char *folder, const double *sim,
                                ts_cal_result *res, ts_error *err)
{
    const ts_cal_target *t = c->t;
    int S = t->n_series;
    double *din = calloc(4 * (size_t)S + 1, sizeof *din), *dout = din + S, *se = din + 2 * S;
    int *cnt = calloc(2 * (size_t)S + 1, sizeof *cnt);
    if (!din || !cnt) {
        free(din);
        free(cnt);
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    }
    ts_cal_distances(t, sim, &res->distance, &res->distance_out, din, dout);
    for (int i = 0; i < t->n; i++) {
        int out = t->obs[i].weight > 0 ? 0 : 1;
        double e = sim[i] - t->obs[i].value;
        se[2 * t->obs[i].series + out] += e * e;
        cnt[2 * t->obs[i].series + out]++;
    }
    char path[4300];
    path_of(path, sizeof path, folder, TS_CAL_DISTANCE);
    ts_csv *f = ts_csv_open(path, c->sc->precision, err);
    if (f) {
        static const char *const head[] = {"series", "sample", "observations", "distance",
                                           "rmse"};
        for (int j = 0; j < 5; j++)
            ts_csv_str(f, head[j]);
        ts_csv_end_row(f);
        for (int out = 0; out < 2; out++) {
            int tot = 0;
            for (int s = 0; s < S; s++) {
                int n = cnt[2 * s + out];
                if (n == 0)
                    continue;
                tot += n;
                ts_csv_str(f, t->series[s]);
                ts_csv_str(f, out ? "out" : "in");
                ts_csv_int(f, n);
                ts_csv_num(f, out ? dout[s] : din[s]);
                ts_csv_num(f, sqrt(se[2 * s + out] / n));
                ts_csv_end_row(f);
            }
            if (tot > 0) {
                ts_csv_str(f, "all");
                ts_csv_str(f, out ? "out" : "in");
                ts_csv_int(f, tot);
                ts_csv_num(f, out ? res->distance_out : res->distance);
                ts_csv_empty(f);
                ts_csv_end_row(f);
            }
        }
    }
    free(din);
    free(cnt);
    return f ? ts_csv_commit(f, err) : TS_EIO;
}

/* paths.csv: each observed trajectory series at every step, simulated at the
 * estimate (mean, median, central 95% over replicates), with the
 * observation where there is one. */
static ts_status write_paths(const cal_ctx *c, const char *folder, const double *est,
                             ts_error *err)
{
    ts_engine_opts eo = {.threads = c->o->threads, .cancel = c->o->cancel, .values = est};
    ts_agreement_hook_opts(&eo, NULL);
    ts_run *run = NULL;
    ts_status st = ts_engine_run(c->e, &eo, &run, err);
    if (st != TS_OK)
        return st;
    char path[4300];
    path_of(path, sizeof path, folder, TS_CAL_PATHS);
    ts_csv *f = ts_csv_open(path, c->sc->precision, err);
    double *col = malloc((size_t)run->R * sizeof *col);
    if (!f || !col) {
        ts_run_free(run);
        free(col);
        ts_csv_abort(f);
        return f ? ts_error_set(err, TS_EIO, "tradesim: out of memory") : TS_EIO;
    }
    static const char *const head[] = {"series", "step", "date", "observed", "in_sample",
                                       "mean", "p50", "lo95", "hi95"};
    for (int j = 0; j < 9; j++)
        ts_csv_str(f, head[j]);
    ts_csv_end_row(f);
    const ts_cal_target *t = c->t;
    for (int s = 0; s < t->n_series; s++) {
        int column = -1;
        for (int i = 0; i < t->n; i++)
            if (t->obs[i].series == s)
                column = t->obs[i].column;
        if (column < 0)
            continue;
        for (int step = 0; step < run->T; step++) {
            char date[11];
            ts_calendar_step_date(&c->sc->calendar, step, date);
            ts_csv_str(f, t->series[s]);
            ts_csv_int(f, step);
            ts_csv_str(f, date);
            int at = -1;
            for (int i = 0; i < t->n; i++)
                if (t->obs[i].series == s && t->obs[i].step == step)
                    at = i;
            if (at >= 0) {
                ts_csv_num(f, t->obs[at].value);
                ts_csv_int(f, t->obs[at].weight > 0);
            } else {
                ts_csv_empty(f);
                ts_csv_empty(f);
            }
            double sum = 0.0;
            for (int r = 0; r < run->R; r++)
                sum += col[r] =
                    run->traj[((size_t)r * run->T + (size_t)step) * run->C + (size_t)column];
            gsl_sort(col, 1, (size_t)run->R);
            ts_csv_num(f, sum / run->R);
            ts_csv_num(f, gsl_stats_median_from_sorted_data(col, 1, (size_t)run->R));
            ts_csv_num(f, gsl_stats_quantile_from_sorted_data(col, 1, (size_t)run->R, 0.025));
            ts_csv_num(f, gsl_stats_quantile_from_sorted_data(col, 1, (size_t)run->R, 0.975));
            ts_csv_end_row(f);
        }
    }
    free(col);
    ts_run_free(run);
    return ts_csv_commit(f, err);
}

/* <name>_fit.cfg: the scenario by `extends`, each fitted parameter pinned at
 * its estimate as a one-value discrete distribution (the same keys, so any
 * setting the uncertain list reaches is fixed without restating its group). */
static ts_status write_scenario(const cal_ctx *c, const char *folder, const double *est,
                                ts_error *err)
{
    char path[4300], file[300];
    snprintf(file, sizeof file, "%s_fit.cfg", c->sc->name);
    path_of(path, sizeof path, folder, file);
    ts_csv *f = ts_csv_open(path, EXACT, err);
    if (!f)
        return TS_EIO;
    char line[2048];
    int n = snprintf(line, sizeof line,
                     "# %s fitted by tradesim calibrate (%s): each parameter at its estimate\n"
                     "# (fit.csv).\nextends = \"%s\";\nname = \"%s_fit\";\nuncertain = (\n",
                     c->sc->name, ts_cal_method_names[c->o->method],
                     c->o->extends ? c->o->extends : c->sc->path, c->sc->name);
    ts_csv_raw(f, line, (size_t)n);
    for (int j = 0; j < c->k; j++) {
        const ts_uncertain *u = &c->sc->uncertain[j];
        /* A key's quotes stay as written: libconfig's strings escape them. */
        char key[1100];
        size_t q = 0;
        for (const char *p = u->key; *p && q + 2 < sizeof key; p++) {
            if (*p == '"' || *p == '\\')
                key[q++] = '\\';
            key[q++] = *p;
        }
        key[q] = '\0';
        n = snprintf(line, sizeof line,
                     "  { name = \"%s\"; key = \"%s\"; dist = \"discrete\"; values = [%.17g]; }%s\n",
                     u->name, key, est[j], j + 1 < c->k ? "," : "");
        ts_csv_raw(f, line, (size_t)n);
    }
    ts_csv_raw(f, ");\n", 3);
    return ts_csv_commit(f, err);
}

/* chart.gp: observed points against the simulated median and band, one
 * panel per series (gnuplot chart.gp in the folder writes chart.png). */
static ts_status write_chart(const cal_ctx *c, const char *folder, ts_error *err)
{
    char path[4300];
    path_of(path, sizeof path, folder, TS_CAL_CHART);
    ts_csv *f = ts_csv_open(path, EXACT, err);
    if (!f)
        return TS_EIO;
    int panels = 0;
    for (int s = 0; s < c->t->n_series; s++)
        panels += strcmp(c->t->series[s], TS_CAL_FIRST_DEAL) != 0;
    char line[1024];
    int n = snprintf(line, sizeof line,
                     "# Observed (points; filled in sample) against the fitted %s:\n"
                     "# median and central 95%% over replicates. Run: gnuplot chart.gp\n"
                     "set terminal pngcairo size 900,%d noenhanced\n"
                     "if (!exists('out')) out = 'chart.png'\nset output out\n"
                     "set datafile separator ','\nset key outside right top\nset xlabel 'step'\n"
                     "set multiplot layout %d,1\n",
                     c->sc->name, 300 * (panels > 0 ? panels : 1), panels > 0 ? panels : 1);
    ts_csv_raw(f, line, (size_t)n);
    for (int s = 0; s < c->t->n_series; s++) {
        const char *id = c->t->series[s];
        if (!strcmp(id, TS_CAL_FIRST_DEAL))
            continue;
        n = snprintf(line, sizeof line,
                     "set title '%s'\n"
                     "plot 'paths.csv' using (strcol(1) eq '%s' ? $2 : 1/0):8:9 with filledcurves "
                     "fc rgb '#cfe0f0' title '95%%', \\\n"
                     "     '' using (strcol(1) eq '%s' ? $2 : 1/0):7 with lines lw 2 title 'median', \\\n"
                     "     '' using (strcol(1) eq '%s' && $5 == 1 ? $2 : 1/0):4 with points pt 7 "
                     "title 'observed (fit)', \\\n"
                     "     '' using (strcol(1) eq '%s' && $5 == 0 ? $2 : 1/0):4 with points pt 6 "
                     "title 'observed (held out)'\n",
                     id, id, id, id, id);
        ts_csv_raw(f, line, (size_t)n);
    }
    ts_csv_raw(f, "unset multiplot\n", 16);
    return ts_csv_commit(f, err);
}

/* Draws chart.png from chart.gp when gnuplot runs: into a temporary name,
 * renamed when gnuplot succeeded, so no half-drawn chart is left. A missing
 * or failing gnuplot leaves the script alone (*drawn false). */
static void draw_chart(const char *folder, bool *drawn)
{
    *drawn = false;
    if (strchr(folder, '\'') || strchr(folder, '"'))
        return;   /* not quotable in gnuplot's -e */
    char cmd[4500], script[4300], tmp[64], png[4300];
    snprintf(tmp, sizeof tmp, ".chart.png.tmp.%ld", (long)getpid());
    snprintf(cmd, sizeof cmd, "cd '%s'; out = '%s'", folder, tmp);
    path_of(script, sizeof script, folder, TS_CAL_CHART);
    char *argv[] = {"gnuplot", "-e", cmd, script, NULL};
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return;
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    rc = rc ? rc : posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    rc = rc ? rc : posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int status = 1;
    if (rc == 0 && posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ) == 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    posix_spawn_file_actions_destroy(&fa);
    path_of(script, sizeof script, folder, tmp);
    path_of(png, sizeof png, folder, "chart.png");
    struct stat stt;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(script, &stt) == 0 &&
        stt.st_size > 0 && rename(script, png) == 0)
        *drawn = true;
    else
        unlink(script);
}

ts_status ts_cal_write(cal_ctx *c, const char *folder, const double *est, const double *lo,
                       const double *hi, ts_cal_result *res, ts_error *err)
{
    double *sim = malloc((size_t)c->t->n * sizeof *sim + 1);
    if (!sim)
        return ts_error_set(err, TS_EIO, "tradesim: out of memory");
    ts_status st = ts_cal_eval_cached(c, est, sim, err);
    if (st == TS_OK)
        st = write_fit(c, folder, est, lo, hi, err);
    if (st == TS_OK)
        st = write_points(c, folder, err);
    if (st == TS_OK && c->acc)
        st = write_posterior(c, folder, err);
    if (st == TS_OK && c->smc_x)
        st = write_smc(c, folder, err);
    if (st == TS_OK)
        st = write_distance(c, folder, sim, res, err);
    if (st == TS_OK)
        st = write_paths(c, folder, est, err);
    if (st == TS_OK)
        st = write_scenario(c, folder, est, err);
    if (st == TS_OK)
        st = write_chart(c, folder, err);
    if (st == TS_OK)
        draw_chart(folder, &res->chart);
    free(sim);
    return st;
}
