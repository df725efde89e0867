#!/usr/bin/env bash
# `tradesim run` stopped by SIGINT or SIGTERM mid-run: exit 3, a one-line
# message naming the signal, no temporary or partial file, and the complete
# outputs of an earlier run of the same scenario left byte for byte as they
# were. The run is made slow (best-response moves, many replicates) so the
# signal lands mid-run; no assertion on how fast it stops.
# Usage: run_interrupt.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
fail() { echo "FAIL: $*"; exit 1; }

# all_kinds with both actors playing best responses (a minimiser per lever and step).
sed -e 's/strategy = { kind = "time_dependent";.*/strategy = { kind = "best_response"; }; },/' \
    -e '/reservation = { us_tariff/d' \
    -e 's/kind = "richardson"; reactivity = 0.3; fatigue = 0.2; grievance = 0.01;/kind = "best_response";/' \
    "$root/tests/good/all_kinds.cfg" >"$tmp/slow.cfg"
"$bin" check "$tmp/slow.cfg" >/dev/null || fail "slow scenario does not load"

# An earlier complete run in the same folder.
"$bin" run "$tmp/slow.cfg" -o "$tmp/out" -r 20 -q || fail "short run exit $?"
(cd "$tmp/out/all_kinds" && sha256sum ./*) >"$tmp/before.sha"

interrupt() {   # SIGNAL NUMBER OUTDIR
    "$bin" run "$tmp/slow.cfg" -o "$3" -r 50000 --trajectories 0 -q 2>"$tmp/err" &
    local pid=$!
    wait_running "$pid" || fail "SIG$1: the run ended before it could be interrupted"
    sleep 0.2
    kill -"$1" "$pid" 2>/dev/null
    wait "$pid"
    local rc=$?
    [ "$rc" = 3 ] || fail "SIG$1: exit $rc, expected 3 ($(cat "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "SIG$1: expected one line on stderr: $(cat "$tmp/err")"
    grep -q "^tradesim run: all_kinds: interrupted by signal $2; " "$tmp/err" ||
        fail "SIG$1: message: $(cat "$tmp/err")"
    local left
    left=$(find "$3" -name '*.tmp.*' 2>/dev/null | wc -l)
    [ "$left" = 0 ] || fail "SIG$1: $left temporary files left"
}

interrupt INT 2 "$tmp/out"
(cd "$tmp/out/all_kinds" && sha256sum -c --quiet "$tmp/before.sha") ||
    fail "SIGINT: the earlier outputs changed"
[ "$(ls "$tmp/out/all_kinds" | wc -l)" = "$(wc -l <"$tmp/before.sha")" ] ||
    fail "SIGINT: files appeared next to the earlier outputs"

interrupt TERM 15 "$tmp/fresh"
csvs=$(find "$tmp/fresh" -name '*.csv' -o -name 'scenario.cfg' 2>/dev/null | wc -l)
[ "$csvs" = 0 ] || fail "SIGTERM: $csvs output files written by an interrupted run"

echo "run interrupted by SIGINT and SIGTERM: exit 3, earlier outputs untouched, nothing partial"
