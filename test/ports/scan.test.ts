import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { scanListeners } from "../../src/ports/scan.ts";
import { ROOT } from "../helpers/proc.ts";

/**
 * The shell over a fake procfs: the fixture /proc/net files, and a few /proc/<pid> folders with
 * `socket:[N]` fd links, cmdline, comm and cwd, including one whose fd folder cannot be read.
 */
describe("scan: reading a procfs tree", () => {
  let tmp = "";
  let proc = "";

  const addProcess = (pid: number, argv: string[], inodes: number[], cwd?: string) => {
    const base = join(proc, String(pid));
    mkdirSync(join(base, "fd"), { recursive: true });
    inodes.forEach((inode, i) => symlinkSync(`socket:[${inode}]`, join(base, "fd", String(i + 3))));
    symlinkSync("/dev/null", join(base, "fd", "0"));
    symlinkSync("pipe:[99]", join(base, "fd", "1"));
    writeFileSync(join(base, "cmdline"), argv.map((a) => `${a}\0`).join(""));
    writeFileSync(join(base, "comm"), `${argv[0]!.split("/").pop()!.slice(0, 15)}\n`);
    if (cwd !== undefined) symlinkSync(cwd, join(base, "cwd"));
  };

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "netsvc-ports-"));
    proc = join(tmp, "proc");
    mkdirSync(proc);
    cpSync(`${ROOT}/test/ports/fixtures/proc-net`, join(proc, "net"), { recursive: true });
    // A development checkout of netsvc, and an unrelated package.
    const checkout = join(tmp, "src", "netsvc-checkout");
    mkdirSync(join(checkout, "dist", "src", "cli"), { recursive: true });
    writeFileSync(join(checkout, "package.json"), JSON.stringify({ name: "netsvc" }));
    writeFileSync(join(checkout, "dist", "src", "cli", "main.js"), "");
    const other = join(tmp, "src", "other");
    mkdirSync(join(other, "dist", "src", "cli"), { recursive: true });
    writeFileSync(join(other, "package.json"), JSON.stringify({ name: "other" }));
    writeFileSync(join(other, "dist", "src", "cli", "main.js"), "");

    addProcess(700, ["/usr/sbin/nginx"], [1001, 2001]);
    addProcess(702, ["/usr/sbin/nginx"], [1001]);
    // Relative script path, resolved against /proc/<pid>/cwd.
    addProcess(
      4242,
      ["/usr/bin/node", "dist/src/cli/main.js", "dns", "-c", "named.conf"],
      [1002, 2003, 3001],
      checkout,
    );
    addProcess(4300, ["node", join(other, "dist/src/cli/main.js"), "dns"], [3002]);
    addProcess(5000, ["node", "/usr/bin/netsvc", "up", "--port-offset", "20000"], [4002]);
    // Another user's process: its fd folder is not readable (here: absent).
    mkdirSync(join(proc, "6000"));
    writeFileSync(join(proc, "6000", "cmdline"), "sshd\0");
    mkdirSync(join(proc, "self"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("joins the fixture sockets with the processes that hold them", () => {
    const { listeners: rows, incomplete } = scanListeners({
      proc,
      servicesFile: `${ROOT}/test/ports/fixtures/services`,
      endian: "LE",
    });
    const by = (inode: number) => rows.find((r) => r.inode === inode)!;
    assert.equal(rows.length, 11);
    assert.deepEqual(
      by(1001).processes.map((p) => `${p.pid}/${p.program}`),
      ["700/nginx", "702/nginx"],
    );
    assert.equal(by(1002).netsvc, "netsvc dns");
    assert.equal(by(1002).program, "node");
    assert.equal(by(2003).netsvc, "netsvc dns");
    assert.equal(by(3002).pid, 4300);
    assert.equal(by(3002).netsvc, null, "a main.js of another package is not netsvc");
    assert.equal(by(4002).netsvc, "netsvc up", "20048 is not a lab port with offset 20000");
    assert.equal(by(1004).pid, null);
    assert.equal(by(1002).service, "domain");
    assert.equal(incomplete, false, "a vanished fd folder (ENOENT) is not a permission problem");
  });

  it("falls back to the built-in services when the file is missing", () => {
    const rows = scanListeners({ proc, servicesFile: join(tmp, "no-such-services"), endian: "LE" }).listeners;
    assert.equal(rows.find((r) => r.inode === 1001)!.service, null, "8080 is a lab port: unnamed");
    assert.equal(rows.find((r) => r.inode === 4002)!.service, "mountd");
    assert.equal(rows.find((r) => r.inode === 3002)!.service, "sunrpc");
  });

  it("a procfs without IPv6 files still lists the IPv4 sockets", () => {
    const v4only = join(tmp, "proc4");
    mkdirSync(join(v4only, "net"), { recursive: true });
    cpSync(join(proc, "net", "tcp"), join(v4only, "net", "tcp"));
    const rows = scanListeners({ proc: v4only, servicesFile: join(tmp, "none"), endian: "LE" }).listeners;
    assert.deepEqual(
      rows.map((r) => r.localPort),
      [22, 53, 8080],
    );
  });
});
