/* Build-time generator of the man pages and the bash completion from the
 * same text `--help` prints: the subcommand table and top-level help
 * (commands.c), each subcommand's ts_cli_spec usage, and the parser's option
 * table (cli.c). Run by the build (CMakeLists.txt), so they never drift:
 *
 *   tradesim_docgen OUTDIR
 *
 * writes OUTDIR/man1/tradesim.1, OUTDIR/man1/tradesim-<command>.1 and
 * OUTDIR/completion/tradesim. Fails (exit 1, one line) when a usage text and
 * the options its subcommand accepts disagree.
 *
 * The usage texts follow one layout, which this reads: "usage: " and its
 * indented continuation lines (the synopsis); paragraphs; "Heading:" lines;
 * items of a term and a description two or more spaces apart ("  -o,
 * --output DIR   output folder"), a description continued on lines
 * indented as deep as it. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tradesim/cli.h"
#include "tradesim/scenario.h"

#define MAX_OPTS 32
#define CONTINUATION_INDENT 10   /* deeper: a description's next line */

/* Text as roff: backslashes and hyphens escaped, no line starting with a
 * control character. */
static void roff_text(FILE *f, const char *s, size_t n, bool line_start)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (line_start && (c == '.' || c == '\''))
            fputs("\\&", f);
        line_start = false;
        if (c == '\\')
            fputs("\\e", f);
        else if (c == '-')
            fputs("\\-", f);
        else
            fputc(c, f);
    }
}

/* An item's term: option spellings and command names bold, metavariables
 * (upper case) italic. */
static void roff_term(FILE *f, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != ',')
            j++;
        if (j > i) {
            bool meta = s[i] >= 'A' && s[i] <= 'Z';
            fputs(meta ? "\\fI" : "\\fB", f);
            roff_text(f, s + i, j - i, false);
            fputs("\\fR", f);
        }
        while (j < n && (s[j] == ' ' || s[j] == ','))
            fputc(s[j++], f);
        i = j;
    }
}

typedef struct {
    const char *s;
    size_t n;
} span;

/* The next line of *p (without its newline); false at the end. */
static bool next_line(const char **p, span *line)
{
    if (!**p)
        return false;
    const char *e = strchr(*p, '\n');
    size_t n = e ? (size_t)(e - *p) : strlen(*p);
    *line = (span){*p, n};
    *p += n + (e ? 1 : 0);
    return true;
}

static size_t indent_of(span l)
{
    size_t i = 0;
    while (i < l.n && l.s[i] == ' ')
        i++;
    return i;
}

/* An item line: a term and a description two or more spaces apart, the
 * term indented less than a continuation. */
static bool split_item(span l, span *term, span *desc)
{
    size_t in = indent_of(l);
    if (in >= CONTINUATION_INDENT || in == l.n)
        return false;
    const char *gap = NULL;
    for (size_t i = in; i + 1 < l.n && !gap; i++)
        if (l.s[i] == ' ' && l.s[i + 1] == ' ')
            gap = l.s + i;
    if (!gap)
        return false;
    *term = (span){l.s + in, (size_t)(gap - (l.s + in))};
    const char *d = gap;
    while (d < l.s + l.n && *d == ' ')
        d++;
    *desc = (span){d, (size_t)(l.s + l.n - d)};
    return true;
}

/* The man page of a usage text. name: "tradesim" or "tradesim-run". */
static void write_page(FILE *f, const char *name, const char *summary, const char *usage,
                       bool top, const ts_cli_command *cmds, size_t n_cmds)
{
    char upper[64];
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof upper; k++)
        upper[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
    upper[k] = '\0';
    fprintf(f, ".\\\" Generated from `%s --help` by tools/docgen.c: do not edit.\n", name);
    fprintf(f, ".TH %s 1 \"\" \"tradesim %s\" \"User Commands\"\n.SH NAME\n", upper,
            TRADESIM_VERSION);
    roff_text(f, name, strlen(name), true);
    fputs(" \\- ", f);
    roff_text(f, summary, strlen(summary), false);
    fputs("\n.SH SYNOPSIS\n.nf\n", f);
    const char *p = usage;
    span l;
    bool in_synopsis = true, in_para = false, had_item = false, options_shown = false;
    while (next_line(&p, &l)) {
        if (in_synopsis) {
            if (l.n == 0) {
                in_synopsis = false;
                fputs(".fi\n.SH DESCRIPTION\n", f);
                continue;
            }
            /* "usage: " and as much of the continuations' indent go */
            if ((l.n >= 7 && strncmp(l.s, "usage: ", 7) == 0) || indent_of(l) >= 7)
                l = (span){l.s + 7, l.n - 7};
            roff_text(f, l.s, l.n, true);
            fputc('\n', f);
            continue;
        }
        span term, desc;
        if (l.n == 0) {
            in_para = had_item = false;
        } else if (split_item(l, &term, &desc)) {
            if (term.s[0] == '-' && !options_shown) {
                fputs(".SH OPTIONS\n", f);
                options_shown = true;
            }
            fputs(".TP\n", f);
            roff_term(f, term.s, term.n);
            fputc('\n', f);
            roff_text(f, desc.s, desc.n, true);
            fputc('\n', f);
            had_item = true;
            in_para = false;
        } else if (had_item && indent_of(l) >= CONTINUATION_INDENT) {
            size_t in = indent_of(l);
            roff_text(f, l.s + in, l.n - in, true);
            fputc('\n', f);
        } else if (l.s[l.n - 1] == ':' && indent_of(l) == 0) {
            fputs(".SS ", f);
            roff_text(f, l.s, l.n - 1, false);
            fputc('\n', f);
            in_para = had_item = false;
        } else {
            if (!in_para)
                fputs(".PP\n", f);
            in_para = true;
            had_item = false;
            size_t in = indent_of(l);
            roff_text(f, l.s + in, l.n - in, true);
            fputc('\n', f);
        }
    }
    if (in_synopsis)
        fputs(".fi\n", f);
    fputs(".SH SEE ALSO\n", f);
    if (top) {
        for (size_t i = 0; i < n_cmds; i++)
            fprintf(f, "\\fBtradesim\\-%s\\fR(1)%s\n", cmds[i].spec->name,
                    i + 1 < n_cmds ? "," : "");
    } else {
        fputs("\\fBtradesim\\fR(1)\n", f);
    }
    fputs(".PP\n`man tradesim <command>' shows a subcommand's page. The scenario keys, the "
          "output files' columns and the model are in cli.md, scenario\\-format.md and model.md "
          "in tradesim's docs folder (share/doc/tradesim/docs once installed); the shipped scenarios in "
          "share/tradesim/scenarios.\n",
          f);
}

/* The metavariable after option longf in the usage's items ("DIR"), or "". */
static void option_metavar(const char *usage, const char *longf, char *out, size_t n)
{
    out[0] = '\0';
    const char *p = usage;
    span l, term, desc;
    size_t ll = strlen(longf);
    while (next_line(&p, &l)) {
        if (!split_item(l, &term, &desc))
            continue;
        for (size_t i = 0; i + ll <= term.n; i++)
            if (strncmp(term.s + i, longf, ll) == 0 &&
                (i + ll == term.n || term.s[i + ll] == ' ' || term.s[i + ll] == ',')) {
                const char *m = term.s + i + ll;
                while (m < term.s + term.n && *m == ' ')
                    m++;
                size_t k = 0;
                while (m + k < term.s + term.n && m[k] != ' ' && k + 1 < n)
                    k++;
                memcpy(out, m, k);
                out[k] = '\0';
                return;
            }
    }
}

/* True when the usage lists option spelling s as a term's word. */
static bool usage_lists(const char *usage, const char *s)
{
    const char *p = usage;
    span l, term, desc;
    size_t n = strlen(s);
    while (next_line(&p, &l))
        if (split_item(l, &term, &desc))
            for (size_t i = 0; i + n <= term.n; i++)
                if (strncmp(term.s + i, s, n) == 0 && (i == 0 || term.s[i - 1] == ' ') &&
                    (i + n == term.n || term.s[i + n] == ' ' || term.s[i + n] == ','))
                    return true;
    return false;
}

/* Every option the parser accepts (but --help) is in the usage, and every option the
 * usage lists is accepted. */
static bool check_spec(const ts_cli_spec *spec, const ts_cli_option *o, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(o[i].longf, "--help") == 0)
            continue;   /* every subcommand's, said once by `tradesim --help` */
        if (!usage_lists(spec->usage, o[i].longf) ||
            (o[i].shortf && !usage_lists(spec->usage, o[i].shortf))) {
            fprintf(stderr, "tradesim_docgen: 'tradesim %s --help' does not list %s\n",
                    spec->name, o[i].longf);
            return false;
        }
    }
    const char *p = spec->usage;
    span l, term, desc;
    while (next_line(&p, &l)) {
        if (!split_item(l, &term, &desc) || term.s[0] != '-')
            continue;
        size_t k = 0;
        while (k < term.n && term.s[k] != ' ' && term.s[k] != ',')
            k++;
        bool found = false;
        for (int i = 0; i < n && !found; i++)
            found = (strlen(o[i].longf) == k && strncmp(o[i].longf, term.s, k) == 0) ||
                    (o[i].shortf && strlen(o[i].shortf) == k &&
                     strncmp(o[i].shortf, term.s, k) == 0);
        if (!found) {
            fprintf(stderr, "tradesim_docgen: 'tradesim %s --help' lists %.*s, which it does "
                            "not accept\n", spec->name, (int)k, term.s);
            return false;
        }
    }
    return true;
}

static void write_completion(FILE *f, const ts_cli_command *cmds, size_t n_cmds)
{
    fputs("# bash completion for tradesim: subcommands, their options, option values\n"
          "# and scenario paths. Generated from the subcommands' --help by\n"
          "# tools/docgen.c: do not edit.\n"
          "_tradesim() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    COMPREPLY=()\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=($(compgen -W \"",
          f);
    for (size_t i = 0; i < n_cmds; i++)
        fprintf(f, "%s ", cmds[i].spec->name);
    fputs("help --help --version\" -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    local opts= paths=any\n"
          "    case ${COMP_WORDS[1]} in\n",
          f);
    for (size_t i = 0; i < n_cmds; i++) {
        const ts_cli_spec *sp = cmds[i].spec;
        ts_cli_option o[MAX_OPTS];
        int n = ts_cli_spec_options(sp, o, MAX_OPTS);
        fprintf(f, "    %s)\n        opts=\"", sp->name);
        for (int k = 0; k < n; k++) {
            if (o[k].shortf)
                fprintf(f, "%s ", o[k].shortf);
            fprintf(f, "%s%s", o[k].longf, k + 1 < n ? " " : "");
        }
        fputs("\"\n", f);
        if (strstr(sp->what, "scenario"))
            fputs("        paths=cfg\n", f);
        /* Option values: folders after DIR, files after FILE..., the log
         * levels after LEVEL; nothing to offer after the others. */
        fputs("        case $prev in\n", f);
        for (int k = 0; k < n; k++) {
            if (!o[k].takes_value)
                continue;
            char meta[64];
            option_metavar(sp->usage, o[k].longf, meta, sizeof meta);
            fprintf(f, "        %s%s%s) ", o[k].shortf ? o[k].shortf : "",
                    o[k].shortf ? "|" : "", o[k].longf);
            if (strcmp(meta, "DIR") == 0) {
                fputs("COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n", f);
            } else if (strncmp(meta, "FILE", 4) == 0) {
                fputs("COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", f);
            } else if (strcmp(meta, "LEVEL") == 0) {
                fputs("COMPREPLY=($(compgen -W \"", f);
                for (int v = 0; v < TS_LOGLEVEL_COUNT; v++)
                    fprintf(f, "%s%s", v ? " " : "", ts_log_level_names[v]);
                fputs("\" -- \"$cur\")); return ;;\n", f);
            } else {
                fputs("return ;;\n", f);
            }
        }
        fputs("        esac ;;\n", f);
    }
    fputs("    help)\n"
          "        [ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W \"",
          f);
    for (size_t i = 0; i < n_cmds; i++)
        fprintf(f, "%s%s", i ? " " : "", cmds[i].spec->name);
    fputs("\" -- \"$cur\"))\n"
          "        return ;;\n"
          "    *) return ;;\n"
          "    esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "    elif [ \"$paths\" = cfg ]; then\n"
          "        COMPREPLY=($(compgen -d -- \"$cur\") $(compgen -f -X '!*.cfg' -- \"$cur\"))\n"
          "    else\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -o filenames -F _tradesim tradesim\n",
          f);
}

static FILE *open_out(const char *dir, const char *sub, const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, sub);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return NULL;
    snprintf(path, n, "%s/%s/%s", dir, sub, name);
    return fopen(path, "w");
}

static bool close_out(FILE *f, const char *path)
{
    bool ok = !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "tradesim_docgen: cannot write %s\n", path);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: tradesim_docgen OUTDIR\n", stderr);
        return 2;
    }
    const char *dir = argv[1];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "tradesim_docgen: cannot create %s: %s\n", dir, strerror(errno));
        return 3;
    }
    size_t n_cmds;
    const ts_cli_command *cmds = ts_cli_commands(&n_cmds);
    for (size_t i = 0; i < n_cmds; i++) {
        ts_cli_option o[MAX_OPTS];
        int n = ts_cli_spec_options(cmds[i].spec, o, MAX_OPTS);
        if (n > MAX_OPTS || !check_spec(cmds[i].spec, o, n))
            return 1;
    }
    char path[4096], *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return 3;
    ts_cli_main_usage(mem);
    fclose(mem);
    FILE *f = open_out(dir, "man1", "tradesim.1", path, sizeof path);
    if (!f) {
        fprintf(stderr, "tradesim_docgen: cannot write %s\n", path);
        free(text);
        return 3;
    }
    write_page(f, "tradesim", "simulate trade negotiations by Monte Carlo", text, true, cmds,
               n_cmds);
    free(text);
    if (!close_out(f, path))
        return 3;
    for (size_t i = 0; i < n_cmds; i++) {
        char name[64];
        snprintf(name, sizeof name, "tradesim-%s.1", cmds[i].spec->name);
        if (!(f = open_out(dir, "man1", name, path, sizeof path))) {
            fprintf(stderr, "tradesim_docgen: cannot write %s\n", path);
            return 3;
        }
        name[strlen(name) - 2] = '\0';
        write_page(f, name, cmds[i].spec->summary, cmds[i].spec->usage, false, cmds, n_cmds);
        if (!close_out(f, path))
            return 3;
    }
    if (!(f = open_out(dir, "completion", "tradesim", path, sizeof path))) {
        fprintf(stderr, "tradesim_docgen: cannot write %s\n", path);
        return 3;
    }
    write_completion(f, cmds, n_cmds);
    return close_out(f, path) ? 0 : 3;
}
