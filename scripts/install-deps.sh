#!/usr/bin/env bash
# Install the Debian packages cascade needs, only those that are missing.
# Runs apt-get only when something is missing, so `make test` stays fast on
# a machine that already has everything.
#   scripts/install-deps.sh           what the build, the tests and the demo need
#   scripts/install-deps.sh --bench   only what `make bench` needs on top (nginx,
#                                     the chain it is compared with; stress-ng,
#                                     the background load; python3-simpy3, the
#                                     virtual engine's peer; time, for its wall
#                                     time and peak memory), so that `make test`
#                                     never needs them
#   scripts/install-deps.sh --check   install nothing: name the packages the
#                                     build needs that are missing, say how to
#                                     get them, and exit 1 if there are any
#                                     (what a plain `make` says without them)
set -euo pipefail

build=(build-essential pkg-config libevent-dev libcurl4-openssl-dev libcjson-dev libcriterion-dev)
case ${1:-} in
--bench) pkgs=(nginx jq curl iproute2 stress-ng python3-simpy3 time) ;;
--check) pkgs=("${build[@]}") ;;
"")
	# parallel and rsync: cascade sweep (runs spread over cores and ssh
	# hosts); openssh-server: the test of that ssh path starts its own sshd
	pkgs=("${build[@]}" gnuplot-nox curl clang libclang-rt-14-dev valgrind jq shellcheck
	      parallel rsync openssh-client openssh-server)
	[ "${CASCADE_WITH_BROWSER:-1}" = 1 ] && pkgs+=(chromium)
	;;
-h | --help)
	echo "usage: scripts/install-deps.sh [--bench | --check]"
	exit 0
	;;
*)
	echo "usage: scripts/install-deps.sh [--bench | --check]" >&2
	exit 2
	;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1:-}" = --check ]; then
	cat >&2 <<EOF
cascade: the build needs Debian packages that are not installed: ${missing[*]}
  make deps (that is, scripts/install-deps.sh) installs them and what the tests
  need, as root or through sudo; make demo, make test and the other entry
  targets listed at the top of the Makefile install them first by themselves.
EOF
	exit 1
fi

echo "installing: ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
# Servers installed only for the bench (nginx, run on its own ports by
# bench.sh) and for the ssh test (openssh-server: the test starts its own
# sshd on 127.0.0.1) must not listen on the machine's ports 80 and 22: while
# they install, Debian's policy-rc.d says no service may start (exit 101),
# and afterwards the services this run installed are disabled at boot.  A
# policy already in place is left as it is; ours goes once the install ends.
policy=/usr/sbin/policy-rc.d
units=()
for p in "${missing[@]}"; do
	case $p in
	nginx) units+=(nginx.service) ;;
	openssh-server) units+=(ssh.service) ;;
	esac
done
if [ ${#units[@]} -gt 0 ] && [ ! -e "$policy" ]; then
	trap '"${sudo[@]}" rm -f "$policy"' EXIT
	printf '#!/bin/sh\n# cascade install-deps: no service starts while packages install\nexit 101\n' |
		"${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod 755 "$policy"
fi
# sudo resets the environment: apt-get gets DEBIAN_FRONTEND through env.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ ${#units[@]} -gt 0 ] && command -v systemctl >/dev/null; then
	"${sudo[@]}" systemctl disable --quiet "${units[@]}" 2>/dev/null || true
fi
