#!/usr/bin/env bash
# crosscheck.sh: the two engines agree on a short storm (one seed of the
# incident with every duration a tenth: scripts/crosscheck.sh --quick, the
# same tolerances as make crosscheck), and a bad scenario gets the same
# file:line:col message and exit status 2 from both.
# Needs CASCADE_BIN (make integration sets it).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-cc-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "crosscheck.sh: FAIL: $*" >&2; exit 1; }

"$root/scripts/crosscheck.sh" --quick -o "$tmp/crosscheck.md" >"$tmp/out" 2>&1 ||
	{ cat "$tmp/out" >&2; fail "the engines disagree beyond the tolerances"; }
grep -c '| ok |' "$tmp/crosscheck.md" | grep -qx 4 || { cat "$tmp/crosscheck.md" >&2; fail "expected 4 ok rows"; }
echo "ok: real and virtual within tolerance: $(grep db_hits "$tmp/crosscheck.md" | cut -d'|' -f4,5 | tr -s ' ')"

printf '{\n  "load": {"rate": 4},\n  "tiers": {"svc_a": {"retires": 2}}\n}\n' >"$tmp/bad.json"
set +e
"$bin/gateway" --scenario "$tmp/bad.json" --print-scenario >/dev/null 2>"$tmp/real.err"
real_rc=$?
"$bin/virtual" --scenario "$tmp/bad.json" --out "$tmp/v" 2>"$tmp/virtual.err"
virtual_rc=$?
set -e
if [ "$real_rc" != 2 ] || [ "$virtual_rc" != 2 ]; then fail "exit status: real $real_rc, virtual $virtual_rc (want 2 and 2)"; fi
real_msg=$(sed 's/^gateway: //' "$tmp/real.err") virtual_msg=$(sed 's/^virtual: //' "$tmp/virtual.err")
[ "$real_msg" = "$virtual_msg" ] || fail "messages differ: real '$real_msg', virtual '$virtual_msg'"
case "$real_msg" in "$tmp/bad.json:3:23: tiers.svc_a.retires: unknown key"*) ;; *) fail "unexpected message: $real_msg" ;; esac
[ ! -e "$tmp/v" ] || fail "the virtual engine wrote a folder for a bad scenario"
echo "ok: same message and exit 2 from both engines: $real_msg"
echo "crosscheck.sh: all ok"
