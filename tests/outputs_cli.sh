#!/usr/bin/env bash
# Outputs for tools: agreements.csv agrees with summary.csv's counters and
# with log.csv's story; --log / output.log thin log.csv and nothing else;
# summary.csv's seeds are 0x-prefixed hex text that every spelling of a seed
# above 2^63 (hex or decimal, --seed or --set) reproduces.
# Usage: outputs_cli.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"

scen=$root/scenarios/baseline_nov2025.cfg
run() { "$bin" run "$scen" -r 40 -q "$@"; }

# ---- agreements.csv against summary.csv and log.csv ------------------------
# The checks on one result folder $d.
check_agreements() {
    local d=$1 out n_log n_ag from_log from_csv pair end text a l
    [ -f "$d/agreements.csv" ] || { fail "no $d/agreements.csv"; return; }
    # Per replicate: talks held = deals + failed_talks, talks agreed = deals,
    # agreements ended by a breach = breaches; one row per agenda lever.
    # (Labels hold no commas in this scenario, so plain field splitting works.)
    out=$(awk -F, '
        FNR == 1 { next }
        FILENAME ~ /summary/ { deals[$1] = $6; breaches[$1] = $7; failed[$1] = $8; n++; next }
        {
            key = $1 "," $2
            if (!(key in seen)) {
                seen[key] = 1; talks[$1]++
                if ($7 == "agreement") agreed[$1]++
                if ($17 == "breach") broke[$1]++
                if (($7 == "agreement") != ($8 != "")) print "row " FNR ": agreement id and outcome disagree"
                if (($8 != "") != ($11 != "")) print "row " FNR ": agreed level without an agreement"
            }
            levers[key]++
            if ($17 == "" && $18 != "") print "row " FNR ": end_step without end"
        }
        END {
            for (k = 0; k < n; k++) {
                if (talks[k] + 0 != deals[k] + failed[k]) print "replicate " k ": " talks[k] + 0 " talks, summary " deals[k] "+" failed[k]
                if (agreed[k] + 0 != deals[k]) print "replicate " k ": " agreed[k] + 0 " agreed, summary deals " deals[k]
                if (broke[k] + 0 != breaches[k]) print "replicate " k ": " broke[k] + 0 " ended by breach, summary " breaches[k]
            }
            for (key in levers) if (levers[key] != 2 && levers[key] != 5) print key ": " levers[key] " lever rows"
        }' "$d/summary.csv" "$d/agreements.csv")
    [ -z "$out" ] || fail "$(basename "$d"): agreements.csv against summary.csv: $out"
    # The same talks as log.csv's talk rows, and each agreed package as the
    # log prints it ("package us_tariff=... (from ...)", same precision).
    n_log=$(awk -F, '$4 == "talk"' "$d/log.csv" | wc -l)
    n_ag=$(awk -F, 'NR > 1 { print $1 "," $2 }' "$d/agreements.csv" | sort -u | wc -l)
    [ "$n_log" -gt 5 ] && [ "$n_log" = "$n_ag" ] || fail "$(basename "$d"): log.csv has $n_log talks, agreements.csv $n_ag"
    from_log=$(grep -o '^[0-9]*,[0-9]*,[^,]*,talk,.*; package [^;]*' "$d/log.csv" |
        sed 's/^\([0-9]*\),.*; package /\1 /; s/ (from [^)]*)//g' | sort)
    from_csv=$(awk -F, 'NR > 1 && $7 == "agreement" {
            key = $1 "," $2
            if (key != last) { if (last != "") print line; line = $1; last = key }
            line = line " " $9 "=" $11
        } END { if (last != "") print line }' "$d/agreements.csv" | sort)
    [ -n "$from_csv" ] && [ "$from_log" = "$from_csv" ] || fail "$(basename "$d"): agreed packages differ from log.csv's"
    # Ends: each agreement snapped back or superseded has its log expiry row,
    # each renegotiated one its "extended" agreement row.
    for pair in "expired:,expiry,agreement [0-9]*,\(renegotiation failed: \)\?snapback to" \
                "superseded:,expiry,agreement [0-9]*,superseded by" \
                "renegotiated:,agreement,agreement [0-9]*,\"\\?extended"; do
        end=${pair%%:*} text=${pair#*:}
        a=$(awk -F, -v e="$end" 'NR > 1 && $17 == e { print $1 "," $2 }' "$d/agreements.csv" | sort -u | wc -l)
        l=$(grep -c "^[0-9]*,[0-9]*,[^,]*$text" "$d/log.csv")
        [ "$a" = "$l" ] || fail "$(basename "$d"): end $end: $a in agreements.csv, $l in log.csv"
    done
}

run -o "$tmp/all" || fail "run exit $?"
d=$tmp/all/baseline_nov2025
want="replicate,talk,label,step,date,protocol,outcome,agreement,lever,before,agreed,us_gain,cn_gain,until_step,until_date,on_expiry,end,end_step,end_date"
[ "$(head -n 1 "$d/agreements.csv")" = "$want" ] || fail "agreements.csv header: $(head -n 1 "$d/agreements.csv")"
check_agreements "$d"
# Two talks on different agendas: the second supersedes the first, and
# the short second agreement expires or is breached.
sed -e '/^talks = /,$d' -e 's/replicates = 20/replicates = 6/' -e 's/^name = .*/name = "sup";/' \
    "$root/tests/good_talks/talk5.cfg" >"$tmp/sup.cfg"
cat >>"$tmp/sup.cfg" <<'EOF2'
talks = ( { step = 0; label = "tariffs"; agenda = ["us_tariff", "cn_tariff"];
            protocol = "nash"; duration = 90; },
          { step = 3; label = "chips"; agenda = ["h20", "rare_earths"];
            protocol = "nash"; duration = 28; } );
EOF2
"$bin" run "$tmp/sup.cfg" -o "$tmp/all" -q || fail "run sup exit $?"
check_agreements "$tmp/all/sup"
ends=$(awk -F, 'FNR > 1 && $17 != "" { print $17 }' "$d/agreements.csv" "$tmp/all/sup/agreements.csv" |
    sort -u | tr '\n' ' ')
[ "$ends" = "breach expired renegotiated superseded " ] || fail "ends seen: $ends"

# ---- log levels ----------------------------------------------------------
run -o "$tmp/none" --log none || fail "--log none exit $?"
run -o "$tmp/events" --log events || fail "--log events exit $?"
run -o "$tmp/key" --set output.log=events || fail "--set output.log exit $?"
[ "$(cat "$tmp/none/baseline_nov2025/log.csv")" = "replicate,step,date,type,label,detail" ] ||
    fail "--log none: log.csv is more than its header"
# events: what no other file holds: all's event and breach rows (no talk,
# agreement or expiry rows: agreements.csv has them), the state event
# (scheduled, certain) once with an empty replicate instead of once per
# replicate, each firing by its path in scenario.cfg, breaches briefly.
ev=$tmp/events/baseline_nov2025
state=$(grep -m1 '^0,0,[^,]*,event,State of' "$d/log.csv")
[ -n "$state" ] || fail "--log all: no state event at step 0"
[ "$(sed -n 2p "$ev/log.csv")" = "${state#0}" ] ||
    fail "--log events: the state event is not the first row, once, replicate empty"
[ "$(grep -c ',event,State of' "$ev/log.csv")" = 1 ] || fail "--log events: state event not once"
awk -F, 'NR > 1 && ($4 == "event" || $4 == "breach") && !($4 == "event" && $5 ~ /^State of/) {
    print $1 "," $2 "," $3 "," $4 }' "$d/log.csv" >"$tmp/want_events"
awk -F, 'NR > 2 { print $1 "," $2 "," $3 "," $4 }' "$ev/log.csv" | cmp -s - "$tmp/want_events" ||
    fail "--log events: not all's event and breach rows"
[ "$(grep -c ',breach$' "$tmp/want_events")" -ge 5 ] && [ "$(grep -c ',event$' "$tmp/want_events")" -ge 5 ] ||
    fail "--log events: too few rows to compare"
# Each firing's path names, in the folder's scenario.cfg, the event whose
# label all's row shows; its detail is empty (the effect is there too).
out=$(awk '
    FILENAME ~ /scenario.cfg$/ {
        if ($0 ~ /^events = \(/) inev = 1
        else if (inev && $0 ~ /^\);/) inev = 0
        if (inev && match($0, /label = "[^"]*"/)) lab[n++] = substr($0, RSTART + 9, RLENGTH - 10)
        next
    }
    FILENAME ~ /events/ { if (FNR > 2 && $0 ~ /,event,/) ev[++e] = $0; next }
    FNR > 1 && $0 ~ /,event,/ && $0 !~ /,event,State of/ { al[++a] = $0 }
    END {
        if (e != a || e == 0) { print "rows " e " and " a; exit }
        for (i = 1; i <= e; i++) {
            split(ev[i], f, ","); split(al[i], g, ",")
            if (f[5] !~ /^events\.\[[0-9]+\]$/ || f[6] != "") { print "row: " ev[i]; exit }
            k = f[5]; gsub(/[^0-9]/, "", k)
            if (lab[k] != g[5]) { print "path " f[5] " is \"" lab[k] "\", all has \"" g[5] "\""; exit }
        }
    }' "$ev/scenario.cfg" "$ev/log.csv" "$d/log.csv")
[ -z "$out" ] || fail "--log events: $out"
grep ',breach,' "$ev/log.csv" | grep -E 'tolerance|reacts' && fail "--log events: a breach with the scenario's constants"
grep ',breach,' "$ev/log.csv" | grep -vqE 'broke .*; trust ' && fail "--log events: a breach without who broke what and the trust"
cmp -s "$tmp/events/baseline_nov2025/log.csv" "$tmp/key/baseline_nov2025/log.csv" ||
    fail "output.log=events differs from --log events"
grep -q 'log = "none"' "$tmp/none/baseline_nov2025/scenario.cfg" || fail "scenario.cfg lacks log = \"none\""
for f in summary.csv aggregate.csv trajectories.csv agreements.csv; do
    for l in none events; do
        cmp -s "$d/$f" "$tmp/$l/baseline_nov2025/$f" || fail "--log $l changed $f"
    done
done
msg=$("$bin" run "$scen" --log some 2>&1)
rc=$?
[ "$rc" = 2 ] && [ "$msg" = "tradesim run: --log 'some': expected none, events or all" ] ||
    fail "--log some: exit $rc, '$msg'"
"$bin" batch "$scen" -o "$tmp/batch" --log none -q || fail "batch --log none exit $?"
[ "$(wc -l <"$tmp/batch/baseline_nov2025/log.csv")" = 1 ] || fail "batch --log none kept log rows"
# The level is part of the resolved scenario: --resume runs again when it changes.
out=$("$bin" batch "$scen" -o "$tmp/batch" --log none --resume 2>&1)
case $out in *"(0 run, 1 resumed"*) ;; *) fail "batch --resume, same level: $out" ;; esac
out=$("$bin" batch "$scen" -o "$tmp/batch" --log events --resume 2>&1)
case $out in *"(1 run, 0 resumed"*) ;; *) fail "batch --resume, another level: $out" ;; esac

# An event whose effect is uncertain: its row shows the replicate's draw
# (summary.csv's column), not the scenario's value.
cat >"$tmp/unc_ev.cfg" <<EOF2
extends = "$scen";
name = "unc_ev";
uncertain = ( { name = "us_step"; key = "events.[1].add.us_tariff"; dist = "uniform"; min = 0.05; max = 0.2; } );
EOF2
"$bin" run "$tmp/unc_ev.cfg" -r 12 -q -o "$tmp/unc" || fail "run unc_ev exit $?"
out=$(awk -F, '
    FILENAME ~ /summary/ { if (FNR == 1) { for (i = 1; i <= NF; i++) if ($i == "us_step") c = i }
                           else draw[$1] = $c; next }
    $4 == "event" && $5 ~ /^New US tariff/ { n++; if ($6 != "us_tariff+=" draw[$1]) print $0 " draw " draw[$1] }
    END { if (n < 3) print "only " n " firings" }' "$tmp/unc/unc_ev/summary.csv" "$tmp/unc/unc_ev/log.csv")
[ -z "$out" ] || fail "uncertain event detail: $(echo "$out" | head -2)"

# ---- seeds -----------------------------------------------------------------
out=$(awk -F, 'NR > 1 && $2 !~ /^0x[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]$/ { print NR ": " $2 }' "$d/summary.csv")
[ -z "$out" ] || fail "seed cells not 0x + 16 hex digits: $out"
big_hex=0xc37f0e2a4b1d9f80 big_dec=14086993734249848704
i=0
for args in "-s $big_hex" "-s $big_dec" "--set monte_carlo.seed=$big_hex" \
            "--set monte_carlo.seed=\"$big_hex\"" "--set monte_carlo.seed=$big_dec" \
            "--set monte_carlo.seed=${big_hex}L"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$bin" run "$scen" -r 3 -q -o "$tmp/seed$i" $args || fail "seed spelling '$args' exit $?"
    grep -q "seed = \"$big_dec\"" "$tmp/seed$i/baseline_nov2025/scenario.cfg" ||
        fail "seed spelling '$args': $(grep -o 'seed = [^;]*' "$tmp/seed$i/baseline_nov2025/scenario.cfg")"
    [ $i = 1 ] || cmp -s "$tmp/seed1/baseline_nov2025/summary.csv" "$tmp/seed$i/baseline_nov2025/summary.csv" ||
        fail "seed spelling '$args' gives another summary.csv"
done
# A short hex seed is the same number as its decimal.
"$bin" run "$scen" -r 2 -q -o "$tmp/s1" -s 0x1f && "$bin" run "$scen" -r 2 -q -o "$tmp/s2" -s 31 ||
    fail "short seeds exit $?"
cmp -s "$tmp/s1/baseline_nov2025/summary.csv" "$tmp/s2/baseline_nov2025/summary.csv" || fail "-s 0x1f differs from -s 31"

# An agreement in force past the calendar's end: its until_step lies beyond
# the last step (94) and has no date (an empty cell), and every row keeps the
# header's columns.
"$bin" run "$root/tests/good/all_kinds.cfg" -q -o "$tmp/long_deal" -r 3 --set 'talks.[0].duration=900' ||
    fail "long agreement run exit $?"
ag=$tmp/long_deal/all_kinds/agreements.csv
awk -F, 'NR == 1 { n = NF; for (i = 1; i <= NF; i++) col[$i] = i; next }
    NF != n { print "row " NR " has " NF " fields, the header " n; bad = 1 }
    $col["label"] == "Geneva" && $col["outcome"] == "agreement" {
        seen = 1
        if (!($col["until_step"] > 94) || $col["until_date"] != "") {
            print "row " NR ": until_step " $col["until_step"] ", until_date [" $col["until_date"] "]"; bad = 1
        }
    }
    END { if (!seen) print "no Geneva agreement"; exit bad || !seen }' "$ag" >"$tmp/ag.err" ||
    fail "agreement past the end: $(cat "$tmp/ag.err")"

finish "outputs: agreements.csv, log levels and seeds as documented"
