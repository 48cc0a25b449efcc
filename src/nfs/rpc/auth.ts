import { XdrReader } from "../xdr/reader.ts";
import { XdrWriter } from "../xdr/writer.ts";
import {
  AUTH_BADCRED,
  AUTH_BADVERF,
  AUTH_NONE,
  AUTH_SYS,
  MAX_AUTH_SYS_GIDS,
  MAX_MACHINE_NAME,
} from "./constants.ts";
import type { OpaqueAuth } from "./message.ts";
import type { AuthSysCred } from "./types.ts";

/**
 * Credential checks (RFC 5531 §10 and appendix A), as Linux's svcauth does them:
 * - AUTH_NONE: empty credential body; verifier AUTH_NONE with an empty body.
 * - AUTH_SYS: authsys_parms exactly filling the body (machinename <= 255, gids <= 16); the
 *   verifier must be AUTH_NONE (AUTH_BADVERF otherwise).
 * - any other flavor: AUTH_BADCRED (we implement no other; RPCSEC_GSS comes with NFSv4 if ever).
 */
export type AuthResult =
  | { ok: true; flavor: typeof AUTH_NONE; cred: null }
  | { ok: true; flavor: typeof AUTH_SYS; cred: AuthSysCred }
  | { ok: false; stat: number; why: string };

export function authenticate(cred: OpaqueAuth, verf: OpaqueAuth): AuthResult {
  if (cred.flavor === AUTH_NONE) {
    if (cred.body.length !== 0)
      return { ok: false, stat: AUTH_BADCRED, why: "AUTH_NONE credential with a body" };
    if (verf.flavor !== AUTH_NONE || verf.body.length !== 0)
      return { ok: false, stat: AUTH_BADVERF, why: "AUTH_NONE call with a non-null verifier" };
    return { ok: true, flavor: AUTH_NONE, cred: null };
  }
  if (cred.flavor === AUTH_SYS) {
    const parsed = decodeAuthSys(cred.body);
    if (typeof parsed === "string") return { ok: false, stat: AUTH_BADCRED, why: parsed };
    if (verf.flavor !== AUTH_NONE || verf.body.length !== 0)
      return { ok: false, stat: AUTH_BADVERF, why: "AUTH_SYS call with a non-null verifier" };
    return { ok: true, flavor: AUTH_SYS, cred: parsed };
  }
  return { ok: false, stat: AUTH_BADCRED, why: `unsupported credential flavor ${cred.flavor}` };
}

/** RFC 5531 appendix A: struct authsys_parms. Returns an error string when malformed. */
export function decodeAuthSys(body: Buffer): AuthSysCred | string {
  try {
    const x = new XdrReader(body);
    const stamp = x.u32();
    const machinename = x.string(MAX_MACHINE_NAME, "machinename");
    const uid = x.u32();
    const gid = x.u32();
    const gids = x.array(MAX_AUTH_SYS_GIDS, (r) => r.u32(), "gids");
    if (x.remaining !== 0) return `AUTH_SYS credential has ${x.remaining} trailing bytes`;
    return { stamp, machinename, uid, gid, gids };
  } catch (err) {
    return `malformed AUTH_SYS credential: ${(err as Error).message}`;
  }
}

export function encodeAuthSys(c: AuthSysCred): Buffer {
  const w = new XdrWriter();
  w.u32(c.stamp);
  w.string(c.machinename, MAX_MACHINE_NAME);
  w.u32(c.uid);
  w.u32(c.gid);
  if (c.gids.length > MAX_AUTH_SYS_GIDS) throw new RangeError("AUTH_SYS allows at most 16 gids");
  w.array(c.gids, (x, g) => x.u32(g));
  return w.finish();
}
