import type { LabPlan } from "./plan.ts";

/**
 * What `netsvc up` prints once everything answers: each endpoint with a client command to try.
 * The last line, `Lab ready: press Ctrl-C to stop.`, is what scripts wait for.
 */
export const READY_LINE = "Lab ready: press Ctrl-C to stop.";

function clientHost(host: string): string {
  return host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
}

export function nfsUrl(plan: LabPlan, path: string, user?: { uid: number; gid: number }): string {
  const q = `version=3&nfsport=${plan.nfs.port}&mountport=${plan.nfs.mountPort}`;
  return `nfs://127.0.0.1${path}?${q}${user !== undefined ? `&uid=${user.uid}&gid=${user.gid}` : ""}`;
}

export function banner(plan: LabPlan, dashboard: { host: string; port: number } | undefined): string {
  const L: string[] = [];
  const row = (what: string, where: string, cmd: string): void => {
    L.push(`  ${what.padEnd(14)} ${where.padEnd(22)} ${cmd}`);
  };
  const more = (cmd: string): void => {
    L.push(`  ${"".padEnd(14)} ${"".padEnd(22)} ${cmd}`);
  };
  L.push(`netsvc lab (files: ${plan.labDir}; data and logs: ${plan.stateDir})`);
  if (plan.offset !== 0) L.push(`every port moved by --port-offset ${plan.offset}`);
  L.push("");
  const zone = plan.dns.zones.find((z) => z.name !== ".")?.name ?? "example.com";
  row("DNS", `udp+tcp ${plan.dns.port}`, `dig @127.0.0.1 -p ${plan.dns.port} ${zone}`);
  more(`dig @127.0.0.1 -p ${plan.dns.port} ${zone} MX +short`);
  for (const f of plan.frontends) {
    const h = clientHost(f.host) === "127.0.0.1" ? "localhost" : clientHost(f.host);
    row(
      `balancer ${f.name}`,
      `tcp ${f.port}`,
      `curl ${h}:${f.port}     (repeat it: round-robin over the workers)`,
    );
  }
  const w = plan.workers.ports;
  row(
    "workers",
    `tcp ${w[0]}-${w[w.length - 1]}`,
    `curl localhost:${w[0]}   crash one: curl localhost:${w[2] ?? w[0]}/crash`,
  );
  if (plan.stats !== undefined && dashboard !== undefined) {
    const base = `http://localhost:${dashboard.port}`;
    row(
      "stats",
      `tcp ${dashboard.port}`,
      `${base}${plan.stats.uri}   (also ${plan.stats.uri};csv ${plan.stats.uri};json /metrics)`,
    );
    row("dashboard", "", `${base}/   (the whole lab, live)`);
  }
  row(
    "NFS",
    `tcp+udp ${plan.nfs.port}`,
    `MOUNT on ${plan.nfs.mountPort}, portmapper on ${plan.nfs.portmapPort}`,
  );
  const pub = plan.nfs.exports.find((e) => e.includes("public"));
  if (pub !== undefined) {
    more(`nfs-ls  '${nfsUrl(plan, pub)}'`);
    more(`nfs-cat '${nfsUrl(plan, `${pub}/secret.txt`)}'`);
  }
  for (const u of plan.users) {
    const path = plan.nfs.exports.find((e) => e.endsWith(`/private/${u.name}`));
    if (path !== undefined) more(`nfs-cp notes.txt '${nfsUrl(plan, `${path}/notes.txt`, u)}'`);
  }
  if (plan.nfs.portmapPort === 111) more("showmount -e 127.0.0.1   rpcinfo -p 127.0.0.1");
  row("ports", "", "netsvc ports   (who listens where)");
  L.push("");
  L.push(READY_LINE);
  return L.join("\n") + "\n";
}
