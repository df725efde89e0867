#!/usr/bin/env bash
# Nash bargaining through the CLI at the engine's default accuracy: the
# talk's package in log.csv against the closed form of the generalised Nash
# solution (Nash 1950; Roth 1979), within 1e-4 of each lever's range (log.csv
# prints 6 significant digits). Scenarios in tests/closed_forms/nash/:
#   unit_surplus     s = d_a + w (1 - d_a - d_b) = 0.1 + 0.6 w, c = 0
#   pledge_transfer  p = 1, y = 1 - 0.8 w   (a linear frontier, trust 0.5)
# for several weights w = power_a / (power_a + power_b).
# Usage: closed_forms_nash.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
dir="$root/tests/closed_forms/nash"
tol=1e-4

# package LOG LEVER: the level of LEVER in the first talk row's package
package() {
    awk -F, -v key="$2" '$4 == "talk" {
        n = split($0, f, /[ ;]/)
        for (i = 1; i <= n; i++)
            if (index(f[i], key "=") == 1) { print substr(f[i], length(key) + 2); exit }
    }' "$1"
}

# check NAME GOT WANT
check() {
    if awk -v g="$2" -v w="$3" -v t="$tol" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= t) }'; then
        echo "ok: $1 = $2 (closed form $3)"
    else
        fail "$1 = '$2', closed form $3 (tolerance $tol)"
    fi
}

# powers a b -> w
for pw in "1 4" "1 1" "13 7" "3 1" "11 1"; do
    set -- $pw
    w=$(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.17g", a / (a + b) }')
    out="$tmp/w$1_$2"
    for cfg in unit_surplus pledge_transfer; do
        "$bin" run "$dir/$cfg.cfg" -o "$out" -q --set "actors.[0].power=$1" \
            --set "actors.[1].power=$2" || { fail "$cfg (powers $1, $2): exit $?"; continue; }
    done
    log="$out/nash_unit_surplus/log.csv"
    check "unit_surplus w=$w: s" "$(package "$log" s)" "$(awk -v w="$w" 'BEGIN { printf "%.17g", 0.1 + 0.6 * w }')"
    check "unit_surplus w=$w: c" "$(package "$log" c)" 0
    log="$out/nash_pledge_transfer/log.csv"
    check "pledge_transfer w=$w: p" "$(package "$log" p)" 1
    check "pledge_transfer w=$w: y" "$(package "$log" y)" "$(awk -v w="$w" 'BEGIN { printf "%.17g", 1 - 0.8 * w }')"
done
finish "closed_forms_nash: all passed"
