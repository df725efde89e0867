/* SIGINT/SIGTERM to a cancel flag through a sigtimedwait() watcher thread
 * (see interrupt.h). The watcher wakes every 5 ms to notice stop, which
 * bounds ts_interrupt_stop()'s wait (at 100 ms every run ended 50 ms late on
 * average: a sixth of a 20,000-replicate prisoner's dilemma). */
#include "tradesim/interrupt.h"

#include <errno.h>
#include <time.h>

static void *watch(void *arg)
{
    ts_interrupt *in = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const struct timespec tick = {0, 5000000L};
    while (!atomic_load(&in->stop)) {
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig > 0)
            atomic_store(&in->flag, sig);
    }
    return NULL;
}

bool ts_interrupt_hold(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0;
}

bool ts_interrupt_start(ts_interrupt *in)
{
    atomic_init(&in->flag, 0);
    atomic_init(&in->stop, 0);
    in->running = false;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &set, &in->old_mask) != 0)
        return false;
    if (pthread_create(&in->watcher, NULL, watch, in) != 0) {
        pthread_sigmask(SIG_SETMASK, &in->old_mask, NULL);
        return false;
    }
    in->running = true;
    return true;
}

void ts_interrupt_stop(ts_interrupt *in)
{
    if (!in->running)
        return;
    atomic_store(&in->stop, 1);
    pthread_join(in->watcher, NULL);
    in->running = false;
    /* A signal that arrived after the watcher ended is still pending: take it
     * so restoring the mask does not kill the process mid-cleanup. */
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const struct timespec zero = {0, 0};
    if (sigpending(&pending) == 0 &&
        (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1)) {
        int sig = sigtimedwait(&set, NULL, &zero);
        if (sig > 0)
            atomic_store(&in->flag, sig);
    }
    pthread_sigmask(SIG_SETMASK, &in->old_mask, NULL);
}

void ts_interrupt_raise(ts_interrupt *in, int sig)
{
    atomic_store(&in->flag, sig);
}

int ts_interrupted(const ts_interrupt *in)
{
    return in ? atomic_load((atomic_int *)&in->flag) : 0;
}
