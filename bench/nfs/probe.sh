#!/usr/bin/env bash
# bench/nfs/probe.sh — the conformance kit's nfsprobe against netsvc over NFSv3, then file handles
# across a restart: `nfsprobe --fh-save`, stop netsvc, start it again on the same ports and data,
# `nfsprobe --fh-check`. Prints nfsprobe's lines and a last line `TOTAL N passed, M failed`.
#
# Needs libnfs-dev (nfsprobe is compiled into a temp dir) and a built netsvc (npm run build).
# Environment: NFS_KIT (default /work/shared/conformance/nfs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
KIT=${NFS_KIT:-/work/shared/conformance/nfs}
tmp=$(mktemp -d /tmp/netsvc-nfsprobe.XXXXXX)
pid=""
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cc -O2 -o "$tmp/nfsprobe" "$KIT/nfsprobe.c" $(pkg-config --cflags --libs libnfs)

data=$tmp/data
mkdir -p "$data/opt/lab7/public" "$data/opt/lab7/private/student"
echo swordfish >"$data/opt/lab7/public/secret.txt"
echo "above the exports" >"$data/opt/lab7/hidden-above.txt"
chown 1000:1000 "$data/opt/lab7/private/student" 2>/dev/null || true
cat >"$tmp/exports" <<EOF
/opt/lab7/public          127.0.0.0/8(ro,insecure,root_squash)
/opt/lab7/private/student 127.0.0.0/8(rw,insecure,root_squash)
EOF
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
NFS_PORT=$(free_port)
MNT_PORT=$(free_port)
PM_PORT=$(free_port)
start() {
	node "$REPO/dist/src/cli/main.js" nfs -e "$tmp/exports" --root "$data" --listen 127.0.0.1 \
		--port "$NFS_PORT" --mount-port "$MNT_PORT" --portmap-port "$PM_PORT" >>"$tmp/netsvc.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[[ $(grep -c '"msg":"ready"' "$tmp/netsvc.log") -ge $1 ]] && return 0
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/netsvc.log" >&2; exit 1; }
		sleep 0.1
	done
	echo "netsvc did not become ready" >&2
	exit 1
}
q="version=3&nfsport=$NFS_PORT&mountport=$MNT_PORT"
RO="nfs://127.0.0.1/opt/lab7/public?$q"
RW="nfs://127.0.0.1/opt/lab7/private/student?$q&uid=1000&gid=1000"

start 1
"$tmp/nfsprobe" -w swordfish -X hidden-above.txt "$RO" "$RW" | tee "$tmp/out1" || true
"$tmp/nfsprobe" --fh-save "$tmp/fh" "$RW" | tee "$tmp/out2" || true
kill "$pid"
wait "$pid" || true
start 2
"$tmp/nfsprobe" --fh-check "$tmp/fh" "$RW" | tee "$tmp/out3" || true
pass=$(cat "$tmp"/out? | grep -c '^PASS' || true)
fail=$(cat "$tmp"/out? | grep -c '^FAIL' || true)
echo "TOTAL $pass passed, $fail failed"
