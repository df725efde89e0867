/* Worker pool: tasks 0..n-1 run on a few threads that take the next index
 * from a shared counter.
 *
 * Each task writes its results to a place of its own (indexed by the task),
 * so what a job computes does not depend on the number of threads or on the
 * order in which tasks finish. Each worker may keep state of its own
 * (begin/end: buffers, a replicate); workers never share it. The first task
 * that fails stops the others from taking new tasks and its error is the
 * job's. The only thread pool of the library: the engine's replicates, the
 * aggregates' blocks of steps and batch's scenarios all run through it. */
#ifndef TRADESIM_POOL_H
#define TRADESIM_POOL_H

#include <stdatomic.h>

#include "tradesim/error.h"

/* Most threads one job starts (-j's limit). */
#define TS_POOL_MAX_THREADS 1024

typedef struct {
    int threads;        /* wanted (ts_threads: 0 = one per core), at most n_tasks */
    long n_tasks;
    void *ctx;
    /* A worker's own state, made in its thread before its first task (NULL:
     * none). Returning NULL with err set fails the job. */
    void *(*begin)(void *ctx, ts_error *err);
    /* Runs task i with the worker's state. */
    ts_status (*task)(void *ctx, void *local, long i, ts_error *err);
    void (*end)(void *ctx, void *local);   /* releases the state (may be NULL) */
    /* When it becomes non-zero (a signal number) workers take no new task and
     * the job fails: "<name>: interrupted by signal N". May be NULL. */
    const atomic_int *cancel;
    const char *name;
    /* When set, the calling thread does no task but calls it about every
     * 0.2 s with the number of tasks done (for progress lines). */
    void (*poll)(void *ctx, long done, long total);
} ts_pool_job;

/* Threads to use for `want` (0: one per online core). */
int ts_threads(int want);

/* Runs the job to the end. TS_OK, or the first failure's status with its
 * message in err. */
ts_status ts_pool_run(const ts_pool_job *job, ts_error *err);

#endif
