#!/usr/bin/env bash
# Bad-input catalogue: every tests/bad/NAME.cfg must make `tradesim check`
# exit 2 and print exactly the one line in NAME.expected on stderr (and
# nothing on stdout). Extra arguments (e.g. --set overrides) come from
# NAME.args, one per line. Runs inside tests/bad so messages name files
# as written there. Usage: bad_catalogue.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
cd "$root/tests/bad" || exit 1
# In a sanitizer build: libconfig's own scanner leaks on some syntax errors
# (fuzz_libconfig_leak_*) are not ours; the file names only those.
export LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fail=0
count=0
for cfg in *.cfg; do
    name=${cfg%.cfg}
    count=$((count + 1))
    args=()
    if [ -f "$name.args" ]; then
        mapfile -t args < "$name.args"
    fi
    if [ ! -f "$name.expected" ]; then
        echo "FAIL $name: no $name.expected"
        fail=$((fail + 1))
        continue
    fi
    out=$("$bin" check "$cfg" "${args[@]}" 2>/tmp/bad_catalogue.$$ </dev/null)
    rc=$?
    err=$(cat /tmp/bad_catalogue.$$)
    want=$(cat "$name.expected")
    if [ "$rc" -ne 2 ] || [ "$err" != "$want" ] || [ -n "$out" ]; then
        echo "FAIL $name: exit $rc (want 2)"
        echo "  got:  $err"
        echo "  want: $want"
        [ -n "$out" ] && echo "  and printed on stdout"
        fail=$((fail + 1))
    fi
done
rm -f /tmp/bad_catalogue.$$

# A nonexistent input is bad input: exit 2, as for every subcommand
# (docs/cli.md, exit codes; tests/inputs_cli.sh checks each).
err=$("$bin" check no_such_file.cfg 2>&1 >/dev/null)
rc=$?
want="tradesim check: no_such_file.cfg: no such file"
if [ "$rc" -ne 2 ] || [ "$err" != "$want" ]; then
    echo "FAIL no_such_file: exit $rc (want 2): $err"
    fail=$((fail + 1))
fi
count=$((count + 1))

echo "$((count - fail)) of $count bad-input cases give their expected error"
[ "$fail" -eq 0 ]
