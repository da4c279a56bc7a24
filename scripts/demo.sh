#!/usr/bin/env bash
# demo.sh: the classroom run.  The incident, then the single deadline, with the
# same seed and load, each with the live view; then the comparison, the plots
# and one HTML report, all under results/demo/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${CASCADE_DEMO_OUT:-$root/results/demo}
seed=${CASCADE_DEMO_SEED:-42}
bin=${CASCADE_BIN:-$root/build/bin}
export CASCADE_BIN=$bin

view=(--live)
[ -t 1 ] || view=(--quiet)

mkdir -p "$out"
for s in incident single-deadline; do
	echo
	echo "=== $s: $(sed -n 's/^[[:space:]]*"description":[[:space:]]*"\(.*\)",$/\1/p' "$root/scenarios/$s.json")"
	"$root/scripts/run_scenario.sh" "$root/scenarios/$s.json" -o "$out/$s" --force --seed "$seed" "${view[@]}"
done

echo
echo "=== side by side (seed $seed)"
(cd "$out" && "$bin/report" compare incident single-deadline -o compare.csv)
"$root/scripts/plot.sh" -o "$out/compare-plots" "$out/incident" "$out/single-deadline" >/dev/null
"$bin/report" html -o "$out/report.html" "$out/incident" "$out/single-deadline"
for s in incident single-deadline; do
	"$bin/report" html "$out/$s" >/dev/null
	"$bin/report" trace "$out/$s" >/dev/null
done
echo
echo "report: $out/report.html"
echo "runs:   $out/incident  $out/single-deadline  (compare.csv, plots, trace.json inside)"
