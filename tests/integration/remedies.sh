#!/usr/bin/env bash
# remedies.sh: on the real chain, a short storm (scenarios/incident-tenth.json
# at a quarter of real time) with and without a remedy: a retry budget, a
# circuit breaker, hedging and a cache each lower the database hits per
# client request and count their decisions; report check passes on every run.
# Needs CASCADE_BIN (make integration sets it).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-remedies-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "remedies.sh: FAIL: $*" >&2; exit 1; }

metric() { awk -F, -v m="$2" '$1 == m { print $2 }' "$1/summary.csv"; }
all_tiers() { # all_tiers KEY=VALUE: the same --set for the three forwarding tiers
	local t
	for t in gateway svc_a svc_b; do printf -- '--set\ntiers.%s.%s\n' "$t" "$1"; done
}

run() { # run NAME --set ...: the storm on the real chain, checked
	local name=$1
	shift
	"$root/scripts/run_scenario.sh" "$root/scenarios/incident-tenth.json" -o "$tmp/$name" --quiet \
		--time-scale 0.25 "$@" >"$tmp/$name.out" 2>&1 || { cat "$tmp/$name.out" >&2; fail "$name: the run failed"; }
	"$bin/report" check "$tmp/$name" >"$tmp/$name.check" || { cat "$tmp/$name.check" >&2; fail "$name: report check"; }
}

lower() { # lower NAME: fewer database hits per request than the bare storm
	local base v
	base=$(metric "$tmp/base" db_hits_per_request) v=$(metric "$tmp/$1" db_hits_per_request)
	awk -v b="$base" -v v="$v" 'BEGIN { exit !(v < b) }' ||
		fail "$1: $v database hits per request, not fewer than the bare storm's $base"
	echo "ok: $1: $v database hits per request against $base without it"
}

positive() { # positive NAME METRIC
	local v
	v=$(metric "$tmp/$1" "$2")
	awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$1: $2 = '$v', expected > 0"
	echo "ok: $1: $2 = $v"
}

run base
mapfile -t sets < <(all_tiers 'retry_budget={"enabled": true}')
run budget "${sets[@]}"
lower budget
positive budget retries_denied

mapfile -t sets < <(all_tiers 'circuit_breaker={"enabled": true, "min_requests": 10, "open_for": "1s"}')
run breaker "${sets[@]}"
lower breaker
positive breaker breaker_open_s
grep -q ',breaker_open,' "$tmp/breaker/spans.csv" || fail "breaker: no breaker_open attempt in spans.csv"

mapfile -t sets < <(all_tiers 'retries=0'; all_tiers 'hedge={"enabled": true, "delay": "500ms", "max_attempts": 2}')
run hedge "${sets[@]}"
lower hedge
positive hedge hedges

run cache --set 'tiers.svc_b.cache={"enabled": true, "capacity": 200}' --set 'load.keys={"count": 200, "zipf": 1}'
lower cache
positive cache cache_hit_ratio
echo "remedies.sh: all ok"
