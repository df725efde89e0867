#!/usr/bin/env bash
# The layers of docs/architecture.md, checked on the sources: a file in
# sim/<layer>/ includes only public headers of its own layer or of a layer
# below it (base < model < io < analysis < cli), every public header belongs
# to exactly one layer, a public header includes only headers of its layer or
# below, and the public headers' include graph has no cycle.
# Usage: layers.sh TRADESIM_BIN REPO_ROOT
set -u
root=$2
. "$root/tests/lib/common.sh"

declare -A rank=([base]=0 [model]=1 [io]=2 [analysis]=3 [cli]=4)
# Each public header's layer: where its implementation lives. scenario.h
# declares the scenario's types and tables (model/param.c) and its loading
# (io/); the model may read its types, so it counts as the model's.
declare -A layer=(
    [error.h]=base [text.h]=base [stats.h]=base [fs.h]=base [digest.h]=base [pool.h]=base [calendar.h]=base
    [scenario.h]=model [model.h]=model [strategy.h]=model [rollout.h]=model [talks.h]=model
    [agreement.h]=model [engine.h]=model [log.h]=model [uncertain.h]=model
    [csv.h]=io [csvread.h]=io [output.h]=io [resultdir.h]=io
    [batch.h]=analysis [plot.h]=analysis [design.h]=analysis [sensitivity.h]=analysis [prim.h]=analysis [cart.h]=analysis
    [experiment.h]=analysis [discover.h]=analysis [calibrate.h]=analysis [shard.h]=analysis
    [cli.h]=cli [interrupt.h]=cli
)

for h in "$root"/include/tradesim/*.h; do
    [ -n "${layer[$(basename "$h")]:-}" ] || fail "include/tradesim/$(basename "$h") has no layer"
done

includes() { sed -n 's/^#include "tradesim\/\([a-z_]*\.h\)".*/\1/p' "$1"; }

for f in "$root"/sim/*/*.[ch]; do
    dir=$(basename "$(dirname "$f")")
    [ -n "${rank[$dir]:-}" ] || { fail "${f#"$root"/}: sim/$dir is not a layer"; continue; }
    for h in $(includes "$f"); do
        l=${layer[$h]:-}
        [ -n "$l" ] || { fail "${f#"$root"/} includes unknown tradesim/$h"; continue; }
        [ "${rank[$l]}" -le "${rank[$dir]}" ] ||
            fail "${f#"$root"/} ($dir) includes tradesim/$h ($l, a higher layer)"
    done
done

# Public headers: layer order, then cycles (depth-first search).
declare -A state=()
visit() {
    local h=$1 d
    state[$h]=1
    for d in $(includes "$root/include/tradesim/$h"); do
        [ "${rank[${layer[$d]:-cli}]}" -le "${rank[${layer[$h]}]}" ] ||
            fail "tradesim/$h (${layer[$h]}) includes tradesim/$d (${layer[$d]:-?})"
        if [ "${state[$d]:-0}" = 1 ]; then
            fail "include cycle through tradesim/$h and tradesim/$d"
        elif [ "${state[$d]:-0}" = 0 ]; then
            visit "$d"
        fi
    done
    state[$h]=2
}
for h in "$root"/include/tradesim/*.h; do
    b=$(basename "$h")
    [ "${state[$b]:-0}" = 0 ] && visit "$b"
done

finish "layers: every include follows docs/architecture.md's layers, no cycle"
