import type { RR } from "../wire/message.ts";

/** What the authoritative lookup decided (CoreDNS plugin/file lookup.go's Result, named). */
export type ResultKind =
  "success" | "nxdomain" | "nodata" | "delegation" | "servfail" | "yxdomain" | "refused";

export interface Answer {
  kind: ResultKind;
  rcode: number;
  /** Authoritative answer (clear on a referral, as BIND). */
  aa: boolean;
  answer: RR[];
  authority: RR[];
  additional: RR[];
}

export interface LookupOptions {
  /** The query's RD bit (minimal-responses no-auth-recursive looks at it). */
  rd: boolean;
  /** The DO bit (RFC 3225): DNSSEC records may be added. */
  dnssec: boolean;
  /** Add the zone's NS RRset to the authority section of positive answers. */
  authorityOnPositive: boolean;
}
