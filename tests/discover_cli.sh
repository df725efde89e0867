#!/usr/bin/env bash
# End-to-end checks of `tradesim sensitivity` and `tradesim discover` on a
# run of tests/good/uncertain_poly.cfg (each replicate draws its two levels;
# a's total is 10 l1 + 20 l2, b's 10 l1^2 + 5 l2): the given-data indices
# near the closed forms (S1 0.2 and 0.8 for a), positive PRCCs; PRIM's first
# box for 'a_total > 25' (the corner l1 > 0.5, l2 > 0.75) restricts both
# levels from below with a density far above the overall share, and so does
# CART's densest leaf; the same on
# an experiment folder; bad input exits 2 with one line.
# Usage: discover_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
poly="$root/tests/good/uncertain_poly.cfg"

"$bin" run "$poly" -r 2000 -o "$tmp/r" -q || fail "run exit $?"
"$bin" sensitivity "$tmp/r/poly" -o "$tmp/s.csv" >/dev/null || fail "sensitivity exit $?"
get() { awk -F, -v o="$1" -v p="$2" -v i="$3" '$1==o && $2==p && $4==i {print $5}' "$tmp/s.csv"; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
near "$(get a_total l1 S1)" 0.2 0.05 || fail "a_total l1 S1 $(get a_total l1 S1), expected 0.2"
near "$(get a_total l2 S1)" 0.8 0.05 || fail "a_total l2 S1 $(get a_total l2 S1), expected 0.8"
near "$(get b_total l1 S1)" 0.81 0.05 || fail "b_total l1 S1 $(get b_total l1 S1), expected 0.81"
for o in a_total b_total; do
    for p in l1 l2; do
        awk -v v="$(get $o $p PRCC)" 'BEGIN { exit !(v > 0.8) }' || fail "$o $p PRCC $(get $o $p PRCC)"
    done
done
"$bin" sensitivity "$tmp/r/poly" >/dev/null || fail "sensitivity (default place) exit $?"
[ -s "$tmp/r/poly/sensitivity/sensitivity.csv" ] || fail "no RESULT_DIR/sensitivity/sensitivity.csv"

# The first box of boxes.csv $1: l1's and l2's lower bounds and its density,
# into l1lo, l2lo and dens.
first_box() {
    local box
    box=$(awk -F, '$1 == 1 { print $7, $8, $10, $3 }' "$1")
    l1lo=$(echo "$box" | awk '$1 == "l1" {print $2}')
    l2lo=$(echo "$box" | awk '$1 == "l2" {print $2}')
    dens=$(echo "$box" | awk 'NR == 1 {print $4}')
}

out=$("$bin" discover "$tmp/r/poly" --where 'a_total > 25' -o "$tmp/d") || fail "discover exit $?"
echo "$out" | grep -q "^'a_total > 25' holds in " || fail "discover report: $out"
[ -s "$tmp/d/boxes.csv" ] && [ -s "$tmp/d/peeling.csv" ] || fail "no boxes.csv or peeling.csv"
first_box "$tmp/d/boxes.csv"
awk -v a="$l1lo" -v b="$l2lo" -v d="$dens" 'BEGIN { exit !(a > 0.4 && a < 0.75 && b > 0.65 && b < 0.9 && d > 0.6) }' ||
    fail "first box: l1 from $l1lo, l2 from $l2lo, density $dens"

# CART on the same run (into the folder PRIM wrote): its densest leaf is
# the same corner, both levels bounded from below; boxes.csv holds every leaf
# (they tile the space: their rows add up to the run's), the report the
# leaves denser than the whole, and PRIM's peeling.csv, which would describe
# other boxes, is gone.
out=$("$bin" discover "$tmp/r/poly" --where 'a_total > 25' --method cart -o "$tmp/d") ||
    fail "discover --method cart exit $?"
echo "$out" | grep -q "^leaf 1: density " || fail "cart report: $out"
echo "$out" | tail -1 | grep -qx "$tmp/d/boxes.csv" || fail "cart report's last line: $out"
[ ! -e "$tmp/d/peeling.csv" ] || fail "cart left PRIM's peeling.csv"
rows=$(awk -F, 'NR > 1 && $7 == "l1" { n += $5 } END { print n }' "$tmp/d/boxes.csv")
[ "$rows" = 2000 ] || fail "cart leaves hold $rows rows, not the 2000 replicates"
first_box "$tmp/d/boxes.csv"
awk -v a="$l1lo" -v b="$l2lo" -v d="$dens" 'BEGIN { exit !(a > 0.3 && a < 0.8 && b > 0.6 && b < 0.95 && d > 0.7) }' ||
    fail "cart's densest leaf: l1 from $l1lo, l2 from $l2lo, density $dens"
expect_cart=$("$bin" discover "$tmp/r/poly" --where 'a_total > 25' --method tree 2>&1 >/dev/null)
[ "$expect_cart" = "tradesim discover: --method 'tree': expected prim or cart" ] ||
    fail "unknown method: $expect_cart"

"$bin" experiment "$poly" --design lhs -n 200 -r 2 -o "$tmp/e" -q || fail "experiment exit $?"
"$bin" discover "$tmp/e/poly" --where 'b_total < 3' -o "$tmp/de" >/dev/null || fail "discover on an experiment exit $?"
"$bin" sensitivity "$tmp/e/poly" -o "$tmp/se.csv" >/dev/null || fail "sensitivity on an experiment exit $?"

expect() {
    local want=$1; shift
    got=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
    [ "$rc" = 2 ] || fail "$*: exit $rc, want 2"
    [ "$got" = "$want" ] || fail "$*: got '$got', want '$want'"
}
expect "tradesim discover: --where is required, e.g. --where 'deals == 0'" discover "$tmp/r/poly"
expect "tradesim discover: --where 'a_totl > 1': no outcome 'a_totl' in $tmp/r/poly/summary.csv" discover "$tmp/r/poly" --where 'a_totl > 1'
expect "tradesim discover: --where 'a_total 1': expected one of < <= > >= == != after 'a_total'" discover "$tmp/r/poly" --where 'a_total 1'
expect "tradesim discover: --where 'a_total > 1 nor b_total < 2': expected 'and' or 'or' at 'nor b_total < 2'" discover "$tmp/r/poly" --where 'a_total > 1 nor b_total < 2'
expect "tradesim discover: --where 'a_total > 1000' holds in none of the 2000 rows of $tmp/r/poly/summary.csv: there is nothing to discover" discover "$tmp/r/poly" --where 'a_total > 1000'
"$bin" run "$root/tests/good/minimal.cfg" -r 10 -o "$tmp/m" -q
expect "tradesim sensitivity: $tmp/m/minimal: no uncertain parameters in $tmp/m/minimal/scenario.cfg: the analysis needs factors (docs/scenario-format.md, \"Uncertain parameters\")" sensitivity "$tmp/m/minimal"
expect "tradesim sensitivity: $tmp: neither a result folder (summary.csv) nor an experiment folder (points.csv, design.csv)" sensitivity "$tmp"
# Conditions: `and` binds before `or`; the count of rows is the one awk finds.
got=$("$bin" discover "$tmp/e/poly" --where 'a_total <= 20 and b_total >= 2 or a_total == 0' -o "$tmp/dc" | head -1)
n=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
    ($c["a_total"] <= 20 && $c["b_total"] >= 2) || $c["a_total"] == 0 {n++} END {print n + 0}' "$tmp/e/poly/points.csv")
case "$got" in *"holds in $n of 200 points"*) ;; *) fail "and/or condition: '$got', awk counts $n" ;; esac

# A malformed points.csv: one line naming the file, the line and the column.
f=$tmp/e/poly/points.csv
cp "$f" "$tmp/points.good"
bad() {
    local want=$1
    expect "tradesim discover: $want" discover "$tmp/e/poly" --where 'a_total > 1' -o "$tmp/dx"
    cp "$tmp/points.good" "$f"
}
head -3 "$tmp/points.good" >"$f"; bad "$f: 2 rows: the analysis needs at least 4"
awk -F, 'NR == 3 {NF = NF - 1} 1' OFS=, "$tmp/points.good" >"$f"; bad "$f:3: 20 fields, the header has 21"
awk -F, 'NR == 3 {$2 = "x"} 1' OFS=, "$tmp/points.good" >"$f"; bad "$f:3: l1: expected a number, got 'x'"
awk -F, 'NR == 3 {$2 = ""} 1' OFS=, "$tmp/points.good" >"$f"; bad "$f:3: l1: empty (a factor needs a value)"
: >"$f"; bad "$f: empty file"
sed '1s/l2/l3/' "$tmp/points.good" >"$f"; bad "$f: no column 'l2' (a factor)"
[ -e "$tmp/dx" ] && fail "a failed discover left $tmp/dx"

finish "sensitivity and discover: closed forms, PRIM's box, bad input"
