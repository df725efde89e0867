#!/usr/bin/env bash
# Writing scenarios from the command line: a variant in another folder that
# extends a shipped scenario (its includes found from the base's folder),
# include fans bounded and quick, and SIGTERM while a scenario loads: one
# line and exit 3. Usage: authoring_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
source "$root/tests/lib/common.sh"

# A variant two folders away, checked from a third working folder.
mkdir -p "$tmp/mine/deep" "$tmp/elsewhere"
rel=$(realpath --relative-to="$tmp/mine/deep" "$root/scenarios/baseline_nov2025.cfg")
cat > "$tmp/mine/deep/rs25.cfg" <<CFG
extends = "$rel";
issues = ( { id = "h20_licence"; revenue_share = 0.25; } );
CFG
out=$(cd "$tmp/elsewhere" && "$bin" check ../mine/deep/rs25.cfg 2>&1)
rc=$?
[ $rc -eq 0 ] || fail "variant in another folder: exit $rc: $out"
grep -q '^name = "rs25";' <<<"$out" || fail "variant not named after its file"
grep -q 'revenue_share = 0.25;' <<<"$out" || fail "variant's revenue_share not in the resolved scenario"
grep -q 'label = "Truce expiry: tariff talks"' <<<"$out" || fail "base's talks not inherited"
# ... and the same variant run, then its resolved scenario loads as itself.
(cd "$tmp/elsewhere" && "$bin" run ../mine/deep/rs25.cfg -q -r 20 -o out) ||
    fail "variant does not run"
"$bin" check -q "$tmp/elsewhere/out/rs25/scenario.cfg" || fail "the variant's scenario.cfg does not load"

# A fan of six includes six deep (6^6 expansions) stops at the limit at once.
mkdir -p "$tmp/fan"
for i in 1 2 3 4 5 6; do
    for _ in 1 2 3 4 5 6; do echo "@include \"f$((i + 1)).inc\""; done > "$tmp/fan/f$i.inc"
done
echo "# bottom" > "$tmp/fan/f7.inc"
echo '@include "f1.inc"' > "$tmp/fan/fan.cfg"
err=$(timeout 60 "$bin" check "$tmp/fan/fan.cfg" 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "include fan: exit $rc (want 2; 124: hung): $err"
grep -q "more than 1000 includes in one scenario" <<<"$err" || fail "include fan: $err"
# Four wide and four deep (340 includes) is allowed, each file read once.
for i in 1 2 3 4; do
    for _ in 1 2 3 4; do echo "@include \"g$((i + 1)).inc\""; done > "$tmp/fan/g$i.inc"
done
echo "# bottom" > "$tmp/fan/g5.inc"
{ cat "$root/tests/good/minimal.cfg"; echo '@include "g1.inc"'; } > "$tmp/fan/ok.cfg"
"$bin" check -q "$tmp/fan/ok.cfg" || fail "a fan of 340 includes within the limits does not load"

# SIGTERM while a scenario loads (about a second: 199 groups of 1,000
# settings, near the limits): one line, exit 3.
awk 'BEGIN { for (i = 0; i < 1000; i++) printf "x%d = [1.0, 2.0, 3.0, 4.0, 5.0];\n", i }' \
    > "$tmp/fan/g1000.inc"
for i in $(seq 1 199); do echo "g$i = { @include \"g1000.inc\" };"; done > "$tmp/fan/heavy.cfg"
"$bin" check "$tmp/fan/heavy.cfg" >/dev/null 2>"$tmp/heavy.err" &
pid=$!
for ((i = 0; i < 400; i++)); do   # until the signal watcher runs
    [ "$(ls "/proc/$pid/task" 2>/dev/null | wc -l)" -ge 2 ] && break
    sleep 0.005
done
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 3 ] || fail "SIGTERM while loading: exit $rc (want 3): $(cat "$tmp/heavy.err")"
grep -q "^tradesim check: interrupted by signal 15;" "$tmp/heavy.err" ||
    fail "SIGTERM while loading: $(cat "$tmp/heavy.err")"

finish "authoring_cli: variants across folders, bounded include fans, SIGTERM while loading"
