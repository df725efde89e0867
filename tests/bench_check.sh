#!/usr/bin/env bash
# The benchmarks' hand-written loops are independent statements of the
# model's arithmetic: run once each (bench_engine -1), their totals must be
# the engine's bit for bit, on bench5 with and without move noise and on the
# shipped baseline_nov2025 (talks not held); the aggregates must be a full
# sort's bit for bit, and those of a run in blocks the in-memory ones. Timings are printed, never asserted.
# Usage: bench_check.sh TRADESIM_BIN REPO_ROOT (the benchmarks sit beside it)
set -u
dir=$(dirname "$1")
root=$2
. "$root/tests/lib/common.sh"

same_bits() {   # label command...
    local label=$1 out
    shift
    if ! out=$("$@" 2>&1); then
        fail "$label: exit status $? ($out)"
        return
    fi
    echo "$out"
    grep -q '(same bits)' <<<"$out" || fail "$label: not the same bits"
}

same_bits "bench5" "$dir/bench_engine" -1 "$root/tests/good_engine/bench5.cfg"
same_bits "bench5 -q" "$dir/bench_engine" -1 -q "$root/tests/good_engine/bench5.cfg"
same_bits "baseline_nov2025" "$dir/bench_engine" -1 "$root/scenarios/baseline_nov2025.cfg"
same_bits "aggregates" "$dir/bench_aggregate" "$root/scenarios/baseline_nov2025.cfg" 2000
same_bits "aggregates in blocks" "$dir/bench_stream" "$root/scenarios/baseline_nov2025.cfg" 6000

finish "bench_check: all passed"
