import type { Probe, ProbeContext } from "./probe.js";

/** The harness process's memory at one instant (its driver threads included in RSS; the heap is the run thread's). */
export interface HarnessMemorySample {
  tMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  arrayBuffersBytes: number;
}

export interface HarnessMemorySections {
  harnessMemory: { intervalMs: number; samples: HarnessMemorySample[] } | null;
}

/** Every 5 s: a soak of hours is a few thousand samples, and a garbage collector's saw-tooth shows in them. */
export const HARNESS_MEMORY_INTERVAL_MS = 5000;

/**
 * The harness's own memory through the run: a soak is only believable if the harness measuring it stayed flat (a
 * harness that grows swaps, pauses for its garbage collector, and its latencies grow with it).
 */
export class HarnessMemory implements Probe<HarnessMemorySections> {
  readonly name = "harness memory";
  private readonly samples: HarnessMemorySample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: Pick<ProbeContext, "clock">,
    private readonly intervalMs = HARNESS_MEMORY_INTERVAL_MS,
    private readonly read: () => NodeJS.MemoryUsage = () => process.memoryUsage(),
  ) {}

  async start(): Promise<void> {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const m = this.read();
    this.samples.push({ tMs: Math.round(this.ctx.clock()), rssBytes: m.rss, heapUsedBytes: m.heapUsed, arrayBuffersBytes: m.arrayBuffers });
  }

  rebase(shiftMs: number): void {
    for (const s of this.samples) s.tMs -= shiftMs;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.sample();
  }

  contribute(): HarnessMemorySections {
    return { harnessMemory: { intervalMs: this.intervalMs, samples: this.samples } };
  }
}

/**
 * How the harness's memory moved over the second half of the load, in MB a minute: RSS by least squares, and the
 * heap's floor (the lowest sample of each minute, what is left after a collection: live data, not the saw-tooth).
 * Null before two minutes of samples.
 */
export function memoryTrend(samples: HarnessMemorySample[], loadEndMs: number): { rssMBPerMin: number; heapFloorMBPerMin: number; minutes: number } | null {
  const half = samples.filter((s) => s.tMs >= loadEndMs / 2 && s.tMs <= loadEndMs);
  const floors = new Map<number, number>();
  for (const s of half) {
    const m = Math.floor(s.tMs / 60_000);
    floors.set(m, Math.min(floors.get(m) ?? Infinity, s.heapUsedBytes));
  }
  if (floors.size < 2) return null;
  const mb = 2 ** 20;
  return {
    rssMBPerMin: slope(half.map((s) => [s.tMs / 60_000, s.rssBytes / mb])),
    heapFloorMBPerMin: slope([...floors].map(([m, b]) => [m, b / mb])),
    minutes: (half[half.length - 1].tMs - half[0].tMs) / 60_000,
  };
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}
