import type { Cidr } from "../../lib/acl.ts";
import type { ConfigError } from "../../lib/errors.ts";
import type { RecursionConf } from "./recursion.ts";
import type { NotifyMode, Remote, TransferConf, ZoneXfr } from "./transfer.ts";

/**
 * The validated named.conf model: what the supported subset of BIND's configuration says, with
 * positions kept for messages. Built by build.ts from the syntax tree; turned into a ServerView
 * (plus the sockets to open) by load.ts.
 */
export interface Where {
  file: string;
  line: number;
  col: number;
}

/** One element of a BIND address match list. `acl` references are resolved when compiled. */
export type AmlElement =
  | { kind: "cidr"; negated: boolean; cidr: Cidr; at: Where }
  | { kind: "any" | "none" | "localhost" | "localnets"; negated: boolean; at: Where }
  | { kind: "acl"; negated: boolean; name: string; at: Where }
  /** `key NAME`: matches a request signed with that TSIG key (transfer/gate.ts). */
  | { kind: "key"; negated: boolean; name: string; at: Where }
  | { kind: "nested"; negated: boolean; list: AmlElement[]; at: Where };

export type Aml = AmlElement[];

export interface ListenOn {
  /** `port N` when given; the default is 53 (and --port overrides both). */
  port: number | undefined;
  aml: Aml;
  at: Where;
}

export interface Forwarder {
  host: string;
  port: number | undefined;
}

export type ZoneType = "primary" | "secondary" | "hint" | "forward";

export interface ZoneConf {
  /** The zone name as written, without the trailing dot (the root is "."). */
  name: string;
  type: ZoneType;
  /** The `file` as written and resolved against `directory`. */
  fileAsWritten: string;
  file: string;
  at: Where;
  /** Transfer and replication settings (config/transfer.ts); a secondary has `primaries`. */
  xfr?: ZoneXfr;
  /** `type forward` zones: where the resolver sends questions at or below the zone's name
   *  (`forwarders {}` empty = no forwarding there, even with global forwarders). */
  forward?: {
    forwarders: Forwarder[];
    forwardersPort: number | undefined;
    mode: "first" | "only" | undefined;
  };
}

export type MinimalResponses = "no" | "yes" | "no-auth" | "no-auth-recursive";

export interface Options {
  /** Absolute directory zone files are relative to (the `directory` option, itself relative to the
   *  main file's directory; by default that directory). */
  directory: string;
  listenOn: ListenOn[] | undefined;
  listenOnV6: ListenOn[] | undefined;
  allowQuery: Aml | undefined;
  allowRecursion: Aml | undefined;
  allowQueryCache: Aml | undefined;
  allowTransfer: Aml | undefined;
  recursion: boolean | undefined;
  forwarders: Forwarder[];
  forwardersPort: number | undefined;
  forward: "first" | "only" | undefined;
  /** The resolver, cache and rate-limit options, and statistics-channels (config/recursion.ts). */
  recursionConf: RecursionConf;
  dnssecValidation: "no" | undefined;
  authNxdomain: boolean | undefined;
  minimalResponses: MinimalResponses | undefined;
  maxUdpSize: number | undefined;
  ednsUdpSize: number | undefined;
  /** `tcp-clients` (BIND default 150): concurrent TCP connections. */
  tcpClients: number | undefined;
  /** `tcp-idle-timeout` (BIND: units of 100 ms, default 30 s), here in milliseconds. */
  tcpIdleTimeoutMs: number | undefined;
  /** DNS COOKIE (engine/cookie.ts): `answer-cookie`, `cookie-secret` (repeatable), `require-server-cookie`. */
  answerCookie?: boolean;
  cookieSecrets?: Buffer[];
  requireServerCookie?: boolean;
  /** `notify yes|no|explicit` (BIND default yes), `also-notify`, `allow-notify` (config/transfer.ts). */
  notify?: NotifyMode;
  alsoNotify?: Remote[];
  allowNotify?: Aml;
}

export interface NamedConf {
  /** The main file, as given. */
  file: string;
  /** Every file read (main first), for diagnostics. */
  files: string[];
  options: Options;
  acls: Map<string, { list: Aml; at: Where }>;
  zones: ZoneConf[];
  /** `key` statements and `primaries` lists (config/transfer.ts). */
  transfer?: TransferConf;
  /** Accepted-with-a-warning statements and options, and other notes (severity "warning"). */
  warnings: ConfigError[];
}
