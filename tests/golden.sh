#!/usr/bin/env bash
# Golden results: re-runs the shipped scenarios exactly as the README's run
# command does and compares every outcome CSV with the committed copy in
# results/. Any change in model behaviour shows here and must be re-blessed
# on purpose with scripts/bless. A tolerance of 1e-9 (relative) absorbs the
# last-digit differences an optimising versus a sanitizer build can give;
# the README's command itself reproduces the committed bytes. The charts of
# the shipped scenarios are drawn too (plot) and must not be empty.
# Usage: golden.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"

[ -f "$root/results/batch.csv" ] || { echo "FAIL: no golden results in $root/results (run scripts/bless)" >&2; exit 1; }
"$bin" batch "$root/scenarios" -o "$tmp" -q || fail "batch of shipped scenarios exit $?"
checked=0
for gold in "$root"/results/batch.csv "$root"/results/*/*.csv; do
    rel=${gold#"$root/results/"}
    if [ ! -f "$tmp/$rel" ]; then
        fail "$rel: in results/ but not produced by the run"
        continue
    fi
    "$bin" diff "$gold" "$tmp/$rel" --rtol 1e-9 --atol 1e-12 >"$tmp/diff.out" 2>&1 ||
        { fail "$rel differs from the golden copy:"; head -n 12 "$tmp/diff.out" >&2; }
    checked=$((checked + 1))
done
for new in "$tmp"/*/summary.csv; do
    rel=${new#"$tmp/"}
    [ -f "$root/results/$rel" ] || fail "$rel: produced by the run but missing from results/ (run scripts/bless)"
done
# The charts of the shipped scenarios: every one drawn, none empty.
if command -v gnuplot >/dev/null 2>&1; then
    "$bin" plot "$tmp"/*/ -o "$tmp/plots" >/dev/null || fail "plot of the shipped scenarios exit $?"
    "$bin" plot "$tmp/baseline_nov2025" -o "$tmp/plots1" >/dev/null || fail "plot of baseline_nov2025 exit $?"
    n=0
    for f in "$tmp"/plots/*.png "$tmp"/plots/*.svg "$tmp"/plots1/*.png "$tmp"/plots1/*.svg; do
        [ -s "$f" ] || fail "empty or missing chart $f"
        n=$((n + 1))
    done
    [ "$n" -ge 20 ] || fail "only $n charts of the shipped scenarios"
else
    skip "charts of the shipped scenarios (gnuplot not installed)"
fi
finish "golden: $checked files match"
