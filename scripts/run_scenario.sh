#!/usr/bin/env bash
# run_scenario.sh: one run of a scenario, end to end.  Starts dbsim, svc_b,
# svc_a and gateway on free loopback ports, runs loadgen, lets in-flight work
# drain, stops the tiers by PID, and leaves a folder of CSVs with the report.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: scripts/run_scenario.sh SCENARIO [options]
  -o, --out DIR        results folder (default results/<scenario>-<timestamp>)
  --engine real|virtual  real (default): the five processes over loopback, in
                       real time; virtual: the same decisions in the
                       deterministic virtual-time engine, in milliseconds
  --time-scale X       real duration = scenario duration * X (0.1 = 10x faster)
  --seed N             seed for every random choice of the run
  --set KEY.PATH=VAL   override a scenario value (repeatable)
  --force              reuse an existing, non-empty results folder
  --live               show the live view while the run goes on
  --quiet              no progress output
  -h, --help
Before the run, lint's findings on the scenario (build/bin/lint) are printed
to stderr (not with --quiet) and kept in run.log; they never stop the run.
Leaves in DIR: requests.csv spans.csv stats.csv timeseries.csv summary.csv
scenario.json run.log, and tiers/ with each process's own CSVs.  While a
process runs, tiers/NAME.pid holds its PID (NAME: dbsim svc_b svc_a gateway
loadgen); the files go at the end of the run.
If a process dies during the run (killed, crashed, or any exit before the
stop) or exits non-zero at the stop, the run stops there: the report names
it, its exit status or signal and when, the others are stopped cleanly, and
the CSVs and the report are still written from whatever was recorded (a
row a killed process left half-written is dropped).
Exit status: 0 ok; 1 a process failed to start, or the report failed;
2 bad usage or scenario; 3 a process died or failed during the run (the
results folder is complete but for what that process did not record).
EOF
}

root=$(cd "$(dirname "$0")/.." && pwd)
# Results go under the checkout; an installed copy (make install) writes them
# under the working folder instead of its own install tree.
if [ -f "$root/Makefile" ]; then results=$root/results; else results=$PWD/results; fi
bin=${CASCADE_BIN:-$root/build/bin}
scenario="" out="" force=0 live=0 quiet=0 engine=real
common=()
sets=() # the --set options alone, for lint
while [ $# -gt 0 ]; do
	case "$1" in
	-o | --out) out=${2:?--out needs a folder}; shift 2 ;;
	--engine)
		engine=${2:?--engine needs real or virtual}
		case "$engine" in real | virtual) ;; *) echo "run_scenario: --engine $engine: expected real or virtual" >&2; exit 2 ;; esac
		shift 2 ;;
	--time-scale) common+=(--time-scale "${2:?--time-scale needs a value}"); shift 2 ;;
	--seed) common+=(--seed "${2:?--seed needs a value}"); shift 2 ;;
	--set) common+=(--set "${2:?--set needs KEY.PATH=VALUE}"); sets+=(--set "$2"); shift 2 ;;
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
# Both engines read it with the same loader.
[ "$engine" = virtual ] && [ "$live" = 1 ] && { echo "run_scenario: --live needs the real engine" >&2; exit 2; }
resolved=$("$bin/gateway" --scenario "$scenario" "${common[@]}" --print-scenario) || exit 2
name=$(printf '%s' "$resolved" | sed -n 's/^[[:space:]]*"name":[[:space:]]*"\([^"]*\)".*/\1/p' | head -n1)
[ -n "$name" ] || name=$(basename "$scenario" .json)

# What lint finds in the scenario (lint/README.md), before anything runs:
# shown (unless --quiet) and kept in run.log, never a reason not to run, as
# the incident is meant to be bad.
findings=""
if [ -x "$bin/lint" ]; then
	findings=$("$bin/lint" "$scenario" "${sets[@]}" 2>&1) || true
	[ -z "$findings" ] || [ "$quiet" = 1 ] || printf '%s\n' "$findings" >&2
fi

[ -n "$out" ] || out="$results/$name-$(date +%Y%m%d-%H%M%S)"
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
	if [ "$force" = 1 ]; then
		# Only over a run folder: -o . --force must not empty the working one.
		if [ ! -e "$out/run.log" ] && [ ! -e "$out/scenario.json" ] && [ ! -d "$out/tiers" ]; then
			echo "run_scenario: $out is not a run folder (no run.log, scenario.json or tiers/): not emptying it" >&2
			exit 2
		fi
		rm -rf "${out:?}"/*
	else
		echo "run_scenario: $out exists and is not empty (use --force to reuse it)" >&2
		exit 2
	fi
fi
mkdir -p "$out/tiers"
out=$(cd "$out" && pwd)

if [ "$engine" = virtual ]; then
	# One process writes the whole folder (scenario.json, run.log, the CSVs,
	# summary.csv); its summary table is what the real engine's report prints.
	"$bin/virtual" --scenario "$scenario" "${common[@]}" --out "$out" >"$out/summary.txt" ||
		{ echo "run_scenario: the virtual engine failed" >&2; exit 1; }
	[ -z "$findings" ] || printf '%s\n' "$findings" >>"$out/run.log"
	[ "$quiet" = 1 ] || cat "$out/summary.txt"
	echo "results: $out"
	exit 0
fi

printf '%s\n' "$resolved" >"$out/scenario.json"
log="$out/run.log"
echo "engine: real" >"$log"
[ -z "$findings" ] || printf '%s\n' "$findings" >>"$log"

pids=()  # by index: dbsim svc_b svc_a gateway loadgen; "" once reaped
names=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local i
	for i in "${!pids[@]}"; do [ -z "${pids[$i]}" ] || kill -TERM "${pids[$i]}" 2>/dev/null || true; done
	for i in "${!pids[@]}"; do [ -z "${pids[$i]}" ] || wait "${pids[$i]}" 2>/dev/null || true; done
	rm -f "$out"/tiers/*.pid
	pids=()
	if [ -n "${live_pid:-}" ]; then
		kill -TERM "$live_pid" 2>/dev/null || true
		wait "$live_pid" 2>/dev/null || true
	fi
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
for tier in dbsim svc_b svc_a gateway; do
	extra=()
	[ -n "$upstream" ] && extra=(--upstream "$upstream")
	"$bin/$tier" "${args[@]}" --listen 127.0.0.1:0 --port-file "$out/tiers/$tier.port" "${extra[@]}" \
		2>>"$log" &
	pids+=($!)
	names+=("$tier")
	echo $! >"$out/tiers/$tier.pid"
	port=$(wait_port "$tier" $!) || fail "$tier failed to start"
	curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null || fail "$tier is not healthy"
	upstream="http://127.0.0.1:$port/"
	declare "port_$tier=$port"
done

live_pid=""
if [ "$live" = 1 ]; then
	# shellcheck disable=SC2154 # port_<tier> are set with declare above
	"$bin/live" --scenario "$out/scenario.json" --t0 "$t0" \
		"gateway=$port_gateway" "svc_a=$port_svc_a" "svc_b=$port_svc_b" "dbsim=$port_dbsim" &
	live_pid=$!
fi

scale=$(sed -n 's/.*"time_scale":[[:space:]]*\([0-9.eE+-]*\).*/\1/p' "$out/scenario.json" | head -n1)

# A process that ends before the stop, or exits non-zero at it, is a
# failure of the run.  reaped notes it at once and cheaply (on a loaded
# machine every fork costs tens of ms, and the others are to be stopped
# first); describe_failures then says which, how and when (scenario time and
# real seconds since the run's start).  The run is stopped and its results
# written as usual.
failed=0
pending=()  # "INDEX STATUS WHEN_US KIND", not yet described
failures=() # the descriptions
killed=" "  # names of the processes killed by a signal: their files may end mid-row
reaped() { # reaped INDEX STATUS during_the_run|at_the_stop
	pids[$1]=""
	[ "$3" = during_the_run ] || [ "$2" != 0 ] || return 0
	failed=1
	pending+=("$1 $2 ${EPOCHREALTIME/[.,]/} $3")
}
describe_failures() {
	local p i rc at kind how times
	for p in "${pending[@]}"; do
		read -r i rc at kind <<<"$p"
		if [ "$rc" -gt 128 ]; then
			how="killed by signal $((rc - 128)) (SIG$(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
			killed+="${names[$i]} "
		else
			how="exited with status $rc"
		fi
		times=$(awk -v n="$at" -v t="$t0" -v s="${scale:-1}" \
			'BEGIN { r = (n * 1000 - t) / 1e9; printf "%.2f %.2f", r / s, r }')
		if [ "$kind" = during_the_run ]; then
			how="died during the run, at scenario time ${times% *} s (${times#* } s real after the start): $how"
		else
			how="$how when stopped, ${times#* } s real after the start"
		fi
		failures+=("${names[$i]} $how")
		echo "run_scenario: ${names[$i]} $how" >&2
		echo "run_scenario: ${names[$i]} $how" >>"$log"
	done
	pending=()
}

lg=(--out "$out/tiers" --upstream "$upstream")
[ "$quiet" = 1 ] || [ "$live" = 1 ] && lg+=(--quiet)
# In the background and waited for, so that a signal to this script is acted
# on at once (bash runs traps only between foreground commands).  Any of the
# five ending wakes the wait: loadgen finishing is the normal end.
"$bin/loadgen" "${args[@]}" "${lg[@]}" 2>>"$log" &
pids+=($!)
names+=(loadgen)
echo "${pids[4]}" >"$out/tiers/loadgen.pid"
while [ -n "${pids[4]}" ] && [ "$failed" = 0 ]; do
	done_pid=""
	set +e
	wait -n -p done_pid "${pids[@]}"
	rc=$?
	set -e
	[ -n "$done_pid" ] || [ "$rc" -gt 128 ] || break # no child left to wait for: cannot happen
	for i in "${!pids[@]}"; do
		if [ -n "$done_pid" ] && [ "${pids[$i]}" = "$done_pid" ]; then
			if [ "$i" = 4 ] && [ "$rc" = 0 ]; then reaped 4 0 at_the_stop; else reaped "$i" "$rc" during_the_run; fi
		fi
	done
done
if [ -n "$live_pid" ]; then
	kill "$live_pid" 2>/dev/null || true
	wait "$live_pid" 2>/dev/null || true
	live_pid="" # reaped: cleanup must not signal a PID that may be reused
fi

# Drain: work for callers that are gone may still run (that is the waste being
# measured); wait until every tier is idle, bounded by the scenario's drain.
# Not after a failure: a dead tier never looks idle, and the run is over.
if [ "$failed" = 0 ]; then
	# load.drain of scenario time from now, in real µs: the virtual engine
	# waits exactly as long, so both engines stop at the same moment.
	drain_real_us=$(awk -v ms="$(sed -n 's/.*"drain":[[:space:]]*"\([^"]*\)".*/\1/p' "$out/scenario.json" | head -n1)" \
		-v scale="$scale" '
		function ms_of(s,  n, u) { n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
			return u == "h" ? n * 3600000 : u == "m" ? n * 60000 : u == "s" ? n * 1000 : u == "ms" ? n : u == "us" ? n / 1000 : n / 1e6 }
		BEGIN { printf "%.0f", ms_of(ms) * (scale == "" ? 1 : scale) * 1000 }')
	deadline=$(( ${EPOCHREALTIME/[.,]/} + drain_real_us ))
	# One curl for the four tiers' /metrics each time, not one each: on two
	# cores a curl and an awk cost about 8 ms of CPU, and four of each every
	# 50 ms took two thirds of a core from the run's own drain.
	urls=()
	for i in 0 1 2 3; do
		p=port_${names[$i]}
		urls+=("http://127.0.0.1:${!p}/metrics")
	done
	while [ "${EPOCHREALTIME/[.,]/}" -le "$deadline" ] && [ "$failed" = 0 ]; do
		for i in 0 1 2 3; do
			if ! kill -0 "${pids[$i]}" 2>/dev/null; then
				set +e
				wait "${pids[$i]}"
				rc=$?
				set -e
				reaped "$i" "$rc" during_the_run
			fi
		done
		[ "$failed" = 0 ] || break
		# requests awaiting an answer plus those orphaned with work running,
		# every tier; a tier that does not answer counts as busy
		n=$({ curl -fsS --max-time 1 "${urls[@]}" 2>/dev/null || echo 'cascade_inflight{} -1'; } |
			awk '/^cascade_(inflight|orphaned)\{/ { n += ($2 < 0 ? 1e9 : $2) } END { print n + 0 }')
		[ "${n:-1}" = 0 ] && break
		sleep 0.05
	done
fi

# Stop the chain: all at once, so a storm that is still going does not run
# on in the lower tiers while the upper ones close out.  Each process turns
# what it has in flight into `cancelled` rows; an attempt that no longer
# reaches a stopped tier is recorded as cut, never lost.  loadgen is still
# running only when the run stops early.
for i in 4 3 2 1 0; do [ -z "${pids[$i]}" ] || kill -TERM "${pids[$i]}" 2>/dev/null || true; done
describe_failures
for i in 4 3 2 1 0; do
	[ -n "${pids[$i]}" ] || continue
	set +e
	wait "${pids[$i]}"
	rc=$?
	set -e
	reaped "$i" "$rc" at_the_stop
done
pids=()
describe_failures
rm -f "$out"/tiers/*.pid

# Whole rows only: a process killed in the middle of writing a row leaves
# it half-written at the end of its file; such a row is left out.  Only a
# killed process's files are looked at: the others close theirs cleanly.
rows_of() { # rows_of NAME FILE: FILE's lines after the header
	if [[ "$killed" = *" $1 "* ]] && [ -n "$(tail -c1 "$2")" ]; then
		echo "run_scenario: $2 ends in a partial row ($1 was killed): left out" >&2
		echo "run_scenario: $2 ends in a partial row ($1 was killed): left out" >>"$log"
		head -n -1 "$2" | tail -n +2
	else
		tail -n +2 "$2"
	fi
}
if [[ "$killed" = *" loadgen "* ]] && [ -s "$out/tiers/requests.csv" ]; then
	{ head -n1 "$out/tiers/requests.csv"; rows_of loadgen "$out/tiers/requests.csv"; } >"$out/requests.csv"
	rm -f "$out/tiers/requests.csv"
elif [ -e "$out/tiers/requests.csv" ]; then
	mv "$out/tiers/requests.csv" "$out/requests.csv"
fi

# Merge: every tier's spans, sorted by start time, and the stats rows.
merge() { # merge OUT SORTKEY FILES...: those that exist
	local dst=$1 key=$2 f name have=()
	shift 2
	for f in "$@"; do [ -s "$f" ] && have+=("$f"); done
	[ ${#have[@]} -gt 0 ] || return 0
	{
		head -n1 "${have[0]}"
		for f in "${have[@]}"; do
			name=${f##*/}
			name=${name%.csv}
			rows_of "${name%_stats}" "$f"
		done | LC_ALL=C sort -t, -k"$key,$key"g -s
	} >"$dst.tmp" && mv "$dst.tmp" "$dst"
}
merge "$out/spans.csv" 7 "$out"/tiers/{gateway,svc_a,svc_b,dbsim}.csv
merge "$out/stats.csv" 1 "$out"/tiers/{loadgen,gateway,svc_a,svc_b,dbsim}_stats.csv

if [ ${#failures[@]} = 0 ]; then
	"$bin/report" "$out" >"$out/summary.txt" 2>>"$log" || fail "report failed"
	[ "$quiet" = 1 ] || cat "$out/summary.txt"
	echo "results: $out"
	exit 0
fi
# After a failure the report covers what was recorded; a failing report is
# one more thing to say, not a reason to hide the rest.
if "$bin/report" "$out" >"$out/summary.txt" 2>>"$log"; then
	[ "$quiet" = 1 ] || cat "$out/summary.txt"
else
	echo "run_scenario: report failed (see $log)" >&2
fi
echo "results: $out (incomplete)"
echo "run_scenario: the run failed:" >&2
for f in "${failures[@]}"; do echo "  $f" >&2; done
exit 3
