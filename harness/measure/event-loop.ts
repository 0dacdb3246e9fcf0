import { performance, type EventLoopUtilization } from "node:perf_hooks";

/** performance.eventLoopUtilization, of this thread or of a worker (worker.performance.eventLoopUtilization). */
export type UtilizationSource = (a?: EventLoopUtilization, b?: EventLoopUtilization) => EventLoopUtilization;

/**
 * How busy the driver's own threads were, second by second: Node's event-loop utilization (the share of time the loop
 * was running JavaScript or callbacks rather than waiting for I/O), of the busiest one. A loop busy near 1 cannot issue
 * on time nor read replies when they come: the latencies it records are then partly its own.
 */
export class EventLoopMonitor {
  /** Utilization (0..1) per second of the run clock, from the load's start: the busiest thread's. */
  readonly perSecond: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** Watches this thread, and the driver threads given. */
  start(clock: () => number, driverThreads: UtilizationSource[] = []): void {
    const sources: UtilizationSource[] = [performance.eventLoopUtilization, ...driverThreads];
    let last = sources.map((f) => f());
    let second = Math.max(0, Math.floor(clock() / 1000));
    this.timer = setInterval(() => {
      const now = sources.map((f) => f());
      this.perSecond[second++] = Math.max(...sources.map((f, k) => f(now[k], last[k]).utilization));
      last = now;
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
