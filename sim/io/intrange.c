/* Integers libconfig would wrap or saturate (loader.h).
 *
 * libconfig 1.5 reads an integer without the L suffix as a 32-bit int and
 * keeps only its low 32 bits (4294967297 becomes 1), and one with L as a
 * 64-bit int saturated at 2^63 - 1. This scan of the text, run before
 * libconfig reads it, finds such literals, so no value is ever silently
 * changed: each is a one-line error naming the file, line and setting. */
#include "loader.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '*';
}

/* The literal at p (sign, digits, hex, L): whether it fits what libconfig
 * keeps; *len its length (0: not an integer literal, e.g. a float). */
static bool literal_fits(const char *p, size_t *len, bool *has_l)
{
    const char *q = p;
    bool neg = *q == '-';
    if (*q == '-' || *q == '+')
        q++;
    bool hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
    const char *digits = hex ? q + 2 : q;
    const char *e = digits;
    while (hex ? isxdigit((unsigned char)*e) : isdigit((unsigned char)*e))
        e++;
    *len = 0;
    if (e == digits || *e == '.' || (!hex && (*e == 'e' || *e == 'E')))
        return true;   /* not an integer: a float, or no digits */
    *has_l = *e == 'L' || *e == 'l';
    size_t n = (size_t)(e - p) + (*has_l ? 1 : 0) + ((*has_l && (e[1] == 'L' || e[1] == 'l')) ? 1 : 0);
    *len = n;
    errno = 0;
    unsigned long long u = strtoull(digits, NULL, hex ? 16 : 10);
    if (errno == ERANGE)
        return false;
    if (hex)
        return *has_l ? true : u <= 0xffffffffULL;
    unsigned long long lim = *has_l ? (unsigned long long)INT64_MAX : (unsigned long long)INT32_MAX;
    return u <= lim + (neg ? 1u : 0u);
}

ts_status ts_ld_check_integers(const char *text, const char *where, ts_error *err)
{
    int line = 1;
    char key[128] = "";
    for (const char *p = text; *p;) {
        if (*p == '\n') {
            line++;
            p++;
        } else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            for (const char *c = p; c < (e ? e : p + strlen(p)); c++)
                line += *c == '\n';
            p = e ? e + 2 : p + strlen(p);
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                line += *p == '\n';
            }
            p += *p == '"';
        } else if (isalpha((unsigned char)*p) || *p == '_' || *p == '*') {
            const char *s = p;
            while (word_char(*p))
                p++;
            size_t n = (size_t)(p - s) < sizeof key ? (size_t)(p - s) : sizeof key - 1;
            memcpy(key, s, n);
            key[n] = '\0';
        } else if (isdigit((unsigned char)*p) ||
                   ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))) {
            size_t len;
            bool has_l = false;
            if (!literal_fits(p, &len, &has_l)) {
                int n = (int)strcspn(p, " \t\r\n;,)]}");
                return ts_error_set(err, TS_EBAD,
                                    "%s:%d: %s: integer %.*s is out of range%s", where, line,
                                    key[0] ? key : "value", n, p,
                                    has_l ? " (64-bit integers end at 9223372036854775807; "
                                            "a larger seed is written as a string, \"...\")"
                                          : " for a plain integer (at most 2147483647); "
                                            "write a 64-bit integer with L, e.g. 4294967296L");
            }
            p += len ? len : 1;
            while (isalnum((unsigned char)*p) || *p == '.')
                p++;   /* the rest of a float */
        } else {
            p++;
        }
    }
    return TS_OK;
}
