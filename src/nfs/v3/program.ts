import type { Program } from "../rpc/types.ts";
import type { V3Env } from "./env.ts";
import { NFS_PROGRAM, NFS_V3 } from "./types.ts";
import { nullProc } from "./procs/null.ts";
import { getattrProc } from "./procs/getattr.ts";
import { setattrProc } from "./procs/setattr.ts";
import { lookupProc } from "./procs/lookup.ts";
import { accessProc } from "./procs/access.ts";
import { readlinkProc } from "./procs/readlink.ts";
import { readProc } from "./procs/read.ts";
import { writeProc } from "./procs/write.ts";
import { createProc } from "./procs/create.ts";
import { mkdirProc } from "./procs/mkdir.ts";
import { symlinkProc } from "./procs/symlink.ts";
import { mknodProc } from "./procs/mknod.ts";
import { removeProc } from "./procs/remove.ts";
import { rmdirProc } from "./procs/rmdir.ts";
import { renameProc } from "./procs/rename.ts";
import { linkProc } from "./procs/link.ts";
import { readdirProc } from "./procs/readdir.ts";
import { readdirplusProc } from "./procs/readdirplus.ts";
import { fsstatProc } from "./procs/fsstat.ts";
import { fsinfoProc } from "./procs/fsinfo.ts";
import { pathconfProc } from "./procs/pathconf.ts";
import { commitProc } from "./procs/commit.ts";

/** NFS version 3 (program 100003): THE numbered table, RFC 1813 §3.3. One file per procedure. */
export function nfs3Program(env: V3Env): Program {
  return {
    prog: NFS_PROGRAM,
    vers: NFS_V3,
    name: "nfs",
    procs: [
      /*  0 NFSPROC3_NULL        */ nullProc,
      /*  1 NFSPROC3_GETATTR     */ getattrProc(env),
      /*  2 NFSPROC3_SETATTR     */ setattrProc(env),
      /*  3 NFSPROC3_LOOKUP      */ lookupProc(env),
      /*  4 NFSPROC3_ACCESS      */ accessProc(env),
      /*  5 NFSPROC3_READLINK    */ readlinkProc(env),
      /*  6 NFSPROC3_READ        */ readProc(env),
      /*  7 NFSPROC3_WRITE       */ writeProc(env),
      /*  8 NFSPROC3_CREATE      */ createProc(env),
      /*  9 NFSPROC3_MKDIR       */ mkdirProc(env),
      /* 10 NFSPROC3_SYMLINK     */ symlinkProc(env),
      /* 11 NFSPROC3_MKNOD       */ mknodProc(env),
      /* 12 NFSPROC3_REMOVE      */ removeProc(env),
      /* 13 NFSPROC3_RMDIR       */ rmdirProc(env),
      /* 14 NFSPROC3_RENAME      */ renameProc(env),
      /* 15 NFSPROC3_LINK        */ linkProc(env),
      /* 16 NFSPROC3_READDIR     */ readdirProc(env),
      /* 17 NFSPROC3_READDIRPLUS */ readdirplusProc(env),
      /* 18 NFSPROC3_FSSTAT      */ fsstatProc(env),
      /* 19 NFSPROC3_FSINFO      */ fsinfoProc(env),
      /* 20 NFSPROC3_PATHCONF    */ pathconfProc(env),
      /* 21 NFSPROC3_COMMIT      */ commitProc(env),
    ],
    // flavors: the dispatcher default, AUTH_NONE and AUTH_SYS
  };
}
