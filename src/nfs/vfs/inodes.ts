/**
 * The in-memory inode index of a store: inode number -> (parent inode, name), from which the path
 * of an object relative to the export root is rebuilt. It is only ever a hint (callers verify the
 * inode they reach), it is rebuilt lazily after a restart (from handle hints and scans), and a
 * rename updates one node, whatever the size of the subtree that moves.
 *
 * Each node also keeps the first handle given out for its inode: the store hands out that same
 * handle every time afterwards, so a client sees one handle per file even when the parent or the
 * path hint inside a new handle would differ (after a rename, through a second hard link).
 */
export interface InodeNode {
  parent: bigint;
  name: string;
  fh?: Buffer | undefined;
}

const MAX_DEPTH = 4096;

export class InodeIndex {
  readonly rootIno: bigint;
  private readonly nodes = new Map<bigint, InodeNode>();
  /** Inodes whose last link this store removed, with the generation they had. */
  private readonly gone = new Map<bigint, number>();

  constructor(rootIno: bigint) {
    this.rootIno = rootIno;
  }

  get size(): number {
    return this.nodes.size;
  }

  get(ino: bigint): InodeNode | undefined {
    return this.nodes.get(ino);
  }

  /** Record where an inode lives (keeps its canonical handle when the inode was known). */
  set(ino: bigint, parent: bigint, name: string): InodeNode {
    if (ino === this.rootIno) return { parent: ino, name: "" };
    this.gone.delete(ino);
    const n = this.nodes.get(ino);
    if (n) {
      n.parent = parent;
      n.name = name;
      return n;
    }
    const node: InodeNode = { parent, name };
    this.nodes.set(ino, node);
    return node;
  }

  /** Forget an inode; with `gen` it is remembered as removed (its handles are STALE at once). */
  delete(ino: bigint, gen?: number): void {
    this.nodes.delete(ino);
    if (gen !== undefined) this.gone.set(ino, gen);
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
      const n = this.nodes.get(cur);
      if (!n) return undefined;
      parts.push(n.name);
      if (n.parent === this.rootIno) return parts.reverse().join("/");
      cur = n.parent;
    }
    return undefined;
  }
}
