import { z } from "zod";
import { pollUntil } from "../infra/poll.js";
import { need } from "../topology/types.js";
import { runFault } from "./lifecycle.js";
import { at } from "./targets.js";
import { defineFault } from "./types.js";

const CATCH_UP_TIMEOUT_MS = 30_000;

export interface ManualPromotionDetails {
  oldPrimary: string;
  newPrimary: string;
  steps: Array<{ step: string; ms: number }>;
  totalMs: number;
}

/**
 * The manual promotion runbook of plain replication (no Sentinel), timed step by step:
 * stop writes, wait until the chosen replica has caught up, REPLICAOF NO ONE on it, repoint the other replicas and
 * the old master to it, repoint the clients, reopen writes. The fault phase spans the whole runbook.
 */
export const manualPromotion = defineFault({
  kind: "manual-promotion",
  description: "the manual promotion runbook of plain replication, timed step by step",
  doc: "the runbook: stop writes, wait for the replica to catch up, `REPLICAOF NO ONE`, repoint the others and the clients, reopen writes; each step timed",
  schema: z.object({ kind: z.literal("manual-promotion"), ...at }).strict(),
  requires: () => [
    {
      capability: "runbook",
      field: "kind",
      message: "a primary the harness itself decides (manual promotion is the runbook of replication without automatic failover)",
    },
  ],
  shows: {
    rto: { failover: ["manual"], when: () => true, alone: true, what: "a replica promoted by the runbook", example: { kind: "manual-promotion", at: "6s" } },
  },
  run: async (_spec, ctx) => {
    const runbook = need(ctx.topology.runbook, "runbook", ctx.topology);
    const old = await ctx.topology.primary();
    const promoted = ctx.topology.nodes.find((n) => n !== old)!;
    const steps: ManualPromotionDetails["steps"] = [];
    let last = ctx.clock();
    const step = (name: string, node?: string) => {
      const now = ctx.clock();
      steps.push({ step: name, ms: Math.round((now - last) * 1000) / 1000 });
      ctx.timeline.add("fault-step", { fault: "manual-promotion", step: name, ...(node ? { node } : {}) }, now);
      last = now;
    };
    const reopen = async () => {
      await old.admin.call("CLIENT", "UNPAUSE").catch(() => {});
      ctx.pool.writesOpen = true;
    };
    const record = await runFault<"manual-promotion", ManualPromotionDetails>(ctx, "manual-promotion", {
      inject: async (rec) => {
        Object.assign(rec.details, { oldPrimary: old.name, newPrimary: promoted.name, steps });
        // The runbook is in force from the moment the clients stop writing.
        const stoppedAtMs = (last = ctx.clock());
        ctx.pool.writesOpen = false;
        // New writes are refused at the client; the ones already on their way are held by the old master itself, so
        // none is acknowledged after the offset below is read (they fail with READONLY once it is a replica).
        await old.admin.call("CLIENT", "PAUSE", String(CATCH_UP_TIMEOUT_MS + 5000), "WRITE");
        step("writes-stopped", old.name);
        return { nodes: [old.name, promoted.name], sentAtMs: stoppedAtMs };
      },
      heal: async (rec, injected) => {
        try {
          if (!injected) return;
          // Writes are stopped, so the master's offset no longer moves; the replica must reach it.
          const target = Number((await old.info("replication")).get("master_repl_offset"));
          const caughtUp = await pollUntil(async () => (Number((await promoted.info("replication")).get("slave_repl_offset")) >= target ? true : undefined), {
            timeoutMs: CATCH_UP_TIMEOUT_MS,
            intervalMs: 10,
          });
          step("replica-caught-up", promoted.name);
          if (caughtUp.timedOut) throw new Error(`${promoted.name} did not catch up to offset ${target} in ${CATCH_UP_TIMEOUT_MS} ms`);
          await promoted.admin.call("REPLICAOF", "NO", "ONE");
          step("replicaof-no-one", promoted.name);
          const peer = ctx.topology.peerLinks.get(promoted.name)!;
          for (const n of ctx.topology.nodes) if (n !== promoted) await n.admin.call("REPLICAOF", peer.innerHost, String(peer.innerPort));
          await old.admin.call("CLIENT", "UNPAUSE");
          step("others-repointed", promoted.name);
          runbook.setPrimary(promoted);
          await ctx.pool.repoint();
          await ctx.readPool?.repoint();
          step("clients-repointed");
        } catch (err) {
          // The runbook went wrong; writes reopen all the same, so the fault is over (badly), not left open.
          rec.fail((err as Error).message);
        } finally {
          await reopen();
          if (injected) step("writes-reopened");
        }
      },
    });
    if (record.healedAtMs !== null) record.details.totalMs = Math.round(record.healedAtMs - record.requestedAtMs);
    return record;
  },
  facts: (d) => [
    { label: "old primary", value: d.oldPrimary },
    { label: "new primary", value: d.newPrimary },
    ...(d.steps ?? []).map((s) => ({ label: `step ${s.step}`, value: s.ms, unit: "ms" as const })),
    { label: "whole runbook", value: d.totalMs, unit: "ms" },
  ],
});
