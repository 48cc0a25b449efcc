import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileAml, type HostNets } from "../../../src/dns/config/aml.ts";
import { buildNamedConf } from "../../../src/dns/config/build.ts";
import { parseCidr, type Cidr } from "../../../src/lib/acl.ts";

/** BIND first-match semantics, as a table: named.conf text, then address -> allowed? */
const nets: HostNets = {
  localhost: [parseCidr("127.0.0.1") as Cidr, parseCidr("::1") as Cidr, parseCidr("192.0.2.2") as Cidr],
  localnets: [parseCidr("127.0.0.0/8") as Cidr, parseCidr("192.0.2.0/24") as Cidr],
};

function allowQuery(conf: string): (a: string) => boolean {
  const r = buildNamedConf("/virtual/named.conf", () => conf);
  assert.deepEqual(r.errors.map(String), []);
  const c = r.conf!;
  return compileAml(c.options.allowQuery!, c.acls, nets);
}

const CASES: { conf: string; allow: string[]; deny: string[] }[] = [
  {
    conf: "options { recursion no; allow-query { 128.32/16; 10/8; }; };",
    allow: ["128.32.1.1", "10.255.0.1", "::ffff:10.0.0.1"],
    deny: ["128.33.0.1", "11.0.0.1", "::1"],
  },
  {
    // first match decides: the negation must come before the broader allow
    conf: "options { recursion no; allow-query { !10.1/16; 10/8; }; };",
    allow: ["10.2.0.1"],
    deny: ["10.1.2.3", "192.0.2.9"],
  },
  {
    conf: "options { recursion no; allow-query { 10/8; !10.1/16; }; };",
    allow: ["10.1.2.3", "10.2.0.1"],
    deny: [],
  },
  {
    conf: 'acl "bad" { 192.0.2.66; }; options { recursion no; allow-query { !"bad"; any; }; };',
    allow: ["192.0.2.65", "2001:db8::1"],
    deny: ["192.0.2.66"],
  },
  {
    // a negative answer from a nested list is "no match", never a double-negation allow
    conf: 'acl "n" { !192.0.2.5; }; options { recursion no; allow-query { !"n"; 192.0.2.0/24; }; };',
    allow: ["192.0.2.5", "192.0.2.6"],
    deny: ["198.51.100.1"],
  },
  {
    conf: "options { recursion no; allow-query { { 192.0.2.0/24; !192.0.2.7; }; 2001:db8::/32; }; };",
    allow: ["192.0.2.1", "2001:db8:1::5"],
    deny: ["2001:db9::1"],
  },
  {
    conf: "acl a { b; }; acl b { 203.0.113.0/24; }; options { recursion no; allow-query { a; }; };",
    allow: ["203.0.113.200"],
    deny: ["203.0.114.1"],
  },
  {
    conf: "options { recursion no; allow-query { localhost; }; };",
    allow: ["127.0.0.1", "::1", "192.0.2.2"],
    deny: ["127.0.0.2", "192.0.2.3"],
  },
  {
    conf: "options { recursion no; allow-query { localnets; }; };",
    allow: ["127.9.9.9", "192.0.2.3"],
    deny: ["::1", "10.0.0.1"],
  },
  { conf: "options { recursion no; allow-query { none; }; };", allow: [], deny: ["127.0.0.1", "::1"] },
  {
    conf: "options { recursion no; allow-query { any; }; };",
    allow: ["127.0.0.1", "::1", "garbage"],
    deny: [],
  },
  { conf: "options { recursion no; allow-query { !any; }; };", allow: [], deny: ["127.0.0.1"] },
  { conf: "options { recursion no; allow-query { }; };", allow: [], deny: ["127.0.0.1"] },
];

describe("address match lists (BIND first-match)", () => {
  for (const c of CASES) {
    it(c.conf, () => {
      const ok = allowQuery(c.conf);
      for (const a of c.allow) assert.equal(ok(a), true, `${a} should be allowed`);
      for (const a of c.deny) assert.equal(ok(a), false, `${a} should be denied`);
      // memoised answers stay the same
      for (const a of c.allow) assert.equal(ok(a), true);
    });
  }
});
