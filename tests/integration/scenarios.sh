#!/usr/bin/env bash
# scenarios.sh: both headline scenarios through run_scenario.sh at a fast time
# scale; the storm and no-storm properties from summary.csv, and the records'
# consistency: each client attempt once in requests.csv, every span's parent
# present, attempts sent by a tier = requests received by the next.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
export CASCADE_BIN=${CASCADE_BIN:-$root/build/bin}
scale=${CASCADE_TEST_SCALE:-0.05}
seed=${CASCADE_TEST_SEED:-}   # empty: the scenarios' own seed
work=$(mktemp -d /tmp/cascade-scen-XXXXXX)
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
metric() { awk -F, -v m="$2" '$1 == m { print $2 }' "$1/summary.csv"; }
# check "description" awk-condition-on-$v DIR metric
check() {
	local v
	v=$(metric "$3" "$4")
	if awk -v v="$v" "BEGIN { exit !($2) }"; then
		echo "ok: $1 ($4 = ${v:-empty})"
	else
		fail "$1 ($4 = ${v:-empty})"
	fi
}

consistency() { # consistency DIR
	local dir=$1 out
	# every client attempt exactly once, attempts numbered 1..n per request
	out=$(awk -F, 'NR > 1 { n[$1 "," $2]++; max[$1] = $2 > max[$1] ? $2 : max[$1]; cnt[$1]++ }
		END { for (k in n) if (n[k] != 1) { print "duplicate attempt " k; exit }
		      for (t in max) if (max[t] != cnt[t]) { print "attempts of " t " are not 1.." max[t]; exit } }' \
		"$dir/requests.csv")
	if [ -z "$out" ]; then
		echo "ok: $(basename "$dir"): each client attempt once in requests.csv"
	else
		fail "$(basename "$dir"): $out"
	fi
	# parents: gateway servers ← loadgen attempts; servers ← the previous tier's
	# client rows; client rows ← their own tier's server row.  An attempt
	# without a server row downstream must have been cut (cancelled or broken).
	# when each tier began to stop (scenario ms), from its log line
	local stops
	stops=$(awk '/ INFO SIG(TERM|INT): stopping/ { sub(/s$/, "", $2); printf "%s %s ", $1, $2 }' "$dir/run.log")
	out=$(awk -F, -v stops="$stops" '
		FNR == 1 { next }
		FILENAME ~ /requests.csv$/ { if ($8 != "not_sent") { attempt["client", $9] = $8; sent["client"]++ } next }
		{ tier = $4; kind = $5; span = $2; parent = $3
		  if (kind == "server") { server[tier, span] = 1; srv[tier]++; sparent[tier, NR] = parent; stier[NR] = tier }
		  else { client[tier, span] = $11; cparent[span] = parent; ctier[span] = tier; cend[span] = $8 + 0; sent[tier]++ } }
		END {
		  next_of["gateway"] = "svc_a"; next_of["svc_a"] = "svc_b"; next_of["svc_b"] = "dbsim"
		  n = split(stops, st, " "); for (i = 1; i + 1 <= n; i += 2) stop[st[i]] = st[i + 1] * 1000
		  prev["gateway"] = "client"; prev["svc_a"] = "gateway"; prev["svc_b"] = "svc_a"; prev["dbsim"] = "svc_b"
		  for (k in sparent) { split(k, a, SUBSEP); t = a[1]; p = sparent[k]
		    if (t == "gateway") { if (!(("client", p) in attempt)) { print "gateway server row without its loadgen attempt " p; exit } }
		    else if (!((prev[t], p) in client)) { print t " server row without its parent attempt " p; exit }
		    received[prev[t], p] = 1 }
		  for (s in cparent) if (!((ctier[s], cparent[s]) in server)) { print "client row " s " without its server row"; exit }
		  # An attempt with no server row below must have been cut (cancelled,
		  # broken) or have ended after the next tier began to stop (a tier
		  # whose loop lags can still be sending when the stop comes).
		  for (k in client) if (!(k in received) && client[k] != "cancelled" && client[k] != "conn_error") {
		    split(k, a, SUBSEP)
		    if (cend[a[2]] < stop[next_of[a[1]]]) { print a[1] " attempt " a[2] " (" client[k] ") never reached the next tier"; exit } }
		  for (k in attempt) if (!(k in received) && attempt[k] != "cancelled" && attempt[k] != "conn_error") {
		    split(k, a, SUBSEP); print "loadgen attempt " a[2] " (" attempt[k] ") never reached the gateway"; exit }
		  n = 0; for (k in received) n++
		  total = srv["gateway"] + srv["svc_a"] + srv["svc_b"] + srv["dbsim"]
		  if (n != total) print "received " n " != server rows " total
		}' "$dir/requests.csv" "$dir/spans.csv")
	if [ -z "$out" ]; then
		echo "ok: $(basename "$dir"): every parent present; attempts sent = requests received"
	else
		fail "$(basename "$dir"): $out"
	fi
}

for s in incident single-deadline; do
	"$root/scripts/run_scenario.sh" "$root/scenarios/$s.json" -o "$work/$s" --time-scale "$scale" --quiet \
		${seed:+--seed "$seed"} \
		>"$work/$s.out" 2>&1 || { cat "$work/$s.out" >&2; fail "$s: run_scenario.sh failed"; continue; }
	for f in requests.csv spans.csv stats.csv timeseries.csv summary.csv scenario.json run.log; do
		[ -s "$work/$s/$f" ] || fail "$s: $f missing or empty"
	done
	consistency "$work/$s"
done

inc=$work/incident sd=$work/single-deadline
# The incident storms ...
check "incident: dbsim hits per client request far above 1" 'v > 5' "$inc" db_hits_per_request
check "incident: most dbsim work wasted" 'v < 0.5' "$inc" db_useful_work_ratio
check "incident: no recovery within the run" 'v == ""' "$inc" recovery_s
check "incident: clients mostly fail" 'v < 0.6' "$inc" client_success_ratio
# ... and the single deadline does not.
check "single-deadline: hits per request near 1" 'v != "" && v < 1.3' "$sd" db_hits_per_request
check "single-deadline: little dbsim waste" 'v != "" && v > 0.8' "$sd" db_useful_work_ratio
check "single-deadline: recovers within seconds" 'v != "" && v <= 10' "$sd" recovery_s
check "single-deadline: clients mostly succeed" 'v > 0.9' "$sd" client_success_ratio

if [ "$failures" -gt 0 ]; then
	echo "scenarios.sh: $failures check(s) failed; runs kept in $work" >&2
	exit 1
fi
rm -rf "$work"
echo "scenarios.sh: all checks passed"
