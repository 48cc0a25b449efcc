import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRequestHead, parseResponseHead } from "../../../src/lb/proxy/head.ts";
import { hasHopFields, requestHeadFor, responseHeadFor } from "../../../src/lb/proxy/rewrite.ts";
import { CompiledAcls, pathOf } from "../../../src/lb/proxy/acl.ts";
import { errorReply } from "../../../src/lb/proxy/replies.ts";

const parseReq = (t: string) => {
  const b = Buffer.from(t);
  return parseRequestHead(b, 0, b.length);
};
const parseRes = (t: string) => {
  const b = Buffer.from(t);
  return parseResponseHead(b, 0, b.length);
};

describe("lb proxy: head rewriting (RFC 9110 §7.6.1)", () => {
  it("removes hop-by-hop fields and those named by Connection; adds XFF and set-header", () => {
    const h = parseReq(
      "GET /p HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\nTE: trailers\r\n" +
        "Proxy-Authorization: x\r\nX-Set: old\r\nAccept: */*\r\n\r\n",
    );
    assert.ok(hasHopFields(h));
    const out = requestHeadFor(h, {
      chunked: false,
      set: [["X-Set", "new"]],
      forwardFor: { header: "X-Forwarded-For", addr: "10.0.0.1" },
    }).toString();
    assert.equal(
      out,
      "GET /p HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nX-Set: new\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
    );
  });

  it("restates chunked framing and drops Content-Length beside it", () => {
    const h = parseReq(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n",
    );
    assert.equal(
      requestHeadFor(h, { chunked: true }).toString(),
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
  });

  it("asks for keep-alive on HTTP/1.0 requests and keeps an upgrade", () => {
    assert.equal(
      requestHeadFor(parseReq("GET / HTTP/1.0\r\n\r\n"), { chunked: false }).toString(),
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    );
    const up = parseReq("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    assert.equal(
      requestHeadFor(up, { chunked: false, upgrade: "websocket" }).toString(),
      "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
    );
  });

  it("rewrites responses: keeps the status line, drops Connection, re-chunks or closes as told", () => {
    const r = parseRes(
      "HTTP/1.1 200 OK\r\nServer: s\r\nConnection: keep-alive\r\nContent-Length: 2\r\nX-B: 1\r\n\r\n",
    );
    assert.equal(
      responseHeadFor(r, { body: "same", connection: "default" }).toString(),
      "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 2\r\nX-B: 1\r\n\r\n",
    );
    const c = parseRes("HTTP/1.0 200 OK\r\nServer: s\r\n\r\n");
    assert.equal(
      responseHeadFor(c, { body: "chunk", connection: "default" }).toString(),
      "HTTP/1.1 200 OK\r\nServer: s\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    const u = parseRes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert.equal(
      responseHeadFor(u, { body: "unchunk", connection: "close" }).toString(),
      "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
    );
  });
});

describe("lb proxy: ACL evaluation", () => {
  const pos = { file: "t.cfg", line: 1 };
  const acls = new CompiledAcls([
    { name: "api", fetch: "hdr", header: "host", ignoreCase: true, patterns: ["api.example"], pos },
    { name: "static", fetch: "path_beg", ignoreCase: false, patterns: ["/static/", "/img/"], pos },
    { name: "php", fetch: "path_end", ignoreCase: false, patterns: [".php"], pos },
    { name: "exact", fetch: "path", ignoreCase: false, patterns: ["/x"], pos },
    { name: "www", fetch: "hdr_beg", header: "host", ignoreCase: true, patterns: ["www."], pos },
    { name: "lan", fetch: "src", ignoreCase: false, patterns: ["10.0.0.0/8", "127.0.0.1"], pos },
    { name: "exact", fetch: "path", ignoreCase: false, patterns: ["/y"], pos },
  ]);
  const s = (target: string, host: string, src = "192.0.2.1") => ({
    req: parseReq(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
    src,
  });

  it("matches each fetch as HAProxy does", () => {
    assert.ok(acls.test("api", s("/", "API.Example")));
    assert.ok(!acls.test("api", s("/", "api.example:80")));
    assert.ok(acls.test("static", s("/img/a.png?x", "h")));
    assert.ok(acls.test("php", s("/index.php?a=b", "h")));
    assert.ok(acls.test("exact", s("/y", "h")), "two acl lines with one name OR together");
    assert.ok(acls.test("www", s("/", "WWW.example")));
    assert.ok(acls.test("lan", s("/", "h", "::ffff:10.1.2.3")));
    assert.ok(!acls.test("lan", s("/", "h")));
    assert.equal(pathOf("http://h/a/b?c"), "/a/b");
  });

  it("evaluates conditions: OR of ANDs, negation, unless", () => {
    const cond = (unless: boolean, anyOf: { acl: string; negate: boolean }[][]) => ({ unless, anyOf, pos });
    const sample = s("/static/x", "api.example");
    assert.ok(
      acls.holds(
        cond(false, [
          [
            { acl: "api", negate: false },
            { acl: "static", negate: false },
          ],
        ]),
        sample,
      ),
    );
    assert.ok(
      !acls.holds(
        cond(false, [
          [
            { acl: "api", negate: false },
            { acl: "php", negate: false },
          ],
        ]),
        sample,
      ),
    );
    assert.ok(
      acls.holds(cond(false, [[{ acl: "php", negate: false }], [{ acl: "lan", negate: true }]]), sample),
    );
    assert.ok(!acls.holds(cond(true, [[{ acl: "api", negate: false }]]), sample));
    assert.ok(acls.holds(undefined, sample));
  });
});

describe("lb proxy: built-in replies", () => {
  it("are HAProxy 2.6's error pages byte for byte", () => {
    assert.equal(
      errorReply(503, false).toString(),
      "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n" +
        "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n",
    );
  });
});
