import { NULL_PROC, type Program } from "../rpc/types.ts";
import type { MountDeps } from "./deps.ts";
import { dumpProc } from "./procs/dump.ts";
import { exportProc } from "./procs/export.ts";
import { mntProc } from "./procs/mnt.ts";
import { umntallProc, umntProc } from "./procs/umnt.ts";
import { MOUNT_PROGRAM, MOUNT_V1, MOUNT_V3 } from "./types.ts";

/**
 * MOUNT (program 100005): the numbered tables (RFC 1813 §5.2). Version 3 is the protocol; version
 * 1 is registered as well because showmount(8) and older tools ask for it: its NULL, DUMP, UMNT,
 * UMNTALL and EXPORT are encoded exactly like v3's. Its MNT returns NFSv2 handles, which we do not
 * serve: procedure 1 of v1 is a hole (PROC_UNAVAIL).
 */
export function mountPrograms(deps: MountDeps): Program[] {
  const dump = dumpProc(deps);
  const umnt = umntProc(deps);
  const umntall = umntallProc(deps);
  const exp = exportProc(deps);
  const v3: Program = {
    prog: MOUNT_PROGRAM,
    vers: MOUNT_V3,
    name: "mountd",
    procs: [
      /* 0 MOUNTPROC3_NULL    */ NULL_PROC,
      /* 1 MOUNTPROC3_MNT     */ mntProc(deps),
      /* 2 MOUNTPROC3_DUMP    */ dump,
      /* 3 MOUNTPROC3_UMNT    */ umnt,
      /* 4 MOUNTPROC3_UMNTALL */ umntall,
      /* 5 MOUNTPROC3_EXPORT  */ exp,
    ],
  };
  const v1: Program = {
    prog: MOUNT_PROGRAM,
    vers: MOUNT_V1,
    name: "mountd",
    procs: [NULL_PROC, undefined, dump, umnt, umntall, exp],
  };
  return [v1, v3];
}
