import type { Redis } from "ioredis";
import type { Probe, ProbeContext } from "./probe.js";

/**
 * Every event each Sentinel publishes (+sdown, +odown, +try-failover, +elected-leader, +switch-master,
 * +convert-to-slave, ...) onto the timeline, as the Sentinel saw it. It adds nothing to the report but those events.
 */
export class SentinelEvents implements Probe {
  readonly name = "sentinel-events";
  private subs: Redis[] = [];

  constructor(private readonly ctx: ProbeContext) {}

  async start(): Promise<void> {
    this.subs = await Promise.all(
      this.ctx.topology.sentinels.map(async (s) => {
        const sub = s.admin.duplicate();
        sub.on("error", () => {}); // a killed Sentinel: its events stop, the others go on
        sub.on("pmessage", (_pattern: string, channel: string, message: string) => {
          this.ctx.timeline.add("sentinel", { sentinel: s.name, channel, message });
        });
        await sub.psubscribe("*");
        return sub;
      }),
    );
  }

  rebase(): void {}

  async stop(): Promise<void> {
    for (const s of this.subs.splice(0)) s.disconnect();
  }

  contribute() {
    return {};
  }
}
