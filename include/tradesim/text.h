/* Text: a growable string builder and small string tests.
 *
 * A ts_text starts zeroed ({0}) and grows by doubling; after an allocation
 * failure it records `oom` and ignores further appends, so a writer appends
 * freely and checks once at the end. The caller owns `s` (ts_text_free).
 * A ts_text belongs to one thread at a time. */
#ifndef TRADESIM_TEXT_H
#define TRADESIM_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *s;       /* NUL-terminated once anything was appended; NULL before */
    size_t len, cap;
    bool oom;
} ts_text;

void ts_text_puts(ts_text *b, const char *s);
/* Appends n bytes as they are (NULs too): a buffer to send or store. */
void ts_text_put(ts_text *b, const void *p, size_t n);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void ts_text_printf(ts_text *b, const char *fmt, ...);
void ts_text_vprintf(ts_text *b, const char *fmt, va_list ap);
void ts_text_free(ts_text *b);

/* True when s ends with suffix and has something before it. */
bool ts_text_ends_with(const char *s, const char *suffix);

#endif
