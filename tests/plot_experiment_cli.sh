#!/usr/bin/env bash
# End-to-end checks of `tradesim plot` on experiment folders (design.csv,
# points.csv, sensitivity.csv) from tests/good/uncertain_poly.cfg: a grid
# gives tornado and sweep charts (listed on stdout, default EXPERIMENT_DIR/plots,
# a note for an output whose indices are all undefined), a grid with more
# level combinations than lines says so in the key, a Sobol design gives
# tornado and scatter charts; a malformed sensitivity.csv exits 2 with one
# line naming file and line and draws nothing, as does a malformed
# peeling.csv; a discover folder gets its peeling chart, alone or with its
# experiment's charts; an experiment folder given with
# another folder exits 2; without gnuplot, exit 3 and the install hint.
# Usage: plot_experiment_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
poly="$root/tests/good/uncertain_poly.cfg"

is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
is_svg() { [ -s "$1" ] && head -c 2000 "$1" | grep -q '<svg'; }

"$bin" experiment "$poly" --design grid -n 3 -r 2 -o "$tmp/g" -q || fail "grid experiment exit $?"
"$bin" experiment "$poly" --design grid -n 9 -r 2 -o "$tmp/g9" -q || fail "grid 9 experiment exit $?"
"$bin" experiment "$poly" --design sobol -n 8 -r 2 -o "$tmp/s" -q || fail "sobol experiment exit $?"
grid="$tmp/g/poly"

# A malformed sensitivity.csv: exit 2, one line naming file and line, nothing drawn
# (checked before gnuplot is needed).
cp -r "$grid" "$tmp/bad"
sed -i '3s/^\([^,]*,[^,]*,[^,]*,[^,]*,\)[^,]*/\1abc/' "$tmp/bad/sensitivity.csv"
"$bin" plot "$tmp/bad" >"$tmp/out_bad" 2>"$tmp/err_bad"
rc=$?
[ $rc -eq 2 ] || fail "malformed sensitivity.csv: exit $rc, expected 2"
[ "$(wc -l <"$tmp/err_bad")" -eq 1 ] || fail "malformed sensitivity.csv: not one line: $(cat "$tmp/err_bad")"
grep -qx "tradesim plot: $tmp/bad/sensitivity.csv:3: 'abc' is not a number" "$tmp/err_bad" ||
    fail "malformed sensitivity.csv message: $(cat "$tmp/err_bad")"
[ ! -e "$tmp/bad/plots" ] || fail "malformed sensitivity.csv: charts drawn"
[ ! -s "$tmp/out_bad" ] || fail "malformed sensitivity.csv: something listed"

# A header without hi95, and a record cut short: the same one-line errors.
cp -r "$grid" "$tmp/bad2"
sed -i '1s/,hi95$//' "$tmp/bad2/sensitivity.csv"
"$bin" plot "$tmp/bad2" >/dev/null 2>"$tmp/err_bad2"
rc=$?
[ $rc -eq 2 ] || fail "sensitivity.csv without hi95: exit $rc, expected 2"
grep -qx "tradesim plot: $tmp/bad2/sensitivity.csv:1: no 'hi95' column in the header" "$tmp/err_bad2" ||
    fail "sensitivity.csv without hi95: $(cat "$tmp/err_bad2")"

# A discover folder's peeling.csv with a wrong header, or text for a number:
# exit 2, one line naming file and line, nothing drawn.
"$bin" discover "$tmp/s/poly" --where 'a_total > 15' -o "$tmp/disc" >/dev/null ||
    fail "discover exit $?"
cp -r "$tmp/disc" "$tmp/badpeel"
sed -i '1s/,chosen$//' "$tmp/badpeel/peeling.csv"
"$bin" plot "$tmp/badpeel" >/dev/null 2>"$tmp/err_bp"
rc=$?
[ $rc -eq 2 ] || fail "peeling.csv without chosen: exit $rc, expected 2"
[ "$(wc -l <"$tmp/err_bp")" -eq 1 ] || fail "bad peeling.csv: not one line: $(cat "$tmp/err_bp")"
grep -q "^tradesim plot: $tmp/badpeel/peeling.csv:1: " "$tmp/err_bp" ||
    fail "bad peeling.csv header message: $(cat "$tmp/err_bp")"
cp -r "$tmp/disc" "$tmp/badpeel2"
sed -i '3s/^\([^,]*,[^,]*,\)[^,]*/\1xyz/' "$tmp/badpeel2/peeling.csv"
"$bin" plot "$tmp/badpeel2" >/dev/null 2>"$tmp/err_bp2"
rc=$?
[ $rc -eq 2 ] || fail "peeling.csv with text: exit $rc, expected 2"
grep -qx "tradesim plot: $tmp/badpeel2/peeling.csv:3: coverage: expected a number, got 'xyz'" "$tmp/err_bp2" ||
    fail "bad peeling.csv number message: $(cat "$tmp/err_bp2")"
[ ! -e "$tmp/badpeel/plots" ] && [ ! -e "$tmp/badpeel2/plots" ] || fail "bad peeling.csv: charts drawn"

# An experiment folder is plotted on its own.
"$bin" plot "$grid" "$tmp/s/poly" -o "$tmp/two" >/dev/null 2>"$tmp/err_two"
rc=$?
[ $rc -eq 2 ] || fail "two experiment folders: exit $rc, expected 2"
[ "$(wc -l <"$tmp/err_two")" -eq 1 ] || fail "two experiment folders: not one line"
grep -q "an experiment folder is plotted on its own" "$tmp/err_two" || fail "message: $(cat "$tmp/err_two")"

# gnuplot not on PATH: exit 3 with the install hint.
mkdir -p "$tmp/emptybin"
PATH="$tmp/emptybin" "$bin" plot "$grid" -o "$tmp/nognuplot" >/dev/null 2>"$tmp/err_nog"
rc=$?
[ $rc -eq 3 ] || fail "gnuplot missing: exit $rc, expected 3"
grep -qx "tradesim plot: gnuplot not found; install gnuplot-nox" "$tmp/err_nog" ||
    fail "gnuplot missing message: $(cat "$tmp/err_nog")"

if ! command -v gnuplot >/dev/null 2>&1; then
    skip "gnuplot not installed: experiment charts not drawn"
    finish "plot_experiment_cli: all checks passed"
fi

# A grid: tornado and sweep charts in EXPERIMENT_DIR/plots, listed on stdout.
"$bin" plot "$grid" >"$tmp/out_g" 2>"$tmp/err_g" || fail "grid plot exit $?: $(cat "$tmp/err_g")"
for o in a_total b_total x1_final x2_final; do
    for c in poly_tornado_$o poly_sweep_$o; do
        is_png "$grid/plots/$c.png" || fail "grid: $c.png missing or not a PNG"
        is_svg "$grid/plots/$c.svg" || fail "grid: $c.svg missing or not an SVG"
        grep -qx "$grid/plots/$c.png" "$tmp/out_g" || fail "grid: $c.png not listed"
    done
done
# The design's indices of deal_probability are undefined (it never varies): a note.
grep -qx "note: deal_probability has no defined sensitivity index: no tornado chart" "$tmp/err_g" ||
    fail "grid: no note for deal_probability: $(cat "$tmp/err_g")"
[ ! -e "$grid/plots/poly_tornado_deal_probability.png" ] || fail "grid: tornado of undefined indices"
[ -z "$(ls "$grid/plots" | grep scatter)" ] || fail "grid: scatter drawn for a grid"
[ -z "$(ls -A "$grid/plots" | grep '^\.')" ] || fail "grid: temporary files left: $(ls -A "$grid/plots")"
# The tornado's bars: both parameters, S1 and PRCC in the key; the sweep's
# lines: one per level of l2.
grep -q '>l1<' "$grid/plots/poly_tornado_a_total.svg" || fail "tornado: no l1 label"
grep -q 'PRCC (partial rank correlation)' "$grid/plots/poly_tornado_a_total.svg" || fail "tornado: no PRCC key"
for l in 0 0.5 1; do
    grep -q ">l2=$l<" "$grid/plots/poly_sweep_a_total.svg" || fail "sweep: no line l2=$l"
done

# Nine levels of l2 are more lines than a chart holds: eight shown, the key says so.
"$bin" plot "$tmp/g9/poly" -o "$tmp/g9plots" >/dev/null 2>&1 || fail "grid 9 plot exit $?"
grep -q '(8 of 9 combinations shown)' "$tmp/g9plots/poly_sweep_a_total.svg" ||
    fail "capped sweep: the key does not say so"
[ "$(grep -c '>l2=' "$tmp/g9plots/poly_sweep_a_total.svg")" -eq 8 ] || fail "capped sweep: not 8 lines"

# A Sobol design: tornado (S1 and ST) and a scatter per output, into -o.
"$bin" plot "$tmp/s/poly" -o "$tmp/splots" >"$tmp/out_s" 2>"$tmp/err_s" ||
    fail "sobol plot exit $?: $(cat "$tmp/err_s")"
for c in poly_tornado_a_total poly_scatter_a_total poly_tornado_x2_final poly_scatter_x2_final; do
    is_png "$tmp/splots/$c.png" || fail "sobol: $c.png missing or not a PNG"
    is_svg "$tmp/splots/$c.svg" || fail "sobol: $c.svg missing or not an SVG"
done
grep -q 'ST (total effect)' "$tmp/splots/poly_tornado_a_total.svg" || fail "sobol tornado: no ST key"
grep -q 'S1 (first order)' "$tmp/splots/poly_tornado_a_total.svg" || fail "sobol tornado: no S1 key"
[ ! -e "$tmp/s/poly/plots" ] || fail "sobol: -o ignored"

# Scenario discovery's peeling trade-off: from the discover folder alone (in
# its plots/, named after the experiment), and with the experiment's charts
# when discover wrote into EXPERIMENT_DIR/discover.
"$bin" plot "$tmp/disc" >"$tmp/out_d" 2>"$tmp/err_d" || fail "discover plot exit $?: $(cat "$tmp/err_d")"
is_png "$tmp/disc/plots/disc_peeling.png" || fail "discover: disc_peeling.png missing"
is_svg "$tmp/disc/plots/disc_peeling.svg" || fail "discover: disc_peeling.svg missing"
grep -qx "$tmp/disc/plots/disc_peeling.png" "$tmp/out_d" || fail "discover: chart not listed"
"$bin" discover "$tmp/s/poly" --where 'a_total > 15' >/dev/null || fail "discover (in place) exit $?"
"$bin" plot "$tmp/s/poly" -o "$tmp/splots2" >"$tmp/out_s2" 2>/dev/null || fail "sobol+discover plot exit $?"
is_png "$tmp/splots2/poly_peeling.png" || fail "experiment with discover/: poly_peeling.png missing"
is_png "$tmp/splots2/poly_tornado_a_total.png" || fail "experiment with discover/: tornado missing"
"$bin" plot "$tmp/s/poly/discover" >/dev/null 2>&1 || fail "plot of EXPERIMENT_DIR/discover exit $?"
is_svg "$tmp/s/poly/discover/plots/poly_peeling.svg" || fail "EXPERIMENT_DIR/discover: not named after the experiment"

finish "plot_experiment_cli: all checks passed"
