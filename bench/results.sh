#!/usr/bin/env bash
# results.sh DIR: bench/results.md from one bench run's folder (bench.csv,
# machine.txt, commands.txt), with each target and whether it was met.
# Prints Markdown on stdout; sections the run skipped are left out.
set -euo pipefail

dir=${1:?usage: bench/results.sh RESULTS-DIR}
csv="$dir/bench.csv"
[ -r "$csv" ] || { echo "results.sh: $csv: cannot read" >&2; exit 1; }

# v SECTION N TIER METRIC: one figure from bench.csv, "-" when absent
v() {
	awk -F, -v s="$1" -v n="$2" -v t="$3" -v m="$4" \
		'$1 == s && $2 == n && $3 == t && $4 == m { x = $5 } END { print (x == "" ? "-" : x) }' "$csv"
}
# v_list SECTION TIER METRIC: the n column of those rows
v_list() { awk -F, -v s="$1" -v t="$2" -v m="$3" '$1 == s && $3 == t && $4 == m { print $2 }' "$csv"; }
tp_conns=$(v_list throughput ratio-4 cascade_over_nginx_rps)
has() { awk -F, -v s="$1" '$1 == s { f = 1 } END { exit !f }' "$csv"; }
mach() { sed -n "s/^$1: //p" "$dir/machine.txt"; }
# fmt DIGITS X: rounded, or "-" as is
fmt() { awk -v d="$1" -v x="$2" 'BEGIN { if (x == "-" || x == "nan" || x == "") print "-"; else printf "%.*f\n", d, x }'; }
# verdict X OP LIMIT: pass / FAIL ("-" without a figure)
verdict() {
	awk -v x="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (x == "-" || x == "nan" || x == "") { print "-"; exit }
		ok = op == "<" ? x + 0 < l + 0 : op == ">=" ? x + 0 >= l + 0 : op == "<=" ? x + 0 <= l + 0 : 0
		print ok ? "pass" : "**FAIL**" }'
}

cat <<EOF
# Benchmark results

Written by \`make bench\` (\`scripts/bench.sh\`, then \`bench/results.sh\`)
from \`$(basename "$(dirname "$dir")")/$(basename "$dir")/bench.csv\`. Every figure is the median of repeated runs;
cascade/nginx ratios come from runs alternated in the same bench run. How each figure is
measured: [bench/README.md](README.md).

## Machine

| | |
|---|---|
| date | $(mach date) |
| kernel | $(mach kernel) |
| CPU | $(mach cpu), $(mach cores) cores |
| memory | $(mach memory) |
| load average (1/5/15 min) | at start $(mach load_start); at end $(mach load_end) |
| libevent / libcurl / nginx | $(mach libevent) / $(mach libcurl) / $(mach nginx) |
| compiler | $(mach compiler) |
| cascade | $(mach cascade) |
| sections | $(mach sections) |
| knobs | \`$(mach knobs)\` |
| bench wall time | $(mach seconds) s |
EOF
nofile=$(mach nofile)
[ -z "$nofile" ] || echo "| file descriptors | $nofile |"
# A busy machine makes every figure here worse and noisier: say so.
busy=$(awk -v a="$(mach load_start | cut -d' ' -f1)" -v b="$(mach load_end | cut -d' ' -f1)" -v n="$(mach cores)" \
	'BEGIN { m = a > b ? a : b; if (m > n / 2) printf "%s", m }')
if [ -n "$busy" ]; then
	echo
	echo "**Taken on a loaded machine**: load average up to $busy on $(mach cores) cores during"
	echo "the run (other jobs). Latency tails, timer lateness and absolute requests/s"
	echo "suffer most; ratios of runs alternated side by side suffer least. A final"
	echo "figure needs a quiet machine."
fi

echo
echo "## Targets"
echo
echo "| target | figure | result |"
echo "|---|---|---|"
if has throughput; then
	for n in $tp_conns; do
		r=$(v throughput "$n" ratio-4 cascade_over_nginx_rps)
		echo "| requests/s through the whole chain >= 0.5 x the nginx chain ($n connections) | $(fmt 0 "$(v throughput "$n" cascade-4 rps_median)") vs $(fmt 0 "$(v throughput "$n" nginx-4 rps_median)") req/s, ratio $(fmt 3 "$r") | $(verdict "$r" ">=" 0.5) |"
	done
fi
if has hop_client; then
	# the same method for both chains: hammer -c 1's p99 at one depth minus
	# the next, the mean of the three forwarding hops
	c=$(v hop_client 1 cascade-mean added_us_p99)
	g=$(v hop_client 1 nginx-mean added_us_p99)
	r=$(awk -v a="$c" -v b="$g" 'BEGIN { if (a == "-" || b == "-" || b <= 0) print "-"; else printf "%.2f", a / b }')
	echo "| per-hop p99, idle, <= 2 x nginx's per-hop p99 (client method, mean of the 3 hops, same run) | $(fmt 0 "$c") us vs nginx $(fmt 0 "$g") us, ratio $r (spans p99: gateway $(v hop_span 1 gateway added_us_p99), svc_a $(v hop_span 1 svc_a added_us_p99), svc_b $(v hop_span 1 svc_b added_us_p99) us) | $(verdict "$r" "<=" 2) |"
fi
if has timer; then
	for t in svc_b dbsim; do
		x=$(v timer idle "$t" late_ms_p99)
		[ "$t" = svc_b ] && what="svc_b deadline" || what="dbsim service time"
		echo "| timer p99 lateness < 0.5 ms, idle: $what | p99 $(fmt 3 "$x") ms | $(verdict "$x" "<" 0.5) |"
	done
fi
if has scale; then
	top=$(awk -F, '$1 == "scale" && $4 == "max_reached" { print $2 }' "$csv")
	reached=$(v scale "$top" chain max_reached)
	echo "| 10,000 client requests in flight | $reached held (steps up to $top) | $(verdict "$reached" ">=" 10000) |"
	# memory at the largest step every tier reached
	full=$(awk -F, '$1 == "memory" && $4 == "bytes_per_inflight" && $5 != "nan" && $5 != "" && $2 + 0 > m { m = $2 + 0 }
		END { print m + 0 }' "$csv")
	for t in gateway svc_a svc_b dbsim; do
		x=$(v memory "$full" "$t" bytes_per_inflight)
		if [ "$t" = dbsim ]; then
			echo "| memory per in-flight request (at $full held): dbsim | $(fmt 0 "$x") B | (measured) |"
			continue
		fi
		echo "| memory per in-flight request <= 12 KiB (12288 B) at each forwarder (at $full held): $t | $(fmt 0 "$x") B | $(verdict "$x" "<=" 12288) |"
	done
fi
if has inflight; then
	for m in complete timeout; do
		x=$(v inflight all "svc_b-$m" cpu_max_over_min)
		[ "$m" = complete ] && what="attempts that complete" || what="attempts that time out"
		line="| CPU per attempt flat within 20 % from 100 to 5,000 in flight (svc_b, $what) | max/min $(fmt 2 "$x"):"
		for n in $(v_list inflight "svc_b-$m" cpu_us_per_attempt); do
			line+=" $(fmt 1 "$(v inflight "$n" "svc_b-$m" cpu_us_per_attempt)") us at $n;"
		done
		echo "${line%;} | $(verdict "$x" "<=" 1.2) |"
	done
fi
if has compress; then
	# cv SCALE LOAD METRIC: one figure of the compress section
	cv() { v compress "$1" "incident-$2" "$3"; }
	for sc in 0.1 0.05; do
		aim=""
		[ "$sc" = 0.05 ] && aim=" (aim)"
		n=$(cv "$sc" idle runs)
		if [ "$n" = - ]; then
			echo "| incident faithful at scale $sc on every seed, every run (idle)$aim | not run (not in BENCH_SCALES, or a larger scale was not faithful first) | - |"
			continue
		fi
		f=$(cv "$sc" idle faithful_runs)
		lim=$(awk -F, -v s="$sc" '$1 == "compress" && $2 == s && $3 == "incident-idle" && $4 ~ /^worst_lag_limit_ms_/ { sub(/^worst_lag_limit_ms_/, "", $4); print $5 " ms (" $4 ")" }' "$csv")
		echo "| incident faithful at scale $sc on every seed, every run (idle)$aim | $f of $n runs; worst lag p99 $(cv "$sc" idle worst_lag_p99_ms) ms against $lim, seed $(cv "$sc" idle worst_seed) | $([ "$f" = "$n" ] && echo pass || echo "**FAIL**") |"
		sp=$(cv "$sc" idle db_hits_spread_pct_worst_seed)
		echo "| spread of one seed's repeated runs at $sc, database hits per request (aim: within +-2 %) | +-$(fmt 2 "$sp") % (the widest seed; median $(cv "$sc" idle db_hits_per_request_median) hits per request) | $(verdict "$sp" "<=" 2) |"
	done
	for sc in $(v_list compress incident-stress runs); do
		n=$(cv "$sc" stress runs)
		f=$(cv "$sc" stress faithful_runs)
		echo "| incident faithful at scale $sc beside a background load (stress-ng, one worker at 50 % of a core), every seed | $f of $n runs; worst lag p99 $(cv "$sc" stress worst_lag_p99_ms) ms, seed $(cv "$sc" stress worst_seed) | $([ "$f" = "$n" ] && echo pass || echo "**FAIL**") |"
	done
	dw=$(v compress 0.1 demo wall_s_both_runs)
	df=$(v compress 0.1 demo faithful_both)
	echo "| make demo's two runs under two minutes, and faithful | $dw s, faithful $df | $(awk -v w="$dw" -v f="$df" 'BEGIN { if (w == "-") print "-"; else print (w + 0 < 120 && f == 1) ? "pass" : "**FAIL**" }') |"
fi

if has virtual; then
	# the two-engines issue's targets, the incident at 1x and 10x its load
	vt() { v virtual "$1" "$2" "$3"; }
	x=$(vt 1 none sim_cpu_s)
	echo "| virtual engine: the incident's simulation (180 s of load, 60 s of drain) <= 20 ms | $(fmt 1 "$(awk -v x="$x" 'BEGIN { print x * 1000 }')") ms CPU, $(vt 1 none events) events | $(verdict "$x" "<=" 0.020) |"
	x=$(vt 1 full wall_s)
	echo "| virtual engine: the incident's whole run folder, every CSV, <= 250 ms | $(fmt 0 "$(awk -v x="$x" 'BEGIN { print x * 1000 }')") ms wall | $(verdict "$x" "<=" 0.25) |"
	x=$(vt 10 none sim_cpu_s)
	echo "| virtual engine: ten times the load, simulation <= 0.3 s | $(fmt 3 "$x") s CPU, $(vt 10 none events) events | $(verdict "$x" "<=" 0.3) |"
	x=$(vt 10 summary wall_s)
	echo "| virtual engine: ten times the load with --records summary, in all <= 0.5 s | $(fmt 2 "$x") s wall | $(verdict "$x" "<=" 0.5) |"
	echo "| virtual engine: peak memory grows with what is in flight, not with the run's length | $(vt 1 none rss_kb_per_connection) / $(vt 10 none rss_kb_per_connection) / $(vt 100 none rss_kb_per_connection) KiB per connection in flight at 1x / 10x / 100x ($(vt 1 none peak_connections) / $(vt 10 none peak_connections) / $(vt 100 none peak_connections) connections) | $(awk -v a="$(vt 1 none rss_kb_per_connection)" -v b="$(vt 100 none rss_kb_per_connection)" 'BEGIN { if (a == "-" || b == "-") print "-"; else { r = a > b ? a / b : b / a; print r <= 1.5 ? "pass" : "**FAIL**" } }') |"
	r=$(vt 1 ratio simpy_over_virtual_cpu)
	echo "| virtual engine faster than a SimPy 3 model of the same scenario (the model within the cross-check tolerances: $([ "$(vt 1 simpy within_tolerance)" = 1 ] && echo yes || echo no)) | SimPy $(fmt 3 "$(vt 1 simpy sim_cpu_s)") s, ${r}x the engine's, at 1x; $(fmt 2 "$(vt 10 simpy sim_cpu_s)") s, $(vt 10 ratio simpy_over_virtual_cpu)x, at 10x | $(verdict "$r" ">=" 1) |"
fi

echo
echo "Where a goal is set by libcurl or evhttp (throughput, memory per held request), the profiles that"
echo "show it and what it would take: [bench/README.md](README.md#where-the-time-and-the-memory-go-the-floors-libcurl-and-libevent-set)."
echo "The virtual engine's targets not met, its profile and what they would take:"
echo "[bench/README.md](README.md#the-virtual-engine-where-its-time-goes)."

if has throughput; then
	cat <<EOF

## Throughput: closed loop, zero service time

Depth = processes on the path: 4 = gateway -> svc_a -> svc_b -> dbsim (nginx:
n1 -> n2 -> n3 -> n4), 2 = one forwarding hop (svc_b -> dbsim; n3 -> n4),
1 = the server alone (dbsim; n4 \`return 200\`).

| connections | depth | cascade req/s | p50 ms | p99 ms | nginx req/s | p50 ms | p99 ms | cascade / nginx |
|---|---|---|---|---|---|---|---|---|
EOF
	for n in $tp_conns; do
		for d in 4 2 1; do
			echo "| $n | $d | $(fmt 0 "$(v throughput "$n" "cascade-$d" rps_median)") | $(fmt 2 "$(v throughput "$n" "cascade-$d" p50_ms_median)") | $(fmt 2 "$(v throughput "$n" "cascade-$d" p99_ms_median)") | $(fmt 0 "$(v throughput "$n" "nginx-$d" rps_median)") | $(fmt 2 "$(v throughput "$n" "nginx-$d" p50_ms_median)") | $(fmt 2 "$(v throughput "$n" "nginx-$d" p99_ms_median)") | $(fmt 3 "$(v throughput "$n" "ratio-$d" cascade_over_nginx_rps)") |"
		done
	done
	echo
	echo "CPU per request through the whole chain (µs, utime + stime of each process / requests):"
	echo
	echo "| connections | gateway | svc_a | svc_b | dbsim | client | n1 | n2 | n3 | n4 | client | loop lag p99 ms gw / svc_a / svc_b / dbsim |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for n in $tp_conns; do
		line="| $n"
		for t in gateway svc_a svc_b dbsim; do line+=" | $(v cpu "$n" cascade-4 "cpu_us_per_req_median_$t")"; done
		line+=" | $(v cpu "$n" cascade-4 client_cpu_us_median)"
		for t in n1 n2 n3 n4; do line+=" | $(v cpu "$n" nginx-4 "cpu_us_per_req_median_$t")"; done
		line+=" | $(v cpu "$n" nginx-4 client_cpu_us_median)"
		line+=" | $(v lag "$n" gateway lag_p99_ms) / $(v lag "$n" svc_a lag_p99_ms) / $(v lag "$n" svc_b lag_p99_ms) / $(v lag "$n" dbsim lag_p99_ms) |"
		echo "$line"
	done
fi

if has latency; then
	cat <<EOF

## Per-hop overhead: idle chain, one sequential client

Spans: per request through the whole chain, a tier's server span minus the
next tier's (what that hop added: its own handling, the loopback round trip,
the next tier's parsing and reply), median and p99 over the requests.
Client: differences between the latency seen by \`hammer -c 1\` at one depth
and at the next (nginx has no spans, so this is the only method for it).

| hop | spans p50 µs | spans p99 µs | client p50 µs | client p99 µs | nginx hop | client p50 µs | client p99 µs |
|---|---|---|---|---|---|---|---|
EOF
	i=1
	for t in gateway svc_a svc_b; do
		echo "| $t | $(v hop_span 1 "$t" added_us_p50) | $(v hop_span 1 "$t" added_us_p99) | $(v hop_client 1 "cascade-$t" added_us_p50) | $(v hop_client 1 "cascade-$t" added_us_p99) | n$i | $(v hop_client 1 "nginx-n$i" added_us_p50) | $(v hop_client 1 "nginx-n$i" added_us_p99) |"
		i=$((i + 1))
	done
	echo "| mean of the 3 (client) | | | $(v hop_client 1 cascade-mean added_us_p50) | $(v hop_client 1 cascade-mean added_us_p99) | mean | $(v hop_client 1 nginx-mean added_us_p50) | $(v hop_client 1 nginx-mean added_us_p99) |"
	echo "| dbsim's own span (1 µs service time) | $(v hop_span 1 dbsim added_us_p50) | $(v hop_span 1 dbsim added_us_p99) | | | | | |"
	echo
	echo "End-to-end latency of the sequential client (ms):"
	echo
	echo "| depth | cascade p50 | cascade p99 | nginx p50 | nginx p99 |"
	echo "|---|---|---|---|---|"
	for d in 1 2 3 4; do
		echo "| $d | $(v latency 1 "cascade-$d" p50_ms_median) | $(v latency 1 "cascade-$d" p99_ms_median) | $(v latency 1 "nginx-$d" p50_ms_median) | $(v latency 1 "nginx-$d" p99_ms_median) |"
	done
fi

if has timer; then
	cat <<EOF

## Timer precision

Every request through the chain meets two timers: svc_b's 20 ms deadline
(dbsim takes 30 ms) and dbsim's 30 ms service time. Lateness = svc_b's
server span - 20 ms, dbsim's \`work_ms\` - 30 ms. Idle: one sequential
client; load: 64 connections closed loop through the same chain.

| phase | timer | samples per run | p50 ms | p99 ms | max ms |
|---|---|---|---|---|---|
EOF
	for p in idle load; do
		for t in svc_b dbsim; do
			[ "$t" = svc_b ] && what="svc_b deadline" || what="dbsim service time"
			echo "| $p | $what | $(v timer "$p" "$t" samples) | $(v timer "$p" "$t" late_ms_p50) | $(v timer "$p" "$t" late_ms_p99) | $(v timer "$p" "$t" late_ms_max) |"
		done
	done
fi

if has scale; then
	steps=$(awk -F, '$1 == "scale" && $4 == "reached_median" { print $2 }' "$csv")
	echo
	echo "## Scale: requests held in flight"
	echo
	echo "dbsim takes 1 h per query (100,000 workers), no tier timeouts; \`hammer --hold\`"
	echo "opens one connection per request and leaves it unanswered. Bytes per request ="
	echo "(VmRSS at the step - VmRSS with none) / requests held."
	echo
	hdr="| tier | RSS with none kB"
	sep="|---|---"
	for s in $steps; do
		hdr+=" | B/request at $s"
		sep+="|---"
	done
	echo "$hdr | loop lag p99 ms at $full |"
	echo "$sep|---|"
	for t in gateway svc_a svc_b dbsim; do
		line="| $t | $(v memory 0 "$t" rss_kb)"
		for s in $steps; do line+=" | $(fmt 0 "$(v memory "$s" "$t" bytes_per_inflight)")"; done
		echo "$line | $(v lag_hold "$full" "$t" lag_p99_ms) |"
	done
	line="| held (seconds to reach) |"
	for s in $steps; do line+=" | $(v scale "$s" chain reached_median) ($(v scale "$s" chain seconds_to_reach_median) s)"; done
	echo "$line | |"
fi

if has compress; then
	cat <<EOF

## Time compression: scenarios/incident.json

\`faithful\` is report's verdict (every process's per-second loop-lag p99
within 1 % of its smallest timeout, scaled); "worst" is the run and process
closest to its limit. Each scale runs every seed of \`BENCH_SEEDS\`,
\`BENCH_SEED_RUNS\` times each; scales are tried largest first and stop after
the first where a run was not faithful. "stress": each seed once beside one
\`stress-ng\` worker at 50 % of a core. Spread: for each seed, (max - min) /
(max + min) of its runs' database hits per request; the widest seed.

| time_scale | load | runs | faithful | worst lag p99 ms | worst / limit | worst seed | wall s (median) | db hits/request (median) | spread of one seed |
|---|---|---|---|---|---|---|---|---|---|
EOF
	for load in idle stress; do
		for sc in $(v_list compress "incident-$load" runs); do
			echo "| $sc | $load | $(cv "$sc" "$load" runs) | $(cv "$sc" "$load" faithful_runs) | $(cv "$sc" "$load" worst_lag_p99_ms) | $(fmt 2 "$(cv "$sc" "$load" worst_over_limit)") | $(cv "$sc" "$load" worst_seed) | $(cv "$sc" "$load" wall_s_median) | $(cv "$sc" "$load" db_hits_per_request_median) | $(sp=$(cv "$sc" "$load" db_hits_spread_pct_worst_seed); [ "$sp" = nan ] && echo "- (one run per seed)" || echo "+-$sp %") |"
		done
	done
	echo
	echo "Every run: compress.csv in the run's folder. The demo (make demo: incident then single-deadline at their own time_scale 0.1, seed 42): $(v compress 0.1 demo wall_s_both_runs) s of runs, faithful $(v compress 0.1 demo faithful_both)."
	best=$(awk -F, '$1 == "compress" && $4 == "smallest_faithful_scale" { print $5 }' "$csv")
	[ "$best" != nan ] || best=none
	echo
	if [ "$best" = none ]; then echo "No scale tried was faithful on every run."; else echo "Smallest scale faithful on every run: $best."; fi
fi

if has inflight; then
	cat <<EOF

## CPU per attempt with N attempts in flight

One forwarder, svc_b -> dbsim; \`hammer -c N\` closed loop keeps N attempts in
flight; dbsim answers each after N / BENCH_INFLIGHT_RATE seconds, so every
step runs at the same rate. "complete": the answer comes in time (the
connection is reused); "timeout": svc_b's attempt times out at half the
service time and closes its connection. CPU: time on a CPU
(/proc/PID/schedstat) over the measured attempts; the median of
BENCH_INFLIGHT_RUNS rounds over the steps in turn.

| attempts | in flight | svc_b CPU µs per attempt | dbsim CPU µs per attempt |
|---|---|---|---|
EOF
	for m in complete timeout; do
		for n in $(v_list inflight "svc_b-$m" cpu_us_per_attempt); do
			echo "| $m | $n | $(v inflight "$n" "svc_b-$m" cpu_us_per_attempt) | $(v inflight "$n" "dbsim-$m" cpu_us_per_attempt) |"
		done
	done
fi

if has virtual; then
	cat <<EOF

## The virtual engine, and a SimPy 3 model of the same scenario

\`virtual --scenario scenarios/incident.json --set load.rate=4*K\`: the incident
at K times its load. "simulation": CPU time of the event loop alone;
"whole run": wall time of the process, the run folder written (none: no
records; full: every CSV, as a real run's folder; summary: summary.csv and
timeseries.csv only). Peak RSS from \`/usr/bin/time\`.

| load | records | simulation s CPU | whole run s | peak RSS KiB | events | events/s |
|---|---|---|---|---|---|---|
EOF
	for combo in "1 none" "1 full" "10 none" "10 summary" "100 none"; do
		read -r k rec <<<"$combo"
		echo "| ${k}x | $rec | $(v virtual "$k" "$rec" sim_cpu_s) | $(v virtual "$k" "$rec" wall_s) | $(v virtual "$k" "$rec" max_rss_kb) | $(v virtual "$k" "$rec" events) | $(v virtual "$k" "$rec" events_per_s) |"
	done
	echo
	echo "| load | connections in flight at most | peak RSS KiB | KiB per connection |"
	echo "|---|---|---|---|"
	for k in 1 10 100; do
		echo "| ${k}x | $(v virtual "$k" none peak_connections) | $(v virtual "$k" none max_rss_kb) | $(v virtual "$k" none rss_kb_per_connection) |"
	done
	echo
	echo "| load | SimPy 3 model, simulation s CPU | events | SimPy / virtual |"
	echo "|---|---|---|---|"
	for k in 1 10; do
		echo "| ${k}x | $(v virtual "$k" simpy sim_cpu_s) | $(v virtual "$k" simpy events) | $(v virtual "$k" ratio simpy_over_virtual_cpu) |"
	done
	echo
	echo "The SimPy model (\`bench/simpy_model.py\`) against the virtual engine, seeds 1-5, with the"
	echo "cross-check's tolerances (\`bench/simpy_compare.py\`): $([ "$(v virtual 1 simpy within_tolerance)" = 1 ] && echo within || echo "**outside**")."
fi

echo
echo "## Commands"
echo
echo '```'
cat "$dir/commands.txt"
echo '```'
