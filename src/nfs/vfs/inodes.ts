/**
 * The in-memory inode index of a store: inode number -> (parent inode, name), from which the path
 * of an object relative to the export root is rebuilt. It is only ever a hint (callers verify the
 * inode they reach), it is rebuilt lazily after a restart (from handle hints and scans), and a
 * rename updates one node, whatever the size of the subtree that moves.
 *
 * Each node also keeps the first handle given out for its inode: the store hands out that same
 * handle every time afterwards, so a client sees one handle per file even when the parent or the
 * path hint inside a new handle would differ (after a rename, through a second hard link).
 *
 * Bounded: beyond `max` nodes the least recently used are forgotten (CLOCK: a node used since the
 * last sweep gets a second chance). A forgotten object is found again from its handle's hints
 * (local-tree.ts find()); what is lost is only its canonical handle, so a file untouched for that
 * long may be given a handle with another path hint. The removed-inode list is bounded the same.
 */
export interface InodeNode {
  parent: bigint;
  name: string;
  fh?: Buffer | undefined;
  /** Used since the last eviction sweep passed it. */
  used?: boolean;
}

const MAX_DEPTH = 4096;
/** About 60 MB of index at most with the default (~300 bytes a node with its handle). */
export const DEFAULT_MAX_NODES = 200_000;

export class InodeIndex {
  readonly rootIno: bigint;
  readonly max: number;
  private readonly nodes = new Map<bigint, InodeNode>();
  /** Inodes whose last link this store removed, with the generation they had. */
  private readonly gone = new Map<bigint, number>();

  constructor(rootIno: bigint, max = DEFAULT_MAX_NODES) {
    this.rootIno = rootIno;
    this.max = Math.max(1, max);
  }

  get size(): number {
    return this.nodes.size;
  }

  get(ino: bigint): InodeNode | undefined {
    const n = this.nodes.get(ino);
    if (n) n.used = true;
    return n;
  }

  /** Record where an inode lives (keeps its canonical handle when the inode was known). */
  set(ino: bigint, parent: bigint, name: string): InodeNode {
    if (ino === this.rootIno) return { parent: ino, name: "" };
    this.gone.delete(ino);
    const n = this.nodes.get(ino);
    if (n) {
      n.parent = parent;
      n.name = name;
      n.used = true;
      return n;
    }
    const node: InodeNode = { parent, name };
    this.nodes.set(ino, node);
    if (this.nodes.size > this.max) this.evict(ino);
    return node;
  }

  /** Forget an inode; with `gen` it is remembered as removed (its handles are STALE at once). */
  delete(ino: bigint, gen?: number): void {
    this.nodes.delete(ino);
    if (gen === undefined) return;
    this.gone.set(ino, gen);
    if (this.gone.size > this.max) this.gone.delete(this.gone.keys().next().value!);
  }

  /** Drop one node other than `keep` (the one just added): the oldest not used since last passed. */
  private evict(keep: bigint): void {
    for (;;) {
      const first = this.nodes.entries().next().value;
      if (first === undefined) return;
      const [ino, n] = first;
      this.nodes.delete(ino);
      if (ino !== keep && !n.used) return;
      if (ino !== keep) n.used = false;
      this.nodes.set(ino, n);
    }
  }

  isGone(ino: bigint, gen: number): boolean {
    return this.gone.get(ino) === gen;
  }

  /** The relative path of an inode ("" for the root), or undefined when the chain is unknown. */
  path(ino: bigint): string | undefined {
    if (ino === this.rootIno) return "";
    const parts: string[] = [];
    let cur = ino;
    for (let i = 0; i < MAX_DEPTH; i++) {
      const n = this.get(cur);
      if (!n) return undefined;
      parts.push(n.name);
      if (n.parent === this.rootIno) return parts.reverse().join("/");
      cur = n.parent;
    }
    return undefined;
  }
}
