/**
 * Traffic counters of frontends, backends and servers, named after HAProxy's CSV columns so that
 * the stats column table (src/lb/stats/fields.ts) reads them one to one.
 *
 * Contract: the runtime (src/lb/proxy) increments these directly (`c.bin += n`, `c.ereq++`) or with
 * the helpers below; the engine maintains `scur`/`smax`/`stot`/`lbtot` of backends and servers itself
 * in dispatch()/release(), and queue counters in the queue. Frontend sessions are counted by the
 * runtime with sessionStart()/sessionEnd(). Nothing here reads a clock except through `Clock`.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Events per second over the last full second (HAProxy's `rate`), with its maximum. */
export interface Rate {
  sec: number;
  curr: number;
  prev: number;
  max: number;
}

export interface Counters {
  /** Current sessions (connections for tcp, streams for http). */
  scur: number;
  smax: number;
  stot: number;
  /** Times this server/backend was chosen by the load balancer. */
  lbtot: number;
  bin: number;
  bout: number;
  /** Requests / responses denied (http-request deny, ACL). */
  dreq: number;
  dresp: number;
  /** Request errors (bad request, client timeout before a full request). */
  ereq: number;
  /** Connection errors towards a server. */
  econ: number;
  /** Response errors (server closed, server timeout, invalid response). */
  eresp: number;
  /** Retries (`retries`). */
  wretr: number;
  /** Redispatches (`option redispatch`). */
  wredis: number;
  /** HTTP responses by class: 1xx, 2xx, 3xx, 4xx, 5xx, other. */
  hrsp: [number, number, number, number, number, number];
  /** HTTP requests. */
  reqTot: number;
  /** Client / server aborts during data transfer. */
  cliAbrt: number;
  srvAbrt: number;
  /** Highest queue length seen. */
  qmax: number;
  /** Last time a session was assigned (ms), -1 never. */
  lastSess: number;
  /** Sessions per second. */
  rate: Rate;
  /** HTTP requests per second (frontends). */
  reqRate: Rate;
}

export function newCounters(): Counters {
  return {
    scur: 0,
    smax: 0,
    stot: 0,
    lbtot: 0,
    bin: 0,
    bout: 0,
    dreq: 0,
    dresp: 0,
    ereq: 0,
    econ: 0,
    eresp: 0,
    wretr: 0,
    wredis: 0,
    hrsp: [0, 0, 0, 0, 0, 0],
    reqTot: 0,
    cliAbrt: 0,
    srvAbrt: 0,
    qmax: 0,
    lastSess: -1,
    rate: { sec: 0, curr: 0, prev: 0, max: 0 },
    reqRate: { sec: 0, curr: 0, prev: 0, max: 0 },
  };
}

/** Count one event at `nowMs` in a per-second rate. */
export function rateAdd(r: Rate, nowMs: number): void {
  const sec = Math.floor(nowMs / 1000);
  if (sec !== r.sec) {
    r.prev = sec === r.sec + 1 ? r.curr : 0;
    r.curr = 0;
    r.sec = sec;
  }
  r.curr++;
  if (r.curr > r.max) r.max = r.curr;
}

/** Events in the last full second, as HAProxy shows `rate`. */
export function rateRead(r: Rate, nowMs: number): number {
  const sec = Math.floor(nowMs / 1000);
  if (sec === r.sec) return r.prev;
  if (sec === r.sec + 1) return r.curr;
  return 0;
}

/** A session starts on a frontend (or on a backend/server: dispatch() does that one). */
export function sessionStart(c: Counters, nowMs: number): void {
  c.scur++;
  c.stot++;
  if (c.scur > c.smax) c.smax = c.scur;
  rateAdd(c.rate, nowMs);
  c.lastSess = nowMs;
}

export function sessionEnd(c: Counters): void {
  if (c.scur > 0) c.scur--;
}

/** Count an HTTP response status (1xx..5xx, anything else in "other"). */
export function countResponse(c: Counters, status: number): void {
  const cls = Math.floor(status / 100);
  const i = cls >= 1 && cls <= 5 ? cls - 1 : 5;
  c.hrsp[i] = c.hrsp[i]! + 1;
}

/** Count an HTTP request on a frontend (req_tot, req_rate). */
export function countRequest(c: Counters, nowMs: number): void {
  c.reqTot++;
  rateAdd(c.reqRate, nowMs);
}
