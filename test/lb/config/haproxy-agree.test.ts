import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { needTool } from "../../helpers/tools.ts";
import { runNetsvc } from "../../helpers/proc.ts";
import { checkHaproxyText } from "../../../src/lb/config/checker.ts";

/**
 * `netsvc check` against `haproxy -c` as the oracle: a valid base config, and one-line mutations of
 * it (each adds one line to one section). Both must agree on validity (exit status) and on the line
 * of the first error. Mutations using features netsvc deliberately does not support are not here
 * (they are errors for netsvc and fine for HAProxy; the golden files cover them), nor numbers
 * HAProxy reads with atoi() and netsvc rejects (`maxconn lots`, `retries x`).
 */
const SECTIONS = ["global", "defaults", "frontend", "backend", "stats"] as const;
type Section = (typeof SECTIONS)[number];

const BASE: Record<Section, string[]> = {
  global: ["global", "    maxconn 4096"],
  defaults: [
    "defaults",
    "    mode http",
    "    timeout connect 2s",
    "    timeout client 30s",
    "    timeout server 30s",
    "    retries 3",
  ],
  frontend: [
    "frontend web",
    "    bind 127.0.0.1:7000",
    "    acl api path_beg /api",
    "    default_backend workers",
  ],
  backend: [
    "backend workers",
    "    balance roundrobin",
    "    server w0 127.0.0.1:8080 check inter 1s fall 2 rise 2",
    "    server w1 127.0.0.1:8081 check inter 1s fall 2 rise 2",
  ],
  stats: ["listen stats", "    bind 127.0.0.1:7001", "    stats enable", "    stats uri /stats"],
};

/** [section, line to append, valid?] */
const CASES: [Section, string, boolean][] = [
  ["backend", "    balance static-rr", true],
  ["backend", "    balance leastconn", true],
  ["backend", "    balance first", true],
  ["backend", "    balance source", true],
  ["backend", "    balance uri", true],
  ["backend", "    balance hdr(host)", true],
  ["backend", "    balance random", true],
  ["backend", "    option httpchk GET /health", true],
  ["backend", "    option httpchk", true],
  ["backend", "    http-check expect status 200", true],
  ["backend", "    http-check expect string OK", true],
  ["backend", "    option redispatch", true],
  ["backend", "    default-server inter 2s fall 3 rise 2 weight 10", true],
  [
    "backend",
    "    server w9 127.0.0.1:8089 check backup port 9000 maxconn 10 downinter 5s fastinter 500ms",
    true,
  ],
  ["backend", "    server w9 127.0.0.1:8089 disabled weight 0", true],
  ["backend", "    timeout queue 10s", true],
  ["defaults", "    timeout check 1500", true],
  ["defaults", "    option forwardfor", true],
  ["defaults", "    option httplog", true],
  ["defaults", "    timeout http-keep-alive 1m", true],
  ["frontend", "    bind [::1]:7005", true],
  ["frontend", "    acl h hdr(host) -i www.example.com", true],
  ["frontend", "    use_backend workers if api || !api", true],
  ["frontend", "    use_backend workers if { path_end .php }", true],
  ["frontend", "    http-request deny deny_status 429 if api", true],
  ["frontend", "    http-request return status 200 content-type text/plain string ok if api", true],
  ["frontend", '    http-request set-header X-Test "a b"', true],
  ["frontend", "    http-request redirect prefix /v2 code 301 unless api", true],
  ["frontend", "    maxconn 100", true],
  ["stats", "    stats refresh 5s", true],
  ["stats", "    stats auth admin:secret", true],
  ["stats", "    stats realm My\\ stats", true],
  ["stats", "    stats hide-version", true],
  ["stats", "    stats admin if LOCALHOST", true],
  ["global", "    log stdout format raw local0", true],
  ["global", "    nbthread 2", true],
  ["global", "    bogus_kw 1", false],
  ["defaults", "    bogus_kw 1", false],
  ["defaults", "    timeout connect 5x", false],
  ["defaults", "    mode ftp", false],
  ["defaults", "    acl a path /x", false],
  ["defaults", "    server s 127.0.0.1:80", false],
  ["defaults", "    bind :80", false],
  ["frontend", "    bogus_kw", false],
  ["frontend", "    option bogus", false],
  ["frontend", "    use_backend workers if nosuchacl", false],
  ["frontend", "    http-request deny if nosuchacl", false],
  ["frontend", '    http-request set-header X "abc', false],
  ["frontend", "    server s 127.0.0.1:80", false],
  ["backend", "    balance foo", false],
  ["backend", "    server w9 127.0.0.1:8089 chek", false],
  ["backend", "    server w9 127.0.0.1:8089 check inter", false],
  ["backend", "    server w9 127.0.0.1:8089 weight 1000", false],
  ["backend", "    server w9", false],
  ["backend", "    bind :80", true],
  ["stats", "    stats refresh 5x", false],
  ["stats", "    stats bogus", false],
];

function build(section: Section, line: string): { text: string; line: number } {
  const out: string[] = [];
  let at = 0;
  for (const s of SECTIONS) {
    out.push(...BASE[s]);
    if (s === section) {
      out.push(line);
      at = out.length;
    }
    out.push("");
  }
  return { text: out.join("\n"), line: at };
}

function haproxyCheck(file: string): { ok: boolean; lines: number[] } {
  let out: string;
  let ok = true;
  try {
    out = execFileSync("haproxy", ["-c", "-f", file], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    ok = e.status !== 1;
    out = e.stdout + e.stderr;
  }
  const lines = [...out.matchAll(/\[ALERT\][^\n]*?\[[^\]\n]*:(\d+)\]/g)].map((m) => Number(m[1]));
  return { ok, lines };
}

describe("netsvc check agrees with haproxy -c", () => {
  it(`on ${CASES.length + 1} valid and invalid configs (validity and first error line)`, (t) => {
    if (!needTool(t, "haproxy")) return;
    const dir = mkdtempSync(join(tmpdir(), "netsvc-agree-"));
    try {
      const disagreements: string[] = [];
      const cases: [Section, string, boolean][] = [["global", "    # base", true], ...CASES];
      for (const [i, [section, line, valid]] of cases.entries()) {
        const cfg = build(section, line);
        const file = join(dir, `case${i}.cfg`);
        writeFileSync(file, cfg.text);
        const ref = haproxyCheck(file);
        const ours = checkHaproxyText(cfg.text, file, {});
        const ourLines = ours.lines
          .map((l) => /^\[ALERT\] config : parsing \[[^\]]*:(\d+)\]/.exec(l))
          .filter((m) => m !== null)
          .map((m) => Number(m[1]));
        const what = `${section} + '${line.trim()}'`;
        if (ref.ok !== valid)
          disagreements.push(`${what}: the case expects valid=${valid} but haproxy says ${ref.ok}`);
        if (ours.ok !== ref.ok)
          disagreements.push(
            `${what}: haproxy ok=${ref.ok}, netsvc ok=${ours.ok}: ${ours.lines.join(" | ")}`,
          );
        else if (!ref.ok && ref.lines[0] !== ourLines[0])
          disagreements.push(`${what}: haproxy first error line ${ref.lines[0]}, netsvc ${ourLines[0]}`);
        if (!valid && ourLines[0] !== cfg.line)
          disagreements.push(`${what}: netsvc error on line ${ourLines[0]}, mutation on ${cfg.line}`);
      }
      assert.deepEqual(disagreements, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("netsvc check exits 1 with parsing [file:line] on an error and 0 on the lab config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "netsvc-check-"));
    try {
      const bad = build("global", "    bogus_kw 1");
      writeFileSync(join(dir, "haproxy.cfg"), bad.text);
      const r = await runNetsvc(["check", join(dir, "haproxy.cfg")]);
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        new RegExp(
          `parsing \\[${dir}/haproxy.cfg:${bad.line}\\] : unknown keyword 'bogus_kw' in 'global' section`,
        ),
      );
      writeFileSync(join(dir, "haproxy.cfg"), build("global", "    # ok").text);
      const ok = await runNetsvc(["check", join(dir, "haproxy.cfg")]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /Configuration file is valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
