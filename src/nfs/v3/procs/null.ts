import { NULL_PROC, type Procedure } from "../../rpc/types.ts";

// RFC 1813 §3.3.0 NFSPROC3_NULL: void -> void (the RPC convention for procedure 0)
export const nullProc: Procedure<undefined, undefined> = NULL_PROC;
