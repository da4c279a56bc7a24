#!/usr/bin/env bash
# install.sh: make install into a scratch PREFIX gives a cascade that runs a
# scenario from the installed copy (virtual engine), checks it and compares
# it, with no checkout beside it.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/cascade-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install.sh: FAIL: $*" >&2; exit 1; }

make -s -C "$root" --no-print-directory install PREFIX="$tmp/prefix" >"$tmp/make.out" 2>&1 ||
	{ cat "$tmp/make.out" >&2; fail "make install"; }
c="$tmp/prefix/bin/cascade"
[ -x "$c" ] || fail "no $c"
cd "$tmp"
env -u CASCADE_BIN "$c" --version | grep -q '^cascade ' || fail "cascade --version"
env -u CASCADE_BIN "$c" run "$tmp/prefix/lib/cascade/scenarios/incident.json" --engine virtual -o run --quiet \
	>"$tmp/run.out" 2>&1 || { cat "$tmp/run.out" >&2; fail "cascade run --engine virtual"; }
env -u CASCADE_BIN "$c" check run >/dev/null || fail "cascade check"
env -u CASCADE_BIN "$c" compare run run -o compare.csv >/dev/null || fail "cascade compare"
grep -q '^engine,,virtual,virtual$' compare.csv || fail "compare.csv names the engine: $(grep engine compare.csv)"
env -u CASCADE_BIN "$c" run --help | grep -q -- '--engine' || fail "cascade run --help"
echo "install.sh: ok (installed under $tmp/prefix, ran, checked and compared a run from it)"
