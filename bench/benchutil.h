/* Shared by the benchmarks: a monotonic clock in seconds. Header-only, as
 * each benchmark is a program of its own. */
#ifndef TRADESIM_BENCHUTIL_H
#define TRADESIM_BENCHUTIL_H

#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
