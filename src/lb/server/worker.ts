import cluster from "node:cluster";
import type { Logger } from "../../lib/log.ts";
import { runtimeHooks } from "./hooks.ts";
import type { PrimaryMessage, WorkerMessage } from "./messages.ts";
import { LbRuntime } from "./runtime.ts";
import { WorkerShare } from "./shared.ts";

/** How long a new worker waits for the primary's welcome before it starts without it. */
const WELCOME_TIMEOUT_MS = 3000;

/**
 * One worker process of `netsvc lb --workers N` (cluster.ts forks them): says hello, applies the
 * primary's welcome (health checker or not, the servers' current state), then loads the file and
 * serves; reloads and stops when the primary says so. See shared.ts for what it shares.
 */
export async function runWorker(file: string, log: Logger): Promise<void> {
  const send = (m: WorkerMessage): void => {
    if (process.connected) process.send?.(m);
  };
  const wlog = log.child({ worker: cluster.worker?.id });
  const share = new WorkerShare(send);
  // the slot the primary gave this process (cluster.ts): its place in the shared rotation
  const index = Number(process.env.NETSVC_LB_SLOT);
  const count = Number(process.env.NETSVC_LB_WORKERS);
  const rotation =
    Number.isInteger(index) && Number.isInteger(count) && count > 1 ? { index, count } : undefined;
  const rt = new LbRuntime(file, {
    log: wlog,
    ...runtimeHooks(wlog, share),
    ...(rotation !== undefined ? { rotation } : {}),
  });
  let started = false;
  let welcomed: () => void = () => undefined;
  const welcome = new Promise<void>((r) => (welcomed = r));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    share.stop();
    if (!started) process.exit(0);
    const t = setTimeout(() => process.exit(0), 10_000);
    t.unref();
    void rt.stop().then(() => process.exit(0));
  };
  process.on("message", (m: PrimaryMessage) => {
    if (m.type === "stop") stop();
    else if (m.type === "reload") {
      if (!started) return; // still starting: it reads the file as it is now
      rt.reload().then(
        () => send({ type: "reloaded", ok: true }),
        (err: unknown) => send({ type: "reloaded", ok: false, error: String(err) }),
      );
    } else {
      share.onMessage(m);
      if (m.type === "welcome") welcomed();
    }
  });
  // The primary coordinates reloads and stops; signals sent to the whole group are its business.
  process.on("SIGHUP", () => undefined);
  process.on("SIGINT", () => undefined);
  process.on("SIGTERM", stop);
  process.on("disconnect", stop);
  send({ type: "hello" });
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, WELCOME_TIMEOUT_MS);
    void welcome.then(() => {
      clearTimeout(t);
      resolve();
    });
  });
  try {
    const endpoints = await rt.start();
    started = true;
    send({ type: "ready", endpoints });
  } catch (err) {
    send({ type: "fatal", error: String(err) });
    throw err;
  }
  share.startCounters(() => rt.liveState());
}
