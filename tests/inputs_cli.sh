#!/usr/bin/env bash
# Inputs, the same way in every subcommand (docs/cli.md, exit codes): a
# nonexistent input is exit 2 with one line naming it; an input of the wrong
# kind says what was expected and what to run instead; batch -R skips the
# folders tradesim wrote; plot draws a batch's folder.
# Usage: inputs_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"

mini=$root/tests/good/minimal.cfg
"$bin" run "$mini" -o "$tmp/res" -q || fail "run exit $?"
res=$tmp/res/minimal

# expect2 WHAT PATTERN COMMAND...: exit 2, one line on stderr matching PATTERN.
expect2() {
    local what=$1 pat=$2
    shift 2
    "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "$what: exit $rc, expected 2 ($(cat "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$what: expected one line: $(cat "$tmp/err")"
    grep -q -- "$pat" "$tmp/err" || fail "$what: message lacks '$pat': $(cat "$tmp/err")"
}

# A nonexistent input: exit 2 for every subcommand.
expect2 "run" "nope.cfg: no such file" "$bin" run "$tmp/nope.cfg" -o "$tmp/o"
expect2 "batch" "nope.cfg: no such file" "$bin" batch "$tmp/nope.cfg" -o "$tmp/o"
expect2 "check" "nope.cfg: no such file" "$bin" check "$tmp/nope.cfg"
expect2 "compare base" "nope" "$bin" compare "$tmp/nope" "$res"
expect2 "compare other" "nope" "$bin" compare "$res" "$tmp/nope"
expect2 "diff" "nope.csv" "$bin" diff "$tmp/nope.csv" "$res/summary.csv"
expect2 "plot" "nope: no such result folder" "$bin" plot "$tmp/nope"
expect2 "verify" "nope: no such folder" "$bin" verify "$tmp/nope"

# Inputs of the wrong kind.
expect2 "compare of a scenario" "a scenario, not a result" "$bin" compare "$mini" "$res"
expect2 "run of a folder" "is a folder.*tradesim batch" "$bin" run "$root/tests/good" -o "$tmp/o"
mkdir -p "$tmp/upper"
cp "$mini" "$tmp/upper/scen.CFG"
expect2 "batch of a folder with only scen.CFG" "no \*.cfg files in $tmp/upper" \
    "$bin" batch "$tmp/upper" -o "$tmp/o"

# A file without line ends is refused at the record limit, not read into memory.
expect2 "diff with /dev/zero" "/dev/zero:1: record longer than 16777216 bytes" \
    "$bin" diff "$res/summary.csv" /dev/zero
head -c 20000000 /dev/zero | tr '\0' 'x' >"$tmp/long.csv"
expect2 "compare of a file without newlines" "long.csv:1: record longer than" \
    "$bin" compare "$res" "$tmp/long.csv"
# compare reads only summary.csv files: another result file is refused.
expect2 "compare of aggregate.csv" "expected 'replicate', got 'step'" \
    "$bin" compare "$res" "$res/aggregate.csv"

# batch -R skips earlier output folders (their scenario.cfg is an output).
mkdir -p "$tmp/tree/sub"
cp "$mini" "$tmp/tree/a.cfg"
cp "$root/tests/good/abstract.cfg" "$tmp/tree/sub/b.cfg"
"$bin" batch -R "$tmp/tree" -o "$tmp/tree/out" -q || fail "first batch -R exit $?"
"$bin" batch -R "$tmp/tree" -o "$tmp/tree/out" >"$tmp/out" 2>"$tmp/err" || fail "second batch -R exit $? ($(cat "$tmp/err"))"
grep -q ": 2 scenarios (2 run" "$tmp/out" || fail "batch -R ran outputs as inputs: $(cat "$tmp/out")"

# plot on a batch's folder draws its scenarios, overlaid, into BATCH/plots.
if command -v gnuplot >/dev/null 2>&1; then
    "$bin" plot "$tmp/tree/out" >"$tmp/plot.out" 2>"$tmp/err" || fail "plot of a batch folder exit $? ($(cat "$tmp/err"))"
    grep -q "$tmp/tree/out/plots/compare_totals.png" "$tmp/plot.out" || fail "plot of a batch folder: $(cat "$tmp/plot.out")"
fi
finish "inputs: one exit code for a missing input, hints for the wrong kind, -R skips outputs, plot of a batch"
