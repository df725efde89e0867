/* Tests of the worker pool (pool.h): every task runs once whatever the thread
 * count, per-worker state is made and released once per worker, the first
 * failure is the job's, cancellation stops it with the signal named, and a
 * polling caller sees the count rise to the total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tradesim/pool.h"

#define N 1000

typedef struct {
    atomic_int runs[N];
    atomic_int begun, ended;
    long fail_at;              /* task that fails, -1 none */
    atomic_int *cancel_from;   /* set to 15 by task 10 */
    long polled;
} ctx_t;

static void *begin(void *ctx, ts_error *err)
{
    (void)err;
    ctx_t *c = ctx;
    atomic_fetch_add(&c->begun, 1);
    return c;
}

static void end(void *ctx, void *local)
{
    ctx_t *c = ctx;
    assert_ptr_equal(local, c);
    atomic_fetch_add(&c->ended, 1);
}

static ts_status task(void *ctx, void *local, long i, ts_error *err)
{
    ctx_t *c = ctx;
    assert_true(local == NULL || local == c);   /* NULL without begin */
    atomic_fetch_add(&c->runs[i], 1);
    if (i == c->fail_at)
        return ts_error_set(err, TS_EBAD, "task %ld failed on purpose", i);
    if (c->cancel_from && i == 10)
        atomic_store(c->cancel_from, 15);
    return TS_OK;
}

static void poll(void *ctx, long done, long total)
{
    ctx_t *c = ctx;
    assert_true(done >= c->polled && done <= total);
    c->polled = done;
}

static void test_every_task_once(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 8; threads *= 2) {
        static ctx_t c;
        memset(&c, 0, sizeof c);
        c.fail_at = -1;
        ts_pool_job job = {.threads = threads, .n_tasks = N, .ctx = &c, .begin = begin,
                           .task = task, .end = end};
        ts_error e;
        ts_error_clear(&e);
        assert_int_equal(ts_pool_run(&job, &e), TS_OK);
        for (int i = 0; i < N; i++)
            assert_int_equal(atomic_load(&c.runs[i]), 1);
        assert_int_equal(atomic_load(&c.begun), threads);
        assert_int_equal(atomic_load(&c.ended), threads);
    }
}

static void test_more_threads_than_tasks(void **state)
{
    (void)state;
    static ctx_t c;
    memset(&c, 0, sizeof c);
    c.fail_at = -1;
    ts_pool_job job = {.threads = 64, .n_tasks = 3, .ctx = &c, .begin = begin, .task = task,
                       .end = end};
    assert_int_equal(ts_pool_run(&job, NULL), TS_OK);
    assert_int_equal(atomic_load(&c.begun), 3);
    job.n_tasks = 0;
    memset(&c, 0, sizeof c);
    assert_int_equal(ts_pool_run(&job, NULL), TS_OK);
    assert_int_equal(atomic_load(&c.begun), 1);
}

static void test_first_failure_is_the_jobs(void **state)
{
    (void)state;
    static ctx_t c;
    memset(&c, 0, sizeof c);
    c.fail_at = 500;
    ts_pool_job job = {.threads = 1, .n_tasks = N, .ctx = &c, .task = task};
    ts_error e;
    ts_error_clear(&e);
    assert_int_equal(ts_pool_run(&job, &e), TS_EBAD);
    assert_string_equal(e.msg, "task 500 failed on purpose");
    assert_int_equal(atomic_load(&c.runs[501]), 0);   /* one thread: none after it */
}

static void test_cancel(void **state)
{
    (void)state;
    static ctx_t c;
    static atomic_int flag;
    memset(&c, 0, sizeof c);
    atomic_init(&flag, 0);
    c.fail_at = -1;
    c.cancel_from = &flag;
    ts_pool_job job = {.threads = 1, .n_tasks = N, .ctx = &c, .task = task, .cancel = &flag,
                       .name = "sc"};
    ts_error e;
    ts_error_clear(&e);
    assert_int_equal(ts_pool_run(&job, &e), TS_EIO);
    assert_string_equal(e.msg, "sc: interrupted by signal 15");
    assert_int_equal(atomic_load(&c.runs[10]), 1);
    assert_int_equal(atomic_load(&c.runs[11]), 0);
}

static void test_poll(void **state)
{
    (void)state;
    static ctx_t c;
    memset(&c, 0, sizeof c);
    c.fail_at = -1;
    ts_pool_job job = {.threads = 2, .n_tasks = N, .ctx = &c, .task = task, .poll = poll};
    assert_int_equal(ts_pool_run(&job, NULL), TS_OK);
    for (int i = 0; i < N; i++)
        assert_int_equal(atomic_load(&c.runs[i]), 1);
}

static void test_threads_rule(void **state)
{
    (void)state;
    assert_int_equal(ts_threads(3), 3);
    assert_true(ts_threads(0) >= 1);
    assert_int_equal(ts_threads(-1), ts_threads(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_task_once),
        cmocka_unit_test(test_more_threads_than_tasks),
        cmocka_unit_test(test_first_failure_is_the_jobs),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_poll),
        cmocka_unit_test(test_threads_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
