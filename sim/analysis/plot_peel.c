/* The peeling trade-off of a `tradesim discover` folder (peeling.csv): each
 * box's peeling trajectory as density against coverage, the step PRIM chose
 * marked and labelled, the share of rows meeting the condition (the density
 * of the whole space) as a baseline. See plot.h and docs/cli.md, `plot`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plot_internal.h"
#include "tradesim/csvread.h"
#include "tradesim/fs.h"

static const char *const peel_head[] = {"box", "step", "coverage", "density", "mass",
                                        "restricted", "chosen"};
enum { P_BOX, P_STEP, P_COVERAGE, P_DENSITY, P_MASS, P_RESTRICTED, P_CHOSEN, P_N };

bool ts_plot_is_discover(const char *dir)
{
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/peeling.csv", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

void ts_plot_peel_free(ts_plot_peel *p)
{
    free(p->rows);
    free(p->name);
    memset(p, 0, sizeof *p);
}

/* The chart's name: the experiment's or run's for DIR/<name>/discover,
 * else the folder's own. */
static char *peel_name(const char *dir)
{
    char *last = ts_pl_folder_name(dir);
    if (!last || strcmp(last, "discover") != 0)
        return last;
    free(last);
    size_t n = strlen(dir);
    char *parent = malloc(n + 4);
    if (!parent)
        return NULL;
    snprintf(parent, n + 4, "%s/..", dir);
    char *name = ts_pl_folder_name(parent);
    free(parent);
    return name;
}

static ts_status read_rows(ts_csvread *r, ts_plot_peel *p, ts_error *err)
{
    const char *path = ts_csvread_path(r);
    bool got = false;
    ts_status st = ts_csvread_next(r, &got, err);
    if (st != TS_OK)
        return st;
    if (!got)
        return ts_error_set(err, TS_EBAD, "%s: empty file", path);
    for (size_t j = 0; j < P_N; j++)
        if (ts_csvread_count(r) != P_N || strcmp(ts_csvread_field(r, j), peel_head[j]) != 0)
            return ts_error_set(err, TS_EBAD, "%s:1: expected the header "
                                "box,step,coverage,density,mass,restricted,chosen", path);
    size_t cap = 0;
    for (;;) {
        if ((st = ts_csvread_next(r, &got, err)) != TS_OK || !got)
            break;
        size_t line = ts_csvread_line(r);
        if (ts_csvread_count(r) != P_N)
            return ts_error_set(err, TS_EBAD, "%s:%zu: %zu fields, the header has %d", path, line,
                                ts_csvread_count(r), P_N);
        double v[P_N];
        for (size_t j = 0; j < P_N; j++)
            if (!ts_csvread_number(ts_csvread_field(r, j), &v[j]) || !isfinite(v[j]))
                return ts_error_set(err, TS_EBAD, "%s:%zu: %s: expected a number, got '%.40s'",
                                    path, line, peel_head[j], ts_csvread_field(r, j));
        if (v[P_BOX] < 1 || v[P_BOX] != floor(v[P_BOX]) || v[P_BOX] > 1000 ||
            v[P_COVERAGE] < 0 || v[P_COVERAGE] > 1 || v[P_DENSITY] < 0 || v[P_DENSITY] > 1)
            return ts_error_set(err, TS_EBAD, "%s:%zu: a box from 1, and coverage and density "
                                "in [0, 1]", path, line);
        if (p->n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            ts_plot_peel_row *g = realloc(p->rows, nc * sizeof *g);
            if (!g)
                return ts_error_set(err, TS_EIO, "out of memory reading %s", path);
            p->rows = g;
            cap = nc;
        }
        p->rows[p->n++] = (ts_plot_peel_row){.box = (int)v[P_BOX],
                                             .coverage = v[P_COVERAGE],
                                             .density = v[P_DENSITY],
                                             .mass = v[P_MASS],
                                             .restricted = (int)v[P_RESTRICTED],
                                             .chosen = v[P_CHOSEN] != 0};
        if (p->rows[p->n - 1].box > p->n_boxes)
            p->n_boxes = p->rows[p->n - 1].box;
    }
    if (st == TS_OK && p->n == 0)
        st = ts_error_set(err, TS_EBAD, "%s: no peeling step", path);
    return st;
}

ts_status ts_plot_peel_load(const char *dir, ts_plot_peel *p, ts_error *err)
{
    memset(p, 0, sizeof *p);
    char path[4200];
    snprintf(path, sizeof path, "%s/peeling.csv", dir);
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r)
        return err ? err->code : TS_EBAD;
    ts_status st = read_rows(r, p, err);
    ts_csvread_free(r);
    if (st == TS_OK && !(p->name = peel_name(dir)))
        st = ts_error_set(err, TS_EIO, "out of memory reading %s", path);
    if (st != TS_OK)
        ts_plot_peel_free(p);
    return st;
}

static char *peel_script(const void *ctx, const ts_plot_files *files, ts_error *err)
{
    const ts_plot_peel *p = ctx;
    if (!ts_pl_path_ok(files->png, err) || !ts_pl_path_ok(files->svg, err))
        return NULL;
    ts_text blocks = {0}, body = {0};
    /* One datablock a box: its steps in order, then its chosen step. */
    for (int b = 1; b <= p->n_boxes; b++) {
        ts_text_printf(&blocks, "$box%d << EOD\n", b);
        for (size_t i = 0; i < p->n; i++)
            if (p->rows[i].box == b)
                ts_text_printf(&blocks, "%.10g %.10g %d\n", p->rows[i].coverage,
                               p->rows[i].density, p->rows[i].restricted);
        ts_text_printf(&blocks, "EOD\n$chosen%d << EOD\n", b);
        for (size_t i = 0; i < p->n; i++)
            if (p->rows[i].box == b && p->rows[i].chosen)
                ts_text_printf(&blocks, "%.10g %.10g %d\n", p->rows[i].coverage,
                               p->rows[i].density, p->rows[i].restricted);
        ts_text_puts(&blocks, "EOD\n");
    }
    ts_text_puts(&body, "set border 3\nset tics nomirror\nset grid lc rgb '#d0d0d0'\nset title ");
    ts_text t = {0};
    ts_text_printf(&t, "%s: the peeling trade-off of each PRIM box", p->name);
    ts_pl_quote(&body, t.s ? t.s : "");
    body.oom = body.oom || t.oom;
    free(t.s);
    ts_text_puts(&body, " font 'Sans,13'\nset xlabel 'coverage (share of the rows meeting the "
                        "condition that fall in the box)'\nset ylabel 'density (share of the "
                        "box meeting the condition)'\nset xrange [0:1.02]\nset yrange [0:1.02]\n"
                        "set key bottom left\n");
    /* the first step of box 1 is the whole space: its density the base rate */
    for (size_t i = 0; i < p->n; i++)
        if (p->rows[i].box == 1) {
            ts_text_printf(&body, "set arrow from 0,%.10g to 1,%.10g nohead dt 2 lc rgb '#808080'\n",
                           p->rows[i].density, p->rows[i].density);
            break;
        }
    ts_text_puts(&body, "plot ");
    for (int b = 1; b <= p->n_boxes; b++) {
        const char *c = ts_pl_colour((size_t)b - 1);
        ts_text_printf(&body, "%s$box%d using 1:2 with linespoints pt 7 ps 0.5 lw 1.5 lc rgb '%s' "
                              "title 'box %d', \\\n     $chosen%d using 1:2 with points pt 6 ps 2.5 "
                              "lw 2 lc rgb '%s' notitle, \\\n     $chosen%d using 1:2:(sprintf('box %d: "
                              "%%d restricted', $3)) with labels offset 1,1 left notitle",
                       b > 1 ? ", \\\n     " : "", b, c, b, b, c, b, b);
    }
    ts_text_puts(&body, "\n");
    return ts_pl_finish(&blocks, &body, files, 960, 640, err);
}

ts_status ts_plot_peel_draw(const ts_plot_peel *p, const ts_plot_options *opt, ts_error *err)
{
    ts_status rc = ts_fs_mkdirs(opt->out_dir, err);
    char *stem = rc == TS_OK ? ts_pl_file_part(p->name, "peeling") : NULL;
    if (rc == TS_OK && !stem)
        rc = ts_error_set(err, TS_EIO, "out of memory");
    if (rc == TS_OK)
        rc = ts_pl_draw_script(stem, peel_script, p, opt, err);
    free(stem);
    return rc;
}
