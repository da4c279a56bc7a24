#!/usr/bin/env bash
# Install the Debian packages cascade needs, only those that are missing.
# Runs apt-get only when something is missing, so `make test` stays fast on
# a machine that already has everything.
#   scripts/install-deps.sh           what the build, the tests and the demo need
#   scripts/install-deps.sh --bench   only what `make bench` needs on top (nginx,
#                                     the chain it is compared with; stress-ng,
#                                     the background load), so that `make test`
#                                     never needs them
set -euo pipefail

if [ "${1:-}" = --bench ]; then
	pkgs=(nginx jq curl iproute2 stress-ng)
else
	pkgs=(build-essential pkg-config libevent-dev libcurl4-openssl-dev libcjson-dev libcriterion-dev
	      gnuplot-nox curl clang libclang-rt-14-dev valgrind jq shellcheck)
	[ "${CASCADE_WITH_BROWSER:-1}" = 1 ] && pkgs+=(chromium)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
