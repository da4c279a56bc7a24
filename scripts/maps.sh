#!/usr/bin/env bash
# maps.sh: the two classroom maps, drawn by sweeps in the virtual engine.
#   The HotOS'21 map: scenarios/metastable-retry.json (300 queries/s of
#     capacity, 1 s client timeout, one retry) over load x outage length,
#     shaded by recovery time; not recovering within the run has a colour
#     of its own.
#   The incident's map: scenarios/incident.json over retries per layer (the
#     same number at gateway, svc_a and svc_b: one dimension of three keys)
#     x database slowdown, shaded by database hits per client request.
#   scripts/maps.sh [-o DIR] [--seeds N] [-j N]
# DIR (default results/maps) gets hotos/ and incident/ (each a sweep folder
# with its sweep.csv and sweep.html), hotos-recovery.png|svg,
# incident-db-hits.png|svg, index.html (both maps on one self-contained
# page) and fragment.html (the same section, for make demo's report; its
# links start with @MAPS@, the folder's path from the page).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# Results go under the checkout; an installed copy (make install) writes them
# under the working folder instead of its own install tree.
if [ -f "$root/Makefile" ]; then results=$root/results; else results=$PWD/results; fi
bin=${CASCADE_BIN:-$root/build/bin}
export CASCADE_BIN=$bin
out=$results/maps seeds=1
pass=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o | --out) out=${2:?-o needs a folder}; shift 2 ;;
	--seeds) seeds=${2:?--seeds needs a number}; shift 2 ;;
	-j) pass+=(-j "${2:?-j needs a number}"); shift 2 ;;
	-h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "maps: unknown option '$1'" >&2; exit 2 ;;
	esac
done
[[ $seeds =~ ^[1-9][0-9]*$ ]] || { echo "maps: --seeds $seeds: expected a whole number >= 1" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "maps: gnuplot is not installed (scripts/install-deps.sh)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
sweep=("$root/scripts/sweep.sh")

# The outage as a length from 30 s, so the axis reads as the trigger's size;
# loads from a third of capacity to just under it.
echo "maps: the HotOS'21 map (load x outage length), virtual engine" >&2
"${sweep[@]}" "$root/scenarios/metastable-retry.json" --force --seeds "$seeds" "${pass[@]}" -o "$out/hotos" \
	--title "HotOS'21 map: load x outage length" \
	--set 'faults=[{"tier": "dbsim", "kind": "capacity", "start": "30s", "duration": "10s", "capacity": 0}]' \
	--vary load.rate=100:290:10 --vary faults.0.duration=500ms,1s,1500ms,2s,3s,5s,10s,20s
echo "maps: the incident's map (retries per layer x database slowdown), virtual engine" >&2
"${sweep[@]}" "$root/scenarios/incident.json" --force --seeds "$seeds" "${pass[@]}" -o "$out/incident" \
	--title "The incident's map: retries per layer x database slowdown" \
	--vary tiers.gateway.retries,tiers.svc_a.retries,tiers.svc_b.retries=0,1,2,3 --vary faults.0.factor=1,2,5,10,20,50

for k in png svg; do
	cp "$out/hotos/plots/map-recovery_s.$k" "$out/hotos-recovery.$k"
	cp "$out/incident/plots/map-db_hits_per_request.$k" "$out/incident-db-hits.$k"
done

img() { printf '<img src="data:image/svg+xml;base64,%s" alt="%s">' "$(base64 -w0 "$1")" "$2"; }
{
	cat <<EOF
<h2 id="maps">Maps</h2>
<p>Two sweeps of the virtual engine, one run a cell (seed$([ "$seeds" = 1 ] && echo " 1" || echo "s 1..$seeds, medians")).</p>
<figure>$(img "$out/hotos-recovery.svg" "HotOS'21 map")
<figcaption><b>The HotOS'21 map.</b> <code>metastable-retry.json</code>: a database of 300 queries/s,
clients that time out after 1 s and retry once, nobody cancelling; an outage of the database (no workers)
at 30 s, of the length on the vertical axis, under the load on the horizontal one; 120 s of load.
Each cell: how long after the outage the clients' success ratio was back, dark where it never came back
within the run. Below half the capacity (150/s) every outage is survived, more slowly as the load nears
it: even with every request sent twice the database keeps up. Above it, only an outage short enough
that few requests wait past the 1 s timeout is survived; once enough of them time out and are sent
again, the database gets up to twice the load, its queue never gets back under a second of work, and
it stays down though it is healthy again: the metastable failure. The higher the load, the smaller the
trigger that tips it.
(<a href="@MAPS@/hotos/sweep.html">the sweep</a>)</figcaption></figure>
<figure>$(img "$out/incident-db-hits.svg" "The incident's map")
<figcaption><b>The incident's map.</b> <code>incident.json</code> with the same number of retries at
gateway, svc_a and svc_b (horizontal) and the database that many times slower for 30 s (vertical).
Each cell: database queries per client request, on a log scale. A healthy database takes about one a
request whatever the retries; once it is slow enough that the tiers' own timeouts fire, every layer's
retries multiply: up to (retries + 1)<sup>3</sup> queries for one request, times the client's own retry.
(<a href="@MAPS@/incident/sweep.html">the sweep</a>)</figcaption></figure>
EOF
} >"$out/fragment.html"
{
	cat <<'EOF'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cascade: maps</title>
<style>
body{margin:0 auto;max-width:1300px;padding:24px 40px 80px;font:20px/1.4 'DejaVu Sans',Verdana,Arial,sans-serif;color:#1a1a1a}
h2{font-size:32px;border-bottom:4px solid #2b5797;padding-bottom:6px}
figure{margin:24px 0}figure img{width:100%;max-width:1200px;height:auto;border:1px solid #ddd}
figcaption{max-width:1200px;color:#333}
code{font-family:'DejaVu Sans Mono',monospace;background:#f1f1f1;padding:0 4px}
</style>
</head>
<body>
EOF
	sed 's|@MAPS@|.|g' "$out/fragment.html"
	echo '</body>'
	echo '</html>'
} >"$out/index.html"
echo "maps: $out/hotos-recovery.png, $out/incident-db-hits.png, $out/index.html"
