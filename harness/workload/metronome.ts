import { Worker } from "node:worker_threads";
import { performance } from "node:perf_hooks";

/**
 * Wakes the main thread at a fixed cadence with sub-millisecond precision and without spinning.
 * Node's timers fire up to ~1 ms late, which an open-loop driver would charge to every operation; spinning on
 * setImmediate fixes that but burns a core the server under test needs. A worker thread sleeping in Atomics.wait
 * (a timed futex wait) and posting a message wakes the event loop within tens of microseconds instead.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
const flag = new Int32Array(workerData.stop);
const interval = workerData.intervalMs;
const lead = workerData.leadMs;
parentPort.once("message", ({ startAbs, fromTick }) => {
  for (let k = fromTick; Atomics.load(flag, 0) === 0; k++) {
    const wait = startAbs + k * interval - lead - (performance.timeOrigin + performance.now());
    if (wait > 0) Atomics.wait(flag, 0, 0, wait);
    parentPort.postMessage(k);
  }
});
parentPort.postMessage("ready");
`;

/** The metronome never ticks faster than this; at higher rates each tick issues several operations. */
export const MIN_TICK_MS = 0.25;

/**
 * Waking the event loop from the worker takes ~100 µs (measured here: median 97 µs, p99 ~0.3 ms), so ticks are sent
 * that much early and the driver busy-waits the remainder: at most this long per tick, a small and bounded CPU cost.
 */
export const DEFAULT_LEAD_MS = 0.1;

export class Metronome {
  /** What each tick calls; set by whoever drives the load (ticks before that are dropped). */
  onTick: () => void = () => {};

  private constructor(
    private readonly worker: Worker,
    private readonly stopFlag: Int32Array,
    /** The instant of tick 0 on this thread's performance.now() clock. */
    readonly startMs: number,
    /** Ticks come this much early; the receiver waits out the rest (see DEFAULT_LEAD_MS). */
    readonly leadMs: number,
  ) {}

  /**
   * Starts the worker (tens of ms), then ticks every `intervalMs` from the moment it is ready, so that the start-up
   * is not charged to the first operations; or, given `startAtAbs` (performance.timeOrigin + now, comparable across
   * threads), with tick 0 at that instant, so that several threads' metronomes keep one schedule.
   */
  static start(intervalMs: number, leadMs = DEFAULT_LEAD_MS, startAtAbs?: number): Promise<Metronome> {
    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [], // plain JavaScript: no need for the parent's loaders (tsx) in the worker
      workerData: { stop: stopFlag.buffer, intervalMs, leadMs },
    });
    worker.unref();
    return new Promise((resolve, reject) => {
      worker.once("error", reject);
      worker.once("message", () => {
        // The worker says it is running; tick 0 is now (the caller issues it), tick k at now + k * interval; or tick 0
        // is at the instant asked for, and the worker sends it too.
        const startMs = startAtAbs === undefined ? performance.now() : startAtAbs - performance.timeOrigin;
        worker.postMessage({ startAbs: performance.timeOrigin + startMs, fromTick: startAtAbs === undefined ? 1 : 0 });
        const metronome = new Metronome(worker, stopFlag, startMs, leadMs);
        worker.on("message", () => metronome.onTick());
        // Ticks stop and the driver, short of wake-ups, falls behind: visible in the latencies, not a crash.
        worker.on("error", (err) => process.stderr.write(`[harness] metronome worker failed: ${err.message}\n`));
        resolve(metronome);
      });
    });
  }

  /** The tick interval for an open-loop rate: one tick per operation, but never faster than MIN_TICK_MS. */
  static intervalFor(ratePerSec: number): number {
    return Math.max(MIN_TICK_MS, 1000 / ratePerSec);
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.stopFlag, 0, 1);
    Atomics.notify(this.stopFlag, 0);
    await this.worker.terminate();
  }
}
