/**
 * Counters of the other processes of a `--workers N` balancer, and how they add up (pure).
 *
 * Each worker keeps its own Counters (the hot path never talks to another process). Periodically
 * it takes a Snapshot of them (snapshotOf), the primary relays the latest snapshots to the other
 * workers, and a worker rendering the stats adds them to its live counters (mergeParts). The
 * primary also keeps two pseudo-snapshots built with the same functions: `retired` (the last
 * snapshot of each worker that died, its gauges zeroed: retire) and `peaks` (the highest combined
 * values seen: peaksOf), so that totals do not drop when a worker is replaced and maxima are those
 * of the whole balancer rather than of one process.
 *
 * ONE table (SCALARS) says how every counter merges:
 *   sum    totals (stot, bytes, errors, hrsp_*...) and gauges (scur, qcur): added;
 *   max    maxima (smax, qmax, rate_max, req_rate_max) and lastSess: the highest of the parts,
 *          then raised to the merged current value (smax >= scur, qmax >= qcur, rate_max >= rate),
 *          which is HAProxy's meaning of "highest value seen" for the sum of the processes.
 * Rates (events in the last full second) are added after reading each part at the same second.
 *
 * A Snapshot maps an object key (objKey) to a compact vector of numbers (toVec/fromVec).
 */
import { newCounters, type Counters, type Rate } from "../engine/counters.ts";
import type { LbState } from "../engine/runtime.ts";

/** One object's counters plus its current queue length (qcur is not a Counters field). */
export interface Part {
  c: Counters;
  qcur: number;
}

/** Object key -> compact counter vector. */
export type Snapshot = Record<string, number[]>;

type Scalar = Exclude<keyof Counters, "hrsp" | "rate" | "reqRate">;

/** How each scalar counter merges across processes; `gauge` = summed, zeroed when a worker retires. */
const SCALARS: readonly { key: Scalar; how: "sum" | "gauge" | "max" }[] = [
  { key: "scur", how: "gauge" },
  { key: "smax", how: "max" },
  { key: "stot", how: "sum" },
  { key: "lbtot", how: "sum" },
  { key: "bin", how: "sum" },
  { key: "bout", how: "sum" },
  { key: "dreq", how: "sum" },
  { key: "dresp", how: "sum" },
  { key: "ereq", how: "sum" },
  { key: "econ", how: "sum" },
  { key: "eresp", how: "sum" },
  { key: "wretr", how: "sum" },
  { key: "wredis", how: "sum" },
  { key: "reqTot", how: "sum" },
  { key: "cliAbrt", how: "sum" },
  { key: "srvAbrt", how: "sum" },
  { key: "qmax", how: "max" },
  { key: "lastSess", how: "max" },
];

/** Vector layout: SCALARS, hrsp[6], rate[4], reqRate[4], qcur. */
const HRSP = SCALARS.length;
const RATE = HRSP + 6;
const REQRATE = RATE + 4;
const QCUR = REQRATE + 4;
export const VEC_LENGTH = QCUR + 1;

export function objKey(kind: "F" | "B" | "S", proxy: string, server?: string): string {
  return server === undefined ? `${kind}|${proxy}` : `${kind}|${proxy}|${server}`;
}

export function toVec(p: Part): number[] {
  const c = p.c;
  const v = SCALARS.map((s) => c[s.key]);
  v.push(...c.hrsp);
  v.push(c.rate.sec, c.rate.curr, c.rate.prev, c.rate.max);
  v.push(c.reqRate.sec, c.reqRate.curr, c.reqRate.prev, c.reqRate.max);
  v.push(p.qcur);
  return v;
}

/** Decode a vector; undefined when it is not one (a message from another version). */
export function fromVec(v: readonly number[]): Part | undefined {
  if (!Array.isArray(v) || v.length !== VEC_LENGTH || !v.every((x) => typeof x === "number"))
    return undefined;
  const c = newCounters();
  SCALARS.forEach((s, i) => (c[s.key] = v[i]!));
  c.hrsp = v.slice(HRSP, HRSP + 6) as Counters["hrsp"];
  c.rate = { sec: v[RATE]!, curr: v[RATE + 1]!, prev: v[RATE + 2]!, max: v[RATE + 3]! };
  c.reqRate = { sec: v[REQRATE]!, curr: v[REQRATE + 1]!, prev: v[REQRATE + 2]!, max: v[REQRATE + 3]! };
  return { c, qcur: v[QCUR]! };
}

/** Every counted object of a state: frontends, servers, backends. */
export function snapshotOf(state: LbState): Snapshot {
  const snap: Snapshot = {};
  for (const px of state.proxies) {
    if (px.frontend !== undefined) snap[objKey("F", px.name)] = toVec({ c: px.frontend.counters, qcur: 0 });
    const be = px.backend;
    if (be === undefined) continue;
    for (const s of be.servers)
      snap[objKey("S", px.name, s.name)] = toVec({ c: s.counters, qcur: s.queue.length });
    snap[objKey("B", px.name)] = toVec({ c: be.counters, qcur: be.queue.length });
  }
  return snap;
}

/** A rate as read at second `sec`: what it counted in that second and in the one before. */
function rateAt(r: Rate, sec: number): { curr: number; prev: number } {
  if (r.sec === sec) return { curr: r.curr, prev: r.prev };
  if (r.sec === sec - 1) return { curr: 0, prev: r.curr };
  return { curr: 0, prev: 0 };
}

function mergeRate(parts: readonly Rate[], sec: number): Rate {
  const out: Rate = { sec, curr: 0, prev: 0, max: 0 };
  for (const r of parts) {
    const a = rateAt(r, sec);
    out.curr += a.curr;
    out.prev += a.prev;
    if (r.max > out.max) out.max = r.max;
  }
  out.max = Math.max(out.max, out.curr, out.prev);
  return out;
}

/** The sum of several processes' counters for one object at time `now` (see the table above). */
export function mergeParts(parts: readonly Part[], now: number): Part {
  const c = newCounters();
  let qcur = 0;
  for (const s of SCALARS) {
    let v = s.how === "max" && s.key === "lastSess" ? -1 : 0;
    for (const p of parts) v = s.how === "max" ? Math.max(v, p.c[s.key]) : v + p.c[s.key];
    c[s.key] = v;
  }
  for (let i = 0; i < 6; i++) c.hrsp[i] = parts.reduce((n, p) => n + p.c.hrsp[i]!, 0);
  for (const p of parts) qcur += p.qcur;
  const sec = Math.floor(now / 1000);
  c.rate = mergeRate(
    parts.map((p) => p.c.rate),
    sec,
  );
  c.reqRate = mergeRate(
    parts.map((p) => p.c.reqRate),
    sec,
  );
  c.smax = Math.max(c.smax, c.scur);
  c.qmax = Math.max(c.qmax, qcur);
  return { c, qcur };
}

/** Merge whole snapshots object by object (objects present in any of them). */
export function mergeSnapshots(snaps: readonly Snapshot[], now: number): Snapshot {
  const byKey = new Map<string, Part[]>();
  for (const snap of snaps)
    for (const [k, v] of Object.entries(snap)) {
      const p = fromVec(v);
      if (p === undefined) continue;
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [p]);
      else list.push(p);
    }
  const out: Snapshot = {};
  for (const [k, parts] of byKey) out[k] = toVec(mergeParts(parts, now));
  return out;
}

/** A dead worker's last snapshot as it keeps counting in the totals: its gauges are zero. */
export function retire(snap: Snapshot): Snapshot {
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(snap)) {
    const p = fromVec(v);
    if (p === undefined) continue;
    for (const s of SCALARS) if (s.how === "gauge") p.c[s.key] = 0;
    p.c.rate = { ...p.c.rate, curr: 0, prev: 0 };
    p.c.reqRate = { ...p.c.reqRate, curr: 0, prev: 0 };
    out[k] = toVec({ c: p.c, qcur: 0 });
  }
  return out;
}

/**
 * Only the maxima of a merged snapshot (totals and gauges zeroed), to be merged with later ones:
 * the primary keeps peaks = peaksOf(mergeSnapshots([peaks, every worker's latest])) so that a
 * combined peak (two workers at 30 sessions each: smax 60) stays after the load is gone.
 */
export function peaksOf(snap: Snapshot): Snapshot {
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(snap)) {
    const p = fromVec(v);
    if (p === undefined) continue;
    const c = newCounters();
    for (const s of SCALARS) if (s.how === "max") c[s.key] = p.c[s.key];
    c.rate.max = p.c.rate.max;
    c.reqRate.max = p.c.reqRate.max;
    out[k] = toVec({ c, qcur: 0 });
  }
  return out;
}

/** Another processes' view for the stats renderer: the merged part of an object, if any. */
export type PeerLookup = (key: string) => Part | undefined;

/** A PeerLookup over snapshots (merged once, looked up per row). */
export function peerLookup(snaps: readonly Snapshot[], now: number): PeerLookup {
  const merged = mergeSnapshots(snaps, now);
  const cache = new Map<string, Part | undefined>();
  return (key) => {
    if (!cache.has(key)) {
      const v = merged[key];
      cache.set(key, v === undefined ? undefined : fromVec(v));
    }
    return cache.get(key);
  };
}
