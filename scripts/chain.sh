# shellcheck shell=bash disable=SC2154 # bin is the sourcing script's
# chain.sh: shell functions to start and stop the four tiers on free loopback
# ports, for scripts that measure a running chain (soak.sh).  Source it after
# setting `bin` (the folder of the programs); it sets no options of its own.
#
#   chain_start DIR [ARGS]...  start dbsim, svc_b, svc_a, gateway with one
#                              shared --t0 (now), their logs, CSVs and port
#                              files in DIR and ARGS (e.g. --set K=V) each;
#                              sets chain_pids (start order) and port_<tier>.
#                              The array chain_launch (empty, or e.g. a
#                              prlimit command) goes in front of each
#   chain_stop                 SIGTERM from the gateway down, each bounded;
#                              sets chain_failed to the number of tiers that
#                              did not exit 0
#   chain_pid TIER             the PID of one tier
#   chain_metric TIER SERIES   one exact /metrics series' value (0 if absent)
#   chain_wait_gone PID SECS   wait for a child, SIGKILL past the bound; its
#                              exit status in chain_rc
#   chain_wait_idle SECONDS    until no tier has a request in flight
# Every process is ended by the PID this shell started, never by name.

chain_tiers=(dbsim svc_b svc_a gateway) # start order; stop in reverse
chain_pids=()
chain_failed=0
chain_launch=()

chain_start() {
	local dir=$1 up="" tier i t0
	shift
	mkdir -p "$dir"
	t0=$(date +%s%N)
	chain_pids=()
	for tier in "${chain_tiers[@]}"; do
		local extra=()
		[ -n "$up" ] && extra=(--upstream "$up")
		"${chain_launch[@]}" "$bin/$tier" --t0 "$t0" --out "$dir" --quiet --listen 127.0.0.1:0 \
			--port-file "$dir/$tier.port" "${extra[@]}" "$@" 2>>"$dir/$tier.log" &
		chain_pids+=($!)
		for ((i = 0; i < 500; i++)); do
			[ -s "$dir/$tier.port" ] && break
			kill -0 "$!" 2>/dev/null || { echo "$tier did not start (see $dir/$tier.log)" >&2; return 1; }
			sleep 0.01
		done
		[ -s "$dir/$tier.port" ] || { echo "$tier wrote no port file within 5 s" >&2; return 1; }
		declare -g "port_$tier=$(cat "$dir/$tier.port")"
		up="http://127.0.0.1:$(cat "$dir/$tier.port")/"
	done
}

chain_rc=0
chain_wait_gone() {
	local pid=$1 i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
	set +e
	wait "$pid" 2>/dev/null
	chain_rc=$?
	set -e
}

chain_stop() {
	local i
	chain_failed=0
	for ((i = ${#chain_pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${chain_pids[$i]}" 2>/dev/null || true
		chain_wait_gone "${chain_pids[$i]}" 15
		if [ "$chain_rc" != 0 ]; then
			echo "${chain_tiers[$i]} exited with status $chain_rc" >&2
			chain_failed=$((chain_failed + 1))
		fi
	done
	chain_pids=()
}

chain_pid() {
	local i
	for i in "${!chain_tiers[@]}"; do
		if [ "${chain_tiers[$i]}" = "$1" ]; then echo "${chain_pids[$i]}"; fi
	done
}

chain_metric() {
	local p=port_$1
	curl -fsS --max-time 5 "http://127.0.0.1:${!p}/metrics" | awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }'
}

# Idle: no request awaiting its answer and none orphaned with work running.
chain_wait_idle() {
	local i tier busy
	for ((i = 0; i < $1 * 20; i++)); do
		busy=0
		for tier in "${chain_tiers[@]}"; do
			if [ "$(chain_metric "$tier" "cascade_inflight{tier=\"$tier\"}")" != 0 ] ||
				[ "$(chain_metric "$tier" "cascade_orphaned{tier=\"$tier\"}")" != 0 ]; then
				busy=1
				break
			fi
		done
		[ "$busy" = 0 ] && return 0
		sleep 0.05
	done
	return 1
}
