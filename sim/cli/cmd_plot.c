/* tradesim plot: PNG and SVG charts of result folders through gnuplot.
 *
 * One folder: per issue `<name>_<issue>` and `<name>_totals`, by default in
 * RESULT_DIR/plots. Several: `compare_<issue>` and `compare_totals`, by
 * default in ./plots. A batch's output folder (batch.csv, no aggregate.csv)
 * stands for its result folders, overlaid, by default in BATCH_DIR/plots.
 * An experiment folder (design.csv, points.csv, sensitivity.csv) is plotted
 * on its own: tornado charts and each output against the factors, by default
 * in EXPERIMENT_DIR/plots, with the peeling trade-off of its discover/
 * folder when there is one. A discover folder alone (peeling.csv) gets that
 * chart, by default in its own plots/. Every folder is read before any chart is drawn, so
 * a bad folder leaves nothing behind. The charts written are listed on
 * stdout. */
#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tradesim/cli.h"
#include "tradesim/error.h"
#include "tradesim/plot.h"

const ts_cli_spec ts_cmd_plot_spec = {
    .name = "plot",
    .summary = "draw PNG and SVG charts of result folders with gnuplot",
    .accept = "oh",
    .min_pos = 1,
    .max_pos = -1,
    .what = "at least one result folder",
    .usage =
    "usage: tradesim plot RESULT_DIR... [-o DIR]\n"
    "       tradesim plot EXPERIMENT_DIR [-o DIR]\n"
    "       tradesim plot DISCOVER_DIR [-o DIR]\n"
    "\n"
    "Per issue a fan chart (median, 5-95% band) and each actor's cumulative\n"
    "payoff; with several folders, one chart per issue with all overlaid.\n"
    "An experiment folder gets a tornado chart of each output's sensitivity\n"
    "indices and the output against the factors (a sweep or a scatter), and\n"
    "the peeling trade-off of its discover/ folder when `tradesim discover`\n"
    "wrote one; a discover folder alone gets that chart.\n"
    "\n"
    "  -o, --output DIR       where the charts go (default: RESULT_DIR/plots or\n"
    "                         EXPERIMENT_DIR/plots for one folder, ./plots for several)\n",
};

static bool has_file(const char *dir, const char *file)
{
    char p[4096];
    struct stat st;
    return snprintf(p, sizeof p, "%s/%s", dir, file) < (int)sizeof p && stat(p, &st) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Room for one more path in *v (cap entries, k used); false when memory
 * runs out, with *v freed. */
static bool grow(char ***v, size_t k, size_t *cap)
{
    if (k < *cap)
        return true;
    char **g = realloc(*v, 2 * *cap * sizeof *g);
    if (!g) {
        for (size_t i = 0; i < k; i++)
            free((*v)[i]);
        free(*v);
        *v = NULL;
        return false;
    }
    *v = g;
    *cap *= 2;
    return true;
}

/* The folders to load: each argument, or for a batch's output folder its
 * result folders in name order. NULL when memory runs out. */
static char **expand(char **args, int n, size_t *count, bool *batch)
{
    size_t cap = 16, k = 0;
    char **v = malloc(cap * sizeof *v);
    *batch = false;
    for (int i = 0; v && i < n; i++) {
        size_t first = k;
        DIR *d = NULL;
        if (!has_file(args[i], "aggregate.csv") && has_file(args[i], "batch.csv"))
            d = opendir(args[i]);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            char p[4096];
            if (de->d_name[0] == '.' ||
                snprintf(p, sizeof p, "%s/%s", args[i], de->d_name) >= (int)sizeof p ||
                !has_file(p, "aggregate.csv"))
                continue;
            char *dup = grow(&v, k, &cap) ? strdup(p) : NULL;
            if (!dup) {
                for (size_t j = 0; v && j < k; j++)
                    free(v[j]);
                free(v);
                closedir(d);
                return NULL;
            }
            v[k++] = dup;
            *batch = true;
        }
        if (d)
            closedir(d);
        if (k > first) {
            qsort(v + first, k - first, sizeof *v, cmp_str);
            continue;
        }
        if (!grow(&v, k, &cap))
            return NULL;
        v[k++] = strdup(args[i]);
    }
    *count = k;
    return v;
}

/* One experiment folder: load, then draw into -o or DIR/plots. */
static int plot_experiment(const ts_cli_opts *o, FILE *out, FILE *err)
{
    ts_error e;
    ts_plot_exp *x = ts_plot_exp_load(o->positional[0], &e);
    if (!x) {
        fprintf(err, "tradesim plot: %s\n", e.msg);
        return e.code;
    }
    char *def_out = NULL;
    const char *out_dir = o->out;
    if (!out_dir) {
        size_t len = strlen(o->positional[0]) + sizeof "/plots";
        if ((def_out = malloc(len)) != NULL)
            snprintf(def_out, len, "%s/plots", o->positional[0]);
        out_dir = def_out;
    }
    int rc = TS_OK;
    if (!out_dir) {
        fprintf(err, "tradesim plot: out of memory\n");
        rc = TS_EIO;
    } else {
        ts_plot_options opt = {.out_dir = out_dir, .list = out, .notes = err};
        rc = ts_plot_exp_draw(x, &opt, &e);
        char disc[4200];
        snprintf(disc, sizeof disc, "%s/discover", o->positional[0]);
        ts_plot_peel p;
        if (rc == TS_OK && ts_plot_is_discover(disc) &&
            (rc = ts_plot_peel_load(disc, &p, &e)) == TS_OK) {
            rc = ts_plot_peel_draw(&p, &opt, &e);
            ts_plot_peel_free(&p);
        }
        if (rc != TS_OK)
            fprintf(err, "tradesim plot: %s\n", e.msg);
    }
    free(def_out);
    ts_plot_exp_free(x);
    return rc;
}

/* One discover folder (peeling.csv): its trade-off chart into -o or
 * DIR/plots. */
static int plot_discover(const ts_cli_opts *o, FILE *out, FILE *err)
{
    ts_error e;
    ts_plot_peel p;
    if (ts_plot_peel_load(o->positional[0], &p, &e) != TS_OK) {
        fprintf(err, "tradesim plot: %s\n", e.msg);
        return e.code;
    }
    char def_out[4200];
    snprintf(def_out, sizeof def_out, "%s/plots", o->positional[0]);
    ts_plot_options opt = {.out_dir = o->out ? o->out : def_out, .list = out, .notes = err};
    int rc = ts_plot_peel_draw(&p, &opt, &e);
    if (rc != TS_OK)
        fprintf(err, "tradesim plot: %s\n", e.msg);
    ts_plot_peel_free(&p);
    return rc;
}

static bool is_experiment(const char *dir)
{
    return !has_file(dir, "aggregate.csv") && ts_plot_is_experiment(dir);
}

int ts_cmd_plot(int argc, char **argv, FILE *out, FILE *err)
{
    ts_cli_opts o;
    int rc = ts_cli_begin(argc, argv, &ts_cmd_plot_spec, &o, out, err);
    if (rc >= 0)
        return rc;
    for (int i = 0; i < o.n_positional; i++) {
        bool discover = !has_file(o.positional[i], "aggregate.csv") &&
                        ts_plot_is_discover(o.positional[i]);
        if (discover && o.n_positional == 1)
            return plot_discover(&o, out, err);
        if (discover) {
            fprintf(err, "tradesim plot: %s: a discover folder is plotted on its own\n",
                    o.positional[i]);
            return TS_EBAD;
        }
        if (!is_experiment(o.positional[i]))
            continue;
        if (o.n_positional == 1)
            return plot_experiment(&o, out, err);
        fprintf(err, "tradesim plot: %s: an experiment folder is plotted on its own\n",
                o.positional[i]);
        return TS_EBAD;
    }
    rc = TS_OK;
    size_t n = 0;
    bool batch = false;
    char **dirs = expand((char **)o.positional, o.n_positional, &n, &batch);
    ts_plot_data **d = dirs ? calloc(n ? n : 1, sizeof *d) : NULL;
    char *def_out = NULL;
    if (!d) {
        fprintf(err, "tradesim plot: out of memory\n");
        for (size_t i = 0; dirs && i < n; i++)
            free(dirs[i]);
        free(dirs);
        return TS_EIO;
    }
    ts_error e;
    for (size_t i = 0; i < n && rc == TS_OK; i++) {
        d[i] = dirs[i] ? ts_plot_load(dirs[i], &e) : NULL;
        if (!dirs[i])
            ts_error_set(&e, TS_EIO, "out of memory");
        if (!d[i]) {
            fprintf(err, "tradesim plot: %s\n", e.msg);
            rc = e.code;
        }
    }
    const char *out_dir = o.out;
    if (rc == TS_OK && !out_dir) {
        if (n == 1 || (batch && o.n_positional == 1)) {
            size_t len = strlen(o.positional[0]) + sizeof "/plots";
            def_out = malloc(len);
            if (def_out) {
                snprintf(def_out, len, "%s/plots", o.positional[0]);
                out_dir = def_out;
            } else {
                fprintf(err, "tradesim plot: out of memory\n");
                rc = TS_EIO;
            }
        } else {
            out_dir = "plots";
        }
    }
    if (rc == TS_OK) {
        ts_plot_options opt = {.out_dir = out_dir, .list = out, .notes = err};
        rc = ts_plot_draw((const ts_plot_data *const *)d, n, &opt, &e);
        if (rc != TS_OK)
            fprintf(err, "tradesim plot: %s\n", e.msg);
    }
    for (size_t i = 0; i < n; i++) {
        ts_plot_free(d[i]);
        free(dirs[i]);
    }
    free(dirs);
    free(d);
    free(def_out);
    return rc;
}
