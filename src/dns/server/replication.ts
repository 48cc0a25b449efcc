import { randomInt } from "node:crypto";
import { renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import type { Logger } from "../../lib/log.ts";
import type { NamedConf, ZoneConf } from "../config/model.ts";
import { applyTransfer } from "../transfer/in.ts";
import { noteReload } from "../transfer/journal.ts";
import { notifyMessage, notifyTargets, type NotifyTarget } from "../transfer/notify-out.ts";
import { Secondary, type Primary } from "../transfer/secondary.ts";
import type { Keyring } from "../transfer/tsig.ts";
import { keyFromText, nameFromText } from "../wire/name.ts";
import { parseAddress } from "../../lib/acl.ts";
import type { ServerConf } from "../config/transfer.ts";
import { dumpZone } from "../zone/dump.ts";
import { loadZoneFile } from "../zone/load.ts";
import type { Zone, ZoneSet } from "../zone/zone.ts";
import { querySoa, sendNotify, transferIn, type Peer } from "./xfr-client.ts";

/**
 * Replication in the server process: the secondary zones (one transfer/secondary.ts state machine
 * each, with real timers and sockets) and the NOTIFY messages we send when a zone changes.
 *
 * A secondary zone starts from its cached `file` when there is one (served at once; its mtime is
 * when the primary last confirmed it, as BIND does, so expiry survives a restart), then checks the
 * primaries. Each transfer is written back to the file (atomically: a temp file renamed), and
 * `publish()` asks the server to build a new view.
 *
 * Several processes (run.ts): the first is the *leader* and runs the state machines; the workers
 * are *followers*: they serve the cached file, reload it when the leader says a transfer landed
 * (`secondary` event), drop it when the leader says it expired, and pass NOTIFYs they receive to
 * the leader (`notify` event). The events travel over run.ts's IPC.
 */
export type ReplEvent =
  | { cmd: "secondary"; zone: string; state: "loaded" | "expired" }
  | { cmd: "notify"; zone: string; from: string };

export interface ReplicationOptions {
  /** Whether this process sends NOTIFY (one process of several does). */
  notifier: boolean;
  /** A follower process (see above). */
  follower: boolean;
  /** Where events for the other processes go. */
  emit?: ((e: ReplEvent) => void) | undefined;
}

interface Follower {
  conf: ZoneConf;
  zone: Zone | undefined;
}
export interface Endpoint {
  host: string;
  port: number;
}

interface Entry {
  conf: ZoneConf;
  sec: Secondary;
  key: string;
}

const MAX_TIMER = 0x7fffffff;

export class Replication {
  private readonly log: Logger;
  private readonly publish: () => void;
  private secs = new Map<string, Entry>();
  private keys: Keyring = new Map();
  private conf: NamedConf | undefined;
  private self: Endpoint[] = [];
  private readonly opts: ReplicationOptions;
  private followers = new Map<string, Follower>();

  constructor(log: Logger, publish: () => void, opts: ReplicationOptions) {
    this.log = log;
    this.publish = publish;
    this.opts = opts;
  }

  private get notifier(): boolean {
    return this.opts.notifier;
  }

  /** An event from another process. */
  async handle(e: ReplEvent): Promise<void> {
    if (e.cmd === "notify") {
      this.onNotify(e.zone, e.from);
      return;
    }
    const f = [...this.followers.values()].find((x) => x.conf.name === e.zone);
    if (f === undefined) return;
    if (e.state === "expired") f.zone = undefined;
    else {
      try {
        const next = (await loadZoneFile(f.conf.file, f.conf.name)).zone;
        noteReload(f.zone, next); // so this process can serve IXFR too
        f.zone = next;
      } catch (err) {
        this.log.warn(`zone ${e.zone}/IN: could not read the transferred copy: ${String(err)}`, {
          zone: e.zone,
        });
        return;
      }
    }
    this.publish();
  }

  private async configureFollower(conf: NamedConf): Promise<void> {
    const next = new Map<string, Follower>();
    for (const z of conf.zones) {
      if (z.type !== "secondary") continue;
      let zone: Zone | undefined;
      try {
        zone = (await loadZoneFile(z.file, z.name)).zone;
      } catch {
        zone = undefined; // not transferred yet: the leader will say when
      }
      next.set(keyFromText(z.name), { conf: z, zone });
    }
    this.followers = next;
  }

  setSelf(endpoints: Endpoint[]): void {
    this.self = endpoints;
  }

  /** A `server` statement for this address, if any (config/transfer.ts). */
  private server(host: string): ServerConf | undefined {
    const a = parseAddress(host);
    for (const s of this.conf?.transfer?.servers.values() ?? []) {
      const b = parseAddress(s.host);
      if (
        a !== undefined &&
        b !== undefined &&
        a.family === b.family &&
        (a.family === 4 ? a.v4 === b.v4 : Buffer.from(a.v6!).equals(Buffer.from(b.v6!)))
      )
        return s;
    }
    return undefined;
  }

  /** The list entry's key, else the `server` statement's `keys`. */
  private peer(host: string, port: number, key: string | undefined): Peer {
    const name = key ?? this.server(host)?.key;
    const k = name === undefined ? undefined : this.keys.get(keyFromText(name));
    return { host, port, key: k };
  }

  /** Start (or keep, or stop) the secondaries named.conf lists. */
  async configure(conf: NamedConf, keys: Keyring): Promise<void> {
    this.conf = conf;
    this.keys = keys;
    if (this.opts.follower) {
      await this.configureFollower(conf);
      return;
    }
    const next = new Map<string, Entry>();
    for (const z of conf.zones) {
      if (z.type !== "secondary") continue;
      const key = keyFromText(z.name);
      const old = this.secs.get(key);
      if (
        old !== undefined &&
        JSON.stringify(old.conf.xfr) === JSON.stringify(z.xfr) &&
        old.conf.file === z.file
      ) {
        next.set(key, old);
        continue;
      }
      old?.sec.stop();
      next.set(key, await this.startSecondary(z, key, old?.sec.zone));
    }
    for (const [k, e] of this.secs) if (!next.has(k)) e.sec.stop();
    this.secs = next;
  }

  private async startSecondary(z: ZoneConf, key: string, had: Zone | undefined): Promise<Entry> {
    const origin = nameFromText(z.name === "." ? "." : z.name + ".");
    let initial: { zone: Zone; lastOk: number } | undefined;
    if (had !== undefined) initial = { zone: had, lastOk: Date.now() };
    else if (z.file !== "") {
      try {
        const { zone } = await loadZoneFile(z.file, z.name);
        initial = { zone, lastOk: statSync(z.file).mtimeMs };
        this.log.info(`zone ${z.name}/IN: loaded serial ${zone.serial} from the cached copy`, {
          zone: z.name,
          serial: zone.serial,
        });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "ENOENT")
          this.log.warn(`zone ${z.name}/IN: cached copy not usable: ${String(e)}`, { zone: z.name });
      }
    }
    const primaries: Primary[] = (z.xfr?.primaries ?? []).map((p) => ({
      host: p.host,
      port: p.port ?? 53,
      key: p.key,
    }));
    const entry: Entry = { conf: z, key, sec: undefined as unknown as Secondary };
    const peer = (p: Primary): Peer => this.peer(p.host, p.port, p.key);
    entry.sec = new Secondary(
      z.name,
      primaries,
      {
        now: () => Date.now(),
        setTimer: (ms, fn) => {
          const t = setTimeout(fn, Math.min(ms, MAX_TIMER));
          t.unref();
          return () => clearTimeout(t);
        },
        querySoa: (p) => querySoa(peer(p), origin),
        // `server ADDR { request-ixfr no; }`: always AXFR from it
        transfer: (p, have) =>
          transferIn(peer(p), origin, this.server(p.host)?.requestIxfr === false ? undefined : have),
        apply: (cur, r) => applyTransfer(origin, z.file === "" ? `${z.name} (transferred)` : z.file, cur, r),
        commit: (zone) => {
          if (z.file !== "") {
            const tmp = `${z.file}.tmp-${process.pid}`;
            writeFileSync(
              tmp,
              `; zone ${z.name} transferred by netsvc, serial ${zone.serial}\n${dumpZone(zone)}`,
            );
            renameSync(tmp, z.file);
          }
          this.publish();
          this.opts.emit?.({ cmd: "secondary", zone: z.name, state: "loaded" });
          this.notifyZone(zone, entry.conf);
          return Promise.resolve();
        },
        confirmed: () => {
          if (z.file === "") return;
          try {
            const t = new Date();
            utimesSync(z.file, t, t);
          } catch {
            // no cached file yet
          }
        },
        expired: () => {
          this.publish();
          this.opts.emit?.({ cmd: "secondary", zone: z.name, state: "expired" });
        },
        log: (level, msg, fields) => this.log[level](msg, fields ?? {}),
      },
      initial,
    );
    entry.sec.start();
    return entry;
  }

  /** The secondary zones that have data. */
  zones(): Zone[] {
    const out: Zone[] = [];
    for (const e of this.secs.values()) if (e.sec.zone !== undefined) out.push(e.sec.zone);
    for (const f of this.followers.values()) if (f.zone !== undefined) out.push(f.zone);
    return out;
  }

  /** Keys of secondary zones without data (SERVFAIL). */
  unavailable(): Set<string> {
    const out = new Set<string>();
    for (const [k, e] of this.secs) if (e.sec.zone === undefined) out.add(k);
    for (const [k, f] of this.followers) if (f.zone === undefined) out.add(k);
    return out;
  }

  /** An allowed NOTIFY arrived (view.onNotify). */
  readonly onNotify = (zoneKey: string, from: string): void => {
    if (this.opts.follower) {
      this.opts.emit?.({ cmd: "notify", zone: zoneKey, from });
      return;
    }
    const e = this.secs.get(zoneKey);
    if (e === undefined) return;
    this.log.info(`zone ${e.conf.name}/IN: notify from ${from}`, { zone: e.conf.name, from });
    e.sec.notify();
  };

  /** At start (BIND does the same): tell the others about every primary zone. */
  notifyAll(zones: ZoneSet): void {
    if (this.conf === undefined) return;
    for (const z of zones) {
      const conf = this.conf.zones.find((c) => c.type === "primary" && keyFromText(c.name) === z.key);
      if (conf !== undefined) this.notifyZone(z, conf);
    }
  }

  /** After a reload: tell the others about every primary zone whose serial changed. */
  notifyChanges(before: ZoneSet | undefined, after: ZoneSet): void {
    if (before === undefined || this.conf === undefined) return;
    for (const z of after) {
      const old = before.exact(z.key);
      if (old === undefined || old.serial === z.serial || this.secs.has(z.key) || this.followers.has(z.key))
        continue;
      const conf = this.conf.zones.find((c) => keyFromText(c.name) === z.key);
      if (conf !== undefined) this.notifyZone(z, conf);
    }
  }

  private notifyZone(zone: Zone, conf: ZoneConf): void {
    if (!this.notifier || this.conf === undefined) return;
    const set = conf.xfr?.notify ?? this.conf.options.notify ?? "yes";
    const mode = set === "primary-only" ? (conf.type === "secondary" ? "no" : "yes") : set;
    const also: NotifyTarget[] = (conf.xfr?.alsoNotify ?? this.conf.options.alsoNotify ?? []).map((r) => ({
      host: r.host,
      port: r.port ?? 53,
      key: r.key,
    }));
    for (const t of notifyTargets(zone, mode, also, this.self)) {
      const msg = notifyMessage(zone, randomInt(0, 65536));
      const at = `${t.host}#${t.port}`;
      sendNotify(this.peer(t.host, t.port, t.key), msg).then(
        (rcode) =>
          this.log.info(
            `zone ${conf.name}/IN: sent notify to ${at}${rcode === 0 ? "" : ` (RCODE ${rcode})`}`,
            {
              zone: conf.name,
              serial: zone.serial,
              to: at,
              rcode,
            },
          ),
        (e: unknown) =>
          this.log.warn(`zone ${conf.name}/IN: notify to ${at} failed: ${String(e)}`, {
            zone: conf.name,
            to: at,
          }),
      );
    }
  }

  stop(): void {
    for (const e of this.secs.values()) e.sec.stop();
  }
}
