/**
 * `balance roundrobin`: HAProxy's fast weighted round-robin (src/lb_fwrr.c), transcribed so that
 * the order of servers is HAProxy's own: equal weights rotate in declaration order; weights
 * interleave smoothly (5/1/1/3 gives 0 3 0 1 0 3 0 3 0 2); it is dynamic (servers going DOWN/UP and
 * weight changes take effect at once, with HAProxy's placement of a returning server).
 *
 * Model: a group has three trees ordered by key (ties in insertion order, as ebtrees keep
 * duplicates): `init` (servers not yet placed in this window, heaviest first), `curr` (servers
 * placed at position `npos` in the current window) and `next` (servers pushed to the next window).
 * Each pick takes the server with the lowest position not beyond `currPos` (or else the heaviest
 * of `init`), moves it forward by `nextWeight / weight` positions, and requeues it. Effective
 * weights are the user weights times BE_WEIGHT_SCALE (16), as HAProxy computes them.
 */
import type { ServerState } from "../server.ts";
import { registerAlgorithm, type LbAlgorithm } from "./algorithm.ts";

const BE_WEIGHT_SCALE = 16;
const SRV_UWGHT_RANGE = 256;
const SRV_EWGHT_MAX = SRV_UWGHT_RANGE * BE_WEIGHT_SCALE;

interface Node {
  srv: ServerState;
  /** Effective weight the server is queued with (HAProxy's cur_eweight). */
  eweight: number;
  npos: number;
  lpos: number;
  rweight: number;
  tree: Tree | undefined;
  key: number;
  seq: number;
}

/** An ebtree stand-in: sorted by key, equal keys in insertion order. */
class Tree {
  readonly nodes: Node[] = [];
  insert(n: Node, key: number, seq: number): void {
    n.key = key;
    n.seq = seq;
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.nodes[mid]!.key <= key) lo = mid + 1;
      else hi = mid;
    }
    this.nodes.splice(lo, 0, n);
    n.tree = this;
  }
  delete(n: Node): void {
    const i = this.nodes.indexOf(n);
    if (i >= 0) this.nodes.splice(i, 1);
    n.tree = undefined;
  }
  first(): Node | undefined {
    return this.nodes[0];
  }
}

export function createRoundRobin(): LbAlgorithm {
  const nodes = new Map<ServerState, Node>();
  const curr = new Tree();
  let init = new Tree();
  let next = new Tree();
  let currPos = 0;
  let currWeight = 0;
  let nextWeight = 0;
  let seq = 0;
  let initialized = false;

  const ew = (s: ServerState): number => s.weight * BE_WEIGHT_SCALE;
  const dequeue = (n: Node): void => n.tree?.delete(n);
  const queueByWeight = (t: Tree, n: Node): void => t.insert(n, SRV_EWGHT_MAX - n.eweight, seq++);

  /** fwrr_queue_srv: into the current window at its position, or into the next one. */
  const queueSrv = (n: Node): void => {
    if (n.eweight <= 0 || n.npos >= 2 * currWeight || n.npos >= currWeight + nextWeight) {
      n.npos -= currWeight;
      queueByWeight(next, n);
    } else {
      curr.insert(
        n,
        SRV_UWGHT_RANGE * n.npos + Math.floor((SRV_EWGHT_MAX + n.rweight - n.eweight) / BE_WEIGHT_SCALE),
        seq++,
      );
    }
  };

  /** fwrr_get_srv: normalise npos from whichever tree the server sits in. */
  const getSrv = (n: Node): void => {
    if (n.tree === init) {
      n.npos = 0;
      n.rweight = 0;
    } else if (n.tree === next) n.npos += currWeight;
    else if (n.tree === undefined) n.npos = currPos;
  };

  const updatePosition = (n: Node): void => {
    if (n.npos === 0) n.npos = currPos;
    n.lpos = n.npos;
    n.npos += Math.floor(nextWeight / n.eweight);
    n.rweight += nextWeight % n.eweight;
    if (n.rweight >= n.eweight) {
      n.rweight -= n.eweight;
      n.npos++;
    }
  };

  const fromGroup = (): Node | undefined => {
    let n = curr.first();
    if (n === undefined || n.npos > currPos) {
      const i = init.first();
      if (i !== undefined) {
        n = i;
        n.npos = 0;
        n.rweight = 0;
      }
    }
    return n;
  };

  const setUp = (n: Node): void => {
    nextWeight += n.eweight;
    getSrv(n);
    n.npos = currPos + Math.floor((nextWeight + currWeight - currPos) / n.eweight);
    queueSrv(n);
  };

  const setDown = (n: Node): void => {
    nextWeight -= n.eweight;
    dequeue(n);
  };

  const updateWeight = (n: Node, eweight: number): void => {
    nextWeight = nextWeight - n.eweight + eweight;
    n.eweight = eweight;
    if (n.tree === init) {
      dequeue(n);
      queueByWeight(init, n);
      return;
    }
    getSrv(n);
    const prevNext = n.npos;
    const step = Math.floor(nextWeight / eweight);
    n.npos = n.lpos + step;
    n.rweight = 0;
    if (n.npos > prevNext) n.npos = prevNext;
    if (n.npos < currPos + 2) n.npos = currPos + step;
    dequeue(n);
    queueSrv(n);
  };

  return {
    deterministic: false,
    rebuild(servers) {
      if (!initialized) {
        // fwrr_init_server_groups: every usable server in `init`, heaviest first.
        initialized = true;
        for (const s of servers) {
          const n: Node = {
            srv: s,
            eweight: ew(s),
            npos: 0,
            lpos: 0,
            rweight: 0,
            tree: undefined,
            key: 0,
            seq: 0,
          };
          nodes.set(s, n);
          nextWeight += n.eweight;
          queueByWeight(init, n);
        }
        currPos = currWeight = nextWeight;
        return;
      }
      const want = new Set(servers);
      for (const n of nodes.values()) if (n.tree !== undefined && !want.has(n.srv)) setDown(n);
      for (const s of servers) {
        let n = nodes.get(s);
        if (n === undefined) {
          n = { srv: s, eweight: ew(s), npos: 0, lpos: 0, rweight: 0, tree: undefined, key: 0, seq: 0 };
          nodes.set(s, n);
        }
        if (n.tree === undefined) {
          n.eweight = ew(s);
          setUp(n);
        } else if (n.eweight !== ew(s)) updateWeight(n, ew(s));
      }
    },
    pick(_req, ok) {
      const full: Node[] = [];
      let switched = false;
      let found: Node | undefined;
      for (;;) {
        if (currWeight === 0) currPos = currWeight = nextWeight;
        let n: Node | undefined;
        for (;;) {
          n = fromGroup();
          if (n !== undefined) break;
          if (switched) break;
          switched = true;
          // fwrr_switch_trees
          const swap = init;
          init = next;
          next = swap;
          currWeight = nextWeight;
          currPos = currWeight;
        }
        if (n === undefined) break;
        updatePosition(n);
        dequeue(n);
        currPos++;
        if (ok(n.srv)) {
          found = n;
          break;
        }
        full.push(n);
      }
      if (found !== undefined) queueSrv(found);
      for (const n of full) queueSrv(n);
      return found?.srv;
    },
  };
}

registerAlgorithm("roundrobin", () => createRoundRobin());
