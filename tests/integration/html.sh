#!/usr/bin/env bash
# html.sh: report.html from a short real run, single and comparison page,
# opened in headless Chromium: it renders, the summary table and the worst
# request's waterfall are there, every plot is embedded and decodes, nothing
# is loaded from outside, and the console stays silent.
# Needs CASCADE_BIN (make integration sets it), gnuplot and chromium.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${CASCADE_BIN:?CASCADE_BIN must name the bin folder (make integration sets it)}
export CASCADE_BIN=$bin
tmp=$(mktemp -d /tmp/cascade-html-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "html.sh: FAIL: $*" >&2; exit 1; }
command -v chromium >/dev/null || fail "chromium is not installed (scripts/install-deps.sh)"
command -v gnuplot >/dev/null || fail "gnuplot is not installed (scripts/install-deps.sh)"

# A short incident: 20 s of load at 1/20 of real time, the slowdown at 5-10 s.
"$root/scripts/run_scenario.sh" "$root/scenarios/incident.json" -o "$tmp/run" --quiet --time-scale 0.05 \
	--set load.duration=20s --set load.drain=20s --set faults.0.start=5s --set faults.0.end=10s \
	>"$tmp/run.out" 2>&1 || { cat "$tmp/run.out" >&2; fail "run_scenario.sh failed"; }
cp -r "$tmp/run" "$tmp/again"
"$root/scripts/plot.sh" "$tmp/run" "$tmp/again" >"$tmp/plot.out" 2>&1 || { cat "$tmp/plot.out" >&2; fail "plot.sh failed"; }
"$bin/report" html "$tmp/run" >/dev/null 2>"$tmp/html.err" || { cat "$tmp/html.err" >&2; fail "report html DIR failed"; }
"$bin/report" html -o "$tmp/compare.html" "$tmp/run" "$tmp/again" >/dev/null 2>"$tmp/html.err" ||
	{ cat "$tmp/html.err" >&2; fail "report html -o failed"; }
[ ! -s "$tmp/html.err" ] || { cat "$tmp/html.err" >&2; fail "report html warned (missing plots?)"; }

chrome() { # chrome USER_DIR_NAME ARGS...: headless Chromium, no network, bounded
	local profile=$tmp/profile-$1
	shift
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --hide-scrollbars --virtual-time-budget=5000 "$@"
}

# The check, injected into a copy (the page itself carries no script, and its
# Content-Security-Policy would block this one): count images that did not
# decode, and catch any script error.
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
	local name=$1 page=$2 want=$3 n
	[ -s "$page" ] || fail "$name: $page missing or empty"
	# self-contained: no script, nothing fetched, every image inline
	! grep -qi '<script' "$page" || fail "$name: the page carries a script"
	! grep -Eqi '(src|href)="(https?:|//|file:)' "$page" || fail "$name: the page refers to an outside resource"
	! grep -Eqi 'url\((https?:|//)' "$page" || fail "$name: the CSS refers to an outside resource"
	n=$(grep -o '<img src="data:image/svg+xml;base64,' "$page" | wc -l)
	[ "$n" = "$want" ] || fail "$name: $n embedded SVG plots, expected $want"
	grep -q 'Content-Security-Policy' "$page" || fail "$name: no Content-Security-Policy"

	# as shipped: renders, and the console (where CSP violations go) stays silent
	chrome "$name-a" --enable-logging=stderr --v=0 --dump-dom "file://$page" >"$tmp/$name.dom" 2>"$tmp/$name.log" ||
		fail "$name: chromium failed"
	grep -q '<table class="summary">' "$tmp/$name.dom" || fail "$name: no summary table in the rendered page"
	grep -q '<table class="wf">' "$tmp/$name.dom" || fail "$name: no waterfall of the worst request"
	grep -q 'client_success_ratio' "$tmp/$name.dom" || fail "$name: the summary has no client_success_ratio"
	if grep -E 'CONSOLE|Uncaught' "$tmp/$name.log"; then fail "$name: console messages (above)"; fi

	# with the check injected: every image decoded, no script error
	grep -v 'Content-Security-Policy' "$page" |
		awk -v f="$tmp/check.js" '/<\/body>/ { while ((getline l < f) > 0) print l } { print }' >"$tmp/$name-check.html"
	chrome "$name-b" --enable-logging=stderr --v=0 --dump-dom "file://$tmp/$name-check.html" \
		>"$tmp/$name-check.dom" 2>"$tmp/$name-check.log" || fail "$name: chromium failed on the checked copy"
	local mark
	mark=$(grep -Eo 'IMAGES [0-9]+ BAD [0-9]+' "$tmp/$name-check.dom" || true)
	[ -n "$mark" ] || fail "$name: the image check did not run"
	[ "$mark" = "IMAGES $want BAD 0" ] || fail "$name: $mark (expected IMAGES $want BAD 0)"
	if grep -q '<title>JSERROR' "$tmp/$name-check.dom"; then fail "$name: script error"; fi
	if grep -E 'Uncaught|ERROR:CONSOLE' "$tmp/$name-check.log"; then fail "$name: console errors (above)"; fi

	# and it paints: a screenshot of some substance
	chrome "$name-c" --window-size=1400,2400 --screenshot="$tmp/$name.png" "file://$page" >/dev/null 2>&1 ||
		fail "$name: screenshot failed"
	[ "$(stat -c %s "$tmp/$name.png")" -gt 50000 ] || fail "$name: the screenshot is nearly empty"
	echo "html.sh: $name ok ($want plots)"
}

check_page single "$tmp/run/report.html" 5
# comparison: 3 overlaid plots, then the 5 per-run plots of each run
check_page compare "$tmp/compare.html" 13
grep -q 'incident (2)' "$tmp/compare.html" || fail "compare: the second run's heading is not made unique"
echo "html.sh: ok"
