import { pollUntil, sleep } from "../infra/poll.js";
import type { RedisNode } from "../topology/redis-node.js";
import type { FaultContext, FaultRecord } from "./types.js";

/** The record while the fault runs: steps add what they measure to `details`, and `fail` an outcome that went wrong. */
export interface LiveRecord<D extends object> {
  readonly details: Partial<D>;
  /** The fault ran, and ended badly (a BGSAVE that failed, a replica that was not promoted). */
  fail(message: string): void;
}

export interface FaultSteps<D extends object> {
  /**
   * Injects the fault; resolves once it has taken effect, with the nodes it hit and, when known better than the
   * defaults, the moment the harness sent the action that causes it (default: when inject was called; a fault that
   * reads or configures first says when its own action left) and the moment the harness saw it act (default: when
   * inject returned).
   */
  inject(rec: LiveRecord<D>): Promise<{ nodes: string[]; sentAtMs?: number; observedAtMs?: number }>;
  /**
   * Resolves when the fault is over: it undid it (after holding it), or saw it end (a save finishing). Also called when
   * `inject` failed half-way (`injected` false), to undo what did happen.
   */
  heal(rec: LiveRecord<D>, injected: boolean): Promise<void>;
  /** Watches what follows the heal (the old master rejoining as a replica), without holding the fault phase open. */
  after?(rec: LiveRecord<D>): Promise<void>;
}

/**
 * The one lifecycle of every fault: inject, heal, record. The fault phase runs from the moment the harness *sent* the
 * fault to the moment it healed: a server stops answering when the kill or the pause reaches it, and the harness hears
 * of it later (a SIGKILL's socket close came 160 ms after the kill with 1 GiB resident; Toxiproxy's API answers after
 * the toxic is in force), so an operation intended after the send belongs to the fault, never to the baseline; RTO
 * and RPO count from the send too. When the harness saw it act is kept beside it (observedAtMs), the gap a fact of
 * the report. Both ends go on the timeline (fault-injected, fault-healed) and the phase clock; an error in any step is
 * recorded (fault-error) and the heal still runs, so a run never leaves a fault behind.
 */
export async function runFault<K extends string, D extends object>(ctx: FaultContext, kind: K, steps: FaultSteps<D>): Promise<FaultRecord<K, D>> {
  const rec: FaultRecord<K, D> = { kind, requestedAtMs: ctx.clock(), sentAtMs: null, observedAtMs: null, healedAtMs: null, details: {} };
  ctx.onStart?.(rec);
  const problem = (message: string) => {
    rec.error = rec.error ? `${rec.error}; ${message}` : message;
    ctx.timeline.add("fault-error", { fault: kind, error: message });
  };
  const live: LiveRecord<D> = { details: rec.details, fail: problem };
  let injected = false;
  try {
    const calledAtMs = ctx.clock();
    const { nodes, sentAtMs, observedAtMs } = await steps.inject(live);
    rec.sentAtMs = sentAtMs ?? calledAtMs;
    rec.observedAtMs = Math.max(rec.sentAtMs, observedAtMs ?? ctx.clock());
    injected = true;
    ctx.phases.markFaultStart(rec.sentAtMs);
    ctx.timeline.add("fault-injected", { fault: kind, nodes, observedAfterMs: Math.round((rec.observedAtMs - rec.sentAtMs) * 1000) / 1000 }, rec.sentAtMs);
  } catch (err) {
    problem((err as Error).message);
  }
  try {
    await steps.heal(live, injected);
    rec.healedAtMs = ctx.clock();
    if (injected) {
      ctx.phases.markFaultEnd(rec.healedAtMs);
      ctx.timeline.add("fault-healed", { fault: kind }, rec.healedAtMs);
    }
  } catch (err) {
    problem(`heal failed: ${(err as Error).message}`);
    return rec;
  }
  if (injected && steps.after && !ctx.signal.aborted) await steps.after(live).catch((err: Error) => problem(err.message));
  return rec;
}

/** Heal of a fault that holds for `forMs` and is then undone (or at once on Ctrl-C). */
export function heldFor(forMs: number, signal: AbortSignal, undo: () => Promise<void>): FaultSteps<object>["heal"] {
  return async (_rec, injected) => {
    if (injected) await sleep(forMs, signal);
    await undo();
  };
}

/** Runs every undo step even if some fail, then reports the failures together: a heal must not stop half-way. */
export async function undoAll(steps: Array<() => Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(steps.map((s) => s()));
  const failed = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
  if (failed.length) throw new Error(failed.join("; "));
}

/** What watchRejoin measured. */
export interface Rejoin {
  /** After the heal, how long until the node was a replica with its link up; null: it was not within the timeout. */
  rejoinedAsReplicaAfterHealMs: number | null;
  /** Its role when the watch gave up. */
  roleAfterHeal?: string;
  /** Keys it held when last seen as a master after the heal (watched where asked). */
  keysWhileMaster?: number;
}

/**
 * After a heal, how long until `node` is a replica with its link up: the old master must come back as a replica. With
 * `keysWhileMaster`, also how many keys it held while it still answered as a master: a restarted master comes back
 * with only what it saved (nothing, with the default config), so these are the writes it took before its demotion.
 */
export async function watchRejoin(ctx: FaultContext, node: RedisNode, timeoutMs = 30_000, keysWhileMaster = false): Promise<Rejoin> {
  const from = ctx.clock();
  let keys: number | undefined;
  const r = await pollUntil(
    async () => {
      const info = await node.info("replication");
      if (keysWhileMaster && info.get("role") === "master") keys = Number(await node.admin.call("DBSIZE"));
      return info.get("role") === "slave" && info.get("master_link_status") === "up" ? ctx.clock() : undefined;
    },
    { timeoutMs, intervalMs: 100, signal: ctx.signal },
  );
  const taken = keysWhileMaster ? { keysWhileMaster: keys ?? 0 } : {};
  if (!r.timedOut) {
    ctx.timeline.add("rejoined-as-replica", { node: node.name }, r.value);
    return { rejoinedAsReplicaAfterHealMs: Math.round(r.value - from), ...taken };
  }
  const role = (await node.info("replication").catch(() => undefined))?.get("role") ?? "unreachable";
  return { rejoinedAsReplicaAfterHealMs: null, roleAfterHeal: role, ...taken };
}

/**
 * `after` for a fault on the primary of a topology that fails over on its own: watch the old primary come back as a
 * replica. Nothing to watch otherwise.
 */
export function rejoinWatch<D extends Rejoin>(ctx: FaultContext, target: string, node: RedisNode, keysWhileMaster = false): FaultSteps<D>["after"] {
  if (target !== "primary" || !ctx.topology.capabilities.has("autoFailover")) return undefined;
  return async (rec) => void Object.assign(rec.details, await watchRejoin(ctx, node, 30_000, keysWhileMaster));
}

export const rejoinFacts = (d: Partial<Rejoin>) => [
  { label: "old primary rejoined as a replica after the heal", value: d.rejoinedAsReplicaAfterHealMs, unit: "ms" as const },
  ...(d.roleAfterHeal !== undefined ? [{ label: "its role when the watch gave up", value: d.roleAfterHeal }] : []),
  ...(d.keysWhileMaster !== undefined ? [{ label: "keys it held as a master before its demotion", value: d.keysWhileMaster, unit: "count" as const }] : []),
];
