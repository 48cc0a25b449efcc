#!/usr/bin/env bash
# bench/dns/run.sh [SECONDS] [RUNS]
# dnsperf against BIND 9 and netsvc in ONE run, same zones and query mix, for the lab zone
# (queries/lab.txt) and the generated 100,000-record zone (queries/big.txt). Uses the conformance
# kit in $KIT (/work/shared/conformance/dns): start-bind.sh, bench.sh (each dnsperf run under
# flock /tmp/bench.lock), gen-big-zone.sh. The servers alternate BIND, netsvc, BIND, ... RUNS times
# (default 3) per zone; medians are compared. After the big-zone runs it reads each server's
# resident memory (VmRSS; netsvc = primary + workers).
# Env: WORKERS (netsvc --workers, default 1), BIND_PORT (15320), NETSVC_PORT (15321),
#      NAMED_THREADS (named -n), PIN=1 (servers on CPU 1, dnsperf on CPU 0), NETSVC_ARGS (extra).
# Each run also reports the server's CPU time per answered query (all its processes, user+system):
# on a shared machine qps swings with other load, CPU per query much less.
# Last lines: `zone=<lab|big> bind_qps=<n> netsvc_qps=<n> ratio=<r> bind_cpu_us=<n> netsvc_cpu_us=<n>
# cpu_ratio_bind_over_netsvc=<r>` (per zone) and `rss_kib bind=<n> netsvc=<n>`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KIT=${KIT:-/work/shared/conformance/dns}
SECS=${1:-10}
RUNS=${2:-${RUNS:-3}}
WORKERS=${WORKERS:-1}
BIND_PORT=${BIND_PORT:-15320}
NETSVC_PORT=${NETSVC_PORT:-15321}
# shellcheck source=/dev/null
source "$KIT/lib.sh"
[[ -f $ROOT/dist/src/cli/main.js ]] || { echo "build first: npx tsc -p ." >&2; exit 2; }
ensure_big_zone

A_CMD="$KIT/start-bind.sh $BIND_PORT"
B_CMD="exec node $ROOT/dist/src/cli/main.js dns -c $HERE/named.conf --port $NETSVC_PORT --workers $WORKERS ${NETSVC_ARGS:-}"
if [[ ${PIN:-0} == 1 ]]; then
  A_CMD="taskset -c 1 $A_CMD"; B_CMD="exec taskset -c 1 ${B_CMD#exec }"; export DNSPERF_CPU=0
fi
LOGDIR=$(mktemp -d /tmp/netsvc-dns-bench.XXXXXX)
A_PID= B_PID=
cleanup() { stop_bg "$A_PID"; stop_bg "$B_PID"; [[ ${KEEP_LOGS:-0} == 1 ]] && echo "logs in $LOGDIR" >&2 || rm -rf "$LOGDIR"; }
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# rss_of SID NAME: total VmRSS (KiB) of the processes called NAME in session SID.
rss_of() {
  local total=0 pid
  for pid in $(ps -s "$1" -o pid=,comm= | awk -v n="$2" '$2 == n {print $1}'); do
    total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
# cpu_ticks SID: CPU time (clock ticks, user+system) used so far by the processes of session SID.
cpu_ticks() {
  local total=0 pid
  for pid in $(ps -s "$1" -o pid=); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
# timed PORT SID QF: one bench.sh run; prints its last line plus the server's CPU microseconds per
# answered query (less sensitive than qps to other load on a shared machine).
timed() {
  local c0 c1 line done_
  c0=$(cpu_ticks "$2")
  line=$("$KIT/bench.sh" "$1" "$SECS" "$3" | tail -1)
  c1=$(cpu_ticks "$2")
  done_=$(sed 's/.*completed=\([0-9]*\).*/\1/' <<<"$line")
  echo "$line cpu_us_per_query=$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$done_" 'BEGIN {printf "%.2f", n ? t * 1e6 / hz / n : 0}')"
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

start_and_wait "$A_CMD" "$BIND_PORT" "$LOGDIR/bind.log"; A_PID=$BG_PID
start_and_wait "$B_CMD" "$NETSVC_PORT" "$LOGDIR/netsvc.log"; B_PID=$BG_PID
wait_dns_ready "$BIND_PORT" big.example 90
wait_dns_ready "$NETSVC_PORT" big.example 90
echo "# bench/dns: BIND $(named -v | head -1) vs netsvc --workers $WORKERS, ${SECS}s x $RUNS, PIN=${PIN:-0}, $(nproc) CPUs"
for zone in lab big; do
  QF=$KIT/queries/$zone.txt
  for p in "$BIND_PORT" "$NETSVC_PORT"; do   # warm-up pass, not timed
    flock "$BENCH_LOCK" dnsperf -s 127.0.0.1 -p "$p" -d "$QF" -n 1 -c 8 >/dev/null 2>&1 || true
  done
  a=() b=() ca=() cb=()
  for ((i = 1; i <= RUNS; i++)); do
    la=$(timed "$BIND_PORT" "$A_PID" "$QF"); echo "$zone run $i BIND:   $la"
    lb=$(timed "$NETSVC_PORT" "$B_PID" "$QF"); echo "$zone run $i netsvc: $lb"
    a+=("$(sed 's/^qps=\([0-9.]*\).*/\1/' <<<"$la")"); b+=("$(sed 's/^qps=\([0-9.]*\).*/\1/' <<<"$lb")")
    ca+=("$(sed 's/.*cpu_us_per_query=//' <<<"$la")"); cb+=("$(sed 's/.*cpu_us_per_query=//' <<<"$lb")")
  done
  ma=$(median "${a[@]}"); mb=$(median "${b[@]}"); mca=$(median "${ca[@]}"); mcb=$(median "${cb[@]}")
  echo "zone=$zone bind_qps=$ma netsvc_qps=$mb ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", b/a}')" \
    "bind_cpu_us=$mca netsvc_cpu_us=$mcb cpu_ratio_bind_over_netsvc=$(awk -v a="$mca" -v b="$mcb" 'BEGIN {printf "%.3f", b ? a/b : 0}')"
done
echo "rss_kib bind=$(rss_of "$A_PID" named) netsvc=$(rss_of "$B_PID" node)"
