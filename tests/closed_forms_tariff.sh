#!/usr/bin/env bash
# Closed forms of the tariff and chip models through the CLI, on the small
# scenarios in tests/closed_forms/tariff (each states its closed form):
#  - the exact constant-elasticity loss of a tariff held at tau = 1
#    (-M0 tau^2/(1+tau)^2 = -25 a step, trajectories' o_payoff);
#  - Johnson's (1953) optimum 1/eps* = 12.5% reached by a best response
#    (summary's o_tariff_final), with tot_share and with supply_elasticity;
#  - the import elasticity moving to its long-run value, step by step;
#  - a licensed chip at revenue shares 0, 0.15, 0.4 and 0.7 (the last above
#    the margin, with sell_at_loss): both sides' flows against the closed
#    form, China's gain and sales falling with the share.
# Tolerances: 1e-9 relative on flows (printed with 17 digits; the code's
# log1p/expm1 forms against pow here), 1e-6 on the optimum (the best
# response's Brent search stops at a 1e-10 bracket).
# Usage: closed_forms_tariff.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
dir="$root/tests/closed_forms/tariff"

run() {   # name [--set ...]: runs dir/name.cfg into $tmp/out/<scenario name>
    local name=$1
    shift
    "$bin" run "$dir/$name.cfg" -o "$tmp/out" -q -j 1 "$@" || fail "$name: exit status $?"
}

# column NAME of a CSV as "step value" lines (trajectories: replicate 0)
column() {   # file name
    awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                          c { print $2, $c }' "$1"
}

# 1. Exact loss.
run exact_loss
column "$tmp/out/exact_loss/trajectories.csv" o_payoff | awk '
    { want = -100 * 1 / 4; n++
      if ($2 - want > 1e-9 * 25 || want - $2 > 1e-9 * 25) { printf "step %d: o_payoff %s, expected %.17g\n", $1, $2, want; bad = 1 } }
    END { exit bad || n != 4 }' || fail "exact_loss: owner's flow is not -M0 tau^2/(1+tau)^2 = -25"
column "$tmp/out/exact_loss/trajectories.csv" f_payoff | awk '$2 != 0 { bad = 1 } END { exit bad }' ||
    fail "exact_loss: a small exporter's flow is not 0"

# 2. Johnson's optimum, by tot_share and by supply_elasticity.
for name in johnson johnson_supply; do
    run "$name"
    column "$tmp/out/$name/summary.csv" o_tariff_final | awk -v name="$name" '
        { n++; d = $2 - 0.125; if (d < 0) d = -d
          if (d > 1e-6) { printf "%s: o_tariff_final %s, expected 1/eps* = 0.125\n", name, $2; bad = 1 } }
        END { exit bad || n != 1 }' || fail "$name: best response is not Johnson's optimum"
done

# 3. Elasticity path: eps(t) = 2 + (0.76 - 2) 2^(-t/2), theta = 0, tau = 1.
run elasticity_path
column "$tmp/out/elasticity_path/trajectories.csv" o_payoff | awk '
    { e = 2 + (0.76 - 2) * 2 ^ (-$1 / 2)
      want = -100 * (2 ^ (1 - e) - 1) / (1 - e) + 100 * 2 ^ (-e); n++
      d = $2 - want; if (d < 0) d = -d
      if (d > 1e-9 * (1 - want)) { printf "step %d: o_payoff %s, expected %.17g\n", $1, $2, want; bad = 1 }
      if (n > 1 && $2 >= prev) { printf "step %d: the loss did not grow with the elasticity\n", $1; bad = 1 }
      prev = $2 }
    END { exit bad || n != 12 }' || fail "elasticity_path: flows do not follow eps(t)"

# 4. Chip under a revenue share: per step (r = 0, m = 0.8, v = 0.5^(t/2)),
#    p = (1 - 0.5 rs)/(1 - rs), q = p^-1.5,
#    us = (20 (0.5 (0.6 - 0.5 rs) q + rs p q) - 6) v 0.8,
#    cn = (28 - 20 (p^-0.5 - 1)/-0.5) v 0.8.
prev_cn=""
for rs in 0 0.15 0.4 0.7; do
    run chip_share --set "issues.[0].revenue_share=$rs"
    t="$tmp/out/chip_share/trajectories.csv"
    paste -d' ' <(column "$t" us_payoff) <(column "$t" cn_payoff) | awk -v rs="$rs" '
        function near(a, b) { d = a - b; if (d < 0) d = -d; return d <= 1e-9 * (1 + (b < 0 ? -b : b)) }
        { v = 0.5 ^ ($1 / 2); p = (1 - 0.5 * rs) / (1 - rs); q = p ^ -1.5
          us = (20 * (0.5 * (0.6 - 0.5 * rs) * q + rs * p * q) - 6) * v * 0.8
          cn = (28 - 20 * (p ^ -0.5 - 1) / -0.5) * v * 0.8
          n++
          if (!near($2, us)) { printf "rs %s step %d: us_payoff %s, expected %.17g\n", rs, $1, $2, us; bad = 1 }
          if (!near($4, cn)) { printf "rs %s step %d: cn_payoff %s, expected %.17g\n", rs, $1, $4, cn; bad = 1 } }
        END { exit bad || n != 3 }' || fail "chip_share: flows at revenue_share $rs differ from the closed form"
    cn0=$(column "$t" cn_payoff | awk '$1 == 0 { print $2 }')
    if [ -n "$prev_cn" ]; then
        awk -v a="$cn0" -v b="$prev_cn" 'BEGIN { exit !(a < b) }' ||
            fail "chip_share: China's flow did not fall from share to share ($prev_cn -> $cn0 at $rs)"
    fi
    prev_cn=$cn0
done

finish "closed_forms_tariff: all passed"
