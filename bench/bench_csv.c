/* Benchmark of CSV number output against glibc, measured in the same run.
 *
 * 1. formatting: ts_fmt_g vs snprintf("%.*g") into a buffer;
 * 2. writing a file: rows of ts_csv_num through ts_csv (64 KiB buffer,
 *    write(2)) vs fprintf("%.*g") through stdio, both before the final fsync,
 *    whose cost (the disk's, not ours) is shown separately.
 * Values mimic outcome columns: levels in [0,2], payoffs of either sign from
 * 1e-3 to 1e4. Each figure is the best of several repetitions (the machine is
 * shared). Usage: bench_csv [precision] [folder for the scratch file]. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tradesim/csv.h"

#define N_VALUES 1000000
#define REPEAT 5
#define COLS 10

/* CPU time of this process: on a shared machine it is steadier than wall
 * time, and both sides of every ratio are measured the same way. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double wall(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
    return (double)(splitmix(s) >> 11) * 0x1p-53;
}

int main(int argc, char **argv)
{
    int prec = argc > 1 ? atoi(argv[1]) : 6;
    const char *folder = argc > 2 ? argv[2] : "/tmp";
    if (prec < 1 || prec > 17) {
        fprintf(stderr, "bench_csv: precision must be 1..17\n");
        return 2;
    }
    double *v = malloc(N_VALUES * sizeof *v);
    if (!v)
        return 3;
    uint64_t s = 42;
    for (size_t i = 0; i < N_VALUES; i++) {
        if (i % 2 == 0)
            v[i] = 2.0 * unit(&s);
        else
            v[i] = (unit(&s) < 0.5 ? -1 : 1) * pow(10.0, -3.0 + 7.0 * unit(&s));
    }

    char buf[64];
    size_t sink = 0;
    double best_fast = 1e30, best_libc = 1e30;
    for (int r = 0; r < REPEAT; r++) {
        double t0 = now();
        for (size_t i = 0; i < N_VALUES; i++)
            sink += ts_fmt_g(buf, v[i], prec);
        double t1 = now();
        for (size_t i = 0; i < N_VALUES; i++)
            sink += (size_t)snprintf(buf, sizeof buf, "%.*g", prec, v[i]);
        double t2 = now();
        if (t1 - t0 < best_fast)
            best_fast = t1 - t0;
        if (t2 - t1 < best_libc)
            best_libc = t2 - t1;
    }
    double fast = N_VALUES / best_fast / 1e6, libc = N_VALUES / best_libc / 1e6;
    printf("csv: format %%.%dg      ts_fmt_g %6.1f M numbers/s   snprintf %5.1f M/s   ratio %4.1fx"
           "   (target >= 25 M/s)\n",
           prec, fast, libc, fast / libc);

    char path[512], ref[512];
    snprintf(path, sizeof path, "%s/bench_csv.%ld.csv", folder, (long)getpid());
    snprintf(ref, sizeof ref, "%s/bench_csv.%ld.ref", folder, (long)getpid());
    /* The file figures exclude the final fsync (a disk cost, the same for
     * both); it is reported on its own. */
    double best_csv = 1e30, best_stdio = 1e30, best_sync = 1e30;
    for (int r = 0; r < 3; r++) {
        ts_error err;
        double t0 = now();
        ts_csv *c = ts_csv_open(path, prec, &err);
        if (!c) {
            fprintf(stderr, "bench_csv: %s\n", err.msg);
            return 3;
        }
        for (size_t i = 0; i < N_VALUES; i++) {
            ts_csv_num(c, v[i]);
            if (i % COLS == COLS - 1)
                ts_csv_end_row(c);
        }
        double t1 = now(), w1 = wall();
        if (ts_csv_commit(c, &err) != TS_OK) {
            fprintf(stderr, "bench_csv: %s\n", err.msg);
            return 3;
        }
        double t2 = now(), w2 = wall();
        FILE *f = fopen(ref, "w");
        if (!f)
            return 3;
        for (size_t i = 0; i < N_VALUES; i++)
            fprintf(f, "%.*g%c", prec, v[i], i % COLS == COLS - 1 ? '\n' : ',');
        double t3 = now();
        fflush(f);
        fsync(fileno(f));
        fclose(f);
        if (t1 - t0 < best_csv)
            best_csv = t1 - t0;
        if (w2 - w1 < best_sync)
            best_sync = w2 - w1;
        if (t3 - t2 < best_stdio)
            best_stdio = t3 - t2;
    }
    struct stat st;
    double mb = stat(path, &st) == 0 ? (double)st.st_size / 1e6 : 0.0;
    unlink(path);
    unlink(ref);
    double wc = N_VALUES / best_csv / 1e6, ws = N_VALUES / best_stdio / 1e6;
    printf("csv: write rows %%.%dg  ts_csv   %6.1f M numbers/s   fprintf  %5.1f M/s   ratio %4.1fx"
           "   (commit: flush+fsync+rename of %.1f MB in %.1f ms)\n",
           prec, wc, ws, wc / ws, mb, best_sync * 1e3);
    free(v);
    return sink == 0; /* keeps the formatting loops from being optimised away */
}
