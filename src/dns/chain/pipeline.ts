import { NetsvcError } from "../../lib/errors.ts";
import type { ServerView } from "../view.ts";
import type { ClientInfo } from "./respond.ts";

// Interface-first commit: the real pipeline lands in the next commits.
export function respondImpl(_view: ServerView, _packet: Buffer, _client: ClientInfo): Buffer | null {
  throw new NetsvcError("ENOTYET", "respond() is being written");
}
export function respondStreamImpl(_view: ServerView, _packet: Buffer, _client: ClientInfo): Buffer[] {
  throw new NetsvcError("ENOTYET", "respondStream() is being written");
}
