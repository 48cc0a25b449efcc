import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { WireError } from "../../../src/lib/errors.ts";
import { BodyTracker, requestFraming, responseFraming } from "../../../src/lb/proxy/body.ts";
import { parseRequestHead, parseResponseHead } from "../../../src/lb/proxy/head.ts";

const reqHead = (t: string) => {
  const b = Buffer.from(t);
  return parseRequestHead(b, 0, b.length);
};
const resHead = (t: string) => {
  const b = Buffer.from(t);
  return parseResponseHead(b, 0, b.length);
};

/** Feed `data` in pieces of the given sizes; returns [consumed, de-chunked payload]. */
function feed(t: BodyTracker, data: Buffer, cuts: number[]): [number, string] {
  let out = "";
  t.onData = (b, s, e) => (out += b.toString("latin1", s, e));
  let pos = 0;
  let consumed = 0;
  for (const n of [...cuts, data.length]) {
    const end = Math.min(data.length, pos + n);
    const used = t.feed(data, pos, end);
    consumed += used;
    if (t.done) return [consumed, out];
    pos = end;
    if (pos >= data.length) break;
  }
  return [consumed, out];
}

describe("lb proxy: body framing (RFC 9112 §6)", () => {
  it("decides request framing", () => {
    assert.deepEqual(requestFraming(reqHead("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), { kind: "none" });
    assert.deepEqual(requestFraming(reqHead("POST / HTTP/1.1\r\nContent-Length: 7\r\n\r\n")), {
      kind: "length",
      length: 7,
    });
    assert.deepEqual(requestFraming(reqHead("POST / HTTP/1.1\r\nContent-Length: 7, 7\r\n\r\n")), {
      kind: "length",
      length: 7,
    });
    assert.deepEqual(
      requestFraming(reqHead("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")),
      { kind: "chunked" },
    );
    for (const bad of [
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    ])
      assert.throws(() => requestFraming(reqHead(bad)), WireError, bad);
  });

  it("decides response framing from status and method", () => {
    assert.deepEqual(responseFraming(resHead("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), "HEAD"), {
      kind: "none",
    });
    assert.deepEqual(responseFraming(resHead("HTTP/1.1 204 No\r\n\r\n"), "GET"), { kind: "none" });
    assert.deepEqual(responseFraming(resHead("HTTP/1.1 304 NM\r\nContent-Length: 5\r\n\r\n"), "GET"), {
      kind: "none",
    });
    assert.deepEqual(responseFraming(resHead("HTTP/1.1 200 OK\r\n\r\n"), "GET"), { kind: "close" });
    assert.deepEqual(
      responseFraming(resHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), "GET"),
      { kind: "chunked" },
    );
    assert.deepEqual(responseFraming(resHead("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), "GET"), {
      kind: "none",
    });
  });

  it("finds the end of a chunked body with extensions and trailers, split anywhere", () => {
    const body = Buffer.from("5;a=b\r\nhello\r\nA\r\n 012345678\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\nNEXT");
    for (let cut = 1; cut < body.length; cut++) {
      const t = new BodyTracker({ kind: "chunked" });
      const [n, payload] = feed(t, body, [cut]);
      assert.ok(t.done, `cut ${cut}`);
      assert.equal(n, body.length - 4);
      assert.equal(payload, "hello 012345678");
    }
  });

  it("stops a length body at its end", () => {
    const t = new BodyTracker({ kind: "length", length: 3 });
    assert.equal(t.feed(Buffer.from("abcdef"), 0, 6), 3);
    assert.ok(t.done);
  });

  it("rejects malformed chunked bodies", () => {
    for (const bad of [
      "x\r\n",
      "5\r\nhelloXX",
      "5\nhello\r\n",
      "1\r\na\r\n0\r\nbad\nline\r\n\r\n",
      "1234567890123456\r\n",
    ]) {
      const t = new BodyTracker({ kind: "chunked" });
      assert.throws(() => t.feed(Buffer.from(bad), 0, bad.length), WireError, JSON.stringify(bad));
    }
  });

  it("fuzz: chunked encoding of any payload decodes back, whatever the cuts", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { maxLength: 30 }),
        (chunks, cuts) => {
          const enc = Buffer.concat([
            ...chunks.flatMap((c) => [
              Buffer.from(`${c.length.toString(16)}\r\n`),
              Buffer.from(c),
              Buffer.from("\r\n"),
            ]),
            Buffer.from("0\r\n\r\n"),
          ]);
          const t = new BodyTracker({ kind: "chunked" });
          const [n, payload] = feed(t, enc, cuts);
          assert.ok(t.done);
          assert.equal(n, enc.length);
          assert.equal(payload, Buffer.concat(chunks.map((c) => Buffer.from(c))).toString("latin1"));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("fuzz: random bytes never throw anything but WireError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const t = new BodyTracker({ kind: "chunked" });
        try {
          const n = t.feed(Buffer.from(bytes), 0, bytes.length);
          assert.ok(n >= 0 && n <= bytes.length);
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
