#!/usr/bin/env bash
# Result folders as a unit (docs/cli.md, "Result folders"): one writer per
# output folder, stale temporaries of dead processes removed, a folder whose
# files come from two runs or changed since detected (verify, --resume),
# names that cannot be folders refused, the count of finished scenarios
# after an interrupt, and seeds that are never saturated.
# Usage: result_folders.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"

cfg=$root/tests/good/all_kinds.cfg
mini=$root/tests/good/minimal.cfg

# 1. One writer per folder: a second batch (or run) into a folder being
#    written is refused at once with exit 3, the first finishes alone.
"$bin" batch "$cfg" -o "$tmp/shared" -q --set monte_carlo.replicates=20000 --set monte_carlo.seed=111L 2>"$tmp/a.err" &
pa=$!
wait_running "$pa" || fail "first batch ended before the second started"
"$bin" batch "$cfg" -o "$tmp/shared" -q --set monte_carlo.seed=222L 2>"$tmp/b.err"
rc=$?
[ "$rc" = 3 ] || fail "second batch into a locked folder: exit $rc, expected 3"
grep -q "another tradesim is writing into this folder" "$tmp/b.err" || fail "second batch: $(cat "$tmp/b.err")"
"$bin" run "$mini" -o "$tmp/shared" -q 2>"$tmp/c.err"
rc=$?
[ "$rc" = 3 ] || fail "run into a locked folder: exit $rc, expected 3"
wait "$pa" || fail "first batch exit $? ($(cat "$tmp/a.err"))"
"$bin" verify -q "$tmp/shared/all_kinds" || fail "the first batch's folder does not verify"
grep -q 'seed = 111L' "$tmp/shared/all_kinds/scenario.cfg" || fail "folder holds another run's scenario"

# Writability before the first replicate: a folder that cannot be made fails
# at once, not after the run.
touch "$tmp/plainfile"
# (10 million replicates take minutes: a run that computes first is cut by
# the timeout, exit 124.)
timeout 60 "$bin" run "$cfg" -r 10000000 -o "$tmp/plainfile/out" -q 2>/dev/null
rc=$?
[ "$rc" = 3 ] || fail "run into a folder under a file: exit $rc, expected 3 (124: computed before failing)"

# 9. An empty output path is refused (it would write at the root).
"$bin" run "$mini" -o '' -q 2>"$tmp/err"
[ $? = 2 ] || fail "-o '': expected exit 2"
grep -q "empty path" "$tmp/err" || fail "-o '': $(cat "$tmp/err")"
"$bin" batch "$mini" -o '' -q 2>/dev/null
[ $? = 2 ] || fail "batch -o '': expected exit 2"

# 6. Temporaries of a dead process are removed by the next run of the folder;
#    a live process's are not.
"$bin" run "$mini" -o "$tmp/stale" -q || fail "run exit $?"
sh -c 'exit 0' &
dead=$!
wait "$dead"
touch "$tmp/stale/minimal/summary.csv.tmp.$dead.77" "$tmp/stale/batch.csv.tmp.$dead.3" \
      "$tmp/stale/minimal/log.csv.tmp.$$.5"
"$bin" batch "$mini" -o "$tmp/stale" -q --resume || fail "resume exit $?"
[ -e "$tmp/stale/minimal/summary.csv.tmp.$dead.77" ] && fail "stale temporary in the scenario folder kept"
[ -e "$tmp/stale/batch.csv.tmp.$dead.3" ] && fail "stale temporary in the output folder kept"
[ -e "$tmp/stale/minimal/log.csv.tmp.$$.5" ] || fail "a live process's temporary was removed"
rm -f "$tmp/stale/minimal/log.csv.tmp.$$.5"

# 8, 13. Files from two runs, or changed since, do not pass verify, and
#    --resume runs such a scenario again instead of trusting its marker.
"$bin" run "$mini" -s 1 -o "$tmp/s1" -q || fail "run -s 1 exit $?"
"$bin" run "$mini" -s 2 -o "$tmp/mix" -q || fail "run -s 2 exit $?"
"$bin" verify "$tmp/mix/minimal" >"$tmp/v.out" || fail "fresh folder does not verify: $(cat "$tmp/v.out")"
grep -q ": ok$" "$tmp/v.out" || fail "verify printed: $(cat "$tmp/v.out")"
cp "$tmp/s1/minimal/summary.csv" "$tmp/mix/minimal/summary.csv"
"$bin" verify "$tmp/mix/minimal" >"$tmp/v.out"
[ $? = 1 ] || fail "mixed folder: verify exit not 1"
grep -q "minimal/summary.csv: " "$tmp/v.out" || fail "mixed folder: $(cat "$tmp/v.out")"
"$bin" batch "$tmp/mix/minimal/scenario.cfg" -o "$tmp/mix" --resume >"$tmp/r.out" || fail "resume of a mixed folder exit $?"
grep -q "(1 run, 0 resumed, 0 failed)" "$tmp/r.out" || fail "mixed folder not re-run: $(cat "$tmp/r.out")"
"$bin" verify -q "$tmp/mix/minimal" || fail "re-run folder does not verify"
head -c 100 "$tmp/mix/minimal/summary.csv" >"$tmp/trunc" && mv "$tmp/trunc" "$tmp/mix/minimal/summary.csv"
"$bin" batch "$tmp/mix/minimal/scenario.cfg" -o "$tmp/mix" --resume >"$tmp/r.out" || fail "resume after truncation exit $?"
grep -q "(1 run, 0 resumed, 0 failed)" "$tmp/r.out" || fail "truncated summary.csv not re-run: $(cat "$tmp/r.out")"
: >"$tmp/mix/minimal/aggregate.csv"
"$bin" batch "$tmp/mix/minimal/scenario.cfg" -o "$tmp/mix" --resume >"$tmp/r.out" || fail "resume after emptying exit $?"
grep -q "(1 run, 0 resumed, 0 failed)" "$tmp/r.out" || fail "emptied aggregate.csv not re-run: $(cat "$tmp/r.out")"
"$bin" batch "$tmp/mix/minimal/scenario.cfg" -o "$tmp/mix" --resume >"$tmp/r.out" || fail "resume exit $?"
grep -q "(0 run, 1 resumed, 0 failed)" "$tmp/r.out" || fail "an intact folder was not resumed: $(cat "$tmp/r.out")"
rm "$tmp/mix/minimal/.complete"
"$bin" verify "$tmp/mix/minimal" >"$tmp/v.out"
[ $? = 1 ] || fail "no marker: verify exit not 1"
grep -q "no .complete marker" "$tmp/v.out" || fail "no marker: $(cat "$tmp/v.out")"
"$bin" verify "$tmp/nowhere" 2>/dev/null
[ $? = 2 ] || fail "verify of a missing folder: exit not 2"
# provenance.json: what changes from run to run, outside the checked files.
grep -q '"command_line"' "$tmp/mix/minimal/provenance.json" || fail "no command line in provenance.json"
grep -q '"start"' "$tmp/mix/minimal/datapackage.json" && fail "a time in datapackage.json"

# 11. A name taken from the file name follows the rule of an explicit name.
cp "$mini" "$tmp/.hid.cfg"
"$bin" run "$tmp/.hid.cfg" -o "$tmp/names" -q 2>"$tmp/err"
[ $? = 2 ] || fail ".hid.cfg: expected exit 2"
grep -q "hid.cfg: name '.hid.cfg' cannot be a result folder" "$tmp/err" || fail ".hid.cfg: $(cat "$tmp/err")"
nl=$'new\nline'
cp "$mini" "$tmp/$nl.cfg"
"$bin" batch "$tmp/$nl.cfg" -o "$tmp/names" -q 2>"$tmp/err"
[ $? = 2 ] || fail "newline in the file name: expected exit 2"
grep -q 'name .new\\x0aline. cannot be a result folder' "$tmp/err" || fail "newline name: $(cat "$tmp/err")"
[ -e "$tmp/names/new" ] && fail "a folder was made from a name with a newline"

# 3. Seeds: every 64-bit value distinct, none saturated; beyond 2^64-1 refused.
"$bin" run "$mini" -r 2 -s 18446744073709551615 -o "$tmp/seedmax" -q || fail "-s 2^64-1 exit $?"
"$bin" run "$mini" -r 2 -s 9223372036854775808 -o "$tmp/seed63" -q || fail "-s 2^63 exit $?"
cmp -s "$tmp/seedmax/minimal/summary.csv" "$tmp/seed63/minimal/summary.csv" &&
    fail "-s 2^64-1 and -s 2^63 gave the same run"
grep -q 'seed = "18446744073709551615"' "$tmp/seedmax/minimal/scenario.cfg" || fail "2^64-1 not recorded exactly"
for bad in 18446744073709551616 -1 12x ''; do
    "$bin" run "$mini" -s "$bad" -o "$tmp/seedbad" -q 2>"$tmp/err"
    [ $? = 2 ] || fail "-s '$bad': expected exit 2"
done

# 12. After an interrupt, the count of finished scenarios is the number of
#     folders that pass the check --resume makes.
mkdir -p "$tmp/long"
for i in 1 2 3 4; do
    sed -e '/^name *=/d' -e "1i name = \"long$i\";" "$cfg" >"$tmp/long/long$i.cfg"
done
"$bin" batch "$tmp/long" -o "$tmp/int" -j 1 --set monte_carlo.replicates=3000 -q 2>"$tmp/int.err" &
pid=$!
for ((i = 0; i < 400; i++)); do
    [ -f "$tmp/int/long1/.complete" ] || [ -f "$tmp/int/long2/.complete" ] ||
        [ -f "$tmp/int/long3/.complete" ] || [ -f "$tmp/int/long4/.complete" ] && break
    sleep 0.02
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ -f "$tmp/int/batch.csv" ]; then
    echo "note: batch finished before the signal; the count not exercised" >&2
else
    [ "$rc" = 3 ] || fail "interrupted batch exit $rc"
    said=$(sed -n 's/.* with \([0-9]*\) of 4 scenarios done.*/\1/p' "$tmp/int.err")
    ok=0
    for d in "$tmp"/int/long*/; do "$bin" verify -q "$d" >/dev/null 2>&1 && ok=$((ok + 1)); done
    [ "$said" = "$ok" ] || fail "interrupt reported $said done, $ok folders complete: $(cat "$tmp/int.err")"
    "$bin" batch "$tmp/long" -o "$tmp/int" -j 1 --set monte_carlo.replicates=3000 --resume >"$tmp/r.out" ||
        fail "resume exit $?"
    grep -q "($((4 - ok)) run, $ok resumed, 0 failed)" "$tmp/r.out" || fail "resume: $(cat "$tmp/r.out") after $ok"
fi

# 7. SIGTERM at any moment of a batch, batch.csv's write included: exit 3
#    (never killed by the signal) and no temporary left.
for delay in 0.05 0.1 0.15 0.2 0.25 0.3; do
    rm -rf "$tmp/term"
    "$bin" batch "$root/tests/good" -o "$tmp/term" -q 2>/dev/null &
    pid=$!
    wait_started "$pid"
    sleep "$delay"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "SIGTERM after ${delay}s: exit $rc"
    left=$(find "$tmp/term" -name '*.tmp.*' 2>/dev/null | wc -l)
    [ "$left" = 0 ] || fail "SIGTERM after ${delay}s: $left temporary files left"
done

# 4. Nested @include fans are bounded: refused at once (exit 2), not read
#    4^9 times.
mkdir -p "$tmp/fan"
for i in 0 1 2 3 4 5 6 7 8; do
    n=$((i + 1))
    printf '@include "l%d.inc"\n' $n $n $n $n >"$tmp/fan/l$i.inc"
done
: >"$tmp/fan/l9.inc"
{ cat "$mini"; echo '@include "l0.inc"'; } >"$tmp/fan/fan.cfg"
timeout 60 "$bin" check "$tmp/fan/fan.cfg" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] || fail "include fan: exit $rc, expected 2 (124: hung)"
grep -q "@include \"l[0-9].inc\": \(includes nested more than 10 levels deep\|more than 1,*000 include\)" "$tmp/err" || fail "include fan: $(cat "$tmp/err")"
#    SIGTERM while a large scenario loads: the interruption message, exit 3,
#    nothing written.
{ cat "$mini"; yes '# a long comment line, so that loading takes a while: 1234567890' | head -n 900000; } >"$tmp/big.cfg"
for c in run batch; do
    "$bin" $c "$tmp/big.cfg" -o "$tmp/bigout" -q 2>"$tmp/err" &
    pid=$!
    wait_started "$pid"
    sleep 0.05
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    if [ "$rc" = 0 ]; then
        echo "note: $c loaded before the signal; interruption while loading not exercised" >&2
        rm -rf "$tmp/bigout"
        continue
    fi
    [ "$rc" = 3 ] || fail "$c: SIGTERM while loading: exit $rc ($(cat "$tmp/err"))"
    grep -q "interrupted by signal 15 while loading" "$tmp/err" || fail "$c: SIGTERM while loading: $(cat "$tmp/err")"
    [ -e "$tmp/bigout" ] && fail "$c: interrupted while loading, yet wrote $tmp/bigout"
done

finish "result folders: one writer, stale temporaries, verify, resume, names, seeds, interrupts"
