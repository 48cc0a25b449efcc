import { randomBytes } from "node:crypto";
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { ConfigError, ConfigErrors } from "../../lib/errors.ts";
import { noteReload } from "../transfer/journal.ts";
import { makeKey, type TsigKey } from "../transfer/tsig.ts";
import { keyFromText, keyOf } from "../wire/name.ts";
import { parseAddress } from "../../lib/acl.ts";
import { loadZoneFile } from "../zone/load.ts";
import { ZoneSet, type Zone } from "../zone/zone.ts";
import { makeView, type AddressMatchList, type ServerView, type ZoneOptions } from "../view.ts";
import { compileAml, hostNets, type HostNets } from "./aml.ts";
import { buildNamedConf } from "./build.ts";
import type { Aml, NamedConf, ZoneConf } from "./model.ts";
import type { ReadFile } from "./parse.ts";

/**
 * named.conf on disk -> a ServerView ready to swap in (plus the model, for the sockets).
 *
 * Zones: at start every zone must load (a server that starts without a zone it was told to serve
 * is worse than one that refuses to start). On reload, a zone whose file fails keeps its previous
 * version and the error is reported; a zone none of whose files changed (the zone file and its
 * $INCLUDEs: same size, mtime and inode) is reused as is, so reloading a server with a large zone
 * costs nothing for that zone.
 */
export interface ZoneReport {
  zone: string;
  file: string;
  /** Set when the zone was (re)loaded or reused. */
  serial?: number;
  reused?: boolean;
  /** Set when loading failed; `kept` tells whether an older version keeps serving. */
  errors?: ConfigError[];
  kept?: boolean;
}

export interface Loaded {
  conf: NamedConf;
  view: ServerView;
  warnings: ConfigError[];
  zones: ZoneReport[];
  /** The loaded zone objects with the file stamps they were read with (for the next reload). */
  state: LoadState;
  /**
   * Keys of primary zones configured but without data: their file failed to load and there was no
   * previous version to keep. They answer SERVFAIL, as BIND's "not loaded due to errors" zones do.
   */
  failed: Set<string>;
}

export interface LoadState {
  /** Each zone with every file it was read from ($INCLUDEs too) and their stamps at that time. */
  zones: Map<string, { zone: Zone; file: string; files: string[]; stamp: string }>;
}

/** Size, mtime and inode of each file: a zone is reused on reload only if none changed. */
function stampOf(files: string[]): string {
  return files
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.size}:${st.mtimeMs}:${st.ino}`;
      } catch {
        return "missing";
      }
    })
    .join("|");
}

function toErrors(e: unknown, z: ZoneConf): ConfigError[] {
  if (e instanceof ConfigErrors) return [...e.errors];
  if (e instanceof ConfigError) return [e];
  const code = (e as NodeJS.ErrnoException).code;
  const msg = code === "ENOENT" ? "file not found" : e instanceof Error ? e.message : String(e);
  return [
    new ConfigError(
      "EZONE_LOAD",
      `zone ${z.name}/IN: loading from master file ${z.fileAsWritten} failed: ${msg}`,
      z.at,
    ),
  ];
}

const SECRET_ENV = "NETSVC_DNS_COOKIE_SECRET";
let processSecret: Buffer | undefined;

/**
 * The secret used when named.conf sets none: random, once per server, and the same in the worker
 * processes (the first process hands it down through the environment), so that a cookie made by
 * one process is valid at the others.
 */
export function defaultCookieSecret(): Buffer {
  if (processSecret !== undefined) return processSecret;
  const inherited = process.env[SECRET_ENV];
  processSecret =
    inherited !== undefined && /^[0-9a-f]{32}$/.test(inherited)
      ? Buffer.from(inherited, "hex")
      : randomBytes(16);
  process.env[SECRET_ENV] = processSecret.toString("hex");
  return processSecret;
}

/** BIND's defaults: allow-recursion { localnets; localhost; }, allow-query-cache = allow-recursion. */
function buildView(conf: NamedConf, zones: Zone[], nets: HostNets): ServerView {
  const o = conf.options;
  const acl = (l: Aml) => compileAml(l, conf.acls, nets);
  const here = { file: conf.file, line: 0, col: 0 };
  const defaultRecursion: Aml = [
    { kind: "localnets", negated: false, at: here },
    { kind: "localhost", negated: false, at: here },
  ];
  const recursionList = o.allowRecursion ?? o.allowQueryCache ?? defaultRecursion;
  const { keys, zoneOptions } = transferParts(conf, acl);
  return makeView({
    keys,
    zoneOptions,
    zones: new ZoneSet(zones),
    // BIND's default is `recursion yes`; the server attaches the resolver (server/service.ts)
    recursion: o.recursion !== false,
    allowQuery: o.allowQuery ? acl(o.allowQuery) : () => true,
    allowRecursion: acl(recursionList),
    allowQueryCache: acl(o.allowQueryCache ?? recursionList),
    allowTransfer: o.allowTransfer ? acl(o.allowTransfer) : () => true,
    ...(o.minimalResponses !== undefined ? { minimalResponses: o.minimalResponses } : {}),
    cookies: {
      answer: o.answerCookie ?? true,
      secrets: o.cookieSecrets ?? [defaultCookieSecret()],
      require: o.requireServerCookie ?? false,
    },
    ...(o.maxUdpSize !== undefined ? { maxUdpSize: o.maxUdpSize } : {}),
    ...(o.ednsUdpSize !== undefined ? { ednsUdpSize: o.ednsUdpSize } : {}),
  });
}

/** TSIG keys and per-zone transfer settings (config/transfer.ts) for the view. */
function transferParts(
  conf: NamedConf,
  acl: (l: Aml) => AddressMatchList,
): { keys: Map<string, TsigKey>; zoneOptions: Map<string, ZoneOptions> } {
  const keys = new Map<string, TsigKey>();
  for (const k of conf.transfer?.keys.values() ?? []) {
    const t = makeKey(k.name, k.algorithm, k.secret);
    keys.set(keyOf(t.nameWire), t);
  }
  const zoneOptions = new Map<string, ZoneOptions>();
  for (const z of conf.zones) {
    if (z.type === "hint" || z.xfr === undefined) continue;
    const x = z.xfr;
    const allowTransfer = x.allowTransfer ? acl(x.allowTransfer) : undefined;
    let allowNotify: AddressMatchList | undefined;
    if (z.type === "secondary") {
      // the primaries may always NOTIFY; allow-notify (zone, else options) adds to them
      const hosts = (x.primaries ?? []).map((p) => parseAddress(p.host)).filter((a) => a !== undefined);
      const extra = x.allowNotify ?? conf.options.allowNotify;
      const more = extra ? acl(extra) : undefined;
      allowNotify = (address, key) => {
        const a = parseAddress(address);
        const hit =
          a !== undefined &&
          hosts.some(
            (h) =>
              h.family === a.family &&
              (a.family === 4 ? h.v4 === a.v4 : Buffer.from(h.v6!).equals(Buffer.from(a.v6!))),
          );
        return hit || (more?.(address, key) ?? false);
      };
    }
    zoneOptions.set(keyFromText(z.name), { allowTransfer, allowNotify, secondary: z.type === "secondary" });
  }
  return { keys, zoneOptions };
}

/**
 * Load named.conf and its zones. Throws ConfigErrors for an invalid named.conf, and (when there is
 * no previous state, i.e. at start) when the root hints file is missing, as named does. A zone
 * whose file fails to load keeps its previous version, or else is listed in `failed` (SERVFAIL):
 * like named, one broken zone does not stop the others from being served.
 */
export async function loadNamedConf(file: string, previous?: LoadState, read?: ReadFile): Promise<Loaded> {
  const built = buildNamedConf(file, read);
  if (built.conf === undefined) throw new ConfigErrors(built.errors);
  const conf = built.conf;
  const warnings = [...built.warnings];
  const reports: ZoneReport[] = [];
  const failures: ConfigError[] = [];
  const failed = new Set<string>();
  const state: LoadState = { zones: new Map() };
  const zones: Zone[] = [];
  for (const z of conf.zones) {
    if (z.type === "forward") continue; // no data: the resolver's business (resolver-conf.ts)
    if (z.type === "hint") {
      try {
        accessSync(z.file, constants.R_OK);
      } catch {
        reports.push({
          zone: ".",
          file: z.file,
          errors: [new ConfigError("EZONE_LOAD", `root hints file '${z.fileAsWritten}' not found`, z.at)],
          kept: false,
        });
        failures.push(
          new ConfigError(
            "EZONE_LOAD",
            `zone ./IN: could not configure root hints from '${z.fileAsWritten}': file not found`,
            z.at,
          ),
        );
      }
      continue;
    }
    // secondary zones are loaded (from their cached file, then by transfer) by the server's
    // replication manager (server/replication.ts), not here
    if (z.type === "secondary") continue;
    const old = previous?.zones.get(z.name);
    if (old && old.file === z.file && stampOf(old.files) === old.stamp) {
      zones.push(old.zone);
      state.zones.set(z.name, old);
      reports.push({ zone: z.name, file: z.file, serial: old.zone.serial, reused: true });
      continue;
    }
    try {
      const files: string[] = [];
      const { zone, warnings: zw } = await loadZoneFile(z.file, z.name, {
        directory: conf.options.directory,
        readFile: (p) => {
          files.push(p);
          return readFileSync(p);
        },
      });
      noteReload(old?.zone, zone); // the IXFR journal (transfer/journal.ts)
      warnings.push(...zw);
      zones.push(zone);
      state.zones.set(z.name, { zone, file: z.file, files, stamp: stampOf(files) });
      reports.push({ zone: z.name, file: z.file, serial: zone.serial });
    } catch (e) {
      const errors = toErrors(e, z);
      if (old) {
        zones.push(old.zone);
        state.zones.set(z.name, old);
      } else {
        failed.add(keyFromText(z.name));
      }
      reports.push({ zone: z.name, file: z.file, errors, kept: old !== undefined });
    }
  }
  if (previous === undefined && failures.length > 0) throw new ConfigErrors(failures);
  return { conf, view: buildView(conf, zones, hostNets()), warnings, zones: reports, state, failed };
}
