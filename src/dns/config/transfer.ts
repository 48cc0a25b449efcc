import { algorithmName } from "../transfer/tsig.ts";
import type { Aml, Options, Where } from "./model.ts";
import { describe, type Item, type Stmt } from "./parse.ts";
import { type Errs, isText, noMore, readAml, readPort, where } from "./values.ts";

/**
 * The named.conf statements and options of zone transfers and replication (src/dns/transfer
 * implements them): `key`, top-level `primaries`/`masters` lists, and in zones `type
 * secondary|slave`, `primaries|masters`, `also-notify`, `notify`, `allow-transfer`, `allow-notify`
 * (the last four also in `options`). Checks after reading: every key referenced is defined,
 * every primaries list name exists, a secondary zone has primaries.
 */

export interface KeyConf {
  name: string;
  algorithm: string;
  secret: Buffer;
  at: Where;
}

/** One server of a `primaries` or `also-notify` list. */
export interface Remote {
  host: string;
  port: number | undefined;
  key: string | undefined;
  at: Where;
}

/** `primary-only` (old name `master-only`): `yes` for primary zones, `no` for secondary ones. */
export type NotifyMode = "yes" | "no" | "explicit" | "primary-only";

/** A list element: an address, or the name of a top-level `primaries` list. */
export type RemoteEntry =
  Remote | { list: string; port: number | undefined; key: string | undefined; at: Where };

/** `server ADDR { keys { K; }; request-ixfr yes|no; };`: how we talk to one remote server. */
export interface ServerConf {
  host: string;
  /** The key our requests to it (SOA, transfers, NOTIFY) are signed with, when its list entry names none. */
  key: string | undefined;
  /** `request-ixfr no`: always AXFR from it. */
  requestIxfr: boolean;
  at: Where;
}

export interface TransferConf {
  keys: Map<string, KeyConf>;
  /** `server` statements, by address as written. */
  servers: Map<string, ServerConf>;
  lists: Map<string, { entries: RemoteEntry[]; port: number | undefined; at: Where }>;
  /** Key references to check once everything is read. */
  keyRefs: { name: string; at: Where }[];
}

export function newTransferConf(): TransferConf {
  return { keys: new Map(), servers: new Map(), lists: new Map(), keyRefs: [] };
}

/** What a zone statement may carry for transfers (ZoneConf.xfr). */
export interface ZoneXfr {
  primaries: Remote[] | undefined;
  alsoNotify: Remote[] | undefined;
  notify: NotifyMode | undefined;
  allowTransfer: Aml | undefined;
  allowNotify: Aml | undefined;
}

export function emptyZoneXfr(): ZoneXfr {
  return {
    primaries: undefined,
    alsoNotify: undefined,
    notify: undefined,
    allowTransfer: undefined,
    allowNotify: undefined,
  };
}

/** The options-level settings (Options.xfr). */
export interface OptionsXfr {
  notify: NotifyMode | undefined;
  alsoNotify: Remote[] | undefined;
  allowNotify: Aml | undefined;
}

const ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

function low(i: Item | undefined): string | undefined {
  return isText(i) ? i.text.toLowerCase() : undefined;
}

/** `{ ADDR [port N] [key K]; NAME; ... }` with an optional `port N` before the block. */
function readRemoteList(
  s: Stmt,
  errs: Errs,
  tc: TransferConf,
  allowNames: boolean,
): { entries: RemoteEntry[]; port: number | undefined } | undefined {
  let i = 1;
  let port: number | undefined;
  if (low(s.items[i]) === "port") {
    port = readPort(s.items[i + 1], where(s), errs);
    i += 2;
  }
  const b = s.items[i];
  if (b?.kind !== "block") {
    errs.err(b ? where(b) : where(s), `expected '{' near ${b ? describe(b) : "';'"}`);
    return undefined;
  }
  noMore(s, i + 1, errs);
  const entries: RemoteEntry[] = [];
  for (const e of b.stmts) {
    const a = e.items[0];
    if (!isText(a)) {
      errs.err(where(a ?? e), `expected IP address near ${a ? describe(a) : "';'"}`);
      continue;
    }
    let ePort: number | undefined;
    let key: string | undefined;
    let j = 1;
    let ok = true;
    while (j < e.items.length && ok) {
      const w = low(e.items[j]);
      if (w === "port") {
        ePort = readPort(e.items[j + 1], where(e), errs);
        if (ePort === undefined) ok = false;
        j += 2;
      } else if (w === "key") {
        const k = e.items[j + 1];
        if (!isText(k)) {
          errs.err(where(k ?? e), `expected key name near ${k ? describe(k) : "';'"}`);
          ok = false;
        } else {
          key = k.text.toLowerCase().replace(/\.$/, "");
          tc.keyRefs.push({ name: key, at: where(k) });
        }
        j += 2;
      } else {
        errs.err(where(e.items[j]!), `unexpected ${describe(e.items[j]!)}`);
        ok = false;
      }
    }
    if (!ok) continue;
    if (a.kind === "word" && ADDRESS.test(a.text))
      entries.push({ host: a.text, port: ePort ?? port, key, at: where(a) });
    else if (allowNames && ePort === undefined) entries.push({ list: a.text, port, key, at: where(a) });
    else errs.err(where(a), `expected IP address near '${a.text}'`);
  }
  return { entries, port };
}

/** Expand list names (top-level `primaries NAME { }`) into addresses; unknown names are errors. */
function expand(entries: RemoteEntry[], tc: TransferConf, errs: Errs, depth = 0): Remote[] {
  const out: Remote[] = [];
  for (const e of entries) {
    if ("host" in e) {
      out.push(e);
      continue;
    }
    const l = tc.lists.get(e.list);
    if (l === undefined) errs.err(e.at, `unable to find primaries list '${e.list}'`);
    else if (depth > 8) errs.err(e.at, `primaries list '${e.list}' nests too deeply`);
    else
      for (const r of expand(l.entries, tc, errs, depth + 1))
        out.push({ ...r, port: r.port ?? e.port ?? l.port, key: r.key ?? e.key });
  }
  return out;
}

/** `key "name" { algorithm hmac-sha256; secret "base64"; };` */
export function readKey(s: Stmt, errs: Errs, tc: TransferConf): void {
  const n = s.items[1];
  const b = s.items[2];
  if (!isText(n)) {
    errs.err(where(n ?? s), `expected key name near ${n ? describe(n) : "';'"}`);
    return;
  }
  if (b?.kind !== "block") {
    errs.err(b ? where(b) : where(s), `expected '{' near ${b ? describe(b) : "';'"}`);
    return;
  }
  noMore(s, 3, errs);
  const name = n.text.toLowerCase().replace(/\.$/, "");
  let algorithm: string | undefined;
  let secret: Buffer | undefined;
  let bad = false;
  for (const o of b.stmts) {
    const k = low(o.items[0]);
    const v = o.items[1];
    if (k === "algorithm") {
      algorithm = isText(v) ? algorithmName(v.text) : undefined;
      if (algorithm === undefined) {
        errs.err(where(v ?? o), `unknown algorithm ${v ? describe(v) : "';'"}`);
        bad = true;
      }
      noMore(o, 2, errs);
    } else if (k === "secret") {
      const t = isText(v) ? v.text.replace(/\s+/g, "") : "";
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) || t.length % 4 === 1) {
        errs.err(where(v ?? o), "bad secret 'bad base64 encoding'");
        bad = true;
      } else secret = Buffer.from(t, "base64");
      noMore(o, 2, errs);
    } else {
      errs.err(where(o), `unknown option '${k ?? describe(o.items[0]!)}'`, "ECONF_UNKNOWN");
      bad = true;
    }
  }
  const prev = tc.keys.get(name);
  if (prev !== undefined) {
    errs.err(
      where(s),
      `key '${n.text}': already exists previous definition: ${prev.at.file}:${prev.at.line}`,
    );
    return;
  }
  if (bad) return;
  if (algorithm === undefined || secret === undefined) {
    errs.err(where(s), `key '${n.text}' must have both 'secret' and 'algorithm' defined`);
    return;
  }
  tc.keys.set(name, { name, algorithm, secret, at: where(s) });
}

/** `server ADDR { keys { K; }; request-ixfr yes|no; };` (BIND's other options there: errors). */
export function readServer(s: Stmt, errs: Errs, tc: TransferConf): void {
  const a = s.items[1];
  const b = s.items[2];
  if (!isText(a) || !ADDRESS.test(a.text.replace(/\/\d+$/, ""))) {
    errs.err(where(a ?? s), `expected IP address near ${a ? describe(a) : "';'"}`);
    return;
  }
  if (b?.kind !== "block") {
    errs.err(b ? where(b) : where(s), `expected '{' near ${b ? describe(b) : "';'"}`);
    return;
  }
  noMore(s, 3, errs);
  const conf: ServerConf = { host: a.text, key: undefined, requestIxfr: true, at: where(s) };
  for (const o of b.stmts) {
    const k = low(o.items[0]);
    if (k === "keys") {
      const v = o.items[1];
      const name = v?.kind === "block" ? v.stmts[0]?.items[0] : v;
      if (!isText(name) || (v?.kind === "block" && v.stmts.length !== 1)) {
        errs.err(where(v ?? o), "expected one key name in 'keys'");
        continue;
      }
      conf.key = name.text.toLowerCase().replace(/\.$/, "");
      tc.keyRefs.push({ name: conf.key, at: where(name) });
    } else if (k === "request-ixfr") {
      const t = low(o.items[1]);
      if (t === "yes" || t === "true") conf.requestIxfr = true;
      else if (t === "no" || t === "false") conf.requestIxfr = false;
      else
        errs.err(
          where(o.items[1] ?? o),
          `boolean expected near ${o.items[1] ? describe(o.items[1]) : "';'"}`,
        );
    } else {
      errs.err(
        where(o),
        `server option '${k ?? describe(o.items[0]!)}' is not supported by netsvc`,
        "ECONF_UNSUPPORTED",
      );
    }
  }
  if (tc.servers.has(a.text)) {
    errs.err(
      where(s),
      `server '${a.text}': already exists previous definition: ${tc.servers.get(a.text)!.at.file}:${tc.servers.get(a.text)!.at.line}`,
    );
    return;
  }
  tc.servers.set(a.text, conf);
}

/** Top-level `primaries NAME [port N] { ... };` (and its old name `masters`). */
export function readPrimariesList(s: Stmt, errs: Errs, tc: TransferConf): void {
  const n = s.items[1];
  if (!isText(n)) {
    errs.err(where(n ?? s), `expected list name near ${n ? describe(n) : "';'"}`);
    return;
  }
  const rest: Stmt = { ...s, items: [s.items[0]!, ...s.items.slice(2)] };
  const l = readRemoteList(rest, errs, tc, true);
  if (l === undefined) return;
  const prev = tc.lists.get(n.text);
  if (prev !== undefined) {
    errs.err(
      where(s),
      `primaries '${n.text}': already exists previous definition: ${prev.at.file}:${prev.at.line}`,
    );
    return;
  }
  tc.lists.set(n.text, { ...l, at: where(s) });
}

function readNotify(s: Stmt, errs: Errs): NotifyMode | undefined {
  const t = low(s.items[1]);
  const map: Record<string, NotifyMode> = {
    yes: "yes",
    true: "yes",
    "1": "yes",
    no: "no",
    false: "no",
    "0": "no",
    explicit: "explicit",
    "primary-only": "primary-only",
    "master-only": "primary-only",
  };
  const m = t === undefined ? undefined : map[t];
  if (m === undefined) {
    const v = s.items[1];
    errs.err(where(v ?? s), `boolean expected near ${v ? describe(v) : "';'"}`);
    return undefined;
  }
  return noMore(s, 2, errs) ? m : undefined;
}

const ZONE_XFR_OPTIONS = new Set([
  "primaries",
  "masters",
  "also-notify",
  "notify",
  "allow-transfer",
  "allow-notify",
]);

export function isXfrOption(k: string): boolean {
  return ZONE_XFR_OPTIONS.has(k);
}

/**
 * Read one transfer option of a zone (`k` is the keyword). Returns false on an error, undefined
 * when `k` is not a transfer option.
 */
export function readZoneXfrOption(
  k: string,
  s: Stmt,
  errs: Errs,
  tc: TransferConf,
  x: ZoneXfr,
  pending: Map<ZoneXfr, RemoteEntry[]>,
): boolean | undefined {
  switch (k) {
    case "primaries":
    case "masters": {
      const l = readRemoteList(s, errs, tc, true);
      if (l === undefined) return false;
      pending.set(x, l.entries);
      x.primaries = [];
      return true;
    }
    case "also-notify": {
      const l = readRemoteList(s, errs, tc, true);
      if (l === undefined) return false;
      x.alsoNotify = expand(l.entries, tc, errs);
      return true;
    }
    case "notify": {
      const m = readNotify(s, errs);
      if (m === undefined) return false;
      x.notify = m;
      return true;
    }
    case "allow-transfer":
    case "allow-notify": {
      const aml = readAml(s.items[1], where(s), errs);
      if (aml === undefined || !noMore(s, 2, errs)) return false;
      if (k === "allow-transfer") x.allowTransfer = aml;
      else x.allowNotify = aml;
      return true;
    }
    default:
      return undefined;
  }
}

/** Primaries lists may name top-level lists defined later in the file: expand at the end. */
export function finishZoneXfr(pending: Map<ZoneXfr, RemoteEntry[]>, tc: TransferConf, errs: Errs): void {
  for (const [x, entries] of pending) x.primaries = expand(entries, tc, errs);
}

/** The options-level readers, merged into options.ts's table. */
export const TRANSFER_OPTIONS: Record<
  string,
  (s: Stmt, c: { opts: Options; errs: Errs; tc?: TransferConf }) => void
> = {
  notify: (s, { opts, errs }) => {
    const m = readNotify(s, errs);
    if (m !== undefined) opts.notify = m;
  },
  "also-notify": (s, { opts, errs, tc }) => {
    const t = tc ?? newTransferConf();
    const l = readRemoteList(s, errs, t, false);
    if (l !== undefined) opts.alsoNotify = l.entries.filter((e): e is Remote => "host" in e);
  },
  "allow-notify": (s, { opts, errs }) => {
    const aml = readAml(s.items[1], where(s), errs);
    if (aml !== undefined && noMore(s, 2, errs)) opts.allowNotify = aml;
  },
};

/** Every `key K` reference (in server lists and address match lists) names a defined key. */
export function checkKeyRefs(tc: TransferConf, amls: Aml[], errs: Errs): void {
  const seen = (name: string, at: Where): void => {
    if (!tc.keys.has(name)) errs.err(at, `unknown key '${name}'`);
  };
  for (const r of tc.keyRefs) seen(r.name, r.at);
  const walk = (l: Aml): void => {
    for (const e of l) {
      if (e.kind === "key") seen(e.name, e.at);
      if (e.kind === "nested") walk(e.list);
    }
  };
  for (const l of amls) walk(l);
}
