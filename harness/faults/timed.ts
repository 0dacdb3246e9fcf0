import type { RedisNode } from "../topology/redis-node.js";
import type { Topology } from "../topology/types.js";
import type { FaultContext, FaultRecord } from "./types.js";

export type Target = "primary" | "replica" | "sentinel";

/** Topologies whose promoted replica takes over on its own, so the old primary must come back as a replica. */
export const failsOver = (kind: string) => kind === "sentinel" || kind === "cluster";

/** The node a fault hits, resolved when it is injected: after a failover "primary" is another node. */
export async function resolveTarget(topology: Topology, target: Target): Promise<RedisNode> {
  if (target === "sentinel") {
    const s = topology.sentinels[0];
    if (!s) throw new Error("this topology has no Sentinel");
    return s;
  }
  const primary = await topology.primary();
  if (target === "primary") return primary;
  const [replica] = await topology.replicasOf(primary);
  if (!replica) throw new Error(`${primary.name} has no replica`);
  return replica;
}

/** Runs every undo step even if some fail, then reports the failures together: a heal must not stop half-way. */
export async function undoAll(steps: Array<() => Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(steps.map((s) => s()));
  const failed = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
  if (failed.length) throw new Error(failed.join("; "));
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

/** What `inject` returns: details for the report, and when the fault really took effect if known better than "now". */
export type Injected = Record<string, unknown> & { tookEffectAtMs?: number };

/**
 * The shape of most faults: inject, hold for `forMs`, heal; the fault phase runs from the moment the fault took effect
 * (when `inject` returned, unless it knows better) to the moment `heal` returned. On an abort the fault is healed at once: a run never leaves
 * a fault behind. `afterHeal` may watch what follows (e.g. the old master rejoining as a replica) without holding the
 * phase open.
 */
export async function timedFault(
  ctx: FaultContext,
  kind: string,
  forMs: number,
  inject: () => Promise<Injected>,
  heal: () => Promise<Record<string, unknown>>,
  afterHeal?: () => Promise<Record<string, unknown>>,
): Promise<FaultRecord> {
  const requestedAtMs = ctx.clock();
  const record: FaultRecord = { kind, requestedAtMs, tookEffectAtMs: null, healedAtMs: null, details: {} };
  try {
    const { tookEffectAtMs, ...details } = await inject();
    Object.assign(record.details, details);
    record.tookEffectAtMs = tookEffectAtMs ?? ctx.clock();
    ctx.phases.markFaultStart(record.tookEffectAtMs);
    ctx.timeline.add("fault-injected", { fault: kind, ...record.details }, record.tookEffectAtMs);
    await sleep(forMs, ctx.signal);
  } catch (err) {
    record.error = (err as Error).message;
    ctx.timeline.add("fault-error", { fault: kind, error: record.error });
  }
  try {
    const healed = await heal();
    record.healedAtMs = ctx.clock();
    if (record.tookEffectAtMs !== null) ctx.phases.markFaultEnd(record.healedAtMs);
    Object.assign(record.details, healed);
    ctx.timeline.add("fault-healed", { fault: kind, ...healed }, record.healedAtMs);
    if (afterHeal && !ctx.signal.aborted) Object.assign(record.details, await afterHeal());
  } catch (err) {
    record.error = `${record.error ? `${record.error}; ` : ""}heal failed: ${(err as Error).message}`;
    ctx.timeline.add("fault-error", { fault: kind, error: record.error });
  }
  return record;
}

/**
 * After a heal, how long until `node` is a replica with its link up: the old master must come back as a replica
 * (Sentinel reconfigures it); a node still master after `timeoutMs` is reported as such.
 */
export async function watchRejoin(ctx: FaultContext, node: RedisNode, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const from = ctx.clock();
  while (ctx.clock() - from < timeoutMs && !ctx.signal.aborted) {
    const info = await node.info("replication").catch(() => undefined);
    if (info?.get("role") === "slave" && info.get("master_link_status") === "up") {
      const t = ctx.clock();
      ctx.timeline.add("rejoined-as-replica", { node: node.name }, t);
      return { rejoinedAsReplicaAfterHealMs: Math.round(t - from) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const role = (await node.info("replication").catch(() => undefined))?.get("role") ?? "unreachable";
  return { rejoinedAsReplicaAfterHealMs: null, roleAfterHeal: role };
}
