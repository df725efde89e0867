/* Tests of the interruption watcher (interrupt.h): a SIGINT sent to the
 * process raises the flag and does not end it; a SIGTERM still pending when
 * the watcher stops is taken, not left to kill the process when the mask is
 * restored; the mask is restored; ts_interrupt_raise, a NULL watcher and a
 * stop without a start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tradesim/interrupt.h"

static bool blocked(int sig)
{
    sigset_t now;
    assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
    return sigismember(&now, sig) == 1;
}

static void test_signal_to_flag(void **state)
{
    (void)state;
    ts_interrupt in;
    assert_false(blocked(SIGINT));
    assert_true(ts_interrupt_start(&in));
    assert_true(blocked(SIGINT) && blocked(SIGTERM));
    assert_int_equal(ts_interrupted(&in), 0);
    assert_int_equal(kill(getpid(), SIGINT), 0);   /* to the process: the watcher's */
    const struct timespec ms = {0, 1000000L};
    for (int i = 0; i < 5000 && !ts_interrupted(&in); i++)
        nanosleep(&ms, NULL);
    assert_int_equal(ts_interrupted(&in), SIGINT);
    ts_interrupt_stop(&in);
    assert_false(blocked(SIGINT) || blocked(SIGTERM));
    assert_int_equal(ts_interrupted(&in), SIGINT);
}

static void test_pending_at_stop(void **state)
{
    (void)state;
    ts_interrupt in;
    assert_true(ts_interrupt_start(&in));
    /* To this thread alone, where it is blocked: the watcher cannot take it,
     * so it is still pending when the watcher ends. */
    assert_int_equal(pthread_kill(pthread_self(), SIGTERM), 0);
    ts_interrupt_stop(&in);
    assert_int_equal(ts_interrupted(&in), SIGTERM);
    assert_false(blocked(SIGTERM));
    sigset_t pending;
    assert_int_equal(sigpending(&pending), 0);
    assert_int_equal(sigismember(&pending, SIGTERM), 0);
}

static void test_raise_and_edges(void **state)
{
    (void)state;
    ts_interrupt in;
    assert_true(ts_interrupt_start(&in));
    ts_interrupt_raise(&in, 15);
    assert_int_equal(ts_interrupted(&in), 15);
    ts_interrupt_stop(&in);
    ts_interrupt_stop(&in);   /* a second stop does nothing */
    assert_int_equal(ts_interrupted(&in), 15);
    assert_int_equal(ts_interrupted(NULL), 0);
    /* a fresh start clears the flag */
    assert_true(ts_interrupt_start(&in));
    assert_int_equal(ts_interrupted(&in), 0);
    ts_interrupt_stop(&in);
    assert_int_equal(ts_interrupted(&in), 0);
}

/* Held (run and batch): a signal before the watcher starts waits for it, and
 * after the watcher stops the signals stay blocked, so a late one cannot
 * kill the process while it cleans up. Runs last: the hold is for good. */
static void test_hold(void **state)
{
    (void)state;
    assert_true(ts_interrupt_hold());
    assert_true(blocked(SIGINT) && blocked(SIGTERM));
    assert_int_equal(kill(getpid(), SIGTERM), 0);   /* before any watcher: pending */
    sigset_t pending;
    assert_int_equal(sigpending(&pending), 0);
    assert_int_equal(sigismember(&pending, SIGTERM), 1);
    ts_interrupt in;
    assert_true(ts_interrupt_start(&in));
    const struct timespec ms = {0, 1000000L};
    for (int i = 0; i < 5000 && !ts_interrupted(&in); i++)
        nanosleep(&ms, NULL);
    assert_int_equal(ts_interrupted(&in), SIGTERM);
    ts_interrupt_stop(&in);
    assert_true(blocked(SIGINT) && blocked(SIGTERM));
    assert_int_equal(kill(getpid(), SIGINT), 0);    /* after it: stays pending, harmless */
    assert_int_equal(sigpending(&pending), 0);
    assert_int_equal(sigismember(&pending, SIGINT), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signal_to_flag),
        cmocka_unit_test(test_pending_at_stop),
        cmocka_unit_test(test_raise_and_edges),
        cmocka_unit_test(test_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
