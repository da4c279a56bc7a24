#!/usr/bin/env bash
# boundary.sh: cascade boundary on a scenario whose boundary is known
# exactly.  The database has 5 workers, a fixed 50 ms a query and no queue
# (100 queries/s); requests come evenly spaced, nothing retries, the
# network is ideal.  Every request succeeds while load.rate <= 100 and
# some are shed above it, so 'client_success_ratio>=1' flips at 100/s; and
# at 90/s (4.5 queries in service on average, 5 at the peaks) it flips
# between 4 and 5 workers.  The interval found must contain the flip, be
# no wider than the tolerance, and every seed must agree on both sides.
# Also: a verdict that does not parse or names no metric, and no flip.
# Needs CASCADE_BIN (make integration sets it) and GNU parallel.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-boundary-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "boundary.sh: FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

cat >"$tmp/edge.json" <<'EOF'
{
  "name": "capacity-edge",
  "description": "5 workers, 50 ms a query, no queue: 100 queries/s; evenly spaced requests, no retries, an ideal network.",
  "load": {"arrival": "constant", "rate": 50, "duration": "10s", "client_timeout": "5s", "client_retries": 0, "drain": "2s"},
  "network": {"hop_latency": {"dist": "fixed", "value": "0ms"}},
  "tiers": {
    "gateway": {"retries": 0}, "svc_a": {"retries": 0}, "svc_b": {"retries": 0},
    "dbsim": {"workers": 5, "queue_limit": 0, "service_time": {"dist": "fixed", "value": "50ms"}}
  }
}
EOF
boundary=("$root/cascade/cascade" boundary "$tmp/edge.json")

# check DIR LOW_MAX HIGH_MIN TOLERANCE: interval.csv holds [low, high] with
# low <= LOW_MAX, high >= HIGH_MIN, high - low <= TOLERANCE, all seeds agreeing
check() {
	local dir=$1 key lo hi vlo alo vhi ahi seeds
	IFS=, read -r key lo hi vlo alo vhi ahi seeds _ < <(tail -n1 "$dir/interval.csv")
	awk -v lo="${lo%s}" -v hi="${hi%s}" -v a="$2" -v b="$3" -v t="$4" \
		'BEGIN { exit !(lo <= a && hi >= b && hi - lo <= t * (1 + 1e-9)) }' ||
		fail "$key: [$lo, $hi] does not hold [$2, $3], or is wider than $4"
	[ "$vlo,$vhi" = true,false ] || fail "$key: verdicts $vlo at $lo, $vhi at $hi; expected true, false"
	[ "$alo,$ahi" = "$seeds,$seeds" ] || fail "$key: $alo and $ahi of $seeds seeds agree"
	ok "$key in [$lo, $hi]: holds the analytic boundary; $alo/$seeds and $ahi/$seeds seeds agree"
}

"${boundary[@]}" --vary load.rate=50:200 --verdict 'client_success_ratio>=1' --seeds 3 --tolerance 0.5 -o "$tmp/rate" \
	>"$tmp/rate.out" 2>&1 || { cat "$tmp/rate.out" >&2; fail "the search over load.rate failed"; }
check "$tmp/rate" 100 100 0.5
grep -q '^boundary: load.rate in \[' "$tmp/rate.out" || fail "no result line: $(cat "$tmp/rate.out")"

# a whole-number key is bisected on whole numbers: [4, 5]
"${boundary[@]}" --vary tiers.dbsim.workers=1:20 --verdict 'client_success_ratio>=1' --set load.rate=90 --seeds 2 \
	-o "$tmp/workers" >"$tmp/workers.out" 2>&1 || { cat "$tmp/workers.out" >&2; fail "the search over workers failed"; }
# the verdict is false below, true above: read it the other way round
IFS=, read -r _ lo hi vlo _ vhi _ < <(tail -n1 "$tmp/workers/interval.csv")
[ "$lo,$hi,$vlo,$vhi" = "4,5,false,true" ] || fail "workers: [$lo, $hi] $vlo/$vhi, expected [4, 5] false/true"
ok "tiers.dbsim.workers in [4, 5] at 90/s"

# a duration key: the unit of LO
"${boundary[@]}" --vary 'tiers.dbsim.service_time.value=20ms:100ms' --verdict 'client_success_ratio >= 1 and not (not_sent > 0)' \
	--seeds 1 --tolerance 1ms --set load.rate=100 -o "$tmp/dur" >"$tmp/dur.out" 2>&1 ||
	{ cat "$tmp/dur.out" >&2; fail "the search over a duration failed"; }
IFS=, read -r _ lo hi _ < <(tail -n1 "$tmp/dur/interval.csv")
awk -v lo="${lo%ms}" -v hi="${hi%ms}" 'BEGIN { exit !(lo <= 50 && hi >= 50 && hi - lo <= 1) }' || fail "service time: [$lo, $hi], expected it to hold 50ms"
ok "tiers.dbsim.service_time.value in [$lo, $hi] at 100/s (analytic: 50ms)"

# bad verdicts, and no flip
if "${boundary[@]}" --vary load.rate=50:200 --verdict 'client_success_ratio >=' -o "$tmp/bad1" >"$tmp/bad.out" 2>&1; then fail "a broken verdict was accepted"; fi
grep -q 'cannot read it' "$tmp/bad.out" || fail "broken verdict: $(cat "$tmp/bad.out")"
if "${boundary[@]}" --vary load.rate=50:200 --verdict '(recovered' -o "$tmp/bad2" >"$tmp/bad.out" 2>&1; then fail "an unbalanced verdict was accepted"; fi
grep -q 'not a well-formed expression' "$tmp/bad.out" || fail "unbalanced verdict: $(cat "$tmp/bad.out")"
if "${boundary[@]}" --vary load.rate=50:200 --verdict 'succes_ratio>0' --seeds 1 -o "$tmp/bad3" >"$tmp/bad.out" 2>&1; then fail "an unknown metric was accepted"; fi
grep -q "no metric 'succes_ratio'" "$tmp/bad.out" || fail "unknown metric: $(cat "$tmp/bad.out")"
if "${boundary[@]}" --vary load.rate=50:90 --verdict 'client_success_ratio>=1' --seeds 1 -o "$tmp/none" >"$tmp/none.out" 2>&1; then
	fail "a search without a flip succeeded"
fi
grep -q 'no flip' "$tmp/none.out" || fail "no flip: $(cat "$tmp/none.out")"
ok "bad verdicts and a range without a flip are refused"
echo "boundary.sh: ok"
