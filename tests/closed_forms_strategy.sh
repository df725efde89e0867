#!/usr/bin/env bash
# Closed forms of the strategies through the CLI (scenarios in
# tests/closed_forms/strategy/):
# - iterated prisoner's dilemma (T,R,P,S) = (5,3,1,0), 200 rounds (Axelrod
#   1984): TFT v ALLD 199/204, TFT v TFT 600/600, TFT v TFT with one forced
#   defection at step 5 the alternating echo 505/500 (Axelrod-Python's
#   TitForTat scores the same; also with b's lever a pledge, whose pressure
#   is 1 - effort), reciprocity with that defection 214/209;
#   the totals are sums of small integers, so exact (tolerance 1e-9);
# - Richardson with per-year rates on weekly steps: every step's levels equal
#   the linear map's closed form z_t = z* + (I + h A)^(t+1) (z_0 - z*)
#   (tolerance 1e-12: rounding over 522 steps of a contracting map).
# Usage: closed_forms_strategy.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
dir=$root/tests/closed_forms/strategy

# column NAME of row 2 (replicate 0) of a CSV
col() {
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
                          NR == 2 { print $c }' "$1"
}

ipd() {   # scenario expected_a expected_b
    "$bin" run "$dir/$1.cfg" -o "$tmp" -q || { fail "$1: exit $?"; return; }
    local a b
    a=$(col "$tmp/$1/summary.csv" a_total)
    b=$(col "$tmp/$1/summary.csv" b_total)
    awk -v a="$a" -v b="$b" -v ea="$2" -v eb="$3" \
        'BEGIN { d1 = a - ea; d2 = b - eb; exit !(d1 * d1 < 1e-18 && d2 * d2 < 1e-18) }' ||
        fail "$1: totals $a / $b, closed form $2 / $3"
    echo "$1: $a / $b (closed form $2 / $3)"
}

ipd ipd_tft_alld 199 204
ipd ipd_tft_tft 600 600
ipd ipd_tft_echo 505 500
ipd ipd_tft_echo_pledge 505 500
ipd ipd_reciprocity_echo 214 209

# Richardson: parameters as in richardson_week.cfg.
"$bin" run "$dir/richardson_week.cfg" -o "$tmp" -q || fail "richardson_week: exit $?"
worst=$(awk -F, '
    BEGIN { h = 7 / 365.25; kx = 0.2; ax = 0.5; gx = 0.1; ky = 0.3; ay = 0.4; gy = 0.05
            den = ax * ay - kx * ky; xs = (ay * gx + kx * gy) / den; ys = (ax * gy + ky * gx) / den
            tr = -(ax + ay); disc = sqrt((ax - ay) ^ 2 + 4 * kx * ky)
            m0 = (tr + disc) / 2; m1 = (tr - disc) / 2
            # eigenvectors (kx, mu + ax); z0 - z* in that basis
            v00 = kx; v01 = m0 + ax; v10 = kx; v11 = m1 + ax
            d0 = 0.1 - xs; d1 = 0.1 - ys; det = v00 * v11 - v10 * v01
            c0 = (d0 * v11 - v10 * d1) / det; c1 = (v00 * d1 - d0 * v01) / det
            worst = 0; n = 0 }
    NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "lx") cx = i; if ($i == "ly") cy = i; if ($i == "step") cs = i } next }
    { t = $cs + 1; l0 = (1 + h * m0) ^ t; l1 = (1 + h * m1) ^ t
      ex = xs + c0 * l0 * v00 + c1 * l1 * v10; ey = ys + c0 * l0 * v01 + c1 * l1 * v11
      e = $cx - ex; if (e < 0) e = -e; if (e > worst) worst = e
      e = $cy - ey; if (e < 0) e = -e; if (e > worst) worst = e; n++ }
    END { if (n < 500) print "none"; else printf "%.3g\n", worst }' "$tmp/richardson_week/trajectories.csv")
awk -v w="$worst" 'BEGIN { exit !(w != "none" && w + 0 < 1e-12) }' ||
    fail "richardson_week: largest deviation from the closed form $worst (tolerance 1e-12)"
echo "richardson_week: largest deviation from the closed form $worst"

finish "closed_forms_strategy: all passed"
