/* Interruption: SIGINT and SIGTERM become a cancel flag, not a dead process.
 *
 * ts_interrupt_start() blocks SIGINT and SIGTERM in the calling thread (and
 * so in every thread it creates afterwards) and starts a watcher thread that
 * waits for them with sigtimedwait() and raises the flag. Long-running work
 * polls ts_interrupted() between units of work and stops cleanly, so only
 * complete outputs are left behind. No signal handler and no global: the
 * state lives in the ts_interrupt the caller owns. */
#ifndef TRADESIM_INTERRUPT_H
#define TRADESIM_INTERRUPT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct {
    atomic_int flag;      /* signal number received, 0 if none */
    atomic_int stop;      /* asks the watcher to end */
    pthread_t watcher;
    bool running;
    sigset_t old_mask;
} ts_interrupt;

/* Starts watching. Returns false (and watches nothing) if the watcher
 * thread cannot be started; the flag then only changes by ts_interrupt_raise. */
bool ts_interrupt_start(ts_interrupt *in);
/* Stops the watcher and restores the signal mask. If a signal arrived, the
 * caller should exit with failure (the default action is not re-raised). */
void ts_interrupt_stop(ts_interrupt *in);
/* Blocks SIGINT and SIGTERM in the calling thread for good: a command that
 * writes results calls it first, so a signal before its watcher starts stays
 * pending for the watcher, and one after the watcher stopped (its outputs
 * are complete) is dropped when the process exits instead of killing it
 * mid-cleanup. Returns false when the mask cannot be changed. */
bool ts_interrupt_hold(void);
/* Sets the flag as if sig had arrived (tests; callers that stop on errors). */
void ts_interrupt_raise(ts_interrupt *in, int sig);
/* Signal number received, 0 if none. Safe from any thread; NULL gives 0. */
int ts_interrupted(const ts_interrupt *in);

#endif
