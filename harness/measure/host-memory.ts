import { hostMemory } from "../infra/environment.js";
import { EnvironmentError } from "../infra/errors.js";
import { formatBytes } from "../infra/units.js";
import type { Probe, ProbeContext } from "./probe.js";

/** The host's memory at one instant (/proc/meminfo). */
export interface HostMemorySample {
  tMs: number;
  availableBytes: number;
}

export interface HostMemorySections {
  hostMemory: { floorBytes: number; totalBytes: number; samples: HostMemorySample[] } | null;
}

/** The floor: the setting (HARNESS_MEMORY_FLOOR), else 5% of the host's memory, never under 512 MiB (what the OS needs to keep answering). */
export const memoryFloor = (settingBytes: number | null, totalBytes: number) => settingBytes ?? Math.max(512 * 2 ** 20, Math.round(totalBytes * 0.05));

/**
 * The host's available memory through the whole run, so that no run can be the outage (a dataset larger than memory
 * once froze a machine of this kind for half an hour). Below the floor it stops the run as an interruption would: the
 * load stops, the report is written with status aborted, the containers are removed, and the run exits 3.
 */
export class HostMemoryWatch implements Probe<HostMemorySections> {
  readonly name = "host memory";
  private readonly samples: HostMemorySample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private totalBytes = 0;
  private floorBytes = 0;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly intervalMs: number,
    private readonly floorSetting: number | null,
    private readonly read: () => { totalBytes: number; availableBytes: number } | null = hostMemory,
  ) {}

  async start(): Promise<void> {
    const m = this.read();
    if (!m) return; // no /proc/meminfo: nothing to watch
    this.totalBytes = m.totalBytes;
    this.floorBytes = memoryFloor(this.floorSetting, m.totalBytes);
    this.check(m.availableBytes);
    // From now to the end of the run, load or not: the read-back of a large ledger needs memory too.
    this.timer = setInterval(() => {
      const r = this.read();
      if (r) this.check(r.availableBytes);
    }, this.intervalMs);
    this.timer.unref();
  }

  private check(availableBytes: number): void {
    this.samples.push({ tMs: this.ctx.clock(), availableBytes });
    if (availableBytes >= this.floorBytes) return;
    clearInterval(this.timer);
    this.ctx.timeline.add("host-memory-low", { availableBytes, floorBytes: this.floorBytes });
    this.ctx.stopRun(
      new EnvironmentError(
        `The host's available memory fell to ${formatBytes(availableBytes)}, below the floor of ${formatBytes(this.floorBytes)}: the run was stopped before it could exhaust the host.`,
        "Run a smaller --dataset or a lower --rate, stop what else uses the host's memory, or lower the floor (HARNESS_MEMORY_FLOOR) if the host can spare more.",
      ),
    );
  }

  rebase(shiftMs: number): void {
    for (const s of this.samples) s.tMs -= shiftMs;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  contribute(): HostMemorySections {
    return { hostMemory: this.totalBytes ? { floorBytes: this.floorBytes, totalBytes: this.totalBytes, samples: this.samples } : null };
  }
}
