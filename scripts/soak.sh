#!/usr/bin/env bash
# soak.sh: a minute of high, steady load through the whole chain, to show that
# nothing accumulates: every tier's open file descriptors and resident memory
# are measured once a warm-up has drained, and again once the soak itself has
# drained.  The warm-up (hammer, closed loop on SOAK_CONNS connections) fills
# every connection pool and allocator arena to that many requests in flight;
# the soak (loadgen, open loop, at most SOAK_CONNS in flight) can never need
# more, so with no leak both figures stay flat, however busy the machine is.
# Then every process must exit 0 on SIGTERM and `report check` must find
# every record of the soak.
#
# Load: constant arrivals at SOAK_RATE requests/s (default 1000) for
# SOAK_SECONDS (default 60), at most SOAK_CONNS (64) in flight; warm-up
# SOAK_WARMUP seconds' worth of requests (default 10); dbsim answers in 1 ms
# with 64 workers.  Fails (exit 1) when fds grow by more than
# SOAK_MAX_FD_GROWTH (default 0) or RSS by more than SOAK_MAX_RSS_GROWTH_KB
# (default 2048) in any process, when a request sent fails, when a record is
# missing, or when a process does not exit 0.  Arrivals past the in-flight cap
# (not_sent: the machine could not keep up) are counted and reported, not
# failed.  Results: results/soak/<timestamp>/ (soak.csv, every CSV and log).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
rate=${SOAK_RATE:-1000}
seconds=${SOAK_SECONDS:-60}
warmup=${SOAK_WARMUP:-10}
max_fd=${SOAK_MAX_FD_GROWTH:-0}
max_rss=${SOAK_MAX_RSS_GROWTH_KB:-2048}
conns=${SOAK_CONNS:-64}
# shellcheck source=scripts/chain.sh
. "$root/scripts/chain.sh"

for b in gateway svc_a svc_b dbsim loadgen report hammer; do
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
chain_start "$out" "${tier_sets[@]}" || exit 1
# shellcheck disable=SC2154 # port_<tier> are set by chain_start
echo "soak: chain up (gateway 127.0.0.1:$port_gateway); results in $out"

# load SECONDS: loadgen at the soak rate, waited for (in the background so
# that a signal to this script acts at once), then the chain drained.
load() {
	local rc
	mkdir -p "$out/soak"
	"$bin/loadgen" "${tier_sets[@]}" --quiet --out "$out/soak" --upstream "http://127.0.0.1:$port_gateway/" \
		--set load.arrival=constant --set "load.rate=$rate" --set "load.duration=$1s" \
		--set load.client_retries=0 --set "load.max_outstanding=$conns" --set load.drain=30s \
		2>>"$out/loadgen.log" &
	lg_pid=$!
	set +e
	wait "$lg_pid"
	rc=$?
	set -e
	lg_pid=""
	[ "$rc" = 0 ] || problem "loadgen exited with status $rc"
	chain_wait_idle 30 || problem "requests still in flight 30 s after the load ended"
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
echo "soak: warm-up, $((rate * warmup)) requests on $conns connections (hammer)"
"$bin/hammer" -c "$conns" -n $((rate * warmup)) --max-seconds 120 "127.0.0.1:$port_gateway" \
	>"$out/warmup.txt" 2>&1 || problem "warm-up failed: $(cat "$out/warmup.txt")"
chain_wait_idle 30 || problem "warm-up requests still in flight after 30 s"
measure before
echo "soak: soak, $seconds s at $rate requests/s, at most $conns in flight (loadgen)"
start=$(date +%s.%N)
load "$seconds"
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
measure after
chain_stop
[ "$chain_failed" = 0 ] || problem "$chain_failed tier(s) did not exit 0 on SIGTERM"

# The soak's run folder for `report check`: its requests and the tiers' rows
# of its traces (the warm-up's requests come from hammer, which records none).
mkdir -p "$out/check"
cp "$out/soak/requests.csv" "$out/check/requests.csv"
awk -F, 'FNR == 1 { if (FILENAME ~ /gateway.csv$/) print; next }
	FILENAME ~ /requests.csv$/ { mine[$1] = 1; next }
	$1 in mine' "$out/soak/requests.csv" "$out"/{gateway,svc_a,svc_b,dbsim}.csv >"$out/check/spans.csv"
read -r sent ok not_sent < <(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "outcome") c = i; next }
	{ n++ } $c == "ok" { k++ } $c == "not_sent" { ns++ } END { print n - ns, k + 0, ns + 0 }' "$out/soak/requests.csv")
echo "soak: $sent requests sent in the soak, $ok ok, $not_sent not sent (in-flight cap), load phase took $elapsed s"
if [ "$sent" -eq 0 ] || [ "$ok" != "$sent" ]; then
	problem "$((sent - ok)) of $sent soak requests did not succeed"
fi
if "$bin/report" check "$out/check" >"$out/check.txt" 2>&1; then
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
