/* Running gnuplot on one chart's script (see plot.h, ts_plot_draw(), and
 * docs/cli.md, "Files and failures" under `tradesim plot`).
 *
 * The script and gnuplot's error log go to fresh hidden files in the output
 * folder (mkstemp), and the charts to hidden names `.<stem>.png.tmp.<pid>` and
 * `.<stem>.svg.tmp.<pid>` beside their final ones. The charts are renamed into
 * place only after gnuplot exited with status 0 and both files are non-empty,
 * so no half-written chart is ever left under a final name; every temporary
 * file is removed whatever the outcome. gnuplot is started with posix_spawnp,
 * its standard input and output on /dev/null and its standard error in the
 * log, whose last line is quoted when it fails.
 *
 * Nothing here keeps state between calls; two calls that draw the same stem
 * into the same folder at once would share temporary names. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot_internal.h"
#include "tradesim/text.h"

extern char **environ;

/* The last non-blank line of a (small) log file, for error messages. */
static void last_line(const char *path, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = '\0';
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s) {
            size_t k = strlen(s) < n - 1 ? strlen(s) : n - 1;
            memcpy(out, s, k);
            out[k] = '\0';
        }
    }
    fclose(f);
}

static ts_status run_gnuplot(const char *prog, const char *script, const char *log,
                             const char *what, ts_error *err)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return ts_error_set(err, TS_EIO, "cannot start gnuplot: out of memory");
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    char *argv[] = {(char *)prog, (char *)script, NULL};
    if (rc == 0)
        rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc == ENOENT)
        return ts_error_set(err, TS_EIO, "%s not found; install gnuplot-nox", prog);
    if (rc != 0)
        return ts_error_set(err, TS_EIO, "cannot start %s: %s", prog, strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return ts_error_set(err, TS_EIO, "waiting for %s: %s", prog, strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return TS_OK;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return ts_error_set(err, TS_EIO, "%s not found; install gnuplot-nox", prog);
    char msg[400];
    last_line(log, msg, sizeof msg);
    if (WIFSIGNALED(status))
        return ts_error_set(err, TS_EIO, "%s killed by signal %d while drawing %s", prog,
                            WTERMSIG(status), what);
    return ts_error_set(err, TS_EIO, "%s failed (exit %d) drawing %s: %s", prog,
                        WEXITSTATUS(status), what, msg[0] ? msg : "no message");
}

static char *join(const char *dir, const char *a, const char *b, const char *c)
{
    ts_text s = {0};
    ts_text_printf(&s, "%s/%s%s%s", dir, a, b, c);
    if (s.oom) {
        free(s.s);
        return NULL;
    }
    return s.s;
}

/* Writes text to a fresh hidden file in dir; returns its malloc'd path. */
static char *write_temp(const char *dir, const char *tag, const char *text, ts_error *err)
{
    char *path = join(dir, ".tradesim-plot-", tag, ".XXXXXX");
    if (!path) {
        ts_error_set(err, TS_EIO, "out of memory");
        return NULL;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        ts_error_set(err, TS_EIO, "cannot create a file in %s: %s", dir, strerror(errno));
        free(path);
        return NULL;
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ts_error_set(err, TS_EIO, "%s: %s", path, strerror(errno));
            close(fd);
            unlink(path);
            free(path);
            return NULL;
        }
        done += (size_t)w;
    }
    if (close(fd) != 0) {
        ts_error_set(err, TS_EIO, "%s: %s", path, strerror(errno));
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

static bool non_empty(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* The script of a fan or totals chart (see ts_pl_draw_chart()). */
typedef struct {
    const ts_plot_data *const *d;
    size_t n;
    const char *issue;
} fan_chart;

static char *fan_script(const void *ctx, const ts_plot_files *files, ts_error *err)
{
    const fan_chart *c = ctx;
    return c->issue ? ts_plot_issue_script(c->d, c->n, c->issue, files, err)
                    : ts_plot_totals_script(c->d, c->n, files, err);
}

ts_status ts_pl_draw_chart(const ts_plot_data *const *d, size_t n, const char *issue,
                           const char *stem, const ts_plot_options *opt, ts_error *err)
{
    fan_chart c = {.d = d, .n = n, .issue = issue};
    return ts_pl_draw_script(stem, fan_script, &c, opt, err);
}

/* stem is the final name without extension. */
ts_status ts_pl_draw_script(const char *stem, ts_pl_script_fn build, const void *ctx,
                            const ts_plot_options *opt, ts_error *err)
{    const char *dir = opt->out_dir;
    const char *prog = opt->gnuplot ? opt->gnuplot : "gnuplot";
    char pid[32];
    snprintf(pid, sizeof pid, ".tmp.%ld", (long)getpid());
    char *png = join(dir, stem, ".png", ""), *svg = join(dir, stem, ".svg", "");
    ts_text tp = {0}, ts = {0};
    ts_text_printf(&tp, "%s/.%s.png%s", dir, stem, pid);
    ts_text_printf(&ts, "%s/.%s.svg%s", dir, stem, pid);
    char *script = NULL, *spath = NULL, *lpath = NULL;
    ts_status rc = TS_OK;
    if (!png || !svg || tp.oom || ts.oom) {
        rc = ts_error_set(err, TS_EIO, "out of memory");
        goto done;
    }
    ts_plot_files files = {.png = tp.s, .svg = ts.s};
    script = build(ctx, &files, err);
    if (!script) {
        rc = err ? err->code : TS_EIO;
        goto done;
    }
    spath = write_temp(dir, "script", script, err);
    lpath = spath ? write_temp(dir, "log", "", err) : NULL;
    if (!spath || !lpath) {
        rc = TS_EIO;
        goto done;
    }
    rc = run_gnuplot(prog, spath, lpath, png, err);
    if (rc == TS_OK && (!non_empty(tp.s) || !non_empty(ts.s)))
        rc = ts_error_set(err, TS_EIO, "%s wrote an empty chart for %s", prog, png);
    if (rc == TS_OK && rename(tp.s, png) != 0)
        rc = ts_error_set(err, TS_EIO, "cannot rename %s to %s: %s", tp.s, png, strerror(errno));
    if (rc == TS_OK && rename(ts.s, svg) != 0)
        rc = ts_error_set(err, TS_EIO, "cannot rename %s to %s: %s", ts.s, svg, strerror(errno));
    if (rc == TS_OK && opt->list)
        fprintf(opt->list, "%s\n%s\n", png, svg);
done:
    if (tp.s)
        unlink(tp.s);
    if (ts.s)
        unlink(ts.s);
    if (spath)
        unlink(spath);
    if (lpath)
        unlink(lpath);
    free(spath);
    free(lpath);
    free(script);
    free(tp.s);
    free(ts.s);
    free(png);
    free(svg);
    return rc;
}
