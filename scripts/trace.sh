#!/usr/bin/env bash
# trace.sh: one client request's attempt tree in the terminal, a line per
# span with a bar on a shared time axis, so a retry storm's fan-out is
# visible on one screen.  A thin wrapper around `report waterfall` that
# builds report first when needed and fits the bars to the terminal.
#   scripts/trace.sh DIR [TRACE_ID]   (default: the request with the most
#                                      database hits; a unique prefix will do)
# CASCADE_BIN=folder uses the report found there and skips the build.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
case "${1:-}" in
"" | -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ]; exit ;;
esac
if [ -z "${CASCADE_BIN:-}" ]; then
	make -s -C "$root" --no-print-directory build/bin/report >&2 ||
		{ echo "trace: building report failed" >&2; exit 1; }
fi
cols=${COLUMNS:-}
[ -n "$cols" ] || { [ -t 1 ] && cols=$(tput cols 2>/dev/null); } || true
exec "$bin/report" waterfall -w "${cols:-80}" "$@"
