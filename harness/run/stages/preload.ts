import { preloadDataset } from "../../workload/dataset.js";
import type { RunContext } from "../context.js";

/** The scenario's dataset, loaded on the primary on the server side (DEBUG POPULATE), with progress. */
export async function preload(ctx: RunContext): Promise<void> {
  const { size, valueBytes } = ctx.scenario.dataset;
  if (size === 0) return;
  const primary = await ctx.deployment.primary();
  ctx.progress.step(`loading dataset: ${size} bytes in ${valueBytes}-byte values (DEBUG POPULATE)`);
  const { keys } = await preloadDataset(primary.admin, size, valueBytes, ctx.signal, (done, total) =>
    ctx.progress.step(`dataset ${Math.round((100 * done) / total)}% (${done}/${total} keys)`),
  );
  const usedMemoryBytes = (await primary.infoNumber("memory", "used_memory")) ?? null;
  ctx.dataset = { keys, usedMemoryBytes };
  ctx.timeline.add("dataset-loaded", { keys, usedMemoryBytes });
}
