import { infoNumber, parseInfo } from "../measure/info.js";
import type { Fault, FaultContext, FaultRecord } from "./types.js";

const POLL_MS = 20;

/**
 * BGSAVE on the primary: Redis forks, and the fork itself stalls the server for a time that grows with the dataset
 * (page tables are copied); then copy-on-write costs memory while clients keep writing. The fault takes effect when
 * BGSAVE is sent (the fork happens inside that command) and heals when the harness sees the save finished.
 */
export class BgsaveFault implements Fault {
  readonly kind = "bgsave";

  async run(ctx: FaultContext): Promise<FaultRecord> {
    const node = await ctx.topology.primary();
    const before = parseInfo(await node.admin.info("all"));
    const requestedAtMs = ctx.clock();
    ctx.phases.markFaultStart(requestedAtMs);
    ctx.timeline.add("fault-injected", { fault: this.kind, node: node.name }, requestedAtMs);
    const record: FaultRecord = { kind: this.kind, requestedAtMs, tookEffectAtMs: requestedAtMs, healedAtMs: null, details: {} };
    try {
      const reply = await node.admin.bgsave();
      const repliedAtMs = ctx.clock();
      ctx.timeline.add("bgsave-started", { node: node.name, reply, commandMs: round(repliedAtMs - requestedAtMs) }, repliedAtMs);
      // INFO persistence only: polling "all" every 20 ms would itself load the server being measured.
      let info = parseInfo(await node.admin.info("persistence"));
      while (info.get("rdb_bgsave_in_progress") === "1" && !ctx.signal.aborted) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        info = parseInfo(await node.admin.info("persistence"));
      }
      info = parseInfo(await node.admin.info("all"));
      const healedAtMs = ctx.clock();
      if (!ctx.signal.aborted) {
        ctx.phases.markFaultEnd(healedAtMs);
        record.healedAtMs = healedAtMs;
      }
      ctx.timeline.add("fault-healed", { fault: this.kind, node: node.name, status: info.get("rdb_last_bgsave_status") }, healedAtMs);
      record.details = {
        node: node.name,
        forkUs: infoNumber(info, "latest_fork_usec"),
        copyOnWriteBytes: infoNumber(info, "rdb_last_cow_size"),
        usedMemoryBytes: infoNumber(before, "used_memory"),
        usedMemoryPeakBytes: infoNumber(info, "used_memory_peak"),
        usedMemoryRssBytes: infoNumber(info, "used_memory_rss"),
        keys: keyCount(before),
        bgsaveStatus: info.get("rdb_last_bgsave_status"),
        bgsaveObservedMs: round(healedAtMs - requestedAtMs),
        forksBefore: infoNumber(before, "total_forks"),
        forksAfter: infoNumber(info, "total_forks"),
      };
      if (info.get("rdb_last_bgsave_status") !== "ok") record.error = `BGSAVE ended with status ${info.get("rdb_last_bgsave_status")}`;
    } catch (err) {
      record.error = (err as Error).message;
      ctx.timeline.add("fault-error", { fault: this.kind, error: record.error });
      if (record.healedAtMs === null) ctx.phases.markFaultEnd((record.healedAtMs = ctx.clock()));
    }
    return record;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** keys in db0 from the keyspace section ("db0:keys=1000,expires=0,avg_ttl=0"). */
function keyCount(info: Map<string, string>): number | undefined {
  const m = /keys=(\d+)/.exec(info.get("db0") ?? "");
  return m ? Number(m[1]) : 0;
}
