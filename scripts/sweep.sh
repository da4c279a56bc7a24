#!/usr/bin/env bash
# sweep.sh: one scenario over a grid of key values, several seeds each.
# Every combination of the --vary values runs on seeds 1..N through GNU
# parallel (on this machine, or over ssh on the machines of --hosts); each
# run's summary comes back to DIR and they become one table (sweep.csv),
# plots and one page (sweep.html).  sweep/README.md has the details.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: cascade sweep FILE --vary KEY=VALUES [--vary KEY=VALUES]... [options]
  --vary KEY=V1,V2,...    the values as a comma list
  --vary KEY=LO:HI:STEP   a range of numbers or durations (values keep LO's unit:
                          faults.0.start=5s:30s:5s)
  --vary 'KEY=[J1,J2,...]'  a JSON array of values, for anything else
                          ('tiers.svc_b.retry_on=[["5xx"],["5xx","timeout"]]')
  --vary K1,K2,K3=VALUES  several keys set together to each value: one dimension
  --set KEY=VALUE         laid under every point (repeatable)
  --seeds N               seeds 1..N for every point (default 3; 1 with --engine real)
  --engine virtual|real   default virtual (milliseconds a run); real: the chain
  -j N                    runs at once on each machine (default: virtual, one per
                          core; real, one: real runs sharing cores distort each
                          other's timing, and their faithful column says so)
  --hosts FILE            spread the runs over the machines listed (GNU parallel's
                          --sshloginfile; ':' is this machine); each needs cascade,
                          GNU parallel and rsync
  --workdir DIR           the remote machines' working folder (default
                          .cascade-sweep/<name of DIR>, in the login folder)
  --remote-cascade CMD    cascade on the remote machines (default: cascade)
  -o DIR                  output folder (default results/sweep-<scenario>-<time>)
  --resume                go on with the sweep in DIR: run only what is not done
  --force                 start over in DIR, dropping its earlier sweep
  --keep                  keep each run's folder (DIR/runs/; virtual: full records)
  --title TEXT            the page's title
  --no-plots              sweep.csv only
  --quiet                 no progress line
  -h, --help
Writes DIR/sweep.csv: one row per point and seed: the varied keys, the seed,
then every metric of summary.csv in its order.  With one varied dimension,
each metric against it (median, and the spread over the seeds); with two,
heatmaps of client_success_ratio, recovery_s and db_hits_per_request; both
in DIR/plots/ and on DIR/sweep.html, one self-contained page.
A bad key or value stops the sweep before anything runs, with --set's message.
Exit status: 0 ok; 1 some runs failed (rerun with --resume); 2 bad usage.
EOF
}

die() { echo "sweep: $*" >&2; exit 2; }

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# Results go under the checkout; an installed copy (make install) writes them
# under the working folder instead of its own install tree.
if [ -f "$root/Makefile" ]; then results=$root/results; else results=$PWD/results; fi
self=$root/scripts/sweep.sh
bin=${CASCADE_BIN:-$root/build/bin}
export CASCADE_BIN=$bin

# ---- one run of one point: sweep.sh --point BASE ID ------------------------
# What parallel runs, here or on a remote machine, in the working folder:
# BASE/job/ holds the scenario, the points and the mode; the run goes to
# BASE/runs/ID and its summary to BASE/points/ID.csv, which --return brings
# back from a remote machine.  Prints ID when done.
run_point() {
	local base=$1 id=$2 pid seed engine keep line run log
	local -a fields sets=()
	[[ $id =~ ^p[0-9]+-s[0-9]+$ ]] || die "--point: bad run id '$id'"
	pid=${id%-s*} seed=${id##*-s}
	read -r engine keep _ <"$base/job/mode"
	line=$(awk -F'\t' -v p="$pid" '$1 == p { print; exit }' "$base/job/points.tsv")
	[ -n "$line" ] || die "--point: $pid is not in $base/job/points.tsv"
	IFS=$'\t' read -r -a fields <<<"$line"
	for s in "${fields[@]:1}"; do sets+=(--set "$s"); done
	run=$base/runs/$id log=$base/runs/$id.log
	mkdir -p "$base/runs" "$base/points"
	rm -rf "$run"
	if [ "$engine" = virtual ]; then
		local records=summary
		[ "$keep" = 1 ] && records=full
		mkdir -p "$run"
		"$bin/virtual" --scenario "$base/job/scenario.json" --out "$run" --records "$records" --seed "$seed" --quiet \
			"${sets[@]}" >"$log" 2>&1 || { tail -n 20 "$log" >&2; echo "sweep: $id failed (log: $log)" >&2; return 1; }
	else
		"$root/scripts/run_scenario.sh" "$base/job/scenario.json" -o "$run" --seed "$seed" --quiet "${sets[@]}" \
			>"$log" 2>&1 || { tail -n 20 "$log" >&2; echo "sweep: $id failed (log: $log)" >&2; return 1; }
	fi
	[ -s "$run/summary.csv" ] || { echo "sweep: $id: no summary.csv" >&2; return 1; }
	cp "$run/summary.csv" "$base/points/$id.csv.tmp"
	mv "$base/points/$id.csv.tmp" "$base/points/$id.csv"
	rm -f "$log"
	[ "$keep" = 1 ] || rm -rf "$run"
	echo "$id"
}
if [ "${1:-}" = --point ]; then
	[ $# -eq 3 ] || die "--point BASE ID"
	run_point "$2" "$3"
	exit
fi

# ---- options ---------------------------------------------------------------
file="" out="" engine=virtual seeds="" jobs="" hosts="" workdir="" remote=cascade title=""
resume=0 force=0 keep=0 plots=1 quiet=0
varies=() fixed=()
cmdline="cascade sweep $(printf '%q ' "$@")"
# the same command, to go on with the sweep: --resume in place of -o/--force
again="cascade sweep"
for ((i = 1; i <= $#; i++)); do
	case "${!i}" in
	--force | --resume) ;;
	-o | --out) i=$((i + 1)) ;;
	*) again+=" $(printf '%q' "${!i}")" ;;
	esac
done
while [ $# -gt 0 ]; do
	case "$1" in
	--vary) varies+=("${2:?--vary needs KEY=VALUES}"); shift 2 ;;
	--set) fixed+=("${2:?--set needs KEY=VALUE}"); shift 2 ;;
	--seeds) seeds=${2:?--seeds needs a number}; shift 2 ;;
	--engine) engine=${2:?--engine needs virtual or real}; shift 2 ;;
	-j | --jobs) jobs=${2:?-j needs a number}; shift 2 ;;
	--hosts) hosts=${2:?--hosts needs a file}; shift 2 ;;
	--workdir) workdir=${2:?--workdir needs a folder}; shift 2 ;;
	--remote-cascade) remote=${2:?--remote-cascade needs a command}; shift 2 ;;
	-o | --out) out=${2:?-o needs a folder}; shift 2 ;;
	--title) title=${2:?--title needs a text}; shift 2 ;;
	--resume) resume=1; shift ;;
	--force) force=1; shift ;;
	--keep) keep=1; shift ;;
	--no-plots) plots=0; shift ;;
	--quiet) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "sweep: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) [ -z "$file" ] || die "more than one scenario given ('$file', '$1')"; file=$1; shift ;;
	esac
done
[ -n "$file" ] || { usage >&2; exit 2; }
[ -r "$file" ] || die "$file: cannot read the scenario"
[ ${#varies[@]} -gt 0 ] || die "nothing to vary (--vary KEY=VALUES)"
case "$engine" in virtual | real) ;; *) die "--engine $engine: expected virtual or real" ;; esac
[ -n "$seeds" ] || { [ "$engine" = real ] && seeds=1 || seeds=3; }
[[ $seeds =~ ^[1-9][0-9]*$ ]] || die "--seeds $seeds: expected a whole number >= 1"
[ -z "$jobs" ] || [[ $jobs =~ ^[1-9][0-9]*$ ]] || die "-j $jobs: expected a whole number >= 1"
[ -z "$hosts" ] || [ -r "$hosts" ] || die "--hosts $hosts: cannot read it"
[ $resume = 0 ] || [ $force = 0 ] || die "--resume and --force exclude each other"
[ -x "$bin/virtual" ] || die "$bin/virtual is missing (make)"
command -v parallel >/dev/null || die "GNU parallel is not installed (scripts/install-deps.sh)"
[ -z "$hosts" ] || command -v rsync >/dev/null || die "rsync is not installed (scripts/install-deps.sh)"
file=$(readlink -f "$file")

# Interrupted: parallel, told to stop, ends the runs under way; their
# summaries are not written, so --resume runs them again.  INT, not TERM:
# parallel ignores TERM until its jobs have started (which with --hosts
# includes asking each host for its cores), and on TERM it would let the
# runs under way finish.
par_pid=""
on_signal() {
	if [ -n "$par_pid" ]; then
		kill -INT "$par_pid" 2>/dev/null || true
		wait "$par_pid" 2>/dev/null || true
		echo >&2
		echo "sweep: interrupted; go on with: $again --resume -o $(printf "%q" "$out")" >&2
	else
		echo "sweep: interrupted" >&2
	fi
	exit 130
}
trap on_signal INT TERM

# ---- the values of each dimension ------------------------------------------
# dim_keys[d]: the keys set together ("k1,k2"); dim_first[d], dim_n[d]: where
# its values are in set_vals (what --set gets) and show_vals (what the table
# and the plots show: a JSON string without its quotes).
dim_keys=() dim_first=() dim_n=() set_vals=() show_vals=()

# range LO HI STEP: the values, one a line, in LO's unit; exit 1 with a
# message on stderr when the three are not numbers or durations.
range() {
	awk -v lo="$1" -v hi="$2" -v st="$3" '
	function parse(s, what) {
		if (!match(s, /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?/)) bad(what " \"" s "\" is not a number or a duration")
		num = substr(s, 1, RLENGTH) + 0; unit = substr(s, RLENGTH + 1)
		if (!(unit in f)) bad(what " \"" s "\": unknown unit \"" unit "\" (ns, us, ms, s, m, h)")
	}
	function bad(m) { print m > "/dev/stderr"; exit 1 }
	BEGIN {
		f[""] = 0; f["ns"] = 1e-9; f["us"] = 1e-6; f["ms"] = 1e-3; f["s"] = 1; f["m"] = 60; f["h"] = 3600
		parse(lo, "LO"); l = num; u = unit
		parse(hi, "HI"); h = num; if ((unit == "") != (u == "")) bad("HI \"" hi "\" and LO \"" lo "\": one is a duration, the other not"); if (u != "") h = h * f[unit] / f[u]
		parse(st, "STEP"); s = num; if ((unit == "") != (u == "")) bad("STEP \"" st "\" and LO \"" lo "\": one is a duration, the other not"); if (u != "") s = s * f[unit] / f[u]
		if (s <= 0) bad("STEP must be > 0")
		if (h < l) bad("HI must not be below LO")
		n = int((h - l) / s + 1e-9) + 1
		if (n > 10000) bad(n " values: too many")
		for (i = 0; i < n; i++) printf "%.10g%s\n", l + i * s, u
	}'
}

for spec in "${varies[@]}"; do
	[[ $spec == *=* ]] || die "--vary $spec: expected KEY=VALUES"
	keys=${spec%%=*} vals=${spec#*=}
	if [ -z "$keys" ] || [[ $keys =~ (^,|,,|,$) ]]; then die "--vary $spec: an empty key before '='"; fi
	[[ ! $keys =~ [[:space:]] ]] || die "--vary $spec: a key has a space in it"
	[ -n "$vals" ] || die "--vary $spec: no values after '='"
	d=${#dim_keys[@]}
	dim_keys[d]=$keys dim_first[d]=${#set_vals[@]}
	if [[ $vals == \[* ]]; then
		command -v jq >/dev/null || die "jq is needed for a JSON array of values (scripts/install-deps.sh)"
		jq -e 'type == "array" and length > 0' <<<"$vals" >/dev/null 2>&1 ||
			die "--vary $spec: not a JSON array of values"
		! jq -e 'any(.[]; type == "string" and test("[\t\n]"))' <<<"$vals" >/dev/null ||
			die "--vary $spec: a value has a tab or a line break in it"
		mapfile -t sv < <(jq -c '.[]' <<<"$vals")
		mapfile -t shv < <(jq -r '.[] | if type == "string" then . else tojson end' <<<"$vals")
	elif [[ $vals =~ ^([-+]?[0-9.][^:,]*):([^:,]+):([^:,]+)$ ]]; then
		lo=${BASH_REMATCH[1]} hi=${BASH_REMATCH[2]} st=${BASH_REMATCH[3]}
		msg=$(range "$lo" "$hi" "$st" 2>&1 >/dev/null) || die "--vary $spec: $msg"
		mapfile -t sv < <(range "$lo" "$hi" "$st")
		shv=("${sv[@]}")
	else
		[[ $vals != *$'\t'* ]] || die "--vary $spec: a value has a tab in it"
		IFS=, read -r -a sv <<<"$vals"
		for v in "${sv[@]}"; do [ -n "$v" ] || die "--vary $spec: an empty value"; done
		shv=("${sv[@]}")
	fi
	set_vals+=("${sv[@]}") show_vals+=("${shv[@]}")
	dim_n[d]=${#sv[@]}
done
ndims=${#dim_keys[@]}
npoints=1
for ((d = 0; d < ndims; d++)); do npoints=$((npoints * dim_n[d])); done
[ "$npoints" -le 100000 ] || die "$npoints points: too many"

# ---- check every value with the loader a run uses, before anything runs ----
fixed_sets=()
for s in "${fixed[@]}"; do fixed_sets+=(--set "$s"); done
check() { # check --set ARGS...: the scenario with them loads, or the loader's message and exit 2
	local err
	if ! err=$("$bin/virtual" --print-scenario --scenario "$file" "${fixed_sets[@]}" "$@" 2>&1 >/dev/null); then
		echo "sweep: ${err#virtual: }" >&2
		exit 2
	fi
}
check
# point_sets D INDEX: the --set arguments of dimension D's value INDEX
point_sets() {
	local k keys
	IFS=, read -r -a keys <<<"${dim_keys[$1]}"
	for k in "${keys[@]}"; do printf '%s\0' --set "$k=${set_vals[dim_first[$1] + $2]}"; done
}
for ((d = 0; d < ndims; d++)); do
	for ((i = 0; i < dim_n[d]; i++)); do
		mapfile -d '' -t a < <(point_sets "$d" "$i")
		check "${a[@]}"
	done
done

# ---- the points: every combination, the first dimension changing slowest ----
stage=$(mktemp -d /tmp/cascade-sweep-XXXXXX)
trap 'rm -rf "$stage"' EXIT
idx=()
for ((d = 0; d < ndims; d++)); do idx[d]=0; done
for ((p = 1; p <= npoints; p++)); do
	pid=$(printf 'p%04d' "$p")
	sets=() grid="$pid" shows=""
	for ((d = 0; d < ndims; d++)); do
		mapfile -d '' -t a < <(point_sets "$d" "${idx[d]}")
		sets+=("${a[@]}")
		grid+=$'\t'$((idx[d] + 1))
		shows+=$'\t'${show_vals[dim_first[d] + idx[d]]}
	done
	# one dimension's values were each checked above; a combination can
	# still break a rule between keys (cap below base, end before start)
	[ "$ndims" -eq 1 ] || check "${sets[@]}"
	line=$pid
	for s in "${fixed[@]}"; do line+=$'\t'$s; done
	for ((k = 1; k < ${#sets[@]}; k += 2)); do line+=$'\t'${sets[k]}; done
	echo "$line" >>"$stage/points.tsv"
	echo "$grid$shows" >>"$stage/grid.tsv"
	for ((d = ndims - 1; d >= 0; d--)); do
		idx[d]=$((idx[d] + 1))
		[ "${idx[d]}" -lt "${dim_n[d]}" ] && break
		idx[d]=0
	done
done
for ((d = 0; d < ndims; d++)); do printf '%s\t%s\n' "${dim_keys[d]}" "${dim_n[d]}"; done >"$stage/dims.tsv"
echo "$engine $keep $seeds" >"$stage/mode"
cp "$file" "$stage/scenario.json"

# ---- the output folder -------------------------------------------------------
name=$(basename "$file" .json)
[ -n "$out" ] || out=$results/sweep-$name-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -d "$out/job" ]; then
	if [ $force = 1 ]; then
		rm -rf "${out:?}/job" "$out/points" "$out/runs" "$out/plots" "$out/sweep.csv" "$out/sweep.html" "$out/joblog"
	elif [ $resume = 0 ]; then
		die "$out already holds a sweep: --resume goes on with it, --force starts over"
	else
		for f in scenario.json points.tsv dims.tsv; do
			cmp -s "$stage/$f" "$out/job/$f" ||
				die "$out holds another sweep (its $f differs); --force starts over, or give another -o"
		done
		read -r was _ <"$out/job/mode"
		[ "$was" = "$engine" ] || die "$out holds a sweep of the $was engine; --force starts over, or give another -o"
	fi
elif [ $force = 0 ] && [ -n "$(find "$out" -mindepth 1 -maxdepth 1 ! -name job.tmp -print -quit)" ]; then
	die "$out exists and is not empty (and holds no sweep)"
fi
# A new job/ is written aside and renamed into place, so that an interrupt
# here cannot leave a job/ that --resume would take for another sweep's.
mkdir -p "$out/points"
jobdir=$out/job
if [ ! -d "$jobdir" ]; then
	jobdir=$out/job.tmp
	rm -rf "$jobdir"
	mkdir "$jobdir"
fi
cp "$stage"/{scenario.json,points.tsv,grid.tsv,dims.tsv,mode} "$jobdir/"
printf '%s\n' "$cmdline" >"$jobdir/command"
printf '%s\n' "${title:-$name}" >"$jobdir/title"
[ "$jobdir" = "$out/job" ] || mv "$jobdir" "$out/job"

# ---- the runs still to do ----------------------------------------------------
todo=$stage/todo
: >"$todo"
total=$((npoints * seeds))
while IFS=$'\t' read -r pid _; do
	for ((s = 1; s <= seeds; s++)); do
		[ -s "$out/points/$pid-s$s.csv" ] || echo "$pid-s$s" >>"$todo"
	done
done <"$out/job/points.tsv"
ntodo=$(wc -l <"$todo")
say() { [ $quiet = 1 ] || echo "sweep: $*" >&2; }
say "$npoints points x $seeds seed$([ "$seeds" = 1 ] || echo s) = $total runs ($engine engine); $((total - ntodo)) done before, $ntodo to run"

if [ "$ntodo" -gt 0 ]; then
	par=(parallel --will-cite --joblog "$out/joblog" -a "$todo")
	if [ -n "$jobs" ]; then
		par+=(-j "$jobs")
		[ "$engine" = virtual ] || [ "$jobs" = 1 ] ||
			echo "sweep: warning: $jobs real runs at once per machine share its cores and distort each other's timing; see the faithful column" >&2
	elif [ "$engine" = real ]; then
		par+=(-j 1)
	fi
	# Here the job runs this script on DIR; on a remote machine, where these
	# two variables are not set, it runs the remote cascade in its working
	# folder, and --return brings the summary back.
	export CASCADE_SWEEP_SELF=$self CASCADE_SWEEP_DIR=$out
	job="if [ -n \"\${CASCADE_SWEEP_SELF:-}\" ]; then \"\$CASCADE_SWEEP_SELF\" --point \"\$CASCADE_SWEEP_DIR\" {}; else $remote sweep --point . {}; fi"
	if [ -n "$hosts" ]; then
		[ -n "$workdir" ] || workdir=.cascade-sweep/$(basename "$out")
		par+=(--sshloginfile "$(readlink -f "$hosts")" --workdir "$workdir" --cleanup
			--basefile "$out/./job/scenario.json" --basefile "$out/./job/points.tsv" --basefile "$out/./job/mode"
			--return "points/{}.csv")
		[ $keep = 0 ] || par+=(--return "runs/{}")
	fi
	started=${EPOCHREALTIME/[.,]/}
	exec 3< <(cd "$out" && exec "${par[@]}" "$job")
	par_pid=$!
	done_runs=0 done_points=0 last_print=0
	tty=0
	[ -t 2 ] && tty=1
	while IFS= read -r id <&3; do
		[[ $id =~ ^p[0-9]+-s[0-9]+$ ]] || { [ -z "$id" ] || echo "$id"; continue; }
		done_runs=$((done_runs + 1))
		[ $quiet = 1 ] && continue
		now=${EPOCHREALTIME/[.,]/}
		# runs and points (all their seeds in) done, this time or before
		read -r all_runs done_points < <(find "$out/points" -name 'p*-s*.csv' -printf '%f\n' | sed -n 's/^\(p[0-9]*\)-s[0-9]*\.csv$/\1/p' |
			awk -v s="$seeds" '{ n[$1]++ } END { for (p in n) if (n[p] >= s) k++; print NR, k + 0 }')
		msg=$(awk -v el="$((now - started))" -v d="$done_runs" -v left="$((ntodo - done_runs))" \
			'BEGIN { el /= 1e6; printf "%.1f s, ETA %.0f s", el, el / d * left }')
		msg="$done_points/$npoints points, $all_runs/$total runs done; $msg"
		if [ $tty = 1 ]; then
			printf '\rsweep: %s   ' "$msg" >&2
		elif [ $((now - last_print)) -ge 5000000 ] || [ "$done_runs" = "$ntodo" ]; then
			echo "sweep: $msg" >&2
			last_print=$now
		fi
	done
	rc=0
	wait "$par_pid" || rc=$?
	par_pid=""
	[ $quiet = 1 ] || [ $tty = 0 ] || echo >&2
	say "ran $done_runs runs in $(awk -v us="$((${EPOCHREALTIME/[.,]/} - started))" 'BEGIN { printf "%.1f", us / 1e6 }') s"
	[ $rc = 0 ] || echo "sweep: parallel exited $rc (failed runs: $out/joblog)" >&2
fi
rmdir "$out/runs" 2>/dev/null || true

# ---- sweep.csv ---------------------------------------------------------------
missing=0
while IFS=$'\t' read -r pid _; do
	for ((s = 1; s <= seeds; s++)); do [ -s "$out/points/$pid-s$s.csv" ] || missing=$((missing + 1)); done
done <"$out/job/points.tsv"

# Columns: each varied key (a dimension of several keys: one column each,
# the same value), seed, then the metrics in summary.csv's order.
awk -F'\t' -v OFS=, -v seeds="$seeds" -v pts="$out/points" -v dims="$out/job/dims.tsv" '
function csv(s) { if (s ~ /[",\r\n]/) { gsub(/"/, "\"\"", s); return "\"" s "\"" } return s }
BEGIN {
	nd = 0
	while ((getline l < dims) > 0) { split(l, f, "\t"); nk[++nd] = split(f[1], ks, ","); for (k = 1; k <= nk[nd]; k++) key[nd, k] = ks[k] }
	nm = 0
}
{
	for (s = 1; s <= seeds; s++) {
		fn = pts "/" $1 "-s" s ".csv"
		n = 0; delete val
		while ((getline l < fn) > 0) {
			if (++n == 1) continue
			split(l, f, ","); val[f[1]] = f[2]
			if (!(f[1] in mi)) { mi[f[1]] = ++nm; mname[nm] = f[1] }
		}
		close(fn)
		if (n == 0) continue
		row = ""
		for (d = 1; d <= nd; d++) for (k = 1; k <= nk[d]; k++) row = row csv($(1 + nd + d)) ","
		row = row s
		rows[++nr] = row; for (m in val) v[nr, m] = val[m]
	}
}
END {
	h = ""
	for (d = 1; d <= nd; d++) for (k = 1; k <= nk[d]; k++) h = h csv(key[d, k]) ","
	h = h "seed"
	for (m = 1; m <= nm; m++) h = h "," mname[m]
	print h
	for (r = 1; r <= nr; r++) {
		line = rows[r]
		for (m = 1; m <= nm; m++) line = line "," ((r, mname[m]) in v ? v[r, mname[m]] : "")
		print line
	}
}' "$out/job/grid.tsv" >"$out/sweep.csv.tmp"
mv "$out/sweep.csv.tmp" "$out/sweep.csv"

if [ "$engine" = real ]; then
	unfaithful=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "faithful") c = i; next } c && $c != "1" { n++ } END { print n + 0 }' "$out/sweep.csv")
	[ "$unfaithful" = 0 ] || echo "sweep: $unfaithful real runs were not faithful (their event loops ran late: the faithful column)" >&2
fi

if [ $plots = 1 ]; then
	if command -v gnuplot >/dev/null; then
		# shellcheck source=scripts/sweep_plots.sh
		. "$root/scripts/sweep_plots.sh"
		sweep_plots "$out" "$seeds" "$engine" "${title:-$name}" || echo "sweep: the plots failed (see $out/plots/*.log)" >&2
	else
		echo "sweep: gnuplot is not installed: no plots (scripts/install-deps.sh)" >&2
	fi
fi

rows=$(($(wc -l <"$out/sweep.csv") - 1))
say "$out/sweep.csv ($rows rows)${plots:+$([ -s "$out/sweep.html" ] && echo ", $out/sweep.html")}"
if [ "$missing" -gt 0 ]; then
	echo "sweep: $missing runs missing (failed or interrupted); go on with: $again --resume -o $(printf "%q" "$out")" >&2
	exit 1
fi
