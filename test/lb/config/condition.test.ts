import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCidr } from "../../../src/lib/acl.ts";
import { parseConfigText } from "../../../src/lb/config/load.ts";

function frontend(lines: string[]) {
  const r = parseConfigText(
    ["defaults", "  mode http", "frontend f", "  bind :0", ...lines.map((l) => `  ${l}`)].join("\n"),
    "c.cfg",
  );
  return { errors: r.errors.map((e) => `${e.line}: ${e.message}`), proxy: r.config?.proxies[0] };
}

describe("conditions", () => {
  it("parses AND, OR and negation", () => {
    const { proxy } = frontend([
      "acl a path /a",
      "acl b path /b",
      "acl c src 10.0.0.0/8",
      "http-request deny if a !b || or_not c",
    ]);
    assert.equal(proxy, undefined);
    const ok = frontend([
      "acl a path /a",
      "acl b path /b",
      "acl c src 10.0.0.0/8",
      "http-request deny unless a !b || c",
    ]);
    assert.deepEqual(ok.errors, []);
    const rule = ok.proxy!.httpRequest[0]!;
    assert.deepEqual(rule.cond, {
      unless: true,
      anyOf: [
        [
          { acl: "a", negate: false },
          { acl: "b", negate: true },
        ],
        [{ acl: "c", negate: false }],
      ],
      pos: { file: "c.cfg", line: 8 },
    });
  });

  it("turns anonymous ACLs into named ones the runtime evaluates like any other", () => {
    const { errors, proxy } = frontend([
      "use_backend x if { hdr_beg(host) -i api. } !{ path_end .php }",
      "backend x",
    ]);
    assert.deepEqual(errors, []);
    const names = proxy!.acls.map((a) => a.name);
    assert.deepEqual(names, ["{hdr_beg(host) -i api.}", "{path_end .php}"]);
    assert.deepEqual(proxy!.useBackends[0]!.cond!.anyOf, [
      [
        { acl: "{hdr_beg(host) -i api.}", negate: false },
        { acl: "{path_end .php}", negate: true },
      ],
    ]);
    assert.equal(proxy!.acls[0]!.ignoreCase, true);
    assert.equal(proxy!.acls[0]!.header, "host");
  });

  it("materializes HAProxy's predefined ACLs as src ACLs", () => {
    const { errors, proxy } = frontend([
      "http-request deny if !LOCALHOST",
      "http-request deny if FALSE || TRUE",
    ]);
    assert.deepEqual(errors, []);
    const by = new Map(proxy!.acls.map((a) => [a.name, a]));
    const contains = (name: string, addr: string): boolean =>
      by.get(name)!.patterns.some((p) => {
        const c = parseCidr(p);
        return typeof c !== "string" && c.contains(addr);
      });
    assert.equal(contains("LOCALHOST", "127.0.0.1"), true);
    assert.equal(contains("LOCALHOST", "::1"), true);
    assert.equal(contains("LOCALHOST", "10.0.0.1"), false);
    assert.equal(contains("TRUE", "10.0.0.1"), true);
    assert.equal(contains("TRUE", "2001:db8::1"), true);
    assert.equal(contains("FALSE", "127.0.0.1"), false);
  });

  it("reports undeclared ACLs and unclosed braces on their line", () => {
    assert.deepEqual(frontend(["http-request deny if nope"]).errors, [
      "5: error detected while parsing an 'http-request deny' condition : no such ACL : 'nope'.",
    ]);
    assert.match(frontend(["http-request deny if { path /x"]).errors[0]!, /^5: .*missing closing '}'/);
  });
});
