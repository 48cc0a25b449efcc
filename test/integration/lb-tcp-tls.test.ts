import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { startNetsvc } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";
import { portOf, startBackend, writeConfig } from "./lb-helpers.ts";

/** `mode tcp` byte pipes with half-close, and `bind ... ssl crt FILE` TLS termination. */

describe("netsvc lb: TCP mode", () => {
  it("pipes bytes both ways and passes a half-close on", async () => {
    // Backend: reads until the client's FIN, then answers with what it got and closes.
    const server = net.createServer({ allowHalfOpen: true }, (sock) => {
      const chunks: Buffer[] = [];
      sock.on("data", (b: Buffer) => chunks.push(b));
      sock.on("end", () => {
        sock.end(`got ${Buffer.concat(chunks).length} bytes`);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const bport = (server.address() as net.AddressInfo).port;
    const cfg = writeConfig(`
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    log stdout format raw local0
    option tcplog
listen pipe
    bind 127.0.0.1:0
    server s 127.0.0.1:${bport}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      const port = portOf(lb.endpoints, "pipe");
      const answer = await new Promise<string>((resolve, reject) => {
        const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => {
          c.write(Buffer.alloc(300_000, 7));
          c.end(); // half-close: the server only answers after our FIN
        });
        let s = "";
        c.on("data", (d: Buffer) => (s += d.toString()));
        c.on("end", () => resolve(s));
        c.on("error", reject);
      });
      assert.equal(answer, "got 300000 bytes");
      const line = await lb.waitLog((l) => l.raw === true && String(l.msg).includes(" pipe pipe/s "), 3000);
      assert.match(
        String(line.msg),
        /^127\.0\.0\.1:\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] pipe pipe\/s \d+\/\d+\/\d+ 16 -- \d+\/\d+\/\d+\/\d+\/0 0\/0$/,
      );
    } finally {
      await lb.stop();
      server.close();
    }
  });
});

describe("netsvc lb: TLS termination", () => {
  it("serves HTTPS on `bind ... ssl crt` with a self-signed certificate", async (t) => {
    if (!needTool(t, "openssl")) return;
    const dir = mkdtempSync(join(tmpdir(), "netsvc-tls-"));
    const key = join(dir, "key.pem");
    const crt = join(dir, "crt.pem");
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      crt,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
    ]);
    const pem = join(dir, "site.pem");
    writeFileSync(pem, readFileSync(crt, "utf8") + readFileSync(key, "utf8"));
    const be = await startBackend(4);
    const cfg = writeConfig(`
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend https
    bind 127.0.0.1:0 ssl crt ${pem}
    option forwardfor
    default_backend b
backend b
    server s 127.0.0.1:${be.port}
`);
    const lb = await startNetsvc(["lb", "-f", cfg]);
    try {
      const port = portOf(lb.endpoints, "https");
      const body = await new Promise<string>((resolve, reject) => {
        const s = tls.connect(
          { port, host: "127.0.0.1", ca: readFileSync(crt), servername: "localhost" },
          () => {
            s.write("GET /secure HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
          },
        );
        let out = "";
        s.on("data", (d: Buffer) => (out += d.toString()));
        s.on("end", () => resolve(out));
        s.on("error", reject);
      });
      assert.match(body, /^HTTP\/1\.1 200/);
      assert.match(body, /Hello, I am ID 4/);
      assert.equal(be.seen.at(-1)?.headers["x-forwarded-for"], "127.0.0.1");
      if (needTool(t, "curl")) {
        const { stdout } = await promisify(execFile)("curl", [
          "-s",
          "--cacert",
          crt,
          "--resolve",
          `localhost:${port}:127.0.0.1`,
          `https://localhost:${port}/`,
        ]);
        assert.equal(stdout, "Hello, I am ID 4\n");
      }
    } finally {
      await lb.stop();
      await be.close();
    }
  });
});
