#!/usr/bin/env bash
# End-to-end checks of `tradesim experiment` on tests/good/uncertain_poly.cfg,
# whose totals are known polynomials of two uncertain levels: Sobol indices
# within their tolerance of the closed forms (and inside their intervals),
# Morris mu_star exact for the linear total, the grid's points exact; -j 1
# and -j 2 byte-identical; an interrupted experiment resumed gives the bytes
# of an uninterrupted one; bad usage exits 2 with one line.
# Usage: experiment_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
poly="$root/tests/good/uncertain_poly.cfg"

# value OUTPUT PARAMETER INDEX FILE -> the row's value,lo95,hi95
row() { awk -F, -v o="$1" -v p="$2" -v i="$4" '$1==o && $2==p && $4==i {print $5","$6","$7}' "$3"; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

"$bin" experiment "$poly" --design sobol -n 512 -r 4 -o "$tmp/s1" -j 1 -q || fail "sobol -j 1 exit $?"
"$bin" experiment "$poly" --design sobol -n 512 -r 4 -o "$tmp/s2" -j 2 -q || fail "sobol -j 2 exit $?"
diff -r "$tmp/s1" "$tmp/s2" >/dev/null || fail "sobol: -j 1 and -j 2 differ"
sens="$tmp/s1/poly/sensitivity.csv"
[ "$(wc -l <"$tmp/s1/poly/points.csv")" = $((512 * 4 + 1)) ] || fail "sobol: not N (k + 2) points"
for c in "a_total l1 S1 0.2" "a_total l2 S1 0.8" "a_total l1 ST 0.2" "a_total l2 ST 0.8" \
         "b_total l1 S1 0.8101" "b_total l2 S1 0.1899" "b_total l1 ST 0.8101" "b_total l2 ST 0.1899"; do
    set -- $c
    r=$(row "$1" "$2" "$sens" "$3")
    v=${r%%,*}; rest=${r#*,}; lo=${rest%%,*}; hi=${rest#*,}
    near "$v" "$4" 0.05 || fail "sobol $1 $2 $3 = $v, expected $4 within 0.05"
    awk -v lo="$lo" -v hi="$hi" -v t="$4" 'BEGIN { exit !(lo <= t && t <= hi) }' ||
        fail "sobol $1 $2 $3: [$lo, $hi] misses $4"
done

"$bin" experiment "$poly" --design morris -n 20 -r 2 -o "$tmp/m" -q || fail "morris exit $?"
for c in "l1 10" "l2 20"; do
    set -- $c
    r=$(row a_total "$1" "$tmp/m/poly/sensitivity.csv" mu_star)
    near "${r%%,*}" "$2" 1e-9 || fail "morris a_total $1 mu_star ${r%%,*}, expected $2"
done

"$bin" experiment "$poly" --design grid -n 3 -r 2 -o "$tmp/g" -q || fail "grid exit $?"
got=$(awk -F, 'NR > 1 {print $2, $3}' "$tmp/g/poly/design.csv" | tr '\n' ';')
[ "$got" = "0 0;0 0.5;0 1;0.5 0;0.5 0.5;0.5 1;1 0;1 0.5;1 1;" ] || fail "grid design: $got"
col=$(head -1 "$tmp/g/poly/points.csv" | tr ',' '\n' | grep -n '^b_total$' | cut -d: -f1)
got=$(awk -F, -v c="$col" 'NR > 1 {printf "%s;", $c}' "$tmp/g/poly/points.csv")
[ "$got" = "0;2.5;5;2.5;5;7.5;10;12.5;15;" ] || fail "grid b_total: $got"

# A discrete factor's grid levels are its values; an unbounded factor's grid
# and Morris levels are the middles of equal-probability strata (normal(1,
# 0.1): 1 + 0.1 z at 1/6, 1/2, 5/6 for a grid of 3; 1/8 .. 7/8 for Morris).
cat >"$tmp/var.cfg" <<EOF
extends = "$(cd "$(dirname "$poly")" && pwd)/uncertain_poly.cfg";
name = "polyvar";
uncertain = (
  { name = "l1"; dist = "discrete"; values = [0.0, 1.0]; },
  { name = "c"; key = "issues.x1.payoff.a.linear"; dist = "normal"; mean = 1.0; sd = 0.1; }
);
EOF
got=$("$bin" check "$tmp/var.cfg" | grep '^# uncertain' | tr '\n' ';')
want="# uncertain l1: issues.x1.initial ~ discrete(0 w 0.5, 1 w 0.5); the scenario's value 0.5; its range [0, 1];"
want+="# uncertain l2: issues.x2.initial ~ uniform(min 0, max 1); the scenario's value 0.5; its range [0, 1];"
want+="# uncertain c: issues.x1.payoff.a.linear ~ normal(mean 1, sd 0.1); the scenario's value 1; its range [-inf, inf];"
[ "$got" = "$want" ] || fail "check's uncertain lines: $got"
"$bin" experiment "$tmp/var.cfg" --design grid -n 3 -r 2 -o "$tmp/gv" -q || fail "grid with a discrete factor: exit $?"
got=$(awk -F, 'NR > 1 {print $2}' "$tmp/gv/polyvar/design.csv" | sort -u | tr '\n' ' ')
[ "$got" = "0 1 " ] || fail "a discrete factor's grid levels: $got"
got=$(awk -F, 'NR > 1 {printf "%.6f\n", $4}' "$tmp/gv/polyvar/design.csv" | sort -u | tr '\n' ' ')
[ "$got" = "0.903258 1.000000 1.096742 " ] || fail "an unbounded factor's grid levels: $got"
"$bin" experiment "$tmp/var.cfg" --design morris -n 4 -r 2 -o "$tmp/mv" -q || fail "morris with an unbounded factor: exit $?"
got=$(awk -F, 'NR > 1 {printf "%.6f\n", $4}' "$tmp/mv/polyvar/design.csv" | sort -u | tr '\n' ' ')
for level in 0.884965 0.968136 1.031864 1.115035; do
    case " $got" in *" $level "*) ;; *) fail "morris levels of normal(1, 0.1): $got lacks $level" ;; esac
done

# Progress on a terminal: points done and the time left, on one line.
if command -v script >/dev/null; then
    script -qec "'$bin' experiment '$poly' --design lhs -n 400 -r 20000 -o '$tmp/tty' -j 1" /dev/null \
        >"$tmp/tty.out" 2>&1 || fail "experiment on a terminal: exit $?"
    grep -q 'tradesim experiment: poly: 400/400 points' "$tmp/tty.out" ||
        fail "no final progress line: $(tr '\r' '\n' <"$tmp/tty.out" | tail -3)"
fi

# Interrupted, then resumed: the bytes of the uninterrupted run.
"$bin" experiment "$poly" --design lhs -n 200 -r 20000 -o "$tmp/full" -q || fail "lhs exit $?"
"$bin" experiment "$poly" --design lhs -n 200 -r 20000 -o "$tmp/int" -q -j 1 2>"$tmp/int.err" &
pid=$!
wait_running "$pid" || true
sleep 0.3
kill -INT "$pid" 2>/dev/null
wait "$pid"
rc=$?
[ "$rc" = 3 ] || fail "interrupted experiment: exit $rc, want 3"
if [ "$rc" = 3 ]; then
    grep -q 'run again with --resume' "$tmp/int.err" || fail "interrupt message: $(cat "$tmp/int.err")"
    [ -f "$tmp/int/poly/points.partial.csv" ] || fail "no points.partial.csv after an interruption"
    [ -f "$tmp/int/poly/points.csv" ] && fail "points.csv written by an interrupted experiment"
fi
"$bin" experiment "$poly" --design lhs -n 200 -r 20000 -o "$tmp/int" -q --resume || fail "resume exit $?"
diff -r "$tmp/full" "$tmp/int" >/dev/null || fail "resumed experiment differs from an uninterrupted one"

# Bad usage.
expect() {
    local want=$1; shift
    out=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
    [ "$rc" = 2 ] || fail "$*: exit $rc, want 2"
    [ "$out" = "$want" ] || fail "$*: got '$out', want '$want'"
}
expect "tradesim experiment: --design is required: grid, lhs, sobol or morris" experiment "$poly" -o "$tmp/x"
expect "tradesim experiment: --design 'fast': expected grid, lhs, sobol or morris" experiment "$poly" --design fast -o "$tmp/x"
expect "$root/tests/good/minimal.cfg: no uncertain parameters: an experiment's factors are the scenario's \`uncertain\` list (docs/scenario-format.md)" experiment "$root/tests/good/minimal.cfg" --design lhs -o "$tmp/x"
expect "$poly: a grid of 16000000 points: at most 10000000 (use fewer levels, or the lhs or sobol design)" experiment "$poly" --design grid -n 4000 -o "$tmp/x"
# An output folder that cannot be made: exit 3, one line, nothing run.
touch "$tmp/afile"
out=$("$bin" experiment "$poly" --design lhs -n 5 -o "$tmp/afile/x" 2>&1 >/dev/null); rc=$?
[ "$rc" = 3 ] || fail "unwritable output folder: exit $rc, want 3"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && case "$out" in *afile*) ;; *) false ;; esac ||
    fail "unwritable output folder: '$out'"
finish "experiment: sobol, morris and grid against closed forms; -j and resume byte-identical"
