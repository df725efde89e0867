#!/usr/bin/env bash
# End-to-end checks of what `run` and `check` print: `run --help` (and -h)
# gives the usage on stdout with exit 0, the same text as `help run`; `run` on
# a bad scenario prints exactly the catalogue's one error line, nothing on
# stdout, and writes no folder; run's closing line, its progress line on a
# terminal (once at the total), -q, and --seed's checks; `check` prints the resolved scenario, which
# checks again to the same text (and under --set shows the override), `-q`
# prints nothing, several files are headed by their names, and a bad file
# among good ones still prints the good ones and exits 2; the program without
# a command, with an unknown one, help, --version and a full stdout.
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

# run's closing line on stdout; no progress when stderr is not a terminal.
"$bin" run "$good" -o "$tmp/ok" -r 20 >"$tmp/ok.out" 2>"$tmp/ok.err" || fail "run exit $?"
[ "$(cat "$tmp/ok.out")" = "$tmp/ok/minimal: 20 replicates x 50 steps" ] ||
    fail "run printed '$(cat "$tmp/ok.out")'"
[ ! -s "$tmp/ok.err" ] || fail "run wrote on stderr off a terminal: $(cat "$tmp/ok.err")"
"$bin" run "$good" -o "$tmp/ok" -r 20 -q >"$tmp/ok.out" 2>&1 || fail "run -q exit $?"
[ ! -s "$tmp/ok.out" ] || fail "run -q printed: $(cat "$tmp/ok.out")"
# On a terminal: the progress line, ending once at the total, then the
# closing line; -q none.
if command -v script >/dev/null 2>&1; then
    script -qec "'$bin' run '$good' -o '$tmp/ok' -r 20" /dev/null | tr -d '\r' >"$tmp/tty.out"
    [ "$(grep -c 'tradesim run: minimal: 20/20 replicates$' "$tmp/tty.out")" = 1 ] ||
        fail "progress on a terminal: $(od -c "$tmp/tty.out" | head)"
    [ "$(tail -n 1 "$tmp/tty.out")" = "$tmp/ok/minimal: 20 replicates x 50 steps" ] ||
        fail "closing line on a terminal: $(tail -n 1 "$tmp/tty.out")"
    script -qec "'$bin' run '$good' -o '$tmp/ok' -r 20 -q" /dev/null >"$tmp/tty.out"
    [ ! -s "$tmp/tty.out" ] || fail "run -q on a terminal printed: $(cat "$tmp/tty.out")"
else
    skip "progress on a terminal (no script(1))"
fi
# --seed: empty or over 200 characters is refused before loading.
for seed in "" "$(printf '%0201d' 1)"; do
    "$bin" run "$good" -o "$tmp/ok" --seed "$seed" >/dev/null 2>"$tmp/seed.err"; rc=$?
    [ "$rc" = 2 ] || fail "--seed of ${#seed} characters: exit $rc"
    [ "$(cat "$tmp/seed.err")" = "tradesim run: --seed '$seed': expected a whole number from 0 to 18446744073709551615 (or 0x and up to 16 hex digits)" ] ||
        fail "--seed of ${#seed} characters: $(cat "$tmp/seed.err")"
done
# a decimal seed past 64 bits is refused, never saturated
"$bin" run "$good" -o "$tmp/ok" -q --seed 99999999999999999999 2>"$tmp/seed.err"; rc=$?
[ "$rc" = 2 ] && grep -q "tradesim run: --seed '99999999999999999999': expected a whole number from 0 to 18446744073709551615" "$tmp/seed.err" ||
    fail "--seed past 64 bits: exit $rc: $(cat "$tmp/seed.err")"
"$bin" run "$good" -o "$tmp/ok" -q -r 5 --seed 7L || fail "--seed 7L: exit $?"
grep -q 'seed = 7L;' "$tmp/ok/minimal/scenario.cfg" || fail "--seed 7L not in scenario.cfg"

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

# The program itself: no command is a usage error (the usage on stderr); an
# unknown one is named; help and --version answer on stdout; a full stdout
# is an I/O failure, not a silent success.
"$bin" >"$tmp/none.out" 2>"$tmp/none.err"; rc=$?
[ "$rc" = 2 ] && [ ! -s "$tmp/none.out" ] && head -n 1 "$tmp/none.err" | grep -q '^usage: tradesim <command>' ||
    fail "no command: exit $rc, stderr $(head -n 1 "$tmp/none.err")"
"$bin" frob 2>"$tmp/frob.err"; rc=$?
[ "$rc" = 2 ] && [ "$(cat "$tmp/frob.err")" = "tradesim: unknown command 'frob' (commands: run, batch, check, compare, diff, plot, verify; see 'tradesim --help')" ] ||
    fail "unknown command: exit $rc: $(cat "$tmp/frob.err")"
for h in help --help -h "help nope"; do
    # shellcheck disable=SC2086
    "$bin" $h >"$tmp/top.out" 2>&1 || fail "$h: exit $?"
    head -n 1 "$tmp/top.out" | grep -q '^usage: tradesim <command>' || fail "$h: $(head -n 1 "$tmp/top.out")"
    grep -q '^  check     validate scenarios' "$tmp/top.out" || fail "$h does not list check"
done
"$bin" help check | head -n 1 | grep -q '^usage: tradesim check SCENARIO.cfg' || fail "help check"
[ "$("$bin" --version)" = "tradesim $(sed -n 's/^project(tradesim VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")" ] ||
    fail "--version: $("$bin" --version)"
if [ -w /dev/full ]; then
    "$bin" check "$good" >/dev/full 2>"$tmp/full.err"; rc=$?
    [ "$rc" = 3 ] && [ "$(cat "$tmp/full.err")" = "tradesim check: cannot write to standard output" ] ||
        fail "stdout full: exit $rc: $(cat "$tmp/full.err")"
else
    skip "a full standard output (no /dev/full)"
fi

finish "commands_cli: run --help, run on a bad scenario, check's output and -q"
