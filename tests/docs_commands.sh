#!/usr/bin/env bash
# Every shell command block in README.md and docs/*.md runs as pasted.
# A block fenced ```sh is run with bash -e -o pipefail, in file order
# (README first, then docs/ by name), in one copy of the repository whose
# build/tradesim is the binary under test; later blocks may use what earlier
# ones wrote. Other blocks are marked with what they hold (```text for
# output and synopses, ```cfg for scenarios) and are not run; an unmarked
# fence is a failure, so a command block cannot slip through unrun.
# scripts/setup (installs packages as root, then builds) and scripts/test
# (the ten-minute suite) are replaced in the copy by stubs: setup puts the
# binary under test in build/, test does nothing.
# Usage: docs_commands.sh TRADESIM_BIN REPO_ROOT
set -u
bin=$1
root=$2
source "$root/tests/lib/common.sh"

repo=$tmp/repo
mkdir -p "$repo"
tar -C "$root" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$repo" -xf - ||
    { echo "FAIL: cannot copy $root"; exit 1; }
mkdir -p "$repo/build"
cp "$bin" "$repo/build/tradesim"
printf '#!/bin/sh\nmkdir -p build && cp -f "%s" build/tradesim.new && mv build/tradesim.new build/tradesim\n' \
    "$bin" > "$repo/scripts/setup"
printf '#!/bin/sh\nexit 0\n' > "$repo/scripts/test"

blocks=0
mkdir -p "$tmp/blocks"
for md in README.md docs/*.md; do
    # Unmarked opening fences: name each one.
    unmarked=$(awk '/^```/ { if (!open) { open = 1; if ($0 == "```") print NR } else open = 0 }' \
               "$root/$md")
    for line in $unmarked; do
        fail "$md:$line: a code block without a type (\`\`\`sh to run it, \`\`\`text otherwise)"
    done
    # Each ```sh block into its own file, named by its first line.
    awk -v dir="$tmp/blocks" -v md="$(echo "$md" | tr / _)" '
        /^```/ && !open { open = 1; sh = ($0 == "```sh"); if (sh) { n++; f = sprintf("%s/%s_%04d_%d", dir, md, n, NR + 1) } next }
        /^```/ && open { open = 0; sh = 0; next }
        open && sh { print > f }' "$root/$md"
    for f in "$tmp/blocks/$(echo "$md" | tr / _)"_*; do
        [ -f "$f" ] || continue
        line=${f##*_}
        blocks=$((blocks + 1))
        if ! out=$(cd "$repo" && timeout 600 bash -e -o pipefail "$f" 2>&1 </dev/null); then
            fail "$md:$line: the block fails as pasted:"
            sed 's/^/    /' "$f" >&2
            echo "$out" | tail -5 | sed 's/^/  > /' >&2
        fi
    done
done
[ "$blocks" -ge 5 ] || fail "only $blocks shell blocks found (expected README's at least)"
finish "docs_commands: $blocks shell blocks from README.md and docs/*.md ran as pasted"
