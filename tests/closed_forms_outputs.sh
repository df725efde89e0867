#!/usr/bin/env bash
# summary.csv's totals against the status quo and per-issue totals, through
# the CLI on the scenarios of tests/closed_forms/outputs/ (precision 17):
# - hold.cfg (both actors hold, no events): every <actor>_vs_status_quo and
#   joint_vs_status_quo is exactly 0, and each actor's <actor>_<issue>_total
#   (interactions included) sum to <actor>_total within 1e-9 of the sum of
#   their magnitudes (rounding of a few hundred additions is ~1e-15);
# - params.cfg: totals, status-quo differences and per-issue totals equal the
#   closed forms worked out in the file, within 1e-12 (sums of a few dozen
#   terms of size ~1);
# - -j 1 and -j 2 write the same bytes; batch.csv carries each actor's mean
#   vs_status_quo with its interval; compare lists the vs_status_quo metrics;
# - output.channels: a tariff of 100% held 4 abstract steps with M0 = 100,
#   e = 2, tot_share 0 splits its -25 a step into consumer surplus -50 and
#   revenue +25 (terms of trade and the exporters' loss 0); on the shipped
#   baseline (every kind but custom, 20 replicates) each actor's channels of
#   an issue sum to its <actor>_<issue>_total within 1e-12 relative.
# Usage: closed_forms_outputs.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
dir=$root/tests/closed_forms/outputs

"$bin" run "$dir/hold.cfg" -o "$tmp/j1" -j 1 -q || fail "hold.cfg -j 1: exit $?"
"$bin" run "$dir/hold.cfg" -o "$tmp/j2" -j 2 -q || fail "hold.cfg -j 2: exit $?"
"$bin" run "$dir/params.cfg" -o "$tmp/j1" -j 1 -q || fail "params.cfg -j 1: exit $?"
"$bin" run "$dir/params.cfg" -o "$tmp/j2" -j 2 -q || fail "params.cfg -j 2: exit $?"
diff -r -x provenance.json "$tmp/j1" "$tmp/j2" >/dev/null || fail "-j 1 and -j 2 outputs differ"

# Per-issue totals add up to each actor's total; vs_status_quo is 0 exactly.
hold=$tmp/j1/outputs_hold/summary.csv
out=$(awk -F, '
NR == 1 {
    for (i = 1; i <= NF; i++) col[$i] = i
    n = split("us cn", actor, " ")
    m = split("us_tariff cn_tariff h20 rare_earths fentanyl soybeans interactions", issue, " ")
    for (a = 1; a <= n; a++)
        for (j = 1; j <= m; j++)
            if (!((actor[a] "_" issue[j] "_total") in col)) print "no column " actor[a] "_" issue[j] "_total"
    next
}
{
    for (a = 1; a <= n; a++) {
        s = 0; mag = 0
        for (j = 1; j <= m; j++) {
            v = $col[actor[a] "_" issue[j] "_total"]; s += v; mag += v < 0 ? -v : v
        }
        t = $col[actor[a] "_total"]; d = s - t; if (d < 0) d = -d
        if (!(mag > 0) || d > 1e-9 * mag)
            printf "row %d: %s parts sum to %.17g, total %.17g\n", NR - 1, actor[a], s, t
        if ($col[actor[a] "_vs_status_quo"] != "0")
            printf "row %d: %s_vs_status_quo %s, expected 0\n", NR - 1, actor[a], $col[actor[a] "_vs_status_quo"]
    }
    if ($col["joint_vs_status_quo"] != "0")
        printf "row %d: joint_vs_status_quo %s, expected 0\n", NR - 1, $col["joint_vs_status_quo"]
    rows++
}
END { if (rows != 5) print "expected 5 rows, got " rows }' "$hold")
[ -z "$out" ] || fail "hold.cfg: $out"

# The closed forms of params.cfg (every replicate alike).
out=$(awk -F, '
BEGIN {
    n = split("a_total=18.35 b_total=-9.5 joint_total=8.85 a_vs_status_quo=-15.275 " \
              "b_vs_status_quo=7.5 joint_vs_status_quo=-7.775 a_pl_total=4.475 " \
              "a_c_total=13.875 a_interactions_total=0 b_pl_total=-6 b_c_total=-5 " \
              "b_interactions_total=1.5", kv, " ")
    for (k = 1; k <= n; k++) { split(kv[k], p, "="); want[p[1]] = p[2] }
}
NR == 1 {
    for (i = 1; i <= NF; i++) col[$i] = i
    for (c in want) if (!(c in col)) print "no column " c
    next
}
{
    for (c in want) {
        d = $col[c] - want[c]; if (d < 0) d = -d
        if (!(d <= 1e-12)) printf "row %d: %s = %s, closed form %s\n", NR - 1, c, $col[c], want[c]
    }
    rows++
}
END { if (rows != 3) print "expected 3 rows, got " rows }' "$tmp/j1/outputs_params/summary.csv")
[ -z "$out" ] || fail "params.cfg: $out"

# batch.csv: each actor's (and joint's) mean vs_status_quo and its interval,
# beside its total; a constant column's interval collapses onto the mean.
"$bin" batch "$dir" -o "$tmp/batch" -q || fail "batch: exit $?"
out=$(awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$1 == "outputs_params" {
    split("a=-15.275 b=7.5 joint=-7.775", kv, " ")
    for (k in kv) {
        split(kv[k], p, "=")
        for (s = 1; s <= 3; s++) {
            c = p[1] "_vs_status_quo_" (s == 1 ? "mean" : s == 2 ? "lo" : "hi")
            if (!(c in col)) { print "no column " c; continue }
            d = $col[c] - p[2]; if (d < 0) d = -d
            if (!(d <= 1e-12)) printf "%s = %s, expected %s\n", c, $col[c], p[2]
        }
    }
    if (col["a_vs_status_quo_mean"] != col["a_total_hi"] + 1) print "a_vs_status_quo_mean is not beside a_total_hi"
    seen = 1
}
$1 == "outputs_hold" && $col["us_vs_status_quo_mean"] != "0" { print "hold: us_vs_status_quo_mean " $col["us_vs_status_quo_mean"] }
END { if (!seen) print "no outputs_params row" }' "$tmp/batch/batch.csv")
[ -z "$out" ] || fail "batch.csv: $out"

# compare: the vs_status_quo columns are metrics.
"$bin" compare "$tmp/j1/outputs_params" "$tmp/j2/outputs_params" -o "$tmp/cmp.csv" >/dev/null ||
    fail "compare: exit $?"
for m in a_vs_status_quo b_vs_status_quo joint_vs_status_quo a_pl_total; do
    grep -q ",$m," "$tmp/cmp.csv" || fail "compare: no metric $m"
done

# Channels: a closed form, then sums on the shipped baseline.
"$bin" run "$root/tests/closed_forms/tariff/exact_loss.cfg" -o "$tmp/ch" -q \
    --set output.channels=true || fail "channels exact_loss: exit $?"
out=$(awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
    n = split("o_tariff_total=-100 o_tariff_consumer_surplus_total=-200 " \
              "o_tariff_revenue_total=100 o_tariff_terms_of_trade_total=0 " \
              "f_tariff_producer_surplus_total=0", kv, " ")
    for (k = 1; k <= n; k++) {
        split(kv[k], p, "=")
        if (!(p[1] in col)) { print "no column " p[1]; continue }
        d = $col[p[1]] - p[2]; if (d < 0) d = -d
        if (!(d <= 1e-12)) printf "%s = %s, closed form %s\n", p[1], $col[p[1]], p[2]
    }
}' "$tmp/ch/exact_loss/summary.csv")
[ -z "$out" ] || fail "channels, exact_loss: $out"
"$bin" run "$root/scenarios/baseline_nov2025.cfg" -o "$tmp/ch" -q -r 20 \
    --set output.channels=true --set output.precision=17 || fail "channels baseline: exit $?"
out=$(awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) { col[$i] = i; name[i] = $i } ; nf = NF; next }
{
    for (i = 1; i <= nf; i++) {
        if (name[i] !~ /_total$/ || name[i] ~ /^(us|cn|joint)_total$/) continue
        base = name[i]; sub(/_total$/, "", base)
        # a channel column: its issue total is the longest "<actor>_<issue>_total" prefix
        for (j = 1; j <= nf; j++) {
            t = name[j]; sub(/_total$/, "", t)
            if (j != i && index(base, t "_") == 1 && t ~ /^(us|cn)_/) sum[t] += $i
        }
    }
    for (t in sum) {
        tot = $col[t "_total"]; d = sum[t] - tot; if (d < 0) d = -d
        m = tot < 0 ? -tot : tot
        if (!(d <= 1e-12 * (1 + m))) printf "row %d: %s channels sum to %s, total %s\n", NR - 1, t, sum[t], tot
        checked++
    }
    delete sum
}
END { if (checked < 200) print "checked only " checked " issue totals" }' "$tmp/ch/baseline_nov2025/summary.csv")
[ -z "$out" ] || fail "channels, baseline sums: $out"

finish "closed_forms_outputs: all passed"
