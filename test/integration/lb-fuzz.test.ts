import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { startNetsvc, type Running } from "../helpers/proc.ts";
import { get, portOf, startBackend, writeConfig, type Backend } from "./lb-helpers.ts";

/** Mutated and random requests over real connections: the balancer answers or closes, never dies. */
describe("netsvc lb: request fuzzing over the network", () => {
  let be: Backend;
  let lb: Running;
  let port = 0;

  before(async () => {
    be = await startBackend(0);
    const cfg = writeConfig(`
defaults
    mode http
    timeout connect 1s
    timeout client 2s
    timeout server 2s
    timeout http-request 500ms
frontend fe
    bind 127.0.0.1:0
    acl a hdr(host) -i x
    use_backend b if a
    default_backend b
backend b
    server s 127.0.0.1:${be.port}
`);
    lb = await startNetsvc(["lb", "-f", cfg]);
    port = portOf(lb.endpoints, "fe");
  });

  after(async () => {
    await lb.stop();
    await be.close();
  });

  /** Send bytes, half-close, collect whatever comes back until the server closes (or 1.5 s). */
  const exchange = (bytes: Buffer): Promise<string> =>
    new Promise((resolve) => {
      const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => c.end(bytes));
      let out = "";
      const done = (): void => {
        clearTimeout(t);
        c.destroy();
        resolve(out);
      };
      const t = setTimeout(done, 1500);
      c.on("data", (d: Buffer) => (out += d.toString("latin1")));
      c.on("end", done);
      c.on("error", done);
    });

  const valid =
    "POST /p?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

  it("survives mutated requests", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (muts) => {
          const b = Buffer.from(valid, "latin1");
          for (const [at, v] of muts) b[at] = v;
          const out = await exchange(b);
          // Either nothing (closed) or responses that start like HTTP.
          if (out !== "") assert.match(out, /^HTTP\/1\.1 \d\d\d /);
        },
      ),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        const out = await exchange(Buffer.from(bytes));
        if (out !== "") assert.match(out, /^HTTP\/1\.1 (400|408) /);
      }),
      { numRuns: 30 },
    );
    assert.equal((await get(port)).status, 200);
    assert.equal(lb.child.exitCode, null);
  });
});
