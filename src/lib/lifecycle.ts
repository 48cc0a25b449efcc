import type { Logger } from "./log.ts";

/**
 * The operating contract every server follows (DESIGN.md):
 * - SIGHUP: validate the new configuration completely, then swap it in; if it fails, log every
 *   error and keep serving with the old one.
 * - SIGTERM / SIGINT: stop accepting, drain in-flight work, then exit 0.
 */
export interface Service {
  /** Load and validate the configuration again, then swap. Throws (and changes nothing) if invalid. */
  reload(): Promise<void>;
  /** Stop accepting new work and resolve when in-flight work is done. */
  stop(): Promise<void>;
}

export interface SignalOptions {
  /** Give up draining after this long and exit anyway (ms). */
  drainTimeoutMs?: number;
  exit?: (code: number) => void;
}

export function installSignalHandlers(svc: Service, log: Logger, opts: SignalOptions = {}): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  let reloading: Promise<void> | undefined;

  const onHup = (): void => {
    if (stopping) return;
    const run = async (): Promise<void> => {
      try {
        await svc.reload();
        log.info("configuration reloaded");
      } catch (err) {
        log.error("reload failed, keeping the running configuration", { error: String(err) });
      }
    };
    // Reloads are serialised: a HUP during a reload runs after it.
    reloading = (reloading ?? Promise.resolve()).then(run);
  };

  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    const timer = setTimeout(() => {
      log.warn("drain timed out, exiting");
      exit(0);
    }, opts.drainTimeoutMs ?? 10_000);
    timer.unref();
    svc.stop().then(
      () => {
        clearTimeout(timer);
        log.info("stopped");
        exit(0);
      },
      (err: unknown) => {
        log.error("error while stopping", { error: String(err) });
        exit(1);
      },
    );
  };

  process.on("SIGHUP", onHup);
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  return () => {
    process.off("SIGHUP", onHup);
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
  };
}
