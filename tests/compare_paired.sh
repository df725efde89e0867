#!/usr/bin/env bash
# End-to-end checks of compare's pairing: one scenario run twice with the
# same seed and a --set change is compared paired by replicate (said on the
# pairing line, method paired_t in -o's CSV) and its intervals are narrower
# than with --independent; runs with different seeds or replicate counts are
# independent, with the reason on one line.
# Usage: compare_paired.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"

sc="$root/scenarios/baseline_nov2025.cfg"
"$bin" run "$sc" -q -r 200 -s 5 -o "$tmp/a" || fail "run a: exit $?"
"$bin" run "$sc" -q -r 200 -s 5 -o "$tmp/b" --set issues.h20_licence.revenue_share=0.25 ||
    fail "run b: exit $?"
"$bin" run "$sc" -q -r 200 -s 6 -o "$tmp/c" --set issues.h20_licence.revenue_share=0.25 ||
    fail "run c: exit $?"
"$bin" run "$sc" -q -r 100 -s 5 -o "$tmp/d" || fail "run d: exit $?"
a=$tmp/a/baseline_nov2025 b=$tmp/b/baseline_nov2025 c=$tmp/c/baseline_nov2025 d=$tmp/d/baseline_nov2025

# field N of metric M's row in a compare CSV
field() { awk -F, -v m="$2" -v n="$3" '$3 == m { print $n }' "$1"; }
width() { awk -F, -v m="$2" '$3 == m { printf "%.17g\n", $8 - $7 }' "$1"; }

"$bin" compare "$a" "$b" -o "$tmp/paired.csv" >"$tmp/paired.out" || fail "compare (paired): exit $?"
grep -qx "pairing: paired by replicate (the same seed in all 200 replicates)" "$tmp/paired.out" ||
    fail "same seed: not paired: $(sed -n 3p "$tmp/paired.out")"
"$bin" compare "$a" "$b" -o "$tmp/indep.csv" --independent >"$tmp/indep.out" ||
    fail "compare --independent: exit $?"
grep -qx "pairing: independent (--independent)" "$tmp/indep.out" ||
    fail "--independent: $(sed -n 3p "$tmp/indep.out")"
for m in us_total cn_total joint_total; do
    [ "$(field "$tmp/paired.csv" $m 13)" = paired_t ] || fail "$m: method '$(field "$tmp/paired.csv" $m 13)', expected paired_t"
    [ "$(field "$tmp/indep.csv" $m 13)" = welch_t ] || fail "$m --independent: method '$(field "$tmp/indep.csv" $m 13)', expected welch_t"
    wp=$(width "$tmp/paired.csv" $m) wi=$(width "$tmp/indep.csv" $m)
    awk -v p="$wp" -v i="$wi" 'BEGIN { exit !(p > 0 && p < i) }' ||
        fail "$m: paired interval width $wp is not narrower than the independent $wi"
    # the same difference either way (up to the CSV's 6 digits)
    awk -v p="$(field "$tmp/paired.csv" $m 6)" -v i="$(field "$tmp/indep.csv" $m 6)" \
        'BEGIN { d = p - i; if (d < 0) d = -d; s = i < 0 ? -i : i; exit !(d <= 1e-5 * s + 1e-12) }' ||
        fail "$m: paired and independent differences disagree"
done
[ "$(field "$tmp/paired.csv" deal_probability 13)" = paired_wald ] || fail "deal_probability: not paired_wald"
[ "$(field "$tmp/paired.csv" time_to_first_deal 13)" = welch_t ] || fail "time_to_first_deal: not welch_t"

# Different seeds: independent, and why.
"$bin" compare "$a" "$c" -o "$tmp/seeds.csv" >"$tmp/seeds.out" || fail "compare (seeds): exit $?"
grep -qx "pairing: independent (seeds differ in 200 of 200 replicates, first in row 1)" "$tmp/seeds.out" ||
    fail "different seeds: $(sed -n 3p "$tmp/seeds.out")"
[ "$(field "$tmp/seeds.csv" us_total 13)" = welch_t ] || fail "different seeds: us_total not welch_t"
# Different replicate counts (the first 100 seeds are the same): independent.
"$bin" compare "$a" "$d" >"$tmp/count.out" || fail "compare (count): exit $?"
grep -qx "pairing: independent (200 replicates in base, 100 in other)" "$tmp/count.out" ||
    fail "different counts: $(sed -n 3p "$tmp/count.out")"
# A bad option value is refused before anything is read.
"$bin" compare "$a" "$b" --independent=yes >/dev/null 2>"$tmp/opt.err"; rc=$?
[ "$rc" = 2 ] && [ "$(cat "$tmp/opt.err")" = "tradesim compare: option '--independent' takes no value" ] ||
    fail "--independent=yes: exit $rc: $(cat "$tmp/opt.err")"
finish "compare pairing: paired, independent, reasons"
