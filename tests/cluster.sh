#!/usr/bin/env bash
# The poly experiment (tests/good/uncertain_poly.cfg, a Sobol design) run
# (a) in one process, (b) as 4 shards merged, (c) through a real
# single-node Slurm cluster (scripts/slurm-local): the generated job array
# and its merge job, (d) under mpirun -np 2 and -np 4 --oversubscribe: every
# folder the same bytes (diff -r). Also: --shard auto from Slurm's
# variables, a resumed shard, merge's refusals (a missing, duplicated,
# unfinished or foreign shard) with their exact lines, and the task count
# --slurm derives. Under mpirun also a batch (with a bad scenario, a
# failing one, --resume) and runs (whole, and in blocks of replicates):
# the one-process bytes. Slurm and MPI cases are skipped when slurm-wlm/munge
# or OpenMPI are not installed or the binary was built without MPI.
# Usage: cluster.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
poly="$root/tests/good/uncertain_poly.cfg"
exp=(experiment "$poly" --design sobol -n 64 -r 4 -q)

"$bin" "${exp[@]}" -o "$tmp/one" || fail "one process: exit $?"

# (b) four shards, one of them through --shard auto, merged.
for k in 1 2 4; do
    "$bin" "${exp[@]}" -o "$tmp/sh" --shard "$k/4" || fail "shard $k/4: exit $?"
done
SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=4 "$bin" "${exp[@]}" -o "$tmp/sh" --shard auto ||
    fail "--shard auto: exit $?"
[ -f "$tmp/sh/poly.shard-3-of-4/manifest.csv" ] || fail "--shard auto (ID 3 of 4) did not write shard 3"
SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_COUNT=2 "$bin" "${exp[@]}" -o "$tmp/auto0" --shard auto ||
    fail "--shard auto from 0: exit $?"
[ -f "$tmp/auto0/poly.shard-1-of-2/manifest.csv" ] || fail "--shard auto (ID 0, MIN 0) is not shard 1"
out=$("$bin" merge "$tmp"/sh/poly.shard-* -o "$tmp/merged") || fail "merge: exit $?"
[ "$out" = "$tmp/merged/poly: 4 shards, 256 points merged" ] || fail "merge said: $out"
diff -r "$tmp/one/poly" "$tmp/merged/poly" >/dev/null || fail "4 shards merged differ from one process"

# A finished shard run again with --resume keeps its files; without, runs again.
before=$(stat -c %Y.%s "$tmp/sh/poly.shard-2-of-4/values.csv")
sleep 1
out=$("$bin" experiment "$poly" --design sobol -n 64 -r 4 -o "$tmp/sh" --shard 2/4 --resume) ||
    fail "resumed shard: exit $?"
[ "$(stat -c %Y.%s "$tmp/sh/poly.shard-2-of-4/values.csv")" = "$before" ] ||
    fail "a finished shard resumed was written again"
[ "$out" = "$tmp/sh/poly.shard-2-of-4: sobol design, 2 factors, 0 points run" ] || fail "resumed shard said: $out"

# Merge's refusals: exit 2 and one line each.
refuse() {
    local want=$1; shift
    got=$("$bin" merge "$@" -o "$tmp/bad" 2>&1 >/dev/null); rc=$?
    [ "$rc" = 2 ] || fail "merge $*: exit $rc, want 2"
    [ "$got" = "$want" ] || fail "merge: got '$got', want '$want'"
}
s="$tmp/sh/poly.shard"
refuse "tradesim merge: shards 3, 4 of 4 missing (run their tasks again; the array index is the shard number)" "$s-1-of-4" "$s-2-of-4"
refuse "tradesim merge: shard 2 of 4 given twice: $s-2-of-4 and $s-2-of-4" "$s-1-of-4" "$s-2-of-4" "$s-2-of-4" "$s-3-of-4"
"$bin" experiment "$poly" --design sobol -n 64 -r 4 -s 9 -q -o "$tmp/other" --shard 4/4 || fail "other seed: exit $?"
refuse "tradesim merge: $tmp/other/poly.shard-4-of-4: not a shard of the same experiment as $s-1-of-4 (its manifest's scenario_hash differs)" "$s-1-of-4" "$s-2-of-4" "$s-3-of-4" "$tmp/other/poly.shard-4-of-4"
mkdir -p "$tmp/half"
cp -r "$s-4-of-4" "$tmp/half/" && rm "$tmp/half/poly.shard-4-of-4/manifest.csv"
refuse "tradesim merge: $tmp/half/poly.shard-4-of-4: no manifest.csv: not a shard, or one that did not finish (run its task again with --resume)" "$s-1-of-4" "$tmp/half/poly.shard-4-of-4"
got=$("$bin" "${exp[@]}" -o "$tmp/x" --shard 5/4 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$got" = "tradesim experiment: --shard '5/4': expected K/N with 1 <= K <= N <= 100000, or auto" ] ||
    fail "--shard 5/4: exit $rc, '$got'"
got=$(env -u SLURM_ARRAY_TASK_ID "$bin" "${exp[@]}" -o "$tmp/x" --shard auto 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$got" = "tradesim experiment: --shard auto: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set (not a Slurm array task; give --shard K/N)" ] ||
    fail "--shard auto outside Slurm: exit $rc, '$got'"

# Batch shards: 3 blocks of 5 files (one a bad scenario, as a failed row),
# merged: the result folders and batch.csv of the unsharded batch
# (provenance.json records times and the command line: not compared).
mkdir -p "$tmp/bin"
cp "$root"/tests/good/{abstract,all_kinds,minimal,uncertain_poly}.cfg "$tmp/bin/"
printf 'name = "broken";\nthis is not valid\n' >"$tmp/bin/zbad.cfg"
"$bin" batch "$tmp/bin" -o "$tmp/bone" -r 50 --set output.precision=8 -q 2>/dev/null
[ $? = 2 ] || fail "batch with a bad scenario: not exit 2"
for k in 1 2 3; do
    "$bin" batch "$tmp/bin" -o "$tmp/bsh" -r 50 --set output.precision=8 -q --shard "$k/3" 2>/dev/null
done
out=$("$bin" merge "$tmp"/bsh/batch.shard-* -o "$tmp/bm") || fail "batch merge: exit $?"
[ "$out" = "$tmp/bm: 3 shards, 5 scenarios merged" ] || fail "batch merge said: $out"
diff -r -x provenance.json "$tmp/bone" "$tmp/bm" >/dev/null || fail "batch shards merged differ from one batch"
got=$("$bin" batch "$tmp/bin" -o "$tmp/x" --shard 1/6 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$got" = "tradesim batch: --shard 1/6: 6 blocks of 5 scenario files (at most one block a file)" ] ||
    fail "batch --shard 1/6: exit $rc, '$got'"
refuse "tradesim merge: $tmp/bsh/batch.shard-1-of-3: not a shard of the same experiment as $s-1-of-4 (its manifest's kind differs)" "$s-1-of-4" "$tmp/bsh/batch.shard-1-of-3"

# --slurm: one point here takes milliseconds, so one task of 10 minutes' limit.
"$bin" "${exp[@]}" -o "$tmp/est" --slurm || fail "--slurm: exit $?"
grep -qx '#SBATCH --array=1-1%1' "$tmp/est/poly.slurm/submit.sbatch" ||
    fail "--slurm without --tasks: $(grep array "$tmp/est/poly.slurm/submit.sbatch")"
grep -qx '#SBATCH --time=1[01]' "$tmp/est/poly.slurm/submit.sbatch" || fail "--slurm: default time limit $(grep time= "$tmp/est/poly.slurm/submit.sbatch")"

got=$("$bin" "${exp[@]}" -o "$tmp/x" --tasks 4 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$got" = "tradesim experiment: --tasks, --time and --partition go with --slurm" ] ||
    fail "--tasks without --slurm: exit $rc, '$got'"
got=$("$bin" "${exp[@]}" -o "$tmp/x" --slurm --time 'x;rm' 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$got" = "tradesim experiment: --time 'x;rm': expected a Slurm time limit such as 30, 2:00:00 or 1-00:00:00" ] ||
    fail "--time x;rm: exit $rc, '$got'"

# (c) the job array and the merge job on a local Slurm cluster.
# The cluster this script started is stopped however it ends.
started=0
trap '[ "$started" = 1 ] && timeout 60 "$root/scripts/slurm-local" stop; rm -rf "$tmp"' EXIT
slurm_case() {
    command -v slurmctld >/dev/null && command -v munged >/dev/null ||
        { skip "Slurm job array (slurm-wlm and munge not installed; TRADESIM_SETUP_TEST=1 scripts/setup installs them)"; return; }
    [ "$(id -u)" -eq 0 ] || { skip "Slurm job array (slurmd needs root)"; return; }
    exec 9>/tmp/tradesim-slurm.lock
    flock -w 300 9 || { fail "another test holds the local Slurm cluster for 300 s"; return; }
    if ! timeout 10 bash -c '. <("$0" env) && timeout 5 sinfo -h -o %a 2>/dev/null | grep -q up' "$root/scripts/slurm-local"; then
        started=1   # before start: a half-started cluster is stopped too
        timeout 60 "$root/scripts/slurm-local" start >/dev/null || { fail "scripts/slurm-local start failed"; return; }
    fi
    eval "$("$root/scripts/slurm-local" env)"
    "$bin" "${exp[@]}" -o "$tmp/sl" --slurm --tasks 4 --time 5 --partition local || fail "--slurm --tasks 4: exit $?"
    for line in '#SBATCH --array=1-4%4' '#SBATCH --time=5' '#SBATCH --partition=local'; do
        grep -qx -- "$line" "$tmp/sl/poly.slurm/submit.sbatch" || fail "submit.sbatch: no line $line"
    done
    local t0 ids i q
    t0=$(date +%s.%N)
    ids=$(timeout 30 sh "$tmp/sl/poly.slurm/submit.sh") || fail "submit.sh: exit $?"
    # Poll squeue (no accounting database) until both jobs are gone: 120 s at most.
    for ((i = 0; i < 1200; i++)); do
        q=$(timeout 10 squeue -h -o %i -n tradesim-poly,tradesim-poly-merge 2>/dev/null)
        [ -z "$q" ] && break
        sleep 0.1
    done
    if [ -n "$q" ]; then
        fail "Slurm jobs still queued after 120 s: $q"
        timeout 10 scancel -n tradesim-poly,tradesim-poly-merge
    fi
    echo "slurm round trip ($ids): $(echo "$(date +%s.%N) - $t0" | bc) s" >&2
    diff -r "$tmp/one/poly" "$tmp/sl/poly" >/dev/null ||
        fail "the Slurm array merged differs from one process ($(cat "$tmp"/sl/poly.slurm/*.out 2>/dev/null | head -5))"
    [ "$started" = 1 ] && timeout 60 "$root/scripts/slurm-local" stop
    started=0
    flock -u 9
}
slurm_case

# (d) mpirun with 2 and 4 ranks.
if ! command -v mpirun >/dev/null; then
    skip "mpirun (OpenMPI not installed)"
elif ! ldd "$bin" 2>/dev/null | grep -q libmpi; then
    skip "mpirun (tradesim built without MPI)"
    # Without MPI, ranks would each run every point: refused.
    got=$(timeout 60 mpirun --allow-run-as-root --oversubscribe -np 2 "$bin" "${exp[@]}" -o "$tmp/nompi" 2>&1 >/dev/null)
    [ -z "$(ls "$tmp/nompi/poly" 2>/dev/null)" ] || fail "a tradesim without MPI ran under mpirun"
    case $got in
    *"tradesim experiment: under mpirun, but this tradesim was built without MPI (every rank would run every point): rebuild with libopenmpi-dev installed, or use --shard"*) ;;
    *) fail "a tradesim without MPI under mpirun said: $got" ;;
    esac
    got=$(timeout 60 mpirun --allow-run-as-root --oversubscribe -np 2 "$bin" batch "$tmp/bin" -o "$tmp/nompi" -q 2>&1 >/dev/null)
    [ ! -e "$tmp/nompi" ] || fail "a tradesim without MPI ran a batch under mpirun"
    case $got in
    *"tradesim batch: under mpirun, but this tradesim was built without MPI (every rank would run every scenario): rebuild with libopenmpi-dev installed, or use --shard"*) ;;
    *) fail "a batch without MPI under mpirun said: $got" ;;
    esac
    got=$(timeout 60 mpirun --allow-run-as-root --oversubscribe -np 2 "$bin" run "$poly" -o "$tmp/nompi" -q 2>&1 >/dev/null)
    [ ! -e "$tmp/nompi" ] || fail "a tradesim without MPI ran a run under mpirun"
    case $got in
    *"tradesim run: under mpirun, but this tradesim was built without MPI (every rank would run every replicate): rebuild with libopenmpi-dev installed"*) ;;
    *) fail "a run without MPI under mpirun said: $got" ;;
    esac
else
    # OpenMPI's plug-ins leak at exit, outside tradesim: under the sanitizers
    # the ranks check memory errors but not leaks (the same blocks run
    # leak-checked through --shard above).
    for np in 2 4; do
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 mpirun --allow-run-as-root --oversubscribe -np "$np" "$bin" "${exp[@]}" -o "$tmp/mpi$np" ||
            fail "mpirun -np $np: exit $?"
        diff -r "$tmp/one/poly" "$tmp/mpi$np/poly" >/dev/null || fail "mpirun -np $np differs from one process"
    done
    mpi=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 mpirun --allow-run-as-root --oversubscribe)
    # The batch of (b): its blocks by rank, the bad scenario's row and exit 2.
    for np in 2 4; do
        "${mpi[@]}" -np "$np" "$bin" batch "$tmp/bin" -o "$tmp/bmpi$np" -r 50 --set output.precision=8 -q 2>/dev/null
        rc=$?
        [ "$rc" = 2 ] || fail "mpirun -np $np batch with a bad scenario: exit $rc, want 2"
        diff -r -x provenance.json "$tmp/bone" "$tmp/bmpi$np" >/dev/null || fail "mpirun -np $np batch differs from one batch"
    done
    rm -r "$tmp/bmpi2/minimal"
    out=$("${mpi[@]}" -np 2 "$bin" batch "$tmp/bin" -o "$tmp/bmpi2" -r 50 --set output.precision=8 --resume 2>/dev/null)
    [ "$out" = "$tmp/bmpi2/batch.csv: 5 scenarios (1 run, 3 resumed, 1 failed)" ] || fail "mpirun batch --resume said: $out"
    diff -r -x provenance.json "$tmp/bone" "$tmp/bmpi2" >/dev/null || fail "mpirun batch --resume differs from one batch"
    # A scenario failing on rank 1 (its folder is a file): reported by rank 0 as one process does.
    for d in bfail1 bfail2; do mkdir -p "$tmp/$d" && : >"$tmp/$d/poly"; done
    "$bin" batch "$tmp/bin" -o "$tmp/bfail1" -r 50 -q 2>"$tmp/bfail1.err"
    rc1=$?
    "${mpi[@]}" -np 2 "$bin" batch "$tmp/bin" -o "$tmp/bfail2" -r 50 -q 2>"$tmp/bfail2.err"
    rc2=$?
    [ "$rc1" = 3 ] && [ "$rc2" = 3 ] || fail "a failing scenario: exit $rc1 in one process, $rc2 under mpirun"
    grep -qx "$tmp/bfail2/poly: not a folder" "$tmp/bfail2.err" || fail "mpirun batch did not report the failing scenario: $(head -3 "$tmp/bfail2.err")"
    sed "s|$tmp/bfail1|DIR|" "$tmp/bfail1/batch.csv" >"$tmp/bfail1.csv"
    sed "s|$tmp/bfail2|DIR|" "$tmp/bfail2/batch.csv" >"$tmp/bfail2.csv"
    cmp -s "$tmp/bfail1.csv" "$tmp/bfail2.csv" || fail "mpirun batch.csv with a failing scenario differs"
    # Runs: replicates by rank, every file (log, agreements, all trajectories,
    # channels); minimal at 20,000 replicates runs in blocks of replicates.
    all=(run "$root/tests/good/all_kinds.cfg" -r 30 --log all --trajectories -1 --set output.channels=true -q)
    big=(run "$root/tests/good/minimal.cfg" -r 20000 -q)
    "$bin" "${all[@]}" -o "$tmp/rone" -j 2 || fail "run all_kinds: exit $?"
    "$bin" "${big[@]}" -o "$tmp/rone" || fail "run minimal: exit $?"
    for np in 2 4; do
        "${mpi[@]}" -np "$np" "$bin" "${all[@]}" -o "$tmp/rmpi$np" -j 1 || fail "mpirun -np $np run: exit $?"
        diff -r -x provenance.json "$tmp/rone/all_kinds" "$tmp/rmpi$np/all_kinds" >/dev/null || fail "mpirun -np $np run differs from one process"
    done
    # A bad scenario: exit 2, reported once (by rank 0), nothing written.
    "${mpi[@]}" -np 2 "$bin" run "$tmp/bin/zbad.cfg" -o "$tmp/rbad" -q 2>"$tmp/rbad.err"
    rc=$?
    [ "$rc" = 2 ] || fail "mpirun run of a bad scenario: exit $rc, want 2"
    [ "$(grep -c 'zbad.cfg:2: syntax error' "$tmp/rbad.err")" = 1 ] || fail "mpirun run of a bad scenario said: $(cat "$tmp/rbad.err")"
    [ ! -e "$tmp/rbad" ] || fail "mpirun run of a bad scenario wrote $tmp/rbad"
    "${mpi[@]}" -np 3 "$bin" "${big[@]}" -o "$tmp/rmpi3" -j 1 || fail "mpirun -np 3 run in blocks: exit $?"
    diff -r -x provenance.json "$tmp/rone/minimal" "$tmp/rmpi3/minimal" >/dev/null || fail "mpirun -np 3 run in blocks differs from one process"
fi
finish "cluster: one process, 4 shards merged, Slurm array + merge job, mpirun -np 2 and 4 (experiment, batch, run): the same bytes"
