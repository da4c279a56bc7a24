#!/usr/bin/env bash
# sweep.sh: cascade sweep in the virtual engine.  A 2 x 2 grid on 2 seeds
# gives 8 rows, each combination and seed once, with the varied keys, the
# seed and every summary metric in summary.csv's order; --resume runs
# nothing when all is done and only the missing runs otherwise; a bad key
# or value stops it before anything runs with --set's own message; ranges
# of durations keep LO's unit; JSON arrays and keys set together work.
# Needs CASCADE_BIN (make integration sets it) and GNU parallel.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-sweep-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "sweep.sh: FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
command -v parallel >/dev/null || fail "GNU parallel is not installed (scripts/install-deps.sh)"

# A small scenario: 20 s of load, the database ten times slower for 5 s.
cat >"$tmp/small.json" <<'EOF'
{
  "name": "small",
  "load": {"arrival": "poisson", "rate": 20, "duration": "20s", "client_timeout": "2s", "drain": "5s"},
  "tiers": {"dbsim": {"workers": 4, "service_time": {"dist": "fixed", "value": "100ms"}}},
  "faults": [{"tier": "dbsim", "kind": "slowdown", "start": "5s", "end": "10s", "factor": 10}]
}
EOF
sweep=("$root/cascade/cascade" sweep "$tmp/small.json")

# ---- the grid ----------------------------------------------------------------
grid=(--vary "load.rate=10,30" --vary "tiers.svc_b.timeout=500ms,20s" --seeds 2 --no-plots -o "$tmp/g")
"${sweep[@]}" "${grid[@]}" >"$tmp/g.out" 2>&1 || { cat "$tmp/g.out" >&2; fail "the 2 x 2 sweep failed"; }
csv=$tmp/g/sweep.csv
[ "$(($(wc -l <"$csv") - 1))" = 8 ] || fail "$(($(wc -l <"$csv") - 1)) rows, expected 8"
"$bin/virtual" --scenario "$tmp/small.json" --out "$tmp/one" --records summary --quiet
want="load.rate,tiers.svc_b.timeout,seed,$(tail -n +2 "$tmp/one/summary.csv" | cut -d, -f1 | paste -sd,)"
[ "$(head -n1 "$csv")" = "$want" ] || fail "header: $(head -n1 "$csv"), expected $want"
ok "8 rows; columns: the varied keys, seed, then summary.csv's $(tail -n +2 "$tmp/one/summary.csv" | wc -l) metrics in order"
combos=$(tail -n +2 "$csv" | cut -d, -f1-3 | sort)
[ "$combos" = "$(printf '%s\n' 10,20s,1 10,20s,2 10,500ms,1 10,500ms,2 30,20s,1 30,20s,2 30,500ms,1 30,500ms,2)" ] ||
	fail "the combinations are not each point and seed once: $combos"
ok "each point and seed once"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["client_requests"] + 0 <= 0 || $c["engine"] != "virtual" { exit 1 }' "$csv" || fail "a row without requests or engine"
# a row is the summary of that run: point 30/500ms seed 2, run by hand
"$bin/virtual" --scenario "$tmp/small.json" --out "$tmp/hand" --records summary --quiet --seed 2 \
	--set load.rate=30 --set tiers.svc_b.timeout=500ms
row=$(grep '^30,500ms,2,' "$csv" | cut -d, -f4-)
[ "$row" = "$(tail -n +2 "$tmp/hand/summary.csv" | cut -d, -f2 | paste -sd,)" ] || fail "a row differs from the same run by hand"
ok "a row equals the same run's summary.csv"
[ ! -e "$tmp/g/runs" ] || fail "run folders kept without --keep"

# ---- --resume ----------------------------------------------------------------
touch "$tmp/mark"
sleep 1
"${sweep[@]}" "${grid[@]}" --resume >"$tmp/r.out" 2>&1 || { cat "$tmp/r.out" >&2; fail "--resume failed"; }
grep -q '8 done before, 0 to run' "$tmp/r.out" || { cat "$tmp/r.out" >&2; fail "--resume did not find all 8 runs done"; }
[ -z "$(find "$tmp/g/points" -type f -newer "$tmp/mark")" ] || fail "--resume ran something again"
ok "--resume with everything done runs nothing"
rm "$tmp/g/points/p0002-s1.csv" "$tmp/g/points/p0004-s2.csv"
"${sweep[@]}" "${grid[@]}" --resume >"$tmp/r2.out" 2>&1 || { cat "$tmp/r2.out" >&2; fail "the second --resume failed"; }
grep -q '6 done before, 2 to run' "$tmp/r2.out" || { cat "$tmp/r2.out" >&2; fail "--resume did not see 2 runs missing"; }
[ "$(tail -n +2 "$tmp/g/joblog" | wc -l)" = 2 ] || fail "--resume ran $(tail -n +2 "$tmp/g/joblog" | wc -l) runs, expected 2"
[ "$(find "$tmp/g/points" -type f -newer "$tmp/mark" | sort | xargs -n1 basename | paste -sd' ')" = "p0002-s1.csv p0004-s2.csv" ] ||
	fail "--resume ran other runs than the two missing ones"
[ "$(tail -n +2 "$csv" | cut -d, -f1-3 | sort)" = "$combos" ] || fail "sweep.csv after --resume differs"
ok "--resume after an interruption runs only the 2 missing runs"
# a real interruption: TERM once some runs are done, then --resume
long=("$root/scripts/sweep.sh" "$root/scenarios/metastable-retry.json" --vary "load.rate=150:290:20" --seeds 2 --no-plots
	--set load.duration=60s -j 1 -o "$tmp/int")
"${long[@]}" >"$tmp/int.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ "$(find "$tmp/int/points" -name '*.csv' 2>/dev/null | wc -l)" -ge 2 ] && break
	sleep 0.1
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || { cat "$tmp/int.out" >&2; fail "the interrupted sweep exited $rc, expected 130"; }
grep -q 'interrupted; go on with: .*--resume -o' "$tmp/int.out" || fail "no word on how to go on: $(tail -n1 "$tmp/int.out")"
before=$(find "$tmp/int/points" -name '*.csv' | wc -l)
[ "$before" -lt 16 ] || fail "the sweep ended before it was interrupted"
"${long[@]}" --resume >"$tmp/int2.out" 2>&1 || { cat "$tmp/int2.out" >&2; fail "--resume after the interruption failed"; }
grep -q "$before done before, $((16 - before)) to run" "$tmp/int2.out" || fail "after the interruption: $(head -n1 "$tmp/int2.out")"
[ "$(tail -n +2 "$tmp/int/joblog" | wc -l)" = $((16 - before)) ] || fail "--resume ran $(tail -n +2 "$tmp/int/joblog" | wc -l) runs"
[ "$(tail -n +2 "$tmp/int/sweep.csv" | cut -d, -f1,2 | sort -u | wc -l)" = 16 ] || fail "sweep.csv after the interruption is not whole"
ok "interrupted after $before of 16 runs (exit 130); --resume ran the other $((16 - before))"

if "${sweep[@]}" "${grid[@]}" >"$tmp/again.out" 2>&1; then fail "a second sweep into the same folder was not refused"; fi
grep -q 'already holds a sweep' "$tmp/again.out" || fail "no word on the folder in use: $(cat "$tmp/again.out")"
if "${sweep[@]}" --vary load.rate=10,20 --resume -o "$tmp/g" >"$tmp/other.out" 2>&1; then fail "--resume of another sweep went on"; fi
grep -q 'holds another sweep' "$tmp/other.out" || fail "no word on another sweep: $(cat "$tmp/other.out")"
ok "a folder holding a sweep is not reused by mistake"

# ---- a bad key or value: --set's message, before anything runs ----------------
bad() { # bad SET_ARG SWEEP_ARGS...: the sweep exits 2 with the engine's --set message
	local set=$1 want got
	shift
	want=$("$bin/virtual" --print-scenario --scenario "$tmp/small.json" --set "$set" 2>&1 >/dev/null || true)
	want="sweep: ${want#virtual: }"
	if "${sweep[@]}" "$@" -o "$tmp/bad" >"$tmp/bad.out" 2>&1; then fail "$*: accepted"; fi
	got=$(cat "$tmp/bad.out")
	[ "$got" = "$want" ] || fail "$*: said '$got', expected '$want'"
	[ ! -e "$tmp/bad" ] || fail "$*: made its output folder before failing"
	ok "$* -> $got"
}
bad load.rat=10 --vary load.rat=10,30
bad load.rate=abc --vary load.rate=10,abc
bad 'tiers.svc_b.retry_on=["5xx","timeot"]' --vary 'tiers.svc_b.retry_on=[["5xx"],["5xx","timeot"]]'
bad tiers.gateway.retries=11 --vary tiers.gateway.retries,tiers.svc_a.retries=1,11
if "${sweep[@]}" --vary load.rate=10:5:1 -o "$tmp/bad" >"$tmp/bad.out" 2>&1; then fail "a backward range was accepted"; fi
grep -q 'HI must not be below LO' "$tmp/bad.out" || fail "backward range: $(cat "$tmp/bad.out")"

# ---- ranges, JSON arrays, keys set together ------------------------------------
"${sweep[@]}" --vary faults.0.end=6s:7s:500ms --vary 'tiers.svc_b.retry_on=[["5xx"],["5xx","timeout"]]' \
	--vary tiers.gateway.retries,tiers.svc_a.retries=0,2 --seeds 1 --no-plots --quiet -o "$tmp/v" ||
	fail "the sweep of a range, a JSON array and a pair of keys failed"
[ "$(head -n1 "$tmp/v/sweep.csv" | cut -d, -f1-5)" = "faults.0.end,tiers.svc_b.retry_on,tiers.gateway.retries,tiers.svc_a.retries,seed" ] ||
	fail "header of the mixed sweep: $(head -n1 "$tmp/v/sweep.csv")"
[ "$(tail -n +2 "$tmp/v/sweep.csv" | wc -l)" = 12 ] || fail "the mixed sweep has $(tail -n +2 "$tmp/v/sweep.csv" | wc -l) rows, expected 3 x 2 x 2"
[ "$(tail -n +2 "$tmp/v/sweep.csv" | cut -d, -f1 | sort -u | paste -sd' ')" = "6.5s 6s 7s" ] ||
	fail "the range 6s:7s:500ms gave $(tail -n +2 "$tmp/v/sweep.csv" | cut -d, -f1 | sort -u | paste -sd' ')"
grep -q '^7s,"\[""5xx"",""timeout""\]",2,2,1,' "$tmp/v/sweep.csv" || fail "a JSON value or the pair of keys is not in sweep.csv as expected"
grep -Fqx $'p0012\tfaults.0.end=7s\ttiers.svc_b.retry_on=["5xx","timeout"]\ttiers.gateway.retries=2\ttiers.svc_a.retries=2' \
	"$tmp/v/job/points.tsv" || fail "the last point's --set list: $(tail -n1 "$tmp/v/job/points.tsv")"
ok "durations keep LO's unit; a JSON array's values and a pair of keys reach the runs"
echo "sweep.sh: ok"
