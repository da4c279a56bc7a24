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
		ok = op == "<" ? x + 0 < l + 0 : op == ">=" ? x + 0 >= l + 0 : 0
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
		echo "| requests/s through the whole chain >= the nginx chain ($n connections) | $(fmt 0 "$(v throughput "$n" cascade-4 rps_median)") vs $(fmt 0 "$(v throughput "$n" nginx-4 rps_median)") req/s, ratio $(fmt 3 "$r") | $(verdict "$r" ">=" 1) |"
	done
fi
if has hop_span; then
	for t in gateway svc_a svc_b; do
		x=$(v hop_span 1 "$t" added_us_p99)
		echo "| p99 added latency per hop < 100 us, idle: $t | p99 $(fmt 0 "$x") us (median $(fmt 0 "$(v hop_span 1 "$t" added_us_p50)") us) | $(verdict "$x" "<" 100) |"
	done
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
		echo "| memory per in-flight request < 4096 B (at $full held): $t | $(fmt 0 "$x") B | $(verdict "$x" "<" 4096) |"
	done
fi
if has compress; then
	best=$(awk -F, '$1 == "compress" && $4 == "smallest_faithful_scale" { print $5 }' "$csv")
	[ "$best" != nan ] || best=none
	if [ "$best" = none ]; then
		echo "| smallest faithful time_scale of the incident (lag p99 < 1 % of the smallest timeout) | none of $(v_list compress incident faithful | tr '\n' ' ')was faithful | **FAIL** |"
	else
		echo "| smallest faithful time_scale of the incident (lag p99 < 1 % of the smallest timeout) | $best; the demo's two runs take $(v compress "$best" demo wall_s_both_runs) s at it | (measured) |"
	fi
fi

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
within 1 % of its smallest timeout, scaled); "worst" is the process closest
to its limit. Scales are tried largest first and stop at the first that is
not faithful; when even the largest is not, it is doubled (up to
\`BENCH_SCALE_MAX\`) until one is.

| time_scale | wall s | faithful | worst lag p99 ms | limit ms | process |
|---|---|---|---|---|---|
EOF
	for s in $(v_list compress incident faithful); do
		lim=$(awk -F, -v s="$s" '$1 == "compress" && $2 == s && $4 ~ /^lag_limit_ms_/ { sub(/^lag_limit_ms_/, "", $4); print $5, $4 }' "$csv")
		echo "| $s | $(v compress "$s" incident wall_s) | $(v compress "$s" incident faithful) | $(v compress "$s" incident worst_lag_p99_ms) | ${lim% *} | ${lim#* } |"
	done
	best=$(awk -F, '$1 == "compress" && $4 == "smallest_faithful_scale" { print $5 }' "$csv")
	[ "$best" != nan ] || best=none
	echo
	[ "$best" = none ] && echo "No scale tried was faithful." ||
		echo "At $best, single-deadline took $(v compress "$best" single-deadline wall_s) s: the demo's two runs take about $(v compress "$best" demo wall_s_both_runs) s."
fi

echo
echo "## Commands"
echo
echo '```'
cat "$dir/commands.txt"
echo '```'
