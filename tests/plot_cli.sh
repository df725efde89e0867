#!/usr/bin/env bash
# End-to-end checks of `tradesim plot`: charts for one synthetic result folder
# and for two overlaid (PNG signature, SVG), default output folders, exit 2 for
# a missing folder or one without aggregate.csv, exit 3 with the install hint
# when gnuplot is not on PATH, no partial charts when gnuplot fails, and
# folder names with quotes and backquotes passed to gnuplot unharmed.
# Usage: plot_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"

# aggregate.csv as `tradesim run` writes it: step, date, then X_mean/_p05/_p50/_p95.
make_result() {   # dir shift [nodates]
    mkdir -p "$1"
    awk -v shift="$2" -v nodates="${3:-}" 'BEGIN {
        n = split("us_tariff cn_tariff chip_licence chip_licence_market us_pressure us_trust us_payoff us_total cn_pressure cn_trust cn_payoff cn_total", b, " ")
        printf "step,date"
        for (i = 1; i <= n; i++) printf ",%s_mean,%s_p05,%s_p50,%s_p95", b[i], b[i], b[i], b[i]
        printf "\n"
        for (t = 0; t < 40; t++) {
            d = nodates ? "" : sprintf("2025-%02d-%02d", 1 + int(t / 4), 1 + 7 * (t % 4))
            printf "%d,%s", t, d
            for (i = 1; i <= n; i++) {
                if (b[i] ~ /_total$/) { m = (b[i] ~ /^us/ ? 1 : -0.7) * (3 + shift) * t; w = 0.4 * t }
                else { m = 0.2 + 0.5 * (1 - exp(-t / (8 + shift))); w = 0.05 + 0.003 * t }
                printf ",%.6g,%.6g,%.6g,%.6g", m + 0.01, m - w, m, m + 1.2 * w
            }
            printf "\n"
        }
    }' >"$1/aggregate.csv"
}

is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
is_svg() { [ -s "$1" ] && head -c 2000 "$1" | grep -q '<svg'; }

make_result "$tmp/res/baseline" 0
make_result "$tmp/res/truce" 6
make_result "$tmp/res/abstract" 3 nodates

# One folder, default output RESULT_DIR/plots; the charts are listed on stdout.
if ! "$bin" plot "$tmp/res/baseline" >"$tmp/out1" 2>"$tmp/err1"; then
    fail "plot of one folder failed: $(cat "$tmp/err1")"
fi
for c in baseline_us_tariff baseline_cn_tariff baseline_chip_licence baseline_totals; do
    is_png "$tmp/res/baseline/plots/$c.png" || fail "$c.png missing or not a PNG"
    is_svg "$tmp/res/baseline/plots/$c.svg" || fail "$c.svg missing or not an SVG"
    grep -qx "$tmp/res/baseline/plots/$c.png" "$tmp/out1" || fail "$c.png not listed"
done
[ "$(ls -A "$tmp/res/baseline/plots" | wc -l)" -eq 8 ] || fail "stray files: $(ls -A "$tmp/res/baseline/plots")"
[ ! -e "$tmp/res/baseline/plots/baseline_chip_licence_market.png" ] || fail "state column drawn as an issue"

# Two folders overlaid, default output ./plots.
(cd "$tmp" && "$bin" plot res/baseline res/truce >/dev/null 2>"$tmp/err2") ||
    fail "plot of two folders failed: $(cat "$tmp/err2")"
for c in compare_us_tariff compare_cn_tariff compare_chip_licence compare_totals; do
    is_png "$tmp/plots/$c.png" || fail "compare: $c.png missing or not a PNG"
    is_svg "$tmp/plots/$c.svg" || fail "compare: $c.svg missing or not an SVG"
done

# Dated and abstract folders together, with -o.
"$bin" plot "$tmp/res/baseline" "$tmp/res/abstract" -o "$tmp/mixed" >/dev/null 2>"$tmp/err3" ||
    fail "mixed plot failed: $(cat "$tmp/err3")"
is_png "$tmp/mixed/compare_totals.png" || fail "mixed: compare_totals.png"

# Quotes and backquotes in folder names reach gnuplot as text, never as commands.
weird="$tmp/res/it's \`touch pwned\` \"x\""
make_result "$weird" 1
(cd "$tmp" && "$bin" plot "$weird" res/truce -o "$tmp/weird" >/dev/null 2>"$tmp/err4") ||
    fail "plot with a quoted folder name failed: $(cat "$tmp/err4")"
(cd "$tmp" && "$bin" plot "$weird" >/dev/null 2>>"$tmp/err4") || fail "single quoted folder: $(cat "$tmp/err4")"
is_png "$weird/plots/it's \`touch pwned\` \"x\"_us_tariff.png" || fail "quoted name chart missing"
[ ! -e "$tmp/pwned" ] || fail "a backquote in a folder name ran a command"

# A folder that does not exist, and one without aggregate.csv: exit 2, naming it.
"$bin" plot "$tmp/res/nowhere" >/dev/null 2>"$tmp/err5"
rc=$?
[ $rc -eq 2 ] || fail "missing folder: exit $rc, expected 2"
grep -q "$tmp/res/nowhere" "$tmp/err5" || fail "missing folder not named: $(cat "$tmp/err5")"
mkdir -p "$tmp/res/empty"
"$bin" plot "$tmp/res/baseline" "$tmp/res/empty" -o "$tmp/none" >/dev/null 2>"$tmp/err6"
rc=$?
[ $rc -eq 2 ] || fail "folder without aggregate.csv: exit $rc, expected 2"
grep -q "$tmp/res/empty: no aggregate.csv" "$tmp/err6" || fail "message: $(cat "$tmp/err6")"
[ ! -e "$tmp/none" ] || fail "charts drawn although a folder was bad"

# Bad usage.
"$bin" plot >/dev/null 2>&1
[ $? -eq 2 ] || fail "no folder: expected exit 2"
"$bin" plot --bogus "$tmp/res/baseline" >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option: expected exit 2"
"$bin" plot --help | grep -q "usage: tradesim plot" || fail "--help"

# gnuplot not on PATH: exit 3 with the install hint, nothing written.
mkdir -p "$tmp/emptybin"
PATH="$tmp/emptybin" "$bin" plot "$tmp/res/baseline" -o "$tmp/nognuplot" >/dev/null 2>"$tmp/err7"
rc=$?
[ $rc -eq 3 ] || fail "gnuplot missing: exit $rc, expected 3"
grep -qx "tradesim plot: gnuplot not found; install gnuplot-nox" "$tmp/err7" ||
    fail "gnuplot missing message: $(cat "$tmp/err7")"
[ -z "$(ls -A "$tmp/nognuplot" 2>/dev/null)" ] || fail "files left without gnuplot"

# A gnuplot that writes part of its outputs and then fails: exit 3, no chart
# (final or temporary) remains.
mkdir -p "$tmp/badbin"
cat >"$tmp/badbin/gnuplot" <<'EOF'
#!/bin/sh
sed -n "s/^set output '\(.*\)'$/\1/p" "$1" | while IFS= read -r f; do echo partial >"$f"; done
echo 'line 7: something went wrong' >&2
exit 1
EOF
chmod +x "$tmp/badbin/gnuplot"
PATH="$tmp/badbin:/usr/bin:/bin" "$bin" plot "$tmp/res/baseline" -o "$tmp/broken" >/dev/null 2>"$tmp/err8"
rc=$?
[ $rc -eq 3 ] || fail "failing gnuplot: exit $rc, expected 3"
grep -q "something went wrong" "$tmp/err8" || fail "gnuplot's message not quoted: $(cat "$tmp/err8")"
[ -z "$(ls -A "$tmp/broken" 2>/dev/null)" ] || fail "partial files left: $(ls -A "$tmp/broken")"

# An issue whose every cell is NaN or infinite: skipped with a note, the
# other charts drawn.
if command -v gnuplot >/dev/null 2>&1; then
    "$bin" run "$root/tests/good/minimal.cfg" -o "$tmp/nanres" -r 20 -q || fail "run for NaN exit $?"
    sed -i '2,$s/^\([0-9]*\),\([0-9-]*\),[^,]*,[^,]*,[^,]*,[^,]*,/\1,\2,nan,inf,-inf,nan,/' \
        "$tmp/nanres/minimal/aggregate.csv"
    "$bin" plot "$tmp/nanres/minimal" -o "$tmp/nanplots" >"$tmp/out9" 2>"$tmp/err9"
    rc=$?
    [ $rc -eq 0 ] || fail "all-NaN issue: exit $rc ($(cat "$tmp/err9"))"
    grep -q "note: us_tariff has no finite value" "$tmp/err9" || fail "all-NaN issue: no note: $(cat "$tmp/err9")"
    [ -s "$tmp/nanplots/minimal_totals.png" ] || fail "all-NaN issue: the other charts not drawn"
    [ -e "$tmp/nanplots/minimal_us_tariff.png" ] && fail "all-NaN issue: a chart drawn for it"
fi

finish "plot_cli: all checks passed"
