#!/usr/bin/env bash
# gallery.sh: every remedy of scenarios/remedies/ in the virtual engine (one
# seed), each against the bare incident in the direction its reference says:
# budgets and throttling cut database hits and count denials, the breaker
# opens, hedges go out, the client throttles, LIFO and CoDel serve fresher
# queries (more of the database's work reaches a client), the cache takes
# reads off the database and a flush sends them back; report check passes
# on every run.  Needs CASCADE_BIN (make integration sets it).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-gallery-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "gallery.sh: FAIL: $*" >&2; exit 1; }

"$root/scripts/gallery.sh" --seeds 1 -o "$tmp/g" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "scripts/gallery.sh failed"; }
for d in "$tmp"/g/*/seed-1; do
	"$bin/report" check "$d" >"$tmp/check" || { cat "$tmp/check" >&2; fail "report check $d"; }
done
[ -s "$tmp/g/report.html" ] || fail "no report.html"

col() { # col NAME METRIC: the scenario's value in gallery.csv
	awk -F, -v n="$1" -v m="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $1 == n { print $c[m] }' \
		"$tmp/g/gallery.csv"
}
cmp_to() { # cmp_to NAME METRIC OP OTHER: NAME's METRIC OP OTHER's (OP: < or >)
	local a b
	a=$(col "$1" "$2") b=$(col "$4" "$2")
	awk -v a="$a" -v b="$b" -v op="$3" 'BEGIN { exit !(a != "" && b != "" && (op == "<" ? a + 0 < b + 0 : a + 0 > b + 0)) }' ||
		fail "$1: $2 $a, expected $3 $4's $b"
	echo "ok: $1: $2 $a $3 $4's $b"
}
positive() { # positive NAME METRIC
	local v
	v=$(col "$1" "$2")
	awk -v v="$v" 'BEGIN { exit !(v + 0 > 0) }' || fail "$1: $2 = '$v', expected > 0"
	echo "ok: $1: $2 = $v"
}

for r in retry-budget retry-concurrency retry-throttle; do
	cmp_to "$r" db_hits_per_request '<' incident
	positive "$r" retries_denied
done
positive circuit-breaker breaker_open_s
cmp_to circuit-breaker db_hits_per_request '<' incident
positive hedging hedges
cmp_to hedging db_hits_per_request '<' incident
positive adaptive-throttle throttled_ratio
for r in lifo adaptive-lifo codel; do cmp_to "$r" db_useful_work_ratio '>' incident; done
cmp_to codel client_success_ratio '>' incident
positive cache cache_hit_ratio
cmp_to cache db_hits_per_request '<' incident
cmp_to cache-flush db_hits_per_request '>' cache
cmp_to retry-one-layer db_hits_per_request '<' incident
cmp_to everything db_hits_per_request '<' incident
cmp_to single-deadline client_success_ratio '>' incident
echo "gallery.sh: all ok"
