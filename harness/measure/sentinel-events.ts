import type { RedisNode } from "../topology/redis-node.js";
import type { Timeline } from "./timeline.js";

/**
 * Every event each Sentinel publishes (+sdown, +odown, +try-failover, +elected-leader, +switch-master,
 * +convert-to-slave, ...) onto the timeline, as the Sentinel saw it. Returns a function that unsubscribes.
 */
export async function followSentinelEvents(sentinels: RedisNode[], timeline: Timeline): Promise<() => void> {
  const subs = await Promise.all(
    sentinels.map(async (s) => {
      const sub = s.admin.duplicate();
      sub.on("error", () => {}); // a killed Sentinel: its events stop, the others go on
      sub.on("pmessage", (_pattern: string, channel: string, message: string) => {
        timeline.add(channel, { sentinel: s.name, message });
      });
      await sub.psubscribe("*");
      return sub;
    }),
  );
  return () => subs.forEach((s) => s.disconnect());
}
