/**
 * ONC RPC version 2 constants, transcribed from RFC 5531 (§8, §9, §10, appendix A) with the
 * RFC's names. Programs' own numbers live with the programs (mount/, v3/, portmap/).
 */

// RFC 5531 §9
export const RPC_VERSION = 2;

// RFC 5531 §9: enum msg_type
export const CALL = 0;
export const REPLY = 1;

// RFC 5531 §9: enum reply_stat
export const MSG_ACCEPTED = 0;
export const MSG_DENIED = 1;

// RFC 5531 §9: enum accept_stat
export const SUCCESS = 0; /* RPC executed successfully       */
export const PROG_UNAVAIL = 1; /* remote hasn't exported program  */
export const PROG_MISMATCH = 2; /* remote can't support version #  */
export const PROC_UNAVAIL = 3; /* program can't support procedure */
export const GARBAGE_ARGS = 4; /* procedure can't decode params   */
export const SYSTEM_ERR = 5; /* e.g. memory allocation failure  */

// RFC 5531 §9: enum reject_stat
export const RPC_MISMATCH = 0; /* RPC version number != 2          */
export const AUTH_ERROR = 1; /* remote can't authenticate caller */

// RFC 5531 §9: enum auth_stat
export const AUTH_OK = 0; /* success                        */
export const AUTH_BADCRED = 1; /* bad credential (seal broken)   */
export const AUTH_REJECTEDCRED = 2; /* client must begin new session  */
export const AUTH_BADVERF = 3; /* bad verifier (seal broken)     */
export const AUTH_REJECTEDVERF = 4; /* verifier expired or replayed   */
export const AUTH_TOOWEAK = 5; /* rejected for security reasons  */
export const AUTH_INVALIDRESP = 6; /* bogus response verifier        */
export const AUTH_FAILED = 7; /* reason unknown                 */
export const AUTH_KERB_GENERIC = 8;
export const AUTH_TIMEEXPIRE = 9;
export const AUTH_TKT_FILE = 10;
export const AUTH_DECODE = 11;
export const AUTH_NET_ADDR = 12;
export const RPCSEC_GSS_CREDPROBLEM = 13;
export const RPCSEC_GSS_CTXPROBLEM = 14;

// RFC 5531 §8.2 and appendix A: auth_flavor
export const AUTH_NONE = 0;
export const AUTH_SYS = 1;
export const AUTH_SHORT = 2;
export const AUTH_DH = 3;
export const RPCSEC_GSS = 6;

// RFC 5531 §8.2: opaque body<400>
export const MAX_AUTH_BYTES = 400;
// RFC 5531 appendix A: machinename<255>, gids<16>
export const MAX_MACHINE_NAME = 255;
export const MAX_AUTH_SYS_GIDS = 16;

export const ACCEPT_STAT_NAMES: Record<number, string> = {
  [SUCCESS]: "SUCCESS",
  [PROG_UNAVAIL]: "PROG_UNAVAIL",
  [PROG_MISMATCH]: "PROG_MISMATCH",
  [PROC_UNAVAIL]: "PROC_UNAVAIL",
  [GARBAGE_ARGS]: "GARBAGE_ARGS",
  [SYSTEM_ERR]: "SYSTEM_ERR",
};
