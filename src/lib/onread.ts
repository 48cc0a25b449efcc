import net from "node:net";

/**
 * Reading an accepted TCP connection with node:net's `onread` (reads land in a buffer the caller
 * chooses, skipping the stream machinery and the 64 KiB allocation Node makes per read).
 *
 * node:net only offers `onread` to sockets it creates itself (net.connect, new net.Socket). An
 * accepted connection is adopted instead: the listening server is created with `pauseOnConnect`
 * (the accepted socket never starts reading), and its handle is handed to a new net.Socket that
 * reads with `onread`. Returns that socket, or `undefined` when the runtime does not expose the
 * handle: the caller then keeps the original socket and its 'data' events. The original is
 * destroyed when the adopted socket closes (the server counts connections on the original).
 *
 * `buffer` is either one fixed buffer (every read overwrites it: copy what you keep) or a function
 * called once at adoption and again after every read, returning where the next read lands.
 * `callback(n, buf)` gets the n bytes just read at the start of `buf`; returning false pauses.
 */
export interface OnRead {
  buffer: Uint8Array | (() => Uint8Array);
  callback: (n: number, buf: Uint8Array) => boolean;
}

export function adoptWithOnread(
  sock: net.Socket,
  onread: OnRead,
  opts: { allowHalfOpen: boolean },
): net.Socket | undefined {
  const handle = (sock as unknown as { _handle?: object | null })._handle;
  if (handle === undefined || handle === null) return undefined;
  // The original object must forget the handle, or its own teardown would close it.
  (sock as unknown as { _handle: unknown })._handle = null;
  const adopted = new net.Socket({
    handle,
    allowHalfOpen: opts.allowHalfOpen,
    readable: true,
    writable: true,
    onread,
  } as net.SocketConstructorOpts);
  // The server counts the original as open until it is destroyed: do that when the connection
  // really closes, so that server.close() still waits for it.
  adopted.once("close", () => sock.destroy());
  return adopted;
}
