#!/usr/bin/env bash
# demo.sh: the classroom run.  The incident, then the single deadline, with the
# same seed and load, each with the live view; then the comparison, the plots
# and one HTML report, all under results/demo/; last, the maps of when
# retries tip a system over (scripts/maps.sh), linked from the report.
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
echo "=== the maps (virtual engine): when retries tip a system over"
"$root/scripts/maps.sh" -o "$out/maps"
# The maps' section at the end of the report, and a link to it at the top.
awk -v f="$out/maps/fragment.html" '
	/<\/main>/ { while ((getline l < f) > 0) { gsub(/@MAPS@/, "maps", l); print l } }
	!nav && /<\/nav>/ { sub(/<\/nav>/, "<a href=\"#maps\">Maps</a></nav>"); nav = 1 }
	{ print }' "$out/report.html" >"$out/report.html.tmp"
mv "$out/report.html.tmp" "$out/report.html"
echo
echo "report: $out/report.html"
echo "maps:   $out/maps/index.html  (hotos-recovery.png, incident-db-hits.png)"
echo "runs:   $out/incident  $out/single-deadline  (compare.csv, plots, trace.json inside)"
