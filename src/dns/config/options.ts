import { isAbsolute, resolve } from "node:path";
import type { Options } from "./model.ts";
import type { Stmt } from "./parse.ts";
import {
  type Errs,
  isText,
  noMore,
  readAml,
  readBool,
  readPort,
  readString,
  readUint,
  where,
} from "./values.ts";
import { describe } from "./parse.ts";
import { TRANSFER_OPTIONS, type TransferConf } from "./transfer.ts";

/**
 * The `options { }` statements netsvc implements, as ONE table: name -> reader. Each reader checks
 * its value and stores it in the model. Options that do not change answers are in IGNORED (accepted
 * with a warning saying why); BIND options we do not implement are in UNSUPPORTED (an error naming
 * them, never silently ignored); anything else is BIND's "unknown option".
 */
export interface OptionContext {
  opts: Options;
  errs: Errs;
  /** Directory of the main file: a relative `directory` is taken from there. */
  baseDir: string;
  /** Keys and primaries lists (config/transfer.ts), for `also-notify ... key K`. */
  tc?: TransferConf;
}

type Reader = (s: Stmt, c: OptionContext) => void;

function listenOn(field: "listenOn" | "listenOnV6"): Reader {
  return (s, { opts, errs }) => {
    let i = 1;
    let port: number | undefined;
    while (s.items[i]?.kind === "word") {
      const w = (s.items[i] as { text: string }).text.toLowerCase();
      if (w === "port") {
        port = readPort(s.items[i + 1], where(s), errs);
        i += 2;
      } else {
        errs.err(where(s.items[i]!), `listen-on '${w}' is not supported`, "ECONF_UNSUPPORTED");
        return;
      }
    }
    const aml = readAml(s.items[i], where(s), errs);
    if (!noMore(s, i + 1, errs) || aml === undefined) return;
    (opts[field] ??= []).push({ port, aml, at: where(s) });
  };
}

function acl(field: "allowQuery" | "allowRecursion" | "allowQueryCache" | "allowTransfer"): Reader {
  return (s, { opts, errs }) => {
    const aml = readAml(s.items[1], where(s), errs);
    if (noMore(s, 2, errs) && aml) opts[field] = aml;
  };
}

function forwarders(s: Stmt, { opts, errs }: OptionContext): void {
  let i = 1;
  if (isText(s.items[i]) && (s.items[i] as { text: string }).text.toLowerCase() === "port") {
    opts.forwardersPort = readPort(s.items[i + 1], where(s), errs);
    i += 2;
  }
  const b = s.items[i];
  if (b?.kind !== "block") {
    errs.err(b ? where(b) : where(s), `expected '{' near ${b ? describe(b) : "';'"}`);
    return;
  }
  noMore(s, i + 1, errs);
  for (const f of b.stmts) {
    const a = f.items[0];
    if (
      !isText(a) ||
      !/^[0-9a-fA-F.:]+$/.test(a.text) ||
      (!a.text.includes(":") && !/^\d+(\.\d+){3}$/.test(a.text))
    ) {
      errs.err(where(a ?? f), `expected IP address near ${a ? describe(a) : "';'"}`);
      continue;
    }
    let port: number | undefined;
    if (f.items[1] !== undefined) {
      if (!isText(f.items[1]) || f.items[1].text.toLowerCase() !== "port") {
        errs.err(where(f.items[1]), `unexpected ${describe(f.items[1])}`);
        continue;
      }
      port = readPort(f.items[2], where(f), errs);
      noMore(f, 3, errs);
    }
    opts.forwarders.push({ host: a.text, port });
  }
}

function enumOf(field: "forward", values: readonly string[]): Reader {
  return (s, { opts, errs }) => {
    const v = s.items[1];
    const t = isText(v) ? v.text.toLowerCase() : undefined;
    if (t === undefined || !values.includes(t)) {
      errs.err(where(v ?? s), `expected ${values.join(" or ")} near ${v ? describe(v) : "';'"}`);
      return;
    }
    if (noMore(s, 2, errs)) opts[field] = t as Options["forward"];
  };
}

export const OPTIONS: Record<string, Reader> = {
  directory: (s, { opts, errs, baseDir }) => {
    const d = readString(s, errs);
    if (d !== undefined) opts.directory = isAbsolute(d) ? d : resolve(baseDir, d);
  },
  "listen-on": listenOn("listenOn"),
  "listen-on-v6": listenOn("listenOnV6"),
  "allow-query": acl("allowQuery"),
  "allow-recursion": acl("allowRecursion"),
  "allow-query-cache": acl("allowQueryCache"),
  "allow-transfer": acl("allowTransfer"),
  recursion: (s, { opts, errs }) => {
    const b = readBool(s, errs);
    if (b !== undefined) opts.recursion = b;
  },
  "answer-cookie": (s, { opts, errs }) => {
    const b = readBool(s, errs);
    if (b !== undefined) opts.answerCookie = b;
  },
  "require-server-cookie": (s, { opts, errs }) => {
    const b = readBool(s, errs);
    if (b !== undefined) opts.requireServerCookie = b;
  },
  // BIND: 128 bits in hex for siphash24; several may be given, the first makes the cookies
  "cookie-secret": (s, { opts, errs }) => {
    const v = readString(s, errs);
    if (v === undefined) return;
    if (!/^[0-9a-fA-F]{32}$/.test(v)) {
      errs.err(
        where(s.items[1]!),
        `cookie-secret must be 128 bits of hex for siphash24 (32 hex digits), not '${v}'`,
      );
      return;
    }
    (opts.cookieSecrets ??= []).push(Buffer.from(v, "hex"));
  },
  "cookie-algorithm": (s, { errs }) => {
    const v = s.items[1];
    const t = isText(v) ? v.text.toLowerCase() : "";
    if (t !== "siphash24")
      errs.err(
        where(v ?? s),
        `cookie-algorithm '${isText(v) ? v.text : ""}' is not supported (siphash24 only)`,
        "ECONF_UNSUPPORTED",
      );
    else noMore(s, 2, errs);
  },
  "auth-nxdomain": (s, { opts, errs }) => {
    const b = readBool(s, errs);
    if (b !== undefined) opts.authNxdomain = b;
  },
  forwarders,
  forward: enumOf("forward", ["first", "only"]),
  "dnssec-validation": (s, { opts, errs }) => {
    const v = s.items[1];
    const t = isText(v) ? v.text.toLowerCase() : "";
    if (t === "no" || t === "false" || t === "0") {
      if (noMore(s, 2, errs)) opts.dnssecValidation = "no";
    } else if (t === "yes" || t === "auto" || t === "true" || t === "1") {
      errs.err(
        where(v!),
        `dnssec-validation '${t}' is not supported (netsvc does not validate; validation would fetch the root keys from the internet): use 'dnssec-validation no'`,
        "ECONF_UNSUPPORTED",
      );
    } else {
      errs.err(where(v ?? s), `boolean expected near ${v ? describe(v) : "';'"}`);
    }
  },
  "minimal-responses": (s, c) => {
    const v = s.items[1];
    const t = isText(v) ? v.text.toLowerCase() : "";
    const map: Record<string, Options["minimalResponses"]> = {
      yes: "yes",
      true: "yes",
      no: "no",
      false: "no",
      "no-auth": "no-auth",
      "no-auth-recursive": "no-auth-recursive",
    };
    const m = map[t];
    if (m === undefined) {
      c.errs.err(
        where(v ?? s),
        `expected yes, no, no-auth or no-auth-recursive near ${v ? describe(v) : "';'"}`,
      );
      return;
    }
    if (noMore(s, 2, c.errs)) c.opts.minimalResponses = m;
  },
  "max-udp-size": (s, { opts, errs }) => {
    const n = readUint(s.items[1], where(s), errs, 512, 4096);
    if (n !== undefined && noMore(s, 2, errs)) opts.maxUdpSize = n;
  },
  "edns-udp-size": (s, { opts, errs }) => {
    const n = readUint(s.items[1], where(s), errs, 512, 4096);
    if (n !== undefined && noMore(s, 2, errs)) opts.ednsUdpSize = n;
  },
  "tcp-clients": (s, { opts, errs }) => {
    const n = readUint(s.items[1], where(s), errs, 1, 1_000_000);
    if (n !== undefined && noMore(s, 2, errs)) opts.tcpClients = n;
  },
  "tcp-idle-timeout": (s, { opts, errs }) => {
    // BIND counts in units of 100 ms (1 to 1200, i.e. up to two minutes).
    const n = readUint(s.items[1], where(s), errs, 1, 1200);
    if (n !== undefined && noMore(s, 2, errs)) opts.tcpIdleTimeoutMs = n * 100;
  },
  // notify, also-notify, allow-notify: zone transfers and replication (config/transfer.ts)
  ...TRANSFER_OPTIONS,
};

/**
 * Options that do not change any answer netsvc gives: accepted with a warning. The predicate, when
 * present, says which values are harmless (`notify no`, not `notify yes`).
 */
export const IGNORED: Record<string, { why: string; ok?: (value: string) => boolean }> = {
  "pid-file": { why: "netsvc writes no pid file (use your service manager)" },
  "session-keyfile": { why: "netsvc has no dynamic update sessions" },
  "managed-keys-directory": { why: "netsvc does not validate DNSSEC" },
  "bindkeys-file": { why: "netsvc does not validate DNSSEC" },
  "dump-file": { why: "netsvc does not dump its cache to a file" },
  "statistics-file": { why: "netsvc writes no statistics file" },
  "memstatistics-file": { why: "netsvc writes no statistics file" },
  "secroots-file": { why: "netsvc does not validate DNSSEC" },
  "recursing-file": { why: "netsvc writes no such file" },
  "lock-file": { why: "netsvc takes no lock file" },
  "key-directory": { why: "netsvc does not sign zones" },
  version: { why: "netsvc does not answer CHAOS queries such as version.bind" },
  hostname: { why: "netsvc does not answer CHAOS queries such as hostname.bind" },
  "server-id": { why: "netsvc does not answer NSID or id.server" },
  "send-cookie": { why: "netsvc's resolver sends no COOKIE upstream" },
  querylog: { why: "netsvc does not log each query" },
  "zone-statistics": { why: "netsvc keeps no per-zone statistics" },
  "interface-interval": { why: "netsvc binds its listen-on addresses once, at start" },
  "heartbeat-interval": { why: "netsvc has no dialup zones" },
};

/** Real BIND options outside netsvc's subset: an error that says so (not "unknown option"). */
export const UNSUPPORTED = new Set([
  "allow-update",
  "allow-update-forwarding",
  "blackhole",
  "check-names",
  "dns64",
  "dnssec-policy",
  "empty-zones-enable",
  "ixfr-from-differences",
  "masterfile-format",
  "minimal-any",
  "notify-source",
  "prefetch",
  // resolver tuning BIND has and netsvc's resolver does not implement
  "recursive-clients",
  "clients-per-query",
  "max-clients-per-query",
  "fetches-per-zone",
  "fetches-per-server",
  "lame-ttl",
  "servfail-ttl",
  "stale-answer-enable",
  "stale-cache-enable",
  "max-stale-ttl",
  "max-recursion-depth",
  "max-recursion-queries",
  "resolver-nonbackoff-tries",
  "resolver-retry-interval",
  "edns-version",
  "root-delegation-only",
  "filter-aaaa-on-v4",
  "provide-ixfr",
  "query-source",
  "query-source-v6",
  "request-ixfr",
  "response-policy",
  "rrset-order",
  "serial-update-method",
  "sortlist",
  "transfer-source",
  "transfers-out",
  "update-policy",
]);
