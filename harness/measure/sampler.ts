import type { Redis } from "ioredis";
import { infoNumber, parseInfo } from "../topology/info.js";
import { nodeLoad, type NodeLoad } from "./node-load.js";
import type { LoadSummary, Probe, ProbeContext } from "./probe.js";
import type { Timeline } from "./timeline.js";

/** The INFO fields kept per sample: what explains a latency spike or a lost write. */
export const SAMPLED_FIELDS = [
  "used_memory",
  "used_memory_rss",
  "used_memory_peak",
  "mem_fragmentation_ratio",
  "maxmemory",
  // A cache past maxmemory: what its policy evicted, and how the reads fared (the server's own count).
  "evicted_keys",
  "keyspace_hits",
  "keyspace_misses",
  "connected_clients",
  // Connections accepted since the server started: their rate during a fault is the clients' reconnection storm.
  "total_connections_received",
  "instantaneous_ops_per_sec",
  "total_commands_processed",
  "total_forks",
  "latest_fork_usec",
  "rdb_bgsave_in_progress",
  "rdb_last_cow_size",
  "rdb_last_bgsave_status",
  "aof_rewrite_in_progress",
  "role",
  "master_repl_offset",
  "slave_repl_offset",
  "master_link_status",
  "master_last_io_seconds_ago",
  "connected_slaves",
  // Replicas only: the (announced, fault-layer) address of the master they follow; in a split brain two masters exist.
  "master_host",
  "master_port",
] as const;

/** Kept as text even when they look like a number (a host name or an IP is an address, not a quantity). */
const TEXT_FIELDS: ReadonlySet<string> = new Set(["master_host"]);

export interface ServerSample {
  tMs: number;
  node: string;
  /** How long INFO took to answer: a fork or a busy server shows here too. */
  infoLatencyMs: number;
  values: Record<string, number | string>;
}

/**
 * Polls INFO on each node over an admin connection that does not go through the fault layer, so the sampler keeps
 * seeing the server while clients are cut off. Turns changes into timeline events (a fork, a BGSAVE ending, a role
 * change). As a probe: one sample before the load, polling from the load's start, a last sample at the end; it
 * contributes the samples and each node's share of the load.
 */
export class ServerSampler implements Probe<{ samples: ServerSample[]; nodeLoad: NodeLoad[] }> {
  readonly name = "sampler";
  readonly samples: ServerSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** INFO requests still unanswered, by node: a frozen node is skipped, not waited for. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly last = new Map<string, Map<string, string>>();
  /** Nodes whose last INFO failed: an outage is one timeline event, not one per poll. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly nodes: ReadonlyArray<{ name: string; admin: Redis }>,
    private readonly clock: () => number,
    private readonly timeline: Timeline,
    private readonly intervalMs: number,
  ) {}

  static forRun(ctx: ProbeContext, intervalMs: number): ServerSampler {
    return new ServerSampler(
      ctx.topology.nodes.map((n) => ({ name: n.name, admin: n.admin })),
      ctx.clock,
      ctx.timeline,
      intervalMs,
    );
  }

  async start(): Promise<void> {
    await this.sampleOnce();
  }

  /**
   * A round every interval, at the same moment for every node (the charts line rounds up); a node whose last INFO is
   * still unanswered (frozen, or a fork holding it) is skipped this round, so it cannot slow down the view of the others.
   */
  private poll(): void {
    this.timer = setInterval(() => {
      for (const n of this.nodes) {
        if (this.inFlight.has(n.name)) continue;
        this.inFlight.set(
          n.name,
          this.sampleNode(n.name, n.admin).finally(() => this.inFlight.delete(n.name)),
        );
      }
    }, this.intervalMs);
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(this.inFlight.values());
    await this.sampleOnce().catch(() => {});
  }

  /** Samples so far move with the clock (see Timeline.rebase); polling starts with the load. */
  rebase(shiftMs: number): void {
    for (const s of this.samples) s.tMs = Math.round(s.tMs - shiftMs);
    this.poll();
  }

  contribute(load: LoadSummary) {
    return { samples: this.samples, nodeLoad: nodeLoad(this.samples, load.endMs) };
  }

  async sampleOnce(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.sampleNode(n.name, n.admin)));
  }

  private async sampleNode(name: string, admin: Redis): Promise<void> {
    const t0 = this.clock();
    let text: string;
    try {
      text = await admin.info("all");
    } catch (err) {
      if (!this.failing.has(name)) this.timeline.add("sampler-unreachable", { node: name, error: (err as Error).message });
      this.failing.add(name);
      return;
    }
    if (this.failing.delete(name)) this.timeline.add("sampler-reachable", { node: name });
    const t1 = this.clock();
    const info = parseInfo(text);
    const values: Record<string, number | string> = {};
    for (const f of SAMPLED_FIELDS) {
      const raw = info.get(f);
      if (raw !== undefined) values[f] = TEXT_FIELDS.has(f) ? raw : (infoNumber(info, f) ?? raw);
    }
    this.samples.push({ tMs: Math.round(t1), node: name, infoLatencyMs: Math.round((t1 - t0) * 1000) / 1000, values });
    this.noteChanges(name, info, t1);
    this.last.set(name, info);
  }

  private noteChanges(node: string, info: Map<string, string>, tMs: number): void {
    const prev = this.last.get(node);
    if (!prev) return;
    const forks = infoNumber(info, "total_forks");
    if (forks !== undefined && forks > (infoNumber(prev, "total_forks") ?? forks)) {
      this.timeline.add("fork", { node, forkUs: infoNumber(info, "latest_fork_usec") ?? null }, tMs);
    }
    if (prev.get("rdb_bgsave_in_progress") === "1" && info.get("rdb_bgsave_in_progress") === "0") {
      this.timeline.add(
        "bgsave-finished",
        { node, status: info.get("rdb_last_bgsave_status") ?? null, copyOnWriteBytes: infoNumber(info, "rdb_last_cow_size") ?? null },
        tMs,
      );
    }
    const role = info.get("role");
    if (role !== undefined && prev.get("role") !== role) this.timeline.add("role-change", { node, from: prev.get("role") ?? null, to: role }, tMs);
  }
}
