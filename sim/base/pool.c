/* Worker pool (pool.h).
 *
 * Threads that cannot be started are not an error: the calling thread then
 * does the work itself (with poll set, it takes tasks too once no worker
 * thread runs). */
#include "tradesim/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const ts_pool_job *job;
    atomic_long next, done;
    atomic_int failed;
    pthread_mutex_t lock;   /* guards err and running */
    pthread_cond_t ended;   /* a worker thread ended */
    long running;           /* worker threads not yet ended */
    ts_error err;
} pool;

int ts_threads(int want)
{
    if (want > 0)
        return want;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int cancelled(const ts_pool_job *job)
{
    return job->cancel ? atomic_load((atomic_int *)job->cancel) : 0;
}

static void fail(pool *p, const ts_error *err)
{
    pthread_mutex_lock(&p->lock);
    if (!atomic_load(&p->failed))
        p->err = *err;
    atomic_store(&p->failed, 1);
    pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
    pool *p = arg;
    const ts_pool_job *job = p->job;
    ts_error err;
    ts_error_clear(&err);
    void *local = NULL;
    if (job->begin && !(local = job->begin(job->ctx, &err))) {
        if (err.code == TS_OK)
            ts_error_set(&err, TS_EIO, "tradesim: out of memory for a worker");
        fail(p, &err);
        return NULL;
    }
    while (!atomic_load(&p->failed)) {
        int sig = cancelled(job);
        if (sig) {
            ts_error_set(&err, TS_EIO, "%s: interrupted by signal %d",
                         job->name ? job->name : "tradesim", sig);
            fail(p, &err);
            break;
        }
        long i = atomic_fetch_add(&p->next, 1);
        if (i >= job->n_tasks)
            break;
        if (job->task(job->ctx, local, i, &err) != TS_OK) {
            if (err.code == TS_OK)
                ts_error_set(&err, TS_EIO, "%s: task %ld failed", job->name ? job->name : "tradesim", i);
            fail(p, &err);
            break;
        }
        atomic_fetch_add(&p->done, 1);
    }
    if (job->end)
        job->end(job->ctx, local);
    return NULL;
}

static void *worker_thread(void *arg)
{
    pool *p = arg;
    worker(p);
    pthread_mutex_lock(&p->lock);
    p->running--;
    pthread_cond_signal(&p->ended);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void add_seconds(struct timespec *t, long ns)
{
    t->tv_nsec += ns;
    t->tv_sec += t->tv_nsec / 1000000000L;
    t->tv_nsec %= 1000000000L;
}

/* The polling caller: a report every 0.2 s, and back as soon as the last
 * worker thread ends (a sleep would hold each call up to its tick's end,
 * which on short jobs such as a run's blocks is a large share). */
static void await_workers(pool *p)
{
    const ts_pool_job *job = p->job;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    add_seconds(&next, 200000000L);
    pthread_mutex_lock(&p->lock);
    while (p->running > 0) {
        if (pthread_cond_timedwait(&p->ended, &p->lock, &next) == ETIMEDOUT && p->running > 0) {
            pthread_mutex_unlock(&p->lock);
            if (!atomic_load(&p->failed))
                job->poll(job->ctx, atomic_load(&p->done), job->n_tasks);
            pthread_mutex_lock(&p->lock);
            add_seconds(&next, 200000000L);
        }
    }
    pthread_mutex_unlock(&p->lock);
}

ts_status ts_pool_run(const ts_pool_job *job, ts_error *err)
{
    pool p = {.job = job};
    atomic_init(&p.next, 0);
    atomic_init(&p.done, 0);
    atomic_init(&p.failed, 0);
    pthread_mutex_init(&p.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p.ended, &ca);
    pthread_condattr_destroy(&ca);
    ts_error_clear(&p.err);
    long want = ts_threads(job->threads);
    if (want > job->n_tasks)
        want = job->n_tasks > 0 ? job->n_tasks : 1;
    if (want > TS_POOL_MAX_THREADS)
        want = TS_POOL_MAX_THREADS;
    /* The calling thread is a worker unless it polls. */
    long extra = job->poll ? want : want - 1;
    pthread_t *tid = extra > 0 ? malloc((size_t)extra * sizeof *tid) : NULL;
    long started = 0;
    for (long i = 0; tid && i < extra; i++) {
        pthread_mutex_lock(&p.lock);
        p.running++;
        pthread_mutex_unlock(&p.lock);
        if (pthread_create(&tid[started], NULL, worker_thread, &p) != 0) {
            pthread_mutex_lock(&p.lock);
            p.running--;
            pthread_mutex_unlock(&p.lock);
            break;
        }
        started++;
    }
    if (job->poll && started > 0)
        await_workers(&p);   /* the workers stop on their own once cancelled */
    else
        worker(&p);
    for (long i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    pthread_cond_destroy(&p.ended);
    pthread_mutex_destroy(&p.lock);
    if (atomic_load(&p.failed)) {
        if (err)
            *err = p.err;
        return p.err.code != TS_OK ? p.err.code : TS_EIO;
    }
    return TS_OK;
}
