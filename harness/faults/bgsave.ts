import { z } from "zod";
import { pollUntil } from "../infra/poll.js";
import { infoNumber, parseInfo } from "../topology/info.js";
import { runFault } from "./lifecycle.js";
import { at, dataTarget, resolveTarget, targetRequires } from "./targets.js";
import { defineFault } from "./types.js";

const POLL_MS = 20;
/** Docker's oom event trails the kill by a moment: how long a failed save waits to hear whether it was one. */
const OOM_EVENT_GRACE_MS = 3000;
/** A save of the largest dataset a host here can hold is done well within this. */
const SAVE_TIMEOUT_MS = 30 * 60_000;
/** A save writes at least this fast (an assumed slow disk): how long the parent keeps copying pages for the child. */
const SAVE_BYTES_PER_S = 100 * 2 ** 20;
/** A write dirties at most this much of the forked parent's memory (two 4 KiB pages). */
const COW_BYTES_PER_WRITE = 8 * 1024;

/** What the save is: an RDB snapshot (BGSAVE), or the AOF rewritten (BGREWRITEAOF). Both fork; INFO names them apart. */
const SAVES = {
  rdb: { command: "BGSAVE", inProgress: "rdb_bgsave_in_progress", cow: "rdb_last_cow_size", status: "rdb_last_bgsave_status" },
  aof: { command: "BGREWRITEAOF", inProgress: "aof_rewrite_in_progress", cow: "aof_last_cow_size", status: "aof_last_bgrewrite_status" },
} as const;

export interface BgsaveDetails {
  node: string;
  /** rdb: BGSAVE; aof: BGREWRITEAOF. Absent in reports written before the AOF rewrite was measured (rdb). */
  persistence?: "rdb" | "aof";
  forkUs: number;
  copyOnWriteBytes: number;
  usedMemoryBytes: number;
  usedMemoryPeakBytes: number;
  usedMemoryRssBytes: number;
  keys: number;
  /** Keys when the save ended: the dataset survived the save (or did not: a server killed and restarted empty). */
  keysAfter: number;
  bgsaveStatus: string;
  /** When the save command was sent, on the run clock, and how long until the harness saw it done. */
  sentAtMs: number;
  bgsaveObservedMs: number;
  forksBefore: number;
  forksAfter: number;
  /** The kernel's OOM killer acted in the node's container during the save: its copy-on-write hit the limit. */
  oomKilled: boolean;
  /** rdb-key-save-delay the child ran with (µs per key); absent when 0. */
  keySaveDelayUs?: number;
}

/** keys in db0 from the keyspace section ("db0:keys=1000,expires=0,avg_ttl=0"). */
function keyCount(info: Map<string, string>): number {
  const m = /keys=(\d+)/.exec(info.get("db0") ?? "");
  return m ? Number(m[1]) : 0;
}

/**
 * BGSAVE (or BGREWRITEAOF, persistence "aof") on the primary, or on a replica (the backup taken where the clients are
 * not, the seed's "slave-based backups"): Redis forks, and the fork itself stalls the server for a time that grows with the dataset
 * (page tables are copied); then copy-on-write costs memory while clients keep writing. The fault takes effect when
 * BGSAVE is sent (the fork happens inside that command) and heals when the harness sees the save finished.
 */
export const bgsave = defineFault({
  kind: "bgsave",
  description: "BGSAVE (or BGREWRITEAOF) on the primary or a replica: the fork's stall, then copy-on-write while the child writes",
  doc: "BGSAVE on the primary (`target: replica`: on a replica); heals when the save ends. `keySaveDelayUs` sets Redis's `rdb-key-save-delay` for this save: the child sleeps per key (at least ~90 µs each here, the kernel's timer slack), so a small dataset saves at a large one's pace",
  schema: z
    .object({
      kind: z.literal("bgsave"),
      /** replica: the save taken on a replica, which the clients do not wait on (the master's P99 is still the load's). */
      target: dataTarget.default("primary"),
      persistence: z.enum(["rdb", "aof"]).default("rdb"),
      // Redis's rdb-key-save-delay (its own tests use it): the child sleeps this long per key, so a small dataset's save
      // lasts as long as a large one's and the writes made meanwhile copy as many pages. Without it, whether a
      // 256 MiB save outlasts the copy-on-write headroom depends on the host's disk and CPU of the day.
      keySaveDelayUs: z.number().int().min(0).max(10_000).default(0),
      ...at,
    })
    .strict(),
  // Copy-on-write: every write during the save may copy pages, up to the whole dataset; the save writes the dataset to disk.
  cost: (_spec, load) => {
    const saveSeconds = load.datasetBytes / SAVE_BYTES_PER_S + 1;
    return {
      what: "copy-on-write during BGSAVE",
      memoryBytes: Math.min(load.datasetBytes, load.writesPerS * saveSeconds * COW_BYTES_PER_WRITE),
      diskBytes: load.datasetBytes,
    };
  },
  requires: (s) => [
    { capability: "saves", field: "kind", message: "a server the harness may make save" },
    ...targetRequires(s.target),
    ...(s.keySaveDelayUs > 0 ? [{ capability: "configures", field: "keySaveDelayUs", message: "CONFIG SET rdb-key-save-delay" } as const] : []),
  ],
  validate: (_spec, s) =>
    s.datasetBytes > 0 ? [] : [{ path: ["dataset", "size"], message: 'a bgsave fault needs a dataset to fork: set dataset.size (e.g. "1gb")' }],
  run: async (spec, ctx) => {
    const node = await resolveTarget(ctx.topology, spec.target);
    const save = SAVES[spec.persistence];
    let sentAtMs = 0;
    let saveDelayBefore = "0";
    return runFault<"bgsave", BgsaveDetails>(ctx, "bgsave", {
      inject: async (rec) => {
        const before = parseInfo(await node.admin.info("all"));
        // What the save starts from, kept even when the server does not survive it.
        Object.assign(rec.details, {
          persistence: spec.persistence,
          usedMemoryBytes: infoNumber(before, "used_memory"),
          keys: keyCount(before),
          forksBefore: infoNumber(before, "total_forks"),
        });
        if (spec.keySaveDelayUs > 0) {
          // Put back as it was, not to 0: a server that is not the harness's own may have a value of its own.
          const [, was] = (await node.admin.config("GET", "rdb-key-save-delay")) as string[];
          saveDelayBefore = was ?? "0";
          await node.admin.config("SET", "rdb-key-save-delay", String(spec.keySaveDelayUs));
          rec.details.keySaveDelayUs = spec.keySaveDelayUs;
        }
        sentAtMs = ctx.clock();
        const reply = spec.persistence === "aof" ? await node.admin.bgrewriteaof() : await node.admin.bgsave();
        ctx.timeline.add("fault-step", {
          fault: "bgsave",
          step: "bgsave-started",
          node: node.name,
          note: `${save.command}: ${reply} after ${Math.round(ctx.clock() - sentAtMs)} ms`,
        });
        rec.details.node = node.name;
        rec.details.sentAtMs = sentAtMs;
        return { nodes: [node.name], sentAtMs };
      },
      heal: async (rec, injected) => {
        if (!injected) return;
        // INFO persistence only: polling "all" every 20 ms would itself load the server being measured.
        // A server that stops answering (killed mid-save) ends the wait: the save's fate is then unknown, and said so.
        const done = await pollUntil(
          async () => {
            const inProgress = await node.admin.info("persistence").then(
              (t) => parseInfo(t).get(save.inProgress) === "1",
              (err: Error) => err,
            );
            return inProgress === true ? undefined : inProgress;
          },
          { timeoutMs: SAVE_TIMEOUT_MS, intervalMs: POLL_MS, signal: ctx.signal },
        );
        // A save that ends badly because the container's memory ran out is the answer the scenario asked for (the OOM
        // checker judges it against minOomKills / maxOomKills), not a fault that could not be carried out.
        const oomKilled = async () =>
          !(
            await pollUntil(async () => (ctx.oomKills.some((k) => k.node === node.name && (k.tMs === null || k.tMs >= sentAtMs)) ? true : undefined), {
              timeoutMs: OOM_EVENT_GRACE_MS,
              intervalMs: 100,
            })
          ).timedOut;
        if (!done.timedOut && done.value instanceof Error) {
          if (!(rec.details.oomKilled = await oomKilled())) return rec.fail(`the server stopped answering during the save: ${done.value.message}`);
          rec.details.bgsaveStatus = "server OOM-killed";
          return;
        }
        // Later saves (a replica's full sync, shutdown) run at full speed; a server that died took the setting with it.
        if (spec.keySaveDelayUs > 0) await node.admin.config("SET", "rdb-key-save-delay", saveDelayBefore).catch(() => {});
        const info = parseInfo(await node.admin.info("all"));
        const status = info.get(save.status) ?? "?";
        Object.assign(rec.details, {
          forkUs: infoNumber(info, "latest_fork_usec"),
          copyOnWriteBytes: infoNumber(info, save.cow),
          usedMemoryPeakBytes: infoNumber(info, "used_memory_peak"),
          usedMemoryRssBytes: infoNumber(info, "used_memory_rss"),
          keysAfter: keyCount(info),
          bgsaveStatus: status,
          bgsaveObservedMs: Math.round((ctx.clock() - sentAtMs) * 1000) / 1000,
          forksAfter: infoNumber(info, "total_forks"),
        } satisfies Partial<BgsaveDetails>);
        if (done.timedOut)
          rec.fail(ctx.signal.aborted ? "interrupted while the save was still running" : `the save had not finished after ${SAVE_TIMEOUT_MS / 60_000} min`);
        else if (status !== "ok" && !(rec.details.oomKilled = await oomKilled())) rec.fail(`${save.command} ended with status ${status}`);
        else if (rec.details.oomKilled) rec.details.bgsaveStatus = `${status} (the save's child OOM-killed; the server answers)`;
        else rec.details.oomKilled = false;
      },
    });
  },
  // The fork (the server stalled in it: what its clients wait for, on the node that saves) and the whole save.
  spans: (d) =>
    d.sentAtMs === undefined || d.bgsaveObservedMs === undefined
      ? []
      : [
          ...(d.forkUs ? [{ label: `${d.node}: the fork`, fromMs: d.sentAtMs, toMs: d.sentAtMs + d.forkUs / 1000 }] : []),
          { label: `${d.node}: ${SAVES[d.persistence ?? "rdb"].command} to its end`, fromMs: d.sentAtMs, toMs: d.sentAtMs + d.bgsaveObservedMs },
        ],
  facts: (d) => [
    { label: "node", value: d.node },
    { label: "save", value: SAVES[d.persistence ?? "rdb"].command },
    { label: "fork (latest_fork_usec)", value: d.forkUs, unit: "µs" },
    { label: `copy-on-write (${SAVES[d.persistence ?? "rdb"].cow})`, value: d.copyOnWriteBytes, unit: "bytes" },
    { label: "used_memory before", value: d.usedMemoryBytes, unit: "bytes" },
    { label: "used_memory_peak", value: d.usedMemoryPeakBytes, unit: "bytes" },
    { label: "used_memory_rss", value: d.usedMemoryRssBytes, unit: "bytes" },
    { label: "keys before the save", value: d.keys, unit: "count" },
    { label: "keys after it", value: d.keysAfter, unit: "count" },
    ...(d.keySaveDelayUs ? [{ label: "rdb-key-save-delay (the save slowed on purpose)", value: d.keySaveDelayUs, unit: "µs" as const }] : []),
    { label: "save status", value: d.bgsaveStatus },
    ...(d.oomKilled ? [{ label: "OOM kill", value: "yes: the container's memory ran out during the save (see the OOM kills check)" }] : []),
    { label: "save observed for", value: d.bgsaveObservedMs, unit: "ms" },
    { label: "forks before / after", value: `${d.forksBefore ?? "?"} / ${d.forksAfter ?? "?"}` },
  ],
  metrics: [
    { id: "forkUs", label: "fork time", unit: "µs", better: "lower", floor: 1000, pick: (d) => d.forkUs },
    { id: "copyOnWriteBytes", label: "copy-on-write", unit: "bytes", better: "lower", floor: 2 ** 20, pick: (d) => d.copyOnWriteBytes },
  ],
});
