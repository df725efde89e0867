#!/usr/bin/env bash
# Closed forms of the talks through the CLI, on the scenarios in
# tests/closed_forms/talks/:
#  - alternating offers (subgame-perfect) on a unit surplus with d = 0 and
#    per-round factors d_a = 0.9, d_b = 0.8: the opener's share is the
#    finite-horizon recursion a_1 = 1, a_R = 1 - d_q b_(R-1) (Rubinstein 1982;
#    Osborne & Rubinstein 1990, ch. 3), i.e. 1 (1 round), 1 - d_b (2 rounds),
#    and (1 - d_b)/(1 - d_a d_b) as rounds grow; within 1e-4 for 1, 2, 9 and
#    200 rounds, b opening, and two-step rounds (factors squared);
#  - Nash with patience weights (Binmore, Rubinstein & Wolinsky 1986):
#    w_a = ln d_b / (ln d_a + ln d_b) to 1e-6 as logged, and the split s = w_a
#    within the engine's package accuracy (docs/model.md);
#  - the noncooperative threat point of two tariffs equals the owners'
#    optimal tariffs, found by the same scenario with best_response strategies
#    and no talk until the tariffs have settled (the model's own flows), to 1e-6.
# Usage: closed_forms_talks.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
dir=$root/tests/closed_forms/talks
NASH_TOL=1e-4   # the engine's Nash package accuracy (TS_AGREEMENT_XTOL of the range)

# run NAME OUT [--set ...]: runs the scenario quietly into $tmp/OUT
run() {
    local cfg=$1 out=$2
    shift 2
    "$bin" run "$dir/$cfg.cfg" -o "$tmp/$out" -q "$@" || fail "$out: exit $?"
}

# field FILE KEY: the first number after "KEY=" in FILE's talk row
field() {
    grep ',talk,' "$1" | head -1 | grep -o "[ (]$2=[-+0-9.e]*" | head -1 | sed 's/.*=//'
}

# near NAME GOT WANT TOL
near() {
    if [ -z "$2" ] || ! awk -v g="$2" -v w="$3" -v t="$4" 'BEGIN { d = g - w; exit !(d <= t && -d <= t) }'; then
        fail "$1: got '${2}', want $3 within $4"
    fi
}

# spe DA DB ROUNDS: the first proposer's share (its factor DA, the other's DB)
spe() {
    awk -v da="$1" -v db="$2" -v r="$3" 'BEGIN { a = 1; b = 1
        for (k = 2; k <= r; k++) { na = 1 - db * b; nb = 1 - da * a; a = na; b = nb }
        printf "%.12f", a }'
}

for rounds in 1 2 9 200; do
    run rubinstein "r$rounds" --set "talks.[0].rounds=$rounds"
    s=$(field "$tmp/r$rounds/rubinstein/log.csv" s)
    near "rubinstein, $rounds rounds, a's share" "$s" "$(spe 0.9 0.8 "$rounds")" 1e-4
done
near "1 round: the proposer takes all" "$(spe 0.9 0.8 1)" 1 1e-12
near "2 rounds: 1 - d_b" "$(spe 0.9 0.8 2)" 0.2 1e-12
near "200 rounds: the limit (1 - d_b)/(1 - d_a d_b)" "$(field "$tmp/r200/rubinstein/log.csv" s)" \
    "$(awk 'BEGIN { printf "%.12f", (1 - 0.8) / (1 - 0.9 * 0.8) }')" 1e-4
grep -q 'in round 1 of 9 (offer by a' "$tmp/r9/rubinstein/log.csv" || fail "9 rounds: no round-1 offer by a logged"

run rubinstein b9 --set 'talks.[0].rounds=9' --set 'talks.[0].opener="b"'
s=$(field "$tmp/b9/rubinstein/log.csv" s)
near "rubinstein, 9 rounds, b opens: b's share" "$(awk -v s="$s" 'BEGIN { print 1 - s }')" \
    "$(spe 0.8 0.9 9)" 1e-4
run rubinstein l2 --set 'talks.[0].rounds=9' --set 'talks.[0].round_length=2'
near "rubinstein, 9 two-step rounds" "$(field "$tmp/l2/rubinstein/log.csv" s)" \
    "$(spe 0.81 0.64 9)" 1e-4

run rubinstein brw --set 'talks.[0].protocol="nash"' --set 'talks.[0].weights="patience"'
w=$(awk 'BEGIN { printf "%.12f", log(0.8) / (log(0.9) + log(0.8)) }')
near "patience weight of a" "$(field "$tmp/brw/rubinstein/log.csv" a)" "$w" 1e-6
near "Nash split with patience weights" "$(field "$tmp/brw/rubinstein/log.csv" s)" "$w" "$NASH_TOL"

run tariffs threat
run tariffs optimum --set 'actors.[0].strategy.kind="best_response"' \
    --set 'actors.[1].strategy.kind="best_response"' --set 'talks.[0].step=2' \
    --set 'output.precision=12'
log=$tmp/threat/tariffs/log.csv
grep -q 'threat point (noncooperative' "$log" || fail "no threat point in $log"
# step 1 of the best responses: each tariff at its owner's optimum
read -r us cn < <(awk -F, '$2 == 1 { print $4, $5 }' "$tmp/optimum/tariffs/trajectories.csv")
t_cn=$(grep ',talk,' "$log" | grep -o 'threat point.*' | grep -o 'cn_tariff=[-+0-9.e]*' | sed 's/.*=//')
t_us=$(grep ',talk,' "$log" | grep -o 'threat point.*' | grep -o 'us_tariff=[-+0-9.e]*' | sed 's/.*=//')
near "threat level of us_tariff = us's optimal tariff" "$t_us" "$us" 1e-6
near "threat level of cn_tariff = cn's optimal tariff" "$t_cn" "$cn" 1e-6

finish "talks closed forms: Rubinstein shares, patience weights and the tariff threat point hold"
