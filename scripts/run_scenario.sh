#!/usr/bin/env bash
# run_scenario.sh: one run of a scenario, end to end.  Starts dbsim, svc_b,
# svc_a and gateway on free loopback ports, runs loadgen, lets in-flight work
# drain, stops the tiers by PID, and leaves a folder of CSVs with the report.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/run_scenario.sh SCENARIO [options]
  -o, --out DIR        results folder (default results/<scenario>-<timestamp>)
  --time-scale X       real duration = scenario duration * X (0.1 = 10x faster)
  --seed N             seed for every random choice of the run
  --set KEY.PATH=VAL   override a scenario value (repeatable)
  --force              reuse an existing, non-empty results folder
  --live               show the live view while the run goes on
  --quiet              no progress output
  -h, --help
Leaves in DIR: requests.csv spans.csv stats.csv timeseries.csv summary.csv
scenario.json run.log, and tiers/ with each process's own CSVs.
Exit status: 0 ok; 1 a process crashed or failed to start; 2 bad usage or scenario.
EOF
}

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
scenario="" out="" force=0 live=0 quiet=0
common=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o | --out) out=${2:?--out needs a folder}; shift 2 ;;
	--time-scale) common+=(--time-scale "${2:?--time-scale needs a value}"); shift 2 ;;
	--seed) common+=(--seed "${2:?--seed needs a value}"); shift 2 ;;
	--set) common+=(--set "${2:?--set needs KEY.PATH=VALUE}"); shift 2 ;;
	--force) force=1; shift ;;
	--live) live=1; shift ;;
	--quiet) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "run_scenario: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*)
		[ -z "$scenario" ] || { echo "run_scenario: more than one scenario given" >&2; exit 2; }
		scenario=$1; shift ;;
	esac
done
[ -n "$scenario" ] || { usage >&2; exit 2; }
[ -r "$scenario" ] || { echo "run_scenario: $scenario: cannot read the scenario" >&2; exit 2; }

if [ -z "${CASCADE_BIN:-}" ]; then
	make -s -C "$root" --no-print-directory progs >&2 || { echo "run_scenario: build failed" >&2; exit 1; }
fi

# Validate (and resolve) before anything starts: a bad scenario exits 2 here.
resolved=$("$bin/gateway" --scenario "$scenario" "${common[@]}" --print-scenario) || exit 2
name=$(printf '%s' "$resolved" | sed -n 's/^[[:space:]]*"name":[[:space:]]*"\([^"]*\)".*/\1/p' | head -n1)
[ -n "$name" ] || name=$(basename "$scenario" .json)

[ -n "$out" ] || out="$root/results/$name-$(date +%Y%m%d-%H%M%S)"
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
	if [ "$force" = 1 ]; then
		rm -rf "${out:?}"/*
	else
		echo "run_scenario: $out exists and is not empty (use --force to reuse it)" >&2
		exit 2
	fi
fi
mkdir -p "$out/tiers"
out=$(cd "$out" && pwd)
printf '%s\n' "$resolved" >"$out/scenario.json"
log="$out/run.log"
: >"$log"

pids=()
names=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	pids=()
}
trap cleanup EXIT
trap 'echo "run_scenario: interrupted" >&2; exit 130' INT TERM

fail() {
	echo "run_scenario: $*" >&2
	echo "--- last lines of $log ---" >&2
	tail -n 20 "$log" >&2
	exit 1
}

# The run's start, shared by every process: a moment just ahead, so that all
# of them are listening by the time scenario time 0 comes.
t0=$(( $(date +%s%N) + 1500000000 ))
args=(--scenario "$out/scenario.json" --out "$out/tiers" --t0 "$t0")

wait_port() { # wait_port NAME PID: the port once the process wrote it
	local f="$out/tiers/$1.port" i
	for ((i = 0; i < 500; i++)); do
		[ -s "$f" ] && { cat "$f"; return 0; }
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

upstream=""
declare -A port=()
for tier in dbsim svc_b svc_a gateway; do
	extra=()
	[ -n "$upstream" ] && extra=(--upstream "$upstream")
	"$bin/$tier" "${args[@]}" --listen 127.0.0.1:0 --port-file "$out/tiers/$tier.port" "${extra[@]}" \
		2>>"$log" &
	pids+=($!)
	names+=("$tier")
	port[$tier]=$(wait_port "$tier" $!) || fail "$tier failed to start"
	curl -fsS --max-time 2 "http://127.0.0.1:${port[$tier]}/healthz" >/dev/null || fail "$tier is not healthy"
	upstream="http://127.0.0.1:${port[$tier]}/"
done

live_pid=""
if [ "$live" = 1 ]; then
	"$bin/live" --scenario "$out/scenario.json" --t0 "$t0" \
		"gateway=${port[gateway]}" "svc_a=${port[svc_a]}" "svc_b=${port[svc_b]}" "dbsim=${port[dbsim]}" &
	live_pid=$!
fi

lg=(--out "$out/tiers" --upstream "$upstream")
[ "$quiet" = 1 ] || [ "$live" = 1 ] && lg+=(--quiet)
# In the background and waited for, so that a signal to this script is acted
# on at once (bash runs traps only between foreground commands).
"$bin/loadgen" "${args[@]}" "${lg[@]}" 2>>"$log" &
lg_pid=$!
pids+=("$lg_pid")
names+=(loadgen)
set +e
wait "$lg_pid"
lg_rc=$?
set -e
unset 'pids[4]' 'names[4]' # reaped
if [ -n "$live_pid" ]; then
	kill "$live_pid" 2>/dev/null || true
	wait "$live_pid" 2>/dev/null || true
fi
[ "$lg_rc" = 0 ] || fail "loadgen exited with status $lg_rc"
mv "$out/tiers/requests.csv" "$out/requests.csv"

# Drain: work for callers that are gone may still run (that is the waste being
# measured); wait until every tier is idle, bounded by the scenario's drain.
drain_real_s=$(awk -v ms="$(sed -n 's/.*"drain":[[:space:]]*"\([^"]*\)".*/\1/p' "$out/scenario.json" | head -n1)" \
	-v scale="$(sed -n 's/.*"time_scale":[[:space:]]*\([0-9.eE+-]*\).*/\1/p' "$out/scenario.json" | head -n1)" '
	function ms_of(s,  n, u) { n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
		return u == "h" ? n * 3600000 : u == "m" ? n * 60000 : u == "s" ? n * 1000 : u == "ms" ? n : u == "us" ? n / 1000 : n / 1e6 }
	BEGIN { printf "%.0f", ms_of(ms) * (scale == "" ? 1 : scale) / 1000 + 1 }')
deadline=$(( $(date +%s) + drain_real_s ))
for i in "${!names[@]}"; do
	kill -0 "${pids[$i]}" 2>/dev/null || fail "${names[$i]} died during the run"
done
while [ "$(date +%s)" -le "$deadline" ]; do
	busy=0
	for tier in dbsim svc_b svc_a gateway; do
		n=$({ curl -fsS --max-time 1 "http://127.0.0.1:${port[$tier]}/metrics" 2>/dev/null || echo 'cascade_inflight{} -1'; } |
			awk '/^cascade_inflight\{/ { print $2 }')
		[ "${n:-0}" = 0 ] || busy=1
	done
	[ "$busy" = 0 ] && break
	sleep 0.05
done

# Stop the chain: all at once, so a storm that is still going does not run
# on in the lower tiers while the upper ones close out.  Each process turns
# what it has in flight into `cancelled` rows; an attempt that no longer
# reaches a stopped tier is recorded as cut, never lost.
status=0
for i in 3 2 1 0; do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
for i in 3 2 1 0; do
	set +e
	wait "${pids[$i]}"
	rc=$?
	set -e
	[ "$rc" = 0 ] || { echo "run_scenario: ${names[$i]} exited with status $rc" >&2; status=1; }
done
pids=()
[ "$status" = 0 ] || fail "a process did not stop cleanly"

# Merge: every tier's spans, sorted by start time, and the stats rows.
merge() { # merge OUT SORTKEY FILES...
	local dst=$1 key=$2
	shift 2
	{
		head -n1 "$1"
		for f in "$@"; do tail -n +2 "$f"; done | LC_ALL=C sort -t, -k"$key,$key"g -s
	} >"$dst.tmp" && mv "$dst.tmp" "$dst"
}
merge "$out/spans.csv" 7 "$out"/tiers/{gateway,svc_a,svc_b,dbsim}.csv
merge "$out/stats.csv" 1 "$out"/tiers/{loadgen,gateway,svc_a,svc_b,dbsim}_stats.csv

"$bin/report" "$out" >"$out/summary.txt" 2>>"$log" || fail "report failed"
[ "$quiet" = 1 ] || cat "$out/summary.txt"
echo "results: $out"
