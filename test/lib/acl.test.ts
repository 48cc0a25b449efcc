import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cidr, isLoopback, parseCidr } from "../../src/lib/acl.ts";

function cidr(text: string, shortForms = false): Cidr {
  const c = parseCidr(text, { shortForms });
  if (typeof c === "string") assert.fail(c);
  return c;
}

describe("parseCidr", () => {
  it("matches IPv4 prefixes, including v4-mapped addresses", () => {
    const c = cidr("10.1.0.0/16");
    assert.equal(c.contains("10.1.200.3"), true);
    assert.equal(c.contains("10.2.0.1"), false);
    assert.equal(c.contains("::ffff:10.1.0.9"), true);
    assert.equal(c.contains("2001:db8::1"), false);
  });
  it("accepts BIND's short forms only when asked", () => {
    assert.equal(cidr("128.32/16", true).contains("128.32.5.5"), true);
    assert.equal(cidr("208.1.64/19", true).contains("208.1.95.255"), true);
    assert.equal(cidr("208.1.64/19", true).contains("208.1.96.0"), false);
    assert.equal(typeof parseCidr("128.32/16"), "string");
  });
  it("matches IPv6 prefixes on odd bit boundaries", () => {
    const c = cidr("2607:f140::/32");
    assert.equal(c.contains("2607:f140:1::5"), true);
    assert.equal(c.contains("2607:f141::5"), false);
    const odd = cidr("fe80::/10");
    assert.equal(odd.contains("febf::1"), true);
    assert.equal(odd.contains("fec0::1"), false);
  });
  it("a host without length is a /32 or /128", () => {
    assert.equal(cidr("127.0.0.1").contains("127.0.0.1"), true);
    assert.equal(cidr("127.0.0.1").contains("127.0.0.2"), false);
    assert.equal(cidr("::1").contains("::1"), true);
  });
  it("rejects garbage with a reason", () => {
    for (const bad of ["10.0.0.0/33", "10.0.0/8", "300.1.1.1", "x/8", "::1/129", "10.0.0.0/x"]) {
      assert.equal(typeof parseCidr(bad), "string", bad);
    }
  });
  it("0/0 matches everything of its family", () => {
    assert.equal(cidr("0.0.0.0/0").contains("8.8.8.8"), true);
    assert.equal(cidr("::/0").contains("::1"), true);
    assert.equal(cidr("::/0").contains("1.2.3.4"), false);
  });
});

describe("isLoopback", () => {
  it("knows 127/8 and ::1", () => {
    assert.equal(isLoopback("127.5.6.7"), true);
    assert.equal(isLoopback("::1"), true);
    assert.equal(isLoopback("::ffff:127.0.0.1"), true);
    assert.equal(isLoopback("10.0.0.1"), false);
    assert.equal(isLoopback("::2"), false);
  });
});
