#!/usr/bin/env bash
# compare.sh: several runs' summaries side by side.  A thin wrapper around
# `report compare` that builds report first when needed, so it works from a
# fresh checkout.
#   scripts/compare.sh DIR... [-o FILE]    (CSV to FILE, default ./compare.csv)
# CASCADE_BIN=folder uses the report found there and skips the build.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CASCADE_BIN:-$root/build/bin}
if [ -z "${CASCADE_BIN:-}" ]; then
	make -s -C "$root" --no-print-directory build/bin/report >&2 ||
		{ echo "compare: building report failed" >&2; exit 1; }
fi
exec "$bin/report" compare "$@"
