import type { Aml, NamedConf } from "../../../src/dns/config/model.ts";

/** A stable text form of the model, for golden files (paths shown relative to `base`). */
export function renderAml(l: Aml): string {
  const el = l.map((e) => {
    const neg = e.negated ? "!" : "";
    switch (e.kind) {
      case "cidr":
        return `${neg}${e.cidr.toString()}`;
      case "acl":
        return `${neg}"${e.name}"`;
      case "nested":
        return `${neg}${renderAml(e.list)}`;
      default:
        return `${neg}${e.kind}`;
    }
  });
  return `{ ${el.map((x) => `${x}; `).join("")}}`;
}

export function renderConf(c: NamedConf, base: string): string[] {
  const rel = (p: string): string => (p.startsWith(base) ? `<dir>${p.slice(base.length)}` : p);
  const o = c.options;
  const out: string[] = [];
  out.push(`directory ${rel(o.directory)}`);
  for (const l of o.listenOn ?? []) out.push(`listen-on port ${l.port ?? "default"} ${renderAml(l.aml)}`);
  for (const l of o.listenOnV6 ?? [])
    out.push(`listen-on-v6 port ${l.port ?? "default"} ${renderAml(l.aml)}`);
  for (const [k, v] of [
    ["allow-query", o.allowQuery],
    ["allow-recursion", o.allowRecursion],
    ["allow-query-cache", o.allowQueryCache],
    ["allow-transfer", o.allowTransfer],
  ] as const) {
    if (v) out.push(`${k} ${renderAml(v)}`);
  }
  const scalars: [string, string | number | boolean | undefined][] = [
    ["recursion", o.recursion],
    ["auth-nxdomain", o.authNxdomain],
    ["dnssec-validation", o.dnssecValidation],
    ["forward", o.forward],
    ["forwarders-port", o.forwardersPort],
    ["minimal-responses", o.minimalResponses],
    ["max-udp-size", o.maxUdpSize],
    ["edns-udp-size", o.ednsUdpSize],
    ["tcp-clients", o.tcpClients],
    ["tcp-idle-timeout-ms", o.tcpIdleTimeoutMs],
  ];
  for (const [k, v] of scalars) if (v !== undefined) out.push(`${k} ${String(v)}`);
  for (const f of o.forwarders) out.push(`forwarder ${f.host} port ${f.port ?? "default"}`);
  for (const [name, a] of c.acls) out.push(`acl "${name}" ${renderAml(a.list)}`);
  for (const z of c.zones) out.push(`zone "${z.name}" ${z.type} file ${rel(z.file)}`);
  return out;
}
