import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import type { Listener } from "../../../src/ports/listeners.ts";
import { CLI, runNetsvc } from "../../helpers/proc.ts";
import { needTool } from "../../helpers/tools.ts";

const run = promisify(execFile);

/**
 * `netsvc ports` against `ss -Hplunt` (iproute2) on this machine: a child process named like the
 * netsvc bin (`node .../netsvc dns`) binds TCP and UDP sockets on port 0, over IPv4, IPv6 and a
 * dual-stack wildcard; both tools must report the same sockets (protocol, address, port, PID) for it.
 */

// Binds what it is told, prints the bound sockets as one JSON line, then waits to be killed.
const LISTENER = `
import net from "node:net"; import dgram from "node:dgram";
const v6 = process.env.V6 === "1";
if (process.env.TITLE) process.title = process.env.TITLE;
const specs = [["tcp", "127.0.0.1"], ["udp4", "127.0.0.1"]];
if (v6) specs.push(["tcp", "::1"], ["udp6", "::1"], ["tcp", "::"], ["udp6", "::"], ["tcp", "::ffff:127.0.0.1"]);
const bound = [];
for (const [kind, host] of specs) {
  await new Promise((resolve, reject) => {
    if (kind === "tcp") {
      const s = net.createServer().on("error", reject);
      s.listen({ port: 0, host }, () => { bound.push({ proto: "tcp", host, port: s.address().port }); resolve(); });
    } else {
      const s = dgram.createSocket(kind).on("error", reject);
      s.bind(0, host, () => { bound.push({ proto: "udp", host, port: s.address().port }); resolve(); });
    }
  });
}
process.stdout.write(JSON.stringify(bound) + "\\n");
setInterval(() => {}, 1 << 30);
`;

interface Sock {
  proto: "tcp" | "udp";
  address: string;
  port: number;
  pids: number[];
}

/** `ss -Hplunt` lines: `tcp LISTEN 0 511 [::1]:43723 [::]:* users:(("node",pid=9525,fd=20))`. */
function parseSs(text: string): Sock[] {
  const out: Sock[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const local = f[4]!;
    const i = local.lastIndexOf(":");
    let address = local.slice(0, i).replace(/^\[(.*)\]$/, "$1");
    // ss writes `*` for the IPv6 wildcard of a dual-stack socket; /proc/net/tcp6 has `::`.
    if (address === "*") address = "::";
    address = address.replace(/%.*$/, ""); // ss appends %iface for a socket bound to a device
    const pids = [
      ...f
        .slice(6)
        .join(" ")
        .matchAll(/pid=(\d+)/g),
    ].map((m) => Number(m[1]));
    out.push({ proto: f[0] as "tcp" | "udp", address, port: Number(local.slice(i + 1)), pids });
  }
  return out;
}

const key = (s: { proto: string; address: string; port: number }) => `${s.proto} ${s.address} ${s.port}`;

async function canBindV6(): Promise<boolean> {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ port: 0, host: "::1" }, () => s.close(() => resolve(true)));
  });
}

interface Started {
  child: ChildProcess;
  bound: { proto: string; host: string; port: number }[];
}

/** Run LISTENER (written at `script`) through `argv` and wait for its list of bound sockets. */
function startListener(
  argv: string[],
  opts: { cwd?: string; v6: boolean; title?: string },
): Promise<Started> {
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: { ...process.env, V6: opts.v6 ? "1" : "0", TITLE: opts.title ?? "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      if (buf.includes("\n")) resolve({ child, bound: JSON.parse(buf) as Started["bound"] });
    });
    child.once("exit", (code) => reject(new Error(`listener ${argv.join(" ")} exited ${code}`)));
  });
}

describe("netsvc ports agrees with ss -Hplunt", () => {
  let tmp = "";
  let child: ChildProcess | undefined;
  let bound: Started["bound"] = [];
  let v6 = false;
  const children: ChildProcess[] = [];

  before(async () => {
    v6 = await canBindV6();
    tmp = mkdtempSync(join(tmpdir(), "netsvc-ss-"));
    chmodSync(tmp, 0o755);
    // Named like the installed bin: `node /tmp/.../netsvc dns -c named.conf`.
    writeFileSync(join(tmp, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(tmp, "netsvc"), LISTENER);
    // A development checkout: `node dist/src/cli/main.js lb ...` run from the checkout.
    const checkout = join(tmp, "checkout");
    mkdirSync(join(checkout, "dist", "src", "cli"), { recursive: true });
    writeFileSync(join(checkout, "package.json"), JSON.stringify({ name: "netsvc", type: "module" }));
    writeFileSync(join(checkout, "dist", "src", "cli", "main.js"), LISTENER);
    writeFileSync(join(tmp, "plain.mjs"), LISTENER);

    const main = await startListener([process.execPath, join(tmp, "netsvc"), "dns", "-c", "named.conf"], {
      v6,
    });
    child = main.child;
    bound = main.bound;
    children.push(child);
    const dev = await startListener([process.execPath, "dist/src/cli/main.js", "lb", "-f", "haproxy.cfg"], {
      cwd: checkout,
      v6: false,
    });
    children.push(dev.child);
  });
  after(() => {
    for (const c of children) c.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("the same sockets, addresses, ports and PID for the child's listeners", async (t) => {
    if (!needTool(t, "ss")) return;
    const pid = child!.pid!;
    const [ours, theirs] = await Promise.all([runNetsvc(["ports", "--json"]), run("ss", ["-Hplunt"])]);
    assert.equal(ours.code, 0, ours.stderr);
    const rows = JSON.parse(ours.stdout) as Listener[];
    const mine = rows.filter((r) => r.processes.some((p) => p.pid === pid));
    const ssMine = parseSs(theirs.stdout).filter((s) => s.pids.includes(pid));

    const oursKeys = mine.map((r) =>
      key({ proto: r.proto.replace("6", ""), address: r.localAddress, port: r.localPort }),
    );
    assert.deepEqual(oursKeys.sort(), ssMine.map(key).sort());
    assert.equal(mine.length, bound.length, "one row per socket the child bound");
    for (const b of bound) {
      const r = mine.find((x) => x.localPort === b.port && x.proto.startsWith(b.proto));
      assert.ok(r, `${b.proto} ${b.host}:${b.port} is listed`);
      assert.equal(r.localAddress, b.host);
      assert.equal(r.pid, pid);
      assert.equal(r.program, "node");
      assert.equal(r.netsvc, "netsvc dns");
      assert.equal(r.state, b.proto === "tcp" ? "LISTEN" : "UNCONN");
    }
    if (v6) assert.ok(mine.some((r) => r.proto === "tcp6") && mine.some((r) => r.proto === "udp6"));
  });

  it("every socket ss lists, we list at the same address and port (sockets that come and go aside)", async (t) => {
    if (!needTool(t, "ss")) return;
    // Other processes on a shared machine open and close sockets between the two runs: compare
    // twice and accept a difference only if it is not in both comparisons.
    const diff = async () => {
      const [ours, theirs] = await Promise.all([runNetsvc(["ports", "--json"]), run("ss", ["-Hlunt"])]);
      const a = new Set(
        (JSON.parse(ours.stdout) as Listener[]).map((r) =>
          key({ proto: r.proto.replace("6", ""), address: r.localAddress, port: r.localPort }),
        ),
      );
      const b = new Set(parseSs(theirs.stdout).map(key));
      return [...a].filter((k) => !b.has(k)).concat([...b].filter((k) => !a.has(k)));
    };
    const first = await diff();
    if (first.length === 0) return;
    const second = new Set(await diff());
    assert.deepEqual(
      first.filter((k) => second.has(k)),
      [],
    );
  });

  it("the table matches netstat -plunt column for column (when net-tools is installed)", async (t) => {
    if (!needTool(t, "netstat")) return;
    const pid = child!.pid!;
    const [ours, theirs] = await Promise.all([runNetsvc(["ports"]), run("netstat", ["-plunt"])]);
    // netstat prints an IPv4-mapped address as bare IPv4: leave that socket out of the comparison.
    const pick = (text: string) =>
      text
        .split("\n")
        .filter((l) => l.includes(` ${pid}/`) && !l.includes("::ffff:") && !/^tcp6 .* 127\.0\.0\.1:/.test(l))
        .map((l) => l.slice(0, 99).trimEnd())
        .sort();
    const head = (text: string) =>
      text
        .split("\n")
        .slice(0, 2)
        .map((l) => l.slice(0, 99).trimEnd());
    assert.deepEqual(head(ours.stdout), head(theirs.stdout));
    assert.deepEqual(pick(ours.stdout), pick(theirs.stdout));
    assert.ok(pick(ours.stdout).length >= 2);
  });
  it("recognises a development checkout run as `node dist/src/cli/main.js lb`", async () => {
    const dev = children[1]!;
    const rows = JSON.parse((await runNetsvc(["ports", "--json"])).stdout) as Listener[];
    const mine = rows.filter((r) => r.pid === dev.pid);
    assert.equal(mine.length, 2);
    for (const r of mine) assert.equal(r.netsvc, "netsvc lb");
  });

  it("recognises a server that set its process title to `netsvc nfs ...`", async () => {
    const titled = await startListener([process.execPath, join(tmp, "plain.mjs")], {
      v6: false,
      title: "netsvc nfs -e exports",
    });
    children.push(titled.child);
    const rows = JSON.parse((await runNetsvc(["ports", "--json"])).stdout) as Listener[];
    const mine = rows.filter((r) => r.pid === titled.child.pid);
    assert.equal(mine.length, 2);
    for (const r of mine) {
      assert.equal(r.netsvc, "netsvc nfs");
      assert.equal(r.program, "netsvc nfs -e exports");
    }
  });

  it("without root, another user's sockets show no PID and one's own do, as ss shows them", async (t) => {
    if (process.getuid?.() !== 0) {
      t.skip("needs root to start a process as another user");
      return;
    }
    if (!needTool(t, "ss") || !needTool(t, "setpriv")) return;
    const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    const readable = await run(asNobody[0]!, [...asNobody.slice(1), "test", "-r", CLI]).then(
      () => true,
      () => false,
    );
    if (!readable) {
      t.skip(`user nobody cannot read ${CLI}`);
      return;
    }
    const other = await startListener([...asNobody, process.execPath, join(tmp, "plain.mjs")], { v6: false });
    children.push(other.child);
    const [ours, theirs] = await Promise.all([
      run(asNobody[0]!, [...asNobody.slice(1), process.execPath, CLI, "ports", "--json"]),
      run(asNobody[0]!, [...asNobody.slice(1), "ss", "-Hplunt"]),
    ]);
    const rows = JSON.parse(ours.stdout) as Listener[];
    assert.match(ours.stderr, /^\(Not all processes could be identified/, "netstat's note on stderr");
    const ss = parseSs(theirs.stdout);
    const rootRows = rows.filter(
      (r) =>
        r.localAddress === "127.0.0.1" && bound.some((b) => b.port === r.localPort && b.proto === r.proto),
    );
    assert.ok(rootRows.length >= 2);
    for (const r of rootRows) {
      assert.equal(r.pid, null, `root's ${r.proto} ${r.localPort} shows no PID`);
      assert.deepEqual(ss.find((s) => s.port === r.localPort && s.proto === r.proto)?.pids, []);
    }
    for (const b of other.bound) {
      const r = rows.find((x) => x.localPort === b.port && x.proto === b.proto);
      assert.equal(r?.pid, other.child.pid, `nobody's own ${b.proto} ${b.port}`);
      assert.deepEqual(ss.find((s) => s.port === b.port && s.proto === b.proto)?.pids, [other.child.pid]);
    }
  });
});
