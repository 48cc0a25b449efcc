#!/usr/bin/env bash
# bench/dns/difftest.sh [REF_PORT] [TEST_PORT] [difftest.py options...]
# The conformance must-show: the kit's difftest.py (127 cases) against BIND 9 and netsvc serving the
# same zones (bench/dns/named.conf), over UDP and then over TCP. Ports default to 15371/15372.
# Last lines: `udp: N passed, M failed` and `tcp: N passed, M failed`; exit 1 if either fails.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KIT=${KIT:-/work/shared/conformance/dns}
A=${1:-15371} B=${2:-15372}
shift $(($# > 2 ? 2 : $#))
[[ -f $ROOT/dist/src/cli/main.js ]] || { echo "build first: npx tsc -p ." >&2; exit 2; }
rc=0
for mode in udp tcp; do
  extra=(); [[ $mode == tcp ]] && extra=(--tcp)
  out=$(cd "$KIT" && ./run-difftest.sh "./start-bind.sh $A" "$A" \
    "node $ROOT/dist/src/cli/main.js dns -c $HERE/named.conf --port $B" "$B" "${extra[@]}" "$@" 2>&1) || rc=1
  grep -v ' passed, ' <<<"$out" | tail -40
  echo "$mode: $(grep -E '^[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)"
done
exit $rc
