#!/usr/bin/env bash
# valgrind.sh: memcheck over the unit tests, the integration tests and a
# short run of the whole chain.  Criterion runs each test in a child process and valgrind does not
# change Criterion's exit status, so the verdict comes from every child's own
# log.  The chain part starts the four tiers under valgrind, sends a few
# requests that take the paths where memory is freed (a retry, a deadline with
# cancellation down the chain, a client that leaves, a request still in
# flight at SIGTERM) and checks each process's log.  The integration part
# runs the Criterion integration tests with every cascade process they start
# under memcheck (tests/integration/harness.h: CASCADE_WRAP, CASCADE_SLOW).
#
# Fails (exit 1) on any memcheck error or definite leak, a crashed test, a
# process that did not exit 0, or a chain run that missed one of its paths.
# Failed assertions in the unit tests are listed but do not fail the run
# (valgrind slows processes 20-50x and a few tests assert on timing); set
# VALGRIND_STRICT=1 to fail on them too.  The integration tests scale their
# time bounds for valgrind, so a failure there always fails the run.
# VALGRIND_PARTS="unit integration chain" (the default) picks the parts.  Logs: results/valgrind/<timestamp>/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
strict=${VALGRIND_STRICT:-0}
parts=" ${VALGRIND_PARTS:-unit integration chain} "
tiers=(dbsim svc_b svc_a gateway) # start order; stop in reverse

command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 1; }
out="$root/results/valgrind/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out/bin" "$out/unit" "$out/integration" "$out/chain"
# Private copies: a rebuild of build/ during the run (Criterion re-executes
# its binary for each test) would otherwise mix two binaries.
for b in unit-tests integration-tests gateway svc_a svc_b dbsim loadgen report; do
	[ -x "$bin/$b" ] || { echo "valgrind: $bin/$b missing (run: make valgrind)" >&2; exit 1; }
	cp "$bin/$b" "$out/bin/"
done
memcheck=(valgrind --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --num-callers=30)
problems=0
problem() {
	echo "valgrind: FAIL: $*" >&2
	problems=$((problems + 1))
}

# check_log FILE WHAT: one process's memcheck verdict from its log.
check_log() {
	local log=$1 what=$2 summary
	summary=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n1)
	if [ -z "$summary" ]; then
		problem "$what: no ERROR SUMMARY in $log (killed before valgrind finished?)"
	elif [ "$summary" != 0 ] || grep -q 'definitely lost: [1-9]' "$log"; then
		problem "$what: $summary memcheck errors (see $log)"
		# The first error, so the cause shows without opening the log.
		awk '/^==[0-9]+== [A-Z].*(Invalid|uninitialised|definitely lost|Mismatched|overlap|free\(\))/ { p = 1 }
			p && /^==[0-9]+== $/ { exit } p' "$log" | head -n 30 >&2
	fi
}

# ---- unit tests ----
if [[ $parts == *" unit "* ]]; then
	echo "== unit tests under memcheck (--trace-children=yes; several minutes) =="
	set +e
	"${memcheck[@]}" --error-exitcode=1 --trace-children=yes --log-file="$out/unit/vg.%p.log" \
		"$out/bin/unit-tests" -j2 --verbose=0 >"$out/unit/criterion.txt" 2>&1
	unit_rc=$?
	set -e
	synthesis=$(grep -a 'Synthesis:' "$out/unit/criterion.txt" | tail -n1 | sed 's/^\[====\] //')
	echo "  $synthesis (exit status $unit_rc)"
	nlogs=0
	for log in "$out"/unit/vg.*.log; do
		[ -e "$log" ] || continue
		nlogs=$((nlogs + 1))
		check_log "$log" "unit-tests pid ${log##*/vg.}"
	done
	tested=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$synthesis")
	failing=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$synthesis")
	crashing=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$synthesis")
	echo "  $nlogs process logs checked"
	[ -n "$tested" ] || problem "unit tests: no Criterion synthesis line (see $out/unit/criterion.txt)"
	[ -z "$tested" ] || [ "$nlogs" -gt "$tested" ] ||
		problem "unit tests: $nlogs valgrind logs for $tested tests: children ran without valgrind?"
	[ "${crashing:-0}" = 0 ] || problem "unit tests: $crashing crashed under valgrind (see $out/unit/criterion.txt)"
	if [ "${failing:-0}" != 0 ]; then
		echo "  failed under valgrind (timing assertions are expected to be fragile at this speed):"
		grep -a '^\[FAIL\]' "$out/unit/criterion.txt" | sed 's/^/    /'
		[ "$strict" = 1 ] && problem "unit tests: $failing failed (VALGRIND_STRICT=1)"
	fi
fi

# ---- the integration tests, each cascade process under memcheck ----
if [[ $parts == *" integration "* ]]; then
	slow=${VALGRIND_SLOW:-20}
	echo "== integration tests, every process they start under memcheck (time x$slow) =="
	set +e
	: >"$out/integration/killed.txt"
	CASCADE_BIN="$out/bin" CASCADE_SLOW="$slow" CASCADE_KILLED="$out/integration/killed.txt" \
		CASCADE_WRAP="${memcheck[*]} --error-exitcode=99 --log-file=$out/integration/vg.%p.log" \
		"$out/bin/integration-tests" -j1 >"$out/integration/criterion.txt" 2>&1
	integ_rc=$?
	set -e
	synthesis=$(grep -a 'Synthesis:' "$out/integration/criterion.txt" | tail -n1 | sed 's/^\[====\] //')
	echo "  $synthesis (exit status $integ_rc)"
	nlogs=0
	nkilled=0
	for log in "$out"/integration/vg.*.log; do
		[ -e "$log" ] || continue
		pid=${log##*/vg.}
		pid=${pid%.log}
		if grep -qx "$pid" "$out/integration/killed.txt"; then
			# SIGKILLed by the test: no summary, but any error before the kill is in the log
			nkilled=$((nkilled + 1))
			if grep -Eq '^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Mismatched|Source and destination overlap|Syscall param)' "$log"; then
				problem "integration process pid $pid (killed by the test): memcheck errors (see $log)"
			fi
			continue
		fi
		nlogs=$((nlogs + 1))
		check_log "$log" "integration process pid $pid"
	done
	echo "  $nlogs process logs checked, and $nkilled of processes the tests SIGKILLed (errors only: no summary)"
	[ "$nlogs" -gt 0 ] || problem "integration: no process ran under valgrind"
	[ "$integ_rc" = 0 ] || {
		grep -a -B3 '^\[FAIL\]' "$out/integration/criterion.txt" | sed 's/^/    /' >&2
		problem "integration: tests failed under valgrind (see $out/integration/criterion.txt)"
	}
fi

# ---- the chain ----
if [[ $parts == *" chain "* ]]; then
	echo "== the chain under memcheck: retry, deadline + cancellation, client gone, SIGTERM in flight =="
	dir="$out/chain"
	sets=(
		--set 'tiers.dbsim.service_time={"dist":"fixed","value":"400ms"}' --set tiers.dbsim.workers=4
		--set tiers.dbsim.honor_deadline=true --set tiers.dbsim.honor_cancel=true
		--set 'faults=[{"tier":"dbsim","kind":"errors","start":"0s","end":"1h","fraction":0.5}]'
	)
	for t in gateway svc_a svc_b; do
		sets+=(--set "tiers.$t.propagate_deadline=true" --set "tiers.$t.propagate_cancel=true" --set "tiers.$t.retries=2"
			--set "tiers.$t.backoff={\"base\":\"1ms\",\"cap\":\"2ms\",\"jitter\":\"none\"}")
	done
	pids=()
	client_pids=()
	cleanup() {
		local pid
		for pid in "${client_pids[@]}" "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
		for pid in "${client_pids[@]}" "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	}
	trap cleanup EXIT
	trap 'echo "valgrind: interrupted" >&2; exit 130' INT TERM

	t0=$(date +%s%N)
	up=""
	for tier in "${tiers[@]}"; do
		extra=()
		[ -n "$up" ] && extra=(--upstream "$up")
		"${memcheck[@]}" --error-exitcode=99 --log-file="$dir/$tier.vg.log" "$out/bin/$tier" --t0 "$t0" --out "$dir" --quiet \
			--listen 127.0.0.1:0 --port-file "$dir/$tier.port" "${extra[@]}" "${sets[@]}" 2>"$dir/$tier.log" &
		pids+=($!)
		for ((i = 0; i < 600; i++)); do # valgrind starts slowly: up to 30 s
			[ -s "$dir/$tier.port" ] && break
			kill -0 "$!" 2>/dev/null || break
			sleep 0.05
		done
		[ -s "$dir/$tier.port" ] || { echo "valgrind: $tier did not start (see $dir/$tier.log, $dir/$tier.vg.log)" >&2; exit 1; }
		declare "port_$tier=$(cat "$dir/$tier.port")"
		up="http://127.0.0.1:$(cat "$dir/$tier.port")/"
	done
	# shellcheck disable=SC2154 # port_<tier> are set just above
	gw="http://127.0.0.1:$port_gateway/"
	request() { # request NAME [curl options]: one request, its status in the log
		local name=$1 code
		shift
		code=$(curl -sS -o "$dir/reply-$name.txt" -w '%{http_code}' "$@" "$gw" 2>>"$dir/curl.log") || true
		printf '  %-14s HTTP %s\n' "$name" "${code:-none}"
	}
	metric() { # metric TIER SERIES: the value of one exact series, 0 when absent
		local p=port_$1
		curl -fsS --max-time 10 "http://127.0.0.1:${!p}/metrics" |
			awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }'
	}
	for tier in "${tiers[@]}"; do
		p=port_$tier
		curl -fsS --max-time 10 "http://127.0.0.1:${!p}/healthz" >/dev/null || problem "$tier: /healthz failed"
	done
	for i in 1 2 3 4; do request "plain-$i" --max-time 20; done # half of dbsim's answers are errors: retries
	request deadline --max-time 20 -H 'grpc-timeout: 200m'   # 504; cancels svc_a, svc_b, dbsim
	request client-gone --max-time 0.2                     # the client leaves mid-request
	retries=$(($(metric svc_b 'cascade_retries_total{tier="svc_b"}') + $(metric svc_a 'cascade_retries_total{tier="svc_a"}')))
	deadline=$(($(metric gateway 'cascade_requests_total{tier="gateway",outcome="timeout"}') +
		$(metric gateway 'cascade_requests_total{tier="gateway",outcome="deadline_expired"}')))
	cancelled=$(metric svc_b 'cascade_attempt_results_total{tier="svc_b",outcome="cancelled"}')
	gone=$(metric gateway 'cascade_requests_total{tier="gateway",outcome="caller_gone"}')
	echo "  paths taken: retries $retries, gateway deadline $deadline, svc_b attempts cancelled $cancelled," \
		"gateway caller gone $gone"
	[ "$retries" -gt 0 ] || problem "chain: no retry happened"
	[ "$deadline" -gt 0 ] || problem "chain: no request ended at the gateway's deadline"
	[ "$cancelled" -gt 0 ] || problem "chain: no downstream attempt was cancelled"
	[ "$gone" -gt 0 ] || problem "chain: the gateway did not see the client leave"

	# One more request, still in flight everywhere when every tier gets
	# SIGTERM at once: the shutdown path must free it at each tier.
	inflight=0
	for ((k = 0; k < 5 && inflight == 0; k++)); do # a query may fail fast (errors fault): try again
		curl -sS -o /dev/null --max-time 30 "$gw" 2>/dev/null &
		client_pids+=($!)
		for ((i = 0; i < 100; i++)); do # until it runs at dbsim, up to 5 s
			inflight=$(metric dbsim 'cascade_inflight{tier="dbsim"}')
			[ "$inflight" -gt 0 ] && break
			kill -0 "$!" 2>/dev/null || break
			sleep 0.02
		done
	done
	[ "$inflight" -gt 0 ] || problem "chain: no request in flight at dbsim for the SIGTERM"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
	echo "  SIGTERM to every tier with $inflight request(s) in flight at dbsim"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		pid=${pids[$i]}
		for ((j = 0; j < 1200; j++)); do # memcheck's leak check makes the exit slow: up to 60 s
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$pid" 2>/dev/null && { problem "${tiers[$i]}: still running 60 s after SIGTERM"; kill -KILL "$pid"; }
		set +e
		wait "$pid"
		rc=$?
		set -e
		[ "$rc" = 0 ] || problem "${tiers[$i]}: exit status $rc (99 = memcheck errors; see $dir/${tiers[$i]}.vg.log)"
		check_log "$dir/${tiers[$i]}.vg.log" "${tiers[$i]}"
		printf '  %-8s exit %s, %s\n' "${tiers[$i]}" "$rc" \
			"$(grep -h -o 'ERROR SUMMARY: [0-9]* errors' "$dir/${tiers[$i]}.vg.log" | tail -n1)"
	done
	pids=()
	for pid in "${client_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	client_pids=()
fi

if [ "$problems" -gt 0 ]; then
	echo "valgrind: $problems problem(s); logs in $out" >&2
	exit 1
fi
echo "valgrind: no memcheck errors, no definite leaks; logs in $out"
