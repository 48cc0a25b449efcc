import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { WireError } from "../../../src/lib/errors.ts";
import {
  FK,
  fieldTokens,
  fieldValue,
  findHeadEnd,
  hasKind,
  parseRequestHead,
  parseResponseHead,
} from "../../../src/lb/proxy/head.ts";

function req(text: string) {
  const b = Buffer.from(text, "latin1");
  const end = findHeadEnd(b, 0, b.length);
  assert.ok(end > 0, "head complete");
  return parseRequestHead(b, 0, end);
}

describe("lb proxy: HTTP/1.x head parser", () => {
  it("parses a request head into method, target, version and fields", () => {
    const h = req(
      "POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length:  5 \r\nConnection: keep-alive, X-A\r\nX-A: 1\r\n\r\nhello",
    );
    assert.equal(h.method, "POST");
    assert.equal(h.target, "/a?b=1");
    assert.equal(h.version, 11);
    assert.deepEqual(h.lower, ["host", "content-length", "connection", "x-a"]);
    assert.deepEqual(h.values, ["x", "5", "keep-alive, X-A", "1"]);
    assert.ok(hasKind(h, FK.contentLength) && hasKind(h, FK.connection) && hasKind(h, FK.host));
    assert.deepEqual(fieldTokens(h, "connection"), ["keep-alive", "x-a"]);
    assert.equal(
      h.length,
      Buffer.byteLength(
        "POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length:  5 \r\nConnection: keep-alive, X-A\r\nX-A: 1\r\n\r\n",
      ),
    );
  });

  it("joins repeated fields as a list", () => {
    const h = req("GET / HTTP/1.0\r\nX-Y: a\r\nx-y: b\r\n\r\n");
    assert.equal(h.version, 10);
    assert.equal(fieldValue(h, "x-y"), "a, b");
    assert.equal(fieldValue(h, "absent"), undefined);
  });

  it("accepts bare LF line endings", () => {
    const h = req("GET / HTTP/1.1\nHost: x\n\n");
    assert.deepEqual(h.values, ["x"]);
  });

  it("finds the end of a head only when it is complete", () => {
    const b = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r");
    assert.equal(findHeadEnd(b, 0, b.length), -1);
    const c = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY");
    assert.equal(findHeadEnd(c, 0, c.length), c.length - 4);
  });

  const rejected: [string, string][] = [
    ["no version", "GET /\r\n\r\n"],
    ["bad version", "GET / HTTP/2.0\r\n\r\n"],
    ["extra space", "GET  / HTTP/1.1\r\n\r\n"],
    ["control in target", "GET /\x01 HTTP/1.1\r\n\r\n"],
    ["obs-fold", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"],
    ["space before colon", "GET / HTTP/1.1\r\nA : b\r\n\r\n"],
    ["no colon", "GET / HTTP/1.1\r\nAb\r\n\r\n"],
    ["bad name", "GET / HTTP/1.1\r\nA(b: c\r\n\r\n"],
    ["NUL in value", "GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n"],
    ["bare CR in value", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"],
    ["bad method", "G@T / HTTP/1.1\r\n\r\n"],
  ];
  for (const [name, text] of rejected) {
    it(`rejects a request with ${name}`, () => {
      const b = Buffer.from(text, "latin1");
      const end = findHeadEnd(b, 0, b.length);
      assert.throws(
        () => parseRequestHead(b, 0, end),
        (e: unknown) => e instanceof WireError && e.code === "EHTTP",
      );
    });
  }

  it("parses status lines, with and without a reason", () => {
    const r = Buffer.from("HTTP/1.1 404 Not Found\r\nA: 1\r\n\r\n");
    const h = parseResponseHead(r, 0, r.length);
    assert.equal(h.status, 404);
    assert.equal(h.reason, "Not Found");
    const r2 = Buffer.from("HTTP/1.0 200\r\n\r\n");
    const h2 = parseResponseHead(r2, 0, r2.length);
    assert.equal(h2.status, 200);
    assert.equal(h2.version, 10);
    for (const bad of [
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/1.1 abc OK\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
    ]) {
      const b = Buffer.from(bad);
      assert.throws(() => parseResponseHead(b, 0, b.length), WireError, bad);
    }
  });

  it("fuzz: never throws anything but WireError, on any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.concat([Buffer.from(bytes), Buffer.from("\r\n\r\n")]);
        const end = findHeadEnd(b, 0, b.length);
        assert.ok(end > 0 && end <= b.length);
        for (const parse of [parseRequestHead, parseResponseHead]) {
          try {
            const h = parse(b, 0, end);
            assert.equal(h.lower.length, h.values.length);
          } catch (e) {
            if (!(e instanceof WireError)) throw e;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("fuzz: request-like heads built from tokens round-trip their fields", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
    const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(token, value), { maxLength: 8 }), (fields) => {
        const text = `GET /x HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`;
        const h = req(text);
        assert.deepEqual(
          h.names,
          fields.map(([n]) => n),
        );
        assert.deepEqual(
          h.values,
          fields.map(([, v]) => v),
        );
      }),
      { numRuns: 500 },
    );
  });
});
