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
finish() {
    [ "$fails" -eq 0 ] && echo "$1"
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
