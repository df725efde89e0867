/* Streaming RFC 4180 reader: one record at a time through a 64 KiB buffer.
 *
 * Invariant: text holds the current record's fields back to back, each
 * NUL-terminated, and start[i] is the offset of field i; both only grow, so
 * reading a file costs memory proportional to its longest record. */
#include "tradesim/csvread.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUF 65536

struct ts_csvread {
    FILE *f;
    char *path;
    size_t line;        /* line of the next character */
    size_t rec_line;    /* line the current record started on */
    char *text;
    size_t text_len, text_cap;
    size_t *start;
    size_t n_fields, start_cap;
    size_t pos, len;    /* read position and fill of buf */
    int pushback;       /* one character put back, or -2 */
    int read_errno;     /* errno of a failed read; 0 = none */
    bool too_long;      /* the record passed TS_CSVREAD_MAX_RECORD */
    char buf[READ_BUF];
};

static void errno_text(int e, char *out, size_t n)
{
    if (strerror_r(e, out, n) != 0)
        snprintf(out, n, "error %d", e);
}

ts_csvread *ts_csvread_open(const char *path, ts_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        char msg[128];
        errno_text(errno, msg, sizeof msg);
        ts_error_set(err, TS_EBAD, "cannot read '%s': %s", path, msg);
        return NULL;
    }
    ts_csvread *r = calloc(1, sizeof *r);
    size_t pl = strlen(path);
    char *p = malloc(pl + 1);
    if (!r || !p) {
        fclose(f);
        free(r);
        free(p);
        ts_error_set(err, TS_EIO, "cannot read '%s': out of memory", path);
        return NULL;
    }
    memcpy(p, path, pl + 1);
    /* Spreadsheets start UTF-8 files with a byte-order mark: not data. */
    unsigned char bom[3];
    if (fread(bom, 1, 3, f) != 3 || memcmp(bom, "\xef\xbb\xbf", 3) != 0)
        rewind(f);
    r->f = f;
    r->path = p;
    r->line = 1;
    r->pushback = -2;
    return r;
}

void ts_csvread_free(ts_csvread *r)
{
    if (!r)
        return;
    fclose(r->f);
    free(r->path);
    free(r->text);
    free(r->start);
    free(r);
}

/* Next byte or EOF (-1); read errors end the input and are reported later. */
static int get(ts_csvread *r)
{
    if (r->pushback != -2) {
        int c = r->pushback;
        r->pushback = -2;
        return c;
    }
    if (r->pos == r->len) {
        errno = 0;
        r->len = fread(r->buf, 1, READ_BUF, r->f);
        r->pos = 0;
        if (r->len == 0) {
            if (ferror(r->f))
                r->read_errno = errno ? errno : EIO;
            return -1;
        }
    }
    return (unsigned char)r->buf[r->pos++];
}

static bool put(ts_csvread *r, char ch)
{
    if (r->text_len >= TS_CSVREAD_MAX_RECORD) {
        r->too_long = true;
        return false;
    }
    if (r->text_len == r->text_cap) {
        size_t cap = r->text_cap ? 2 * r->text_cap : 1024;
        char *t = realloc(r->text, cap);
        if (!t)
            return false;
        r->text = t;
        r->text_cap = cap;
    }
    r->text[r->text_len++] = ch;
    return true;
}

static bool begin_field(ts_csvread *r)
{
    if (r->n_fields == r->start_cap) {
        size_t cap = r->start_cap ? 2 * r->start_cap : 64;
        size_t *s = realloc(r->start, cap * sizeof *s);
        if (!s)
            return false;
        r->start = s;
        r->start_cap = cap;
    }
    r->start[r->n_fields++] = r->text_len;
    return true;
}

/* After CR: swallow the LF of a CRLF. */
static void end_line(ts_csvread *r, int c)
{
    if (c == '\r') {
        int d = get(r);
        if (d != '\n')
            r->pushback = d;
    }
    r->line++;
}

static ts_status read_failed(ts_csvread *r, ts_error *err)
{
    char msg[128];
    errno_text(r->read_errno, msg, sizeof msg);
    return ts_error_set(err, TS_EBAD, "cannot read '%s': %s", r->path, msg);
}

/* put or begin_field failed: a record over the limit, or no memory. */
static ts_status no_room(ts_csvread *r, ts_error *err)
{
    if (r->too_long)
        return ts_error_set(err, TS_EBAD,
                            "%s:%zu: record longer than %d bytes (not a CSV file, or a line "
                            "without its end)",
                            r->path, r->rec_line, TS_CSVREAD_MAX_RECORD);
    return ts_error_set(err, TS_EIO, "%s: out of memory", r->path);
}

static ts_status malformed(ts_csvread *r, ts_error *err, size_t line, const char *what)
{
    return ts_error_set(err, TS_EBAD, "%s:%zu: %s", r->path, line, what);
}

ts_status ts_csvread_next(ts_csvread *r, bool *got, ts_error *err)
{
    *got = false;
    r->n_fields = 0;
    r->text_len = 0;
    int c = get(r);
    while (c == '\n' || c == '\r') { /* blank lines */
        end_line(r, c);
        c = get(r);
    }
    if (c == -1) {
        return r->read_errno ? read_failed(r, err) : TS_OK;
    }
    r->rec_line = r->line;
    for (;;) { /* one field per iteration; c is its first character */
        if (!begin_field(r))
            return no_room(r, err);
        if (c == '"') {
            size_t qline = r->line;
            for (;;) {
                c = get(r);
                if (c == -1)
                    return malformed(r, err, qline, "quoted field is never closed");
                if (c == '"') {
                    c = get(r);
                    if (c != '"')
                        break; /* closing quote; c follows it */
                } else if (c == '\n') {
                    r->line++; /* CR and LF inside quotes are data */
                }
                if (!put(r, (char)c))
                    return no_room(r, err);
            }
            if (c != ',' && c != '\n' && c != '\r' && c != -1)
                return malformed(r, err, r->line, "text after a closing quote");
        } else {
            while (c != ',' && c != '\n' && c != '\r' && c != -1) {
                if (c == '"')
                    return malformed(r, err, r->line,
                                     "quote inside an unquoted field (quote the whole field)");
                if (!put(r, (char)c))
                    return no_room(r, err);
                c = get(r);
            }
        }
        if (!put(r, '\0'))
            return no_room(r, err);
        if (c == ',') {
            c = get(r);
            continue;
        }
        if (c == '\n' || c == '\r')
            end_line(r, c);
        break;
    }
    if (r->read_errno)
        return read_failed(r, err);
    *got = true;
    return TS_OK;
}

size_t ts_csvread_count(const ts_csvread *r)
{
    return r->n_fields;
}

const char *ts_csvread_field(const ts_csvread *r, size_t i)
{
    return i < r->n_fields ? r->text + r->start[i] : NULL;
}

size_t ts_csvread_line(const ts_csvread *r)
{
    return r->rec_line;
}

const char *ts_csvread_path(const ts_csvread *r)
{
    return r->path;
}

bool ts_csvread_number(const char *s, double *v)
{
    if (*s == '\0' || isspace((unsigned char)*s))
        return false;
    const char *d = s + (*s == '-' || *s == '+');
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
        return false;   /* C's hexadecimal floats are no CSV number */
    char *end;
    *v = strtod(s, &end);
    return *end == '\0';
}
