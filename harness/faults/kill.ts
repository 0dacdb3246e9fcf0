import { z } from "zod";
import { pollUntil, sleep } from "../infra/poll.js";
import { eventsOf } from "../measure/timeline.js";
import type { RedisNode } from "../topology/redis-node.js";
import { rejoinFacts, rejoinWatch, runFault, type Rejoin } from "./lifecycle.js";
import { held, NODE_TARGETS, resolveTarget, targetRequires } from "./targets.js";
import { defineFault, type FaultContext } from "./types.js";

export interface KillDetails extends Rejoin {
  nodes: string[];
  target: string;
  /** The engine answers the kill only once it has seen the container stop: well after the process died. */
  engineAnsweredAfterMs: number;
  restarted: string[];
  /** startOn: the Sentinel event the start waited for and when it came after the kill (null: it did not, within `for`). */
  startedOn?: { channel: string; afterKillMs: number | null };
}

/**
 * SIGKILL a node (no shutdown, no last write to disk), then start its container again after `for`. Target "shard"
 * (Cluster) kills the primary and all its replicas: its slots lose coverage.
 */
export const kill = defineFault({
  kind: "kill",
  description: "SIGKILL a node (or a whole cluster shard), started again after a while",
  doc: "SIGKILL, then start the container(s) again",
  schema: z
    .object({
      kind: z.literal("kill"),
      /** shard (Cluster): the primary and all its replicas, so its slots lose coverage. */
      target: z.enum([...NODE_TARGETS, "shard"]).default("primary"),
      ...held,
      /**
       * Start the node again as soon as a Sentinel publishes this event (at the latest after `for`): a supervisor racing
       * Sentinel. "+odown": the failover has begun, and the restarted master is still the one Sentinel names until the
       * switch; it is demoted (and erased by a full sync) only once Sentinel sees it again.
       */
      startOn: z.enum(["+sdown", "+odown", "+try-failover", "+switch-master"]).optional(),
    })
    .strict(),
  requires: (s) => [
    { capability: "processes", field: "kind", message: "node processes to kill and start again" },
    ...(s.target === "shard"
      ? [{ capability: "slots", field: "target", message: "shards, each a master with its replicas" } as const]
      : targetRequires(s.target)),
    ...(s.startOn ? [{ capability: "sentinels", field: "startOn", message: "Sentinels whose events the start waits for" } as const] : []),
  ],
  // A killed master stops acknowledging at once. Where nothing is promoted behind it, what is lost is what its
  // persistence had not kept when it died; where a replica is promoted, the outage is the failover's RTO.
  shows: {
    rpo: {
      failover: ["none", "manual"],
      when: (f) => f.target === "primary",
      alone: false,
      what: "a kill of the master (no automatic failover: it restarts from its persistence)",
      example: { kind: "kill", target: "primary", at: "6s", for: "5s" },
    },
    rto: {
      failover: ["automatic"],
      when: (f) => f.target === "primary",
      alone: true,
      what: "a kill of the master (an automatic failover)",
      example: { kind: "kill", target: "primary", at: "8s", for: "10s" },
    },
  },
  steps: (s) => [
    { at: "inject", does: "sigkill", target: s.target },
    { at: "heal", does: "start", target: s.target },
  ],
  run: async (spec, ctx) => {
    const first = await resolveTarget(ctx.topology, spec.target === "shard" ? "primary" : spec.target);
    const victims: RedisNode[] = spec.target === "shard" ? [first, ...(await ctx.topology.replicasOf(first))] : [first];
    let killedAtMs = 0;
    return runFault<"kill", KillDetails>(ctx, "kill", {
      inject: async (rec) => {
        // The process dies when the kill reaches it (the fault's start is the send). The harness sees it in the admin
        // connection's close, later still with a large heap (the kernel tears the memory down first), and the engine
        // answers only once it has seen the container stop (~200 ms here).
        let onClose = () => {};
        const closed = new Promise<number>((resolve) => first.admin.once("close", (onClose = () => resolve(ctx.clock()))));
        const sentAtMs = (killedAtMs = ctx.clock());
        await Promise.all(victims.map((v) => v.control.kill("SIGKILL")));
        const returnedAtMs = ctx.clock();
        const observedAtMs = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(returnedAtMs), 1000))]);
        first.admin.off("close", onClose);
        Object.assign(rec.details, { nodes: victims.map((v) => v.name), target: spec.target, engineAnsweredAfterMs: Math.round(returnedAtMs - sentAtMs) });
        return { nodes: victims.map((v) => v.name), sentAtMs, observedAtMs };
      },
      heal: async (rec, injected) => {
        if (injected && spec.startOn) rec.details.startedOn = await sentinelSays(ctx, spec.startOn, killedAtMs, spec.for * 1000);
        else if (injected) await sleep(spec.for * 1000, ctx.signal);
        for (const v of victims) await v.control.start();
      },
      // Started on a Sentinel event, it may take writes as a master before Sentinel demotes it: counted.
      after: rejoinWatch(ctx, spec.target, first, spec.startOn !== undefined),
    });
  },
  facts: (d) => [
    { label: "nodes killed", value: d.nodes?.join(", ") },
    { label: "target", value: d.target },
    { label: "the kill's command answered after", value: d.engineAnsweredAfterMs, unit: "ms" },
    ...(d.startedOn
      ? [
          {
            label: `started again on a Sentinel's ${d.startedOn.channel}`,
            value: d.startedOn.afterKillMs === null ? "it never came: started after `for`" : `${d.startedOn.afterKillMs} ms after the kill`,
          },
        ]
      : []),
    ...(d.rejoinedAsReplicaAfterHealMs !== undefined ? rejoinFacts(d) : []),
  ],
});

/** Waits until a Sentinel has published `channel` since `sinceMs` (the run clock), at most `forMs`: when it did, after `sinceMs`. */
async function sentinelSays(ctx: FaultContext, channel: string, sinceMs: number, forMs: number): Promise<{ channel: string; afterKillMs: number | null }> {
  const said = () => eventsOf(ctx.timeline.events, "sentinel").find((e) => e.detail.channel === channel && e.tMs >= sinceMs);
  const r = await pollUntil(async () => said(), { timeoutMs: Math.max(0, sinceMs + forMs - ctx.clock()), intervalMs: 10, signal: ctx.signal });
  return { channel, afterKillMs: r.timedOut ? null : Math.round(r.value.tMs - sinceMs) };
}
