import { hostMemory } from "../../infra/environment.js";
import { formatBytes } from "../../infra/units.js";
import { memoryFloor } from "../../measure/host-memory.js";
import { bytesPerKey } from "../../scenario/resource-guard.js";
import type { RedisNode } from "../../topology/redis-node.js";
import { preloadDataset } from "../../workload/dataset.js";
import type { RunContext } from "../context.js";

/** A chunk is loaded only while the server stays under this share of its container's limit. */
const LIMIT_SHARE = 0.9;

/**
 * The scenario's dataset, loaded on the server side (DEBUG POPULATE), in chunks, with progress: on the primary, then the
 * same on each of its replicas. DEBUG POPULATE is not replicated, so a replica would otherwise hold only what the load
 * wrote (a replica's save, a failover, a full sync would then all be of a different dataset); the same command gives
 * the same keys and values on every node.
 */
export async function preload(ctx: RunContext): Promise<void> {
  const { size, valueBytes } = ctx.scenario.dataset;
  if (size === 0) return;
  const primary = await ctx.deployment.primary();
  const replicas = await ctx.deployment.replicasOf(primary);
  let keys = 0;
  for (const node of [primary, ...replicas]) {
    ctx.progress.step(`loading dataset on ${node.name}: ${size} bytes in ${valueBytes}-byte values (DEBUG POPULATE)`);
    ({ keys } = await preloadDataset(
      node.admin,
      size,
      valueBytes,
      ctx.signal,
      (done, total) => ctx.progress.step(`dataset on ${node.name} ${Math.round((100 * done) / total)}% (${done}/${total} keys)`),
      (n) => roomFor(ctx, node, n * bytesPerKey(valueBytes)),
    ));
  }
  const usedMemoryBytes = (await primary.infoNumber("memory", "used_memory")) ?? null;
  ctx.dataset = { keys, usedMemoryBytes };
  ctx.timeline.add("dataset-loaded", { keys, usedMemoryBytes });
}

/**
 * Why the next chunk (about `bytes`) must not be loaded, or null: it would take the server past LIMIT_SHARE of its
 * container's limit (an OOM kill while loading measures nothing), or the host below its memory floor.
 */
async function roomFor(ctx: RunContext, primary: RedisNode, bytes: number): Promise<string | null> {
  const rss = (await primary.infoNumber("memory", "used_memory_rss")) ?? 0;
  const limit = ctx.limits.dataNodeBytes;
  if (rss + bytes > limit * LIMIT_SHARE)
    return `${primary.name} holds ${formatBytes(rss)} and the next chunk (~${formatBytes(bytes)}) would take it past ${LIMIT_SHARE * 100}% of its ${formatBytes(limit)} memory limit`;
  const host = hostMemory();
  const floor = host ? memoryFloor(ctx.options.settings.memoryFloorBytes, host.totalBytes) : 0;
  if (host && host.availableBytes - bytes < floor)
    return `the host has ${formatBytes(host.availableBytes)} available, and the next chunk (~${formatBytes(bytes)}) would take it below its floor of ${formatBytes(floor)}`;
  return null;
}
