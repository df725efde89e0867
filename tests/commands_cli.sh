#!/usr/bin/env bash
# End-to-end checks of what `run` and `check` print: `run --help` (and -h)
# gives the usage on stdout with exit 0, the same text as `help run`; `run` on
# a bad scenario prints exactly the catalogue's one error line, nothing on
# stdout, and writes no folder; `check` prints the resolved scenario, which
# checks again to the same text (and under --set shows the override), `-q`
# prints nothing, several files are headed by their names, and a bad file
# among good ones still prints the good ones and exits 2.
# Usage: commands_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
good=$root/tests/good/minimal.cfg

# run --help and -h: usage on stdout, nothing on stderr, exit 0.
for h in --help -h; do
    "$bin" run "$h" >"$tmp/help.out" 2>"$tmp/help.err"; rc=$?
    [ "$rc" = 0 ] || fail "run $h: exit $rc"
    [ ! -s "$tmp/help.err" ] || fail "run $h wrote on stderr: $(cat "$tmp/help.err")"
    head -n 1 "$tmp/help.out" | grep -q '^usage: tradesim run SCENARIO.cfg' ||
        fail "run $h: first line $(head -n 1 "$tmp/help.out")"
    for opt in -o -r -s -j --set --trajectories --log -q; do
        grep -q -- " $opt[ ,]" "$tmp/help.out" || fail "run $h does not list $opt"
    done
done
"$bin" help run >"$tmp/help2.out" 2>&1 || fail "help run: exit $?"
cmp -s "$tmp/help.out" "$tmp/help2.out" || fail "run -h and help run differ"

# run on a bad scenario: the catalogue's line, exit 2, nothing written.
(cd "$root/tests/bad" && "$bin" run abstract_needs_steps.cfg -q -o "$tmp/bad_out" \
    >"$tmp/bad.out" 2>"$tmp/bad.err"); rc=$?
[ "$rc" = 2 ] || fail "run on a bad scenario: exit $rc, expected 2"
[ "$(cat "$tmp/bad.err")" = "$(cat "$root/tests/bad/abstract_needs_steps.expected")" ] ||
    fail "run on a bad scenario printed '$(cat "$tmp/bad.err")'"
[ ! -s "$tmp/bad.out" ] || fail "run on a bad scenario printed on stdout"
[ ! -e "$tmp/bad_out" ] || fail "run on a bad scenario created its output folder"
# without -q too (the progress line must not stand in for the error)
"$bin" run "$root/tests/bad/abstract_needs_steps.cfg" -o "$tmp/bad_out" >/dev/null 2>"$tmp/bad.err"
[ "$(wc -l <"$tmp/bad.err")" = 1 ] && grep -q 'calendar.steps: missing' "$tmp/bad.err" ||
    fail "run without -q on a bad scenario: $(cat "$tmp/bad.err")"

# check: the resolved scenario, stable under a second check.
"$bin" check "$good" >"$tmp/c1.cfg" 2>"$tmp/c.err" || fail "check exit $?: $(cat "$tmp/c.err")"
head -n 1 "$tmp/c1.cfg" | grep -q '^# Resolved by tradesim ' || fail "check: no heading line"
grep -q '^name = "minimal";$' "$tmp/c1.cfg" || fail "check: no name line"
grep -q 'discount = 0.0; power = 1.0;' "$tmp/c1.cfg" || fail "check: defaults not filled in"
grep -q 'seed = 1L; rng = "taus2";' "$tmp/c1.cfg" || fail "check: monte_carlo not resolved"
"$bin" check "$tmp/c1.cfg" >"$tmp/c2.cfg" || fail "check of check's output: exit $?"
cmp -s "$tmp/c1.cfg" "$tmp/c2.cfg" || fail "check's output does not check to itself"
"$bin" check "$good" --set monte_carlo.replicates=7 | grep -q 'replicates = 7;' ||
    fail "check --set: override not shown"
# -q: nothing on either stream.
"$bin" check -q "$good" >"$tmp/q.out" 2>&1 || fail "check -q exit $?"
[ ! -s "$tmp/q.out" ] || fail "check -q printed: $(cat "$tmp/q.out")"
# several files: each headed by its name; a bad one among them: exit 2, the
# good ones still printed, one error line.
"$bin" check "$good" "$root/tests/good/abstract.cfg" >"$tmp/two.out" || fail "check of two: exit $?"
[ "$(grep -c '^# .*\.cfg$' "$tmp/two.out")" = 2 ] || fail "check of two: not headed by the names"
grep -qx "# $good" "$tmp/two.out" || fail "check of two: no '# $good'"
"$bin" check "$root/tests/bad/abstract_needs_steps.cfg" "$good" >"$tmp/mix.out" 2>"$tmp/mix.err"; rc=$?
[ "$rc" = 2 ] || fail "check of a bad and a good file: exit $rc"
grep -q '^name = "minimal";$' "$tmp/mix.out" || fail "check of a bad and a good file: good one not printed"
[ "$(wc -l <"$tmp/mix.err")" = 1 ] || fail "check of a bad and a good file: $(cat "$tmp/mix.err")"

finish "commands_cli: run --help, run on a bad scenario, check's output and -q"
