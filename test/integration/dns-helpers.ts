import { execFile } from "node:child_process";
import { connect } from "node:net";

/** Run a client tool and collect its output (never rejects: tests look at the code and text). */
export function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

export function dig(port: number, ...args: string[]): Promise<{ code: number; out: string }> {
  return run("dig", ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=1", ...args]);
}

export function kdig(port: number, ...args: string[]): Promise<{ code: number; out: string }> {
  return run("kdig", ["@127.0.0.1", "-p", String(port), "+time=2", "+retry=0", ...args]);
}

/** A minimal query in wire form (RD=0, optional EDNS with a 1232-byte payload). */
export function wireQuery(id: number, name: string, type: number, edns = false): Buffer {
  const labels = name.split(".").filter((l) => l !== "");
  const qname = Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(1, 4);
  if (edns) head.writeUInt16BE(1, 10);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2);
  const opt = edns ? Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]) : Buffer.alloc(0);
  return Buffer.concat([head, qname, q, opt]);
}

/** Send several framed queries in ONE write on one TCP connection; resolve with the answers. */
export function tcpPipeline(port: number, queries: Buffer[], host = "127.0.0.1"): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const s = connect({ host, port }, () => {
      s.write(
        Buffer.concat(queries.map((q) => Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]))),
      );
    });
    const t = setTimeout(() => {
      s.destroy();
      resolve(out);
    }, 5000);
    s.on("error", reject);
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length >= queries.length) {
        clearTimeout(t);
        s.destroy();
        resolve(out);
      }
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
