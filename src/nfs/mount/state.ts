/**
 * The mount list that DUMP reports (mountd's rmtab, kept in memory): who mounted which path.
 * It is informational, as in every implementation: NFS calls never consult it. Bounded so that a
 * client looping over MNT cannot grow it without end (the oldest entries go first).
 */
export class MountList {
  private readonly entries = new Map<string, { hostname: string; directory: string }>();
  readonly max: number;

  constructor(max = 4096) {
    this.max = max;
  }

  add(hostname: string, directory: string): void {
    const k = `${hostname}\u0000${directory}`;
    this.entries.delete(k);
    this.entries.set(k, { hostname, directory });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  remove(hostname: string, directory: string): void {
    this.entries.delete(`${hostname}\u0000${directory}`);
  }

  removeHost(hostname: string): void {
    for (const [k, v] of this.entries) if (v.hostname === hostname) this.entries.delete(k);
  }

  list(): { hostname: string; directory: string }[] {
    return [...this.entries.values()];
  }
}
