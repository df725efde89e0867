#!/usr/bin/env bash
# End-to-end checks of `tradesim batch`: -j 1 and -j 2 give byte-identical
# folders; a bad file among good ones is reported, the others still run and
# the exit code is 2; an interrupted batch (SIGINT mid-run) leaves only
# complete folders and no temporary files (how fast it stops is measured by
# scripts/bench, not asserted here), and --resume finishes it with the
# same bytes as an uninterrupted batch; --resume re-runs a changed scenario.
# Usage: batch_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"

mkdir -p "$tmp/in"
cp "$root"/tests/good/minimal.cfg "$root"/tests/good/abstract.cfg "$root"/tests/good/all_kinds.cfg "$tmp/in/"

# -j 1 versus -j 2: byte identity of every file.
"$bin" batch "$tmp/in" -o "$tmp/j1" -j 1 -q || fail "batch -j 1 exit $?"
"$bin" batch "$tmp/in" -o "$tmp/j2" -j 2 -q || fail "batch -j 2 exit $?"
diff -r -x provenance.json "$tmp/j1" "$tmp/j2" >/dev/null || fail "-j 1 and -j 2 outputs differ"
[ -s "$tmp/j1/batch.csv" ] || fail "no batch.csv"
rows=$(($(wc -l <"$tmp/j1/batch.csv") - 1))
[ "$rows" = 3 ] || fail "batch.csv has $rows rows, expected 3"

# A bad scenario among good ones.
mkdir -p "$tmp/mixed"
cp "$root"/tests/good/minimal.cfg "$tmp/mixed/"
printf 'calendar = { start = "2025-01-20"; end = "2025-12-31"; };\nactors = ( { id = "us"; } );\n' >"$tmp/mixed/broken.cfg"
"$bin" batch "$tmp/mixed" -o "$tmp/mixed_out" -q 2>"$tmp/mixed.err"
rc=$?
[ "$rc" = 2 ] || fail "mixed batch exit $rc, expected 2"
grep -q "broken.cfg" "$tmp/mixed.err" || fail "mixed batch did not name broken.cfg: $(cat "$tmp/mixed.err")"
[ -f "$tmp/mixed_out/minimal/.complete" ] || fail "good scenario not completed in mixed batch"
grep -q ',failed,' "$tmp/mixed_out/batch.csv" || fail "no failed row in batch.csv"
grep -q '^minimal,ok,' "$tmp/mixed_out/batch.csv" || fail "no ok row for minimal in batch.csv"

# Interruption: a long batch stopped by SIGINT, then resumed.
mkdir -p "$tmp/long"
for i in 1 2 3 4; do
    sed -e '/^name *=/d' -e "1i name = \"long$i\";" "$root/tests/good/all_kinds.cfg" >"$tmp/long/long$i.cfg"
done
"$bin" batch "$tmp/long" -o "$tmp/ref" -q --set monte_carlo.replicates=1500 || fail "reference batch exit $?"
"$bin" batch "$tmp/long" -o "$tmp/int" -q --set monte_carlo.replicates=1500 &
pid=$!
wait_running "$pid"
kill -INT "$pid" 2>/dev/null
wait "$pid"
rc=$?
# Only a machine that ran the whole batch between the first worker's start
# and the signal can get here: the interruption is then not tested.
if [ -f "$tmp/int/batch.csv" ] && [ "$rc" = 0 ]; then
    skip "interrupting a batch (it finished before the signal)"
else
    [ "$rc" = 3 ] || fail "interrupted batch exit $rc, expected 3"
    [ ! -f "$tmp/int/batch.csv" ] || fail "interrupted batch wrote batch.csv"
fi
left=$(find "$tmp/int" -name '*.tmp.*' | wc -l)
[ "$left" = 0 ] || fail "$left temporary files left after interruption"
for d in "$tmp"/int/*/; do
    [ -d "$d" ] || continue
    if [ -f "$d/.complete" ]; then
        diff -r -x provenance.json "$d" "$tmp/ref/$(basename "$d")" >/dev/null || fail "complete folder $d differs from reference"
    fi
done
"$bin" batch "$tmp/long" -o "$tmp/int" -q --resume --set monte_carlo.replicates=1500 || fail "resume exit $?"
diff -r -x provenance.json "$tmp/int" "$tmp/ref" >/dev/null || fail "resumed batch differs from uninterrupted one"

# --resume re-runs what changed and skips what did not.
"$bin" batch "$tmp/long" -o "$tmp/int" --resume --set monte_carlo.replicates=1500 >"$tmp/resume.out" || fail "second resume exit $?"
grep -q "(0 run, 4 resumed, 0 failed)" "$tmp/resume.out" || fail "unchanged resume ran something: $(cat "$tmp/resume.out")"
"$bin" batch "$tmp/long" -o "$tmp/int" --resume --set monte_carlo.replicates=100 >"$tmp/resume2.out" || fail "changed resume exit $?"
grep -q "(4 run, 0 resumed, 0 failed)" "$tmp/resume2.out" || fail "changed scenarios not re-run: $(cat "$tmp/resume2.out")"

# Two files naming the same scenario: the second is refused (it would write
# the first's folder), the first runs, exit 2.
mkdir -p "$tmp/dup"
for f in a b; do
    sed '1i name = "same";' "$root/tests/good/minimal.cfg" >"$tmp/dup/$f.cfg"
done
"$bin" batch "$tmp/dup" -o "$tmp/dup_out" -q --set monte_carlo.replicates=5 2>"$tmp/dup.err"; rc=$?
[ "$rc" = 2 ] || fail "duplicate names: exit $rc, expected 2"
[ "$(cat "$tmp/dup.err")" = "$tmp/dup/b.cfg: name 'same' is also the name of $tmp/dup/a.cfg; both would write $tmp/dup_out/same" ] ||
    fail "duplicate names: $(cat "$tmp/dup.err")"
[ -f "$tmp/dup_out/same/.complete" ] || fail "duplicate names: the first did not run"
[ "$(grep -c '^same,ok,' "$tmp/dup_out/batch.csv")" = 1 ] && [ "$(grep -c '^same,failed,' "$tmp/dup_out/batch.csv")" = 1 ] ||
    fail "duplicate names: batch.csv rows: $(cut -c1-60 "$tmp/dup_out/batch.csv")"

# No scenario files: exit 2, with the hint about -R only when it would help.
mkdir -p "$tmp/none/sub" "$tmp/empty"
cp "$root/tests/good/minimal.cfg" "$tmp/none/sub/"
"$bin" batch "$tmp/none" -o "$tmp/none_out" 2>"$tmp/none.err"; rc=$?
[ "$rc" = 2 ] && [ "$(cat "$tmp/none.err")" = "tradesim batch: no *.cfg files in $tmp/none (names are matched in lower case; use -R to descend into sub-folders)" ] ||
    fail "no files: exit $rc: $(cat "$tmp/none.err")"
"$bin" batch "$tmp/none" -R -q -o "$tmp/none_out" --set monte_carlo.replicates=5 || fail "-R: exit $?"
[ -f "$tmp/none_out/minimal/.complete" ] || fail "-R did not find sub/minimal.cfg"
"$bin" batch "$tmp/empty" -R -o "$tmp/none_out" 2>"$tmp/none.err"; rc=$?
[ "$rc" = 2 ] && [ "$(cat "$tmp/none.err")" = "tradesim batch: no *.cfg files in $tmp/empty (names are matched in lower case; result folders are skipped)" ] ||
    fail "no files under -R: exit $rc: $(cat "$tmp/none.err")"

# On a terminal: a status line that ends at every scenario and replicate
# done, then the closing line.
if command -v script >/dev/null 2>&1; then
    script -qec "'$bin' batch '$tmp/in' -o '$tmp/tty_out' --set monte_carlo.replicates=7" /dev/null |
        tr '\r' '\n' >"$tmp/tty.out"
    grep -q '^tradesim batch: 3/3 scenarios, 21/21 replicates, [0-9]*s elapsed, [0-9?]*s* left *$' "$tmp/tty.out" ||
        fail "batch progress on a terminal: $(cat "$tmp/tty.out")"
    grep -q "^$tmp/tty_out/batch.csv: 3 scenarios (3 run, 0 resumed, 0 failed)\$" "$tmp/tty.out" ||
        fail "batch closing line on a terminal: $(cat "$tmp/tty.out")"
else
    skip "batch progress on a terminal (no script(1))"
fi

# Usage errors.
"$bin" batch 2>/dev/null; [ $? = 2 ] || fail "batch without paths should exit 2"
"$bin" batch "$tmp/nonexistent" 2>/dev/null; [ $? = 2 ] || fail "missing path should exit 2"

finish "batch_cli: all checks passed"
