#!/usr/bin/env bash
# callgrind.sh: instructions per request of each process of the chain, counted
# by valgrind's callgrind, so that a change's cost or gain can be told apart
# from the machine's noise (an instruction count does not move with the load).
#   bench/callgrind.sh [chain]   the four processes, each under callgrind;
#                                hammer -c 8: a 500-request warm-up, counters
#                                zeroed, then CG_REQUESTS (2000) measured
#   bench/callgrind.sh hold N    svc_b under callgrind in front of dbsim, N
#                                attempts held in flight (dbsim answers each
#                                after CG_HOLD_SERVICE, default 2s), then a
#                                closed loop of N connections: instructions
#                                per completed attempt with N in flight;
#                                CG_HOLD_TIMEOUT=MS: svc_b's attempts time
#                                out after MS instead (one attempt each)
# Prints "PROCESS Ir_per_request" lines; the profiles (callgrind.out.*, one
# per process, for callgrind_annotate) stay in CG_OUT (default
# results/callgrind/<timestamp>).  Needs valgrind; builds nothing itself
# (make && make build/bin/hammer).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
requests=${CG_REQUESTS:-2000}
out=${CG_OUT:-$root/results/callgrind/$(date +%Y%m%d-%H%M%S)}
mode=${1:-chain}
mkdir -p "$out"

chain_pids=()
cleanup() {
	local pid
	for pid in "${chain_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${chain_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# shellcheck source=scripts/chain.sh
. "$root/scripts/chain.sh"

# total_ir FILE: the instructions of one callgrind dump, less the loop-lag
# monitor's ticks and the per-second stats row: work done per unit of real
# time, which a slower run (a busier machine) would count more of.
total_ir() {
	local all per_time
	all=$(awk '/^(totals|summary):/ { print $2; exit }' "$1")
	per_time=$(callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$1" 2>/dev/null |
		awk '/lagmon.c:on_tick |proc.c:on_tick / { gsub(",", "", $1); s += $1 } END { print s + 0 }')
	echo $((all - per_time))
}

# measure TIER...: zero the named processes' counters, run hammer, dump them
measure() {
	local conns=$1 n=$2 target=$3 tier
	shift 3
	for tier in "$@"; do callgrind_control --zero "$(chain_pid "$tier")" >/dev/null 2>&1; done
	# (hammer exits 1 when no reply was a 2xx: the timeout mode's are 504s)
	"$bin/hammer" -c "$conns" -n "$n" --max-seconds 600 "$target" >"$out/hammer.txt" || true
	grep -q '^requests=[1-9]' "$out/hammer.txt" || { cat "$out/hammer.txt" >&2; exit 1; }
	for tier in "$@"; do callgrind_control --dump=measured "$(chain_pid "$tier")" >/dev/null 2>&1; done
	sleep 0.5
	done_n=$(tr ' ' '\n' <"$out/hammer.txt" | sed -n 's/^requests=//p')
	for tier in "$@"; do
		f="$out/callgrind.out.$tier.1" # the first dump; the file without a suffix is written at exit
		awk -v t="$tier" -v ir="$(total_ir "$f")" -v n="$done_n" 'BEGIN { printf "%s %.0f\n", t, ir / n }'
	done
	cat "$out/hammer.txt"
}

cg() { # cg TIER: the command prefix that runs TIER under callgrind
	echo "valgrind --tool=callgrind --callgrind-out-file=$out/callgrind.out.$1 --dump-instr=no"
}

zero_sets=(--set 'tiers.dbsim.service_time={"dist":"fixed","value":"1ns"}' --set tiers.dbsim.workers=64)
case "$mode" in
chain)
	# chain_start puts chain_launch in front of every process: here a
	# wrapper that picks each tier's own output file.
	wrap="$out/wrap.sh"
	# shellcheck disable=SC2016 # the wrapper's own $1 and $t
	printf '#!/bin/sh\nt=$(basename "$1")\nexec valgrind --tool=callgrind --callgrind-out-file=%s/callgrind.out.$t --dump-instr=no "$@" 2>>%s/valgrind.$t.log\n' \
		"$out" "$out" >"$wrap"
	chain_launch=(sh "$wrap")
	chain_start "$out" "${zero_sets[@]}"
	# shellcheck disable=SC2154 # port_gateway is set by chain_start
	"$bin/hammer" -c 8 -n 500 --max-seconds 600 "127.0.0.1:$port_gateway" >/dev/null
	measure 8 "$requests" "127.0.0.1:$port_gateway" gateway svc_a svc_b dbsim
	;;
hold)
	n=${2:?usage: bench/callgrind.sh hold N}
	service=${CG_HOLD_SERVICE:-2s}
	chain_tiers=(dbsim svc_b)
	wrap="$out/wrap.sh"
	# shellcheck disable=SC2016 # the wrapper's own $1 and $t
	printf '#!/bin/sh\nt=$(basename "$1")\n[ "$t" = svc_b ] || exec "$@"\nexec valgrind --tool=callgrind --callgrind-out-file=%s/callgrind.out.$t --dump-instr=no "$@" 2>>%s/valgrind.$t.log\n' \
		"$out" "$out" >"$wrap"
	chain_launch=(sh "$wrap")
	extra=()
	[ -z "${CG_HOLD_TIMEOUT:-}" ] || extra=(--set "tiers.svc_b.attempt_timeout=${CG_HOLD_TIMEOUT}ms" --set tiers.svc_b.retries=0)
	chain_start "$out" --set "tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"$service\"}" \
		--set tiers.dbsim.workers=100000 --set tiers.dbsim.statement_timeout=none --set tiers.svc_b.timeout=none "${extra[@]}"
	# shellcheck disable=SC2154 # port_svc_b is set by chain_start
	"$bin/hammer" -c "$n" -n "$n" --max-seconds 600 "127.0.0.1:$port_svc_b" >/dev/null || true
	measure "$n" "$((n * ${CG_HOLD_ROUNDS:-3}))" "127.0.0.1:$port_svc_b" svc_b
	;;
*)
	echo "usage: bench/callgrind.sh [chain | hold N]" >&2
	exit 2
	;;
esac
chain_stop
echo "profiles: $out"
