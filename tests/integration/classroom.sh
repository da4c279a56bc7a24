#!/usr/bin/env bash
# classroom.sh: the classroom views on a short real run: scripts/plot.sh
# leaves every PNG and SVG (and the overlaid ones for two runs),
# `report trace` writes trace.json that parses as JSON with properly nested
# events per thread and the worst request in it, scripts/trace.sh prints the
# worst request's tree within 80 columns, `report info` names the fault, and
# `report check` finds the run's records consistent.
# Needs CASCADE_BIN (make integration sets it), gnuplot, and python3 or jq.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-classroom-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "classroom.sh: FAIL: $*" >&2; exit 1; }

"$root/scripts/run_scenario.sh" "$root/scenarios/incident.json" -o "$tmp/runs/inc" --quiet --time-scale 0.05 \
	--set load.duration=20s --set load.drain=20s --set faults.0.start=5s --set faults.0.end=10s \
	>"$tmp/run.out" 2>&1 || { cat "$tmp/run.out" >&2; fail "run_scenario.sh failed"; }
run=$tmp/runs/inc
"$bin/report" check "$run" >"$tmp/check.out" 2>&1 ||
	{ cat "$tmp/check.out" >&2; fail "report check: the run's records are inconsistent"; }

# report info: plain lines for scripts
info=$("$bin/report" info "$run")
grep -qx $'fault\t5\t10\tdbsim slowdown x20' <<<"$info" || fail "report info: no fault line in: $info"
grep -qx $'name\tincident' <<<"$info" || fail "report info: no name line"
grep -qx $'rate_rps\t4' <<<"$info" || fail "report info: no rate line"

# plots: per run, and overlaid for two runs into the default folder
cp -r "$run" "$tmp/runs/again"
"$root/scripts/plot.sh" "$run" "$tmp/runs/again" >"$tmp/plot.out" 2>&1 || { cat "$tmp/plot.out" >&2; fail "plot.sh failed"; }
check_plot() { # check_plot BASE
	[ "$(head -c 8 "$1.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$1.png is not a PNG"
	[ "$(stat -c %s "$1.png")" -gt 10000 ] || fail "$1.png is nearly empty"
	grep -q '<svg' "$1.svg" || fail "$1.svg is not an SVG"
}
for p in arrivals success inflight latency dbwork; do check_plot "$run/plots/$p"; done
for p in arrivals success latency; do check_plot "$tmp/runs/compare-plots/$p"; done
for d in arrivals success inflight latency_cdf dbwork; do
	[ "$(grep -vc '^#' "$run/plots/$d.dat")" -gt 0 ] || fail "plots/$d.dat has no data"
done
"$root/scripts/plot.sh" -o "$tmp/elsewhere" "$run" "$tmp/runs/again" >/dev/null 2>&1 || fail "plot.sh -o failed"
check_plot "$tmp/elsewhere/latency"

# trace.json: valid JSON, nested events per (pid, tid), the worst request in it
"$bin/report" trace "$run" >/dev/null || fail "report trace failed"
worst=$("$bin/report" waterfall "$run" | sed -n '1s/^request \([0-9a-f]*\):.*/\1/p')
[ -n "$worst" ] || fail "report waterfall named no request"
if command -v python3 >/dev/null; then
	python3 - "$run/trace.json" "$worst" <<'PY' || fail "trace.json check failed (above)"
import json, sys, collections
doc = json.load(open(sys.argv[1]))
assert doc["displayTimeUnit"] == "ms"
ev = doc["traceEvents"]
names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
assert names == {"client", "gateway", "svc_a", "svc_b", "dbsim"}, names
xs = [e for e in ev if e["ph"] == "X"]
assert xs, "no spans"
for e in xs:
    for k in ("outcome", "status", "attempt", "budget_ms", "lineage", "kind"):
        assert k in e["args"], (k, e)
    assert e["dur"] >= 0
lanes = collections.defaultdict(list)
for e in xs:
    lanes[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
for key, spans in lanes.items():
    spans.sort(key=lambda s: (s[0], -s[1]))
    open_ends = []
    for start, end in spans:
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        assert not open_ends or end <= open_ends[-1], ("overlap without nesting", key, start, end)
        open_ends.append(end)
assert any(e["args"]["trace_id"] == sys.argv[2] for e in xs), "the worst request is missing"
assert doc["otherData"]["worst_trace_id"] == sys.argv[2]
PY
elif command -v jq >/dev/null; then
	jq -e --arg w "$worst" '.traceEvents | map(select(.ph == "X" and .args.trace_id == $w)) | length > 0' \
		"$run/trace.json" >/dev/null || fail "trace.json: not JSON, or the worst request is missing"
else
	fail "neither python3 nor jq to read trace.json"
fi

# the terminal waterfall: 80 columns, one line per row it counts
COLUMNS=80 "$root/scripts/trace.sh" "$run" >"$tmp/wf.txt" || fail "trace.sh failed"
awk 'length($0) > 80 { print "line " NR " is " length($0) " columns"; bad = 1 } END { exit bad }' "$tmp/wf.txt" ||
	fail "waterfall wider than 80 columns"
rows=$(sed -n '2s/^[0-9]* dbsim hits\{0,1\}, \([0-9]*\) rows.*/\1/p' "$tmp/wf.txt")
[ -n "$rows" ] || fail "waterfall: no row count on line 2"
[ $(($(wc -l <"$tmp/wf.txt") - 4)) = "$rows" ] || fail "waterfall: $rows rows announced, $(($(wc -l <"$tmp/wf.txt") - 4)) printed"
COLUMNS=120 "$root/scripts/trace.sh" "$run" "${worst:0:10}" | cmp -s - <(COLUMNS=120 "$root/scripts/trace.sh" "$run") ||
	fail "a trace id prefix does not pick the same request"
if "$bin/report" waterfall "$run" ffffffffffffffffffffffffffffffff 2>/dev/null; then fail "an unknown trace id was accepted"; fi
echo "classroom.sh: ok"
