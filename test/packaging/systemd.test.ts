import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CLI, ROOT } from "../helpers/proc.ts";
import { needTool } from "../helpers/tools.ts";

const run = promisify(execFile);
const DIR = `${ROOT}/packaging/systemd`;
const SERVICES = ["dns", "lb", "nfs", "workers"] as const;

/** The unit's `Key=value` lines by section, repeated keys kept in order. */
function parseUnit(text: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      current = [];
      sections.set(sec[1]!, current);
      continue;
    }
    const eq = line.indexOf("=");
    assert.ok(current && eq > 0, `not a unit line: ${line}`);
    current.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return sections;
}

const unitText = (s: string) => readFileSync(`${DIR}/netsvc-${s}.service`, "utf8");
const values = (s: string, key: string) =>
  (parseUnit(unitText(s)).get("Service") ?? []).filter(([k]) => k === key).map(([, v]) => v);
const one = (s: string, key: string) => {
  const v = values(s, key);
  assert.equal(v.length, 1, `${s}: exactly one ${key}=`);
  return v[0]!;
};

/** What ExecStart= must run: the CLI contract of DESIGN.md, with the packaged config paths. */
const EXEC_START = {
  dns: "/usr/bin/netsvc dns -c /etc/netsvc/named.conf",
  lb: "/usr/bin/netsvc lb -f /etc/netsvc/haproxy.cfg",
  nfs: "/usr/bin/netsvc nfs -e /etc/netsvc/exports --root /srv/netsvc",
  workers: "/usr/bin/netsvc workers -n 6",
} as const;
const CONFIG = {
  dns: "/etc/netsvc/named.conf",
  lb: "/etc/netsvc/haproxy.cfg",
  nfs: "/etc/netsvc/exports",
} as const;

describe("systemd units: contents", () => {
  for (const s of SERVICES) {
    it(`netsvc-${s}.service runs the CLI contract with restart and hardening`, () => {
      assert.match(one(s, "Type"), /^(exec|simple)$/);
      assert.match(unitText(s), /sd_notify/, "the unit says why it is not Type=notify");
      assert.equal(one(s, "ExecStart"), EXEC_START[s]);
      assert.equal(one(s, "Restart"), "on-failure");
      assert.equal(one(s, "NoNewPrivileges"), "yes");
      assert.equal(one(s, "ProtectSystem"), "strict");
      assert.ok(one(s, "User") !== "root", "a User= that is not root");
      assert.deepEqual(values(s, "MemoryDenyWriteExecute"), [], "V8 needs W+X pages");
    });
  }

  for (const s of ["dns", "lb", "nfs"] as const) {
    it(`netsvc-${s}.service reloads by checking the config, then SIGHUP`, () => {
      assert.deepEqual(values(s, "ExecReload"), [
        `/usr/bin/netsvc check ${CONFIG[s]}`,
        "/bin/kill -HUP $MAINPID",
      ]);
      assert.ok(EXEC_START[s].includes(CONFIG[s]), "checks the file it serves");
    });
  }

  it("capabilities: port 53 and 111 by CAP_NET_BIND_SERVICE; nfs acts as the caller; workers need none", () => {
    const caps = (s: string) =>
      new Set(values(s, "AmbientCapabilities").join(" ").split(/\s+/).filter(Boolean));
    assert.deepEqual([...caps("dns")], ["CAP_NET_BIND_SERVICE"]);
    for (const c of ["CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"])
      assert.ok(caps("nfs").has(c), c);
    assert.equal(caps("workers").size, 0);
    assert.deepEqual(values("workers", "CapabilityBoundingSet"), [""]);
    for (const s of SERVICES) {
      const bounding = new Set(values(s, "CapabilityBoundingSet").join(" ").split(/\s+/).filter(Boolean));
      for (const c of caps(s)) assert.ok(bounding.has(c), `${s}: ${c} in the bounding set`);
    }
    assert.deepEqual(values("nfs", "ReadWritePaths"), ["/srv/netsvc"]);
  });
});

describe("systemd units: systemd-analyze", () => {
  let tmp = "";
  let wrapper = "";
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "netsvc-units-"));
    // verify wants ExecStart= to name an existing executable: point the units at a wrapper that
    // runs the CLI built in this tree.
    wrapper = join(tmp, "bin", "netsvc");
    mkdirSync(join(tmp, "bin"));
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const copy = (s: string, edit: (t: string) => string = (t) => t) => {
    const path = join(tmp, `netsvc-${s}.service`);
    writeFileSync(path, edit(unitText(s).replaceAll("/usr/bin/netsvc", wrapper)));
    return path;
  };
  const DOC = readFileSync(`${ROOT}/docs/systemd.md`, "utf8");
  /** verify exits 0 on warnings (unknown keys, bad values): any line naming the unit is a failure. */
  const verify = async (path: string) => {
    const r = await run("systemd-analyze", ["verify", path]).then(
      (o) => ({ code: 0, ...o }),
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    );
    const complaints = `${r.stdout}\n${r.stderr}`
      .split("\n")
      .filter((l) => l.includes(path.split("/").pop()!));
    return { code: r.code, complaints };
  };

  it("the wrapper runs the built CLI", async () => {
    const r = await run(wrapper, ["--version"]);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  for (const s of SERVICES) {
    it(`systemd-analyze verify accepts netsvc-${s}.service without a warning`, async (t) => {
      if (!needTool(t, "systemd-analyze")) return;
      const r = await verify(copy(s));
      assert.deepEqual(r.complaints, []);
      assert.equal(r.code, 0);
    });
  }

  it("the drop-in examples of docs/systemd.md verify without a warning", async (t) => {
    if (!needTool(t, "systemd-analyze")) return;
    const dropIns = [
      ...DOC.matchAll(/```ini\n# \/etc\/systemd\/system\/(netsvc-(\w+)\.service)\.d\/([\w.-]+)\n([^`]*)```/g),
    ];
    assert.ok(dropIns.length >= 2, "docs/systemd.md has drop-in examples");
    for (const [, unit, service, name, body] of dropIns) {
      const path = copy(service!);
      mkdirSync(join(tmp, `${unit!}.d`), { recursive: true });
      const text = body!.replaceAll("/usr/local/bin/netsvc", wrapper).replaceAll("/usr/bin/netsvc", wrapper);
      writeFileSync(join(tmp, `${unit!}.d`, name!), text);
      const r = await verify(path);
      // A warning about the drop-in names `<unit>.d/<name>`, which contains the unit's name.
      assert.deepEqual(r.complaints, [], `${unit!}.d/${name!}`);
      assert.equal(r.code, 0);
      rmSync(join(tmp, `${unit!}.d`), { recursive: true });
    }
  });

  it("the check would catch a bad unit: an unknown key and a bad Type= are reported", async (t) => {
    if (!needTool(t, "systemd-analyze")) return;
    const r = await verify(copy("dns", (u) => u.replace(/^Type=exec$/m, "Type=exce\nRestartt=always")));
    assert.equal(r.complaints.length, 2, r.complaints.join("\n"));
  });

  it("a missing executable fails verify", async (t) => {
    if (!needTool(t, "systemd-analyze")) return;
    const r = await verify(copy("lb", (u) => u.replaceAll(wrapper, join(tmp, "bin", "nope"))));
    assert.notEqual(r.code, 0);
  });

  it("systemd-analyze security rates every unit's exposure at most 3.0 (of 10)", async (t) => {
    if (!needTool(t, "systemd-analyze")) return;
    for (const s of SERVICES) {
      // --threshold counts tenths: 30 = 3.0; exit status 1 above it.
      await run("systemd-analyze", ["security", "--offline=true", "--threshold=30", copy(s)]).catch(
        (e: unknown) => {
          assert.fail(`${s}: exposure above 3.0: ${String((e as { stdout?: string }).stdout ?? e)}`);
        },
      );
    }
  });

  it("netsvc.sysusers creates the netsvc user (systemd-sysusers into a scratch root)", async (t) => {
    if (!needTool(t, "systemd-sysusers")) return;
    const root = join(tmp, "root");
    mkdirSync(join(root, "etc"), { recursive: true });
    await run("systemd-sysusers", [`--root=${root}`, `${DIR}/netsvc.sysusers`]);
    assert.match(
      readFileSync(join(root, "etc", "passwd"), "utf8"),
      /^netsvc:x:\d+:\d+:[^:]*:\/var\/lib\/netsvc:/m,
    );
    assert.match(readFileSync(join(root, "etc", "group"), "utf8"), /^netsvc:x:\d+:/m);
  });
});
