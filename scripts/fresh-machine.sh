#!/usr/bin/env bash
# fresh-machine.sh: the README's commands on a pristine Debian 12, as a new
# user runs them.  A `debootstrap --variant=minbase bookworm` root with only
# git and make added (kept as a tarball in build-fresh/cache/, so that a
# second run starts in seconds), a clean clone of one commit bind-mounted at
# /src, and in it, in order, `make demo` then `make test`, each timed.
# With --all, each of the other entry targets then runs from a fresh root and
# a fresh clone of its own, since each has its own way to go wrong:
#   make        must name the missing packages and compile nothing; then
#               `make deps` (what its message says to run) and `make` build
#   make bench  with small knobs (FRESH_BENCH_ENV): a check that it runs,
#               not a measurement
#   make asan, make clang, make fuzz-build, make soak
#
#   scripts/fresh-machine.sh [--rev REV] [--all] [--keep] [--new-base]
#     --rev REV   the commit to clone (default HEAD; uncommitted changes are
#                 not part of it)
#     --all       the other entry targets too (about ten minutes more on 2 cores)
#     --keep      keep the roots and clones, in build-fresh/kept-*/ (GBs)
#     --new-base  build the cached base again (after a Debian point release)
#   FRESH_DIR        cache, roots and logs (default: build-fresh/ here)
#   FRESH_MIRROR     the Debian archive (default http://deb.debian.org/debian)
#   FRESH_BENCH_ENV  VAR=VALUE words for make bench under --all
#
# Each command runs as root in the root, with a clean environment (PATH,
# HOME, TERM=dumb, LANG=C.UTF-8), in mount and PID namespaces of its own
# (unshare): the mounts it needs (proc, sys, a private /dev with pts and shm,
# the clone at /src) are undone in reverse order when it ends and, being
# private to the namespace, vanish with it; every process the command
# started ends with the namespace's first process, and that one ends when
# this script does, even by SIGKILL (setpriv --pdeathsig, unshare
# --kill-child).  On any other exit, Ctrl-C included, this script ends the
# one process it has running, by its PID, unmounts whatever shows under its
# run folder (the namespaces leave nothing) and removes that folder; a run
# folder left by a run killed outright goes at the next run.  The network is
# the host's: the tests bind loopback ports.
#
# Needs root (run as a user, it asks sudo), debootstrap, unshare
# (util-linux) and access to the Debian archive.  Prints each step's time;
# exits 1 naming the steps that failed, each with the first error line of its
# log, 2 on bad usage or setup.  Logs: build-fresh/logs/<commit>-<time>/.
set -euo pipefail

self=$(readlink -f "$0")
repo=$(cd "$(dirname "$self")/.." && pwd)
suite=bookworm
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
# make bench in minutes rather than a quarter of an hour: one run of each
# kind, one small step of each ladder, one seed once, no background load.
bench_knobs=${FRESH_BENCH_ENV:-"BENCH_RUNS=1 BENCH_REQUESTS=2000 BENCH_SEQ_REQUESTS=500 BENCH_TIMER_RUNS=1 BENCH_TIMER_REQUESTS=100 BENCH_HOLD=1000 BENCH_HOLD_RUNS=1 BENCH_INFLIGHT=100 BENCH_INFLIGHT_ATTEMPTS=2000 BENCH_INFLIGHT_RUNS=1 BENCH_SCALES=0.1 BENCH_SCALE_MAX=0.1 BENCH_SEEDS=1 BENCH_SEED_RUNS=1 BENCH_STRESS=0"}

die() {
	echo "fresh-machine: $*" >&2
	exit 2
}

# ---- inside: the first process of one command's PID namespace ----
# --inside ROOTFS SRC [VAR=VALUE]... -- COMMAND...: mount what the root
# needs, run COMMAND in it under a clean environment, end every process left
# in the namespace, unmount in reverse order.  Only as PID 1 of a namespace
# that unshare made, where `kill -KILL -1` reaches no process outside it.
mounted=()
mnt() { # mnt MOUNT-ARGS... TARGET: mount, and remember TARGET for unmount_all
	mount "$@"
	mounted+=("${!#}")
}
unmount_all() {
	local i
	if [ $$ -eq 1 ]; then
		kill -KILL -1 2>/dev/null || true # every process in this namespace but this one
	fi
	sleep 0.2
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
	done
}
inside() {
	local rootfs=$1 src=$2 vars=() node rc=0
	shift 2
	while [ "$1" != -- ]; do
		vars+=("$1")
		shift
	done
	shift
	trap unmount_all EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mnt -t proc -o nosuid,nodev,noexec proc "$rootfs/proc"
	mnt -t sysfs -o nosuid,nodev,noexec,ro sysfs "$rootfs/sys"
	mnt -t tmpfs -o nosuid,mode=0755,size=64k tmpfs "$rootfs/dev"
	for node in null zero full random urandom tty; do
		: >"$rootfs/dev/$node"
		mnt --bind "/dev/$node" "$rootfs/dev/$node"
	done
	mkdir "$rootfs/dev/pts" "$rootfs/dev/shm"
	mnt -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$rootfs/dev/pts"
	mnt -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$rootfs/dev/shm"
	ln -s pts/ptmx "$rootfs/dev/ptmx"
	ln -s /proc/self/fd "$rootfs/dev/fd"
	ln -s /proc/self/fd/0 "$rootfs/dev/stdin"
	ln -s /proc/self/fd/1 "$rootfs/dev/stdout"
	ln -s /proc/self/fd/2 "$rootfs/dev/stderr"
	mkdir -p "$rootfs/src"
	mnt --bind "$src" "$rootfs/src"
	# In the background and waited for, so that a signal's trap runs at once.
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 \
		"${vars[@]}" chroot "$rootfs" /bin/sh -c 'cd /src && exec "$@"' sh "$@" </dev/null &
	wait $! || rc=$?
	exit "$rc"
}
if [ "${1:-}" = --inside ]; then
	[ $$ -eq 1 ] || die "--inside runs only as the first process of its own PID namespace"
	shift
	inside "$@"
fi

# ---- the host side ----
args=("$@")
rev=HEAD all=0 keep=0 new_base=0
while [ $# -gt 0 ]; do
	case $1 in
	--rev)
		[ $# -ge 2 ] || die "--rev needs a commit"
		rev=$2
		shift
		;;
	--all) all=1 ;;
	--keep) keep=1 ;;
	--new-base) new_base=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$self" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "needs root (mount, chroot, debootstrap), and sudo is not installed"
	exec sudo env FRESH_DIR="${FRESH_DIR:-$repo/build-fresh}" FRESH_MIRROR="$mirror" \
		FRESH_BENCH_ENV="$bench_knobs" "$self" "${args[@]}"
fi
for c in debootstrap unshare setpriv chroot git tar mount umount; do
	command -v "$c" >/dev/null || die "$c is not installed (packages debootstrap, util-linux, mount, git, tar)"
done
sha=$(git -C "$repo" rev-parse --verify --quiet "$rev^{commit}") || die "--rev $rev: no such commit in $repo"
short=$(git -C "$repo" rev-parse --short "$sha")
read -ra bench_env <<<"$bench_knobs"
dir=${FRESH_DIR:-$repo/build-fresh}
mkdir -p "$dir/cache"
dir=$(cd "$dir" && pwd)
base=$dir/cache/debian-$suite-minbase-git-make.tar
logs=$dir/logs/$short-$(date +%Y%m%d-%H%M%S)
mkdir -p "$logs"

# mounts_under DIR: the mount points below DIR, in the order they were made.
mounts_under() { awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo; }

child="" # the one process this script has running (a step), by PID
work=""  # this run's roots and clones
cleanup() {
	local rc=$? m pid i kids=()
	trap - EXIT INT TERM
	if [ -n "$child" ]; then
		# unshare ignores SIGTERM while it waits: the namespace's first
		# process gets it, ends every other one and unmounts; past 10 s,
		# SIGKILL to unshare takes the whole namespace down (--kill-child).
		read -ra kids 2>/dev/null <"/proc/$child/task/$child/children" || true
		for pid in "${kids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
		for ((i = 0; i < 100; i++)); do
			kill -0 "$child" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	if [ -n "$work" ] && [ -d "$work" ]; then
		# The namespaces took their mounts with them; should any show here
		# all the same, undo them, the last made first.
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" || true
		done < <(mounts_under "$work" | tac)
		if [ -n "$(mounts_under "$work")" ]; then
			echo "fresh-machine: $work still has mounts; left in place" >&2
		elif [ $keep = 1 ]; then
			mv "$work" "$dir/kept-${logs##*/}"
			echo "fresh-machine: roots and clones kept in $dir/kept-${logs##*/}"
		else
			rm -rf --one-file-system "$work"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "fresh-machine: interrupted" >&2; exit 130' INT TERM
work=$(mktemp -d "$dir/run-$$-XXXXXX")

duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
slug() { tr -cs 'a-z0-9' - <<<"$1" | sed 's/^-*//; s/-*$//'; }

# timed LABEL LOG COMMAND...: COMMAND in the background, its output in LOG,
# waited for here so that a signal to this script acts at once.  Prints the
# label, then the time; sets rc and secs (and label, log for pass and fail).
timed() {
	label=$1 log=$2
	shift 2
	printf '  %-34s ' "$label"
	local t0
	t0=$(date +%s)
	"$@" >"$log" 2>&1 &
	child=$!
	rc=0
	wait "$child" || rc=$?
	child=""
	secs=$(($(date +%s) - t0))
	echo "$label,$secs,$rc" >>"$logs/times.csv"
}
failures=()
pass() { printf '%8s  ok%s\n' "$(duration "$secs")" "${1:+ ($1)}"; }
# fail WHY: the step's name, its first error line and its log.
fail() {
	local first
	printf '%8s  FAIL\n' "$(duration "$secs")"
	first=$(grep -m1 -E 'undefined reference|[Ee]rror|FAIL|\*\*\*|: not found' "$log" || tail -n1 "$log")
	failures+=("$label")
	{
		echo "fresh-machine: FAIL: step '$label': $1"
		echo "  first error: ${first:-(empty log)}"
		echo "  log: $log"
	} >&2
}
# step LABEL LOG COMMAND...: it passes when COMMAND exits 0; 1 when not.
step() {
	timed "$@"
	if [ "$rc" -eq 0 ]; then
		pass
		return 0
	fi
	fail "exit $rc after $(duration "$secs")"
	return 1
}

# ---- the base: minbase + git + make, cached ----
# debootstrap mounts proc and sys in the target itself; in a private mount
# namespace none of that can stay mounted.
make_base() {
	step "base: debootstrap" "$logs/base-debootstrap.log" \
		setpriv --pdeathsig KILL unshare --mount --propagation private --pid --fork --kill-child \
		debootstrap --variant=minbase --include=git,make "$suite" "$work/base" "$mirror" || return 1
	step "base: cached as a tarball" "$logs/base-tar.log" \
		tar -C "$work/base" --numeric-owner -cf "$base.part" . || return 1
	mv "$base.part" "$base"
	rm -rf --one-file-system "$work/base"
}

# new_root NAME: a fresh root (run folder/NAME/root) and clone of the commit
# (NAME/src).
new_root() {
	local d=$work/$1
	mkdir -p "$d/root"
	tar -C "$d/root" --numeric-owner -xpf "$base"
	cp /etc/resolv.conf "$d/root/etc/resolv.conf"
	[ -s "$d/root/etc/hosts" ] ||
		printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$d/root/etc/hosts"
	git clone --quiet --no-hardlinks --no-checkout "$repo" "$d/src"
	# A commit on no branch is not in the clone: fetch it by name.
	git -C "$d/src" checkout --quiet --detach "$sha" 2>/dev/null || {
		git -C "$d/src" fetch --quiet "$repo" "$sha" && git -C "$d/src" checkout --quiet --detach "$sha"
	}
}
drop_root() { [ $keep = 1 ] || rm -rf --one-file-system "${work:?}/$1"; }

# in_root NAME LABEL [VAR=VALUE]... -- COMMAND...: timed, in root NAME.
in_root() {
	local name=$1 what=$2
	shift 2
	timed "$what" "$logs/$name-$(slug "$what").log" \
		setpriv --pdeathsig KILL unshare --mount --propagation private --pid --fork --kill-child \
		"$self" --inside "$work/$name/root" "$work/$name/src" "$@"
}
step_in_root() { # as in_root; passes when COMMAND exits 0
	in_root "$@"
	if [ "$rc" -eq 0 ]; then
		pass
		return 0
	fi
	fail "exit $rc after $(duration "$secs")"
	return 1
}

echo "fresh-machine: $short ($(git -C "$repo" log -1 --format=%s "$sha" | cut -c1-60)) on Debian 12 minbase + git, make"
[ "$rev" != HEAD ] || git -C "$repo" diff --quiet HEAD -- || echo "  (uncommitted changes are not part of the check)"
echo "  logs: $logs"
echo "step,seconds,exit" >"$logs/times.csv"
# Run folders of runs that were killed outright (their PID is gone), once
# nothing is mounted in them.
for stale in "$dir"/run-*; do
	[ -d "$stale" ] || continue
	pid=${stale##*/run-}
	pid=${pid%%-*}
	kill -0 "$pid" 2>/dev/null && continue
	[ -z "$(mounts_under "$stale")" ] || continue
	echo "  removing $stale, left by a run that was killed"
	rm -rf --one-file-system "$stale"
done

if [ $new_base = 1 ] || [ ! -s "$base" ]; then
	make_base || exit 1
else
	printf '  %-34s %8s  ok (%s)\n' "base: cached" "" "$base"
fi

# The README's two commands, in order, in one root: a failed make demo ends
# the check there, as it would end a new user's first try.
step "root and clone" "$logs/readme-setup.log" new_root readme || exit 1
if step_in_root readme "make demo" -- make demo; then
	step_in_root readme "make test" -- make test || true
fi

if [ $all = 1 ]; then
	drop_root readme
	# A plain make before anything is installed: it must refuse, name the
	# packages and say how to get them, compile nothing; then what it says.
	if step "root and clone (make)" "$logs/plain-setup.log" new_root plain; then
		in_root plain "make, nothing installed" -- make
		if [ "$rc" -eq 0 ]; then
			fail "it succeeded, which it cannot have on a pristine machine"
		elif grep -q '^  CC ' "$log" || ! grep -q 'make deps' "$log"; then
			fail "exit $rc, but it must name the missing packages and say make deps, before compiling"
		else
			pass "refused, naming$(grep -m1 -o 'not installed:.*' "$log" | cut -d: -f2)"
		fi
		if step_in_root plain "make deps" -- make deps; then
			step_in_root plain "make" -- make || true
		fi
		drop_root plain
	fi
	for target in bench asan clang fuzz-build soak; do
		vars=()
		[ "$target" = bench ] && vars=("${bench_env[@]}")
		step "root and clone ($target)" "$logs/$target-setup.log" new_root "$target" || continue
		step_in_root "$target" "make $target" "${vars[@]}" -- make "$target" || true
		drop_root "$target"
	done
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "fresh-machine: $short FAILED at: $(printf "'%s' " "${failures[@]}")after $(duration "$SECONDS") (logs: $logs)" >&2
	exit 1
fi
echo "fresh-machine: $short passed every step in $(duration "$SECONDS") (times: $logs/times.csv)"
