/**
 * NFSv3 file operations end to end: `netsvc nfs` on port 0 with a read-only and a read-write
 * export, driven by the libnfs command line tools (nfs-ls, nfs-cat, nfs-cp) as a user would.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startNetsvc, type Running } from "../helpers/proc.ts";
import { hasTool, needTool } from "../helpers/tools.ts";

const IS_ROOT = process.getuid?.() === 0;
/** The client's identity: uid 1000 owns the read-write export (when we can give it to 1000). */
const UID = IS_ROOT ? 1000 : (process.getuid?.() ?? 1000);
const GID = IS_ROOT ? 1000 : (process.getgid?.() ?? 1000);

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

describe("NFSv3 files with the libnfs tools", { skip: !hasTool("nfs-ls") && !process.env.CI }, () => {
  let dir: string;
  let data: string;
  let srv: Running;
  let q: string;
  const ro = (p = ""): string => `nfs://127.0.0.1/opt/lab7/public${p}?${q}`;
  const rw = (p = ""): string => `nfs://127.0.0.1/opt/lab7/private/student${p}?${q}&uid=${UID}&gid=${GID}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "netsvc-nfs-files-"));
    data = join(dir, "data");
    mkdirSync(join(data, "opt/lab7/public"), { recursive: true });
    mkdirSync(join(data, "opt/lab7/private/student"), { recursive: true });
    writeFileSync(join(data, "opt/lab7/public/secret.txt"), "swordfish\n");
    writeFileSync(join(data, "opt/lab7/above-the-exports.txt"), "must stay invisible\n");
    if (IS_ROOT) chownSync(join(data, "opt/lab7/private/student"), 1000, 1000);
    writeFileSync(
      join(dir, "exports"),
      "/opt/lab7/public          127.0.0.0/8(ro,insecure,root_squash)\n" +
        "/opt/lab7/private/student 127.0.0.0/8(rw,insecure,root_squash)\n",
    );
    srv = await startNetsvc([
      "nfs",
      "-e",
      join(dir, "exports"),
      "--root",
      data,
      "--listen",
      "127.0.0.1",
      "--port",
      "0",
      "--mount-port",
      "0",
      "--portmap-port",
      String(await freePort()),
    ]);
    const port = (role: string): number =>
      srv.endpoints.find((e) => e.role === role && e.proto === "tcp")!.port;
    q = `version=3&nfsport=${port("nfs")}&mountport=${port("mount")}`;
  });
  after(async () => {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("nfs-ls lists the read-only export", async (t) => {
    if (!needTool(t, "nfs-ls")) return;
    const r = await run("nfs-ls", [ro()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /secret\.txt/);
    assert.doesNotMatch(r.stdout, /above-the-exports/);
  });

  it("nfs-cat reads the secret from the read-only export", async (t) => {
    if (!needTool(t, "nfs-cat")) return;
    const r = await run("nfs-cat", [ro("/secret.txt")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "swordfish\n");
  });

  it("nfs-cp copies into the read-write export and back out, byte for byte", async (t) => {
    if (!needTool(t, "nfs-cp")) return;
    const src = join(dir, "src.bin");
    const back = join(dir, "back.bin");
    const payload = randomBytes(3 * 1024 * 1024 + 123);
    writeFileSync(src, payload);
    const up = await run("nfs-cp", [src, rw("/copied.bin")]);
    assert.equal(up.code, 0, up.stderr);
    const onDisk = join(data, "opt/lab7/private/student/copied.bin");
    assert.ok(readFileSync(onDisk).equals(payload), "the server's copy is identical");
    if (IS_ROOT) assert.equal(statSync(onDisk).uid, 1000, "owned by the calling user");
    const down = await run("nfs-cp", [rw("/copied.bin"), back]);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(readFileSync(back).equals(payload), "the copy back is identical");
    const ls = await run("nfs-ls", ["-s", rw()]);
    assert.match(ls.stdout, new RegExp(`${payload.length}\\s+copied\\.bin`));
  });

  it("nfs-cp into the read-only export fails and leaves nothing behind", async (t) => {
    if (!needTool(t, "nfs-cp")) return;
    const src = join(dir, "small.txt");
    writeFileSync(src, "should not arrive\n");
    const r = await run("nfs-cp", [src, ro("/intruder.txt")]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /ROFS|read-only|Read-only/i);
    assert.equal(existsSync(join(data, "opt/lab7/public/intruder.txt")), false);
  });

  it("paths with '..' never leave the export", async (t) => {
    if (!needTool(t, "nfs-cat")) return;
    const r = await run("nfs-cat", [ro("/../above-the-exports.txt")]);
    assert.doesNotMatch(r.stdout, /must stay invisible/);
  });
});
