#!/usr/bin/env bash
# I/O faults of `tradesim run` and `tradesim batch`: an output folder that
# cannot be created, is read-only or vanishes mid-run, a full disk (a small
# tmpfs, when this user may mount one), a read-only results file. Each must
# give a one-line error, exit 3, leave no temporary or partial file and leave
# the complete outputs of an earlier run byte for byte as they were.
# Usage: io_faults.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
. "$root/tests/lib/common.sh"
mounted=()
cleanup() {
    for m in "${mounted[@]}"; do umount "$m" 2>/dev/null; done
    chmod -R u+w "$tmp" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cfg=$root/tests/good/all_kinds.cfg
name=all_kinds

snapshot() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
# expect_io_error WHAT: last command's exit code in $rc, stderr in $tmp/err.
expect_io_error() {
    [ "$rc" = 3 ] || fail "$1: exit $rc, expected 3 ($(cat "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$1: expected one line on stderr: $(cat "$tmp/err")"
    [ -n "$2" ] && { grep -q -- "$2" "$tmp/err" || fail "$1: message lacks '$2': $(cat "$tmp/err")"; }
    local left
    left=$(find "$tmp" -name '*.tmp.*' | wc -l)
    [ "$left" = 0 ] || fail "$1: $left temporary files left"
}
run() { "$bin" run "$cfg" -q "$@" 2>"$tmp/err" >/dev/null; rc=$?; }

# 1. The output folder's parent is a file: the folder cannot be created.
touch "$tmp/plain"
run -o "$tmp/plain/out"
expect_io_error "folder under a file" "not a folder"
"$bin" batch "$cfg" -q -o "$tmp/plain/out" 2>"$tmp/err" >/dev/null; rc=$?
expect_io_error "batch folder under a file" "not a folder"

# 2. A read-only results file: refused before anything is replaced.
run -o "$tmp/ro" -r 30 || true
[ "$rc" = 0 ] || fail "first run exit $rc: $(cat "$tmp/err")"
snapshot "$tmp/ro/$name" >"$tmp/before.sha"
chmod a-w "$tmp/ro/$name/log.csv"
run -o "$tmp/ro" -r 40
expect_io_error "read-only log.csv" "log.csv': the file is read-only"
snapshot "$tmp/ro/$name" | cmp -s - "$tmp/before.sha" || fail "read-only file: earlier outputs changed"
chmod u+w "$tmp/ro/$name/log.csv"

# 3. A folder where a results file belongs.
mkdir "$tmp/ro/$name/trajectories.csv.d" && rm -f "$tmp/ro/$name/trajectories.csv" &&
    mv "$tmp/ro/$name/trajectories.csv.d" "$tmp/ro/$name/trajectories.csv"
run -o "$tmp/ro" -r 40
expect_io_error "folder in the way" "a folder is in the way"

# 4. A read-only output folder. Permissions do not bind root: root runs the
#    program without the capabilities that override them (setpriv), or on a
#    read-only tmpfs; when neither is possible the case is skipped.
run -o "$tmp/rodir" -r 30
[ "$rc" = 0 ] || fail "read-only folder: first run exit $rc: $(cat "$tmp/err")"
snapshot "$tmp/rodir/$name" >"$tmp/before.sha"
nocaps=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
    setpriv --bounding-set=-dac_override,-dac_read_search,-fowner true 2>/dev/null; then
    nocaps=(setpriv --bounding-set=-dac_override,-dac_read_search,-fowner)
fi
if [ "$(id -u)" -ne 0 ] || [ "${#nocaps[@]}" -gt 0 ]; then
    chmod a-w "$tmp/rodir/$name"
    "${nocaps[@]}" "$bin" run "$cfg" -q -o "$tmp/rodir" -r 40 2>"$tmp/err" >/dev/null; rc=$?
    expect_io_error "read-only folder" "cannot write"
    snapshot "$tmp/rodir/$name" | cmp -s - "$tmp/before.sha" || fail "read-only folder: outputs changed"
    chmod u+w "$tmp/rodir/$name"
elif mkdir "$tmp/mnt" && mount -t tmpfs -o size=8m tmpfs "$tmp/mnt" 2>/dev/null; then
    mounted+=("$tmp/mnt")
    run -o "$tmp/mnt" -r 30
    [ "$rc" = 0 ] || fail "read-only fs: first run exit $rc: $(cat "$tmp/err")"
    snapshot "$tmp/mnt/$name" >"$tmp/before.sha"
    mount -o remount,ro "$tmp/mnt" || fail "cannot remount read-only"
    run -o "$tmp/mnt" -r 40
    expect_io_error "read-only file system" "Read-only file system"
    snapshot "$tmp/mnt/$name" | cmp -s - "$tmp/before.sha" || fail "read-only fs: outputs changed"
    umount "$tmp/mnt" && mounted=()
else
    skip "read-only folder (root without setpriv or mount)"
fi

# 5. A full disk: a 1 MiB tmpfs holds a small run's files but not a big one's.
if [ "$(id -u)" -eq 0 ] && mkdir -p "$tmp/full" && mount -t tmpfs -o size=1m tmpfs "$tmp/full" 2>/dev/null; then
    mounted+=("$tmp/full")
    run -o "$tmp/full" -r 20 --trajectories 2
    [ "$rc" = 0 ] || fail "small run on the tmpfs: exit $rc $(cat "$tmp/err")"
    snapshot "$tmp/full/$name" >"$tmp/before.sha"
    run -o "$tmp/full" -r 200 --trajectories -1
    expect_io_error "full disk" "No space left on device"
    snapshot "$tmp/full/$name" | cmp -s - "$tmp/before.sha" || fail "full disk: earlier outputs changed"
    # batch: the scenario fails, batch.csv is still written and says so.
    "$bin" batch "$cfg" -q -o "$tmp/full" --set monte_carlo.replicates=200 \
        --set output.trajectories=-1 2>"$tmp/err" >/dev/null; rc=$?
    expect_io_error "batch on a full disk" "No space left on device"
    snapshot "$tmp/full/$name" | cmp -s - "$tmp/before.sha" || fail "batch full disk: outputs changed"
    umount "$tmp/full" && mounted=()
else
    skip "full disk (no tmpfs can be mounted here; test_csv injects ENOSPC)"
fi

# 6. The output folder vanishes mid-run and a file takes its place.
sed -e 's/strategy = { kind = "time_dependent";.*/strategy = { kind = "best_response"; }; },/' \
    -e '/reservation = { us_tariff/d' "$cfg" >"$tmp/slow.cfg"
mkdir -p "$tmp/gone"
"$bin" run "$tmp/slow.cfg" -q -o "$tmp/gone/out" -r 6000 --trajectories 0 2>"$tmp/err" >/dev/null &
pid=$!
wait_running "$pid" || fail "vanished folder: the run ended early"
rm -rf "$tmp/gone" && touch "$tmp/gone"
wait "$pid"; rc=$?
expect_io_error "vanished folder" "not a folder"

finish "I/O faults: exit 3, one-line errors, earlier outputs untouched, nothing partial"
