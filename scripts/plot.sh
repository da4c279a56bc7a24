#!/usr/bin/env bash
# plot.sh: the classroom plots of one or more runs, as PNG and SVG, sized and
# lettered for a projector.  Per run, into DIR/plots/:
#   arrivals  database arrivals per second against the offered client rate
#   success   client success ratio per second (by intended send time)
#   inflight  requests in flight per tier (awaiting an answer, solid) and
#             orphaned (answered or abandoned, work still running, dashed)
#   latency   client latency CDF
#   dbwork    database work per second, useful vs wasted (stacked)
# and for two or more runs, arrivals, success and latency overlaid (one line
# per run, labelled by scenario name) into OUT (-o; default compare-plots/
# beside the first DIR).  The data comes from `report series` and
# `report info`, so the plots use the summary's own definitions.
#   scripts/plot.sh DIR... [-o OUT]
# CASCADE_BIN=folder uses the report found there and skips the build.
set -euo pipefail

usage() {
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
out="" dirs=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o | --out) out=${2:?-o needs a folder}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "plot: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) dirs+=("$1"); shift ;;
	esac
done
[ ${#dirs[@]} -gt 0 ] || { usage >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "plot: gnuplot is not installed (scripts/install-deps.sh)" >&2; exit 1; }
if [ -z "${CASCADE_BIN:-}" ]; then
	make -s -C "$root" --no-print-directory build/bin/report >&2 || { echo "plot: building report failed" >&2; exit 1; }
fi
for d in "${dirs[@]}"; do
	[ -d "$d" ] || { echo "plot: $d: no such run folder" >&2; exit 2; }
done

# A gnuplot string literal: single quotes, a quote doubled.
gq() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }

# The common look: big letters, thick lines, light grid, white background.
# $1 = output file without extension; the plot commands follow on stdin.
render() {
	local base=$1 body
	body=$(cat)
	# a run without data (nothing sent, no stats) has nothing to draw: say
	# so and go on with the other plots
	gnuplot 2>"$base.log" <<EOF || { echo "plot: $base: nothing to plot (see $base.log)" >&2; rm -f "$base.png" "$base.svg"; return 0; }
set encoding utf8
set datafile missing '?'
set border lw 2
set grid lw 1 lc rgb '#dddddd'
set tics nomirror
set xtics out
set ytics out
set lmargin 13
set rmargin 4
set autoscale xfix
set title font ',26'
set key inside top right opaque box lc rgb '#bbbbbb' samplen 2
set linetype 1 lc rgb '#1f5fa8' lw 3
set linetype 2 lc rgb '#d1495b' lw 3
set linetype 3 lc rgb '#2e9e44' lw 3
set linetype 4 lc rgb '#e08a00' lw 3
set linetype 5 lc rgb '#7b4fa0' lw 3
set linetype 6 lc rgb '#555555' lw 3
set terminal pngcairo size 1200,700 noenhanced font 'DejaVu Sans,22' linewidth 1.5 background '#ffffff'
set output $(gq "$base.png")
$body
set terminal svg size 1200,700 noenhanced font 'DejaVu Sans,22' linewidth 1.5 background '#ffffff'
set output $(gq "$base.svg")
replot
set output
EOF
	rm -f "$base.log"
}

# Shaded fault windows from `report info` lines; named in the key (see
# fault_key), not on the plot, where the key could hide the name.
fault_objects() { # fault_objects INFO
	local n=0 key start end label
	while IFS=$'\t' read -r key start end label; do
		[ "$key" = fault ] || continue
		n=$((n + 1))
		printf "set object %d rect from %s, graph 0 to %s, graph 1 behind fc rgb '#f6c9c9' fs solid 0.55 noborder\n" \
			"$n" "$start" "$end"
	done <<<"$1"
}
# The key entry for the shaded windows: ", NaN ... title 'fault: a; b'", or
# nothing without faults.  Arguments: `report info` outputs.
fault_key() {
	local labels
	labels=$(for i in "$@"; do awk -F'\t' '$1 == "fault" { print $4 " (" $2 "-" $3 " s)" }' <<<"$i"; done |
		awk '!seen[$0]++' | paste -sd ';' | sed 's/;/; /g')
	[ -n "$labels" ] || return 0
	printf ", NaN with boxes fs solid 0.55 fc rgb '#f6c9c9' title %s" "$(gq "fault: $labels")"
}
info_get() { # info_get INFO KEY
	awk -F'\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' <<<"$1"
}
# Room above the data for the key: the largest value of column 2 of the
# files, times factor (log axes need a bigger one).
top_of() { # top_of FACTOR FILE...
	local f=$1
	shift
	awk -v f="$f" '!/^#/ && $2 != "?" && $2 + 0 > m { m = $2 + 0 } END { print (m > 0 ? m * f : 10) }' "$@"
}

declare -a names infos
for i in "${!dirs[@]}"; do
	d=${dirs[$i]}
	"$bin/report" series "$d" >/dev/null
	info=$("$bin/report" info "$d")
	infos[i]=$info
	name=$(info_get "$info" name)
	[ -n "$name" ] || name=$(basename "$d")
	names[i]=$name
	p="$d/plots"
	rate=$(info_get "$info" rate_rps)
	workers=$(info_get "$info" db_workers)
	faults=$(fault_objects "$info")
	fk=$(fault_key "$info")

	render "$p/arrivals" <<EOF
$faults
set title $(gq "$name: database arrivals vs offered load")
set xlabel 'scenario time (s)'
set ylabel 'requests per second (log scale)'
set logscale y
set yrange [0.5:$(top_of 40 "$p/arrivals.dat")]
plot $(gq "$p/arrivals.dat") using 1:(\$2 > 0 ? \$2 : 0.5) with steps lt 2 title 'dbsim arrivals / s', \
     '' using 1:4 with lines lt 6 dt 2 title $(gq "offered client rate ($rate/s)")$fk
EOF
	render "$p/success" <<EOF
$faults
set title $(gq "$name: client success ratio")
set xlabel 'intended send time (s)'
set ylabel 'requests that succeeded (%)'
set yrange [0:140]
set ytics 0,20,100
plot $(gq "$p/success.dat") using 1:(\$4*100) with steps lt 3 title 'success ratio, per second'$fk
EOF
	render "$p/inflight" <<EOF
$faults
set title $(gq "$name: awaiting an answer (solid), orphaned (dashed)")
set xlabel 'scenario time (s)'
set ylabel 'requests'
# the key is two columns of five: room above the data for it
set offsets 0, 0, graph 0.5, 0
set key top left maxrows 5 samplen 1.5 font ',12'
plot $(gq "$p/inflight.dat") using 1:2 with lines lt 6 title 'client', \
     '' using 1:3 with lines lt 1 title 'gateway', \
     '' using 1:4 with lines lt 4 title 'svc_a', \
     '' using 1:5 with lines lt 2 title 'svc_b', \
     '' using 1:6 with lines lt 5 title 'dbsim', \
     '' using 1:7 with lines lt 1 dt 2 title 'orphaned', \
     '' using 1:8 with lines lt 4 dt 2 title 'orphaned', \
     '' using 1:9 with lines lt 2 dt 2 title 'orphaned', \
     '' using 1:10 with lines lt 5 dt 2 title 'orphaned'$fk
EOF
	render "$p/latency" <<EOF
set title $(gq "$name: client latency (completed requests)")
set xlabel 'latency (ms, log scale)'
set ylabel 'share of requests at or below (%)'
set logscale x
set yrange [0:140]
set ytics 0,20,100
set key top left
plot $(gq "$p/latency_cdf.dat") using 1:(\$2*100) with steps lt 1 title 'latency CDF'
EOF
	render "$p/dbwork" <<EOF
$faults
set title $(gq "$name: database work, useful vs wasted")
set xlabel 'scenario time (s)'
set ylabel 'busy workers (work-s per s)'
set yrange [0:$(top_of 1 "$p/dbwork.dat" | awk -v w="$workers" '{ print ($1 > w ? $1 : w) * 1.6 }')]
set boxwidth 1 absolute
plot $(gq "$p/dbwork.dat") using (\$1+0.5):(\$2+\$3) with boxes fs solid 1 border lc rgb '#d1495b' lc rgb '#d1495b' title 'wasted (reached no client)', \
     '' using (\$1+0.5):2 with boxes fs solid 1 border lc rgb '#2e9e44' lc rgb '#2e9e44' title 'useful (answer reached a client)', \
     $workers with lines lt 6 dt 2 title $(gq "workers ($workers)")$fk
EOF
	echo "plots: $p"
done

[ ${#dirs[@]} -ge 2 ] || exit 0

# Overlaid plots: one line per run; headings made unique like report compare.
if [ -z "$out" ]; then
	first=${dirs[0]%/}
	out="$(dirname "$first")/compare-plots"
fi
mkdir -p "$out"
declare -A seen=()
labels=()
for i in "${!names[@]}"; do
	label=${names[$i]} k=2
	while [ -n "${seen[$label]:-}" ]; do label="${names[$i]} ($k)"; k=$((k + 1)); done
	seen[$label]=1
	labels[i]=$label
done
faults=""
for i in "${!infos[@]}"; do faults+=$(fault_objects "${infos[$i]}")$'\n'; done
# objects from several runs share numbers; renumber so all are kept
faults=$(awk '/^set object [0-9]+ / { $3 = ++n } { print }' <<<"$faults")
fk=$(fault_key "${infos[@]}")
rate=$(info_get "${infos[0]}" rate_rps)
dats=()
for d in "${dirs[@]}"; do dats+=("$d/plots/arrivals.dat"); done
title=$(IFS=,; echo "${labels[*]}")
title=${title//,/ vs }

lines() { # lines FILE USING STYLE: one plot clause per run
	local i sep=""
	for i in "${!dirs[@]}"; do
		printf '%s%s using %s with %s lt %d title %s' "$sep" "$(gq "${dirs[$i]}/plots/$1")" "$2" "$3" \
			$((i % 5 + 1)) "$(gq "${labels[$i]}")"
		sep=", "
	done
}
# The single-quoted $2 and $4 below are gnuplot's column references.
# shellcheck disable=SC2016
render "$out/arrivals" <<EOF
$faults
set title $(gq "database arrivals: $title")
set xlabel 'scenario time (s)'
set ylabel 'requests per second (log scale)'
set logscale y
set yrange [0.5:$(top_of 40 "${dats[@]}")]
plot $(lines arrivals.dat '1:($2 > 0 ? $2 : 0.5)' steps), \
     $(gq "${dirs[0]}/plots/arrivals.dat") using 1:4 with lines lt 6 dt 2 title $(gq "offered client rate ($rate/s)")$fk
EOF
# shellcheck disable=SC2016
render "$out/success" <<EOF
$faults
set title $(gq "client success ratio: $title")
set xlabel 'intended send time (s)'
set ylabel 'requests that succeeded (%)'
set yrange [0:140]
set ytics 0,20,100
plot $(lines success.dat '1:($4*100)' steps)$fk
EOF
# shellcheck disable=SC2016
render "$out/latency" <<EOF
set title $(gq "client latency: $title")
set xlabel 'latency (ms, log scale)'
set ylabel 'share of requests at or below (%)'
set logscale x
set yrange [0:140]
set ytics 0,20,100
set key top left
plot $(lines latency_cdf.dat '1:($2*100)' steps)
EOF
echo "comparison plots: $out"
