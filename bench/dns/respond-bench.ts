/**
 * In-process benchmark of respond(), the whole bytes-in/bytes-out path of the DNS server, with the
 * dnsperf query mixes of the conformance kit (queries/lab.txt against the lab zone, and the
 * 100k-record big.example with its generated queries/big.txt). Prints calls/s for the first pass
 * (cache misses: decode, lookup, encode) and for the steady state (cached answers), plus the
 * big zone's load time and the process RSS after loading.
 *
 *   npx tsc -p . && node dist/bench/dns/respond-bench.js [SECONDS] [KIT_DIR]
 *
 * The big zone is generated into a temp dir with the kit's gen-big-zone.sh (never into the kit).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { respond } from "../../src/dns/chain/respond.ts";
import { makeView, type ServerView } from "../../src/dns/view.ts";
import { emptyMessage, encodeMessage } from "../../src/dns/wire/message.ts";
import { nameFromText } from "../../src/dns/wire/name.ts";
import { typeFromText } from "../../src/dns/wire/rrtypes.ts";
import { loadZoneSync } from "../../src/dns/zone/parse.ts";
import { ZoneSet } from "../../src/dns/zone/zone.ts";

const seconds = Number(process.argv[2] ?? 3);
const kit = process.argv[3] ?? "/work/shared/conformance/dns";

function queries(file: string): Buffer[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      const [name, type] = l.trim().split(/\s+/) as [string, string];
      const m = emptyMessage();
      m.id = i & 0xffff;
      m.rd = true; // dnsperf sets RD
      m.question = [
        { name: nameFromText(name.endsWith(".") ? name : name + "."), type: typeFromText(type)!, cls: 1 },
      ];
      m.edns = { udpSize: 1232, version: 0, do: false, z: 0, options: [] }; // dnsperf -e style
      return encodeMessage(m).buf;
    });
}

function run(view: ServerView, qs: Buffer[], label: string): void {
  const client = { address: "127.0.0.1", transport: "udp" } as const;
  let t0 = performance.now();
  for (const q of qs) respond(view, q, client);
  const cold = qs.length / ((performance.now() - t0) / 1000);
  let n = 0;
  t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < qs.length; i++) respond(view, qs[i]!, client);
    n += qs.length;
  }
  const warm = n / ((performance.now() - t0) / 1000);
  console.log(
    `${label}: first pass ${Math.round(cold)} calls/s, steady state ${Math.round(warm)} calls/s (${qs.length} distinct queries)`,
  );
}

const tmp = mkdtempSync(join(tmpdir(), "respond-bench-"));
try {
  const lab = loadZoneSync(join(kit, "zones/db.example.com"), "example.com").zone;
  execFileSync(join(kit, "gen-big-zone.sh"), ["100000", join(tmp, "db.big.example"), join(tmp, "big.txt")], {
    stdio: "ignore",
  });
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const big = loadZoneSync(join(tmp, "db.big.example"), "big.example").zone;
  const loadMs = performance.now() - t0;
  console.log(
    `big zone: ${big.recordCount} records loaded in ${Math.round(loadMs)} ms; RSS ${Math.round(process.memoryUsage().rss / 1048576)} MiB (was ${Math.round(rssBefore / 1048576)} MiB before)`,
  );
  const view = makeView({ zones: new ZoneSet([lab, big]) });
  run(view, queries(join(kit, "queries/lab.txt")), "lab zone");
  const bigq = existsSync(join(tmp, "big.txt")) ? join(tmp, "big.txt") : join(kit, "queries/big.txt");
  run(view, queries(bigq), "big zone");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
