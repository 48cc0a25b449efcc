#!/usr/bin/env bash
# bench/nfs/run.sh [ROUNDS] [SIZE_MiB] [NFILES]
#
# The same libnfs clients against netsvc and nfs-ganesha 4.3 (Debian, FSAL_VFS), in ONE run:
#   1. nfs-cp local->NFS (write) and NFS->local (read) of a SIZE_MiB random file (synchronous 1 MiB
#      requests; read-back compared with cmp, not timed)
#   2. nfsbench write/read of SIZE_MiB (1 MiB requests, 4 in flight; the write includes COMMIT)
#   3. nfsbench meta: NFILES x create, stat, remove
# Rounds alternate the order of the two servers; each timed step runs under `flock /tmp/bench.lock`
# (the time spent waiting for the lock is not counted). Prints every measurement, then the median
# per server and the ratio netsvc/ganesha (higher is better for netsvc), last lines:
#   RATIO <metric> netsvc=<v> ganesha=<v> ratio=<r>
#
# Needs: root (ganesha's FSAL_VFS), nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils libnfs-dev, a
# built netsvc (npm run build). ganesha comes from the conformance kit's start-ganesha.sh (NFS 12049,
# MOUNT 12048, its own rpcbind on 111 that it stops again). netsvc listens on ports picked at run
# time with its own port mapper on a free port (it never touches :111).
# Environment: NFS_KIT (default /work/shared/conformance/nfs), NETSVC (default: this checkout).
set -euo pipefail

ROUNDS=${1:-3}
SIZE=${2:-512}
NFILES=${3:-5000}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
KIT=${NFS_KIT:-/work/shared/conformance/nfs}
NETSVC=${NETSVC:-"node $REPO/dist/src/cli/main.js"}
LOCK=/tmp/bench.lock
G_PORT=12049
G_MNT=12048

[[ -f $REPO/dist/src/cli/main.js ]] || { echo "build netsvc first (npm run build)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/netsvc-nfsbench.XXXXXX)
shm=$(mktemp -d /dev/shm/netsvc-nfsbench.XXXXXX)
netsvc_pid=""
ganesha_started=0
cleanup() {
	set +e
	[[ -n $netsvc_pid ]] && kill "$netsvc_pid" 2>/dev/null && wait "$netsvc_pid" 2>/dev/null
	[[ $ganesha_started == 1 ]] && NFS_PORT=$G_PORT MNT_PORT=$G_MNT "$KIT/start-ganesha.sh" stop >/dev/null 2>&1
	rm -rf "$tmp" "$shm"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -- the client tools ------------------------------------------------------------------------
cc -O2 -o "$tmp/nfsbench" "$KIT/nfsbench.c" $(pkg-config --cflags --libs libnfs)
NFSBENCH=$tmp/nfsbench

# -- netsvc with the lab layout ----------------------------------------------------------------
data=$tmp/data
mkdir -p "$data/opt/lab7/public" "$data/opt/lab7/private/student"
echo swordfish >"$data/opt/lab7/public/secret.txt"
chown 1000:1000 "$data/opt/lab7/private/student"
cat >"$tmp/exports" <<EOF
/opt/lab7/public          127.0.0.0/8(ro,insecure,root_squash)
/opt/lab7/private/student 127.0.0.0/8(rw,insecure,root_squash)
EOF
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
$NETSVC nfs -e "$tmp/exports" --root "$data" --listen 127.0.0.1 --port 0 --mount-port 0 \
	--portmap-port "$(free_port)" >"$tmp/netsvc.log" 2>&1 &
netsvc_pid=$!
for _ in $(seq 100); do
	grep -q '"msg":"ready"' "$tmp/netsvc.log" 2>/dev/null && break
	kill -0 "$netsvc_pid" 2>/dev/null || { cat "$tmp/netsvc.log" >&2; exit 1; }
	sleep 0.1
done
read -r N_PORT N_MNT < <(node -e '
const l = require("fs").readFileSync(process.argv[1], "utf8").split("\n").map((x) => { try { return JSON.parse(x); } catch { return {}; } }).find((x) => x.msg === "ready");
const p = (r) => l.endpoints.find((e) => e.role === r && e.proto === "tcp").port;
console.log(p("nfs"), p("mount"));' "$tmp/netsvc.log")

# -- ganesha -------------------------------------------------------------------------------------
NFS_PORT=$G_PORT MNT_PORT=$G_MNT "$KIT/start-ganesha.sh" start >/dev/null 2>"$tmp/ganesha.err" || {
	cat "$tmp/ganesha.err" >&2
	exit 1
}
ganesha_started=1

ids="uid=1000&gid=1000"
url_of() { # server
	if [[ $1 == netsvc ]]; then
		echo "nfs://127.0.0.1/opt/lab7/private/student?version=3&nfsport=$N_PORT&mountport=$N_MNT&$ids"
	else
		echo "nfs://127.0.0.1/opt/lab7/private/student?version=3&nfsport=$G_PORT&mountport=$G_MNT&$ids"
	fi
}
fileurl() { # url name
	local base=${1%%\?*} query=${1#*\?}
	echo "$base/$2?$query"
}
timed_locked() {
	flock "$LOCK" bash -c 's=$(date +%s.%N); "$@" >/dev/null || exit 1; e=$(date +%s.%N); awk -v a="$e" -v b="$s" "BEGIN { printf \"%.3f\", a - b }"' _ "$@"
}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }
bytes=$((SIZE * 1024 * 1024))
head -c "$bytes" /dev/urandom >"$shm/src.bin"
results=$tmp/results

measure() { # server
	local srv=$1 url f secs line
	url=$(url_of "$srv")
	f=$(fileurl "$url" "bench-cp-$$.bin")
	secs=$(timed_locked nfs-cp "$shm/src.bin" "$f")
	echo "$srv cp_write $(mbps "$bytes" "$secs")" | tee -a "$results"
	secs=$(timed_locked nfs-cp "$f" "$shm/dst.bin")
	echo "$srv cp_read $(mbps "$bytes" "$secs")" | tee -a "$results"
	cmp -s "$shm/src.bin" "$shm/dst.bin" || { echo "$srv: nfs-cp read-back MISMATCH" >&2; exit 1; }
	rm -f "$shm/dst.bin"
	"$NFSBENCH" rm "$f" >/dev/null
	f=$(fileurl "$url" "bench-nb-$$.bin")
	line=$(flock "$LOCK" "$NFSBENCH" write "$f" "$SIZE")
	echo "$srv nb_write $(sed -n 's/.*MBps=\([0-9.]*\).*/\1/p' <<<"$line")" | tee -a "$results"
	line=$(flock "$LOCK" "$NFSBENCH" read "$f")
	echo "$srv nb_read $(sed -n 's/.*MBps=\([0-9.]*\).*/\1/p' <<<"$line")" | tee -a "$results"
	"$NFSBENCH" rm "$f" >/dev/null
	line=$(flock "$LOCK" "$NFSBENCH" meta "$url" "$NFILES")
	echo "$srv meta_ops $(sed -n 's/.*opsps=\([0-9.]*\).*/\1/p' <<<"$line")" | tee -a "$results"
}

echo "# bench/nfs/run.sh rounds=$ROUNDS size=${SIZE}MiB files=$NFILES netsvc=127.0.0.1:$N_PORT ganesha=127.0.0.1:$G_PORT"
for r in $(seq "$ROUNDS"); do
	if ((r % 2)); then order="ganesha netsvc"; else order="netsvc ganesha"; fi
	for srv in $order; do measure "$srv"; done
done

node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" "));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
for (const metric of ["cp_write", "cp_read", "nb_write", "nb_read", "meta_ops"]) {
  const v = (srv) => med(rows.filter((r) => r[0] === srv && r[1] === metric).map((r) => Number(r[2])));
  const n = v("netsvc"), g = v("ganesha");
  console.log(`RATIO ${metric} netsvc=${n} ganesha=${g} ratio=${(n / g).toFixed(2)}`);
}' "$results"
