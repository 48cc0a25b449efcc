import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildNamedConf } from "../../../src/dns/config/build.ts";
import { listenEndpoints } from "../../../src/dns/server/endpoints.ts";

/** listen-on / listen-on-v6 against this host's interfaces (loopback is always there), and the flags. */
function conf(text: string) {
  const r = buildNamedConf("/virtual/named.conf", () => text);
  assert.deepEqual(r.errors.map(String), []);
  return r.conf!;
}

const show = (l: { host: string; port: number }[]): string[] => l.map((e) => `${e.host} ${e.port}`);

describe("listen endpoints", () => {
  it("takes the interface addresses the lists match, each with its port", () => {
    const c = conf("options { recursion no; listen-on port 5353 { 127.0.0.1; }; listen-on-v6 { ::1; }; };");
    assert.deepEqual(show(listenEndpoints(c)), ["127.0.0.1 5353", "::1 53"]);
    assert.deepEqual(show(listenEndpoints(c, { port: 0 })), ["127.0.0.1 0", "::1 0"]);
  });

  it("defaults to every address (any) on port 53, skips link-local IPv6, honours none and negation", () => {
    const all = show(listenEndpoints(conf("options { recursion no; };")));
    assert.ok(all.includes("127.0.0.1 53") && all.includes("::1 53"), all.join(","));
    assert.ok(!all.some((e) => /^fe80/i.test(e)));
    const none = conf("options { recursion no; listen-on { none; }; listen-on-v6 { none; }; };");
    assert.deepEqual(listenEndpoints(none), []);
    const neg = conf("options { recursion no; listen-on { !127.0.0.1; 127/8; }; listen-on-v6 { none; }; };");
    assert.ok(!show(listenEndpoints(neg)).includes("127.0.0.1 53"));
  });

  it("repeated listen-on statements add up, without duplicates", () => {
    const c = conf(
      "options { recursion no; listen-on { 127.0.0.1; }; listen-on { 127.0.0.1; }; listen-on port 54 { 127.0.0.1; }; listen-on-v6 { none; }; };",
    );
    assert.deepEqual(show(listenEndpoints(c)), ["127.0.0.1 53", "127.0.0.1 54"]);
  });

  it("--listen replaces the lists; an address may carry its port", () => {
    const c = conf("options { recursion no; };");
    assert.deepEqual(
      show(listenEndpoints(c, { listen: ["127.0.0.2", "::1", "127.0.0.3:5300", "[::1]:5301"] })),
      ["127.0.0.2 53", "::1 53", "127.0.0.3 5300", "::1 5301"],
    );
    assert.deepEqual(show(listenEndpoints(c, { listen: ["127.0.0.3:5300"], port: 0 })), ["127.0.0.3 0"]);
    assert.throws(() => listenEndpoints(c, { listen: ["127.0.0.1:99999"] }), /out of range/);
  });
});
