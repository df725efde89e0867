/* tradesim calibrate: the scenario's uncertain parameters fitted to dated
 * observations, into DIR/<name>/ (docs/cli.md, "calibrate"). */
#define _DEFAULT_SOURCE   /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tradesim/calibrate.h"
#include "tradesim/cli.h"
#include "tradesim/fs.h"
#include "tradesim/interrupt.h"
#include "tradesim/resultdir.h"
#include "tradesim/scenario.h"

const ts_cli_spec ts_cmd_calibrate_spec = {
    .name = "calibrate",
    .summary = "fit the uncertain parameters to observed paths (SMD or ABC)",
    .accept = "TMAnorsjSuqh",
    .min_pos = 1,
    .max_pos = 1,
    .what = "one scenario file",
    .usage =
    "usage: tradesim calibrate SCENARIO.cfg --target OBSERVED.csv [--method METHOD]\n"
    "                          [-n N] [--accept SHARE] [-o DIR] [-r N] [-s SEED]\n"
    "                          [-j THREADS] [--set KEY=VALUE]... [--resume] [-q]\n"
    "\n"
    "Fits the scenario's uncertain parameters (their distributions are the\n"
    "priors) to the observations of OBSERVED.csv (date or step, series, value,\n"
    "and optionally weight, sd, source; weight 0 holds a row out of the fit).\n"
    "Writes fit.csv, distance.csv, paths.csv, points.csv, posterior.csv (abc),\n"
    "<name>_fit.cfg and chart.gp into DIR/<name>/ (default DIR: results).\n"
    "\n"
    "      --target FILE      the observations\n"
    "      --method METHOD    smd (simulated minimum distance on the mean path;\n"
    "                         default), smd_median (on the median path), abc\n"
    "                         (ABC rejection), abc_smc (ABC-SMC, 5 generations)\n"
    "  -n, --points N         Latin hypercube points (default: smd 32, abc and\n"
    "                         abc_smc 256; abc_smc's population too)\n"
    "      --accept SHARE     abc: share of histories accepted (default 0.05)\n"
    "  -o, --output DIR       output folder (default results)\n"
    "  -r, --replicates N     Monte Carlo replicates per point\n"
    "  -s, --seed SEED        64-bit seed (the design's and the replicates')\n"
    "  -j, --jobs THREADS     worker threads; 0 = one per core (default 0)\n"
    "      --set KEY=VALUE    override a setting by path\n"
    "      --resume           take the runs an interrupted calibration finished\n"
    "  -q, --quiet            no progress on stderr\n",
};

typedef struct {
    FILE *err;
    const char *name;
} progress_ctx;

static void progress(void *ctx, const char *stage, long done, long total)
{
    const progress_ctx *p = ctx;
    fprintf(p->err, "\rtradesim calibrate: %s: %s %ld/%ld     ", p->name, stage, done, total);
    fflush(p->err);
}

static int method_of(const char *name, ts_cal_method *m, FILE *err)
{
    if (!name)
        return -1;
    for (int i = 0; i < TS_CAL_COUNT; i++)
        if (!strcmp(name, ts_cal_method_names[i])) {
            *m = (ts_cal_method)i;
            return -1;
        }
    fprintf(err, "tradesim calibrate: --method '%s': expected smd, smd_median, abc or abc_smc\n", name);
    return TS_EBAD;
}

/* The scenario's path as seen from folder (both made absolute), for the
 * fitted scenario's `extends`. */
static void relative_to(const char *file, const char *folder, char *out, size_t n)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!realpath(file, a) || !realpath(folder, b)) {
        snprintf(out, n, "%s", file);
        return;
    }
    size_t lb = strlen(b), common = 0;
    if (strncmp(a, b, lb) == 0 && a[lb] == '/')
        common = lb;   /* the file lies inside the folder */
    else
        for (size_t i = 0; a[i] && a[i] == b[i]; i++)
            if (a[i] == '/')
                common = i;
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = b + common; *p; p++)
        if (*p == '/' && used + 4 < n) {
            memcpy(out + used, "../", 4);
            used += 3;
        }
    snprintf(out + used, n - used, "%s", a + common + 1);
}

int ts_cmd_calibrate(int argc, char **argv, FILE *out, FILE *err)
{
    ts_interrupt_hold();
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_calibrate_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    ts_cal_opts co = {.n = o.points > 0 ? (int)o.points : 0,
                      .accept = o.accept > 0 ? o.accept : 0,
                      .threads = (int)(o.threads < 0 ? 0 : o.threads),
                      .resume = o.resume};
    if ((rc = method_of(o.method, &co.method, err)) >= 0)
        return rc;
    if (!o.target) {
        fprintf(err, "tradesim calibrate: --target is required: a CSV of date,series,value\n");
        return TS_EBAD;
    }
    if ((rc = ts_cli_input_file("calibrate", o.positional[0], NULL, err)) >= 0 ||
        (rc = ts_cli_input_file("calibrate", o.target, NULL, err)) >= 0)
        return rc;
    ts_cli_overrides ov;
    ts_cli_overrides_collect(&o, &ov);
    ts_interrupt in;
    ts_interrupt_start(&in);
    ts_error e;
    ts_error_clear(&e);
    ts_cal_target t = {0};
    ts_scenario *sc = ts_scenario_load(o.positional[0], ov.v, ov.n, &e);
    if (sc && ts_result_check_name(sc->name, o.positional[0], &e) != TS_OK) {
        ts_scenario_free(sc);
        sc = NULL;
    }
    ts_status st = sc ? ts_cal_target_read(o.target, sc, &t, &e) : e.code;
    const char *dir = o.out ? o.out : "results";
    char folder[4096], rel[8192];
    int lock = -1;
    if (st == TS_OK && !ts_result_folder(sc, dir, folder, sizeof folder))
        st = ts_error_set(&e, TS_EIO, "%s/%s: path too long", dir, sc->name);
    if (st == TS_OK && (st = ts_result_lock(dir, &lock, &e)) == TS_OK)
        st = ts_fs_mkdirs(folder, &e);
    if (st == TS_OK) {
        relative_to(o.positional[0], folder, rel, sizeof rel);
        co.extends = rel;
    }
    progress_ctx pc = {.err = err, .name = sc ? sc->name : ""};
    co.cancel = &in.flag;
    if (!o.quiet && isatty(fileno(err))) {
        co.progress = progress;
        co.progress_ctx = &pc;
    }
    ts_cal_result res = {0};
    time_t t0 = time(NULL);
    if (st == TS_OK && !ts_interrupted(&in))
        st = ts_calibrate(sc, &t, folder, &co, &res, &e);
    if (co.progress)
        fputc('\n', err);
    ts_interrupt_stop(&in);
    int sig = ts_interrupted(&in);
    if (sig) {
        fprintf(err, "tradesim calibrate: %s: interrupted by signal %d; the runs finished are "
                "kept in %s/%s: run again with --resume\n", sc ? sc->name : o.positional[0], sig,
                sc ? folder : dir, TS_CAL_PARTIAL);
        st = TS_EIO;
    } else if (st != TS_OK) {
        fprintf(err, "%s\n", e.msg);
    } else if (!o.quiet) {
        fprintf(out, "%s: %s, %d parameters, %d runs in %.0f s; distance in sample %.6g, "
                "out of sample %.6g\n", folder, ts_cal_method_names[co.method], sc->n_uncertain,
                res.evaluations, difftime(time(NULL), t0), res.distance, res.distance_out);
    }
    ts_result_unlock(lock);
    ts_cal_target_free(&t);
    ts_scenario_free(sc);
    return st == TS_OK ? 0 : st == TS_EBAD ? TS_EBAD : TS_EIO;
}
