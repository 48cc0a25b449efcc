#!/usr/bin/env bash
# bench/dns/lab-recursion.sh
# The lab's DNS questions, asked with dig of BIND 9 and of netsvc, both running the lab's own
# named.conf (/work/shared/lab: example.com, `allow-recursion { localhost; "berkeley"; }`, root
# hints db.root.loopback = a.root.loopback. 127.0.0.53). The script starts that loopback root
# (127.0.0.53:53) and below it edu. (127.0.0.54) and berkeley.edu. (127.0.0.55, ocf A
# 169.229.226.23) as netsvc authoritative servers, then compares each answer (rcode, flags,
# sections; TTLs masked since caches count them down). netsvc reads the lab files unchanged
# (--listen picks its port); BIND gets a copy with a listen-on port added. Needs root (port 53).
# Env: LAB (/work/shared/lab), BIND_PORT (15361), NETSVC_PORT (15362), KEEP_LOGS=1.
# Last line: `N passed, M failed`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KIT=${KIT:-/work/shared/conformance/dns}
LAB=${LAB:-/work/shared/lab}
BIND_PORT=${BIND_PORT:-15361}
NETSVC_PORT=${NETSVC_PORT:-15362}
# shellcheck source=/dev/null
source "$KIT/lib.sh"
CLI=$ROOT/dist/src/cli/main.js
[[ -f $CLI ]] || { echo "build first: npx tsc -p ." >&2; exit 2; }
for a in 127.0.0.53 127.0.0.54 127.0.0.55; do
  if ss -Hlnu "( src $a:53 )" 2>/dev/null | grep -q .; then echo "$a:53 is in use" >&2; exit 1; fi
done
T=$(mktemp -d /tmp/netsvc-lab-rec.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do stop_bg "$p"; done
  [[ ${KEEP_LOGS:-0} == 1 ]] && echo "logs in $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

soa() { printf '$TTL 3600\n@ SOA ns.%s hostmaster.%s 1 3600 600 86400 300\n' "$1" "$1"; }
{ soa loopback.; printf '@ NS a.root.loopback.\na.root.loopback. A 127.0.0.53\nedu. NS a.edu-servers.loopback.\na.edu-servers.loopback. A 127.0.0.54\n'; } > "$T/root.zone"
{ soa edu.; printf '@ NS a.edu-servers.loopback.\nberkeley NS ns.berkeley\nns.berkeley A 127.0.0.55\n'; } > "$T/edu.zone"
{ soa berkeley.edu.; printf '@ NS ns\nns A 127.0.0.55\n@ A 169.229.216.200\nocf A 169.229.226.23\nwww CNAME ocf\n@ MX 10 ocf\n'; } > "$T/berkeley.zone"
n=53
for z in root:. edu:edu berkeley:berkeley.edu; do
  name=${z%%:*} origin=${z#*:}
  printf 'options { directory "%s"; recursion no; listen-on-v6 { none; }; dnssec-validation no; };\nzone "%s" { type primary; file "%s.zone"; };\n' "$T" "$origin" "$name" > "$T/$name.conf"
  start_bg "exec node $CLI dns -c $T/$name.conf --listen 127.0.0.$n:53 --workers 1" "$T/$name.log"; PIDS+=("$BG_PID")
  n=$((n + 1))
done

# the lab, twice: netsvc reads it unchanged; BIND's copy only gains a port and its state files
cp -r "$LAB" "$T/netsvc-lab"; cp -r "$LAB" "$T/bind-lab"; chmod -R u+w "$T/netsvc-lab" "$T/bind-lab"
sed -i "s|options {|options {\n\tlisten-on port $BIND_PORT { 127.0.0.1; }; listen-on-v6 { none; };\n\tpid-file \"$T/named.pid\"; session-keyfile \"$T/session.key\"; managed-keys-directory \"$T\";|" "$T/bind-lab/named.conf.options"
sed -i 's|^\s*listen-on-v6 { any; };||' "$T/bind-lab/named.conf.options"
(cd "$T/bind-lab" && named-checkconf named.conf)
start_bg "cd $T/bind-lab && exec named -g -c named.conf" "$T/bind.log"; PIDS+=("$BG_PID")
start_bg "cd $T/netsvc-lab && exec node $CLI dns -c named.conf --listen 127.0.0.1:$NETSVC_PORT --workers 1" "$T/netsvc.log"; PIDS+=("$BG_PID")
for p in "$BIND_PORT" "$NETSVC_PORT"; do wait_dns_ready "$p" example.com 30; done

# the questions: the lab zone, then recursion (allowed from localhost, refused from elsewhere)
Q=(
  "example.com SOA" "example.com NS" "example.com A" "example.com MX" "example.com TXT" "example.com ANY"
  "test.example.com A" "www.example.com A" "mail.example.com A" "ns.example.com A"
  "_http._tcp.example.com SRV" "nosuch.example.com A" "test.example.com AAAA" "+norec test.example.com A"
  "ocf.berkeley.edu A" "www.berkeley.edu A" "berkeley.edu MX" "nosuch.berkeley.edu A" "ocf.berkeley.edu AAAA"
  "ocf.berkeley.edu A" "-b 127.0.0.99 ocf.berkeley.edu A" "-b 127.0.0.99 example.com A" "+tcp ocf.berkeley.edu A"
  "+norec ocf.berkeley.edu A" "+norec nothere.berkeley.edu A"
)
norm() { # rcode, flags and sections of a dig answer, TTLs masked, sorted within sections
  awk '/status:/ {sub(/.*status: /, ""); sub(/,.*/, ""); print "rcode " $0}
       /^;; flags:/ {sub(/;; flags: /, ""); sub(/;.*/, ""); print "flags " $0}
       /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION/ {sec=$2; next}
       /^$/ {sec=""}
       sec != "" && !/^;/ {$2="TTL"; print sec, $0}' | sort
}
pass=0 fail=0
for q in "${Q[@]}"; do
  # shellcheck disable=SC2086
  a=$(dig +time=3 +tries=1 @127.0.0.1 -p "$BIND_PORT" $q | norm || true)
  # shellcheck disable=SC2086
  b=$(dig +time=3 +tries=1 @127.0.0.1 -p "$NETSVC_PORT" $q | norm || true)
  if [[ $a == "$b" ]]; then pass=$((pass + 1)); echo "ok   $q"
  else fail=$((fail + 1)); echo "FAIL $q"; diff <(echo "$a") <(echo "$b") | sed 's/^/     /'; fi
done
# and the answers are the real ones, not two equal failures
for p in "$BIND_PORT" "$NETSVC_PORT"; do
  if [[ $(dig +short +time=3 +tries=1 @127.0.0.1 -p "$p" ocf.berkeley.edu A || true) == 169.229.226.23 ]]; then pass=$((pass + 1))
  else fail=$((fail + 1)); echo "FAIL port $p: ocf.berkeley.edu did not resolve to 169.229.226.23"; fi
done
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
