import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import {
  decodeHexAddress,
  formatAddress,
  isListening,
  parseProcNet,
  TCP_STATES,
  type NetProto,
} from "../../src/ports/procnet.ts";
import { NetsvcError } from "../../src/lib/errors.ts";
import { ROOT } from "../helpers/proc.ts";

const fixture = (proto: NetProto): string =>
  readFileSync(`${ROOT}/test/ports/fixtures/proc-net/${proto}`, "utf8");
const brief = (proto: NetProto) =>
  parseProcNet(fixture(proto), proto, "LE").map(
    (s) =>
      `${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${TCP_STATES[s.state]!} ${s.inode}`,
  );

describe("/proc/net parsing", () => {
  it("tcp: host-order IPv4 words, hex ports and states, TIME_WAIT with inode 0", () => {
    assert.deepEqual(brief("tcp"), [
      "127.0.0.1:8080 0.0.0.0:0 LISTEN 1001",
      "0.0.0.0:53 0.0.0.0:0 LISTEN 1002",
      "127.0.0.1:59106 127.0.0.1:7010 TIME_WAIT 0",
      "127.0.0.1:40000 127.0.0.1:22 ESTABLISHED 1003",
      "192.168.0.10:22 0.0.0.0:0 LISTEN 1004",
    ]);
  });

  it("tcp: queues are hex, uid decimal", () => {
    const s = parseProcNet(fixture("tcp"), "tcp", "LE");
    assert.equal(s[1]!.rxQueue, 3);
    assert.equal(s[1]!.txQueue, 0);
    assert.equal(s[4]!.uid, 1000);
  });

  it("tcp6: four host-order words, compressed like inet_ntop, v4-mapped in dotted quad", () => {
    assert.deepEqual(brief("tcp6"), [
      "::1:8080 :::0 LISTEN 2001",
      ":::22 :::0 LISTEN 2002",
      "::ffff:127.0.0.1:53 :::0 LISTEN 2003",
      "fe80::1:443 :::0 LISTEN 2004",
      "2001:db8::2:1:54321 2001:db8::1:443 ESTABLISHED 2005",
    ]);
  });

  it("udp and udp6: unconnected sockets are state CLOSE, a connected one ESTABLISHED", () => {
    assert.deepEqual(brief("udp"), [
      "0.0.0.0:53 0.0.0.0:0 CLOSE 3001",
      "127.0.0.1:111 0.0.0.0:0 CLOSE 3002",
      "127.0.0.1:50000 127.0.0.1:53 ESTABLISHED 3003",
    ]);
    assert.deepEqual(brief("udp6"), [":::2049 :::0 CLOSE 4001", "::1:20048 :::0 CLOSE 4002"]);
  });

  it("isListening keeps TCP LISTEN and unconnected UDP, as netstat -l and ss -l do", () => {
    const inodes = (["tcp", "tcp6", "udp", "udp6"] as const).flatMap((p) =>
      parseProcNet(fixture(p), p, "LE")
        .filter(isListening)
        .map((s) => s.inode),
    );
    assert.deepEqual(inodes, [1001, 1002, 1004, 2001, 2002, 2003, 2004, 3001, 3002, 4001, 4002]);
  });

  it("a big-endian host prints the words in network order", () => {
    const line = "   0: 7F000001:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 9 1\n";
    assert.equal(parseProcNet(line, "tcp", "BE")[0]!.localAddress, "127.0.0.1");
    const v6 =
      "   0: 20010DB8000000000000000000000001:0035 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 9\n";
    assert.equal(parseProcNet(v6, "tcp6", "BE")[0]!.localAddress, "2001:db8::1");
  });

  it("a malformed line is an EPROCNET error naming file and line", () => {
    const bad = (text: string, proto: NetProto = "tcp") => {
      assert.throws(
        () => parseProcNet(text, proto, "LE", "tcp"),
        (e: unknown) => e instanceof NetsvcError && e.code === "EPROCNET" && /^tcp:2: /.test(e.message),
      );
    };
    const head =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    bad(`${head}   0: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n`);
    bad(`${head}   0: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n`);
    bad(`${head}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x 1\n`);
    bad(`${head}   0: 0100007F:1F90 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000 0 0 1 1\n`);
    bad(`${head}   0: 0100007F:1F90\n`);
    // An IPv4-sized address in the tcp6 file.
    bad(
      `${head}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n`,
      "tcp6",
    );
  });

  it("formatAddress prints what glibc's inet_ntop prints (Python's socket.inet_ntop on this machine)", () => {
    const cases: [string, string][] = [
      ["00000000000000000000000000000000", "::"],
      ["00000000000000000000000000000001", "::1"],
      ["00010000000000000000000000000000", "1::"],
      ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"], // the first of two equal runs
      ["20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"], // a single zero word stays
      ["00000000000000000000ffff0a000001", "::ffff:10.0.0.1"],
      ["0000000000000000000000000a000001", "::10.0.0.1"], // IPv4-compatible
      ["00000000000000000000ffff00000001", "::ffff:0.0.0.1"],
      ["0000000000000000000000000000ffff", "::ffff"],
      ["000000000000000000000000ffff0001", "::255.255.0.1"],
      ["fe80000000000000000000000000abcd", "fe80::abcd"],
    ];
    for (const [hex, text] of cases) assert.equal(formatAddress([...Buffer.from(hex, "hex")]), text, hex);
    assert.equal(formatAddress([10, 0, 0, 255]), "10.0.0.255");
  });

  it("property: host-order hex of any address decodes back, and the text parses to the same bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (bytes, le) => {
        let hex = "";
        for (let i = 0; i < 16; i += 4) {
          const w = le
            ? [bytes[i + 3]!, bytes[i + 2]!, bytes[i + 1]!, bytes[i]!]
            : [...bytes.slice(i, i + 4)];
          hex += w
            .map((b) => b.toString(16).padStart(2, "0"))
            .join("")
            .toUpperCase();
        }
        const decoded = decodeHexAddress(hex, le ? "LE" : "BE")!;
        assert.deepEqual(decoded, [...bytes]);
        assert.deepEqual(ipaddr.parse(formatAddress(decoded)).toByteArray(), [...bytes]);
      }),
    );
  });
  it("property: any text either parses or fails with EPROCNET, never another error", () => {
    const line = fc
      .array(
        fc.oneof(
          fc.constantFrom(
            "0:",
            "0100007F:1F90",
            "00000000:0000",
            "0A",
            "07",
            "00000000:00000000",
            "1000",
            "123",
          ),
          fc.string({ maxLength: 12 }),
        ),
        { maxLength: 14 },
      )
      .map((f) => f.join(" "));
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 5 }),
        fc.constantFrom<NetProto>("tcp", "udp6"),
        (lines, proto) => {
          try {
            for (const s of parseProcNet(lines.join("\n"), proto, "LE")) {
              assert.ok(s.localPort >= 0 && s.localPort <= 0xffff);
              assert.ok(Number.isSafeInteger(s.inode));
            }
          } catch (e) {
            assert.ok(e instanceof NetsvcError && e.code === "EPROCNET", String(e));
          }
        },
      ),
    );
  });
});
