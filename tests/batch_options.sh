#!/usr/bin/env bash
# End-to-end checks of batch's -r, -s and --set columns: every scenario runs
# with the replicates and seed given (the same files `run` writes with
# them), batch.csv records each scenario's seed (hex) and one column per
# --set KEY (the last value given for it; --log adds none); bad -r and -s
# values get their one-line errors, exit 2, and nothing is written.
# Usage: batch_options.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"

mkdir -p "$tmp/in"
cp "$root"/tests/good/minimal.cfg "$root"/tests/good/abstract.cfg "$tmp/in/"
# the value of column $2 in row $3 (scenario) of CSV $1 (no quoted commas)
cell() {
    awk -F, -v col="$2" -v row="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        $1 == row && c { print $c }' "$1"
}

# Defaults: each scenario's own seed (minimal: 1, abstract: 7), no --set columns.
"$bin" batch "$tmp/in" -o "$tmp/plain" -q || fail "plain batch: exit $?"
head -n 1 "$tmp/plain/batch.csv" | grep -q '^scenario,status,replicates,seed,deal_probability,' ||
    fail "plain batch.csv header: $(head -n 1 "$tmp/plain/batch.csv" | cut -c1-80)"
[ "$(cell "$tmp/plain/batch.csv" seed minimal)" = 0x0000000000000001 ] ||
    fail "minimal's own seed: '$(cell "$tmp/plain/batch.csv" seed minimal)'"
[ "$(cell "$tmp/plain/batch.csv" seed pd_tft)" = 0x0000000000000007 ] ||
    fail "abstract's own seed: '$(cell "$tmp/plain/batch.csv" seed pd_tft)'"

# -r, -s and --set applied to every scenario.
"$bin" batch "$tmp/in" -o "$tmp/opts" -q -r 7 -s 0xabc --set actors.[0].reliability=0.8 \
    --log events --set actors.[0].reliability=0.9 || fail "batch -r -s --set: exit $?"
head -n 1 "$tmp/opts/batch.csv" |
    grep -q '^scenario,status,replicates,seed,actors\.\[0\]\.reliability,deal_probability,' ||
    fail "batch.csv header with --set: $(head -n 1 "$tmp/opts/batch.csv" | cut -c1-90)"
for s in minimal pd_tft; do
    [ "$(cell "$tmp/opts/batch.csv" replicates $s)" = 7 ] || fail "$s: replicates '$(cell "$tmp/opts/batch.csv" replicates $s)', expected 7"
    [ "$(cell "$tmp/opts/batch.csv" seed $s)" = 0x0000000000000abc ] || fail "$s: seed '$(cell "$tmp/opts/batch.csv" seed $s)'"
    [ "$(cell "$tmp/opts/batch.csv" 'actors.[0].reliability' $s)" = 0.9 ] ||
        fail "$s: --set column '$(cell "$tmp/opts/batch.csv" 'actors.[0].reliability' $s)', expected the last value 0.9"
    [ "$(($(wc -l <"$tmp/opts/$s/summary.csv") - 1))" = 7 ] || fail "$s: summary.csv rows are not 7"
    grep -q 'seed = 2748L;' "$tmp/opts/$s/scenario.cfg" || fail "$s: seed 0xabc not in scenario.cfg"
done
grep -q 'output\.log' "$tmp/opts/batch.csv" && fail "--log made a batch.csv column"
# The same files as run with the same options.
"$bin" run "$tmp/in/minimal.cfg" -o "$tmp/run" -q -r 7 -s 0xabc --set actors.[0].reliability=0.8 \
    --log events --set actors.[0].reliability=0.9 || fail "run: exit $?"
for f in summary.csv aggregate.csv log.csv scenario.cfg; do
    cmp -s "$tmp/run/minimal/$f" "$tmp/opts/minimal/$f" || fail "batch and run differ in $f"
done
# --resume with the same options skips; another seed runs again.
"$bin" batch "$tmp/in" -o "$tmp/opts" -r 7 -s 0xabc --set actors.[0].reliability=0.8 \
    --log events --set actors.[0].reliability=0.9 --resume >"$tmp/resume.out" || fail "resume: exit $?"
grep -q '(0 run, 2 resumed, 0 failed)' "$tmp/resume.out" || fail "resume: $(cat "$tmp/resume.out")"
"$bin" batch "$tmp/in" -o "$tmp/opts" -r 7 -s 12 --resume >"$tmp/resume.out" || fail "resume -s 12: exit $?"
grep -q '(2 run, 0 resumed, 0 failed)' "$tmp/resume.out" || fail "resume -s 12: $(cat "$tmp/resume.out")"
[ "$(cell "$tmp/opts/batch.csv" seed minimal)" = 0x000000000000000c ] || fail "-s 12: seed '$(cell "$tmp/opts/batch.csv" seed minimal)'"

# Bad values: one line, exit 2, nothing written.
expect_bad() {
    local want=$1
    shift
    "$bin" batch "$tmp/in" -o "$tmp/bad" -q "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
    local rc=$?
    [ "$rc" = 2 ] || fail "batch $*: exit $rc, expected 2"
    [ "$(cat "$tmp/bad.err")" = "$want" ] || fail "batch $*: '$(cat "$tmp/bad.err")'"
    [ ! -s "$tmp/bad.out" ] && [ ! -e "$tmp/bad" ] || fail "batch $*: wrote output"
}
expect_bad "tradesim batch: --replicates '0': expected a whole number from 1 to 100000000" -r 0
expect_bad "tradesim batch: --replicates 'x': expected a whole number from 1 to 100000000" --replicates x
expect_bad "tradesim batch: --seed 'junk': expected a whole number from 0 to 18446744073709551615 (or 0x and up to 16 hex digits)" -s junk
expect_bad "tradesim batch: --seed '18446744073709551616': expected a whole number from 0 to 18446744073709551615 (or 0x and up to 16 hex digits)" --seed 18446744073709551616
finish "batch options: -r, -s, --set columns, bad values"
