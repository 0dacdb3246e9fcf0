import { pollUntil } from "../infra/poll.js";
import type { RedisNode } from "../topology/redis-node.js";
import { need } from "../topology/types.js";
import { REJOIN_WATCH_MS, syncedOrRefused, type Step } from "./roll-node.js";
import type { FaultContext } from "./types.js";

// How a master hands over to a replica in a roll, as each topology offers it, and how the old master is seen demoted.

/** A master and its replicas: one of them in replication and Sentinel, one per master in a cluster (slot 0's first). */
export interface Shard {
  master: RedisNode;
  replicas: RedisNode[];
}

export async function mastersWithReplicas(t: FaultContext["topology"]): Promise<Shard[]> {
  const first = await t.primary();
  const masters = [first];
  if (t.cluster) {
    for (const l of await t.cluster.clusterNodes()) {
      const n = l.flags.includes("master") && l.slots.length ? t.cluster.nodeAt(l.host, l.port) : undefined;
      if (n && !masters.includes(n)) masters.push(n);
    }
  }
  return Promise.all(masters.map(async (master) => ({ master, replicas: await t.replicasOf(master) })));
}

/** Polls until one of `replicas` says it is master now: a cluster shard's failover, seen from its own nodes. */
async function promotedAmong(ctx: FaultContext, replicas: RedisNode[], timeoutMs: number): Promise<RedisNode> {
  const r = await pollUntil(
    async () => {
      for (const n of replicas) if ((await n.info("replication").catch(() => undefined))?.get("role") === "master") return n;
      return undefined;
    },
    { timeoutMs, intervalMs: 20, signal: ctx.signal },
  );
  if (r.timedOut) throw new Error(`none of ${replicas.map((n) => n.name).join(", ")} was master within ${timeoutMs / 1000} s`);
  return r.value;
}

/** The master the topology names now, once it is not `old`. */
async function newPrimaryAfter(ctx: FaultContext, old: RedisNode, timeoutMs = 30_000): Promise<RedisNode> {
  const r = await pollUntil(
    async () => {
      const p = await ctx.topology.primary().catch(() => undefined);
      return p && p !== old ? p : undefined;
    },
    { timeoutMs, intervalMs: 50, signal: ctx.signal },
  );
  if (r.timedOut) throw new Error(`no other master was named within ${timeoutMs} ms of the failover`);
  return r.value;
}

/**
 * The handover the topology offers: Sentinel's own failover, or replication's FAILOVER with the other replicas and the
 * clients repointed. `paused`: the old master's writes held (CLIENT PAUSE WRITE) from before it, so none is
 * acknowledged by a master about to be demoted; the writes held fail once it is a replica (READONLY) and are not lost.
 */
export async function handOver(ctx: FaultContext, old: RedisNode, replicas: RedisNode[], paused: boolean, step: Step): Promise<RedisNode> {
  const t = ctx.topology;
  const fromMs = ctx.clock();
  if (t.cluster) {
    // CLUSTER FAILOVER is coordinated already: the master holds its clients until the replica has caught up.
    await replicas[0].admin.call("CLUSTER", "FAILOVER");
    const next = await promotedAmong(ctx, [replicas[0]], 30_000);
    step({ node: next.name, step: "failover", fromMs, toMs: ctx.clock() });
    return next;
  }
  if (paused) {
    await old.admin.call("CLIENT", "PAUSE", "60000", "WRITE");
    // Nothing more is acknowledged; whichever replica the topology promotes must hold what was.
    const target = Number((await old.info("replication")).get("master_repl_offset"));
    const caughtUp = await pollUntil(
      async () => {
        const offsets = await Promise.all(replicas.map(async (r) => Number((await r.info("replication")).get("slave_repl_offset"))));
        return offsets.every((o) => o >= target) ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 10, signal: ctx.signal },
    );
    if (caughtUp.timedOut) throw new Error(`the replicas did not reach the paused master's offset ${target} within 10 s`);
  }
  if (t.route.by === "sentinels") {
    await t.sentinels[0].admin.call("SENTINEL", "FAILOVER", t.route.masterName);
    const next = await newPrimaryAfter(ctx, old);
    if (paused) {
      // Sentinel would demote the old master itself, but its connection there is stuck behind a PUBLISH the pause
      // holds (measured: still a master 30 s later); the harness sends the REPLICAOF Sentinel would have.
      const to = t.announced.get(next.name)!;
      await old.admin.call("REPLICAOF", to.host, String(to.port));
    }
    step({ node: next.name, step: "failover", fromMs, toMs: ctx.clock() });
    return next;
  }
  const runbook = need(t.runbook, "runbook", t);
  // FAILOVER (6.2+): the master pauses writes, waits for the replica to catch up, and the two swap roles.
  const [next, ...others] = replicas;
  const to = t.announced.get(next.name)!;
  await old.admin.call("FAILOVER", "TO", to.host, String(to.port), "TIMEOUT", "10000");
  const r = await pollUntil(async () => ((await next.info("replication")).get("role") === "master" ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 20,
    signal: ctx.signal,
  });
  if (r.timedOut) throw new Error(`${next.name} was not master 30 s after FAILOVER`);
  runbook.setPrimary(next);
  await ctx.pool.repoint();
  await ctx.readPool?.repoint();
  step({ node: next.name, step: "failover", fromMs, toMs: ctx.clock() });
  // FAILOVER moves the old master under the new one; the other replicas still follow the old master until told.
  const repointFrom = ctx.clock();
  for (const o of others) await o.admin.call("REPLICAOF", to.host, String(to.port));
  if (others.length) step({ node: others.map((o) => o.name).join(", "), step: "repointed", fromMs: repointFrom, toMs: ctx.clock() });
  return next;
}

/** SIGKILL the master and wait for the topology's own failover. */
export async function killOver(ctx: FaultContext, old: RedisNode, replicas: RedisNode[], step: Step): Promise<RedisNode> {
  const fromMs = ctx.clock();
  await old.control.kill("SIGKILL");
  // Sentinel names the new master; a cluster shard's replica says it is one.
  const next = ctx.topology.cluster ? await promotedAmong(ctx, replicas, 60_000) : await newPrimaryAfter(ctx, old, 60_000);
  step({ node: next.name, step: "failover", fromMs, toMs: ctx.clock() });
  return next;
}

/**
 * After a handover, the old master (on the old image still) is made a replica of the new one. Whether it can follow
 * it before its own upgrade is a finding, not a condition: a partial resync needs nothing the old version cannot read,
 * a full one sends the new version's RDB. Watched until it is in sync, or the server says why not, or a few seconds
 * pass; it is rolled next either way.
 */
export async function demoted(ctx: FaultContext, node: RedisNode, step: Step): Promise<void> {
  const fromMs = ctx.clock();
  const r = await pollUntil(async () => ((await node.info("replication")).get("role") === "slave" ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 50,
    signal: ctx.signal,
  });
  if (r.timedOut) throw new Error(`${node.name} was still a master 30 s after the failover`);
  const w = await syncedOrRefused(ctx, node, REJOIN_WATCH_MS, fromMs);
  const kind = w === true ? "rejoined" : w ? "sync-refused" : "demoted";
  step({ node: node.name, step: kind, fromMs, toMs: ctx.clock(), ...(typeof w === "string" ? { serverSaid: w } : {}) });
}
