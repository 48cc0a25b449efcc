import type { Answer } from "../engine/types.ts";
import type { Message } from "../wire/message.ts";
import type { ServerView } from "../view.ts";
import type { ClientInfo } from "./respond.ts";

/**
 * The query handler chain (CoreDNS plugin.go's contract, fixed order in code — chain.ts).
 *
 * Contract: a handler either answers — fills ctx.response (rcode, flags, sections) and returns
 * without calling next — or declines by calling next() exactly once and returning. It never
 * throws for a well-formed query (the pipeline turns an exception into SERVFAIL). `cacheable` is
 * cleared by a handler whose answer depends on more than the view and the question (the client's
 * address, time): such answers are not kept in the pre-encoded answer cache. A handler that must
 * wait (the resolver) sets `pending` and returns without calling next().
 */
export interface QueryContext {
  readonly view: ServerView;
  readonly client: ClientInfo;
  readonly query: Message;
  /** The response being built: id, opcode, RD, CD, question and OPT are already copied in. */
  readonly response: Message;
  cacheable: boolean;
  /** Set by a handler that answers later (recursion): the response is complete when it settles.
   *  The handler has returned without calling next(); the pipeline awaits this, then encodes. */
  pending?: Promise<void> | undefined;
  /** What our zones said when they hand over to recursion: a referral (its NS and glue seed the
   *  resolver) or a CNAME chain leaving our zones (kept at the head of the answer). */
  local?: Answer | undefined;
  /** The answer came from the resolver for an RD=1 query (the pipeline's recursive answer cache). */
  recursive?: boolean | undefined;
}

export type Handler = (ctx: QueryContext, next: () => void) => void;

/** Run the handlers in order; the last one must answer. */
export function runChain(chain: readonly Handler[], ctx: QueryContext): void {
  const step = (i: number): void => {
    const h = chain[i];
    if (h !== undefined) h(ctx, () => step(i + 1));
  };
  step(0);
}
