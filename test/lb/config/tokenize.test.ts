import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseTime, tokenizeLine } from "../../../src/lb/config/tokenize.ts";

const words = (line: string, env: Record<string, string> = {}): string[] => {
  const r = tokenizeLine(line, env);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.tokens.map((t) => t.text);
};

describe("haproxy.cfg tokenizer", () => {
  it("splits on blanks and stops at a comment", () => {
    assert.deepEqual(words("  server w1 127.0.0.1:80\tcheck # comment"), [
      "server",
      "w1",
      "127.0.0.1:80",
      "check",
    ]);
    assert.deepEqual(words("# only a comment"), []);
  });
  it("keeps HAProxy's quoting and escaping", () => {
    assert.deepEqual(words('a "b c # d" e'), ["a", "b c # d", "e"]);
    assert.deepEqual(words("a 'no $HOME \\n'"), ["a", "no $HOME \\n"]);
    assert.deepEqual(words("a\\ b\\#c"), ["a b#c"]);
    assert.deepEqual(words(`x"y z"'w'`), ["xy zw"]);
    assert.deepEqual(words("\\x41\\x42 \\t"), ["AB", "\t"]);
    assert.deepEqual(words('"${HOME}/x" ${HOME}', { HOME: "/root" }), ["/root/x", "${HOME}"]);
  });
  it("reports columns", () => {
    const r = tokenizeLine("  bind  :80");
    assert.ok(r.ok);
    assert.deepEqual(
      r.tokens.map((t) => t.col),
      [3, 9],
    );
  });
  it("rejects an unmatched quote and a bad \\x", () => {
    const r = tokenizeLine('x "abc');
    assert.equal(r.ok, false);
    assert.equal(tokenizeLine("\\xZZ").ok, false);
  });
});

describe("time values", () => {
  it("ms by default; us ms s m h d", () => {
    assert.equal(parseTime("1500", "t"), 1500);
    assert.equal(parseTime("2s", "t"), 2000);
    assert.equal(parseTime("500ms", "t"), 500);
    assert.equal(parseTime("1m", "t"), 60_000);
    assert.equal(parseTime("1h", "t"), 3_600_000);
    assert.equal(parseTime("1d", "t"), 86_400_000);
    assert.equal(parseTime("1500us", "t"), 2);
  });
  it("errors as HAProxy words them", () => {
    assert.equal(parseTime("5x", "timeout connect"), "unexpected character 'x' in 'timeout connect'");
    assert.equal(typeof parseTime("abc", "t"), "string");
    assert.equal(typeof parseTime("30d", "t"), "string");
  });
});
