/* Charts of an experiment folder: a tornado chart of each output's
 * sensitivity indices, and each output against the factors (a sweep's lines
 * for a grid or a one-factor design, a scatter per factor otherwise). See
 * plot.h, "experiment folders", and docs/cli.md under `tradesim plot`.
 *
 * The scripts follow plot.c's rules (data inlined as datablocks, text in
 * single quotes, `noenhanced`) and are drawn by gnuplot.c, atomically. The
 * functions here only read the loaded folder. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "tradesim/fs.h"

enum { EXP_W = 960, BAR_ROW = 30 };

/* Half the height of a bar, with two bars a parameter side by side. */
#define BAR_HALF 0.17

static void put_number(ts_text *b, double v)
{
    if (isfinite(v))
        ts_text_printf(b, " %.10g", v);
    else
        ts_text_puts(b, " ?");
}

static void put_head(ts_text *body, const char *title, const char *xlabel, const char *ylabel)
{
    ts_text_puts(body, "set datafile missing '?'\nset border 3\nset tics nomirror\n"
                       "set grid lc rgb '#d0d0d0'\nset title ");
    ts_pl_quote(body, title);
    ts_text_puts(body, " font 'Sans,13'\nset xlabel ");
    ts_pl_quote(body, xlabel);
    ts_text_puts(body, "\nset ylabel ");
    ts_pl_quote(body, ylabel);
    ts_text_puts(body, "\n");
}

/* ---- tornado ------------------------------------------------------------ */

typedef struct {
    const ts_plot_exp *x;
    const char *output;
    const ts_plot_tornado *t;
} tornado_chart;

/* What an index is called in the key. */
static const char *index_label(const char *index)
{
    static const char *const names[][2] = {
        {"ST", "ST (total effect)"},    {"S1", "S1 (first order)"},
        {"mu_star", "mu* (mean |elementary effect|)"},
        {"sigma", "sigma (spread of the effects)"},
        {"PRCC", "PRCC (partial rank correlation)"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(index, names[i][0]) == 0)
            return names[i][1];
    return index;
}

static const char *method_axis(const char *method)
{
    if (strcmp(method, "sobol") == 0)
        return "Sobol index (share of the output's variance)";
    if (strcmp(method, "morris") == 0)
        return "Morris elementary effect (output units)";
    if (strcmp(method, "given_data") == 0)
        return "given-data index (PRCC signed)";
    return method;
}

static char *tornado_script(const void *ctx, const ts_plot_files *files, ts_error *err)
{
    const tornado_chart *c = ctx;
    const ts_plot_tornado *t = c->t;
    if (!ts_pl_path_ok(files->png, err) || !ts_pl_path_ok(files->svg, err))
        return NULL;
    ts_text blocks = {0}, body = {0}, title = {0};
    int slots = t->index[1] ? 2 : 1;
    /* The most important parameter on top: bar b at y = n - 1 - b; with two
     * indices the secondary (S1 beside ST) above the primary. */
    for (int k = 0; k < slots; k++) {
        ts_text_printf(&blocks, "$b%d << EOD\n", k);
        for (size_t b = 0; b < t->n; b++) {
            double y = (double)(t->n - 1 - b) + (slots == 1 ? 0.0 : k == 0 ? -0.2 : 0.2);
            ts_text_printf(&blocks, "%.3f", y);
            put_number(&blocks, t->bars[b].value[k]);
            put_number(&blocks, t->bars[b].lo[k]);
            put_number(&blocks, t->bars[b].hi[k]);
            ts_text_puts(&blocks, "\n");
        }
        ts_text_puts(&blocks, "EOD\n");
    }
    ts_text_printf(&title, "%s: %s, sensitivity to each parameter (sorted by %s%s)",
                   ts_plot_exp_name(c->x), c->output,
                   strcmp(t->method, "given_data") == 0 ? "|PRCC|" : t->index[0],
                   strcmp(t->method, "sobol") == 0 ? ", bootstrap 95% intervals" : "");
    put_head(&body, title.s ? title.s : "", method_axis(t->method), "");
    ts_text_printf(&body, "set yrange [-0.6:%.3f]\nset ytics (", (double)t->n - 0.4);
    for (size_t b = 0; b < t->n; b++) {
        ts_pl_quote(&body, t->bars[b].parameter);
        ts_text_printf(&body, " %zu%s", t->n - 1 - b, b + 1 < t->n ? ", " : "");
    }
    ts_text_puts(&body, ")\nset grid noytics\n"
                        "set arrow 1 from first 0, graph 0 to first 0, graph 1 nohead "
                        "lc rgb '#404040' lw 1\n"
                        "set key outside right top vertical Left reverse\n"
                        "set offsets graph 0.04, graph 0.04, 0, 0\nplot ");
    double half = slots == 1 ? 2 * BAR_HALF : BAR_HALF;
    /* Secondary first so the key reads S1, ST as the bars do top to bottom. */
    for (int k = slots - 1; k >= 0; k--) {
        ts_text_printf(&body, "$b%d using 2:1:($2<0?$2:0):($2<0?0:$2):($1-%.3f):($1+%.3f) "
                              "with boxxyerror fs solid 0.75 noborder fc rgb '%s' title ",
                       k, half, half, ts_pl_colour(k == 0 ? 0 : 1));
        ts_pl_quote(&body, index_label(t->index[k]));
        ts_text_puts(&body, ", \\\n     ");
    }
    for (int k = slots - 1; k >= 0; k--)
        ts_text_printf(&body, "$b%d using 2:1:3:4 with xerrorbars pt 0 lw 1.2 lc rgb '#202020' "
                              "%s%s",
                       k, k == 0 ? "title '95% interval'" : "notitle",
                       k > 0 ? ", \\\n     " : "\n");
    body.oom = body.oom || title.oom;
    free(title.s);
    int h = 160 + (int)t->n * BAR_ROW * slots;
    return ts_pl_finish(&blocks, &body, files, EXP_W + 300, h < 360 ? 360 : h, err);
}

/* ---- sweep and scatter -------------------------------------------------- */

typedef struct {
    const ts_plot_exp *x;
    const char *output;
    const ts_plot_sweep *s;   /* NULL: the scatter */
} versus_chart;

static void put_capped_key(ts_text *body, const ts_plot_exp *x, const ts_plot_sweep *s)
{
    if (ts_plot_exp_n_factors(x) < 2) {
        ts_text_puts(body, "set key top left\n");
        return;
    }
    ts_text t = {0};
    for (size_t j = 1; j < ts_plot_exp_n_factors(x); j++)
        ts_text_printf(&t, "%s%s", j > 1 ? ", " : "", ts_plot_exp_factor(x, j));
    if (s->n_lines < s->n_combos)
        ts_text_printf(&t, " (%zu of %zu combinations shown)", s->n_lines, s->n_combos);
    ts_text_puts(body, "set key outside right top vertical Left reverse title ");
    ts_pl_quote(body, t.s ? t.s : "");
    ts_text_puts(body, "\n");
    body->oom = body->oom || t.oom;
    free(t.s);
}

static char *sweep_script(const versus_chart *c, const ts_plot_files *files, ts_error *err)
{
    const ts_plot_sweep *s = c->s;
    ts_text blocks = {0}, body = {0}, title = {0}, ylabel = {0};
    for (size_t i = 0; i < s->n_lines; i++) {
        ts_text_printf(&blocks, "$l%zu << EOD\n", i);
        for (size_t p = 0; p < s->lines[i].n; p++) {
            ts_text_printf(&blocks, "%.10g", s->lines[i].x[p]);
            put_number(&blocks, s->lines[i].y[p]);
            ts_text_puts(&blocks, "\n");
        }
        ts_text_puts(&blocks, "EOD\n");
    }
    const char *f0 = ts_plot_exp_factor(c->x, 0);
    ts_text_printf(&title, "%s: %s against %s", ts_plot_exp_name(c->x), c->output, f0);
    ts_text_printf(&ylabel, "%s (mean over replicates)", c->output);
    put_head(&body, title.s ? title.s : "", f0, ylabel.s ? ylabel.s : "");
    put_capped_key(&body, c->x, s);
    ts_text_puts(&body, "set autoscale xfix\n"
                        "set offsets graph 0.02, graph 0.02, graph 0.04, graph 0.04\nplot ");
    for (size_t i = 0; i < s->n_lines; i++) {
        ts_text_printf(&body, "$l%zu using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb '%s' "
                              "title ",
                       i, ts_pl_colour(i));
        ts_pl_quote(&body, s->lines[i].label[0] ? s->lines[i].label : "mean over replicates");
        ts_text_puts(&body, i + 1 < s->n_lines ? ", \\\n     " : "\n");
    }
    body.oom = body.oom || title.oom || ylabel.oom;
    free(title.s);
    free(ylabel.s);
    bool keyed = ts_plot_exp_n_factors(c->x) > 1;
    return ts_pl_finish(&blocks, &body, files, EXP_W + (keyed ? 300 : 0), 560, err);
}

static char *scatter_script(const versus_chart *c, const ts_plot_files *files, ts_error *err)
{
    const ts_plot_exp *x = c->x;
    size_t k = ts_plot_exp_n_factors(x), n = ts_plot_exp_n_points(x);
    const double *y = ts_plot_exp_column(x, c->output);
    ts_text blocks = {0}, body = {0}, title = {0};
    ts_text_puts(&blocks, "$p << EOD\n");
    for (size_t p = 0; p < n; p++) {
        put_number(&blocks, y[p]);
        for (size_t j = 0; j < k; j++)
            put_number(&blocks, ts_plot_exp_design(x, p, j));
        ts_text_puts(&blocks, "\n");
    }
    ts_text_puts(&blocks, "EOD\n");
    size_t cols = k < 3 ? k : 3, rows = (k + cols - 1) / cols;
    ts_text_printf(&title, "%s: %s (mean over replicates) against each factor, %zu points",
                   ts_plot_exp_name(x), c->output, n);
    ts_text_printf(&body, "set multiplot layout %zu,%zu title ", rows, cols);
    ts_pl_quote(&body, title.s ? title.s : "");
    ts_text_puts(&body, " font 'Sans,13'\n");
    for (size_t j = 0; j < k; j++) {
        put_head(&body, ts_plot_exp_factor(x, j), ts_plot_exp_factor(x, j),
                 j % cols == 0 ? c->output : "");
        ts_text_printf(&body, "unset key\nplot $p using %zu:1 with points pt 7 ps 0.5 "
                              "lc rgb '%s'\n",
                       j + 2, ts_pl_colour(0));
    }
    ts_text_puts(&body, "unset multiplot\n");
    body.oom = body.oom || title.oom;
    free(title.s);
    return ts_pl_finish(&blocks, &body, files, (int)cols * 440 + 40, (int)rows * 380 + 60, err);
}

static char *versus_script(const void *ctx, const ts_plot_files *files, ts_error *err)
{
    const versus_chart *c = ctx;
    if (!ts_pl_path_ok(files->png, err) || !ts_pl_path_ok(files->svg, err))
        return NULL;
    return c->s ? sweep_script(c, files, err) : scatter_script(c, files, err);
}

/* ---- drawing ------------------------------------------------------------ */

static bool tornado_defined(const ts_plot_tornado *t)
{
    for (size_t b = 0; b < t->n; b++)
        if (isfinite(t->bars[b].value[0]) || isfinite(t->bars[b].value[1]))
            return true;
    return false;
}

static bool column_defined(const ts_plot_exp *x, const double *col)
{
    for (size_t p = 0; col && p < ts_plot_exp_n_points(x); p++)
        if (isfinite(col[p]))
            return true;
    return false;
}

static void note(const ts_plot_options *opt, const char *output, const char *what)
{
    if (opt->notes)
        fprintf(opt->notes, "note: %s %s\n", output, what);
}

static ts_status draw(const char *name, const char *kind, const char *output,
                      ts_pl_script_fn build, const void *ctx, const ts_plot_options *opt,
                      ts_error *err)
{
    ts_text prefix = {0};
    ts_text_printf(&prefix, "%s_%s", name, kind);
    char *stem = prefix.oom ? NULL : ts_pl_file_part(prefix.s, output);
    free(prefix.s);
    ts_status rc = stem ? ts_pl_draw_script(stem, build, ctx, opt, err)
                        : ts_error_set(err, TS_EIO, "out of memory");
    free(stem);
    return rc;
}

static ts_status draw_output(const ts_plot_exp *x, const char *output, const ts_plot_options *opt,
                             ts_error *err)
{
    ts_plot_tornado t;
    ts_status rc = ts_plot_exp_tornado(x, output, &t, err);
    if (rc == TS_OK && !tornado_defined(&t))
        note(opt, output, "has no defined sensitivity index: no tornado chart");
    else if (rc == TS_OK)
        rc = draw(ts_plot_exp_name(x), "tornado", output, tornado_script,
                  &(tornado_chart){.x = x, .output = output, .t = &t}, opt, err);
    ts_plot_tornado_free(&t);
    if (rc != TS_OK)
        return rc;
    const double *col = ts_plot_exp_column(x, output);
    if (!col) {
        note(opt, output, "is not a column of points.csv: no chart against the factors");
        return TS_OK;
    }
    if (!column_defined(x, col)) {
        note(opt, output, "has no finite value (all NaN or infinite): no chart against the factors");
        return TS_OK;
    }
    bool sweep = ts_plot_exp_is_grid(x) || ts_plot_exp_n_factors(x) == 1;
    ts_plot_sweep s = {0};
    if (sweep)
        rc = ts_plot_exp_sweep(x, output, TS_PLOT_MAX_LINES, &s, err);
    if (rc == TS_OK)
        rc = draw(ts_plot_exp_name(x), sweep ? "sweep" : "scatter", output, versus_script,
                  &(versus_chart){.x = x, .output = output, .s = sweep ? &s : NULL}, opt, err);
    ts_plot_sweep_free(&s);
    return rc;
}

ts_status ts_plot_exp_draw(const ts_plot_exp *x, const ts_plot_options *opt, ts_error *err)
{
    ts_error_clear(err);
    ts_status rc = ts_fs_mkdirs(opt->out_dir, err);
    for (size_t i = 0; rc == TS_OK && i < ts_plot_exp_n_outputs(x); i++)
        rc = draw_output(x, ts_plot_exp_output(x, i), opt, err);
    return rc;
}
