#!/usr/bin/env bash
# boundary.sh: where a verdict on a run's summary flips as one key grows,
# found by bisection.  Each probe is a one-point sweep (scripts/sweep.sh) on
# several seeds; its verdict is the majority of theirs.  The answer is an
# interval [a, b] no wider than the tolerance, with the verdict on each side
# and how many seeds agreed with it.  sweep/README.md has an example.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: cascade boundary FILE --vary KEY=LO:HI --verdict EXPR [options]
  --vary KEY=LO:HI      the key (or K1,K2=LO:HI, several set together) and the
                        interval: numbers or durations (in LO's unit)
  --verdict EXPR        a test of one run's summary.csv:
                          recovered            recovery_s is finite
                          METRIC OP NUMBER     OP one of < <= > >= == != (an empty
                                               metric makes it false)
                          METRIC               the metric is there and not 0
                        joined with && || ! (or and, or, not) and parentheses:
                        'client_success_ratio>=0.9 && db_hits_per_request<2'
  --seeds N             seeds 1..N at each probe (default 3); the probe's verdict
                        is the majority (a tie counts as false)
  --tolerance X         stop when b - a <= X (LO's unit; default (HI - LO) / 100;
                        at least 1 for a whole-number key)
  --set KEY=VALUE       laid under every run (repeatable)
  --engine virtual|real, -j N, --hosts FILE, --workdir DIR, --remote-cascade CMD
                        passed to each probe's sweep (cascade sweep --help)
  -o DIR                default results/boundary-<scenario>-<time>
  --force               reuse DIR, dropping an earlier search in it
  --quiet               only the result
  -h, --help
The verdict must differ between LO and HI; bisection assumes it flips once.
Writes DIR/boundary.csv (each probe: value, verdict, seeds that agreed,
seeds), DIR/interval.csv (the result) and each probe's sweep in DIR/probes/.
Exit status: 0 found; 1 no flip between LO and HI, or runs failed; 2 bad usage.
EOF
}

die() { echo "boundary: $*" >&2; exit 2; }

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# Results go under the checkout; an installed copy (make install) writes them
# under the working folder instead of its own install tree.
if [ -f "$root/Makefile" ]; then results=$root/results; else results=$PWD/results; fi
bin=${CASCADE_BIN:-$root/build/bin}
export CASCADE_BIN=$bin

file="" vary="" verdict="" seeds=3 tol="" out="" force=0 quiet=0
fixed=() pass=()
while [ $# -gt 0 ]; do
	case "$1" in
	--vary) [ -z "$vary" ] || die "one --vary only"; vary=${2:?--vary needs KEY=LO:HI}; shift 2 ;;
	--verdict) verdict=${2:?--verdict needs an expression}; shift 2 ;;
	--seeds) seeds=${2:?--seeds needs a number}; shift 2 ;;
	--tolerance) tol=${2:?--tolerance needs a value}; shift 2 ;;
	--set) fixed+=("${2:?--set needs KEY=VALUE}"); shift 2 ;;
	--engine | -j | --jobs | --hosts | --workdir | --remote-cascade) pass+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
	-o | --out) out=${2:?-o needs a folder}; shift 2 ;;
	--force) force=1; shift ;;
	--quiet) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "boundary: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) [ -z "$file" ] || die "more than one scenario given ('$file', '$1')"; file=$1; shift ;;
	esac
done
[ -n "$file" ] || { usage >&2; exit 2; }
[ -r "$file" ] || die "$file: cannot read the scenario"
[ -n "$vary" ] || die "nothing to vary (--vary KEY=LO:HI)"
[ -n "$verdict" ] || die "no verdict (--verdict EXPR)"
[[ $seeds =~ ^[1-9][0-9]*$ ]] || die "--seeds $seeds: expected a whole number >= 1"
[ -x "$bin/virtual" ] || die "$bin/virtual is missing (make)"
file=$(readlink -f "$file")

# ---- the interval -------------------------------------------------------------
[[ $vary =~ ^([^=]+)=([^:]+):([^:]+)$ ]] || die "--vary $vary: expected KEY=LO:HI"
keys=${BASH_REMATCH[1]} lo_text=${BASH_REMATCH[2]} hi_text=${BASH_REMATCH[3]}
# numbers LO HI TOL: "lo hi tol unit" with HI and TOL in LO's unit, or a
# message on stderr and exit 1
numbers() {
	awk -v lo="$1" -v hi="$2" -v tol="$3" '
	function parse(s, what) {
		if (!match(s, /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?/)) bad(what " \"" s "\" is not a number or a duration")
		num = substr(s, 1, RLENGTH) + 0; unit = substr(s, RLENGTH + 1)
		if (!(unit in f)) bad(what " \"" s "\": unknown unit \"" unit "\" (ns, us, ms, s, m, h)")
	}
	function bad(m) { print m > "/dev/stderr"; exit 1 }
	BEGIN {
		f[""] = 0; f["ns"] = 1e-9; f["us"] = 1e-6; f["ms"] = 1e-3; f["s"] = 1; f["m"] = 60; f["h"] = 3600
		parse(lo, "LO"); l = num; u = unit
		parse(hi, "HI"); h = num
		if ((unit == "") != (u == "")) bad("LO \"" lo "\" and HI \"" hi "\": one is a duration, the other not")
		if (u != "") h = h * f[unit] / f[u]
		if (h <= l) bad("HI must be above LO")
		if (tol == "") t = (h - l) / 100
		else { parse(tol, "--tolerance"); t = num; if (unit != "") { if (u == "") bad("--tolerance \"" tol "\" is a duration, LO is not"); t = t * f[unit] / f[u] } }
		if (t <= 0) bad("--tolerance must be > 0")
		printf "%.10g %.10g %.10g %s\n", l, h, t, u
	}'
}
msg=$(numbers "$lo_text" "$hi_text" "$tol" 2>&1 >/dev/null) || die "--vary $vary: $msg"
read -r lo hi tol unit < <(numbers "$lo_text" "$hi_text" "$tol")

fixed_sets=()
for s in "${fixed[@]}"; do fixed_sets+=(--set "$s"); done
loads() { # loads VALUE: the scenario loads with every key at VALUE (else the message on stderr)
	local k err
	local -a sets=()
	IFS=, read -r -a ks <<<"$keys"
	for k in "${ks[@]}"; do sets+=(--set "$k=$1"); done
	err=$("$bin/virtual" --print-scenario --scenario "$file" "${fixed_sets[@]}" "${sets[@]}" 2>&1 >/dev/null) ||
		{ echo "${err#virtual: }" >&2; return 1; }
}
loads "$lo$unit" || exit 2
loads "$hi$unit" || exit 2
# A key that takes whole numbers only (retries, workers) is bisected on them.
whole=0
if [ -z "$unit" ] && awk -v l="$lo" -v h="$hi" 'BEGIN { exit !(l == int(l) && h == int(h)) }' &&
	! loads "$lo.5" 2>/dev/null; then
	whole=1
	tol=$(awk -v t="$tol" 'BEGIN { t = int(t); print (t < 1 ? 1 : t) }')
fi

# ---- the verdict, compiled to an awk condition over m[metric] ------------------
used="" cond="" rest=$verdict
num_re='[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?'
while :; do
	rest=${rest#"${rest%%[![:space:]]*}"}
	[ -n "$rest" ] || break
	if [[ $rest =~ ^([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*(<=|>=|==|!=|<|>)[[:space:]]*($num_re) ]]; then
		name=${BASH_REMATCH[1]} op=${BASH_REMATCH[2]} n=${BASH_REMATCH[3]}
		cond+=" (m[\"$name\"] != \"\" && m[\"$name\"] + 0 $op $n)"
		used+=" $name"
	elif [[ $rest =~ ^([A-Za-z_][A-Za-z0-9_]*) ]]; then
		name=${BASH_REMATCH[1]}
		case "$name" in
		and) cond+=" &&" ;;
		or) cond+=" ||" ;;
		not) cond+=" !" ;;
		recovered) cond+=" (m[\"recovery_s\"] != \"\")"; used+=" recovery_s" ;;
		*) cond+=" (m[\"$name\"] != \"\" && m[\"$name\"] + 0 != 0)"; used+=" $name" ;;
		esac
	elif [[ $rest =~ ^(\&\&|\|\||!|\(|\)) ]]; then
		cond+=" ${BASH_REMATCH[1]}"
	else
		die "--verdict '$verdict': cannot read it from '$rest'"
	fi
	rest=${rest:${#BASH_REMATCH[0]}}
done
[ -n "$used" ] || die "--verdict '$verdict': names no metric"
awk "BEGIN { m[\"x\"] = \"\"; if ($cond) x = 1; exit 0 }" </dev/null 2>/dev/null ||
	die "--verdict '$verdict': not a well-formed expression"

# ---- the output folder -----------------------------------------------------------
name=$(basename "$file" .json)
[ -n "$out" ] || out=$results/boundary-$name-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -e "$out/boundary.csv" ] || [ -d "$out/probes" ]; then
	[ $force = 1 ] || die "$out holds an earlier search (--force starts over)"
	rm -rf "${out:?}/probes" "$out/boundary.csv" "$out/interval.csv"
fi
mkdir -p "$out/probes"
echo "value,verdict,agree,seeds" >"$out/boundary.csv"

say() { [ $quiet = 1 ] || echo "boundary: $*" >&2; }
fmt() { if [ $whole = 1 ]; then printf "%d" "$1"; else awk -v v="$1" 'BEGIN { printf "%.10g", v }'; fi; }
nprobes=0
# probe VALUE: sets verdict (1/0) and agree (seeds that gave it)
probe() {
	local v=$1 dir t n
	nprobes=$((nprobes + 1))
	dir=$out/probes/$(printf '%02d' "$nprobes")
	local -a sets=()
	for s in "${fixed[@]}"; do sets+=(--set "$s"); done
	if ! "$root/scripts/sweep.sh" "$file" --vary "$keys=$v$unit" --seeds "$seeds" "${sets[@]}" "${pass[@]}" \
		--no-plots --quiet -o "$dir" >"$dir.log" 2>&1; then
		cat "$dir.log" >&2
		echo "boundary: the runs at $keys=$v$unit failed (above; $dir)" >&2
		exit 1
	fi
	rm -f "$dir.log"
	read -r t n < <(awk -F, -v used="$used" "
		NR == 1 {
			for (i = 1; i <= NF; i++) col[\$i] = i
			k = split(used, u, \" \")
			for (i = 1; i <= k; i++) if (!(u[i] in col)) { print \"boundary: --verdict: no metric '\" u[i] \"' in summary.csv\" > \"/dev/stderr\"; bad = 1; exit 3 }
			next
		}
		{ delete m; for (c in col) m[c] = \$col[c]; n++; if ($cond) t++ }
		END { if (!bad) print t + 0, n + 0 }" "$dir/sweep.csv") || exit 2
	[ "${n:-0}" -gt 0 ] || { echo "boundary: no runs in $dir/sweep.csv" >&2; exit 1; }
	if [ $((2 * t)) -gt "$n" ]; then verdict_now=1 agree=$t; else verdict_now=0 agree=$((n - t)); fi
	echo "$v$unit,$([ $verdict_now = 1 ] && echo true || echo false),$agree,$n" >>"$out/boundary.csv"
	say "$keys=$(fmt "$v")$unit: $(word $verdict_now) ($agree/$n seeds)"
}
word() { if [ "$1" = 1 ]; then echo "$verdict"; else echo "not ($verdict)"; fi; }

say "bisecting $keys over [$lo_text, $hi_text] to within $(fmt "$tol")$unit; verdict: $verdict; $seeds seeds a probe"
probe "$lo"
va=$verdict_now agree_a=$agree
probe "$hi"
vb=$verdict_now agree_b=$agree
if [ "$va" = "$vb" ]; then
	echo "boundary: '$(word "$va")' at both $keys=$lo_text and $hi_text: no flip to find in between" >&2
	exit 1
fi
a=$lo b=$hi
while awk -v a="$a" -v b="$b" -v t="$tol" 'BEGIN { exit !(b - a > t * (1 + 1e-9)) }'; do
	if [ $whole = 1 ]; then
		m=$(((a + b) / 2))
		if [ "$m" = "$a" ] || [ "$m" = "$b" ]; then break; fi
	else
		m=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.10g", (a + b) / 2 }')
	fi
	probe "$m"
	if [ "$verdict_now" = "$va" ]; then a=$m agree_a=$agree; else b=$m agree_b=$agree; fi
done

{
	echo "key,low,high,verdict_low,agree_low,verdict_high,agree_high,seeds,probes"
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$keys" "$(fmt "$a")$unit" "$(fmt "$b")$unit" \
		"$([ "$va" = 1 ] && echo true || echo false)" "$agree_a" \
		"$([ "$vb" = 1 ] && echo true || echo false)" "$agree_b" "$seeds" "$nprobes"
} >"$out/interval.csv"
echo "boundary: $keys in [$(fmt "$a")$unit, $(fmt "$b")$unit] (tolerance $(fmt "$tol")$unit, $nprobes probes of $seeds seeds)"
echo "  at $(fmt "$a")$unit: $(word "$va") ($agree_a/$seeds seeds agree)"
echo "  at $(fmt "$b")$unit: $(word "$vb") ($agree_b/$seeds seeds agree)"
echo "  probes: $out/boundary.csv"
