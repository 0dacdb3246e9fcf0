import { z } from "zod";
import { DEFAULT_CLIENT_SETTINGS } from "../workload/client-options.js";
import { parseDurationS, parseSize } from "./units.js";

const size = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  try {
    return parseSize(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

const seconds = z.union([z.number().positive(), z.string()]).transform((v, ctx) => {
  try {
    const s = parseDurationS(v);
    if (s <= 0) throw new Error(`duration must be positive, got "${v}"`);
    return s;
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

const perPhaseMs = z
  .object({ baseline: z.number().positive(), fault: z.number().positive(), recovery: z.number().positive() })
  .partial()
  .strict();

const perPhaseFraction = z
  .object({ baseline: z.number().min(0).max(1), fault: z.number().min(0).max(1), recovery: z.number().min(0).max(1) })
  .partial()
  .strict();

export const bgsaveFault = z
  .object({
    kind: z.literal("bgsave"),
    /** When to inject, in seconds after the load started. */
    at: seconds,
  })
  .strict();

/** Which node a fault hits, resolved when it is injected (the primary may have moved by then). */
const target = z.enum(["primary", "replica", "sentinel"]);

export const killFault = z
  .object({
    kind: z.literal("kill"),
    /** shard (Cluster): the primary and all its replicas, so its slots lose coverage. */
    target: z.enum(["primary", "replica", "sentinel", "shard"]).default("primary"),
    at: seconds,
    /** then started again */
    for: seconds,
  })
  .strict();

export const pauseFault = z
  .object({ kind: z.literal("pause"), target: target.default("primary"), at: seconds, for: seconds })
  .strict();

export const partitionFault = z
  .object({
    kind: z.literal("partition"),
    target: z.enum(["primary", "replica"]).default("primary"),
    at: seconds,
    for: seconds,
    /** keep: the node's clients still reach it (the split-brain case); cut: the node is isolated from everyone. */
    clients: z.enum(["keep", "cut"]).default("keep"),
  })
  .strict();

export const linkFault = z
  .object({
    kind: z.literal("link"),
    /** Degrades the peer link of this node: what replicas (and Sentinels) use to reach it. */
    target: z.enum(["primary", "replica"]).default("primary"),
    at: seconds,
    for: seconds,
    /** peer: the replication link; bus: the cluster bus (Cluster only). */
    link: z.enum(["peer", "bus"]).default("peer"),
    latencyMs: z.number().int().nonnegative().default(0),
    jitterMs: z.number().int().nonnegative().default(0),
    /** KB/s each way; 0 = unlimited. */
    bandwidthKBps: z.number().int().nonnegative().default(0),
  })
  .strict();

export const manualPromotionFault = z.object({ kind: z.literal("manual-promotion"), at: seconds }).strict();

/** CLUSTER FAILOVER on a replica of the primary: a coordinated switch, expected to lose nothing. */
export const clusterFailoverFault = z.object({ kind: z.literal("cluster-failover"), at: seconds }).strict();

/** Moves `slots` slots from the primary to another master under load (redis-cli --cluster reshard). */
export const reshardFault = z.object({ kind: z.literal("reshard"), at: seconds, slots: z.number().int().min(1).max(16384) }).strict();

export const faultSchema = z.discriminatedUnion("kind", [
  bgsaveFault,
  killFault,
  pauseFault,
  partitionFault,
  linkFault,
  manualPromotionFault,
  clusterFailoverFault,
  reshardFault,
]);

export const clientSchema = z
  .object({
    commandTimeoutMs: z.number().int().positive(),
    connectTimeoutMs: z.number().int().positive(),
    reconnectDelayMs: z.number().int().nonnegative(),
    maxRetriesPerRequest: z.number().int().nonnegative(),
    enableOfflineQueue: z.boolean(),
    enableAutoPipelining: z.boolean(),
    keepAliveMs: z.number().int().nonnegative(),
    protocol: z.union([z.literal(2), z.literal(3)]),
  })
  .partial()
  .strict()
  .transform((c) => ({ ...DEFAULT_CLIENT_SETTINGS, ...c }));

const common = {
  /** Defaults to the REDIS_IMAGE setting. */
  image: z.string().min(1).optional(),
  /** redis.conf directives for every data node, passed as --name value. */
  config: z.record(z.string(), z.string()).default({}),
};

export const topologySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("standalone"), ...common }).strict(),
  z.object({ kind: z.literal("replication"), ...common, replicas: z.number().int().min(1).max(5).default(2) }).strict(),
  z
    .object({
      kind: z.literal("sentinel"),
      ...common,
      replicas: z.number().int().min(1).max(5).default(2),
      sentinels: z.number().int().min(1).max(7).default(3),
      quorum: z.number().int().min(1).default(2),
      downAfterMs: z.number().int().min(100).default(5000),
      failoverTimeoutMs: z.number().int().min(1000).default(60_000),
      parallelSyncs: z.number().int().min(1).default(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal("cluster"),
      ...common,
      masters: z.number().int().min(3).max(9).default(3),
      replicasPerMaster: z.number().int().min(0).max(3).default(1),
      nodeTimeoutMs: z.number().int().min(100).default(5000),
      /** yes: the whole cluster refuses writes (CLUSTERDOWN) while any slot is uncovered. */
      requireFullCoverage: z.boolean().default(true),
    })
    .strict(),
]);

export const workloadSchema = z
  .object({
    /** open-loop: constant rate, latency from the intended start. closed-loop: as fast as replies come back. */
    mode: z.enum(["open-loop", "closed-loop"]).default("open-loop"),
    /** Operations per second (open loop). */
    rate: z.number().positive().max(10_000_000).default(2000),
    duration: seconds,
    /** The first seconds of the load: run and shown per second, but in no phase a budget judges. */
    warmup: z.union([z.literal(0), seconds]).default(2),
    readRatio: z.number().min(0).max(1).default(0.5),
    /**
     * ledger: every write sets its own key w:<id> to a known value and is kept in the write ledger (lost writes can be
     * counted); reads get earlier ledger keys. random: GET/SET on keys drawn from keySpace (no loss accounting).
     */
    keys: z.enum(["ledger", "random"]).default("ledger"),
    /** A hash tag every key carries ("user1" -> w:{user1}:<id>): all keys in one slot, one shard (a hot shard). */
    hashTag: z.string().regex(/^[^{}]+$/, "a hash tag without braces").optional(),
    /** random keys: uniform over keySpace, or Zipf-distributed (a few hot keys take most of the load). */
    keyDistribution: z.enum(["uniform", "zipf"]).default("uniform"),
    zipfExponent: z.number().positive().max(5).default(1),
    /** Where reads go (ledger workloads): the primary, or the replicas (stale reads are counted). */
    readFrom: z.enum(["primary", "replicas"]).default("primary"),
    keySpace: z.number().int().positive().default(100_000),
    valueBytes: z.number().int().positive().max(512 * 2 ** 20).default(100),
    connections: z.number().int().positive().max(1000).default(4),
    /** Closed loop: operations in flight per connection. */
    pipeline: z.number().int().positive().max(10_000).default(1),
    seed: z.number().int().default(1),
    /** Open loop: what wakes the driver at each intended start: a worker-thread metronome, or Node's timers (~1 ms late). */
    waker: z.enum(["metronome", "timer"]).default("metronome"),
  })
  .strict();

/**
 * The app tier: a small HTTP service in front of Redis (through the topology's own client), driven by autocannon at a
 * constant rate while the Redis-level load runs, so the report shows what the application's users saw of the fault.
 */
export const appTierSchema = z
  .object({
    /** HTTP requests per second; each autocannon connection sends one a second. */
    rate: z.number().int().min(1).max(2000).default(100),
    /** Fraction of GET /read (the rest POST /write). */
    readRatio: z.number().min(0).max(1).default(0.5),
    /**
     * The HTTP client's timeout, seconds. At least 2: autocannon re-arms it only when a connection sends, and a
     * connection here sends once a second, so 1 s would fire on idle connections.
     */
    timeout: z.number().int().min(2).max(600).default(10),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "use lower-case letters, digits and dashes"),
    description: z.string().default(""),
    topology: topologySchema,
    dataset: z
      .object({ size: size.default(0), valueBytes: z.number().int().positive().max(512 * 2 ** 20).default(1024) })
      .strict()
      .default({ size: 0, valueBytes: 1024 }),
    workload: workloadSchema,
    client: clientSchema.default(DEFAULT_CLIENT_SETTINGS),
    faults: z.array(faultSchema).default([]),
    app: appTierSchema.optional(),
    sampler: z.object({ intervalMs: z.number().int().min(10).max(10_000).default(250) }).strict().default({ intervalMs: 250 }),
    budgets: z
      .object({
        p99Ms: perPhaseMs,
        p999Ms: perPhaseMs,
        /** Failed operations / attempted, per phase. */
        maxErrorRate: perPhaseFraction,
        /** Observed RTO (DESIGN.md), ms. */
        rtoMs: z.number().nonnegative(),
        /** Acknowledged writes absent after convergence (ledger workloads). */
        maxLostWrites: z.number().int().nonnegative(),
        /** RPO window, ms. */
        rpoMs: z.number().nonnegative(),
        /**
         * A scenario *expected* to lose acknowledged writes (a split brain without min-replicas-to-write) says so: the
         * run fails unless the checker sees at least this many lost writes.
         */
        minLostWrites: z.number().int().positive(),
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.workload.warmup >= s.workload.duration)
      ctx.addIssue({
        code: "custom",
        path: ["workload", "warmup"],
        message: `warmup of ${s.workload.warmup}s leaves nothing of the ${s.workload.duration}s load: shorten it or run longer`,
      });
    s.faults.forEach((f, i) => {
      if (f.at < s.workload.warmup)
        ctx.addIssue({
          code: "custom",
          path: ["faults", i, "at"],
          message: `fault at ${f.at}s falls inside the ${s.workload.warmup}s warmup: inject later (or set workload.warmup lower)`,
        });
      if (f.at >= s.workload.duration)
        ctx.addIssue({
          code: "custom",
          path: ["faults", i, "at"],
          message: `fault at ${f.at}s is not inside the ${s.workload.duration}s load: inject earlier or run longer`,
        });
    });
    const kind = s.topology.kind;
    s.faults.forEach((f, i) => {
      const at = ["faults", i, "kind"];
      if ((f.kind === "cluster-failover" || f.kind === "reshard" || ("target" in f && f.target === "shard")) && kind !== "cluster")
        ctx.addIssue({ code: "custom", path: at, message: `${f.kind}${"target" in f ? ` of a ${f.target}` : ""} needs a cluster topology` });
      if (f.kind === "link" && f.link === "bus" && kind !== "cluster")
        ctx.addIssue({ code: "custom", path: ["faults", i, "link"], message: "only a cluster has a bus link" });
      if (f.kind === "manual-promotion" && kind !== "replication")
        ctx.addIssue({ code: "custom", path: at, message: "manual-promotion is the runbook of plain replication: use a replication topology" });
      if ("target" in f && f.target === "sentinel" && kind !== "sentinel")
        ctx.addIssue({ code: "custom", path: ["faults", i, "target"], message: `a ${kind} topology has no Sentinel to hit` });
      if (["partition", "link"].includes(f.kind) && kind === "standalone")
        ctx.addIssue({ code: "custom", path: at, message: `${f.kind} needs peers: use a replication or sentinel topology` });
      if ("target" in f && f.target === "replica" && kind === "standalone")
        ctx.addIssue({ code: "custom", path: ["faults", i, "target"], message: "a standalone topology has no replica" });
      if ("for" in f && f.at + f.for >= s.workload.duration)
        ctx.addIssue({
          code: "custom",
          path: ["faults", i, "for"],
          message: `the fault heals at ${f.at + f.for}s, not before the ${s.workload.duration}s load ends: leave time to recover`,
        });
    });
    if (s.workload.readFrom === "replicas" && kind === "standalone")
      ctx.addIssue({ code: "custom", path: ["workload", "readFrom"], message: "a standalone server has no replicas to read from" });
    if (s.workload.readFrom === "replicas" && s.workload.keys !== "ledger")
      ctx.addIssue({ code: "custom", path: ["workload", "readFrom"], message: "replica reads are measured on the write ledger: set workload.keys to \"ledger\"" });
    const b = s.budgets;
    if ((b.maxLostWrites !== undefined || b.rpoMs !== undefined || b.minLostWrites !== undefined) && s.workload.keys !== "ledger")
      ctx.addIssue({ code: "custom", path: ["budgets"], message: "loss budgets need the write ledger: set workload.keys to \"ledger\"" });
    if (s.dataset.size > 0 && kind === "cluster")
      ctx.addIssue({ code: "custom", path: ["dataset", "size"], message: "a dataset is loaded on one node with DEBUG POPULATE, which a cluster's slots forbid: leave it out" });
    if (s.faults.some((f) => f.kind === "bgsave") && s.dataset.size === 0)
      ctx.addIssue({ code: "custom", path: ["dataset", "size"], message: "a bgsave fault needs a dataset to fork: set dataset.size (e.g. \"1gb\")" });
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type FaultSpec = z.output<typeof faultSchema>;
export type Budgets = Scenario["budgets"];
export type AppTier = z.output<typeof appTierSchema>;
