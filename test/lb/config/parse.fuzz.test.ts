import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseConfigText } from "../../../src/lb/config/load.ts";
import { tokenizeLine } from "../../../src/lb/config/tokenize.ts";

/**
 * The config reader never throws on any input: every problem is a ConfigError on a line that
 * exists, and a file it accepts yields a model. Inputs mix real keywords, quotes, escapes and junk.
 */
const WORDS = [
  "global",
  "defaults",
  "frontend f",
  "backend b",
  "listen l",
  "mode http",
  "mode tcp",
  "bind :0",
  "bind [::1]:80",
  "server s 127.0.0.1:80",
  "check",
  "inter 1s",
  "weight 3",
  "backup",
  "balance",
  "roundrobin",
  "hdr(host)",
  "acl a path /x",
  "if",
  "unless",
  "a",
  "!a",
  "||",
  "{",
  "}",
  "use_backend b",
  "default_backend b",
  "http-request deny",
  "stats uri /s",
  "stats admin",
  "timeout client 5x",
  "option httpchk",
  "http-check expect status 200",
  "maxconn 10",
  "log stdout local0",
  '"',
  "'",
  "\\",
  "#",
  "\\x4",
  "${X}",
  "tune.x 1",
  "nbthread 2",
  "retries",
  "default-server fall 2",
];

const line = fc
  .array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), { maxLength: 6 })
  .map((w) => w.join(" "));

describe("haproxy.cfg reader fuzz", () => {
  it("never throws; errors point at real lines", () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), (lines) => {
        const text = lines.join("\n");
        const r = parseConfigText(text, "f.cfg", { X: "y" });
        const n = text.split("\n").length;
        for (const e of [...r.errors, ...r.warnings])
          assert.ok(e.line >= 0 && e.line <= n, `line ${e.line} of ${n}`);
        assert.equal(r.config === undefined, r.errors.length > 0);
      }),
      { numRuns: 400 },
    );
  });

  it("tokenizer: plain words separated by blanks come back unchanged", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_.:/()-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (ws) => {
        const r = tokenizeLine(`  ${ws.join(" \t ")}  `);
        assert.ok(r.ok);
        assert.deepEqual(
          r.tokens.map((t) => t.text),
          ws,
        );
      }),
    );
  });
});
