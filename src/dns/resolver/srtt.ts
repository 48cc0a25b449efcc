/**
 * Server selection by smoothed round-trip time, as BIND does it (lib/dns/adb.c): each answer folds
 * its RTT into the server's SRTT (7/10 old + 3/10 new), a timeout penalises the server (its SRTT
 * at least doubles, to at least the timeout), and servers never tried sort first with a small
 * random SRTT so that every server of a zone gets measured. The SRTT of a server not chosen decays
 * a little each time another is picked, so a server that was slow once is retried later.
 */
const MAX_SRTT_MS = 10_000;

export class ServerTimes {
  private readonly srtt = new Map<string, number>();

  private static key(host: string, port: number): string {
    return `${host}#${port}`;
  }

  get(host: string, port: number): number | undefined {
    return this.srtt.get(ServerTimes.key(host, port));
  }

  answered(host: string, port: number, rttMs: number): void {
    const k = ServerTimes.key(host, port);
    const old = this.srtt.get(k);
    this.srtt.set(k, old === undefined ? rttMs : old * 0.7 + rttMs * 0.3);
  }

  timedOut(host: string, port: number, timeoutMs: number): void {
    const k = ServerTimes.key(host, port);
    const old = this.srtt.get(k) ?? 0;
    this.srtt.set(k, Math.min(MAX_SRTT_MS, Math.max(old * 2, timeoutMs)));
  }

  /** The servers ordered best first; `random` (0..1) breaks ties among untried servers. */
  order<T extends { host: string; port: number }>(servers: readonly T[], random: () => number): T[] {
    const scored = servers.map((s) => ({ s, t: this.get(s.host, s.port) ?? random() * 2 }));
    scored.sort((a, b) => a.t - b.t);
    // decay the ones not chosen first (BIND: 98% each selection)
    for (const x of scored.slice(1)) {
      const k = ServerTimes.key(x.s.host, x.s.port);
      const v = this.srtt.get(k);
      if (v !== undefined) this.srtt.set(k, v * 0.98);
    }
    return scored.map((x) => x.s);
  }

  get size(): number {
    return this.srtt.size;
  }
}
