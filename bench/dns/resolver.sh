#!/usr/bin/env bash
# bench/dns/resolver.sh [SECONDS] [RUNS]
# Cached-answer queries per second of a recursive resolver: BIND 9 vs netsvc in ONE run, both
# resolving through the same loopback hierarchy (netsvc authoritative servers for ., edu.,
# berkeley.edu. and net./example.net. on 127.77.0.1-4, port $HIER_PORT; nothing leaves loopback).
# Each resolver is warmed with the query mix (positive answers, a CNAME chain across zones,
# NXDOMAIN), then dnsperf (the conformance kit's bench.sh, under flock /tmp/bench.lock) runs
# BIND, netsvc, BIND, ... RUNS times (default 3); medians are compared.
# Env: WORKERS (netsvc --workers, default 1: on 2 CPUs dnsperf needs the other one), BIND_PORT (15341), NETSVC_PORT (15342),
#      HIER_PORT (15350), PIN=1 (resolvers on CPU 1, dnsperf on CPU 0), KEEP_LOGS=1.
# Last line: `resolver bind_qps=<n> netsvc_qps=<n> ratio=<r>`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KIT=${KIT:-/work/shared/conformance/dns}
SECS=${1:-10}
RUNS=${2:-${RUNS:-3}}
WORKERS=${WORKERS:-1}
BIND_PORT=${BIND_PORT:-15341}
NETSVC_PORT=${NETSVC_PORT:-15342}
HIER_PORT=${HIER_PORT:-15350}
# shellcheck source=/dev/null
source "$KIT/lib.sh"
CLI=$ROOT/dist/src/cli/main.js
[[ -f $CLI ]] || { echo "build first: npx tsc -p ." >&2; exit 2; }
for p in "$BIND_PORT" "$NETSVC_PORT"; do
  if port_in_use "$p"; then echo "port $p already in use" >&2; exit 1; fi
done
if ss -Hlnu "( src 127.77.0.1:$HIER_PORT )" 2>/dev/null | grep -q .; then echo "127.77.0.1:$HIER_PORT already in use" >&2; exit 1; fi

T=$(mktemp -d /tmp/netsvc-resolver-bench.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do stop_bg "$p"; done
  [[ ${KEEP_LOGS:-0} == 1 ]] && echo "logs in $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

ip() { echo "127.77.0.$1"; }
soa() { printf '$TTL 86400\n@ SOA ns.%s hostmaster.%s 1 3600 600 86400 3600\n' "$1" "$1"; }
# the hierarchy: one netsvc authoritative server per level
{ soa root.test.; printf '@ NS a.root.test.\na.root.test. A %s\nedu. NS ns.edu.\nns.edu. A %s\nnet. NS ns.net.\nns.net. A %s\n' "$(ip 1)" "$(ip 2)" "$(ip 4)"; } > "$T/root.zone"
{ soa edu.; printf '@ NS ns\nns A %s\nberkeley NS ns.berkeley\nns.berkeley A %s\n' "$(ip 2)" "$(ip 3)"; } > "$T/edu.zone"
{ soa berkeley.edu.; printf '@ NS ns\nns A %s\nocf A 169.229.226.23\nwww CNAME www.example.net.\n' "$(ip 3)"
  for i in $(seq 1 200); do printf 'host%d A 10.1.%d.%d\n' "$i" $((i / 250)) $((i % 250)); done; } > "$T/berkeley.zone"
{ soa net.; printf '@ NS ns\nns A %s\nexample NS ns.example\nns.example A %s\n' "$(ip 4)" "$(ip 4)"; } > "$T/net.zone"
{ soa example.net.; printf '@ NS ns\nns A %s\nwww A 192.0.2.80\nwww AAAA 2001:db8::80\n' "$(ip 4)"; } > "$T/example.net.zone"
auth_conf() { # name, zone lines
  printf 'options { directory "%s"; recursion no; listen-on-v6 { none; }; dnssec-validation no; };\n%s\n' "$T" "$2" > "$T/$1.conf"
}
auth_conf root 'zone "." { type primary; file "root.zone"; };'
auth_conf edu 'zone "edu" { type primary; file "edu.zone"; };'
auth_conf berkeley 'zone "berkeley.edu" { type primary; file "berkeley.zone"; };'
auth_conf net 'zone "net" { type primary; file "net.zone"; }; zone "example.net" { type primary; file "example.net.zone"; };'
n=1
for z in root edu berkeley net; do
  start_bg "exec node $CLI dns -c $T/$z.conf --listen $(ip $n):$HIER_PORT --workers 1" "$T/$z.log"; PIDS+=("$BG_PID")
  n=$((n + 1))
done
printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A %s\n' "$(ip 1)" > "$T/root.hints"

# the two resolvers, configured alike
cat > "$T/bind.conf" <<CONF
options {
  directory "$T"; pid-file "$T/named.pid"; session-keyfile "$T/session.key"; managed-keys-directory "$T";
  listen-on port $BIND_PORT { 127.0.0.1; }; listen-on-v6 { none; };
  dnssec-validation no; notify no; qname-minimization off;
  recursion yes; allow-recursion { 127.0.0.1; }; port $HIER_PORT;
};
controls { };
zone "." { type hint; file "root.hints"; };
CONF
cat > "$T/netsvc.conf" <<CONF
options {
  directory "$T"; listen-on port $NETSVC_PORT { 127.0.0.1; }; listen-on-v6 { none; };
  dnssec-validation no; qname-minimization off;
  recursion yes; allow-recursion { 127.0.0.1; }; port $HIER_PORT;
};
zone "." { type hint; file "root.hints"; };
statistics-channels { inet 127.0.0.1 port 0 allow { 127.0.0.1; }; };
CONF
named-checkconf "$T/bind.conf"
A_CMD="exec named -g -c $T/bind.conf"
B_CMD="exec node $CLI dns -c $T/netsvc.conf --workers $WORKERS"
if [[ ${PIN:-0} == 1 ]]; then
  A_CMD="exec taskset -c 1 ${A_CMD#exec }"; B_CMD="exec taskset -c 1 ${B_CMD#exec }"; export DNSPERF_CPU=0
fi
start_bg "$A_CMD" "$T/bind.log"; PIDS+=("$BG_PID")
start_bg "$B_CMD" "$T/netsvc.log"; PIDS+=("$BG_PID")

# the query mix: 200 hosts, ocf, a CNAME into example.net, AAAA, NXDOMAIN and NODATA
QF=$T/queries.txt
{ for i in $(seq 1 200); do echo "host$i.berkeley.edu A"; done
  for i in $(seq 1 20); do echo "ocf.berkeley.edu A"; echo "www.berkeley.edu A"; echo "www.example.net AAAA"
    echo "nosuch$i.berkeley.edu A"; echo "ocf.berkeley.edu MX"; done; } > "$QF"

ready() { # port: the resolver answers ocf.berkeley.edu by recursion
  local i
  for ((i = 0; i < 150; i++)); do
    dig +time=1 +tries=1 @127.0.0.1 -p "$1" ocf.berkeley.edu A 2>/dev/null | grep -q '169.229.226.23' && return 0
    sleep 0.2
  done
  echo "resolver on port $1 not answering; logs in $T" >&2; KEEP_LOGS=1; return 1
}
ready "$BIND_PORT"; ready "$NETSVC_PORT"
for p in "$BIND_PORT" "$NETSVC_PORT"; do   # warm the caches (every worker's), not timed
  flock "$BENCH_LOCK" dnsperf -s 127.0.0.1 -p "$p" -d "$QF" -n 3 -c 4 -q 20 >/dev/null 2>&1 || true
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "# bench/dns/resolver: BIND $(named -v | head -1) vs netsvc --workers $WORKERS as resolvers, cached answers, ${SECS}s x $RUNS, PIN=${PIN:-0}, $(nproc) CPUs"
a=() b=()
for ((i = 1; i <= RUNS; i++)); do
  la=$("$KIT/bench.sh" "$BIND_PORT" "$SECS" "$QF" | tail -1); echo "run $i BIND:   $la"
  lb=$("$KIT/bench.sh" "$NETSVC_PORT" "$SECS" "$QF" | tail -1); echo "run $i netsvc: $lb"
  a+=("$(sed 's/.*qps=\([0-9.]*\).*/\1/' <<<"$la")"); b+=("$(sed 's/.*qps=\([0-9.]*\).*/\1/' <<<"$lb")")
done
# netsvc's own view of the run: answers from the caches vs upstream work
sp=$(grep -o '"port":[0-9]*,"role":"stats"' "$T/netsvc.log" | head -1 | grep -o '[0-9]*' || true)
[[ -n $sp ]] && curl -s "http://127.0.0.1:$sp/metrics" | grep -E '^netsvc_dns_(queries_total|cache_hits|cache_misses|answer_cache|dropped)' | sed 's/^/# /'
ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
echo "resolver bind_qps=$ma netsvc_qps=$mb ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", b/a}')"
