import { encodeMessage, type Message, Rcode } from "../wire/message.ts";
import type { ServerView } from "../view.ts";
import {
  appendTsig,
  ResponseSigner,
  sign,
  TSIG_TYPE,
  TsigError,
  type TsigKey,
  verifyRequest,
} from "./tsig.ts";

/**
 * TSIG at the door of respond(): a signed request is verified before anything else (RFC 8945
 * §5.2). A bad one gets NOTAUTH with the TSIG error (BADKEY, BADSIG: unsigned, empty MAC; BADTIME:
 * signed, with our time in Other Data), as BIND answers. A good one is answered with every
 * message signed, and its key name is what `key NAME` elements of allow-transfer match.
 */

export type Gate =
  | { kind: "reply"; buf: Buffer }
  | { kind: "pass"; signer: ResponseSigner | undefined; key: string | undefined };

const EMPTY = new Map<string, TsigKey>();

/** Seconds since the epoch (TSIG Time Signed). Replaceable in tests. */
export const clock = { now: (): number => Math.floor(Date.now() / 1000) };

function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

/** `q` is the decoded request, `r` the response skeleton (its TSIG record is removed from q). */
export function tsigGate(view: ServerView, packet: Buffer, q: Message, r: Message): Gate {
  if (!q.additional.some((rr) => rr.type === TSIG_TYPE))
    return { kind: "pass", signer: undefined, key: undefined };
  q.additional = q.additional.filter((rr) => rr.type !== TSIG_TYPE);
  const now = clock.now();
  const v = verifyRequest(packet, view.keys ?? EMPTY, now);
  if (v.status === "unsigned") return { kind: "pass", signer: undefined, key: undefined };
  if (v.status === "formerr") {
    r.rcode = Rcode.FORMERR;
    return { kind: "reply", buf: encodeMessage(r).buf };
  }
  if (v.status === "ok")
    return { kind: "pass", signer: new ResponseSigner(v.key, v.mac, now), key: v.key.name };
  r.rcode = Rcode.NOTAUTH;
  r.answer = [];
  r.authority = [];
  r.additional = [];
  const msg = encodeMessage(r).buf;
  if (v.error === TsigError.BADTIME && v.key !== undefined) {
    const o = {
      time: v.rec.timeSigned,
      fudge: v.rec.fudge,
      requestMac: v.rec.mac,
      error: v.error,
      other: u48(now),
    };
    return { kind: "reply", buf: sign(msg, v.key, o).buf };
  }
  const pseudo: TsigKey = {
    name: "",
    nameWire: v.rec.keyName,
    algorithm: v.rec.algorithm,
    secret: Buffer.alloc(0),
  };
  return {
    kind: "reply",
    buf: appendTsig(msg, pseudo, { time: now, fudge: v.rec.fudge, error: v.error }, null),
  };
}

/** Room to leave in a UDP answer for the TSIG record we append. */
export const TSIG_RESERVE = 200;
