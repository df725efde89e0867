/* Helpers the tests share: a scratch folder per test and small files in it.
 * Header-only (static inline) so each test program stays one source file. */
#ifndef TRADESIM_TESTUTIL_H
#define TRADESIM_TESTUTIL_H

#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes a fresh folder /tmp/ts_<tag>_XXXXXX into buf (n >= 64 bytes). */
static inline bool ts_test_mkdtemp(char *buf, size_t n, const char *tag)
{
    int len = snprintf(buf, n, "/tmp/ts_%s_XXXXXX", tag);
    return len > 0 && (size_t)len < n && mkdtemp(buf) != NULL;
}

/* Removes path and, for a folder, everything below it (links are not followed). */
static inline void ts_test_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub[4096];
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub)
            ts_test_remove_tree(sub);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

/* Writes text to path; false on any failure. */
static inline bool ts_test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* The whole of file path, NUL-terminated, in malloc'd memory (its length in
 * *len when len is not NULL); NULL when it cannot be read. */
static inline char *ts_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
        size_t got = fread(buf, 1, (size_t)n, f);
        buf[got] = '\0';
        if (len)
            *len = got;
    }
    fclose(f);
    return buf;
}

/* Reads stream f from its start into buf (n bytes, NUL-terminated) and
 * closes it: what a command printed into a temporary file. */
static inline void ts_test_slurp_stream(FILE *f, char *buf, size_t n)
{
    rewind(f);
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
}

/* Entries of folder dir, "." and ".." aside; 0 when it cannot be opened. */
static inline size_t ts_test_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/* Defines a test program's scratch folder `name` (char[64]) and the cmocka
 * setup and teardown functions name##_setup, which makes a fresh
 * /tmp/ts_<tag>_XXXXXX there, and name##_teardown, which removes it with all
 * it holds. Used at file scope, without a semicolon. */
#define TS_TEST_SCRATCH(name, tag)                                                          \
    static char name[64];                                                                   \
    static int name##_setup(void **state)                                                   \
    {                                                                                       \
        (void)state;                                                                        \
        return ts_test_mkdtemp(name, sizeof name, tag) ? 0 : -1;                            \
    }                                                                                       \
    static int name##_teardown(void **state)                                                \
    {                                                                                       \
        (void)state;                                                                        \
        ts_test_remove_tree(name);                                                          \
        return 0;                                                                           \
    }

/* Double-precision closeness (cmocka's assert_float_equal works in float). */
#define assert_near(a, b, tol)                                                              \
    do {                                                                                    \
        double a_ = (a), b_ = (b);                                                          \
        if (!(fabs(a_ - b_) <= (tol)))                                                      \
            fail_msg("%s = %.17g, expected %.17g within %g", #a, a_, b_, (double)(tol));    \
    } while (0)

#endif
