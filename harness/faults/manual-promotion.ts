import { ReplicatedTopology } from "../topology/replicated.js";
import type { Fault, FaultContext, FaultRecord } from "./types.js";

const CATCH_UP_TIMEOUT_MS = 30_000;

/**
 * The manual promotion runbook of plain replication (no Sentinel), timed step by step:
 * stop writes, wait until the chosen replica has caught up, REPLICAOF NO ONE on it, repoint the other replicas and
 * the old master to it, repoint the clients, reopen writes. The fault phase spans the whole runbook.
 */
export class ManualPromotionFault implements Fault {
  readonly kind = "manual-promotion";

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const topology = ctx.topology;
    if (!(topology instanceof ReplicatedTopology)) throw new Error("manual promotion needs a replication topology");
    const requestedAtMs = ctx.clock();
    const record: FaultRecord = { kind: this.kind, requestedAtMs, tookEffectAtMs: null, healedAtMs: null, details: {} };
    const steps: Array<{ step: string; ms: number }> = [];
    let last = requestedAtMs;
    const step = (name: string, detail?: Record<string, unknown>) => {
      const now = ctx.clock();
      steps.push({ step: name, ms: Math.round((now - last) * 1000) / 1000 });
      ctx.timeline.add(`runbook-${name}`, detail, now);
      last = now;
    };
    const old = await topology.primary();
    const promoted = topology.nodes.find((n) => n !== old)!;
    try {
      record.tookEffectAtMs = ctx.clock();
      ctx.phases.markFaultStart(record.tookEffectAtMs);
      ctx.pool.writesOpen = false;
      // New writes are refused at the client; the ones already on their way are held by the old master itself, so
      // none is acknowledged after the offset below is read (they fail with READONLY once it is a replica).
      await old.admin.call("CLIENT", "PAUSE", String(CATCH_UP_TIMEOUT_MS + 5000), "WRITE");
      step("writes-stopped");

      // Writes are stopped, so the master's offset no longer moves; the replica must reach it.
      const target = Number((await old.info("replication")).get("master_repl_offset"));
      const deadline = ctx.clock() + CATCH_UP_TIMEOUT_MS;
      let offset = -1;
      while (ctx.clock() < deadline) {
        offset = Number((await promoted.info("replication")).get("slave_repl_offset"));
        if (offset >= target) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      step("replica-caught-up", { node: promoted.name, offset, target });
      if (offset < target) throw new Error(`${promoted.name} did not catch up in ${CATCH_UP_TIMEOUT_MS} ms (${offset} of ${target})`);

      await promoted.admin.call("REPLICAOF", "NO", "ONE");
      step("replicaof-no-one", { node: promoted.name });

      const peer = topology.peerLinks.get(promoted.name)!;
      for (const n of topology.nodes) {
        if (n === promoted) continue;
        await n.admin.call("REPLICAOF", peer.innerHost, String(peer.innerPort));
      }
      await old.admin.call("CLIENT", "UNPAUSE");
      step("others-repointed", { master: promoted.name });

      topology.setPrimary(promoted);
      await ctx.pool.repoint();
      await ctx.readPool?.repoint();
      step("clients-repointed");
    } catch (err) {
      record.error = (err as Error).message;
    } finally {
      await old.admin.call("CLIENT", "UNPAUSE").catch(() => {});
      ctx.pool.writesOpen = true;
      record.healedAtMs = ctx.clock();
      if (record.tookEffectAtMs !== null) ctx.phases.markFaultEnd(record.healedAtMs);
      step("writes-reopened");
    }
    record.details = { oldPrimary: old.name, newPrimary: promoted.name, steps, totalMs: Math.round(record.healedAtMs - requestedAtMs) };
    return record;
  }
}
