#!/usr/bin/env bash
# bench.sh: speed, latency, timer and memory figures of the four-process chain
# on loopback, side by side with a chain of four nginx processes started here.
# Sections (BENCH_SECTIONS, in this order):
#   throughput  max requests/s, closed loop, zero service time: the chain,
#               one forwarding hop, dbsim alone, and the same depths of nginx,
#               alternated run by run; CPU per request; loop lag
#   latency     per-hop added latency on an idle chain, one sequential client
#   timer       lateness of dbsim's service time and of svc_b's deadline,
#               idle and under load
#   scale       requests held in flight (dbsim never answers in time), memory
#               per in-flight request per tier
#   inflight    CPU per attempt through one forwarder (svc_b -> dbsim) with
#               100, 1000, 5000 attempts in flight: attempts that complete
#               (their connections reusable) and attempts that time out
#               (each closes its connection)
#   compress    the incident scenario at shrinking time scales, several seeds
#               twice each: the smallest scale faithful on every run, the
#               spread of one seed's runs, the same beside a background load
#               (stress-ng), and how long the demo takes
#   virtual     the virtual engine on the incident: the simulation alone and
#               the whole run folder, at 1x and 10x the load, memory at 100x,
#               side by side with a SimPy 3 model of the same scenario
# Every figure is the median of repeated runs.  Results go to
# results/bench/<timestamp>/ (bench.csv, per-section CSVs, commands.txt,
# machine.txt, logs, results.md); after a run of every section, results.md
# and bench.csv are also copied to bench/results.md and bench/results.csv
# (a partial run leaves those alone).  Knobs: see bench/README.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
requests=${BENCH_REQUESTS:-10000}
runs=${BENCH_RUNS:-5}
conns_list=${BENCH_CONNS:-64}
seq_requests=${BENCH_SEQ_REQUESTS:-2000}
hold_steps=${BENCH_HOLD:-"1000 5000 10000"}
hold_runs=${BENCH_HOLD_RUNS:-2}
timer_runs=${BENCH_TIMER_RUNS:-3}
timer_requests=${BENCH_TIMER_REQUESTS:-200}
scales=${BENCH_SCALES:-"0.1 0.05"}
seeds=${BENCH_SEEDS:-"1 2 3 4 5"}
seed_runs=${BENCH_SEED_RUNS:-2}
stress=${BENCH_STRESS:-1}
stress_scale=${BENCH_STRESS_SCALE:-0.1}
scale_max=${BENCH_SCALE_MAX:-1}
sections=${BENCH_SECTIONS:-"throughput latency timer scale inflight compress virtual"}
inflight_steps=${BENCH_INFLIGHT:-"100 1000 5000"}
inflight_attempts=${BENCH_INFLIGHT_ATTEMPTS:-15000}
inflight_rate=${BENCH_INFLIGHT_RATE:-3000}
inflight_runs=${BENCH_INFLIGHT_RUNS:-3}
virtual_runs=${BENCH_VIRTUAL_RUNS:-5}
simpy=${BENCH_SIMPY:-/usr/bin/python3}
nginx=${BENCH_NGINX:-$(command -v nginx || true)}
all_sections="throughput latency timer scale inflight compress virtual"
hz=$(getconf CLK_TCK)

die() {
	echo "bench: $*" >&2
	exit 1
}
want() { [[ " $sections " == *" $1 "* ]]; }
for s in $sections; do
	[[ " $all_sections " == *" $s "* ]] || die "BENCH_SECTIONS: unknown section '$s' (known: $all_sections)"
done
for b in gateway svc_a svc_b dbsim hammer; do
	[ -x "$bin/$b" ] || die "$bin/$b missing (run: make bench)"
done
if want throughput || want latency; then
	[ -x "${nginx:-/nonexistent}" ] || die "nginx not found (scripts/install-deps.sh --bench installs it; or set BENCH_NGINX)"
fi
if want virtual; then
	[ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian's time package: scripts/install-deps.sh --bench installs it)"
fi

out="$root/results/bench/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
csv="$out/bench.csv"
cmds="$out/commands.txt"
echo "section,n,tier,metric,value,unit" >"$csv"
: >"$cmds"
started=$(date +%s)

# ---- the machine, for results.md ----
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel: $(uname -r)"
	echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "cores: $(nproc)"
	echo "memory: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "load_start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "libevent: $(pkg-config --modversion libevent 2>/dev/null || echo unknown)"
	echo "libcurl: $(pkg-config --modversion libcurl 2>/dev/null || echo unknown)"
	echo "nginx: $({ [ -n "$nginx" ] && "$nginx" -v 2>&1; } | sed 's/^nginx version: //' || echo none)"
	echo "compiler: $(${CC:-cc} --version 2>/dev/null | head -n1)"
	echo "cascade: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "sections: $sections"
	echo "knobs: BENCH_REQUESTS=$requests BENCH_RUNS=$runs BENCH_CONNS=\"$conns_list\" BENCH_SEQ_REQUESTS=$seq_requests BENCH_HOLD=\"$hold_steps\" BENCH_HOLD_RUNS=$hold_runs BENCH_TIMER_RUNS=$timer_runs BENCH_TIMER_REQUESTS=$timer_requests BENCH_SCALES=\"$scales\" BENCH_SCALE_MAX=$scale_max BENCH_SEEDS=\"$seeds\" BENCH_SEED_RUNS=$seed_runs BENCH_STRESS=$stress BENCH_STRESS_SCALE=$stress_scale BENCH_INFLIGHT=\"$inflight_steps\" BENCH_INFLIGHT_ATTEMPTS=$inflight_attempts BENCH_INFLIGHT_RATE=$inflight_rate BENCH_INFLIGHT_RUNS=$inflight_runs"
} >"$out/machine.txt"

# ---- processes: every PID this script starts, ended by PID on exit ----
chain_pids=()
nginx_pids=()
hold_pids=()
bg_pids=() # stress-ng, the background load of the compress section
cleanup() {
	local pid
	for pid in "${bg_pids[@]}" "${hold_pids[@]}" "${chain_pids[@]}" "${nginx_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${bg_pids[@]}" "${hold_pids[@]}" "${chain_pids[@]}" "${nginx_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

# chain_start, chain_stop, chain_pid, chain_wait_gone, chain_launch: scripts/chain.sh.
# shellcheck source=scripts/chain.sh
. "$root/scripts/chain.sh"

# ---- the nginx chain: n1 -> n2 -> n3 -> n4 (return 200) ----
# nginx cannot listen on port 0 and report the port: pick one that nothing
# listens on, below the ephemeral range, and try another if the bind fails.
free_port() {
	local p i
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 10000))
		[ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
	done
	return 1
}

# nginx_conf K PORT NEXT_PORT DIR: one nginx, one process (no master), its
# own prefix, pid file and logs in DIR; NEXT_PORT empty: the last, return 200.
nginx_conf() {
	local k=$1 port=$2 next=$3 dir=$4 loc
	if [ -n "$next" ]; then
		loc="proxy_pass http://next; proxy_http_version 1.1; proxy_set_header Connection \"\";"
	else
		loc="return 200 \"ok\\n\";"
	fi
	mkdir -p "$dir/n$k-tmp"
	cat >"$dir/n$k.conf" <<EOF
# nginx $k of 4, written by scripts/bench.sh
worker_processes 1;
daemon off;
master_process off;
pid $dir/n$k.pid;
error_log $dir/n$k.error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $dir/n$k-tmp/body;
	proxy_temp_path $dir/n$k-tmp/proxy;
	fastcgi_temp_path $dir/n$k-tmp/fastcgi;
	uwsgi_temp_path $dir/n$k-tmp/uwsgi;
	scgi_temp_path $dir/n$k-tmp/scgi;
	keepalive_requests 1000000;
	$([ -n "$next" ] && echo "upstream next { server 127.0.0.1:$next; keepalive 64; }")
	server {
		listen 127.0.0.1:$port;
		location / { $loc }
	}
}
EOF
}

# nginx_start DIR: n4 first, each pointing at the one started before it;
# sets nginx_pids (n1..n4) and nport_1..nport_4.
nginx_start() {
	local dir=$1 k next="" port try i pid pids=()
	mkdir -p "$dir"
	for k in 4 3 2 1; do
		for ((try = 0; try < 5; try++)); do
			port=$(free_port) || die "no free port for nginx"
			nginx_conf "$k" "$port" "$next" "$dir"
			"$nginx" -p "$dir" -e "$dir/n$k.error.log" -c "$dir/n$k.conf" 2>>"$dir/n$k.log" &
			pid=$!
			for ((i = 0; i < 100; i++)); do
				curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null && break
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.05
			done
			if kill -0 "$pid" 2>/dev/null && curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
				break
			fi
			kill -TERM "$pid" 2>/dev/null || true
			chain_wait_gone "$pid" 5
			pid=""
		done
		[ -n "$pid" ] || die "nginx $k did not start (see $dir/n$k.error.log)"
		pids=("$pid" "${pids[@]}")
		declare -g "nport_$k=$port"
		next=$port
	done
	nginx_pids=("${pids[@]}")
}

nginx_stop() {
	local pid
	for pid in "${nginx_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		chain_wait_gone "$pid" 10
	done
	nginx_pids=()
}

ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; } # utime + stime
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; } # time on a CPU, ns (finer than ticks)
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# metric TIER NAME-AND-LABEL-PREFIX: first value of that series; nothing when
# the process does not answer (one out of file descriptors cannot accept)
metric() {
	local p=port_$1
	{ curl -fsS --max-time 5 "http://127.0.0.1:${!p}/metrics" 2>/dev/null || true; } |
		awk -v k="$2" 'index($0, k) == 1 { print $2; exit }'
}
lag_p99_ms() {
	metric "$1" "cascade_loop_lag_seconds{tier=\"$1\",quantile=\"0.99\"}" |
		awk '{ printf "%.3f", $1 * 1000 } END { if (!NR) print "nan" }'
}
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; } # field KEY < "k=v k=v"
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
quantile() { sort -g | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * NR); if (i < q * NR) i++; if (i < 1) i = 1; print NR ? v[i] : "nan" }'; }
row() { echo "$1,$2,$3,$4,$5,$6" >>"$csv"; } # section n tier metric value unit
cmd() { printf '%s\n' "$*" >>"$cmds"; printf '  $ %s\n' "$*"; }
section() { printf '\n== %s ==\n' "$*"; printf '\n# %s\n' "$*" >>"$cmds"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
# col FILE COLUMN-NAME [AWK-FILTER]: that column of the rows matching the filter
col() { awk -F, -v c="$2" "NR == 1 { for (i = 1; i <= NF; i++) k[\$i] = i; next } ${3:-1} { print \$k[c] }" "$1"; }

# dbsim answering at once: the smallest service time a scenario allows (a
# duration must be > 0; 1 ns becomes a timer of 1 us, rounded up).
zero_sets=(--set 'tiers.dbsim.service_time={"dist":"fixed","value":"1ns"}' --set tiers.dbsim.workers=1024)
zero_text="--set 'tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"1ns\"}' --set tiers.dbsim.workers=1024"
cascade_targets=(gateway svc_a svc_b dbsim) # by depth: 4 3 2 1 processes on the path

target_of() { # target_of SYSTEM DEPTH: HOST:PORT of the process with DEPTH processes from it to the end
	local p
	if [ "$1" = cascade ]; then
		p=port_${cascade_targets[$((4 - $2))]}
	else
		p=nport_$((5 - $2))
	fi
	echo "127.0.0.1:${!p}"
}
procs_of() { # procs_of SYSTEM DEPTH: the PIDs on that path, front first
	local i
	for ((i = 4 - $2; i < 4; i++)); do
		if [ "$1" = cascade ]; then chain_pid "${cascade_targets[$i]}"; else echo "${nginx_pids[$i]}"; fi
	done
}

# ---- throughput: cascade and nginx side by side ----
if want throughput; then
	section "throughput: closed loop, zero service time, cascade and nginx alternated"
	cmd "{dbsim,svc_b,svc_a,gateway} --listen 127.0.0.1:0 --port-file F --upstream <next> $zero_text"
	cmd "nginx -p DIR -e DIR/nK.error.log -c DIR/nK.conf   # K = 4..1, configs in each run's nginx/ folder: one process each, upstream keepalive 64, n4 'return 200'"
	cmd "hammer -c N -n $requests 127.0.0.1:<port>   # N in $conns_list; per run, in turn: cascade gateway, nginx n1, cascade svc_b, nginx n3, cascade dbsim, nginx n4; $runs runs after a 2000-request warm-up of each"
	tp_csv="$out/throughput.csv"
	echo "n,run,system,depth,rps,p50_ms,p99_ms,client_cpu_us,cpu_us_1,cpu_us_2,cpu_us_3,cpu_us_4,ok" >"$tp_csv"
	for n in $conns_list; do
		dir="$out/throughput-c$n"
		chain_start "$dir/chain" "${zero_sets[@]}"
		nginx_start "$dir/nginx"
		for depth in 4 2 1; do
			for sys in cascade nginx; do
				"$bin/hammer" -c "$n" -n 2000 --max-seconds 60 "$(target_of $sys $depth)" >>"$dir/warmup.txt" ||
					die "warm-up of $sys depth $depth failed (see $dir)"
			done
		done
		for ((r = 1; r <= runs; r++)); do
			for depth in 4 2 1; do
				for sys in cascade nginx; do
					mapfile -t pids < <(procs_of $sys $depth)
					before=()
					for pid in "${pids[@]}"; do before+=("$(ticks "$pid")"); done
					line=$("$bin/hammer" -c "$n" -n "$requests" --max-seconds 120 "$(target_of $sys $depth)") ||
						die "hammer failed on $sys depth $depth: $line"
					done_n=$(field requests <<<"$line")
					cpu=""
					for i in 0 1 2 3; do
						if [ "$i" -lt "${#pids[@]}" ]; then
							cpu+=,$(awk -v d="$(($(ticks "${pids[$i]}") - before[i]))" -v hz="$hz" -v n="$done_n" \
								'BEGIN { printf "%.1f", d * 1e6 / hz / n }')
						else
							cpu+=,
						fi
					done
					echo "$n,$r,$sys,$depth,$(field rps <<<"$line"),$(field p50_ms <<<"$line"),$(field p99_ms <<<"$line"),$(field client_cpu_us_per_req <<<"$line")$cpu,$(field ok <<<"$line")" >>"$tp_csv"
					[ "$(field ok <<<"$line")" = "$done_n" ] || echo "bench: $sys depth $depth run $r: not every reply was 2xx: $line" >&2
				done
			done
		done
		for tier in gateway svc_a svc_b dbsim; do row lag "$n" "$tier" lag_p99_ms "$(lag_p99_ms $tier)" ms; done
		chain_stop
		nginx_stop
		for depth in 4 2 1; do
			for sys in cascade nginx; do
				m() { col "$tp_csv" "$1" "\$1 == $n && \$3 == \"$sys\" && \$4 == $depth" | median; }
				row throughput "$n" "$sys-$depth" rps_median "$(m rps)" "req/s"
				row throughput "$n" "$sys-$depth" p50_ms_median "$(m p50_ms)" ms
				row throughput "$n" "$sys-$depth" p99_ms_median "$(m p99_ms)" ms
				row cpu "$n" "$sys-$depth" client_cpu_us_median "$(m client_cpu_us)" us
				for ((i = 1; i <= depth; i++)); do
					if [ $sys = cascade ]; then who=${cascade_targets[$((4 - depth + i - 1))]}; else who=n$((4 - depth + i)); fi
					row cpu "$n" "$sys-$depth" "cpu_us_per_req_median_$who" "$(m "cpu_us_$i")" us
				done
			done
			get_rps() { awk -F, -v n="$n" -v t="$1" '$1 == "throughput" && $2 == n && $3 == t && $4 == "rps_median" { print $5 }' "$csv"; }
			row throughput "$n" "ratio-$depth" cascade_over_nginx_rps "$(ratio "$(get_rps "cascade-$depth")" "$(get_rps "nginx-$depth")")" x
		done
	done
	printf '\n%5s %6s | %9s %8s %8s | %9s %8s %8s | %6s\n' N depth "cascade/s" "p50 ms" "p99 ms" "nginx/s" "p50 ms" "p99 ms" ratio
	for n in $conns_list; do
		for depth in 4 2 1; do
			g() { awk -F, -v n="$n" -v t="$1" -v m="$2" '$1 == "throughput" && $2 == n && $3 == t && $4 == m { print $5 }' "$csv"; }
			printf '%5s %6s | %9.0f %8.3f %8.3f | %9.0f %8.3f %8.3f | %6s\n' "$n" "$depth" \
				"$(g "cascade-$depth" rps_median)" "$(g "cascade-$depth" p50_ms_median)" "$(g "cascade-$depth" p99_ms_median)" \
				"$(g "nginx-$depth" rps_median)" "$(g "nginx-$depth" p50_ms_median)" "$(g "nginx-$depth" p99_ms_median)" \
				"$(g "ratio-$depth" cascade_over_nginx_rps)"
		done
	done
	echo "  (depth: processes on the path; 4 = the whole chain, 2 = one forwarding hop, 1 = the server alone; medians of $runs runs)"
fi

# ---- latency: per-hop added latency, idle, one sequential client ----
# Two methods.  Spans: for each request through the whole chain, a tier's
# server span minus the next tier's server span is what that hop added
# (its own handling, the loopback round trip, the next tier's parsing and
# reply); median and p99 over the requests.  Client: hammer -c 1 against
# each depth; a hop's added latency is the difference of the two depths'
# medians (and p99s).  nginx has no spans: the client method only.
if want latency; then
	section "latency: idle chain, one sequential client, per-hop added latency"
	warm=200
	cmd "{dbsim,svc_b,svc_a,gateway} ... $zero_text   # and the nginx chain; both fresh for each of $runs runs"
	cmd "hammer -c 1 -n $warm (warm-up, dropped) then hammer -c 1 -n $seq_requests 127.0.0.1:<port>   # each depth 1..4 of both chains, in turn"
	lat_csv="$out/latency.csv"
	hop_csv="$out/hops.csv"
	echo "run,system,depth,p50_ms,p99_ms" >"$lat_csv"
	echo "run,tier,added_us_p50,added_us_p99,samples" >"$hop_csv"
	for ((r = 1; r <= runs; r++)); do
		dir="$out/latency-$r"
		chain_start "$dir/chain" "${zero_sets[@]}"
		nginx_start "$dir/nginx"
		for depth in 1 2 3 4; do
			for sys in cascade nginx; do
				"$bin/hammer" -c 1 -n "$warm" --max-seconds 60 "$(target_of $sys $depth)" >>"$dir/warmup.txt" ||
					die "warm-up of $sys depth $depth failed (see $dir)"
				line=$("$bin/hammer" -c 1 -n "$seq_requests" --max-seconds 120 "$(target_of $sys $depth)") ||
					die "hammer failed on $sys depth $depth: $line"
				echo "$r,$sys,$depth,$(field p50_ms <<<"$line"),$(field p99_ms <<<"$line")" >>"$lat_csv"
			done
		done
		chain_stop
		nginx_stop
		# One line per request that went through the whole chain, after the
		# gateway's warm-up: what each tier added, in us.
		awk -F, -v warm="$warm" '
			FNR == 1 { delete k; for (i = 1; i <= NF; i++) k[$i] = i; next }
			$k["kind"] == "server" { d[$k["tier"], $k["trace_id"]] = $k["end_ms"] - $k["start_ms"]
				if ($k["tier"] == "gateway") start[$k["trace_id"]] = $k["start_ms"] }
			END { for (t in start) if ((("svc_a", t) in d) && (("svc_b", t) in d) && (("dbsim", t) in d))
				printf "%s %.0f %.0f %.0f %.0f\n", start[t], (d["gateway", t] - d["svc_a", t]) * 1000,
					(d["svc_a", t] - d["svc_b", t]) * 1000, (d["svc_b", t] - d["dbsim", t]) * 1000, d["dbsim", t] * 1000 }' \
			"$dir"/chain/{gateway,svc_a,svc_b,dbsim}.csv | sort -g | tail -n +$((warm + 1)) >"$dir/hops.txt"
		c=2
		for tier in gateway svc_a svc_b dbsim; do
			v=$(awk -v c=$c '{ print $c }' "$dir/hops.txt")
			echo "$r,$tier,$(quantile 0.5 <<<"$v"),$(quantile 0.99 <<<"$v"),$(wc -l <"$dir/hops.txt")" >>"$hop_csv"
			c=$((c + 1))
		done
	done
	for sys in cascade nginx; do
		for depth in 1 2 3 4; do
			for q in p50 p99; do
				row latency 1 "$sys-$depth" "${q}_ms_median" "$(col "$lat_csv" "${q}_ms" "\$2 == \"$sys\" && \$3 == $depth" | median)" ms
			done
		done
		# client method: each hop, and the mean of the three
		for depth in 2 3 4; do
			for q in p50 p99; do
				v=$(awk -F, -v s="$sys" -v d="$depth" -v c="${q}_ms" '
					NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
					$2 == s && $3 == d { hi[$1] = $k[c] } $2 == s && $3 == d - 1 { lo[$1] = $k[c] }
					END { for (r in hi) printf "%.0f\n", (hi[r] - lo[r]) * 1000 }' "$lat_csv" | median)
				if [ $sys = cascade ]; then who=${cascade_targets[$((4 - depth))]}; else who=n$((5 - depth)); fi
				row hop_client 1 "$sys-$who" "added_us_${q}" "$v" us
			done
		done
		for q in p50 p99; do
			v=$(awk -F, -v s="$sys" -v c="${q}_ms" '
				NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
				$2 == s && $3 == 4 { hi[$1] = $k[c] } $2 == s && $3 == 1 { lo[$1] = $k[c] }
				END { for (r in hi) printf "%.0f\n", (hi[r] - lo[r]) * 1000 / 3 }' "$lat_csv" | median)
			row hop_client 1 "$sys-mean" "added_us_${q}" "$v" us
		done
	done
	for tier in gateway svc_a svc_b dbsim; do
		for q in p50 p99; do
			row hop_span 1 "$tier" "added_us_${q}" "$(col "$hop_csv" "added_us_$q" "\$2 == \"$tier\"" | median)" us
		done
		row hop_span 1 "$tier" samples_per_run "$(col "$hop_csv" samples "\$2 == \"$tier\"" | median)" count
	done
	gh() { awk -F, -v s="$1" -v t="$2" -v m="$3" '$1 == s && $3 == t && $4 == m { print $5 }' "$csv"; }
	printf '\n%-10s %14s %14s | %-8s %14s %14s\n' "" "span p50 us" "span p99 us" "" "client p50 us" "client p99 us"
	i=0
	for tier in gateway svc_a svc_b; do
		printf '%-10s %14s %14s | %-8s %14s %14s\n' "$tier" "$(gh hop_span "$tier" added_us_p50)" "$(gh hop_span "$tier" added_us_p99)" \
			"n$((i + 1))" "$(gh hop_client "nginx-n$((i + 1))" added_us_p50)" "$(gh hop_client "nginx-n$((i + 1))" added_us_p99)"
		i=$((i + 1))
	done
	printf '%-10s %14s %14s | %-8s %14s %14s\n' "(client)" "$(gh hop_client cascade-mean added_us_p50)" "$(gh hop_client cascade-mean added_us_p99)" \
		"mean" "$(gh hop_client nginx-mean added_us_p50)" "$(gh hop_client nginx-mean added_us_p99)"
	echo "  (spans: per request, a tier's server span minus the next one's; client: differences of hammer -c 1 latency"
	echo "   between depths; the (client) row is the cascade mean per hop, (depth 4 - depth 1) / 3; medians of $runs runs)"
fi

# ---- timer: how late dbsim's service time and svc_b's deadline fire ----
# One chain set up so that every request exercises both timers: dbsim takes
# 30 ms, svc_b gives up after 20 ms (one attempt, no retries anywhere), so
# svc_b answers 504 at its deadline and dbsim finishes the query for nobody.
# Lateness: svc_b server span duration - 20 ms, whatever the outcome (a
# request that svc_b's deadline should have ended but that ended otherwise,
# later, counts with the lateness it reached); dbsim work_ms - 30 ms.
if want timer; then
	section "timer: dbsim service time 30 ms and svc_b deadline 20 ms, idle and under load"
	timer_sets=(--set 'tiers.dbsim.service_time={"dist":"fixed","value":"30ms"}' --set tiers.dbsim.workers=4096
		--set tiers.svc_b.timeout=20ms --set tiers.gateway.retries=0 --set tiers.svc_a.retries=0 --set tiers.svc_b.retries=0)
	cmd "{dbsim,svc_b,svc_a,gateway} ... --set 'tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"30ms\"}' --set tiers.dbsim.workers=4096 --set tiers.svc_b.timeout=20ms --set tiers.{gateway,svc_a,svc_b}.retries=0"
	cmd "idle: hammer -c 1 -n $timer_requests 127.0.0.1:<gateway port>; load: hammer -c 64 -n $((timer_requests * 16)) 127.0.0.1:<gateway port>   # a fresh chain each; $timer_runs runs"
	timer_csv="$out/timer.csv"
	echo "run,phase,timer,samples,late_ms_p50,late_ms_p99,late_ms_max" >"$timer_csv"
	for ((r = 1; r <= timer_runs; r++)); do
		for phase in idle load; do
			dir="$out/timer-$r-$phase"
			chain_start "$dir" "${timer_sets[@]}"
			if [ $phase = idle ]; then c=1 n=$timer_requests; else c=64 n=$((timer_requests * 16)); fi
			# shellcheck disable=SC2154 # port_<tier> are set by chain_start
			"$bin/hammer" -c $c -n "$n" --max-seconds 120 "127.0.0.1:$port_gateway" >"$dir/hammer.txt" || true
			# Let dbsim finish the queries svc_b gave up on (30 ms each).
			for ((i = 0; i < 100; i++)); do
				[ "$(metric dbsim 'cascade_inflight{tier="dbsim"}')" = 0 ] &&
					[ "$(metric dbsim 'cascade_orphaned{tier="dbsim"}')" = 0 ] && break
				sleep 0.05
			done
			chain_stop
			awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
				$k["kind"] == "server" { printf "%.3f\n", $k["end_ms"] - $k["start_ms"] - 20 }' \
				"$dir/svc_b.csv" >"$dir/late-svc_b.txt"
			awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
				$k["kind"] == "server" && $k["work_ms"] > 0 && $k["outcome"] != "cancelled" { printf "%.3f\n", $k["work_ms"] - 30 }' \
				"$dir/dbsim.csv" >"$dir/late-dbsim.txt"
			for t in svc_b dbsim; do
				f="$dir/late-$t.txt"
				echo "$r,$phase,$t,$(wc -l <"$f"),$(quantile 0.5 <"$f"),$(quantile 0.99 <"$f"),$(quantile 1 <"$f")" >>"$timer_csv"
			done
		done
	done
	printf '\n%-6s %-16s %8s %10s %10s %10s\n' phase timer samples "p50 ms" "p99 ms" "max ms"
	for phase in idle load; do
		for t in svc_b dbsim; do
			m() { col "$timer_csv" "$1" "\$2 == \"$phase\" && \$3 == \"$t\"" | median; }
			label=$t
			[ $t = svc_b ] && label="svc_b deadline" || label="dbsim service"
			for q in samples late_ms_p50 late_ms_p99 late_ms_max; do
				unit=ms
				[ $q = samples ] && unit=count
				row timer "$phase" "$t" "$q" "$(m $q)" $unit
			done
			printf '%-6s %-16s %8s %10s %10s %10s\n' $phase "$label" "$(m samples)" "$(m late_ms_p50)" "$(m late_ms_p99)" "$(m late_ms_max)"
		done
	done
	echo "  (lateness past the 20 ms deadline / 30 ms service time; medians of $timer_runs runs)"
fi

# ---- scale: requests in flight and memory per request per tier ----
if want scale; then
	section "scale: requests held in flight (dbsim service time 1 h), memory per request per tier"
	top=${hold_steps##* }
	need=$((2 * top + 256)) # a forwarder holds two sockets per request
	hard=$(ulimit -Hn)
	limit_note="each process raises its soft RLIMIT_NOFILE to the hard limit ($hard)"
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
		# Fallback until the processes can do it themselves: raise the hard
		# limit for the chain from outside, where allowed (root).
		if prlimit --nofile="$need:$need" true 2>/dev/null; then
			chain_launch=(prlimit --nofile="$need:$need" --)
			limit_note="the chain runs under prlimit --nofile=$need:$need (hard limit here: $hard)"
		else
			# Also measure the largest step that fits, so the table shows
			# what the chain holds here.
			fit=$(((hard - 256) / 2 / 100 * 100))
			[[ " $hold_steps " == *" $fit "* ]] || hold_steps=$(tr ' ' '\n' <<<"$hold_steps $fit" | sort -n | tr '\n' ' ' | sed 's/ $//')
			limit_note="hard RLIMIT_NOFILE $hard, below the $need a forwarder needs at $top (two sockets per request), and raising it is not allowed here; step $fit added"
		fi
	fi
	echo "  ($limit_note)"
	echo "nofile: $limit_note" >>"$out/machine.txt"
	hold_sets=(--set 'tiers.dbsim.service_time={"dist":"fixed","value":"1h"}' --set tiers.dbsim.workers=100000
		--set tiers.dbsim.statement_timeout=none
		--set tiers.gateway.timeout=none --set tiers.svc_a.timeout=none --set tiers.svc_b.timeout=none)
	cmd "${chain_launch[*]} {dbsim,svc_b,svc_a,gateway} ... --set 'tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"1h\"}' --set tiers.dbsim.workers=100000 --set tiers.dbsim.statement_timeout=none --set tiers.{gateway,svc_a,svc_b}.timeout=none"
	cmd "hammer --hold -c STEP-HELD 127.0.0.1:<gateway port>   # up to 0 $hold_steps in flight, cumulative; VmRSS of each process once every tier's cascade_inflight reached it; $hold_runs runs"
	hold_csv="$out/hold.csv"
	echo "run,step,reached,seconds,rss_kb_gateway,rss_kb_svc_a,rss_kb_svc_b,rss_kb_dbsim,lag_p99_ms_gateway,lag_p99_ms_svc_a,lag_p99_ms_svc_b,lag_p99_ms_dbsim" >"$hold_csv"
	for ((r = 1; r <= hold_runs; r++)); do
		dir="$out/hold-$r"
		chain_start "$dir" "${hold_sets[@]}"
		held=0
		for step in 0 $hold_steps; do
			t_step=$(date +%s%N)
			if [ "$step" -gt "$held" ]; then
				"$bin/hammer" --hold -c $((step - held)) --max-seconds 600 "127.0.0.1:$port_gateway" \
					>"$dir/hold-$step.txt" 2>&1 &
				hold_pids+=($!)
				held=$step
			fi
			# Every tier holds them all; give up after 10 s without progress.
			reached=-1 last=-1 moved=$SECONDS
			while :; do
				reached=$held answering=0
				for tier in gateway svc_a svc_b dbsim; do # those that answer
					v=$(metric $tier "cascade_inflight{tier=\"$tier\"}")
					[ -n "$v" ] || continue
					answering=$((answering + 1))
					[ "$v" -lt "$reached" ] && reached=$v
				done
				[ $answering -gt 0 ] || reached=-1
				[ "$reached" = "$held" ] && break
				[ "$reached" -gt "$last" ] && last=$reached moved=$SECONDS
				[ $((SECONDS - moved)) -ge 10 ] && break
				sleep 0.1
			done
			secs=$(awk -v a="$t_step" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
			sleep 0.3
			line="$r,$held,$reached,$secs"
			for tier in gateway svc_a svc_b dbsim; do line+=,$(rss_kb "$(chain_pid $tier)"); done
			for tier in gateway svc_a svc_b dbsim; do line+=,$(lag_p99_ms $tier); done
			echo "$line" >>"$hold_csv"
			printf '  run %s: %s in flight of %s after %s s\n' "$r" "$reached" "$held" "$secs"
			[ "$reached" = "$held" ] || { echo "bench: the chain held $reached of $held requests (see $dir)" >&2; break; }
		done
		for pid in "${hold_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
		for pid in "${hold_pids[@]}"; do chain_wait_gone "$pid" 30; done
		hold_pids=()
		chain_stop
	done
	chain_launch=()
	printf '\n%-8s %8s' tier "RSS@0 kB"
	for step in $hold_steps; do printf ' %12s' "B/req@$step"; done
	printf ' %14s\n' "lag p99 ms@$top"
	for tier in gateway svc_a svc_b dbsim; do
		printf '%-8s' "$tier"
		rss0=$(col "$hold_csv" "rss_kb_$tier" "\$2 == 0" | median)
		row memory 0 "$tier" rss_kb "$rss0" kB
		printf ' %8s' "$rss0"
		for step in $hold_steps; do
			# per run: (RSS at the step - RSS at 0) / requests held, in bytes
			v=$(awk -F, -v s="$step" -v t="rss_kb_$tier" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
				$2 == 0 { z[$1] = $k[t] } $2 == s && $3 == s { printf "%.0f\n", ($k[t] - z[$1]) * 1024 / s }' "$hold_csv" | median)
			row memory "$step" "$tier" bytes_per_inflight "$v" B
			row memory "$step" "$tier" rss_kb "$(col "$hold_csv" "rss_kb_$tier" "\$2 == $step && \$3 == $step" | median)" kB
			row lag_hold "$step" "$tier" lag_p99_ms "$(col "$hold_csv" "lag_p99_ms_$tier" "\$2 == $step" | median)" ms
			printf ' %12s' "$v"
		done
		printf ' %14s\n' "$(col "$hold_csv" "lag_p99_ms_$tier" "\$2 == $top" | median)"
	done
	for step in $hold_steps; do
		row scale "$step" chain reached_median "$(col "$hold_csv" reached "\$2 == $step" | median)" count
		row scale "$step" chain seconds_to_reach_median "$(col "$hold_csv" seconds "\$2 == $step" | median)" s
	done
	row scale "$top" chain max_reached "$(col "$hold_csv" reached | sort -g | tail -n1)" count
	echo "  (bytes per request: (RSS at the step - RSS at 0) / requests held; medians of $hold_runs runs)"
fi

# ---- inflight: CPU per attempt with N attempts in flight ----
# One forwarder, svc_b -> dbsim.  hammer -c N closed loop against svc_b keeps
# N requests, so N attempts, in flight; dbsim answers each after N / RATE
# seconds (every worker free), so that every step runs at the same rate
# (BENCH_INFLIGHT_RATE attempts/s) and the same number of attempts
# (BENCH_INFLIGHT_ATTEMPTS) is measured.  "complete": dbsim's answer comes in
# time, the connection can be reused; "timeout": svc_b's attempt times out at
# half the service time (one attempt, no retries: a 504), closing its
# connection, and dbsim finishes the query for nobody.  CPU = svc_b's (and
# dbsim's) time on a CPU (/proc/PID/schedstat) over the measured attempts,
# after a warm-up round of N; BENCH_INFLIGHT_RUNS rounds over the steps in
# turn, the median of each step's runs.
if want inflight; then
	section "inflight: CPU per attempt through svc_b with $inflight_steps attempts in flight"
	cmd "{dbsim,svc_b} ... --set 'tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"<N/$inflight_rate s>\"}' --set tiers.dbsim.workers=100000 --set tiers.dbsim.statement_timeout=none --set tiers.svc_b.timeout=none [timeout: --set tiers.svc_b.attempt_timeout=<half that> --set tiers.svc_b.retries=0]"
	cmd "hammer -c N -n N (warm-up) then hammer -c N -n $inflight_attempts 127.0.0.1:<svc_b port>   # N in $inflight_steps, in turn; $inflight_runs rounds"
	inf_csv="$out/inflight.csv"
	echo "mode,inflight,attempts,seconds,cpu_us_svc_b,cpu_us_dbsim,ok,fds_svc_b,run" >"$inf_csv"
	saved_tiers=("${chain_tiers[@]}")
	chain_tiers=(dbsim svc_b)
	for mode in complete timeout; do
		for ((run = 1; run <= inflight_runs; run++)); do for n in $inflight_steps; do
			dir="$out/inflight-$mode-$n-$run"
			svc_ms=$(awk -v n="$n" -v r="$inflight_rate" 'BEGIN { printf "%.0f", n * 1000 / r }')
			extra=()
			[ "$mode" = timeout ] && extra=(--set "tiers.svc_b.attempt_timeout=$((svc_ms / 2))ms" --set tiers.svc_b.retries=0)
			chain_start "$dir" --set "tiers.dbsim.service_time={\"dist\":\"fixed\",\"value\":\"${svc_ms}ms\"}" \
				--set tiers.dbsim.workers=100000 --set tiers.dbsim.statement_timeout=none \
				--set tiers.svc_b.timeout=none "${extra[@]}"
			# shellcheck disable=SC2154 # port_svc_b is set by chain_start
			"$bin/hammer" -c "$n" -n "$n" --max-seconds 120 "127.0.0.1:$port_svc_b" >"$dir/warmup.txt" || true
			pb=$(chain_pid svc_b)
			pd=$(chain_pid dbsim)
			b0=$(cpu_ns "$pb") d0=$(cpu_ns "$pd")
			line=$("$bin/hammer" -c "$n" -n "$inflight_attempts" --max-seconds 300 "127.0.0.1:$port_svc_b") || true
			b1=$(cpu_ns "$pb") d1=$(cpu_ns "$pd")
			fds=$(find "/proc/$pb/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
			done_n=$(field requests <<<"$line")
			echo "$mode,$n,$done_n,$(field seconds <<<"$line"),$(awk -v a="$b0" -v b="$b1" -v n="$done_n" 'BEGIN { printf "%.2f", (b - a) / 1000 / n }'),$(awk -v a="$d0" -v b="$d1" -v n="$done_n" 'BEGIN { printf "%.2f", (b - a) / 1000 / n }'),$(field ok <<<"$line"),$fds,$run" >>"$inf_csv"
			chain_stop
			tail -n1 "$inf_csv" | awk -F, '{ printf "  %-8s %5s in flight, run %s: %6s attempts in %6s s, CPU per attempt svc_b %7s us, dbsim %7s us\n", $1, $2, $9, $3, $4, $5, $6 }'
		done; done
		meds=()
		for n in $inflight_steps; do
			v=$(col "$inf_csv" cpu_us_svc_b "\$1 == \"$mode\" && \$2 == $n" | median)
			row inflight "$n" "svc_b-$mode" cpu_us_per_attempt "$v" us
			row inflight "$n" "dbsim-$mode" cpu_us_per_attempt "$(col "$inf_csv" cpu_us_dbsim "\$1 == \"$mode\" && \$2 == $n" | median)" us
			meds+=("$v")
		done
		# flatness: the largest median CPU per attempt over the smallest, across the steps
		row inflight all "svc_b-$mode" cpu_max_over_min "$(printf '%s\n' "${meds[@]}" | sort -g |
			awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (lo > 0) printf "%.3f", hi / lo; else print "nan" }')" x
	done
	chain_tiers=("${saved_tiers[@]}")
fi

# ---- compress: the incident at shrinking time scales ----
# Every seed of BENCH_SEEDS, BENCH_SEED_RUNS times each, at each scale of
# BENCH_SCALES (largest first, stopping after the first scale where a run was
# not faithful); a scale counts as faithful only when every run was.  The
# spread of one seed's repeated runs (database hits per request) says how
# repeatable a run is.  Then, with BENCH_STRESS=1, each seed once more at
# BENCH_STRESS_SCALE beside a background load: one stress-ng worker keeping
# half a core busy (started and stopped by its PID).  Last, the demo's two
# scenarios at their own time_scale (0.1): the wall time make demo spends.
if want compress; then
	section "compress: scenarios/incident.json at time scales $scales, seeds $seeds x $seed_runs"
	cmd "scripts/run_scenario.sh scenarios/incident.json -o DIR --time-scale S --seed K --quiet   # S in $scales, largest first, until one is not faithful; K in $seeds, $seed_runs runs each"
	comp_csv="$out/compress.csv"
	echo "scenario,scale,seed,run,load,wall_s,faithful,worst_lag_p99_ms,worst_tier,limit_ms,worst_over_limit,db_hits_per_request,client_success_ratio" >"$comp_csv"
	# run_one SCENARIO SCALE SEED RUN LOAD: wall seconds, `faithful` from
	# summary.csv, and the worst per-second lag p99 of each process against
	# 1 % of its smallest timeout.
	run_one() {
		local name dir t_a t_b seedargs=()
		name=$(basename "$1" .json)
		dir="$out/compress-$name-$2-s$3-r$4-$5"
		[ "$3" = - ] || seedargs=(--seed "$3")
		t_a=$(date +%s%N)
		CASCADE_BIN=$bin "$root/scripts/run_scenario.sh" "$root/$1" -o "$dir" --time-scale "$2" "${seedargs[@]}" --quiet >/dev/null 2>"$dir.err" ||
			{ cat "$dir.err" >&2; die "run_scenario $1 at $2 (seed $3) failed"; }
		t_b=$(date +%s%N)
		faithful=$(awk -F, '$1 == "faithful" { print $2 }' "$dir/summary.csv")
		hits=$(awk -F, '$1 == "db_hits_per_request" { print $2 }' "$dir/summary.csv")
		success=$(awk -F, '$1 == "client_success_ratio" { print $2 }' "$dir/summary.csv")
		# smallest timeout per process, scenario ms, from the resolved scenario
		limits=$(jq -r '[.load.client_timeout, .tiers.gateway.timeout, .tiers.gateway.attempt_timeout,
			.tiers.svc_a.timeout, .tiers.svc_a.attempt_timeout, .tiers.svc_b.timeout, .tiers.svc_b.attempt_timeout,
			.tiers.dbsim.statement_timeout] | map(. // "none") | @tsv' "$dir/scenario.json")
		worst=$(awk -F, -v lim="$limits" -v scale="$2" '
			function ms(s,  n, u) { if (s == "none" || s == "null") return 0; n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
				return u == "h" ? n * 3600000 : u == "m" ? n * 60000 : u == "s" ? n * 1000 : u == "ms" ? n : u == "us" ? n / 1000 : n / 1e6 }
			function least(a, b) { return a == 0 ? b : b == 0 ? a : (a < b ? a : b) }
			BEGIN { split(lim, L, "\t"); y["loadgen"] = ms(L[1]); y["gateway"] = least(ms(L[2]), ms(L[3]))
				y["svc_a"] = least(ms(L[4]), ms(L[5])); y["svc_b"] = least(ms(L[6]), ms(L[7])); y["dbsim"] = ms(L[8]) }
			NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
			$k["lag_p99_ms"] != "" && $k["lag_p99_ms"] > w[$k["tier"]] { w[$k["tier"]] = $k["lag_p99_ms"] }
			END { best = -1; for (t in w) { l = y[t] * scale * 0.01; if (l > 0 && w[t] / l > best) { best = w[t] / l; bt = t; bl = l } }
				printf "%.3f %s %.3f %.3f\n", w[bt], bt, bl, best }' "$dir/stats.csv")
		wall=$(awk -v a="$t_a" -v b="$t_b" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
		read -r wl wt lm ov <<<"$worst"
		echo "$name,$2,$3,$4,$5,$wall,$faithful,$wl,$wt,$lm,$ov,$hits,$success" >>"$comp_csv"
		printf '  %-16s scale %-5s seed %-3s run %s %-6s %6s s  faithful %s  worst lag p99 %7s ms (%s) vs %s ms  db hits/request %s\n' \
			"$name" "$2" "$3" "$4" "$5" "$wall" "$faithful" "$wl" "$wt" "$lm" "$hits"
	}
	# scale_all SCALE LOAD RUNS: every seed RUNS times; all_faithful = 1 when every run was
	scale_all() {
		local seed r
		all_faithful=1
		for seed in $seeds; do
			for ((r = 1; r <= $3; r++)); do
				run_one scenarios/incident.json "$1" "$seed" "$r" "$2"
				[ "$faithful" = 1 ] || all_faithful=0
			done
		done
	}
	best=""
	for s in $scales; do
		scale_all "$s" idle "$seed_runs"
		[ "$all_faithful" = 1 ] || break
		best=$s
	done
	# Not even the largest was faithful: double it until one is, up to
	# BENCH_SCALE_MAX, so that there is an answer.
	s=${scales%% *}
	while [ -z "$best" ] && awk -v s="$s" -v m="$scale_max" 'BEGIN { exit !(s * 2 <= m + 1e-9) }'; do
		s=$(awk -v s="$s" 'BEGIN { print s * 2 }')
		cmd "scripts/run_scenario.sh scenarios/incident.json -o DIR --time-scale $s --seed K --quiet   # none faithful so far: twice the largest, each seed once"
		scale_all "$s" idle 1
		[ "$all_faithful" = 1 ] && best=$s
	done
	if [ "$stress" = 1 ]; then
		if command -v stress-ng >/dev/null; then
			cmd "stress-ng --cpu 1 --cpu-load 50 &   # one worker, half a core, beside the runs below; stopped by its PID"
			cmd "scripts/run_scenario.sh scenarios/incident.json -o DIR --time-scale $stress_scale --seed K --quiet   # K in $seeds, once each, beside stress-ng"
			stress-ng --cpu 1 --cpu-load 50 --timeout 3600s --quiet >"$out/stress-ng.log" 2>&1 &
			bg_pids+=($!)
			sleep 1
			scale_all "$stress_scale" stress 1
			for pid in "${bg_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
			for pid in "${bg_pids[@]}"; do chain_wait_gone "$pid" 10; done
			bg_pids=()
		else
			echo "  stress-ng not found (scripts/install-deps.sh --bench installs it): the background-load runs are skipped"
		fi
	fi
	# The demo: both scenarios at their own time_scale, seed as make demo's.
	cmd "scripts/run_scenario.sh scenarios/{incident,single-deadline}.json -o DIR --seed 42 --quiet   # the demo's two runs, at the scenarios' own time_scale (0.1)"
	run_one scenarios/incident.json 0.1 42 1 demo
	wi=$(awk -F, '$5 == "demo" && $1 == "incident" { print $6 }' "$comp_csv")
	demo_faithful=$faithful
	run_one scenarios/single-deadline.json 0.1 42 1 demo
	ws=$(awk -F, '$5 == "demo" && $1 == "single-deadline" { print $6 }' "$comp_csv")
	[ "$faithful" = 1 ] || demo_faithful=0
	row compress 0.1 demo wall_s_both_runs "$(awk -v a="$wi" -v b="$ws" 'BEGIN { printf "%.1f", a + b }')" s
	row compress 0.1 demo faithful_both "$demo_faithful" bool
	if [ -n "$best" ]; then
		row compress "$best" incident smallest_faithful_scale "$best" x
		printf '  smallest scale faithful on every run: %s\n' "$best"
	else
		row compress none incident smallest_faithful_scale none x
		echo "  no scale tried was faithful on every run (up to BENCH_SCALE_MAX=$scale_max)"
	fi
	printf '  the demo (incident + single-deadline at 0.1, seed 42): %s s of runs, faithful %s\n' \
		"$(awk -v a="$wi" -v b="$ws" 'BEGIN { printf "%.0f", a + b }')" "$demo_faithful"
	# per scale and load: runs, faithful runs, the worst run, the widest spread of one seed
	for load in idle stress; do
		mapfile -t load_scales < <(awk -F, -v l="$load" 'NR > 1 && $1 == "incident" && $5 == l { print $2 }' "$comp_csv" | sort -u -g -r)
		for s in "${load_scales[@]}"; do
			sel="\$1 == \"incident\" && \$2 == $s && \$5 == \"$load\""
			row compress "$s" "incident-$load" runs "$(col "$comp_csv" faithful "$sel" | wc -l)" count
			row compress "$s" "incident-$load" faithful_runs "$(col "$comp_csv" faithful "$sel" | awk '$1 == 1' | wc -l)" count
			row compress "$s" "incident-$load" wall_s_median "$(col "$comp_csv" wall_s "$sel" | median)" s
			row compress "$s" "incident-$load" worst_over_limit "$(col "$comp_csv" worst_over_limit "$sel" | sort -g | tail -n1)" x
			w=$(awk -F, "NR > 1 && $sel { print \$11, \$8, \$9, \$10, \$3 }" "$comp_csv" | sort -g | tail -n1)
			read -r _ wl wt lm wseed <<<"$w"
			row compress "$s" "incident-$load" worst_lag_p99_ms "$wl" ms
			row compress "$s" "incident-$load" "worst_lag_limit_ms_$wt" "$lm" ms
			row compress "$s" "incident-$load" worst_seed "$wseed" seed
			row compress "$s" "incident-$load" db_hits_per_request_median "$(col "$comp_csv" db_hits_per_request "$sel" | median)" x
			# spread of one seed: (max - min) / (max + min), in percent (+-)
			sp=$(awk -F, "NR > 1 && $sel { h[\$3] = h[\$3] \" \" \$12 }
				END { w = -1; for (k in h) { n = split(h[k], v, \" \"); if (n < 2) continue; lo = hi = v[1]
					for (i = 2; i <= n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
					if (lo + hi > 0 && (hi - lo) / (hi + lo) * 100 > w) w = (hi - lo) / (hi + lo) * 100 }
					if (w < 0) print \"nan\"; else printf \"%.2f\", w }" "$comp_csv")
			row compress "$s" "incident-$load" db_hits_spread_pct_worst_seed "$sp" pct
		done
	done
fi

# ---- the virtual engine, against a SimPy model of the same scenario ----
if want virtual; then
	section "virtual: the incident in the virtual engine, and in a SimPy 3 model"
	[ -x "$bin/virtual" ] || die "$bin/virtual missing (run: make bench)"
	vdir="$out/virtual"
	mkdir -p "$vdir"
	virt_csv="$out/virtual.csv"
	echo "load,records,run,sim_cpu_s,wall_s,max_rss_kb,events,peak_connections" >"$virt_csv"
	# vrun LOAD RECORDS RUN: one run of the incident at LOAD x its rate; its
	# figures come from run.log / the engine's own line and /usr/bin/time
	vrun() {
		local k=$1 rec=$2 r=$3 d="$vdir/x$1-$2-$3" rate
		rate=$(awk -v k="$k" 'BEGIN { print 4 * k }')
		rm -rf "$d"
		mkdir -p "$d"
		/usr/bin/time -f '%e %M' -o "$d/time.txt" "$bin/virtual" --scenario "$root/scenarios/incident.json" \
			--set "load.rate=$rate" --records "$rec" --out "$d" >"$d/out.txt"
		awk -v k="$k" -v rec="$rec" -v r="$r" -v t="$(cat "$d/time.txt")" '
			/^virtual: / { ev = $2; sim = $6 / 1000; pk = $(NF - 3) }
			END { split(t, a, " "); printf "%s,%s,%s,%.6f,%s,%s,%s,%s\n", k, rec, r, sim, a[1], a[2], ev, pk }' "$d/out.txt" >>"$virt_csv"
	}
	cmd "virtual --scenario scenarios/incident.json --set load.rate=4*K --records none|full|summary --out DIR   # K = 1, 10, 100; $virtual_runs runs each; /usr/bin/time for wall and peak RSS"
	for ((r = 1; r <= virtual_runs; r++)); do
		vrun 1 none "$r"
		vrun 1 full "$r"
		vrun 10 none "$r"
		vrun 10 summary "$r"
	done
	vrun 100 none 1
	for combo in "1 none" "1 full" "10 none" "10 summary" "100 none"; do
		read -r k rec <<<"$combo"
		sim=$(awk -F, -v k="$k" -v r="$rec" '$1 == k && $2 == r { print $4 }' "$virt_csv" | median)
		wall=$(awk -F, -v k="$k" -v r="$rec" '$1 == k && $2 == r { print $5 }' "$virt_csv" | median)
		rss=$(awk -F, -v k="$k" -v r="$rec" '$1 == k && $2 == r { print $6 }' "$virt_csv" | median)
		ev=$(awk -F, -v k="$k" -v r="$rec" '$1 == k && $2 == r { print $7 }' "$virt_csv" | median)
		row virtual "$k" "$rec" sim_cpu_s "$sim" s
		row virtual "$k" "$rec" wall_s "$wall" s
		row virtual "$k" "$rec" max_rss_kb "$rss" KiB
		row virtual "$k" "$rec" events "$ev" count
		row virtual "$k" "$rec" events_per_s "$(awk -v e="$ev" -v s="$sim" 'BEGIN { if (s > 0) printf "%.0f", e / s; else print "nan" }')" "1/s"
		printf '  %4sx load, records %-7s  simulation %8.4f s CPU  whole run %7.3f s  peak RSS %7s KiB  %9s events\n' \
			"$k" "$rec" "$sim" "$wall" "$rss" "$ev"
	done
	# memory grows with what is in flight: peak RSS against the most
	# connections (attempts on the wire) alive at once, at 1x, 10x, 100x
	for k in 1 10 100; do
		pk=$(awk -F, -v k="$k" '$1 == k && $2 == "none" { print $8 }' "$virt_csv" | median)
		rss=$(awk -F, -v k="$k" '$1 == k && $2 == "none" { print $6 }' "$virt_csv" | median)
		row virtual "$k" none peak_connections "$pk" count
		row virtual "$k" none rss_kb_per_connection "$(awk -v r="$rss" -v p="$pk" 'BEGIN { if (p > 0) printf "%.2f", r / p; else print "nan" }')" KiB
		printf '  %4sx load: at most %s connections in flight, peak RSS %s KiB\n' "$k" "$pk" "$rss"
	done

	# the peer: SimPy 3, the same incident at 1x and 10x (medians of runs)
	if "$simpy" -c 'import simpy' 2>/dev/null; then
		peer_csv="$out/simpy.csv"
		echo "load,run,sim_s,cpu_s,events" >"$peer_csv"
		cmd "$simpy bench/simpy_model.py scenarios/incident.json --scale-load K   # K = 1 ($virtual_runs runs), 10 (1 run)"
		for ((r = 1; r <= virtual_runs; r++)); do
			"$simpy" "$root/bench/simpy_model.py" "$root/scenarios/incident.json" --seed 42 >"$vdir/simpy-1-$r.txt"
			awk -v r="$r" '$1 == "sim_s" { s = $2 } $1 == "cpu_s" { c = $2 } $1 == "events" { e = $2 }
				END { printf "1,%s,%s,%s,%s\n", r, s, c, e }' "$vdir/simpy-1-$r.txt" >>"$peer_csv"
		done
		"$simpy" "$root/bench/simpy_model.py" "$root/scenarios/incident.json" --seed 42 --scale-load 10 >"$vdir/simpy-10-1.txt"
		awk '$1 == "sim_s" { s = $2 } $1 == "cpu_s" { c = $2 } $1 == "events" { e = $2 }
			END { printf "10,1,%s,%s,%s\n", s, c, e }' "$vdir/simpy-10-1.txt" >>"$peer_csv"
		for k in 1 10; do
			ps=$(awk -F, -v k="$k" '$1 == k { print $4 }' "$peer_csv" | median)
			pe=$(awk -F, -v k="$k" '$1 == k { print $5 }' "$peer_csv" | median)
			vs=$(awk -F, -v k="$k" '$1 == k && $2 == "none" { print $4 }' "$virt_csv" | median)
			row virtual "$k" simpy sim_cpu_s "$ps" s
			row virtual "$k" simpy events "$pe" count
			row virtual "$k" ratio simpy_over_virtual_cpu "$(ratio "$ps" "$vs")" x
			printf '  %4sx load, SimPy 3      simulation %8.4f s CPU  (%s events): %sx the virtual engine\n' \
				"$k" "$ps" "$pe" "$(ratio "$ps" "$vs")"
		done
		# a peer that disagrees proves nothing: its metrics against the
		# virtual engine's (which make crosscheck holds to the real chain)
		cmd "$simpy bench/simpy_compare.py scenarios/incident.json   # seeds 1..5, medians, the cross-check tolerances"
		if "$simpy" "$root/bench/simpy_compare.py" "$root/scenarios/incident.json" >"$vdir/simpy-compare.txt" 2>&1; then
			row virtual 1 simpy within_tolerance 1 bool
		else
			row virtual 1 simpy within_tolerance 0 bool
		fi
		sed 's/^/  /' "$vdir/simpy-compare.txt"
	else
		echo "  SimPy 3 not importable by $simpy (python3-simpy3): the peer is skipped"
	fi
fi

echo "load_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
echo "seconds: $(($(date +%s) - started))" >>"$out/machine.txt"
"$root/bench/results.sh" "$out" >"$out/results.md"
# bench/results.md and results.csv are the figures of a full run: a run of
# some sections only (BENCH_SECTIONS) keeps its results in its own folder.
full=1
for s in $all_sections; do want "$s" || full=0; done
if [ "$full" = 1 ]; then
	cp "$out/results.md" "$root/bench/results.md"
	cp "$csv" "$root/bench/results.csv"
	echo
	echo "bench: $(($(date +%s) - started)) s; figures in $csv, summary in bench/results.md"
else
	echo
	echo "bench: $(($(date +%s) - started)) s; figures in $csv, summary in $out/results.md"
	echo "  (not every section ran: bench/results.md and bench/results.csv are left as they were)"
fi
