#!/usr/bin/env bash
# cmake --install into a DESTDIR: the program runs; a man page per
# subcommand, generated from its --help (every option of the help on the
# page, man renders it without warnings and finds it as `man tradesim
# <command>`); the bash completion offers subcommands, options, option
# values and scenario paths; the docs and the shipped scenarios are there
# and the installed program checks every installed scenario.
# Usage: install.sh TRADESIM_BIN REPO_ROOT (the binary's folder is the build)
set -u
bin=$1
root=$(cd "$2" && pwd)
. "$root/tests/lib/common.sh"

build=$(cd "$(dirname "$bin")" && pwd)
prefix=/opt/tradesim
DESTDIR=$tmp/stage cmake --install "$build" --prefix "$prefix" >"$tmp/install.out" 2>&1 ||
    { cat "$tmp/install.out" >&2; fail "cmake --install exit $?"; finish ""; }
inst=$tmp/stage$prefix
tb=$inst/bin/tradesim
[ -x "$tb" ] || { fail "no executable bin/tradesim"; finish ""; }
[ "$("$tb" --version)" = "$("$bin" --version)" ] || fail "installed --version differs"

# ---- man pages --------------------------------------------------------------
man1=$inst/share/man/man1
cmds=$("$tb" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
[ "$(echo "$cmds" | wc -w)" -ge 6 ] || fail "commands from --help: '$cmds'"
[ -f "$man1/tradesim.1" ] || fail "no man1/tradesim.1"
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIR]//g' -e 's/\\e/\\/g' -e 's/\\&//g' "$1"; }
for c in $cmds; do
    page=$man1/tradesim-$c.1
    [ -f "$page" ] || { fail "no man page for $c"; continue; }
    plain "$page" >"$tmp/page.txt"
    # Every option and every line of text in --help is on the page.
    for o in $("$tb" "$c" --help | grep -o -- '--\?[a-zA-Z][a-z-]*' | grep '^-' | sort -u); do
        grep -q -- "$o" "$tmp/page.txt" || fail "tradesim-$c.1 lacks $o"
    done
    "$tb" "$c" --help | sed -n 's/^  *-.*  \+\([a-z].*\)$/\1/p' | while IFS= read -r d; do
        grep -qF -- "$d" "$tmp/page.txt" || echo "$d"
    done >"$tmp/missing"
    [ -s "$tmp/missing" ] && fail "tradesim-$c.1 lacks: $(head -n 1 "$tmp/missing")"
    grep -qxF "tradesim-$c - $("$tb" --help | awk -v c="$c" '$1 == c { $1 = ""; print substr($0, 2); exit }')" "$tmp/page.txt" ||
        fail "tradesim-$c.1: NAME line is not 'tradesim-$c - <its --help summary>'"
    grep -qF "$("$tb" "$c" --help | head -n 1 | sed 's/^usage: //')" "$tmp/page.txt" ||
        fail "tradesim-$c.1: synopsis is not the usage line"
    plain "$man1/tradesim.1" | grep -q "tradesim-$c(1)" || fail "tradesim.1 does not refer to tradesim-$c"
done
if command -v man >/dev/null 2>&1; then
    for page in "$man1"/*.1; do
        w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        [ -z "$w" ] || fail "$(basename "$page"): man warns: $w"
    done
    found=$(MANPATH=$inst/share/man man -w tradesim run 2>/dev/null)
    [ "$found" = "$man1/tradesim-run.1" ] || fail "man tradesim run finds '$found'"
else
    skip "rendering the man pages (man not installed)"
fi

# ---- bash completion -------------------------------------------------------------
comp=$inst/share/bash-completion/completions/tradesim
[ -f "$comp" ] || fail "no bash completion"
# complete WORDS...: the completions of the last word, one per line, sorted.
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tradesim
             printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$comp" "$@"
}
[ "$(complete_words tradesim r)" = run ] || fail "completion of 'r': $(complete_words tradesim r)"
[ "$(complete_words tradesim c | tr '\n' ' ')" = "calibrate check compare " ] || fail "completion of 'c'"
[ "$(complete_words tradesim run --l)" = --log ] || fail "completion of 'run --l'"
[ "$(complete_words tradesim run --log e)" = events ] || fail "completion of '--log e'"
[ "$(complete_words tradesim batch --res)" = --resume ] || fail "completion of 'batch --res'"
[ -z "$(complete_words tradesim diff --re)" ] || fail "diff offers --resume"
for c in $cmds; do
    want=$("$tb" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
    got=$(complete_words tradesim "$c" -- | grep -v -- '^--help$')
    [ "$want" = "$got" ] || fail "completion of '$c --': $(echo $got) (help: $(echo $want))"
done
cd "$inst/share/tradesim" || fail "no share/tradesim"
[ "$(complete_words tradesim run scenarios/baseline_n)" = scenarios/baseline_nov2025.cfg ] ||
    fail "scenario path completion: $(complete_words tradesim run scenarios/baseline_n)"
[ "$(complete_words tradesim check scenarios/bas | tr '\n' ' ')" = "scenarios/base scenarios/baseline_nov2025.cfg " ] ||
    fail "folder completion: $(complete_words tradesim check scenarios/bas)"
[ -z "$(complete_words tradesim run scenarios/base/us)" ] || fail "run offers .inc files"
[ "$(complete_words tradesim run -o scen)" = scenarios ] || fail "-o completes folders"
cd "$tmp" || exit 1

# ---- docs and scenarios -------------------------------------------------------
doc=$inst/share/doc/tradesim
for f in README.md LICENSE docs/cli.md docs/scenario-format.md docs/model.md; do
    cmp -s "$doc/$f" "$root/$f" || fail "doc $f not installed as in the source"
done
n=0
for s in "$root"/scenarios/*.cfg; do
    i=$inst/share/tradesim/scenarios/$(basename "$s")
    "$tb" check -q "$i" || fail "installed $(basename "$s") does not check"
    n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n scenarios"

finish "install: program, $(echo "$cmds" | wc -w) subcommand man pages, completion, docs, $n scenarios"
