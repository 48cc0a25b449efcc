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
import { newCounters, type Counters } from "../engine/counters.ts";
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

/** Vector positions by how they merge (from SCALARS and the layout above). */
const SUMMED: number[] = [];
const GAUGES: number[] = [QCUR];
const MAXED: number[] = [RATE + 3, REQRATE + 3];
SCALARS.forEach((s, i) => (s.how === "max" ? MAXED : s.how === "gauge" ? GAUGES : SUMMED).push(i));
for (let i = HRSP; i < HRSP + 6; i++) SUMMED.push(i);
const SCUR = SCALARS.findIndex((s) => s.key === "scur");
const SMAX = SCALARS.findIndex((s) => s.key === "smax");
const QMAX = SCALARS.findIndex((s) => s.key === "qmax");
const LASTSESS = SCALARS.findIndex((s) => s.key === "lastSess");

function isVec(v: unknown): v is number[] {
  return Array.isArray(v) && v.length === VEC_LENGTH && v.every((x) => typeof x === "number");
}

/** Add a rate (at vector position r) read at second `sec`: its count in that second and the previous one. */
function addRate(out: number[], v: readonly number[], r: number, sec: number): void {
  const at = v[r]!;
  if (at === sec) {
    out[r + 1] = out[r + 1]! + v[r + 1]!;
    out[r + 2] = out[r + 2]! + v[r + 2]!;
  } else if (at === sec - 1) out[r + 2] = out[r + 2]! + v[r + 1]!;
}

/**
 * The sum of several processes' counter vectors for one object at time `now` (see the table
 * above). Works on the vectors directly: the primary runs it a few times a second.
 */
export function mergeVecs(vs: readonly (readonly number[])[], now: number): number[] {
  const out = new Array<number>(VEC_LENGTH).fill(0);
  out[LASTSESS] = -1;
  const sec = Math.floor(now / 1000);
  for (const v of vs) {
    for (const i of SUMMED) out[i] = out[i]! + v[i]!;
    for (const i of GAUGES) out[i] = out[i]! + v[i]!;
    for (const i of MAXED) if (v[i]! > out[i]!) out[i] = v[i]!;
    addRate(out, v, RATE, sec);
    addRate(out, v, REQRATE, sec);
  }
  out[RATE] = sec;
  out[REQRATE] = sec;
  // A maximum is never below the merged current value.
  out[SMAX] = Math.max(out[SMAX]!, out[SCUR]!);
  out[QMAX] = Math.max(out[QMAX]!, out[QCUR]!);
  for (const r of [RATE, REQRATE]) out[r + 3] = Math.max(out[r + 3]!, out[r + 1]!, out[r + 2]!);
  return out;
}

/** mergeVecs over decoded parts (the stats renderer adds its live counters to the peers' part). */
export function mergeParts(parts: readonly Part[], now: number): Part {
  return fromVec(
    mergeVecs(
      parts.map((p) => toVec(p)),
      now,
    ),
  )!;
}

/** Merge whole snapshots object by object (objects present in any of them; bad vectors skipped). */
export function mergeSnapshots(snaps: readonly Snapshot[], now: number): Snapshot {
  const byKey = new Map<string, number[][]>();
  for (const snap of snaps)
    for (const [k, v] of Object.entries(snap)) {
      if (!isVec(v)) continue;
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [v]);
      else list.push(v);
    }
  const out: Snapshot = {};
  for (const [k, vs] of byKey) out[k] = mergeVecs(vs, now);
  return out;
}

/** Keep only the positions listed; the others are zero (and rates keep no current count). */
function keep(snap: Snapshot, positions: readonly number[]): Snapshot {
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(snap)) {
    if (!isVec(v)) continue;
    const x = new Array<number>(VEC_LENGTH).fill(0);
    for (const i of positions) x[i] = v[i]!;
    out[k] = x;
  }
  return out;
}

/** A dead worker's last snapshot as it keeps counting in the totals: its gauges are zero. */
export function retire(snap: Snapshot): Snapshot {
  return keep(snap, [...SUMMED, ...MAXED, RATE, REQRATE]);
}

/**
 * Only the maxima of a merged snapshot (smax, qmax, rate_max, req_rate_max; everything else
 * zeroed, lastSess too: it is no peak), to be merged with later ones:
 * the primary keeps peaks = peaksOf(mergeSnapshots([peaks, every worker's latest])) so that a
 * combined peak (two workers at 30 sessions each: smax 60) stays after the load is gone.
 */
export function peaksOf(snap: Snapshot): Snapshot {
  return keep(
    snap,
    MAXED.filter((i) => i !== LASTSESS),
  );
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
