#!/usr/bin/env bash
# End-to-end checks of `tradesim calibrate`: on synthetic data (the mean path
# of tests/good/calibrate_truth.cfg, whose parameters are known) simulated
# minimum distance recovers the four parameters of calibrate_unknown.cfg
# within 0.01 (reactivity, range 10) and 0.005 (grievance, range 2); -j 1 and
# -j 2 give the same bytes; an interrupted calibration resumed gives the
# bytes of an uninterrupted one; chart.png is drawn when gnuplot is there; ABC's 95% intervals hold the truth; the fitted
# scenario runs; bad usage exits 2 with one line.
# Usage: calibrate_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
. "$root/tests/lib/common.sh"
good="$root/tests/good"

near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
field() { awk -F, -v p="$1" -v c="$2" '$1 == p { print $c }' "$3"; }

"$bin" run "$good/calibrate_truth.cfg" -o "$tmp/truth" -q || fail "truth run exit $?"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print "step,series,value"; next }
         $1 <= 15 { split("us_tariff cn_tariff rare_earths h20_licence", s, " ")
                    for (j = 1; j <= 4; j++) print $1 "," s[j] "," $(c[s[j] "_mean"]) }' \
    "$tmp/truth/calibrate_truth/aggregate.csv" >"$tmp/target.csv"

"$bin" calibrate "$good/calibrate_unknown.cfg" --target "$tmp/target.csv" -o "$tmp/j1" -j 1 -q ||
    fail "smd -j 1 exit $?"
"$bin" calibrate "$good/calibrate_unknown.cfg" --target "$tmp/target.csv" -o "$tmp/j2" -j 2 -q ||
    fail "smd -j 2 exit $?"
diff -r "$tmp/j1" "$tmp/j2" >/dev/null || fail "smd: -j 1 and -j 2 differ"
out="$tmp/j1/calibrate_unknown"
for c in "us_reactivity 4.0 0.01" "cn_reactivity 6.0 0.01" "us_grievance 0.5 0.005" \
         "cn_grievance 0.2 0.005"; do
    set -- $c
    v=$(field "$1" 2 "$out/fit.csv")
    near "$v" "$2" "$3" || fail "smd $1 = $v, expected $2 within $3"
done
for f in fit.csv distance.csv paths.csv points.csv chart.gp calibrate_unknown_fit.cfg; do
    [ -s "$out/$f" ] || fail "smd: no $f"
done
[ -e "$out/posterior.csv" ] && fail "smd wrote posterior.csv"
[ -e "$out/calibrate.partial.csv" ] && fail "a finished calibration left calibrate.partial.csv"
if command -v gnuplot >/dev/null; then
    [ -s "$out/chart.png" ] || fail "gnuplot is there but no chart.png"
else
    skip "chart.png (gnuplot not installed)"
fi
ls -a "$out" | grep -q '^\.chart' && fail "a temporary chart was left behind"
# The fitted scenario runs from anywhere (extends is relative to its folder)
# and reproduces the fit's distance: its mean path is the target's.
(cd / && "$bin" run "$out/calibrate_unknown_fit.cfg" -o "$tmp/refit" -q --trajectories -1) ||
    fail "the fitted scenario does not run"

# The median path (aggregate.csv's p50, the same type-7 quantile) as target.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print "step,series,value"; next }
         $1 <= 15 { split("us_tariff cn_tariff rare_earths h20_licence", s, " ")
                    for (j = 1; j <= 4; j++) print $1 "," s[j] "," $(c[s[j] "_p50"]) }' \
    "$tmp/truth/calibrate_truth/aggregate.csv" >"$tmp/target_p50.csv"
"$bin" calibrate "$good/calibrate_unknown.cfg" --target "$tmp/target_p50.csv" --method smd_median \
    -o "$tmp/med" -q || fail "smd_median exit $?"
for c in "us_reactivity 4.0 0.01" "cn_reactivity 6.0 0.01" "us_grievance 0.5 0.005" \
         "cn_grievance 0.2 0.005"; do
    set -- $c
    v=$(field "$1" 2 "$tmp/med/calibrate_unknown/fit.csv")
    near "$v" "$2" "$3" || fail "smd_median $1 = $v, expected $2 within $3"
done

"$bin" calibrate "$good/calibrate_unknown.cfg" --target "$tmp/target.csv" --method abc -n 200 \
    --accept 0.02 -o "$tmp/abc" -q || fail "abc exit $?"
post="$tmp/abc/calibrate_unknown"
[ "$(wc -l <"$post/posterior.csv")" = $((200 * 40 / 50 + 1)) ] || fail "abc: not 2% of 8000 histories"
for c in "us_reactivity 4.0" "cn_reactivity 6.0" "us_grievance 0.5" "cn_grievance 0.2"; do
    set -- $c
    lo=$(field "$1" 3 "$post/fit.csv"); hi=$(field "$1" 4 "$post/fit.csv")
    awk -v lo="$lo" -v hi="$hi" -v t="$2" 'BEGIN { exit !(lo <= t && t <= hi) }' ||
        fail "abc $1: [$lo, $hi] misses $2"
done

# ABC-SMC: the same population whatever -j, its intervals hold the truth,
# weights summing to 1.
for j in 1 2; do
    "$bin" calibrate "$good/calibrate_unknown.cfg" --target "$tmp/target.csv" --method abc_smc \
        -n 100 -o "$tmp/smc$j" -j $j -q || fail "abc_smc -j $j exit $?"
done
diff -r "$tmp/smc1" "$tmp/smc2" >/dev/null || fail "abc_smc: -j 1 and -j 2 differ"
smc="$tmp/smc1/calibrate_unknown"
for c in "us_reactivity 4.0" "cn_reactivity 6.0" "us_grievance 0.5" "cn_grievance 0.2"; do
    set -- $c
    lo=$(field "$1" 3 "$smc/fit.csv"); hi=$(field "$1" 4 "$smc/fit.csv")
    awk -v lo="$lo" -v hi="$hi" -v t="$2" 'BEGIN { exit !(lo <= t && t <= hi) }' ||
        fail "abc_smc $1: [$lo, $hi] misses $2"
done
awk -F, 'NR > 1 { s += $2 } END { d = s - 1; exit !(d < 1e-9 && d > -1e-9) }' "$smc/posterior.csv" ||
    fail "abc_smc: weights do not sum to 1"

# Interrupted, then resumed: the same bytes as a run never interrupted (and
# with another -j).
hc="$root/scenarios/experiments/hindcast_2025_priors.cfg"
ht="$root/scenarios/data/hindcast_2025_target.csv"
"$bin" calibrate "$hc" --target "$ht" -n 256 -r 200 -o "$tmp/res" -j 2 -q 2>"$tmp/int.err" &
pid=$!
wait_running "$pid" && sleep 0.5
kill -INT "$pid" 2>/dev/null
wait "$pid"; rc=$?
if [ "$rc" = 0 ]; then
    skip "resume (the calibration finished before the signal)"
else
    [ "$rc" = 3 ] || fail "interrupted calibration: exit $rc, expected 3"
    grep -q "run again with --resume" "$tmp/int.err" || fail "interrupted: $(cat "$tmp/int.err")"
    [ -s "$tmp/res/hindcast_2025_priors/calibrate.partial.csv" ] || fail "nothing kept"
    "$bin" calibrate "$hc" --target "$ht" -n 256 -r 200 -o "$tmp/res" -j 2 -q --resume ||
        fail "resume exit $?"
    "$bin" calibrate "$hc" --target "$ht" -n 256 -r 200 -o "$tmp/fresh" -j 1 -q ||
        fail "fresh exit $?"
    diff -r "$tmp/res/hindcast_2025_priors" "$tmp/fresh/hindcast_2025_priors" >/dev/null ||
        fail "resumed and uninterrupted calibrations differ"
fi

# Bad usage: exit 2, one line each.
bad() {
    local want=$1; shift
    local got
    got=$("$bin" calibrate "$@" 2>&1 >/dev/null); rc=$?
    [ "$rc" = 2 ] || fail "calibrate $*: exit $rc, expected 2"
    [ "$got" = "$want" ] || fail "calibrate $*: said '$got', expected '$want'"
}
unk="$good/calibrate_unknown.cfg"
bad "tradesim calibrate: --target is required: a CSV of date,series,value" "$unk"
bad "tradesim calibrate: --method 'ols': expected smd, smd_median, abc or abc_smc" "$unk" --target "$tmp/target.csv" --method ols
bad "tradesim calibrate: --accept '2': expected a share in (0, 1]" "$unk" --target x --accept 2
printf 'step,series,value\n3,us_tarif,0.5\n' >"$tmp/t1.csv"
bad "$tmp/t1.csv:2: series 'us_tarif': not a trajectory column of calibrate_unknown (e.g. us_tariff) nor first_deal_step" "$unk" --target "$tmp/t1.csv" -o "$tmp/bad"
printf 'date,series,value\n2024-12-30,us_tariff,0.5\n' >"$tmp/t2.csv"
bad "$tmp/t2.csv:2: date 2024-12-30 is outside calibrate_unknown's calendar" "$unk" --target "$tmp/t2.csv" -o "$tmp/bad"
printf 'step,series,value,weight\n3,us_tariff,0.5,0\n' >"$tmp/t3.csv"
bad "$tmp/t3.csv: no observation with a weight above 0 to fit" "$unk" --target "$tmp/t3.csv" -o "$tmp/bad"
printf 'step,series,level\n' >"$tmp/t4.csv"
bad "$tmp/t4.csv:1: column 'level': expected date (or step), series, value, weight, sd, source, each once" "$unk" --target "$tmp/t4.csv" -o "$tmp/bad"
bad "$good/calibrate_truth.cfg: no uncertain parameters: the parameters to fit and their priors are the scenario's \`uncertain\` list (docs/scenario-format.md)" "$good/calibrate_truth.cfg" --target "$tmp/target.csv" -o "$tmp/bad"
finish "calibrate: synthetic recovery, -j, resume, chart, abc, fitted scenario, bad usage ok"
