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
 * address, time): such answers are not kept in the pre-encoded answer cache.
 */
export interface QueryContext {
  readonly view: ServerView;
  readonly client: ClientInfo;
  readonly query: Message;
  /** The response being built: id, opcode, RD, CD, question and OPT are already copied in. */
  readonly response: Message;
  cacheable: boolean;
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
