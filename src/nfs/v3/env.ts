/**
 * What every NFSv3 procedure works with: the export a handle belongs to, the caller's rights there
 * and the store behind it. `open` is called once per handle in a call; it throws a VfsError whose
 * status the procedure answers (BADHANDLE, STALE for an export that is gone, ACCES when the
 * client may not use the export), so procedures read as the RFC does: resolve, check, act.
 */
import type { CallContext } from "../rpc/types.ts";
import type { Attr, Cred, Store } from "../vfs/store.ts";
import { Status, VfsError } from "../vfs/status.ts";
import { wccAttrOf, type wcc_data } from "./types.ts";

export interface Opened {
  readonly store: Store;
  readonly cred: Cred;
  readonly readOnly: boolean;
  readonly exportId: number;
  /**
   * False for an `async` export: stable WRITEs and COMMIT then do not wait for the disk (the
   * exports(5) trade-off: faster, and data the server acknowledged can be lost if it crashes).
   */
  readonly sync: boolean;
}

/** Largest READ/WRITE/READDIR reply over UDP, where a reply must fit in one datagram (as Linux). */
export const UDP_XFER_MAX = 32 * 1024;

export function overUdp(ctx: CallContext): boolean {
  return ctx.client.transport === "udp";
}

export interface V3Env {
  open(fh: Buffer, ctx: CallContext): Opened;
}

/** The status of a failed store call; anything that is not a VfsError is a bug and goes up. */
export function statusOf(e: unknown): number {
  if (e instanceof VfsError) return e.status;
  throw e;
}

/**
 * Open for a procedure that changes something: read-only exports answer ROFS. `already` is the
 * result of an earlier tryOpen of the same handle in this call (saves a second access decision).
 */
export function openForChange(env: V3Env, fh: Buffer, ctx: CallContext, already?: Opened): Opened {
  const o = already ?? env.open(fh, ctx);
  if (o.readOnly) throw new VfsError(Status.ROFS);
  return o;
}

/** Attributes for post_op_attr: absent when they cannot be had (the reply still goes out). */
export async function attrOrNone(o: Opened | undefined, fh: Buffer): Promise<Attr | undefined> {
  if (!o) return undefined;
  try {
    return await o.store.getattr(fh);
  } catch {
    return undefined;
  }
}

/** wcc_data from the attributes before (may be absent) and a fresh getattr after. */
export async function wccAfter(
  o: Opened | undefined,
  fh: Buffer,
  before: Attr | undefined,
): Promise<wcc_data> {
  return { before: wccAttrOf(before), after: await attrOrNone(o, fh) };
}

/** Open a handle leniently (for attributes in an error reply): undefined instead of throwing. */
export function tryOpen(env: V3Env, fh: Buffer, ctx: CallContext): Opened | undefined {
  try {
    return env.open(fh, ctx);
  } catch {
    return undefined;
  }
}
