#!/usr/bin/env bash
# lint.sh: build/bin/lint on the shipped scenarios and on the files of
# tests/lint: its exit status (0 without an error, 1 with one or with a
# warning under --strict, 2 for a bad scenario or bad usage), the incident's
# 54 queries, where a finding points, --set, and the CSV output.  Needs
# CASCADE_BIN (make integration sets it).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
tmp=$(mktemp -d /tmp/cascade-lint-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "lint.sh: FAIL: $*" >&2; exit 1; }
cd "$root"

status() { # status WANT ARGS...: lint ARGS exits WANT; its output in $tmp/out, $tmp/err
	local rc=0
	"$bin/lint" "${@:2}" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$1" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "lint ${*:2}: exit $rc, want $1"; }
}

# Every shipped scenario: no error; those with a warning fail --strict.
for f in scenarios/*.json scenarios/remedies/*.json; do
	status 0 "$f"
	if grep -q ': warning: ' "$tmp/out"; then strict=1; else strict=0; fi
	status "$strict" "$f" --strict
	echo "ok: $f: exit 0, --strict $strict ($(grep -c ': warning: ' "$tmp/out" || true) warnings)"
done

status 0 scenarios/incident.json
grep -q '^scenarios/incident.json:31:7: warning: tiers.svc_b.retries: up to 54 database queries per client request' \
	"$tmp/out" || fail "incident.json: no 54 at tiers.svc_b.retries"
status 0 scenarios/single-deadline.json
if grep -q 'orphaned work' "$tmp/out"; then fail "single-deadline.json warns about orphaned work"; fi
echo "ok: the incident's 54 queries; no orphaned work in single-deadline.json"

status 0 tests/lint/clean.json --strict
if [ "$(wc -l <"$tmp/out")" != 1 ] || ! grep -q ': note: tiers.svc_b.retries: up to 6 database queries' "$tmp/out"; then
	fail "clean.json: expected the worst-case note alone, got: $(cat "$tmp/out")"
fi
status 1 tests/lint/late-retry.json
grep -q '^tests/lint/late-retry.json:13:89: error: tiers.svc_b.retries: ' "$tmp/out" || fail "late-retry.json: no error"
status 1 tests/lint/hedge-delay.json
grep -q ': error: tiers.svc_b.hedge.delay: ' "$tmp/out" || fail "hedge-delay.json: no error"
echo "ok: clean.json passes --strict; late-retry.json and hedge-delay.json exit 1"

# A value from a --set is blamed on it.
status 1 tests/lint/clean.json --strict --set load.client_timeout=20s
grep -q '^--set load.client_timeout=20s: warning: load.client_timeout: ' "$tmp/out" || fail "--set: not blamed"
echo "ok: --set"

# A bad scenario: the loader's message and status 2, as a run would give.
printf '{\n  "tiers": {"svc_a": {"retires": 2}}\n}\n' >"$tmp/bad.json"
status 2 "$tmp/bad.json"
grep -qx "lint: $tmp/bad.json:2:23: tiers.svc_a.retires: unknown key (did you mean 'retries'?)" "$tmp/err" ||
	fail "bad scenario: $(cat "$tmp/err")"
status 2 scenarios/incident.json --set tiers.svc_b.retries=many
status 2 --format xml scenarios/incident.json
status 2
status 0 --help
echo "ok: bad scenario, bad usage"

status 0 scenarios/incident.json --format csv
[ "$(head -n1 "$tmp/out")" = "file,line,col,origin,set,severity,rule,key,value,message,suggestion" ] || fail "csv header"
grep -q '^scenarios/incident.json,31,7,file,,warning,amplification,tiers.svc_b.retries,54,' "$tmp/out" ||
	fail "csv: no amplification row"
[ "$(wc -l <"$tmp/out")" = 11 ] || fail "csv: $(wc -l <"$tmp/out") lines, want a header and 10 findings"
echo "ok: csv"
