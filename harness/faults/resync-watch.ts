import { pollUntil } from "../infra/poll.js";
import type { RedisNode } from "../topology/redis-node.js";
import type { FaultContext } from "./types.js";

// What a master's replicas went through to catch up after their link was cut: a partial resync from the master's
// backlog (+CONTINUE), or a full one (+FULLRESYNC: a fork and the whole dataset sent), counted by the master itself.

/** The master's own counts and offset at one moment. */
interface MasterCounts {
  full: number;
  partial: number;
  partialRefused: number;
  forks: number;
  offset: number;
  backlogBytes: number;
}

export interface Resync {
  master: string;
  /** Resyncs the master served from the cut until every replica was in sync again (INFO stats: sync_full, sync_partial_ok, sync_partial_err). */
  full: number;
  partial: number;
  partialRefused: number;
  /** Forks the master made meanwhile (total_forks): a disk-based full sync forks once for all replicas waiting. */
  forks: number;
  /** Bytes of replication stream the master produced while the link was cut: what its backlog had to hold. */
  streamBytesDuringCut: number;
  /** Its repl-backlog-size. */
  backlogBytes: number;
  /** From the heal until every replica was in sync with the master's offset at the heal; null: not within the watch. */
  inSyncAfterHealMs: number | null;
}

async function countsOf(master: RedisNode): Promise<MasterCounts> {
  const [stats, repl] = await Promise.all([master.info("stats"), master.info("replication")]);
  const n = (m: Map<string, string>, k: string) => Number(m.get(k) ?? 0);
  return {
    full: n(stats, "sync_full"),
    partial: n(stats, "sync_partial_ok"),
    partialRefused: n(stats, "sync_partial_err"),
    forks: n(stats, "total_forks"),
    offset: n(repl, "master_repl_offset"),
    backlogBytes: n(repl, "repl_backlog_size"),
  };
}

/** A replica is in sync once its link is up, no sync is in progress and it has processed at least `offset`. */
async function inSync(replica: RedisNode, offset: number): Promise<boolean> {
  const r = await replica.info("replication");
  return r.get("master_link_status") === "up" && r.get("master_sync_in_progress") === "0" && Number(r.get("slave_repl_offset") ?? -1) >= offset;
}

/**
 * Watches a master's replicas through a cut of their link: `cut` before it (the master's counts), `healed` as it is
 * undone (the offset the replicas must reach), `after` until every replica is in sync, then what it took.
 */
export function resyncWatch(ctx: FaultContext, master: RedisNode, timeoutMs = 60_000) {
  let before: MasterCounts | undefined;
  let atHeal: { offset: number; ms: number } | undefined;
  return {
    cut: async () => void (before = await countsOf(master)),
    healed: async () => void (atHeal = { offset: (await countsOf(master)).offset, ms: ctx.clock() }),
    after: async (): Promise<Resync | undefined> => {
      if (!before || !atHeal) return undefined;
      const replicas = await ctx.topology.replicasOf(master);
      const done = await pollUntil(async () => ((await Promise.all(replicas.map((r) => inSync(r, atHeal!.offset)))).every(Boolean) ? ctx.clock() : undefined), {
        timeoutMs,
        intervalMs: 50,
        signal: ctx.signal,
      });
      const now = await countsOf(master);
      return {
        master: master.name,
        full: now.full - before.full,
        partial: now.partial - before.partial,
        partialRefused: now.partialRefused - before.partialRefused,
        forks: now.forks - before.forks,
        streamBytesDuringCut: atHeal.offset - before.offset,
        backlogBytes: before.backlogBytes,
        inSyncAfterHealMs: done.timedOut ? null : Math.round(done.value - atHeal.ms),
      };
    },
  };
}

export const resyncFacts = (r: Resync) => [
  { label: `resyncs ${r.master} served after the cut`, value: `${r.partial} partial, ${r.full} full (${r.partialRefused} partial refused)` },
  { label: "forks it made meanwhile", value: r.forks, unit: "count" as const },
  { label: "replication stream written while cut", value: r.streamBytesDuringCut, unit: "bytes" as const },
  { label: "its backlog (repl-backlog-size)", value: r.backlogBytes, unit: "bytes" as const },
  { label: "every replica in sync after the heal", value: r.inSyncAfterHealMs, unit: "ms" as const },
];
