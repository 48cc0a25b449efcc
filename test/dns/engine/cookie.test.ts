import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  answerCookie,
  readCookie,
  serverCookie,
  validServerCookie,
  type CookieConfig,
} from "../../../src/dns/engine/cookie.ts";

const secret = Buffer.from("0123456789abcdef0123456789abcdef", "hex");
const other = Buffer.from("fedcba9876543210fedcba9876543210", "hex");
const client = Buffer.from("0102030405060708", "hex");
const T = 0x6b076606;

describe("DNS COOKIE (RFC 7873, RFC 9018)", () => {
  it("reads 8 bytes as a client cookie, 16..40 with a server cookie, anything else is malformed", () => {
    assert.deepEqual(readCookie(client), { kind: "cookie", client, server: undefined });
    for (const n of [0, 1, 7, 9, 15, 41, 64])
      assert.equal(readCookie(Buffer.alloc(n)).kind, "malformed", `${n}`);
    for (const n of [16, 24, 40]) {
      const c = readCookie(Buffer.alloc(n, 7));
      assert.ok(c.kind === "cookie" && c.server?.length === n - 8);
    }
  });

  it("makes BIND 9.18's server cookie (siphash24, same secret, client, address and time)", () => {
    // named with cookie-secret "0123...cdef" answered +cookie=0102030405060708 from 127.0.0.1 so
    assert.equal(
      serverCookie(client, "127.0.0.1", T, secret).toString("hex"),
      "010000006b076606479bb42c393bf146",
    );
    assert.equal(
      serverCookie(client, "::ffff:127.0.0.1", T, secret).toString("hex"),
      "010000006b076606479bb42c393bf146",
    );
    assert.notEqual(
      serverCookie(client, "::1", T, secret).toString("hex"),
      serverCookie(client, "127.0.0.1", T, secret).toString("hex"),
    );
  });

  it("accepts its own cookies for an hour (five minutes ahead), for the same client only", () => {
    const sc = serverCookie(client, "127.0.0.1", T, secret);
    assert.ok(validServerCookie(client, sc, "127.0.0.1", T + 3600, [secret]));
    assert.ok(!validServerCookie(client, sc, "127.0.0.1", T + 3601, [secret]));
    assert.ok(validServerCookie(client, sc, "127.0.0.1", T - 300, [secret]));
    assert.ok(!validServerCookie(client, sc, "127.0.0.1", T - 301, [secret]));
    assert.ok(!validServerCookie(client, sc, "127.0.0.2", T, [secret]));
    assert.ok(!validServerCookie(Buffer.alloc(8), sc, "127.0.0.1", T, [secret]));
    assert.ok(!validServerCookie(client, sc, "127.0.0.1", T, [other]));
    assert.ok(
      validServerCookie(client, sc, "127.0.0.1", T, [other, secret]),
      "an older secret still accepted",
    );
    const bent = Buffer.from(sc);
    bent[15]! ^= 1;
    assert.ok(!validServerCookie(client, bent, "127.0.0.1", T, [secret]));
    assert.ok(!validServerCookie(client, sc.subarray(0, 12), "127.0.0.1", T, [secret]));
  });

  it("answers with the client cookie and a fresh server cookie from the first secret", () => {
    const cfg: CookieConfig = { answer: true, secrets: [other, secret], require: false };
    const old = serverCookie(client, "127.0.0.1", T - 10, secret);
    const a = answerCookie({ client, server: old }, "127.0.0.1", T, cfg);
    assert.ok(a.valid);
    assert.deepEqual(a.data.subarray(0, 8), client);
    assert.deepEqual(a.data.subarray(8), serverCookie(client, "127.0.0.1", T, other));
    assert.equal(answerCookie({ client, server: undefined }, "127.0.0.1", T, cfg).valid, false);
  });
});
