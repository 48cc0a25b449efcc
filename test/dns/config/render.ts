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
      case "key":
        return `${neg}key ${e.name}`;
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
    ["answer-cookie", o.answerCookie],
    ["require-server-cookie", o.requireServerCookie],
  ];
  for (const [k, v] of scalars) if (v !== undefined) out.push(`${k} ${String(v)}`);
  for (const f of o.forwarders) out.push(`forwarder ${f.host} port ${f.port ?? "default"}`);
  for (const k of o.cookieSecrets ?? []) out.push(`cookie-secret ${k.toString("hex")}`);
  for (const [name, a] of c.acls) out.push(`acl "${name}" ${renderAml(a.list)}`);
  for (const z of c.zones) {
    out.push(`zone "${z.name}" ${z.type} file ${rel(z.file)}`);
    if (z.forward)
      out.push(
        `  ${z.name} forward ${z.forward.mode ?? "default"} forwarders { ${z.forward.forwarders.map((f) => `${f.host} port ${f.port ?? "default"}; `).join("")}}`,
      );
  }
  // transfers (config/transfer.ts)
  const remote = (r: { host: string; port: number | undefined; key: string | undefined }): string =>
    `${r.host}${r.port !== undefined ? ` port ${r.port}` : ""}${r.key !== undefined ? ` key ${r.key}` : ""}`;
  if (o.notify !== undefined) out.push(`notify ${o.notify}`);
  if (o.alsoNotify) out.push(`also-notify { ${o.alsoNotify.map((r) => `${remote(r)}; `).join("")}}`);
  if (o.allowNotify) out.push(`allow-notify ${renderAml(o.allowNotify)}`);
  for (const sv of c.transfer?.servers.values() ?? [])
    out.push(`server ${sv.host} key ${sv.key ?? "-"} request-ixfr ${sv.requestIxfr ? "yes" : "no"}`);
  for (const k of c.transfer?.keys.values() ?? [])
    out.push(`key "${k.name}" ${k.algorithm} ${k.secret.length}-byte secret`);
  for (const z of c.zones) {
    const x = z.xfr;
    if (x === undefined) continue;
    if (x.primaries)
      out.push(`  ${z.name} primaries { ${x.primaries.map((r) => `${remote(r)}; `).join("")}}`);
    if (x.alsoNotify)
      out.push(`  ${z.name} also-notify { ${x.alsoNotify.map((r) => `${remote(r)}; `).join("")}}`);
    if (x.notify) out.push(`  ${z.name} notify ${x.notify}`);
    if (x.allowTransfer) out.push(`  ${z.name} allow-transfer ${renderAml(x.allowTransfer)}`);
    if (x.allowNotify) out.push(`  ${z.name} allow-notify ${renderAml(x.allowNotify)}`);
  }
  // the resolver, rate limiting and statistics (config/recursion.ts)
  const rc = o.recursionConf;
  for (const [k, v] of [
    ["port", rc.port],
    ["max-cache-size", rc.maxCacheSize],
    ["max-cache-ttl", rc.maxCacheTtl],
    ["max-ncache-ttl", rc.maxNcacheTtl],
    ["resolver-query-timeout-ms", rc.resolverQueryTimeoutMs],
  ] as const)
    if (v !== undefined) out.push(`${k} ${String(v)}`);
  const rl = rc.rateLimit;
  if (rl !== undefined) {
    const { exemptClients, at: _at, ...rest } = rl;
    out.push(
      `rate-limit ${JSON.stringify(rest)}${exemptClients ? ` exempt ${renderAml(exemptClients)}` : ""}`,
    );
  }
  for (const ch of rc.statisticsChannels)
    out.push(
      `statistics-channel ${ch.host} port ${ch.port}${ch.allow ? ` allow ${renderAml(ch.allow)}` : ""}`,
    );
  return out;
}
