import type { Message } from "../wire/message.ts";
import { Rcode } from "../wire/message.ts";
import { keyOf } from "../wire/name.ts";
import type { ServerView } from "../view.ts";
import type { Requester } from "./out.ts";

/**
 * NOTIFY received (RFC 1996 §3.7, §4): for a secondary zone, from one of its primaries or an
 * address `allow-notify` admits -> answered with AA and the zone is refreshed now (view.onNotify);
 * from anyone else -> REFUSED. For a zone we are primary for, acknowledged (nothing to refresh).
 * A zone we do not serve -> NOTAUTH. The question must be there (FORMERR otherwise).
 */
export function notifyIn(view: ServerView, q: Message, r: Message, who: Requester): Message {
  const question = q.question[0];
  if (q.question.length !== 1 || question === undefined) {
    r.question = [];
    r.rcode = Rcode.FORMERR;
    return r;
  }
  const key = keyOf(question.name);
  if (view.zones.exact(key) === undefined && !(view.unavailable?.has(key) ?? false)) {
    r.rcode = Rcode.NOTAUTH;
    return r;
  }
  const opts = view.zoneOptions?.get(key);
  if (opts?.secondary === true) {
    if (!(opts.allowNotify?.(who.address, who.key) ?? false)) {
      r.rcode = Rcode.REFUSED;
      return r;
    }
    view.onNotify?.(key, who.address);
  }
  r.aa = true;
  return r;
}
