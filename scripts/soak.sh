#!/usr/bin/env bash
# soak.sh: a minute of high, steady load through the whole chain, to show that
# nothing accumulates: every tier's open file descriptors and resident memory
# are measured once a warm-up has drained, and again once the soak itself has
# drained.  With no leak both stay flat (the warm-up has already grown every
# pool, cache and allocator arena to the size this load needs).  Then every
# process must exit 0 on SIGTERM and `report check` must find every record.
#
# Load: loadgen, open loop, constant arrivals at SOAK_RATE requests/s (default
# 1000) for SOAK_SECONDS (default 60), after a warm-up of SOAK_WARMUP seconds
# (default 10) at the same rate; dbsim answers in 1 ms with 64 workers.
# Fails (exit 1) when fds grow by more than SOAK_MAX_FD_GROWTH (default 0)
# or RSS by more than SOAK_MAX_RSS_GROWTH_KB (default 2048) in any process,
# when a request is lost or fails, or when a process does not exit 0.
# Results: results/soak/<timestamp>/ (soak.csv, every CSV and log).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
rate=${SOAK_RATE:-1000}
seconds=${SOAK_SECONDS:-60}
warmup=${SOAK_WARMUP:-10}
max_fd=${SOAK_MAX_FD_GROWTH:-0}
max_rss=${SOAK_MAX_RSS_GROWTH_KB:-2048}
# shellcheck source=scripts/chain.sh
. "$root/scripts/chain.sh"

for b in gateway svc_a svc_b dbsim loadgen report; do
	[ -x "$bin/$b" ] || { echo "soak: $bin/$b missing (run: make soak)" >&2; exit 1; }
done
out="$root/results/soak/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
lg_pid=""
cleanup() {
	[ -n "$lg_pid" ] && kill -TERM "$lg_pid" 2>/dev/null
	[ ${#chain_pids[@]} -gt 0 ] && chain_stop 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'echo "soak: interrupted" >&2; exit 130' INT TERM
problems=0
problem() {
	echo "soak: FAIL: $*" >&2
	problems=$((problems + 1))
}

tier_sets=(--set 'faults=[]' --set 'tiers.dbsim.service_time={"dist":"fixed","value":"1ms"}'
	--set tiers.dbsim.workers=64)
chain_start "$out" --t0 "$(date +%s%N)" "${tier_sets[@]}" || exit 1
# shellcheck disable=SC2154 # port_<tier> are set by chain_start
echo "soak: chain up (gateway 127.0.0.1:$port_gateway); results in $out"

# load PHASE SECONDS SEED: loadgen at the soak rate, waited for (in the background
# so that a signal to this script acts at once), then the chain drained.
load() {
	local phase=$1 secs=$2 seed=$3 rc
	mkdir -p "$out/$phase"
	# Its own t0 (now: its arrivals start now, not at the chain's start) and
	# its own seed (trace ids differ from the other phase's).
	"$bin/loadgen" "${tier_sets[@]}" --seed "$seed" --quiet --out "$out/$phase" --upstream "http://127.0.0.1:$port_gateway/" \
		--set load.arrival=constant --set "load.rate=$rate" --set "load.duration=${secs}s" \
		--set load.client_retries=0 --set load.drain=30s 2>>"$out/loadgen.log" &
	lg_pid=$!
	set +e
	wait "$lg_pid"
	rc=$?
	set -e
	lg_pid=""
	[ "$rc" = 0 ] || problem "$phase: loadgen exited with status $rc"
	chain_wait_idle 30 || problem "$phase: requests still in flight 30 s after the load ended"
}

fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
measure() { # measure LABEL: one row per tier
	local tier pid
	for tier in "${chain_tiers[@]}"; do
		pid=$(chain_pid "$tier")
		echo "$1,$tier,$(fds "$pid"),$(rss_kb "$pid")" >>"$out/soak.csv"
	done
}

echo "phase,tier,open_fds,rss_kb" >"$out/soak.csv"
echo "soak: warm-up, $warmup s at $rate requests/s"
load warmup "$warmup" 1
measure before
echo "soak: soak, $seconds s at $rate requests/s"
start=$(date +%s.%N)
load soak "$seconds" 2
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
measure after
chain_stop
[ "$chain_failed" = 0 ] || problem "$chain_failed tier(s) did not exit 0 on SIGTERM"

# The run folder `report check` reads: every tier's spans in spans.csv, both
# loadgen runs' rows in one requests.csv.
{
	head -n1 "$out/gateway.csv"
	for tier in gateway svc_a svc_b dbsim; do tail -n +2 "$out/$tier.csv"; done
} >"$out/spans.csv"
{
	head -n1 "$out/warmup/requests.csv"
	tail -n +2 "$out/warmup/requests.csv"
	tail -n +2 "$out/soak/requests.csv"
} >"$out/requests.csv"
sent=$(($(wc -l <"$out/soak/requests.csv") - 1))
ok=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "outcome") c = i; next } $c == "ok" { n++ } END { print n + 0 }' \
	"$out/soak/requests.csv")
echo "soak: $sent requests sent in the soak, $ok ok, load phase took $elapsed s"
if [ "$sent" -eq 0 ] || [ "$ok" != "$sent" ]; then
	problem "$((sent - ok)) of $sent soak requests did not succeed"
fi
if "$bin/report" check "$out" >"$out/check.txt" 2>&1; then
	echo "soak: report check: every record present"
else
	problem "report check failed: $(grep -m1 FAIL "$out/check.txt")"
fi

printf '\n%-8s %12s %12s %12s %12s\n' tier "fds before" "fds after" "RSS KB before" "RSS KB after"
for tier in "${chain_tiers[@]}"; do
	read -r fb rb < <(awk -F, -v t="$tier" '$1 == "before" && $2 == t { print $3, $4 }' "$out/soak.csv")
	read -r fa ra < <(awk -F, -v t="$tier" '$1 == "after" && $2 == t { print $3, $4 }' "$out/soak.csv")
	printf '%-8s %12s %12s %12s %12s\n' "$tier" "$fb" "$fa" "$rb" "$ra"
	[ $((fa - fb)) -le "$max_fd" ] || problem "$tier: open fds grew from $fb to $fa"
	[ $((ra - rb)) -le "$max_rss" ] || problem "$tier: RSS grew from $rb KB to $ra KB"
done
if [ "$problems" -gt 0 ]; then
	echo "soak: $problems problem(s); results in $out" >&2
	exit 1
fi
echo "soak: no growth in fds or memory; results in $out"
