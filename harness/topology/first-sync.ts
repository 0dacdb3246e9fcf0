import type { RedisNode } from "./redis-node.js";

const DELAY = "repl-diskless-sync-delay";

/**
 * A master waits repl-diskless-sync-delay (5 s by default since Redis 7.0) for more replicas before it forks for a
 * diskless full sync. At a fresh deployment's start, with nothing to send yet, that wait is the whole of its settling
 * time, paid by every scenario. The harness's own masters skip it while the deployment settles; the function returned
 * gives each the value it had back (its default or the scenario's), before anything is measured.
 */
export async function skipFirstSyncDelay(masters: RedisNode[]): Promise<() => Promise<void>> {
  const before = await Promise.all(
    masters.map(async (n) => {
      const [, value] = (await n.admin.call("CONFIG", "GET", DELAY)) as [string, string];
      await n.admin.call("CONFIG", "SET", DELAY, "0");
      return value;
    }),
  );
  return async () => {
    await Promise.all(masters.map((n, i) => n.admin.call("CONFIG", "SET", DELAY, before[i])));
  };
}
