#!/usr/bin/env bash
# scenarios.sh: both headline scenarios through run_scenario.sh at a fast time
# scale; the storm and no-storm properties from summary.csv, and the records'
# consistency through `report check`: each client attempt once in
# requests.csv, every span's parent present, attempts sent by a tier =
# requests received by the next + those cut.
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

for s in incident single-deadline; do
	"$root/scripts/run_scenario.sh" "$root/scenarios/$s.json" -o "$work/$s" --time-scale "$scale" --quiet \
		${seed:+--seed "$seed"} \
		>"$work/$s.out" 2>&1 || { cat "$work/$s.out" >&2; fail "$s: run_scenario.sh failed"; continue; }
	for f in requests.csv spans.csv stats.csv timeseries.csv summary.csv scenario.json run.log; do
		[ -s "$work/$s/$f" ] || fail "$s: $f missing or empty"
	done
	# nothing lost: every CSV whole, each client attempt once, every parent
	# present, attempts sent = requests received + cut (report/README.md)
	if "$CASCADE_BIN/report" check "$work/$s" >"$work/$s.check" 2>&1; then
		echo "ok: $s: report check: $(tail -n1 "$work/$s.check")"
	else
		cat "$work/$s.check" >&2
		fail "$s: report check found the records inconsistent (above)"
	fi
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
