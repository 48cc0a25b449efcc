import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { ConfigError, ConfigErrors } from "../../lib/errors.ts";
import { loadZoneFile } from "../zone/load.ts";
import { ZoneSet, type Zone } from "../zone/zone.ts";
import { makeView, type ServerView } from "../view.ts";
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
  return makeView({
    zones: new ZoneSet(zones),
    // netsvc has no resolver yet (a later issue): never offer recursion.
    recursion: false,
    allowQuery: o.allowQuery ? acl(o.allowQuery) : () => true,
    allowRecursion: acl(recursionList),
    allowQueryCache: acl(o.allowQueryCache ?? recursionList),
    allowTransfer: o.allowTransfer ? acl(o.allowTransfer) : () => true,
    ...(o.minimalResponses !== undefined ? { minimalResponses: o.minimalResponses } : {}),
    ...(o.maxUdpSize !== undefined ? { maxUdpSize: o.maxUdpSize } : {}),
    ...(o.ednsUdpSize !== undefined ? { ednsUdpSize: o.ednsUdpSize } : {}),
  });
}

/**
 * Load named.conf and its zones. Throws ConfigErrors for an invalid named.conf, and (when there is
 * no previous state, i.e. at start) when any zone fails to load.
 */
export async function loadNamedConf(file: string, previous?: LoadState, read?: ReadFile): Promise<Loaded> {
  const built = buildNamedConf(file, read);
  if (built.conf === undefined) throw new ConfigErrors(built.errors);
  const conf = built.conf;
  const warnings = [...built.warnings];
  const reports: ZoneReport[] = [];
  const failures: ConfigError[] = [];
  const state: LoadState = { zones: new Map() };
  const zones: Zone[] = [];
  for (const z of conf.zones) {
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
      warnings.push(...zw);
      zones.push(zone);
      state.zones.set(z.name, { zone, file: z.file, files, stamp: stampOf(files) });
      reports.push({ zone: z.name, file: z.file, serial: zone.serial });
    } catch (e) {
      const errors = toErrors(e, z);
      if (old) {
        zones.push(old.zone);
        state.zones.set(z.name, old);
      }
      reports.push({ zone: z.name, file: z.file, errors, kept: old !== undefined });
      failures.push(...errors);
    }
  }
  if (previous === undefined && failures.length > 0) throw new ConfigErrors(failures);
  return { conf, view: buildView(conf, zones, hostNets()), warnings, zones: reports, state };
}
