import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEndpoint, formatEndpoint } from "../../src/lib/listen.ts";

describe("parseEndpoint", () => {
  it("reads the forms configs use", () => {
    assert.deepEqual(parseEndpoint("127.0.0.1:7000"), { host: "127.0.0.1", port: 7000 });
    assert.deepEqual(parseEndpoint("[::1]:53"), { host: "::1", port: 53 });
    assert.deepEqual(parseEndpoint("*:80"), { host: "0.0.0.0", port: 80 });
    assert.deepEqual(parseEndpoint(":80"), { host: "0.0.0.0", port: 80 });
    assert.deepEqual(parseEndpoint("8080"), { host: "0.0.0.0", port: 8080 });
  });
  it("explains what is wrong", () => {
    assert.match(parseEndpoint("localhost") as string, /missing port/);
    assert.match(parseEndpoint("1.2.3.4:99999") as string, /out of range/);
    assert.match(parseEndpoint("::1:53") as string, /brackets/);
  });
  it("formats IPv6 in brackets", () => {
    assert.equal(formatEndpoint({ host: "::1", port: 53 }), "[::1]:53");
  });
});
