import { dirname, isAbsolute, resolve } from "node:path";
import type { ConfigError } from "../../lib/errors.ts";
import type { Aml, NamedConf, Options, Where, ZoneConf } from "./model.ts";
import { IGNORED, OPTIONS, UNSUPPORTED, type OptionContext } from "./options.ts";
import { describe, parseNamedConf, type ReadFile, type Stmt } from "./parse.ts";
import { newRecursionConf, readStatisticsChannels, RECURSION_OPTIONS } from "./recursion.ts";
import { Errs, isBuiltinAcl, isText, keyword, noMore, readAml, readString, where } from "./values.ts";
import {
  checkKeyRefs,
  emptyZoneXfr,
  finishZoneXfr,
  newTransferConf,
  readKey,
  readPrimariesList,
  readServer,
  readZoneXfrOption,
  isXfrOption,
  type RemoteEntry,
  type TransferConf,
  type ZoneXfr,
} from "./transfer.ts";

/**
 * named.conf syntax tree -> validated model, reporting every error found (named-checkconf's checks
 * for the subset netsvc implements). Top-level statements and options are dispatched through tables;
 * a statement we do not implement is an error naming it, except those that cannot change an answer
 * (accepted with a warning).
 */

/** Top-level statements BIND has and netsvc does not. */
const UNSUPPORTED_STATEMENTS = new Set([
  "view",
  "trust-anchors",
  "managed-keys",
  "trusted-keys",
  "dnssec-policy",
  "tls",
  "http",
  "plugin",
  "dyndb",
  "key-store",
  "parental-agents",
]);

/** Top-level statements that do not change answers: accepted with a warning. */
const IGNORED_STATEMENTS: Record<string, string> = {
  controls: "netsvc has no rndc control channel (reload with SIGHUP)",
  logging: "netsvc logs JSON lines on stdout",
};

export interface BuildResult {
  conf: NamedConf | undefined;
  errors: ConfigError[];
  warnings: ConfigError[];
}

function emptyOptions(baseDir: string): Options {
  return {
    directory: baseDir,
    listenOn: undefined,
    listenOnV6: undefined,
    allowQuery: undefined,
    allowRecursion: undefined,
    allowQueryCache: undefined,
    allowTransfer: undefined,
    recursion: undefined,
    forwarders: [],
    forwardersPort: undefined,
    forward: undefined,
    recursionConf: newRecursionConf(),
    dnssecValidation: undefined,
    authNxdomain: undefined,
    minimalResponses: undefined,
    maxUdpSize: undefined,
    ednsUdpSize: undefined,
    tcpClients: undefined,
    tcpIdleTimeoutMs: undefined,
  };
}

function buildOptions(s: Stmt, c: OptionContext, seenOptions: Map<string, Where>): void {
  const block = s.items[1];
  if (block?.kind !== "block") {
    c.errs.err(where(block ?? s), `expected '{' near ${block ? describe(block) : "';'"}`);
    return;
  }
  noMore(s, 2, c.errs);
  for (const o of block.stmts) {
    const name = keyword(o);
    if (name === undefined) {
      c.errs.err(where(o), `unexpected ${describe(o.items[0]!)}`);
      continue;
    }
    const reader = OPTIONS[name];
    if (reader !== undefined) {
      if (name !== "listen-on" && name !== "listen-on-v6" && name !== "cookie-secret") {
        if (seenOptions.has(name)) {
          c.errs.err(where(o), `'${name}' redefined near '${name}'`);
          continue;
        }
        seenOptions.set(name, where(o));
      }
      reader(o, c);
    } else if (RECURSION_OPTIONS[name] !== undefined) {
      // the resolver's options (config/recursion.ts)
      if (seenOptions.has(name)) {
        c.errs.err(where(o), `'${name}' redefined near '${name}'`);
        continue;
      }
      seenOptions.set(name, where(o));
      RECURSION_OPTIONS[name](o, c.errs, c.opts.recursionConf);
    } else if (IGNORED[name] !== undefined) {
      const ig = IGNORED[name];
      const v = o.items[1];
      if (ig.ok !== undefined && !(isText(v) && ig.ok(v.text.toLowerCase()))) {
        c.errs.err(
          where(o),
          `option '${name}${isText(v) ? ` ${v.text}` : ""}' is not supported (${ig.why})`,
          "ECONF_UNSUPPORTED",
        );
      } else {
        c.errs.warn(where(o), `option '${name}' ignored: ${ig.why}`, "WCONF_IGNORED");
      }
    } else if (UNSUPPORTED.has(name)) {
      c.errs.err(where(o), `option '${name}' is not supported by netsvc`, "ECONF_UNSUPPORTED");
    } else {
      c.errs.err(where(o), `unknown option '${name}'`, "ECONF_UNKNOWN");
    }
  }
}

/** A zone name in BIND's form: lower-cased for comparison, no trailing dot (the root stays "."). */
export function normaliseZoneName(text: string): string {
  if (text === "." || text === "") return ".";
  return (text.endsWith(".") ? text.slice(0, -1) : text).toLowerCase();
}

function validZoneName(name: string): boolean {
  if (name === ".") return true;
  if (name.length > 253) return false;
  return name.split(/(?<!\\)\./).every((l) => l.length > 0 && l.length <= 63);
}

/** Zone transfer options collected while reading zones (config/transfer.ts). */
interface XfrCtx {
  tc: TransferConf;
  pending: Map<ZoneXfr, RemoteEntry[]>;
}

function buildZone(
  s: Stmt,
  errs: Errs,
  seen: Map<string, ZoneConf>,
  zones: ZoneConf[],
  xc: XfrCtx,
): { fileWritten?: string } | undefined {
  const nameTok = s.items[1];
  if (!isText(nameTok)) {
    errs.err(where(nameTok ?? s), `expected zone name near ${nameTok ? describe(nameTok) : "';'"}`);
    return undefined;
  }
  let i = 2;
  const cls = s.items[i];
  if (isText(cls)) {
    if (cls.text.toUpperCase() !== "IN") {
      errs.err(where(cls), `zone '${nameTok.text}': class '${cls.text}' does not match view/default class`);
      return undefined;
    }
    i++;
  }
  const block = s.items[i];
  if (block?.kind !== "block") {
    errs.err(where(block ?? s), `expected '{' near ${block ? describe(block) : "';'"}`);
    return undefined;
  }
  noMore(s, i + 1, errs);
  const name = normaliseZoneName(nameTok.text);
  if (!validZoneName(name)) {
    errs.err(where(nameTok), `zone '${nameTok.text}': invalid zone name`);
    return undefined;
  }
  let type: ZoneConf["type"] | undefined;
  let file: string | undefined;
  let bad = false;
  const xfr = emptyZoneXfr();
  const fwd = emptyOptions("");
  let fwdSeen = false;
  const seenOpts = new Set<string>();
  for (const o of block.stmts) {
    const k = keyword(o);
    if (k === undefined) {
      errs.err(where(o), `unexpected ${describe(o.items[0]!)}`);
      bad = true;
      continue;
    }
    if (seenOpts.has(k)) {
      errs.err(where(o), `'${k}' redefined near '${k}'`);
      bad = true;
      continue;
    }
    seenOpts.add(k);
    if (k === "type") {
      const v = o.items[1];
      const t = isText(v) ? v.text.toLowerCase() : "";
      if (t === "master" || t === "primary") type = "primary";
      else if (t === "slave" || t === "secondary") type = "secondary";
      else if (t === "hint") type = "hint";
      else if (t === "forward") type = "forward";
      else if (["mirror", "stub", "static-stub", "redirect", "delegation-only", "in-view"].includes(t)) {
        errs.err(
          where(v!),
          `zone '${nameTok.text}': type '${t}' is not supported by netsvc (only primary/master, secondary/slave, hint and forward)`,
          "ECONF_UNSUPPORTED",
        );
        bad = true;
      } else {
        errs.err(where(v ?? o), `unknown zone type near ${v ? describe(v) : "';'"}`);
        bad = true;
      }
      noMore(o, 2, errs);
    } else if (k === "file") {
      file = readString(o, errs);
      if (file === undefined) bad = true;
    } else if (k === "forwarders" || k === "forward") {
      // a forward zone's own forwarders (the options' readers, into a scratch model)
      const before = errs.list.length;
      OPTIONS[k]!(o, { opts: fwd, errs, baseDir: "" });
      fwdSeen = true;
      if (errs.list.length > before) bad = true;
    } else if (isXfrOption(k)) {
      // transfer options (config/transfer.ts); errors are reported there
      if (readZoneXfrOption(k, o, errs, xc.tc, xfr, xc.pending) === false) bad = true;
    } else if (UNSUPPORTED.has(k) || OPTIONS[k] !== undefined || k === "class") {
      errs.err(
        where(o),
        `zone '${nameTok.text}': option '${k}' is not supported in a zone by netsvc`,
        "ECONF_UNSUPPORTED",
      );
      bad = true;
    } else {
      errs.err(where(o), `unknown option '${k}'`, "ECONF_UNKNOWN");
      bad = true;
    }
  }
  if (bad) return undefined;
  if (type === undefined) {
    errs.err(where(s), `zone '${nameTok.text}': type not present`);
    return undefined;
  }
  if (type === "forward" && file !== undefined) {
    errs.err(where(s), `zone '${nameTok.text}': a forward zone has no 'file'`);
    return undefined;
  }
  if (type !== "forward" && fwdSeen) {
    errs.err(
      where(s),
      `zone '${nameTok.text}': 'forwarders'/'forward' are supported by netsvc in forward zones only`,
      "ECONF_UNSUPPORTED",
    );
    return undefined;
  }
  if (file === undefined && type !== "secondary" && type !== "forward") {
    errs.err(where(s), `zone '${nameTok.text}': missing 'file' entry`);
    return undefined;
  }
  if (type === "secondary" && xfr.primaries === undefined) {
    errs.err(where(s), `zone '${nameTok.text}': missing 'primaries' entry`);
    return undefined;
  }
  if (type !== "secondary" && xfr.primaries !== undefined) {
    errs.err(where(s), `option 'primaries' is not allowed in '${type}' zone '${nameTok.text}'`);
    return undefined;
  }
  if (type === "primary" && xfr.allowNotify !== undefined) {
    errs.err(where(s), `option 'allow-notify' is not allowed in 'primary' zone '${nameTok.text}'`);
    return undefined;
  }
  if (
    type === "hint" &&
    (xfr.alsoNotify ?? xfr.notify ?? xfr.allowTransfer ?? xfr.allowNotify) !== undefined
  ) {
    errs.err(where(s), `zone '${nameTok.text}': transfer options are not allowed in a hint zone`);
    return undefined;
  }
  if (type === "hint" && name !== ".") {
    errs.err(
      where(s),
      `zone '${nameTok.text}': hint zones are only supported for the root zone '.'`,
      "ECONF_UNSUPPORTED",
    );
    return undefined;
  }
  const prev = seen.get(`${type === "hint" ? "hint" : "auth"}:${name}`);
  if (prev) {
    errs.err(
      where(s),
      `zone '${nameTok.text}': already exists previous definition: ${prev.at.file}:${prev.at.line}`,
    );
    return undefined;
  }
  const z: ZoneConf = { name, type, fileAsWritten: file ?? "", file: file ?? "", at: where(s), xfr };
  if (type === "forward")
    z.forward = { forwarders: fwd.forwarders, forwardersPort: fwd.forwardersPort, mode: fwd.forward };
  seen.set(`${type === "hint" ? "hint" : "auth"}:${name}`, z);
  zones.push(z);
  return {};
}

/** Check acl references (defined, not circular), in options and in acl definitions. */
function checkAclRefs(list: Aml, acls: NamedConf["acls"], errs: Errs, stack: string[]): void {
  for (const e of list) {
    if (e.kind === "nested") checkAclRefs(e.list, acls, errs, stack);
    if (e.kind !== "acl") continue;
    const def = acls.get(e.name);
    if (def === undefined) errs.err(e.at, `undefined ACL '${e.name}'`);
    else if (stack.includes(e.name))
      errs.err(e.at, `acl '${e.name}' refers to itself (loop: ${[...stack, e.name].join(" -> ")})`);
    else checkAclRefs(def.list, acls, errs, [...stack, e.name]);
  }
}

/** Parse, then build: the whole named.conf pipeline without touching zone files. */
export function buildNamedConf(file: string, read?: ReadFile): BuildResult {
  const parsed = parseNamedConf(file, read);
  const errs = new Errs();
  errs.list.push(...parsed.errors);
  const baseDir = dirname(isAbsolute(file) ? file : resolve(file));
  const opts = emptyOptions(baseDir);
  const acls: NamedConf["acls"] = new Map();
  const zones: ZoneConf[] = [];
  const seenZones = new Map<string, ZoneConf>();
  const seenOptions = new Map<string, Where>();
  let optionsAt: Where | undefined;
  const tc = newTransferConf();
  const xc: XfrCtx = { tc, pending: new Map() };
  const ctx: OptionContext = { opts, errs, baseDir, tc };

  for (const s of parsed.stmts) {
    const k = keyword(s);
    if (k === undefined) {
      errs.err(where(s), `unexpected ${describe(s.items[0]!)}`);
      continue;
    }
    if (k === "options") {
      if (optionsAt) {
        errs.err(
          where(s),
          `'options' redefined near 'options' (previous definition: ${optionsAt.file}:${optionsAt.line})`,
        );
        continue;
      }
      optionsAt = where(s);
      buildOptions(s, ctx, seenOptions);
    } else if (k === "acl") {
      const n = s.items[1];
      if (!isText(n)) {
        errs.err(where(n ?? s), `expected acl name near ${n ? describe(n) : "';'"}`);
        continue;
      }
      const list = readAml(s.items[2], where(s), errs);
      noMore(s, 3, errs);
      if (isBuiltinAcl(n.text)) {
        errs.err(where(s), `attempt to redefine builtin acl '${n.text}'`);
        continue;
      }
      const prev = acls.get(n.text);
      if (prev) {
        errs.err(
          where(s),
          `attempt to redefine acl '${n.text}' previous definition: ${prev.at.file}:${prev.at.line}`,
        );
        continue;
      }
      if (list) acls.set(n.text, { list, at: where(s) });
    } else if (k === "zone") {
      buildZone(s, errs, seenZones, zones, xc);
    } else if (k === "key") {
      readKey(s, errs, tc);
    } else if (k === "server") {
      readServer(s, errs, tc);
    } else if (k === "primaries" || k === "masters") {
      readPrimariesList(s, errs, tc);
    } else if (k === "statistics-channels") {
      readStatisticsChannels(s, errs, opts.recursionConf);
    } else if (IGNORED_STATEMENTS[k] !== undefined) {
      errs.warn(where(s), `statement '${k}' ignored: ${IGNORED_STATEMENTS[k]}`, "WCONF_IGNORED");
    } else if (UNSUPPORTED_STATEMENTS.has(k)) {
      errs.err(where(s), `statement '${k}' is not supported by netsvc`, "ECONF_UNSUPPORTED");
    } else {
      errs.err(where(s), `unknown option '${k}'`, "ECONF_UNKNOWN");
    }
  }

  for (const f of ["allowQuery", "allowRecursion", "allowQueryCache", "allowTransfer"] as const) {
    const l = opts[f];
    if (l) checkAclRefs(l, acls, errs, []);
  }
  for (const l of [...(opts.listenOn ?? []), ...(opts.listenOnV6 ?? [])]) checkAclRefs(l.aml, acls, errs, []);
  const rc = opts.recursionConf;
  for (const l of [rc.rateLimit?.exemptClients, ...rc.statisticsChannels.map((c) => c.allow)])
    if (l) checkAclRefs(l, acls, errs, []);
  for (const [name, def] of acls) checkAclRefs(def.list, acls, errs, [name]);
  finishZoneXfr(xc.pending, tc, errs);
  for (const z of zones) {
    if (z.xfr?.allowTransfer) checkAclRefs(z.xfr.allowTransfer, acls, errs, []);
    if (z.xfr?.allowNotify) checkAclRefs(z.xfr.allowNotify, acls, errs, []);
  }
  if (opts.allowNotify) checkAclRefs(opts.allowNotify, acls, errs, []);
  checkKeyRefs(
    tc,
    [
      ...[opts.allowQuery, opts.allowTransfer, opts.allowNotify, opts.allowRecursion, opts.allowQueryCache],
      ...zones.flatMap((z) => [z.xfr?.allowTransfer, z.xfr?.allowNotify]),
      ...[...acls.values()].map((a) => a.list),
    ].filter((l) => l !== undefined),
    errs,
  );

  // Zone files are relative to `directory` (which is known only after the options are read).
  for (const z of zones)
    if (z.fileAsWritten !== "")
      z.file = isAbsolute(z.fileAsWritten) ? z.fileAsWritten : resolve(opts.directory, z.fileAsWritten);

  const errors = errs.list;
  const conf: NamedConf | undefined =
    errors.length === 0
      ? { file, files: parsed.files, options: opts, acls, zones, warnings: errs.warnings, transfer: tc }
      : undefined;
  return { conf, errors, warnings: errs.warnings };
}
