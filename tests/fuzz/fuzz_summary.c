/* libFuzzer target for the summary.csv reader (resultdir.h), which batch and
 * compare share. Input: the bytes of a summary.csv. Any input must be read
 * or refused with a one-line error naming the file: never a crash, a leak
 * or a hang; a file read must satisfy the reader's rules (a row at least,
 * deals no more than rows, every value finite, a deal indicator per row). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tradesim/resultdir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_values(const ts_values *x, size_t rows)
{
    if (x->n > rows)
        abort();
    for (size_t i = 0; i < x->n; i++)
        if (!isfinite(x->v[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_summary.%ld.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    size_t put = fwrite(data, 1, size, f);
    fclose(f);
    if (put != size)
        return 0;
    ts_summary s;
    ts_error err;
    if (ts_summary_read(path, &s, &err) == TS_OK) {
        if (s.rows == 0 || s.deals > s.rows)
            abort();
        check_values(&s.first, s.rows);
        /* compare pairs rows by these: one deal indicator (and seed) per row */
        if (s.deal.n != s.rows || (s.has_seed && !s.seed))
            abort();
        for (size_t k = 0; k < s.rows; k++)
            if (s.deal.v[k] != 0.0 && s.deal.v[k] != 1.0)
                abort();
        for (size_t i = 0; i < s.n_cols; i++)
            check_values(&s.cols[i].x, s.rows);
        ts_summary_free(&s);
    } else if (strchr(err.msg, '\n') || !strstr(err.msg, path)) {
        abort();   /* one line naming the file */
    }
    unlink(path);
    return 0;
}
