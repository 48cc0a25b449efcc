/**
 * Zone transfers and NOTIFY as the pipeline sees them. The protocol lives in src/dns/transfer:
 * out.ts (AXFR, IXFR from the journal), notify-in.ts (NOTIFY received), gate.ts (TSIG).
 */
export { transferOut as transfer } from "../transfer/out.ts";
export { notifyIn as notifyResponse } from "../transfer/notify-in.ts";
export { tsigGate, TSIG_RESERVE } from "../transfer/gate.ts";
