import { performance, type EventLoopUtilization } from "node:perf_hooks";

/**
 * How busy the driver's own thread was, second by second: Node's event-loop utilization (the share of time the loop
 * was running JavaScript or callbacks rather than waiting for I/O). A loop busy near 1 cannot issue on time nor read
 * replies when they come: the latencies it records are then partly its own.
 */
export class EventLoopMonitor {
  /** Utilization (0..1) per second of the run clock, from the load's start. */
  readonly perSecond: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  start(clock: () => number): void {
    let last: EventLoopUtilization = performance.eventLoopUtilization();
    let second = Math.max(0, Math.floor(clock() / 1000));
    this.timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.perSecond[second++] = performance.eventLoopUtilization(now, last).utilization;
      last = now;
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
