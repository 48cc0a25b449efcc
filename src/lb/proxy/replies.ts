/**
 * Responses the proxy produces itself, byte-compatible with HAProxy 2.6's built-in error pages
 * (http_err_msgs[] in HAProxy's src/http.c) and `http-request return|redirect` answers.
 */

const REASONS: Record<number, string> = {
  100: "Continue",
  101: "Switching Protocols",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  407: "Proxy Authentication Required",
  408: "Request Time-out",
  410: "Gone",
  413: "Payload Too Large",
  421: "Misdirected Request",
  425: "Too Early",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Time-out",
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error");
}

/** HAProxy's error page texts: title line and explanation. */
const ERROR_TEXT: Record<number, [string, string]> = {
  200: ["200 OK", "Service ready."],
  400: ["400 Bad request", "Your browser sent an invalid request."],
  401: ["401 Unauthorized", "You need a valid user and password to access this content."],
  403: ["403 Forbidden", "Request forbidden by administrative rules."],
  404: ["404 Not Found", "The resource could not be found."],
  405: [
    "405 Method Not Allowed",
    "A request was made of a resource using a request method not supported by that resource",
  ],
  407: ["407 Unauthorized", "You need a valid user and password to access this content."],
  408: ["408 Request Time-out", "Your browser didn't send a complete request in time."],
  410: ["410 Gone", "The resource is no longer available and will not be available again."],
  413: ["413 Payload Too Large", "The request entity exceeds the maximum allowed."],
  425: ["425 Too Early", "Your browser sent early data."],
  429: ["429 Too Many Requests", "You have sent too many requests in a given amount of time."],
  500: ["500 Internal Server Error", "An internal server error occurred."],
  501: [
    "501 Not Implemented",
    ".The server does not support the functionality required to fulfill the request.",
  ],
  502: ["502 Bad Gateway", "The server returned an invalid or incomplete response."],
  503: ["503 Service Unavailable", "No server is available to handle this request."],
  504: ["504 Gateway Time-out", "The server didn't respond in time."],
};

const cache = new Map<string, Buffer>();

/**
 * HAProxy's error page for `status`, e.g. for 503:
 * `<html><body><h1>503 Service Unavailable</h1>\nNo server is available ...\n</body></html>\n`.
 * `close` adds `connection: close` (the proxy closes after errors that leave the stream unusable).
 */
export function errorReply(status: number, close: boolean): Buffer {
  const key = `${status}:${close ? 1 : 0}`;
  let b = cache.get(key);
  if (b === undefined) {
    const [title, text] = ERROR_TEXT[status] ?? [`${status} ${reasonPhrase(status)}`, ""];
    const body = `<html><body><h1>${title}</h1>\n${text}\n</body></html>\n`;
    b = Buffer.from(
      `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `cache-control: no-cache\r\ncontent-type: text/html\r\n${close ? "connection: close\r\n" : ""}\r\n${body}`,
      "latin1",
    );
    cache.set(key, b);
  }
  return b;
}

/** `http-request return status N [content-type T] [string S]`. */
export function returnReply(
  status: number,
  contentType: string | undefined,
  body: string | undefined,
): Buffer {
  const bytes = Buffer.from(body ?? "", "utf8");
  let head = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\ncontent-length: ${bytes.length}\r\n`;
  if (contentType !== undefined) head += `content-type: ${contentType}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), bytes]);
}

/** `http-request redirect ...`: HAProxy answers with an empty body and `cache-control: no-cache`. */
export function redirectReply(code: number, location: string): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${code} ${reasonPhrase(code)}\r\ncontent-length: 0\r\nlocation: ${location}\r\n` +
      `cache-control: no-cache\r\n\r\n`,
    "latin1",
  );
}

/** A complete response from parts (the stats page, other built-in services). */
export function simpleReply(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: Buffer | string,
  head = false,
): Buffer {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  let h = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
  for (const [k, v] of Object.entries(headers))
    if (k.toLowerCase() !== "content-length") h += `${k}: ${v}\r\n`;
  h += `content-length: ${bytes.length}\r\n\r\n`;
  const hb = Buffer.from(h, "latin1");
  return head ? hb : Buffer.concat([hb, bytes]);
}
