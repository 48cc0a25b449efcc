import type { Zone } from "../zone/zone.ts";
import type { RR } from "../wire/message.ts";
import type { XfrResult } from "./in.ts";
import { serialGt, soaFields, soaRR } from "./records.ts";

/**
 * One secondary zone's life (RFC 1034 §4.3.5, RFC 1996, BIND's behaviour), with every effect
 * injected: the clock and timers, the SOA query, the transfer, the commit (write the file, serve
 * the new version) and the expiry. No sockets here: tests drive it with a fake clock and transport.
 *
 * - refresh: ask the primaries in order for the SOA; newer serial (RFC 1982) -> IXFR (answered
 *   incrementally or in AXFR form), AXFR if IXFR fails; same serial -> up to date. Next refresh in
 *   SOA REFRESH seconds; when every primary failed, again in SOA RETRY seconds.
 * - NOTIFY from a primary -> refresh now (one at a time; a NOTIFY during a refresh queues another).
 * - expire: no successful contact for SOA EXPIRE seconds -> the zone is dropped (SERVFAIL).
 */

export interface Primary {
  host: string;
  port: number;
  key: string | undefined;
}

export interface SecondaryIo {
  /** Milliseconds (any epoch, monotonic enough). */
  now(): number;
  setTimer(ms: number, fn: () => void): () => void;
  /** The primary's SOA serial for the zone (throws on timeout, error RCODE, bad TSIG). */
  querySoa(p: Primary): Promise<number>;
  /** A complete transfer: IXFR from `have` (our SOA) when given, else AXFR. */
  transfer(p: Primary, have: RR | undefined): Promise<XfrResult>;
  /** Turn a transfer into the zone's new version (throws for an invalid zone). */
  apply(current: Zone | undefined, r: XfrResult): Zone | undefined;
  /** Serve and save the new version. */
  commit(zone: Zone): Promise<void>;
  /** The primary confirmed our version (BIND touches the file, so expiry survives a restart). */
  confirmed(): void;
  expired(): void;
  log(level: "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void;
}

/** Before the first SOA is known: how soon to try again. */
export const INITIAL_RETRY_MS = 10_000;

export class Secondary {
  zone: Zone | undefined;
  /** When the primary last confirmed our version (ms, io.now() scale). */
  lastOk: number;
  private readonly primaries: readonly Primary[];
  private readonly io: SecondaryIo;
  private readonly name: string;
  private cancelRefresh: (() => void) | undefined;
  private cancelExpire: (() => void) | undefined;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    name: string,
    primaries: readonly Primary[],
    io: SecondaryIo,
    initial?: { zone: Zone; lastOk: number },
  ) {
    this.name = name;
    this.primaries = primaries;
    this.io = io;
    this.zone = initial?.zone;
    this.lastOk = initial?.lastOk ?? io.now();
  }

  private soa(): ReturnType<typeof soaFields> | undefined {
    return this.zone === undefined ? undefined : soaFields(soaRR(this.zone).rdata);
  }

  /** Start: check with the primaries at once (a cached copy keeps serving meanwhile). */
  start(): void {
    this.armExpire();
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.cancelRefresh?.();
    this.cancelExpire?.();
  }

  /** NOTIFY received from an allowed primary. */
  notify(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancelRefresh?.();
    this.cancelRefresh = this.io.setTimer(ms, () => {
      this.cancelRefresh = undefined;
      void this.refresh();
    });
  }

  private armExpire(): void {
    this.cancelExpire?.();
    this.cancelExpire = undefined;
    const soa = this.soa();
    if (soa === undefined || this.stopped) return;
    const left = this.lastOk + soa.expire * 1000 - this.io.now();
    this.cancelExpire = this.io.setTimer(Math.max(0, left), () => {
      this.cancelExpire = undefined;
      this.io.log("warn", `zone ${this.name}/IN: expired`, { zone: this.name });
      this.zone = undefined;
      this.io.expired();
    });
  }

  /** One refresh round (exposed for tests). */
  async refresh(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let ok = false;
    try {
      for (const p of this.primaries) {
        if (await this.tryPrimary(p)) {
          ok = true;
          break;
        }
      }
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    const soa = this.soa();
    if (ok) {
      this.lastOk = this.io.now();
      this.armExpire();
    }
    if (this.again) {
      this.again = false;
      this.schedule(0);
    } else if (ok && soa !== undefined) this.schedule(soa.refresh * 1000);
    else this.schedule(soa === undefined ? INITIAL_RETRY_MS : soa.retry * 1000);
  }

  private async tryPrimary(p: Primary): Promise<boolean> {
    const at = `${p.host}#${p.port}`;
    try {
      const serial = await this.io.querySoa(p);
      if (this.zone !== undefined && !serialGt(serial, this.zone.serial)) {
        this.io.confirmed();
        return true;
      }
      let r: XfrResult;
      const have = this.zone === undefined ? undefined : soaRR(this.zone);
      try {
        r = await this.io.transfer(p, have);
      } catch (e) {
        if (have === undefined) throw e;
        this.io.log("info", `zone ${this.name}/IN: IXFR from ${at} failed (${String(e)}), trying AXFR`);
        r = await this.io.transfer(p, undefined);
      }
      const next = this.io.apply(this.zone, r);
      if (next === undefined) {
        this.io.confirmed();
        return true;
      }
      const how = r.kind === "ixfr" ? "IXFR" : "AXFR";
      this.zone = next;
      await this.io.commit(next);
      this.io.log("info", `zone ${this.name}/IN: transferred serial ${next.serial} (${how} from ${at})`, {
        zone: this.name,
        serial: next.serial,
        from: at,
        kind: how,
      });
      return true;
    } catch (e) {
      this.io.log(
        "warn",
        `zone ${this.name}/IN: refresh from ${at} failed: ${e instanceof Error ? e.message : String(e)}`,
        {
          zone: this.name,
        },
      );
      return false;
    }
  }
}
