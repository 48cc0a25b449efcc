#!/usr/bin/env bash
# netsvc lb against HAProxy 2.6 over the same fast nginx backends, with the shared conformance kit
# (/work/shared/conformance/lb/compare.sh + bench-lib.sh: wrk -c64 keep-alive, alternated rounds,
# medians, ratio on the last line). Builds netsvc first unless NO_BUILD=1.
#   bench/lb/run.sh [http|tcp|baseline]...     (default: http tcp)
#     http      netsvc `mode http` vs HAProxy `mode http`          (REF=haproxy)
#     tcp       netsvc `mode tcp`  vs HAProxy `mode tcp`           (REF=haproxy-tcp)
#     baseline  node:http + undici Pool (bench/lb/baseline-undici.mjs) vs HAProxy, the design
#               alternative docs/lb.md compares against
# Env: WORKERS (netsvc --workers, default: nproc, as HAProxy 2.6 runs nbthread = CPUs),
#      KIT (conformance kit dir), plus compare.sh's ROUNDS PIN DURATION WARMUP CONNS THREADS.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KIT=${KIT:-/work/shared/conformance/lb}
WORKERS=${WORKERS:-$(nproc)}
[ -x "$KIT/compare.sh" ] || { echo "missing $KIT/compare.sh (set KIT=)"; exit 2; }
[ "${NO_BUILD:-0}" = 1 ] || (cd "$ROOT" && npx tsc -p .)
[ $# -eq 0 ] && set -- http tcp
CFGDIR=$(mktemp -d /tmp/netsvc-lbbench.XXXXXX)
trap 'rm -rf "$CFGDIR"' EXIT
# The config is written at start time from compare.sh's $LB_PORT and $BACKEND_PORTS.
gen() { # MODE -> prints a shell command that writes the config and runs netsvc lb
  local mode=$1 cfg="$CFGDIR/haproxy-$1.cfg"
  echo "{ printf 'global\n    maxconn 8000\ndefaults\n    mode $mode\n    timeout connect 2s\n    timeout client 30s\n    timeout server 30s\n    timeout http-keep-alive 10s\nfrontend fe\n    bind 127.0.0.1:%s\n    default_backend be\nbackend be\n    balance roundrobin\n' \$LB_PORT; i=0; for p in \$BACKEND_PORTS; do printf '    server s%s 127.0.0.1:%s check inter 1s\n' \$i \$p; i=\$((i+1)); done; } > $cfg && exec node $ROOT/dist/src/cli/main.js lb -f $cfg --workers $WORKERS"
}
for what in "$@"; do
  echo "=== $what (netsvc --workers $WORKERS) ==="
  case "$what" in
    http) REF=haproxy "$KIT/compare.sh" "$(gen http)" 7020 ;;
    tcp) REF=haproxy-tcp "$KIT/compare.sh" "$(gen tcp)" 7020 ;;
    baseline) REF=haproxy "$KIT/compare.sh" "node $ROOT/bench/lb/baseline-undici.mjs \$LB_PORT $WORKERS \$BACKEND_PORTS" 7020 ;;
    *) echo "unknown: $what (http tcp baseline)"; exit 2 ;;
  esac
done
