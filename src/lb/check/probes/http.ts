/**
 * HTTP probe (`option httpchk [METH URI [VERSION]]` + `http-check expect`): sends the request,
 * reads the status line (and, for `expect string`, the body up to 16 KiB, HAProxy's tune.chksize),
 * and judges as HAProxy does: without `expect`, 2xx and 3xx pass (L7OK) and other codes fail
 * (L7STS, info: the reason phrase); `expect status` passes on the listed codes (else L7STS);
 * `expect string` passes when the body contains the text (else L7RSP); a response that is not HTTP
 * is L7RSP; no answer in time is L7TOUT.
 */
import type { HttpCheck } from "../../config/model.ts";
import type { ProbeOutcome } from "../status.ts";
import { connectProbe, type ProbeTarget } from "./tcp.ts";

const CHKSIZE = 16384;

export function buildRequest(hc: HttpCheck, host: string): string {
  let head = `${hc.method} ${hc.uri} ${hc.version}\r\n`;
  const names = new Set(hc.headers.map(([n]) => n.toLowerCase()));
  for (const [n, v] of hc.headers) head += `${n}: ${v}\r\n`;
  if (hc.version === "HTTP/1.1" && !names.has("host")) head += `Host: ${host}\r\n`;
  if (!names.has("connection")) head += "Connection: close\r\n";
  return head + "\r\n";
}

/** Judge a complete (or truncated at CHKSIZE) response; exported for tests. */
export function judge(hc: HttpCheck, raw: string, durationMs: number): ProbeOutcome {
  const m = /^HTTP\/1\.[01] (\d{3})(?: ([^\r\n]*))?\r?\n/.exec(raw);
  if (m === null) return { status: "L7RSP", info: "Invalid http response (not HTTP/1.x)", durationMs };
  const code = Number(m[1]);
  const phrase = m[2] ?? "";
  const e = hc.expect;
  if (e === undefined) {
    return code >= 200 && code < 400
      ? { status: "L7OK", code, info: phrase, durationMs }
      : { status: "L7STS", code, info: phrase, durationMs };
  }
  if (e.kind === "status") {
    const ok = e.codes.includes(code) !== e.negate;
    return ok
      ? { status: "L7OK", code, info: phrase, durationMs }
      : { status: "L7STS", code, info: `HTTP status check returned code <${code}>`, durationMs };
  }
  const sep = raw.indexOf("\r\n\r\n");
  const body = sep >= 0 ? raw.slice(sep + 4) : "";
  const ok = body.includes(e.text) !== e.negate;
  return ok
    ? { status: "L7OK", code, info: phrase, durationMs }
    : { status: "L7RSP", code, info: "HTTP content check did not match", durationMs };
}

export function httpProbe(t: ProbeTarget, hc: HttpCheck): Promise<ProbeOutcome> {
  return connectProbe(t, (sock, started, finish) => {
    let buf = "";
    const needBody = hc.expect?.kind === "string";
    const done = (): void => finish(judge(hc, buf, Date.now() - started));
    sock.setEncoding("latin1");
    sock.on("data", (d: string) => {
      buf += d;
      if (buf.length >= CHKSIZE) {
        buf = buf.slice(0, CHKSIZE);
        done();
      } else if (!needBody && /\r?\n/.test(buf)) done();
    });
    sock.once("end", done);
    sock.write(buildRequest(hc, t.port === 80 ? t.host : `${t.host}:${t.port}`), "latin1");
  });
}
