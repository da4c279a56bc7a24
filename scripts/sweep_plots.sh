#!/usr/bin/env bash
# sweep_plots.sh: the plots and the page of a sweep folder (sweep.sh sources
# it; run alone it redraws a folder: scripts/sweep_plots.sh DIR [TITLE]).
# One varied dimension: each metric against it, the median over the seeds
# and their spread; two: heatmaps of client_success_ratio, recovery_s
# (never recovering: a colour of its own) and db_hits_per_request.  Into
# DIR/plots/ (SVG; the heatmaps also PNG) and DIR/sweep.html, a page with
# every image inline and nothing loaded from outside.

# sweep_plots DIR SEEDS ENGINE TITLE
sweep_plots() {
	local out=$1 seeds=$2 engine=$3 title=$4 p=$1/plots nd
	rm -rf "$p"
	mkdir -p "$p"
	nd=$(wc -l <"$out/job/dims.tsv")

	# Per point (agg.tsv) and per run (seeds.tsv), tab-separated, NaN where
	# no number: pid, each dimension's index, its x (the number when every
	# value of the dimension is a number or a duration in one unit, else the
	# index), then four columns per metric: median, min, max, seeds with a
	# value.  recovery_s counts a run that never recovered as infinite: its
	# median is the upper one, NaN when that is infinite (at least half the
	# seeds never recovered).
	awk -F'\t' -v seeds="$seeds" -v pts="$out/points" -v nd="$nd" -v p="$p" '
	function num(s) { return s ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/ }
	function sortn(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
	BEGIN { nm = 0; INF = 1e300 * 1e300 }
	{
		np++; pid[np] = $1
		for (d = 1; d <= nd; d++) { ix[np, d] = $(1 + d); show[np, d] = $(1 + nd + d); axis[d, $(1 + d)] = $(1 + nd + d); if ($(1 + d) > nx[d]) nx[d] = $(1 + d) }
		for (s = 1; s <= seeds; s++) {
			fn = pts "/" $1 "-s" s ".csv"; n = 0
			while ((getline l < fn) > 0) {
				if (++n == 1) continue
				split(l, f, ",")
				if (!(f[1] in mi)) { mi[f[1]] = ++nm; mname[nm] = f[1] }
				v[np, s, mi[f[1]]] = f[2]
			}
			close(fn)
			has[np, s] = n > 0
		}
	}
	END {
		# a dimension is numeric when each value is a number with one unit
		for (d = 1; d <= nd; d++) {
			isnum[d] = 1; unit[d] = "?"
			for (i = 1; i <= nx[d]; i++) {
				s = axis[d, i]
				if (!match(s, /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?/)) { isnum[d] = 0; break }
				u = substr(s, RLENGTH + 1); xv[d, i] = substr(s, 1, RLENGTH) + 0
				if (u !~ /^(|ns|us|ms|s|m|h)$/ || (unit[d] != "?" && u != unit[d])) { isnum[d] = 0; break }
				unit[d] = u
			}
			if (!isnum[d]) unit[d] = ""
			printf "%d\t%d\t%d\t%s\n", d, nx[d], isnum[d], unit[d] > (p "/dims.tsv")
			for (i = 1; i <= nx[d]; i++) printf "%d\t%s\n", i, axis[d, i] > (p "/axis-" d ".tsv")
		}
		for (m = 1; m <= nm; m++) {
			plottable = 0
			for (i = 1; i <= np && !plottable; i++) for (s = 1; s <= seeds; s++) if (num(v[i, s, m])) { plottable = 1; break }
			printf "%d\t%s\t%d\n", m, mname[m], plottable > (p "/metrics.tsv")
		}
		for (i = 1; i <= np; i++) {
			line = pid[i]
			for (d = 1; d <= nd; d++) line = line "\t" ix[i, d]
			for (d = 1; d <= nd; d++) line = line "\t" (isnum[d] ? xv[d, ix[i, d]] : ix[i, d])
			for (m = 1; m <= nm; m++) {
				k = 0; nv = 0; delete a
				rec = mname[m] == "recovery_s"
				for (s = 1; s <= seeds; s++) {
					if (!has[i, s]) continue
					x = v[i, s, m]
					if (num(x)) { a[++k] = x + 0; nv++ } else if (rec) a[++k] = INF
				}
				sortn(a, k)
				if (k == 0) med = "NaN"
				else if (rec) med = (a[int(k / 2) + 1] == INF ? "NaN" : a[int(k / 2) + 1])
				else med = (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2)
				lo = "NaN"; hi = "NaN"
				for (j = 1; j <= k; j++) if (a[j] != INF) { if (lo == "NaN" || a[j] < lo) lo = a[j]; if (hi == "NaN" || a[j] > hi) hi = a[j] }
				line = line "\t" med "\t" lo "\t" hi "\t" nv
			}
			print line > (p "/agg.tsv")
			for (s = 1; s <= seeds; s++) {
				if (!has[i, s]) continue
				line = (isnum[1] ? xv[1, ix[i, 1]] : ix[i, 1]) "\t" s
				for (m = 1; m <= nm; m++) line = line "\t" (num(v[i, s, m]) ? v[i, s, m] : "NaN")
				print line > (p "/seeds.tsv")
			}
		}
	}' "$out/job/grid.tsv"
	[ -s "$p/agg.tsv" ] || { echo "sweep: no runs to plot" >&2; return 1; }

	local -a figs=() caps=()
	local keys1 nx1 num1 unit1 keys2 nx2 unit2
	IFS=$'\t' read -r keys1 nx1 <<<"$(sed -n 1p "$out/job/dims.tsv")"
	IFS=$'\t' read -r _ _ num1 unit1 <<<"$(sed -n 1p "$p/dims.tsv")"
	if [ "$nd" -ge 2 ]; then
		IFS=$'\t' read -r keys2 nx2 <<<"$(sed -n 2p "$out/job/dims.tsv")"
		IFS=$'\t' read -r _ _ _ unit2 <<<"$(sed -n 2p "$p/dims.tsv")"
	fi
	local c_med c_min c_max c_n # columns of metric m in agg.tsv
	cols() { c_med=$((2 + 2 * nd + 4 * ($1 - 1))) c_min=$((c_med + 1)) c_max=$((c_med + 2)) c_n=$((c_med + 3)); }
	mcol() { awk -F'\t' -v n="$1" '$2 == n { print $1 }' "$p/metrics.tsv"; }

	if [ "$nd" = 1 ]; then
		local xcol=$((2 + nd)) xl xt="" m name ok
		xl=$keys1
		[ "$num1" = 1 ] && [ -n "$unit1" ] && xl+=" ($unit1)"
		[ "$num1" = 1 ] || xt="set xtics ($(sp_tics "$p/axis-1.tsv")) rotate by -30; set xrange [0.5:$nx1.5]"
		while IFS=$'\t' read -r m name ok; do
			[ "$ok" = 1 ] || continue
			cols "$m"
			sp_gnuplot "$p/$name" svg 900,560 <<EOF
set title $(sp_gq "$name")
set xlabel $(sp_gq "$xl")
$xt
set key outside top center horizontal
plot $(sp_gq "$p/seeds.tsv") using 1:$((m + 2)) with points pt 7 ps 0.7 lc rgb '#9db0cc' title 'each seed', \
     $(sp_gq "$p/agg.tsv") using $xcol:$c_med:$c_min:$c_max with yerrorlines lw 3 pt 7 ps 1.2 lc rgb '#1f5fa8' title 'median (bar: min to max)'
EOF
			figs+=("$p/$name.svg") caps+=("$name")
			if [ "$name" = recovery_s ]; then
				sp_gnuplot "$p/recovered" svg 900,560 <<EOF
set title 'recovered (seeds)'
set xlabel $(sp_gq "$xl")
$xt
set yrange [-0.2:$seeds.5]
set ytics 1
plot $(sp_gq "$p/agg.tsv") using $xcol:$c_n with linespoints lw 3 pt 7 ps 1.2 lc rgb '#2e9e44' notitle
EOF
				figs+=("$p/recovered.svg") caps+=("seeds (of $seeds) that recovered: recovery_s finite")
			fi
		done <"$p/metrics.tsv"
	elif [ "$nd" = 2 ]; then
		local m
		for name in client_success_ratio recovery_s db_hits_per_request; do
			m=$(mcol "$name")
			[ -n "$m" ] || continue
			cols "$m"
			sp_heatmap "$p" "$name" "$c_med" "$keys1${unit1:+ ($unit1)}" "$nx1" "$keys2${unit2:+ ($unit2)}" "$nx2" "$seeds" "$title"
			figs+=("$p/map-$name.svg")
			caps+=("$(sp_caption "$name" "$seeds")")
		done
	fi
	sp_page "$out" "$title" "$engine" "$seeds" "$nd" "${#figs[@]}" "${figs[@]}" "${caps[@]}"
}

# A gnuplot string literal: single quotes, a quote doubled.
sp_gq() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }
sp_tics() { # the tics of an axis file: "label" index, ...
	awk -F'\t' '{ gsub(/\\/, "\\\\", $2); gsub(/"/, "\\\"", $2); printf "%s\"%s\" %d", (NR > 1 ? ", " : ""), $2, $1 }' "$1"
}
sp_caption() {
	case "$1" in
	client_success_ratio) echo "client success ratio, the median over $2 seeds" ;;
	recovery_s) echo "recovery time after the fault (s), the upper median over $2 seeds; dark: not recovered within the run (at least half the seeds)" ;;
	db_hits_per_request) echo "database hits per client request, the median over $2 seeds (log colour scale)" ;;
	*) echo "$1" ;;
	esac
}

# sp_gnuplot BASE svg|png|both WxH: the plot commands on stdin, with the
# common look; a failure leaves BASE.log.
sp_gnuplot() {
	local base=$1 kinds=$2 size=$3 body
	body=$(cat)
	{
		cat <<EOF
set encoding utf8
set datafile separator '\t'
set border lw 1.5
set grid lw 1 lc rgb '#dddddd'
set tics nomirror out
set title font ',20'
EOF
		if [ "$kinds" != png ]; then
			echo "set terminal svg size $size noenhanced font 'DejaVu Sans,18' background '#ffffff'"
			echo "set output $(sp_gq "$base.svg")"
			echo "$body"
		fi
		if [ "$kinds" != svg ]; then
			echo "set terminal pngcairo size $size noenhanced font 'DejaVu Sans,16' background '#ffffff'"
			echo "set output $(sp_gq "$base.png")"
			if [ "$kinds" = both ]; then echo replot; else echo "$body"; fi
		fi
		echo "set output"
	} | gnuplot >"$base.log" 2>&1 || { echo "sweep: gnuplot failed on $base (see $base.log)" >&2; return 1; }
	rm -f "$base.log"
}

# sp_heatmap PLOTS METRIC MEDCOL XLABEL NX YLABEL NY SEEDS TITLE:
# one cell per point, the first dimension across, the second up, each
# cell labelled with its value.
sp_heatmap() {
	local p=$1 name=$2 c=$3 xl=$4 nx=$5 yl=$6 ny=$7 seeds=$8 title=$9
	local ix=2 iy=3 big fs palette fmt never="" cb
	big=$((nx > ny ? nx : ny))
	fs=$((big <= 6 ? 16 : big <= 10 ? 13 : big <= 16 ? 11 : 9))
	case "$name" in
	client_success_ratio)
		palette="set palette defined (0 '#c0392b', 0.5 '#f4d03f', 1 '#27ae60')"
		cb="set cbrange [0:1]"
		fmt='sprintf("%.2f", column(C))' ;;
	recovery_s)
		palette="set palette defined (0 '#27ae60', 0.5 '#f4d03f', 1 '#c0392b')"
		cb="set cbrange [0:*]"
		fmt='sprintf("%.0f", column(C))'
		never=1 ;;
	db_hits_per_request)
		palette="set palette defined (0 '#fff3e0', 0.5 '#f5a05a', 1 '#c0392b')"
		cb="set logscale cb; set cbrange [1:*]"
		fmt='sprintf("%.1f", column(C))' ;;
	*)
		palette="set palette defined (0 '#f7fbff', 1 '#2171b5')"
		cb="set cbrange [*:*]"
		fmt='sprintf("%.3g", column(C))' ;;
	esac
	fmt=${fmt//C/$c}
	local data
	data=$(sp_gq "$p/agg.tsv")
	local plot="plot $data using $ix:$iy:(0.5):(0.5):$c with boxxyerror fs solid 1.0 noborder lc palette notitle"
	if [ -n "$never" ]; then
		plot+=", $data using (valid($c) ? 1/0 : column($ix)):$iy:(0.5):(0.5) with boxxyerror fs solid 1.0 noborder lc rgb '#3b1f5c' notitle"
		plot+=", NaN with boxes fs solid 1.0 lc rgb '#3b1f5c' title 'not recovered within the run'"
		plot+=", $data using $ix:$iy:(valid($c) ? '' : 'never') with labels font ',$fs' tc rgb '#ffffff' notitle"
	else
		plot+=", $data using $ix:$iy:(valid($c) ? '' : 'no data') with labels font ',$fs' tc rgb '#666666' notitle"
	fi
	plot+=", $data using $ix:$iy:(valid($c) ? $fmt : '') with labels font ',$fs' tc rgb '#111111' notitle"
	sp_gnuplot "$p/map-$name" both 1200,820 <<EOF
set title $(sp_gq "$title")."\n".$(sp_gq "$name, the median of $seeds seed$([ "$seeds" = 1 ] || echo s)")
set xlabel $(sp_gq "$xl")
set ylabel $(sp_gq "$yl")
set xrange [0.5:$nx.5]
set yrange [0.5:$ny.5]
set xtics ($(sp_tics "$p/axis-1.tsv")) rotate by -30
set ytics ($(sp_tics "$p/axis-2.tsv"))
unset grid
set key outside top right horizontal
set colorbox
$palette
$cb
$plot
EOF
}

sp_html() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'; }

# sp_page DIR TITLE ENGINE SEEDS NDIMS NFIGS FIG... CAPTION...
sp_page() {
	local out=$1 title=$2 engine=$3 seeds=$4 nd=$5 n=$6 desc npoints dims
	shift 6
	local -a figs=("${@:1:n}") caps=("${@:n+1:n}")
	desc=$(jq -r '.description // ""' "$out/job/scenario.json" 2>/dev/null || true)
	npoints=$(wc -l <"$out/job/points.tsv")
	dims=$(cut -f1 "$out/job/dims.tsv" | paste -sd';' | sed 's/;/; /g')
	{
		cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cascade sweep: $(sp_html <<<"$title")</title>
<style>
*{box-sizing:border-box}
body{margin:0 auto;max-width:1500px;padding:24px 40px 80px;font:20px/1.4 'DejaVu Sans',Verdana,Arial,sans-serif;color:#1a1a1a;background:#fff}
h1{font-size:40px;margin:8px 0 4px}
h2{font-size:30px;margin:40px 0 12px;padding-bottom:6px;border-bottom:4px solid #2b5797}
.desc{font-size:22px;max-width:60em;margin:8px 0}
.meta{color:#444}
code{font-family:'DejaVu Sans Mono',monospace;font-size:0.85em;background:#f1f1f1;padding:0 4px;word-break:break-all}
figure{margin:16px 0}
figure img{width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:18px;color:#333}
.maps figure img{max-width:1200px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(600px,1fr));gap:16px}
table{border-collapse:collapse;font-size:17px}
th,td{padding:3px 10px;text-align:right;font-variant-numeric:tabular-nums}
thead th{border-bottom:3px solid #2b5797;color:#2b5797;text-align:center}
tbody tr:nth-child(even){background:#f4f4f4}
td.v{text-align:left;font-family:'DejaVu Sans Mono',monospace}
td.never{color:#3b1f5c;font-weight:bold}
footer{margin-top:40px;color:#666;font-size:16px}
</style>
</head>
<body>
<h1>$(sp_html <<<"$title")</h1>
EOF
		[ -z "$desc" ] || echo "<p class=\"desc\">$(sp_html <<<"$desc")</p>"
		echo "<p class=\"meta\">$engine engine; $npoints points &times; $seeds seeds; varied: $(sp_html <<<"$dims")</p>"
		echo "<p class=\"meta\"><code>$(sp_html <"$out/job/command")</code></p>"
		if [ "$nd" = 2 ]; then
			echo '<h2 id="maps">Maps</h2>'
			echo '<div class="maps">'
		elif [ "$nd" = 1 ]; then
			echo '<h2 id="metrics">Each metric against the varied value</h2>'
			echo "<p class=\"meta\">Light dots: each seed; the line: the median over the $seeds seeds; the bars: from the smallest to the largest.</p>"
			echo '<div class="grid">'
		else
			echo "<p class=\"meta\">$nd varied dimensions: no plots (one gives curves, two give maps); sweep.csv has every run.</p>"
			echo '<div>'
		fi
		local i
		for ((i = 0; i < n; i++)); do
			[ -s "${figs[i]}" ] || continue
			printf '<figure><img src="data:image/svg+xml;base64,%s" alt="%s"><figcaption>%s</figcaption></figure>\n' \
				"$(base64 -w0 "${figs[i]}")" "$(basename "${figs[i]}" .svg)" "$(sp_html <<<"${caps[i]}")"
		done
		echo '</div>'
		sp_table "$out" "$nd" "$seeds"
		echo "<footer>sweep.csv: every run's metrics (one row per point and seed); plots/: the images and their data.</footer>"
		echo '</body>'
		echo '</html>'
	} >"$out/sweep.html.tmp"
	mv "$out/sweep.html.tmp" "$out/sweep.html"
}

# The points, medians over the seeds of the headline metrics.
sp_table() {
	local out=$1 nd=$2 seeds=$3 p=$1/plots
	echo '<h2 id="points">Points</h2>'
	awk -F'\t' -v nd="$nd" -v seeds="$seeds" -v dims="$out/job/dims.tsv" -v mt="$p/metrics.tsv" -v grid="$out/job/grid.tsv" '
	function h(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
	function fmt(x) { return x == "NaN" ? "-" : sprintf("%.4g", x) }
	BEGIN {
		while ((getline l < mt) > 0) { split(l, f, "\t"); col[f[2]] = 2 + 2 * nd + 4 * (f[1] - 1) }
		while ((getline l < grid) > 0) { split(l, f, "\t"); for (d = 1; d <= nd; d++) show[f[1], d] = f[1 + nd + d] }
		nshow = split("client_success_ratio recovery_s db_hits_per_request latency_p99_ms goodput_rps", want, " ")
		printf "<table>\n<thead><tr>"
		while ((getline l < dims) > 0) { split(l, f, "\t"); printf "<th>%s</th>", h(f[1]) }
		for (i = 1; i <= nshow; i++) if (want[i] in col) printf "<th>%s</th>", want[i]
		printf "</tr></thead>\n<tbody>\n"
	}
	{
		printf "<tr>"
		for (d = 1; d <= nd; d++) printf "<td class=\"v\">%s</td>", h(show[$1, d])
		for (i = 1; i <= nshow; i++) {
			if (!(want[i] in col)) continue
			c = col[want[i]]
			if (want[i] == "recovery_s") {
				if ($c == "NaN") printf "<td class=\"never\">never (%d/%d)</td>", $(c + 3), seeds
				else printf "<td>%s (%d/%d)</td>", fmt($c), $(c + 3), seeds
			} else printf "<td>%s</td>", fmt($c)
		}
		printf "</tr>\n"
	}
	END { printf "</tbody>\n</table>\n<p class=\"meta\">Medians over the seeds; recovery_s: (seeds that recovered / seeds).</p>\n" }' "$p/agg.tsv"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case "${1:-}" in -h | --help) echo "usage: scripts/sweep_plots.sh SWEEP_DIR [TITLE]"; exit 0 ;; esac
	if [ $# -lt 1 ] || [ ! -d "$1/job" ]; then
		echo "usage: scripts/sweep_plots.sh SWEEP_DIR [TITLE]" >&2
		exit 2
	fi
	dir=$(cd "$1" && pwd)
	read -r eng _ nseeds <"$dir/job/mode"
	sweep_plots "$dir" "$nseeds" "$eng" "${2:-$(cat "$dir/job/title")}"
	echo "$dir/sweep.html"
fi
