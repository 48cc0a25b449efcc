import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { scanListeners } from "../ports/scan.ts";
import type { PortNeed } from "./plan.ts";

/**
 * Before anything starts, `netsvc up` binds every port it needs for a moment: a lab that cannot
 * have all of them says which ones and why, and starts nothing.
 */
export interface PortProblem extends PortNeed {
  code: string;
  /** Who holds the port, when /proc tells (e.g. `named (pid 812)`). */
  holder?: string;
}

function probeOne(n: PortNeed): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (n.proto === "tcp") {
      const s = createServer();
      s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "EUNKNOWN"));
      s.listen({ host: n.host, port: n.port, exclusive: true }, () => s.close(() => resolve(undefined)));
    } else {
      const s = createSocket({ type: n.host.includes(":") ? "udp6" : "udp4" });
      s.once("error", (e: NodeJS.ErrnoException) => {
        s.close();
        resolve(e.code ?? "EUNKNOWN");
      });
      s.bind({ address: n.host, port: n.port, exclusive: true }, () => s.close(() => resolve(undefined)));
    }
  });
}

/** The needs that cannot be bound now (in order), with the holder of each port in use. */
export async function probePorts(needs: readonly PortNeed[]): Promise<PortProblem[]> {
  const problems: PortProblem[] = [];
  for (const n of needs) {
    const code = await probeOne(n);
    if (code !== undefined) problems.push({ ...n, code });
  }
  if (problems.some((p) => p.code === "EADDRINUSE")) {
    let listeners: ReturnType<typeof scanListeners>["listeners"] = [];
    try {
      listeners = scanListeners().listeners;
    } catch {
      // Not knowing who holds a port only makes the message shorter.
    }
    for (const p of problems) {
      const l = listeners.find((x) => x.localPort === p.port && x.proto.startsWith(p.proto));
      if (l?.pid != null) p.holder = `${l.program ?? "?"} (pid ${l.pid})`;
    }
  }
  return problems;
}

function why(p: PortProblem): string {
  if (p.code === "EACCES") return "permission denied: ports below 1024 need root";
  if (p.code === "EADDRINUSE") return `in use${p.holder !== undefined ? ` by ${p.holder}` : ""}`;
  if (p.code === "EADDRNOTAVAIL") return "address not available on this host";
  return p.code;
}

/**
 * Human text for the problems: one line per port and reason (protocols and addresses merged),
 * then how to proceed.
 */
export function formatProblems(
  problems: readonly PortProblem[],
  offset: number,
  suggestion?: number,
): string {
  const byPort = new Map<string, { p: PortProblem; protos: Set<string>; hosts: Set<string> }>();
  for (const p of problems) {
    const k = `${p.port}|${p.what}|${why(p)}`;
    const e = byPort.get(k) ?? { p, protos: new Set<string>(), hosts: new Set<string>() };
    e.protos.add(p.proto);
    e.hosts.add(p.host);
    byPort.set(k, e);
  }
  const lines = ["cannot start the lab, these ports are not available (nothing was started):"];
  for (const { p, protos, hosts } of byPort.values())
    lines.push(
      `  ${`${p.port}/${[...protos].join("+")}`.padEnd(12)} ${p.what.padEnd(14)} ${why(p)}  [${[...hosts].join(" ")}]`,
    );
  lines.push("How to proceed:");
  if (problems.some((p) => p.code === "EACCES")) lines.push("  - run it as root (sudo), or");
  if (problems.some((p) => p.code === "EADDRINUSE"))
    lines.push("  - stop what holds those ports (see `netsvc ports`), or");
  const n = suggestion ?? offset + 10000;
  lines.push(
    `  - move every port by N with --port-offset N: \`netsvc up --port-offset ${n}\` (DNS on ${53 + n}, balancer on ${7000 + n}, ...)`,
  );
  return lines.join("\n") + "\n";
}
