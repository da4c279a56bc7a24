#!/usr/bin/env bash
# gallery.sh: the remedies side by side.  Runs the bare incident, the single
# deadline and every scenarios/remedies/*.json on the same seeds, and ranks
# them: by client success ratio, then the share of database work that
# reached a client, then recovery time (never recovering ranks last).
#   --engine virtual|real  default virtual; real runs the chain (minutes each)
#   --seeds N              seeds 1..N (default 5; 1 with the real engine)
#   --time-scale X         the real runs' scale (default: each file's)
#   --set KEY=VALUE        laid over every scenario (repeatable)
#   -o DIR                 default results/gallery
# Writes DIR/gallery.csv (medians over the seeds, in rank order),
# DIR/gallery.md (the same as a table), and, from each scenario's first
# seed, DIR/compare.csv (report compare) and DIR/report.html (one page, the
# plots overlaid).  Each run is DIR/<scenario>/seed-<k>.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# Results go under the checkout; an installed copy (make install) writes them
# under the working folder instead of its own install tree.
if [ -f "$root/Makefile" ]; then results=$root/results; else results=$PWD/results; fi
bin=${CASCADE_BIN:-$root/build/bin}
export CASCADE_BIN=$bin
engine=virtual seeds="" out=$results/gallery
common=()
while [ $# -gt 0 ]; do
	case "$1" in
	--engine) engine=${2:?--engine needs virtual or real}; shift 2 ;;
	--seeds) seeds=${2:?--seeds needs a number}; shift 2 ;;
	--time-scale) common+=(--time-scale "${2:?--time-scale needs a value}"); shift 2 ;;
	--set) common+=(--set "${2:?--set needs KEY=VALUE}"); shift 2 ;;
	-o) out=${2:?-o needs a folder}; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "gallery: unknown option '$1'" >&2; exit 2 ;;
	esac
done
case "$engine" in virtual | real) ;; *) echo "gallery: --engine $engine: expected virtual or real" >&2; exit 2 ;; esac
[ -n "$seeds" ] || { [ "$engine" = real ] && seeds=1 || seeds=5; }
[[ $seeds =~ ^[1-9][0-9]*$ ]] || { echo "gallery: --seeds $seeds: expected a whole number >= 1" >&2; exit 2; }
for b in virtual report gateway; do
	[ -x "$bin/$b" ] || { echo "gallery: $bin/$b missing (make)" >&2; exit 2; }
done

files=("$root/scenarios/incident.json" "$root/scenarios/single-deadline.json" "$root"/scenarios/remedies/*.json)
metrics=(client_success_ratio db_useful_work_ratio recovery_s db_hits_per_request latency_p50_ms
	retries_denied hedges breaker_open_s cache_hit_ratio throttled_ratio)
mkdir -p "$out"
out=$(cd "$out" && pwd)
started=$(date +%s)

metric() { awk -F, -v m="$2" '$1 == m { print $2 }' "$1/summary.csv"; }
median() { # the median of the numbers on stdin (empty lines skipped); empty when none
	awk '$1 != ""' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

rows=()
names=()
for f in "${files[@]}"; do
	name=$(basename "$f" .json)
	names+=("$name")
	for ((seed = 1; seed <= seeds; seed++)); do
		d="$out/$name/seed-$seed"
		rm -rf "$d"
		if [ "$engine" = virtual ]; then
			# the first seed keeps every record, for the page; the others a summary
			records=summary
			[ "$seed" = 1 ] && records=full
			mkdir -p "$d"
			"$bin/virtual" --scenario "$f" --out "$d" --seed "$seed" --records "$records" --quiet "${common[@]}" ||
				{ echo "gallery: $name seed $seed failed" >&2; exit 1; }
		else
			"$root/scripts/run_scenario.sh" "$f" -o "$d" --seed "$seed" --quiet "${common[@]}" >/dev/null ||
				{ echo "gallery: $name seed $seed failed" >&2; exit 1; }
		fi
	done
	line="$name"
	for m in "${metrics[@]}"; do
		v=$(for ((seed = 1; seed <= seeds; seed++)); do metric "$out/$name/seed-$seed" "$m"; done | median)
		line+=",$v"
	done
	# recovered in how many seeds: the verdict, beside the median of those that did
	k=$(for ((seed = 1; seed <= seeds; seed++)); do metric "$out/$name/seed-$seed" recovery_s; done | awk '$1 != ""' | wc -l)
	rows+=("$line,$k/$seeds")
	echo "gallery: $name done ($(($(date +%s) - started)) s)" >&2
done

# Rank: success (desc), useful work (desc), recovery (asc; never last).
header="scenario,$(IFS=,; echo "${metrics[*]}"),recovered"
printf '%s\n' "${rows[@]}" | awk -F, -v OFS=, '{ rec = ($4 == "") ? 1e18 : $4; print $2 + 0, $3 + 0, rec, $0 }' |
	sort -t, -k1,1gr -k2,2gr -k3,3g | cut -d, -f4- >"$out/ranked.tmp"
{ echo "$header"; cat "$out/ranked.tmp"; } >"$out/gallery.csv"
rm -f "$out/ranked.tmp"

{
	echo "# The remedies side by side"
	echo
	echo "$engine engine, seeds 1..$seeds, medians; $(date -u +%Y-%m-%d); \`scripts/gallery.sh --engine $engine --seeds $seeds\`."
	echo "Ranked by client success ratio, then useful database work, then recovery time."
	echo
	echo "| # | scenario | success | useful db work | recovery s (recovered) | db hits / request | p50 latency ms | retries denied | hedges | breaker open s | cache hits | throttled |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	awk -F, 'NR > 1 { printf "| %d | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s |\n", NR - 1, $1, $2, $3, ($4 == "" ? "never" : $4), $12, $5, $6, $7, $8, $9, ($10 == "" ? "-" : $10), $11 }' "$out/gallery.csv"
} >"$out/gallery.md"

# The first seed of each, in rank order: one comparison and one page.
dirs=()
while IFS=, read -r name _; do dirs+=("$out/$name/seed-1"); done < <(tail -n +2 "$out/gallery.csv")
if [ "$engine" = real ] || [ -e "${dirs[0]}/spans.csv" ]; then
	(cd "$out" && "$bin/report" compare "${dirs[@]}" -o compare.csv >/dev/null)
	if "$root/scripts/plot.sh" -o "$out/compare-plots" "${dirs[@]}" >"$out/plot.log" 2>&1; then
		"$bin/report" html -o "$out/report.html" "${dirs[@]}" >/dev/null 2>>"$out/plot.log" || true
	fi
fi
cat "$out/gallery.md"
echo "gallery: $out/gallery.csv, $out/gallery.md${dirs[0]:+, $out/report.html}"
