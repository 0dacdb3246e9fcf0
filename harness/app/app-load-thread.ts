import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { OpOutcome } from "../measure/op-stats.js";
import type { AppLoad, AppLoadCounts, AppLoadOptions } from "./autocannon-load.js";

/**
 * startAppLoad in a worker thread (autocannon-worker.ts), timing on this thread's run clock: requests go out on
 * schedule however busy this thread is, and their outcomes come back here in batches.
 */
export function startAppLoadThread(o: AppLoadOptions, clock: () => number, record: (op: OpOutcome) => void): AppLoad {
  const clockOffsetMs = performance.timeOrigin + performance.now() - clock();
  // The worker does not inherit the TypeScript loader: it registers tsx, then loads the module.
  const boot = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./autocannon-worker.ts", import.meta.url).href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { options: o, clockOffsetMs } });
  const counts = new Promise<AppLoadCounts>((resolve, reject) => {
    worker.on("message", (m: { ops?: OpOutcome[]; counts?: AppLoadCounts }) => {
      for (const op of m.ops ?? []) record(op);
      if (m.counts) resolve(m.counts);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the app tier's load thread exited (code ${code}) before reporting`)));
  });
  counts.catch(() => {}); // read by stop(); an early failure must not be an unhandled rejection meanwhile
  return {
    async stop() {
      worker.postMessage("stop");
      const late = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the app tier's load thread did not stop within 10 s")), 10_000).unref(),
      );
      try {
        return await Promise.race([counts, late]);
      } finally {
        await worker.terminate();
      }
    },
  };
}
