/* The loader's sources: reading scenario files, expanding @include, and
 * giving every setting the file and line it was written at.
 *
 * libconfig 1.5 resolves every @include against one folder and re-reads a
 * file each time it is named, so the loader expands includes itself before
 * libconfig parses the text (docs/scenario-format.md, "Includes"):
 *   - a name is resolved against the folder of the file that names it;
 *   - each file is read once (by device and inode) and must be a regular
 *     file below TS_TEXT_MAX; nesting, expansions and expanded size are
 *     bounded (docs/limits.md), so a fan of includes cannot take long;
 *   - an @include may share a line with other text, outside strings and
 *     comments.
 * The expanded text keeps, per line, the file and line it came from; after
 * parsing, every setting's file and line are rewritten to those, so messages
 * (loader.c) name the file that holds the setting. The file names live in
 * the loader's table until the tree is destroyed. */
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define TS_INCLUDE_DEPTH 10            /* nesting of @include */
#define TS_INCLUDE_MAX 1000            /* @include expansions per scenario */
#define TS_TEXT_MAX ((size_t)64 << 20) /* one file, and the expanded text */
#define TS_LINES_MAX 1000000           /* lines of the expanded text */
/* libconfig checks each new member of a group against all earlier ones,
 * so a group of n settings costs n^2/2 comparisons: a group of 60,000 took
 * 20 s. These bound that work to about a second. */
#define TS_GROUP_MAX 1000              /* settings in one group */
#define TS_SETTINGS_MAX 200000         /* settings in the whole text */
#define TS_NEST_MAX 64                 /* nesting of groups, lists, arrays */

/* The expanded text and, per line, where it came from. */
typedef struct {
    char *buf;
    size_t len, cap;
    ts_ld_origin *org;
    int n_lines, cap_lines;
    /* Per open bracket: whether it is a group, and its settings so far. */
    int depth;
    bool group[TS_NEST_MAX + 1];
    int members[TS_NEST_MAX + 1];
    long settings;
} ld_text;

/* The files being expanded, innermost last (cycle check). */
typedef struct {
    int file[TS_INCLUDE_DEPTH + 2];
    int depth;
} ld_stack;

ts_status ts_ld_name_add(loader *L, const char *name, int *index)
{
    ts_ld_sources *S = &L->src;
    if (S->n_names == S->cap_names) {
        int cap = S->cap_names ? 2 * S->cap_names : 16;
        ts_ld_file *grown = realloc(S->names, (size_t)cap * sizeof *grown);
        if (!grown)
            return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
        S->names = grown;
        S->cap_names = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    S->names[S->n_names] = (ts_ld_file){.name = copy, .text = NULL, .known = false};
    *index = S->n_names++;
    return TS_OK;
}

void ts_ld_sources_free(ts_ld_sources *S)
{
    for (int i = 0; i < S->n_names; i++) {
        free(S->names[i].name);
        free(S->names[i].text);
    }
    free(S->names);
    *S = (ts_ld_sources){0};
}

/* The folder part of name ("" when it has none, "/" for "/x"). */
static void folder_of(const char *name, char *dir, size_t n)
{
    const char *slash = strrchr(name, '/');
    size_t len = slash ? (size_t)(slash - name) : 0;
    if (slash && len == 0)
        len = 1;
    if (len >= n)
        len = n - 1;
    memcpy(dir, name, len);
    dir[len] = '\0';
}

void ts_ld_resolve_name(const char *from, const char *name, char *full, size_t n)
{
    char dir[4096];
    folder_of(from, dir, sizeof dir);
    if (name[0] == '/' || !dir[0])
        snprintf(full, n, "%s", name);
    else
        snprintf(full, n, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", name);
}

/* A file's text, read once: files already read (same device and inode) are
 * shared. `what` prefixes messages ("FILE:LINE: @include \"NAME\""). The
 * file is opened without blocking and checked through its descriptor, so a
 * FIFO or device swapped in after a check cannot stall the load. */
ts_status ts_ld_read_source(loader *L, const char *full, const char *what, int *index)
{
    ts_ld_sources *S = &L->src;
    int fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return ts_error_set(L->err, TS_EBAD, "%s: cannot open '%s': %s", what, full,
                            strerror(errno));
    struct stat sb;
    ts_status st = TS_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        st = ts_error_set(L->err, TS_EBAD, "%s: not a regular file", what);
    else if ((size_t)sb.st_size >= TS_TEXT_MAX)
        st = ts_error_set(L->err, TS_EBAD, "%s: larger than %zu MiB", what, TS_TEXT_MAX >> 20);
    for (int i = 0; st == TS_OK && i < S->n_names; i++)
        if (S->names[i].known && S->names[i].dev == sb.st_dev && S->names[i].ino == sb.st_ino) {
            close(fd);
            *index = i;
            return TS_OK;
        }
    if (st == TS_OK && S->bytes_read + (size_t)sb.st_size >= TS_TEXT_MAX)
        st = ts_error_set(L->err, TS_EBAD, "%s: the included files hold more than %zu MiB "
                          "(docs/limits.md)", what, TS_TEXT_MAX >> 20);
    char *buf = st == TS_OK ? malloc((size_t)sb.st_size + 1) : NULL;
    size_t got = 0;
    if (st == TS_OK && !buf)
        st = ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    while (st == TS_OK && got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            st = ts_error_set(L->err, TS_EIO, "%s: cannot read '%s': %s", what, full,
                              strerror(errno));
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (st == TS_OK && memchr(buf, '\0', got))
        st = ts_error_set(L->err, TS_EBAD, "%s: not a text file (contains NUL bytes)", what);
    if (st == TS_OK) {
        buf[got] = '\0';
        /* Before libconfig reads it: no integer silently wrapped (intrange.c). */
        st = ts_ld_check_integers(buf, full, L->err);
    }
    if (st == TS_OK) {
        S->bytes_read += got;
        st = ts_ld_name_add(L, full, index);
    }
    if (st != TS_OK) {
        free(buf);
        return st;
    }
    ts_ld_file *F = &S->names[*index];
    F->text = buf;
    F->known = true;
    F->dev = sb.st_dev;
    F->ino = sb.st_ino;
    return TS_OK;
}

/* ---- expansion ----------------------------------------------------------- */

static bool put(ld_text *T, const char *s, size_t n)
{
    if (T->len + n + 1 > T->cap) {
        size_t cap = T->cap ? T->cap : 4096;
        while (T->len + n + 1 > cap)
            cap *= 2;
        char *grown = realloc(T->buf, cap);
        if (!grown)
            return false;
        T->buf = grown;
        T->cap = cap;
    }
    memcpy(T->buf + T->len, s, n);
    T->len += n;
    T->buf[T->len] = '\0';
    return true;
}

/* Starts output line n_lines + 1, which comes from file:line. */
static bool start_line(ld_text *T, int file, int line)
{
    if (T->n_lines == T->cap_lines) {
        int cap = T->cap_lines ? 2 * T->cap_lines : 256;
        ts_ld_origin *grown = realloc(T->org, (size_t)cap * sizeof *grown);
        if (!grown)
            return false;
        T->org = grown;
        T->cap_lines = cap;
    }
    T->org[T->n_lines++] = (ts_ld_origin){.file = file, .line = line};
    return true;
}

/* A newline in the output, the next line coming from file:line. */
static bool new_line(ld_text *T, int file, int line)
{
    return put(T, "\n", 1) && start_line(T, file, line);
}

static ts_status expand(loader *L, ld_text *T, int file, ld_stack *stk);

/* `@include "NAME"` at p (line `line` of file): the named file's text in
 * place, on lines of its own. *pp is moved past the closing quote. */
static ts_status include_at(loader *L, ld_text *T, int file, int line, const char **pp,
                            ld_stack *stk)
{
    ts_ld_sources *S = &L->src;
    const char *where = S->names[file].name;
    const char *p = *pp + 8;
    if (*p != ' ' && *p != '\t' && *p != '"')
        return ts_error_set(L->err, TS_EBAD, "%s:%d: expected @include \"FILE\"", where, line);
    while (*p == ' ' || *p == '\t')
        p++;
    const char *end = *p == '"' ? strpbrk(p + 1, "\"\n") : NULL;
    if (!end || *end != '"')
        return ts_error_set(L->err, TS_EBAD,
                            "%s:%d: expected @include \"FILE\" (the name in quotes, on one line)",
                            where, line);
    char name[4096], full[8192], what[8192 + 64];
    size_t n = (size_t)(end - (p + 1));
    if (n == 0 || n >= sizeof name)
        return ts_error_set(L->err, TS_EBAD, "%s:%d: @include: expected a file name of 1 to %zu "
                            "bytes", where, line, sizeof name - 1);
    memcpy(name, p + 1, n);
    name[n] = '\0';
    *pp = end + 1;
    snprintf(what, sizeof what, "%s:%d: @include \"%s\"", where, line, name);
    TRY(ts_ld_check_cancel(L));
    if (stk->depth >= TS_INCLUDE_DEPTH)
        return ts_error_set(L->err, TS_EBAD, "%s: includes nested more than %d levels deep",
                            what, TS_INCLUDE_DEPTH);
    if (++S->n_includes > TS_INCLUDE_MAX)
        return ts_error_set(L->err, TS_EBAD, "%s: more than %d includes in one scenario "
                            "(docs/limits.md)", what, TS_INCLUDE_MAX);
    ts_ld_resolve_name(where, name, full, sizeof full);
    int inc;
    TRY(ts_ld_read_source(L, full, what, &inc));
    for (int i = 0; i < stk->depth; i++)
        if (stk->file[i] == inc)
            return ts_error_set(L->err, TS_EBAD, "%s: includes itself ('%s' is being read)",
                                what, S->names[inc].name);
    if (!new_line(T, inc, 1))
        return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    stk->file[stk->depth++] = inc;
    ts_status st = expand(L, T, inc, stk);
    stk->depth--;
    if (st == TS_OK && !new_line(T, file, line))
        st = ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    return st;
}

/* Keeps the settings per group and in all within bounds (c: a bracket or
 * an assignment outside strings and comments). */
static ts_status count_structure(loader *L, ld_text *T, char c, int file, int line)
{
    const char *where = L->src.names[file].name;
    if (c == '{' || c == '(' || c == '[') {
        if (T->depth == TS_NEST_MAX)
            return ts_error_set(L->err, TS_EBAD, "%s:%d: nested more than %d levels deep",
                                where, line, TS_NEST_MAX);
        T->depth++;
        T->group[T->depth] = c == '{';
        T->members[T->depth] = 0;
    } else if (c == '}' || c == ')' || c == ']') {
        if (T->depth > 0)
            T->depth--;
    } else if (T->group[T->depth]) {
        if (++T->members[T->depth] > TS_GROUP_MAX)
            return ts_error_set(L->err, TS_EBAD, "%s:%d: more than %d settings in one group "
                                "(docs/limits.md)", where, line, TS_GROUP_MAX);
        if (++T->settings > TS_SETTINGS_MAX)
            return ts_error_set(L->err, TS_EBAD, "%s:%d: more than %d settings in one scenario "
                                "(docs/limits.md)", where, line, TS_SETTINGS_MAX);
    }
    return TS_OK;
}

/* The text of file into T with its includes expanded; T's current line
 * is the file's first. Strings and comments are copied as they are. */
static ts_status expand(loader *L, ld_text *T, int file, ld_stack *stk)
{
    const char *p = L->src.names[file].text;
    int line = 1;
    enum { CODE, STRING, COMMENT } state = CODE;
    while (*p) {
        if (T->len > TS_TEXT_MAX || T->n_lines > TS_LINES_MAX)
            return ts_error_set(L->err, TS_EBAD, "%s: the scenario with its includes is larger "
                                "than %zu MiB or %d lines (docs/limits.md)", L->path,
                                TS_TEXT_MAX >> 20, TS_LINES_MAX);
        const char *q = p;
        if (state == CODE && (*p == '#' || (p[0] == '/' && p[1] == '/'))) {
            q = p + strcspn(p, "\n");
        } else if (state == CODE && p[0] == '/' && p[1] == '*') {
            state = COMMENT;
            q = p + 2;
        } else if (state == COMMENT && p[0] == '*' && p[1] == '/') {
            state = CODE;
            q = p + 2;
        } else if (state == CODE && *p == '"') {
            state = STRING;
            q = p + 1;
        } else if (state == STRING && *p == '"') {
            state = CODE;
            q = p + 1;
        } else if (state == STRING && *p == '\\' && p[1] && p[1] != '\n') {
            q = p + 2;
        } else if (state == CODE && strncmp(p, "@include", 8) == 0) {
            if (!new_line(T, file, line))
                return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
            TRY(include_at(L, T, file, line, &p, stk));
            continue;
        } else if (state == CODE && strchr("{([)]}=:", *p)) {
            TRY(count_structure(L, T, *p, file, line));
            q = p + 1;
        } else if (*p == '\n') {
            if ((line & 4095) == 0)
                TRY(ts_ld_check_cancel(L));
            if (!new_line(T, file, ++line))
                return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
            p++;
            continue;
        } else {
            q = p + 1;
        }
        if (!put(T, p, (size_t)(q - p)))
            return ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
        p = q;
    }
    return TS_OK;
}

/* ---- parsing ------------------------------------------------------------- */

/* Every setting under s gets the file and line its text came from. */
static void remap(loader *L, const ld_text *T, config_setting_t *s)
{
    if (s->line >= 1 && s->line <= (unsigned)T->n_lines) {
        const ts_ld_origin *o = &T->org[s->line - 1];
        s->line = (unsigned)o->line;
        s->file = L->src.names[o->file].name;
    }
    if (config_setting_is_aggregate(s)) {
        int n = config_setting_length(s);
        for (int i = 0; i < n; i++)
            remap(L, T, config_setting_get_elem(s, (unsigned)i));
    }
}

/* A hint for a syntax error on source line `text` (up to its end). */
static const char *syntax_hint(const char *text)
{
    size_t n = strcspn(text, "\n");
    bool quoted = false;
    for (size_t i = 0; i < n && (quoted || text[i] != '#'); i++) {
        quoted ^= text[i] == '"';
        if (!quoted && i > 0 && text[i] == '%' && text[i - 1] >= '0' && text[i - 1] <= '9')
            return " (write a percentage as a fraction: 25% is 0.25)";
    }
    for (size_t i = 0; i + 1 < n; i++)
        if (text[i] == '[' && text[i + 1] >= '0' && text[i + 1] <= '9' && i > 0 &&
            text[i - 1] != ' ' && text[i - 1] != '=' && text[i - 1] != '[' && text[i - 1] != ',')
            return " (a file cannot address a list element as NAME[N]: change it with --set "
                   "NAME.[N].KEY=VALUE, or by id in a scenario that extends this one)";
    return "";
}

/* Line `line` of file's text. */
static const char *line_text(const ts_ld_file *F, int line)
{
    const char *p = F->text ? F->text : "";
    for (int i = 1; i < line && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return p ? p : "";
}

ts_status ts_ld_parse_source(loader *L, int file, config_t *cfg)
{
    ld_text T = {.group = {true}};
    ld_stack stk = {.file = {file}, .depth = 1};
    ts_status st = start_line(&T, file, 1) && put(&T, "", 0)
                       ? expand(L, &T, file, &stk)
                       : ts_error_set(L->err, TS_EIO, "%s: out of memory", L->path);
    if (st == TS_OK)
        st = ts_ld_check_cancel(L);
    if (st == TS_OK && config_read_string(cfg, T.buf) != CONFIG_TRUE) {
        int el = config_error_line(cfg);
        const ts_ld_origin o = el >= 1 && el <= T.n_lines ? T.org[el - 1]
                                                           : (ts_ld_origin){.file = file};
        const ts_ld_file *F = &L->src.names[o.file];
        st = ts_error_set(L->err, TS_EBAD, "%s:%d: %s%s", F->name, o.line,
                          config_error_text(cfg), syntax_hint(line_text(F, o.line)));
    }
    if (st == TS_OK) {
        remap(L, &T, config_root_setting(cfg));
        config_root_setting(cfg)->file = L->src.names[file].name;
    }
    free(T.buf);
    free(T.org);
    return st;
}
