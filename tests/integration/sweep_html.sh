#!/usr/bin/env bash
# sweep_html.sh: sweep.html of a 2 x 2 sweep (three heatmaps) and of a
# one-key sweep (a plot a metric), opened in headless Chromium as html.sh
# opens report.html: it renders, the points table is there, every plot is
# embedded and decodes, nothing is loaded from outside, and the console
# stays silent.  Needs CASCADE_BIN (make integration sets it), GNU
# parallel, gnuplot and chromium.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-sweep-html-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "sweep_html.sh: FAIL: $*" >&2; exit 1; }
for p in chromium gnuplot parallel; do
	command -v "$p" >/dev/null || fail "$p is not installed (scripts/install-deps.sh)"
done

cat >"$tmp/small.json" <<'EOF'
{
  "name": "small",
  "description": "20 s of load; the database ten times slower for 5 s.",
  "load": {"arrival": "poisson", "rate": 20, "duration": "20s", "client_timeout": "2s", "drain": "5s"},
  "tiers": {"dbsim": {"workers": 4, "service_time": {"dist": "fixed", "value": "100ms"}}},
  "faults": [{"tier": "dbsim", "kind": "slowdown", "start": "5s", "end": "10s", "factor": 10}]
}
EOF
"$root/cascade/cascade" sweep "$tmp/small.json" --vary load.rate=10,30 --vary tiers.svc_b.timeout=500ms,20s --seeds 2 \
	--quiet -o "$tmp/two" >"$tmp/two.out" 2>&1 || { cat "$tmp/two.out" >&2; fail "the 2 x 2 sweep failed"; }
"$root/cascade/cascade" sweep "$tmp/small.json" --vary load.rate=10:30:10 --seeds 2 --title 'load <&> "small"' \
	--quiet -o "$tmp/one" >"$tmp/one.out" 2>&1 || { cat "$tmp/one.out" >&2; fail "the one-key sweep failed"; }
for f in map-client_success_ratio map-recovery_s map-db_hits_per_request; do
	if [ ! -s "$tmp/two/plots/$f.svg" ] || [ ! -s "$tmp/two/plots/$f.png" ]; then fail "$f.svg or .png missing"; fi
done

chrome() { # chrome PROFILE ARGS...: headless Chromium, no network, bounded
	local profile=$tmp/profile-$1
	shift
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --hide-scrollbars --virtual-time-budget=5000 "$@"
}
# The image check, injected into a copy (the page carries no script and its
# Content-Security-Policy would block one).
cat >"$tmp/check.js" <<'JS'
<script>
window.onerror = function (msg) { document.title = 'JSERROR ' + msg; };
window.addEventListener('load', function () {
  var imgs = document.images, bad = 0;
  for (var i = 0; i < imgs.length; i++)
    if (!(imgs[i].complete && imgs[i].naturalWidth > 0)) bad++;
  var m = document.createElement('div');
  m.id = 'cascade-check';
  m.textContent = 'IMAGES ' + imgs.length + ' BAD ' + bad;
  document.body.appendChild(m);
});
</script>
JS

check_page() { # check_page NAME FILE IMAGES
	local name=$1 page=$2 want=$3 n mark
	[ -s "$page" ] || fail "$name: $page missing or empty"
	! grep -qi '<script' "$page" || fail "$name: the page carries a script"
	! grep -Eqi '(src|href)="(https?:|//|file:)' "$page" || fail "$name: the page refers to an outside resource"
	! grep -Eqi 'url\((https?:|//)' "$page" || fail "$name: the CSS refers to an outside resource"
	grep -q 'Content-Security-Policy' "$page" || fail "$name: no Content-Security-Policy"
	n=$(grep -o '<img src="data:image/svg+xml;base64,' "$page" | wc -l)
	[ "$n" = "$want" ] || fail "$name: $n embedded SVG plots, expected $want"

	chrome "$name-a" --enable-logging=stderr --v=0 --dump-dom "file://$page" >"$tmp/$name.dom" 2>"$tmp/$name.log" ||
		fail "$name: chromium failed"
	grep -q '<h2 id="points">' "$tmp/$name.dom" || fail "$name: no points table in the rendered page"
	grep -q '<td class="v">' "$tmp/$name.dom" || fail "$name: the points table has no rows"
	if grep -E 'CONSOLE|Uncaught' "$tmp/$name.log"; then fail "$name: console messages (above)"; fi

	grep -v 'Content-Security-Policy' "$page" |
		awk -v f="$tmp/check.js" '/<\/body>/ { while ((getline l < f) > 0) print l } { print }' >"$tmp/$name-check.html"
	chrome "$name-b" --enable-logging=stderr --v=0 --dump-dom "file://$tmp/$name-check.html" \
		>"$tmp/$name-check.dom" 2>"$tmp/$name-check.log" || fail "$name: chromium failed on the checked copy"
	mark=$(grep -Eo 'IMAGES [0-9]+ BAD [0-9]+' "$tmp/$name-check.dom" || true)
	[ -n "$mark" ] || fail "$name: the image check did not run"
	[ "$mark" = "IMAGES $want BAD 0" ] || fail "$name: $mark (expected IMAGES $want BAD 0)"
	if grep -q '<title>JSERROR' "$tmp/$name-check.dom"; then fail "$name: script error"; fi

	chrome "$name-c" --window-size=1400,2000 --screenshot="$tmp/$name.png" "file://$page" >/dev/null 2>&1 ||
		fail "$name: screenshot failed"
	[ "$(stat -c %s "$tmp/$name.png")" -gt 50000 ] || fail "$name: the screenshot is nearly empty"
	echo "sweep_html.sh: $name ok ($want plots)"
}

check_page maps "$tmp/two/sweep.html" 3
# one key: a plot for each metric with a number in it, and the recovered seeds
want=$(($(awk -F'\t' '$3 == 1' "$tmp/one/plots/metrics.tsv" | wc -l) + 1))
[ "$want" -gt 20 ] || fail "one key: only $want plots"
check_page curves "$tmp/one/sweep.html" "$want"
grep -q '<h1>load &lt;&amp;&gt; &quot;small&quot;</h1>' "$tmp/one/sweep.html" || fail "the title is not escaped"
echo "sweep_html.sh: ok"
