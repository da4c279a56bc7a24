#!/usr/bin/env bash
# bench.sh: speed and memory figures of the four-process chain on loopback.
# (a) closed-loop throughput and latency, (b) CPU per request per process,
# (c) memory per in-flight request, (d) event-loop lag under load, (e) timer
# precision of dbsim's service time.  Every figure is the median of repeated
# runs; each is printed with the command lines that produced it.  Results go
# to results/bench/<timestamp>/ (bench.csv, runs.csv, commands.txt, logs).
#
# Environment: CASCADE_BIN (default build/bin), BENCH_REQUESTS (per run,
# default 10000, so that the whole bench stays near 3 minutes on 2 busy cores), BENCH_RUNS (default 5), BENCH_CONNS (default "8 32 64"),
# BENCH_HOLD (in-flight steps, default "1000 2000"), BENCH_HOLD_RUNS (3).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
requests=${BENCH_REQUESTS:-10000}
runs=${BENCH_RUNS:-5}
conns_list=${BENCH_CONNS:-"8 32 64"}
hold_steps=${BENCH_HOLD:-"1000 2000"}
hold_runs=${BENCH_HOLD_RUNS:-3}
timer_runs=3
tiers=(dbsim svc_b svc_a gateway) # start order; stop in reverse
hz=$(getconf CLK_TCK)

for b in gateway svc_a svc_b dbsim hammer; do
	[ -x "$bin/$b" ] || { echo "bench: $bin/$b missing (run: make bench)" >&2; exit 1; }
done

out="$root/results/bench/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
csv="$out/bench.csv"
runs_csv="$out/runs.csv"
cmds="$out/commands.txt"
echo "section,n,tier,metric,value,unit" >"$csv"
: >"$cmds"
started=$(date +%s)

# ---- processes: every PID this script starts, ended by PID on exit ----
chain_pids=()
hold_pids=()
cleanup() {
	local pid
	for pid in "${hold_pids[@]}" "${chain_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${hold_pids[@]}" "${chain_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

die() {
	echo "bench: $*" >&2
	exit 1
}

# wait_gone PID SECONDS: wait for a child to exit, SIGKILL it past the bound;
# its exit status goes to $gone_rc (no subshell: only this shell can wait).
gone_rc=0
wait_gone() {
	local pid=$1 i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
	set +e
	wait "$pid" 2>/dev/null
	gone_rc=$?
	set -e
}

# chain_start DIR [--set K=V]...: the four tiers on free ports, each with its
# own log in DIR; sets chain_pids (dbsim..gateway) and port_<tier>.
chain_start() {
	local dir=$1 t0 up="" tier i
	shift
	mkdir -p "$dir"
	t0=$(date +%s%N)
	chain_pids=()
	for tier in "${tiers[@]}"; do
		local extra=()
		[ -n "$up" ] && extra=(--upstream "$up")
		"$bin/$tier" --t0 "$t0" --out "$dir" --quiet --listen 127.0.0.1:0 \
			--port-file "$dir/$tier.port" "${extra[@]}" "$@" 2>>"$dir/$tier.log" &
		chain_pids+=($!)
		for ((i = 0; i < 500; i++)); do
			[ -s "$dir/$tier.port" ] && break
			kill -0 "$!" 2>/dev/null || die "$tier did not start (see $dir/$tier.log)"
			sleep 0.01
		done
		[ -s "$dir/$tier.port" ] || die "$tier wrote no port file within 5 s (see $dir/$tier.log)"
		declare -g "port_$tier=$(cat "$dir/$tier.port")"
		up="http://127.0.0.1:$(cat "$dir/$tier.port")/"
	done
}

# chain_stop: SIGTERM from the front, each bounded; a non-zero exit is
# reported, not fatal (the figures are still worth having).
chain_stop() {
	local i
	for ((i = ${#chain_pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${chain_pids[$i]}" 2>/dev/null || true
		wait_gone "${chain_pids[$i]}" 15
		[ "$gone_rc" = 0 ] || echo "bench: ${tiers[$i]} exited with status $gone_rc" >&2
	done
	chain_pids=()
}

pid_of() { # pid_of TIER
	local i
	for i in "${!tiers[@]}"; do [ "${tiers[$i]}" = "$1" ] && echo "${chain_pids[$i]}"; done
}
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; } # utime + stime
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
metric() { # metric TIER NAME-AND-LABEL-PREFIX: first value of that series
	local p=port_$1
	curl -fsS --max-time 2 "http://127.0.0.1:${!p}/metrics" | awk -v k="$2" 'index($0, k) == 1 { print $2; exit }'
}
lag_p99_ms() { metric "$1" "cascade_loop_lag_seconds{tier=\"$1\",quantile=\"0.99\"}" | awk '{ printf "%.3f", $1 * 1000 }'; }
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; } # field KEY < "k=v k=v"
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
quantile() { sort -g | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * NR); if (i < q * NR) i++; if (i < 1) i = 1; print NR ? v[i] : "nan" }'; }
row() { echo "$1,$2,$3,$4,$5,$6" >>"$csv"; } # section n tier metric value unit
cmd() { printf '%s\n' "$*" >>"$cmds"; printf '  $ %s\n' "$*"; }

# ---- (a) throughput and latency, (b) CPU per request, (d) lag under load ----
load_sets=(--set 'tiers.dbsim.service_time={"dist":"fixed","value":"1ms"}' --set tiers.dbsim.workers=64)
echo "== (a) throughput, (b) CPU per request, (d) loop lag: healthy chain, dbsim fixed 1 ms =="
cmd "{dbsim,svc_b,svc_a,gateway} --listen 127.0.0.1:0 --port-file F --upstream <next> --set 'tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"1ms\"}' --set tiers.dbsim.workers=64"
cmd "hammer -c N -n $requests 127.0.0.1:<gateway port>   # N in $conns_list; $runs runs each after a 2000-request warm-up"
echo "n,run,rps,p50_ms,p99_ms,client_cpu_us,cpu_us_gateway,cpu_us_svc_a,cpu_us_svc_b,cpu_us_dbsim" >"$runs_csv"
for n in $conns_list; do
	dir="$out/load-c$n"
	chain_start "$dir" "${load_sets[@]}"
	# shellcheck disable=SC2154 # port_<tier> are set by chain_start
	target=127.0.0.1:$port_gateway
	"$bin/hammer" -c "$n" -n 2000 --max-seconds 60 "$target" >"$dir/warmup.txt" || die "warm-up failed (see $dir)"
	for ((r = 1; r <= runs; r++)); do
		declare -A before=()
		for tier in gateway svc_a svc_b dbsim; do before[$tier]=$(ticks "$(pid_of $tier)"); done
		line=$("$bin/hammer" -c "$n" -n "$requests" --max-seconds 60 "$target") || die "hammer failed: $line"
		done_n=$(field requests <<<"$line")
		[ "$(field ok <<<"$line")" = "$done_n" ] || echo "bench: N=$n run $r: not every reply was 2xx: $line" >&2
		cpu=""
		for tier in gateway svc_a svc_b dbsim; do
			d=$(($(ticks "$(pid_of $tier)") - ${before[$tier]}))
			cpu+=,$(awk -v d="$d" -v hz="$hz" -v n="$done_n" 'BEGIN { printf "%.1f", d * 1e6 / hz / n }')
		done
		echo "$n,$r,$(field rps <<<"$line"),$(field p50_ms <<<"$line"),$(field p99_ms <<<"$line"),$(field client_cpu_us_per_req <<<"$line")$cpu" >>"$runs_csv"
	done
	for tier in gateway svc_a svc_b dbsim; do
		row lag "$n" "$tier" lag_p99_ms "$(lag_p99_ms $tier)" ms
	done
	chain_stop
	col() { awk -F, -v n="$n" -v c="$1" 'NR > 1 && $1 == n { print $c }' "$runs_csv" | median; }
	row throughput "$n" chain rps_median "$(col 3)" "req/s"
	row throughput "$n" chain p50_ms_median "$(col 4)" ms
	row throughput "$n" chain p99_ms_median "$(col 5)" ms
	row cpu "$n" hammer cpu_us_per_req_median "$(col 6)" us
	c=7
	for tier in gateway svc_a svc_b dbsim; do
		row cpu "$n" "$tier" cpu_us_per_req_median "$(col $c)" us
		c=$((c + 1))
	done
done
get() { awk -F, -v s="$1" -v n="$2" -v t="$3" -v m="$4" '$1 == s && $2 == n && $3 == t && $4 == m { print $5 }' "$csv"; }
printf '\n%6s %9s %8s %8s | %-40s | %s\n' "" "" "" "" "CPU us per request" "loop lag p99 ms"
printf '%6s %9s %8s %8s | %6s %6s %6s %6s %6s %6s | %7s %7s %7s %7s\n' N "req/s" "p50 ms" "p99 ms" \
	gw svc_a svc_b dbsim chain client gw svc_a svc_b dbsim
for n in $conns_list; do
	cpu_of() { get cpu "$n" "$1" cpu_us_per_req_median; }
	printf '%6s %9.0f %8.2f %8.2f | %6s %6s %6s %6s %6.1f %6s | %7s %7s %7s %7s\n' "$n" \
		"$(get throughput "$n" chain rps_median)" "$(get throughput "$n" chain p50_ms_median)" \
		"$(get throughput "$n" chain p99_ms_median)" \
		"$(cpu_of gateway)" "$(cpu_of svc_a)" "$(cpu_of svc_b)" "$(cpu_of dbsim)" \
		"$(awk -v a="$(cpu_of gateway)" -v b="$(cpu_of svc_a)" -v c="$(cpu_of svc_b)" -v d="$(cpu_of dbsim)" 'BEGIN { print a + b + c + d }')" \
		"$(cpu_of hammer)" \
		"$(get lag "$n" gateway lag_p99_ms)" "$(get lag "$n" svc_a lag_p99_ms)" \
		"$(get lag "$n" svc_b lag_p99_ms)" "$(get lag "$n" dbsim lag_p99_ms)"
done
echo "  (medians of $runs runs of $requests requests; CPU from /proc/PID/stat utime+stime over each run / requests;"
echo "   lag: /metrics cascade_loop_lag_seconds quantile 0.99 over the chain's life, almost all of it under that load)"

# ---- (c) memory per in-flight request, (d) lag while holding them ----
hold_sets=(--set 'faults=[{"tier":"dbsim","kind":"stall","start":"0s","end":"1h"}]'
	--set tiers.gateway.timeout=none --set tiers.svc_a.timeout=none --set tiers.svc_b.timeout=none)
echo
echo "== (c) memory per in-flight request: dbsim stalled, requests held open =="
cmd "{dbsim,svc_b,svc_a,gateway} ... --set 'faults=[{\"tier\":\"dbsim\",\"kind\":\"stall\",\"start\":\"0s\",\"end\":\"1h\"}]' --set tiers.{gateway,svc_a,svc_b}.timeout=none"
cmd "hammer --hold -c STEP 127.0.0.1:<gateway port>   # steps 0 $hold_steps in flight, cumulative; VmRSS of each process once every tier's cascade_inflight reached it; $hold_runs runs"
echo "run,inflight,rss_kb_gateway,rss_kb_svc_a,rss_kb_svc_b,rss_kb_dbsim,lag_p99_ms_gateway,lag_p99_ms_svc_a,lag_p99_ms_svc_b,lag_p99_ms_dbsim" >"$out/hold.csv"
for ((r = 1; r <= hold_runs; r++)); do
	dir="$out/hold-$r"
	chain_start "$dir" "${hold_sets[@]}"
	held=0
	for step in 0 $hold_steps; do
		if [ "$step" -gt "$held" ]; then
			"$bin/hammer" --hold -c $((step - held)) --max-seconds 120 "127.0.0.1:$port_gateway" \
				>"$dir/hold-$step.txt" 2>&1 &
			hold_pids+=($!)
			held=$step
		fi
		# Every tier holds them all: gateway, svc_a, svc_b and dbsim (held).
		ok=0
		for ((i = 0; i < 600; i++)); do
			ok=1
			for tier in gateway svc_a svc_b dbsim; do
				v=$(metric $tier "cascade_inflight{tier=\"$tier\"}" || echo -1)
				[ "$v" = "$held" ] || { ok=0; break; }
			done
			[ "$ok" = 1 ] && break
			sleep 0.05
		done
		[ "$ok" = 1 ] || die "the chain did not reach $held requests in flight within 30 s (see $dir)"
		sleep 0.2
		line="$r,$held"
		for tier in gateway svc_a svc_b dbsim; do line+=,$(rss_kb "$(pid_of $tier)"); done
		for tier in gateway svc_a svc_b dbsim; do line+=,$(lag_p99_ms $tier); done
		echo "$line" >>"$out/hold.csv"
	done
	for pid in "${hold_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${hold_pids[@]}"; do wait_gone "$pid" 10; done
	hold_pids=()
	chain_stop
done
top=${hold_steps##* }
first=${hold_steps%% *}
printf '\n%-8s %10s %10s %12s %12s %12s %16s\n' tier "RSS@0 kB" "RSS@$top kB" "B/req 0-$top" "B/req 0-$first" "B/req $first-$top" "lag p99 ms@$top"
c=3
for tier in gateway svc_a svc_b dbsim; do
	# Per run: RSS at each step; slopes in bytes per in-flight request.
	slopes=$(awk -F, -v c="$c" -v first="$first" -v top="$top" -v l=$((c + 4)) '
		NR > 1 { rss[$1, $2] = $c; if ($2 == top) lag[$1] = $l; runs[$1] = 1 }
		END { for (r in runs) printf "%s %s %.0f %.0f %.0f %s\n", rss[r, 0], rss[r, top],
			(rss[r, top] - rss[r, 0]) * 1024 / top, (rss[r, first] - rss[r, 0]) * 1024 / first,
			(rss[r, top] - rss[r, first]) * 1024 / (top - first), lag[r] }' "$out/hold.csv")
	m() { awk -v k="$1" '{ print $k }' <<<"$slopes" | median; }
	row memory "$top" "$tier" rss_kb_at_0 "$(m 1)" kB
	row memory "$top" "$tier" rss_kb_at_top "$(m 2)" kB
	row memory "$top" "$tier" bytes_per_inflight "$(m 3)" B
	row memory "$first" "$tier" bytes_per_inflight_first_step "$(m 4)" B
	row memory "$top" "$tier" bytes_per_inflight_last_step "$(m 5)" B
	row lag_hold "$top" "$tier" lag_p99_ms "$(m 6)" ms
	printf '%-8s %10s %10s %12s %12s %12s %16s\n' "$tier" "$(m 1)" "$(m 2)" "$(m 3)" "$(m 4)" "$(m 5)" "$(m 6)"
	c=$((c + 1))
done
echo "  (medians of $hold_runs runs; O(1) per request when the two step slopes agree)"

# ---- (e) timer precision: dbsim's 50 ms service time as recorded ----
echo
echo "== (e) timer precision: dbsim fixed 50 ms, work_ms - 50 in dbsim.csv =="
timer_sets=(--set 'tiers.dbsim.service_time={"dist":"fixed","value":"50ms"}' --set tiers.dbsim.workers=64)
cmd "{dbsim,svc_b,svc_a,gateway} ... --set 'tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"50ms\"}' --set tiers.dbsim.workers=64"
cmd "hammer -c 16 -n 400 127.0.0.1:<gateway port>   # $timer_runs runs, each on a fresh chain"
for ((r = 1; r <= timer_runs; r++)); do
	dir="$out/timer-$r"
	chain_start "$dir" "${timer_sets[@]}"
	"$bin/hammer" -c 16 -n 400 --max-seconds 60 "127.0.0.1:$port_gateway" >"$dir/hammer.txt" || die "hammer failed (see $dir)"
	chain_stop
	# work_ms of the completed queries; columns by name from the header.
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$col["kind"] == "server" && $col["outcome"] == "ok" { printf "%.3f\n", $col["work_ms"] - 50 }' \
		"$dir/dbsim.csv" >"$dir/excess.txt"
	echo "$r,$(wc -l <"$dir/excess.txt"),$(median <"$dir/excess.txt"),$(quantile 0.99 <"$dir/excess.txt"),$(sort -g "$dir/excess.txt" | tail -n1)" >>"$out/timer.csv"
done
tm() { awk -F, -v c="$1" '{ print $c }' "$out/timer.csv" | median; }
row timer 50 dbsim samples_per_run "$(tm 2)" count
row timer 50 dbsim excess_ms_median "$(tm 3)" ms
row timer 50 dbsim excess_ms_p99 "$(tm 4)" ms
row timer 50 dbsim excess_ms_max "$(tm 5)" ms
printf '\n  excess over 50 ms: median %s ms, p99 %s ms, max %s ms (%s queries per run; medians of %s runs)\n' \
	"$(tm 3)" "$(tm 4)" "$(tm 5)" "$(tm 2)" "$timer_runs"

echo
echo "bench: $(($(date +%s) - started)) s; figures in $csv"
