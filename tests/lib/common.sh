# Shared by the end-to-end test scripts (sourced, not run by ctest).

# The script's scratch folder, removed when it exits (a script that needs
# more cleaning sets its own EXIT trap, which must remove it too).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Checks that count their failures and go on, so that one run reports them
# all: `fail MESSAGE` counts one, `finish SUMMARY` prints SUMMARY when none
# failed and exits 1 when any did. A script whose later checks need the
# earlier ones to have passed defines its own fail, exiting at once, after
# sourcing this.
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# A case this machine cannot run (`skip WHAT`): said as "skipped", counted in
# finish's line and, under scripts/test, in its closing line (one line each in
# $TRADESIM_SKIP_LOG), never passed off as a pass.
skips=0
skip() {
    echo "skipped: $(basename "$0" .sh): $*" >&2
    skips=$((skips + 1))
    [ -n "${TRADESIM_SKIP_LOG:-}" ] && echo "$(basename "$0" .sh): $*" >>"$TRADESIM_SKIP_LOG"
    return 0
}
finish() {
    if [ "$fails" -eq 0 ]; then
        if [ "$skips" -gt 0 ]; then echo "$1 ($skips skipped)"; else echo "$1"; fi
    fi
    exit $((fails > 0))
}

# Waits until process $1 runs its replicates (the interrupt watcher and at
# least one worker thread exist): a signal then lands mid-run, however slow
# the build (sanitizers, valgrind). Fails if the process ends first.
wait_running() {
    local i
    for ((i = 0; i < 1200; i++)); do
        [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -ge 3 ] && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# Waits until process $1 has blocked SIGTERM (the first statement of run,
# batch, experiment and calibrate): a signal sent earlier ends any program,
# since none of its code has run yet (under a loaded sanitizer build that
# can take 50 ms), so a test of signals at "any moment" starts its clock here.
# Fails if the process ends first.
wait_started() {
    local i blk
    for ((i = 0; i < 2000; i++)); do
        blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
        [ -n "$blk" ] && (((16#$blk >> 14) & 1)) && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.002
    done
    return 1
}
