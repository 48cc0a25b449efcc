import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { probePorts } from "../../src/lab/probe.ts";

/**
 * Start a lab (`netsvc up ...` or `npm start`) in its own process group on a port offset picked at
 * run time (retrying with another one when `up` reports ports in use), wait for its ready line,
 * and stop it like Ctrl-C does: SIGINT to the whole group.
 */
export interface LabProcess {
  child: ChildProcess;
  offset: number;
  output: () => string;
  waitOutput(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** SIGINT to the group (Ctrl-C); resolves with the exit code of the group leader. */
  stop(): Promise<number | null>;
}

export const READY = "Lab ready: press Ctrl-C to stop.";

function randomOffset(): number {
  // Every lab port below the kernel's ephemeral range (32768-60999), where other tests' outgoing
  // connections could take one between our check and the bind: 20048 + N < 32768.
  return 10000 + Math.floor(Math.random() * 2700);
}

/** A random --port-offset under which every port of the lab is free right now. */
export async function freeOffset(): Promise<number> {
  for (;;) {
    const n = randomOffset();
    const ports = [53, 111, 2049, 20048, 7000, 7001, 8080, 8081, 8082, 8083, 8084, 8085].map((p) => p + n);
    const needs = ports.flatMap((port) =>
      (["tcp", "udp"] as const).map((proto) => ({ proto, host: "0.0.0.0", port, what: "" })),
    );
    if ((await probePorts(needs)).length === 0) return n;
  }
}

export function spawnLab(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): LabProcess & { exited: Promise<number | null> } {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let text = "";
  child.stdout.on("data", (d: Buffer) => (text += d.toString()));
  child.stderr.on("data", (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  const waitOutput = async (re: RegExp, ms = 60_000): Promise<RegExpExecArray> => {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(text);
      if (m !== null) return m;
      if (done) throw new Error(`the lab exited before ${String(re)}:\n${text}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${String(re)}:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async (): Promise<number | null> => {
    if (!done) {
      try {
        process.kill(-child.pid!, "SIGINT");
      } catch {
        // Already gone.
      }
    }
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Gone.
      }
    }, 20_000);
    const code = await exited;
    clearTimeout(t);
    return code;
  };
  return { child, offset: 0, output: () => text, waitOutput, stop, exited };
}

/** Processes of a group still alive (none after a clean stop). */
export function groupAlive(pgid: number): number[] {
  try {
    const out = execFileSync("ps", ["-o", "pid=", "-g", String(pgid)], { encoding: "utf8" });
    return out
      .split("\n")
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

export async function until(pred: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
