import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A real BIND 9 beside netsvc in integration tests (transfers, cookies). */
const TEMP: string[] = [];
/** A temp directory removed when the test file ends. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  TEMP.push(d);
  return d;
}
after(() => {
  for (const d of TEMP) rmSync(d, { recursive: true, force: true });
});

/** A port free for both UDP and TCP on `host` right now. */
export async function freePort(host: string): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, host, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const u = createSocket("udp4");
      u.once("error", () => resolve(false));
      u.bind(port, host, () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

export interface Bind {
  child: ChildProcess;
  dir: string;
  port: number;
  host: string;
  log: () => string;
  stop(): Promise<void>;
}

/**
 * named -g in its own temp directory (removed when the test file ends), listening on `host`:`port`
 * only; `top` goes before `options { }` (keys), `options(host)` inside it. Resolves once it logs
 * "running".
 */
export function startBind(
  top: string,
  options: (host: string) => string,
  host: string,
  port: number,
  body: string,
  files: Record<string, string>,
): Promise<Bind> {
  const dir = tempDir("netsvc-bind-");
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  writeFileSync(
    join(dir, "named.conf"),
    `${top}
controls { };
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { ${host}; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  ${options(host)}
};
${body}
`,
  );
  const child = spawn("named", ["-g", "-c", join(dir, "named.conf"), "-n", "1"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`named did not start:\n${log}`)), 15_000);
    const check = (): void => {
      if (/running/.test(log)) {
        clearTimeout(t);
        resolve({
          child,
          dir,
          port,
          host,
          log: () => log,
          stop: async () => {
            if (child.exitCode === null) child.kill("SIGTERM");
            await exited;
          },
        });
      }
    };
    child.stderr.on("data", check);
    child.once("exit", () => reject(new Error(`named exited:\n${log}`)));
  });
}
