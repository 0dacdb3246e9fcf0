import { exportHistory } from "../../report/history-export.js";
import { workloadDefinition } from "../../workload/registry.js";
import type { RunContext } from "../context.js";

/** How long the topology may take to settle after the load before the read-back goes ahead anyway. */
const CONVERGE_TIMEOUT_MS = 60_000;
/** Keys read back per request to the deployment. */
const READ_BACK_BLOCK = 50_000;

/**
 * Workloads that keep a write ledger: wait until the topology has converged, then read every write back on the nodes themselves. A write
 * is lost only if absent once the topology has converged; before that a read-back proves nothing, and none is made.
 */
export async function convergeAndReadBack(ctx: RunContext): Promise<void> {
  if (!workloadDefinition(ctx.scenario.workload.keys).keeps.writeLedger || ctx.signal.aborted) return;
  ctx.progress.step("waiting for the topology to converge, then reading every write back");
  const c = await ctx.deployment.converge(CONVERGE_TIMEOUT_MS);
  ctx.convergence = c;
  ctx.timeline.add("converged", { converged: c.converged, tookMs: c.tookMs, primary: c.primary, ...(c.note ? { note: c.note } : {}) });
  if (!c.converged) {
    ctx.problems.push(`the topology did not converge in ${CONVERGE_TIMEOUT_MS / 1000}s after the load: ${c.note}`);
    return;
  }
  const { ledger, verifier } = ctx;
  if (verifier) {
    const present = await verifier.finish();
    ctx.readBack = { present, values: [] };
    const { verified, failedReads, failedRemovals, lastError } = verifier.stats;
    ctx.timeline.add("read-back", {
      writes: ledger.size,
      present: present.reduce((a, b) => a + (b > 0 ? 1 : 0), 0),
      verifiedDuringLoad: verified,
      ...(failedReads || failedRemovals ? { failedReads, failedRemovals, lastError } : {}),
    });
    return;
  }
  // In blocks: a soak's millions of keys and values are never all in memory at once (the values are kept for --export only).
  const present = new Uint8Array(ledger.size);
  const kept: Array<string | null> = [];
  for (let from = 0; from < ledger.size; from += READ_BACK_BLOCK) {
    const to = Math.min(ledger.size, from + READ_BACK_BLOCK);
    const values = await ctx.deployment.readKeys(Array.from({ length: to - from }, (_, i) => ledger.key(from + i)));
    for (let i = 0; i < values.length; i++) present[from + i] = Math.min(255, ledger.timesApplied(from + i, values[i]));
    if (ctx.options.exportHistory) for (const v of values) kept.push(v);
  }
  ctx.readBack = { present, values: kept };
  ctx.timeline.add("read-back", { writes: ledger.size, present: present.reduce((a, b) => a + (b > 0 ? 1 : 0), 0) });
}

/** --export: the raw history beside the report, so anyone can recheck the verdict without the harness. */
export async function exportRawHistory(ctx: RunContext): Promise<{ history: string; readback: string } | undefined> {
  // (Reused keys were read and removed as the load went: `run --export` refuses them.)
  if (!ctx.options.exportHistory || !ctx.readBack || ctx.verifier) return undefined;
  return exportHistory(ctx.dir, ctx.ledger, ctx.readBack.values);
}
