#!/usr/bin/env bash
# faults.sh: run_scenario.sh when a process of the run dies under it.  A
# short run; svc_b is SIGKILLed by its PID (tiers/svc_b.pid) once requests
# flow, leaving a half-written row, and in a second run svc_a is stopped with
# SIGTERM (a clean exit, but before the run's end).  Each time run_scenario
# must say which process, how and when, stop the others cleanly, still write
# whole CSVs (the half row left out) and the summary, and exit 3.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-faults-XXXXXX)
run_pid=""
trap '[ -z "$run_pid" ] || kill "$run_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
fail() { echo "faults.sh: FAIL: $*" >&2; [ ! -e "$tmp/run.err" ] || cat "$tmp/run.err" >&2; exit 1; }

# wait_for DESCRIPTION SECONDS COMMAND...: poll COMMAND every 20 ms, bounded.
wait_for() {
	local what=$1 end=$(($(date +%s) + $2))
	shift 2
	until "$@"; do
		[ "$(date +%s)" -le "$end" ] || fail "$what: not within the bound"
		kill -0 "$run_pid" 2>/dev/null || fail "$what: run_scenario ended first"
		sleep 0.02
	done
}
gateway_has_traffic() { # requests have reached the gateway (its /metrics says so)
	local port
	port=$(cat "$1/tiers/gateway.port" 2>/dev/null) || return 1
	curl -fsS --max-time 1 "http://127.0.0.1:$port/metrics" 2>/dev/null |
		awk '/^cascade_arrivals_total\{/ { n += $2 } END { exit !(n >= 10) }'
}

partial=0af7651916cd43dd8448eb211c80319c,b7ad6b71 # the start of a row
# one_run NAME TIER SIGNAL: a run in which TIER gets SIGNAL once requests flow.
one_run() {
	local name=$1 tier=$2 sig=$3 out=$tmp/$1 rc start signalled pid f
	start=$(date +%s%N)
	# Load for 600 scenario s at 1/20 of real time (30 s), far longer than
	# the signal takes to come even on a loaded machine: the run must end
	# early, at the death.  A dbsim slowdown from 2 s keeps requests in
	# flight when it comes.
	timeout 60 "$root/scripts/run_scenario.sh" "$root/scenarios/incident.json" -o "$out" --quiet \
		--time-scale 0.05 --set load.duration=600s --set load.rate=5 --set load.drain=10s \
		--set faults.0.start=2s --set faults.0.end=600s >"$tmp/run.out" 2>"$tmp/run.err" &
	run_pid=$!
	wait_for "$name: traffic through the gateway" 30 gateway_has_traffic "$out"
	pid=$(cat "$out/tiers/$tier.pid") || fail "$name: no $out/tiers/$tier.pid"
	if [ "$sig" = KILL ]; then
		# Killed in the middle of writing a row: stopped, so that it writes
		# nothing more, the row begun, then killed.
		kill -STOP "$pid"
		printf '%s' "$partial" >>"$out/tiers/$tier.csv"
	fi
	kill "-$sig" "$pid"
	signalled=$(date +%s%N)
	set +e
	wait "$run_pid"
	rc=$?
	set -e
	run_pid=""
	echo "$name: run_scenario exited $rc, $(( ($(date +%s%N) - signalled) / 1000000 )) ms after the signal" \
		"($(( ($(date +%s%N) - start) / 1000000 )) ms in all)"

	[ "$rc" = 3 ] || fail "$name: exit status $rc, expected 3"
	grep -q "^run_scenario: $tier died during the run, at scenario time [0-9.]* s ([0-9.]* s real after the start): $4\$" \
		"$tmp/run.err" || fail "$name: no report line naming $tier and '$4'"
	grep -q "^  $tier died during the run" "$tmp/run.err" || fail "$name: the closing list does not name $tier"
	grep -q "when stopped" "$tmp/run.err" && fail "$name: another process did not stop cleanly"
	grep -q "died during the run" "$out/run.log" || fail "$name: run.log does not record it"
	grep -q "results: $out (incomplete)" "$tmp/run.out" || fail "$name: no results line"
	for f in requests spans stats summary timeseries; do
		[ -s "$out/$f.csv" ] || fail "$name: $f.csv missing or empty"
	done
	for f in "$out"/*.csv "$out"/tiers/*.csv; do
		[ "$sig.$f" != "KILL.$out/tiers/$tier.csv" ] || continue # the raw file stays as it was left
		[ "$(tail -c1 "$f" | wc -l)" = 1 ] || fail "$name: $f ends in a partial line"
	done
	if [ "$sig" = KILL ]; then
		grep -q "^run_scenario: $out/tiers/$tier.csv ends in a partial row ($tier was killed): left out\$" \
			"$tmp/run.err" || fail "$name: the partial row is not reported"
		grep -q "$partial" "$out/spans.csv" && fail "$name: the partial row is in spans.csv"
	fi
	head -n1 "$out/spans.csv" | grep -q '^trace_id,span_id,' || fail "$name: spans.csv header"
	[ "$(awk -F, '$4 == "gateway"' "$out/spans.csv" | wc -l)" -gt 0 ] || fail "$name: no gateway rows in spans.csv"
	awk -F, '$1 == "client_requests" { exit !($2 > 0) }' "$out/summary.csv" ||
		fail "$name: summary.csv has no client_requests"
	ls "$out"/tiers/*.pid >/dev/null 2>&1 && fail "$name: pid files left behind"
	echo "ok: $name: $(grep "^run_scenario: $tier" "$tmp/run.err")"
}

one_run killed svc_b KILL 'killed by signal 9 (SIGKILL)'
one_run stopped svc_a TERM 'exited with status 0'
echo "faults.sh: all ok"
