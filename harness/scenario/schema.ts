import { availableParallelism } from "node:os";
import { z } from "zod";
import { appTierSchema, type AppTier } from "../app/schema.js";
import { DEFAULT_OBJECTIVE_MS } from "../check/availability.js";
import { budgetsSchema, METRICS } from "../check/metrics.js";
import { faultDefinition, faultSchema, type FaultSpec } from "../faults/registry.js";
import { seconds, size } from "../infra/fields.js";
import { AUTH_MODES } from "../security/credentials.js";
import { UNSECURED } from "../security/run-security.js";
import { clientSchema, DEFAULT_CLIENT_SETTINGS } from "../topology/client-options.js";
import { fixedAddressFollowsFailover } from "../topology/definition.js";
import { capabilitiesOf, kindsWith, topologyDefinition, topologySchema } from "../topology/registry.js";
import { ENGINE_NAMES } from "../workload/engines/index.js";
import { LOAD_PATHS } from "../workload/engines/lean-target.js";
import { keepersOf, WORKLOAD_KEYS, WORKLOADS, workloadDefinition } from "../workload/registry.js";

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
     * How long a caller waits for a write at most, in ms: a write acknowledged later than this after its intended start
     * counts as unavailable in the RTO within the objective (a client that queues through a failover fails nothing).
     */
    objectiveMs: z.number().positive().max(3_600_000).default(DEFAULT_OBJECTIVE_MS),
    /** The workload: each is described, with what it keeps for the checkers, in its definition (workload/registry.ts). */
    keys: z.enum(WORKLOAD_KEYS).default(WORKLOAD_KEYS[0]),
    /**
     * registers keys: how many (half registers, half counters). Few keys, many operations each: what makes a history
     * worth checking; the checker's search grows with the operations in flight at once on a key.
     */
    registers: z.number().int().min(1).max(64).default(8),
    /** A hash tag every key carries ("user1" -> w:{user1}:<id>): all keys in one slot, one shard (a hot shard). */
    hashTag: z
      .string()
      .regex(/^[^{}]+$/, "a hash tag without braces")
      .optional(),
    /** random keys: uniform over keySpace, or Zipf-distributed (a few hot keys take most of the load). */
    keyDistribution: z.enum(["uniform", "zipf"]).default("uniform"),
    zipfExponent: z.number().positive().max(5).default(1),
    /** Where reads go (ledger workloads): the primary, or the replicas (stale reads are counted). */
    readFrom: z.enum(["primary", "replicas"]).default("primary"),
    keySpace: z.number().int().positive().default(100_000),
    /**
     * The write ledger's keys, reused (for soaks): write n appends `<n>;` to key w:<n mod ledgerKeys>, and the writes
     * that settled are read and their keys removed as the load goes (measure/ledger-verifier.ts). Unset: a key per
     * write, all read back after the load.
     */
    ledgerKeys: z.number().int().min(1000).max(100_000_000).optional(),
    valueBytes: z
      .number()
      .int()
      .positive()
      .max(512 * 2 ** 20)
      .default(100),
    connections: z.number().int().positive().max(1000).default(4),
    /** Closed loop: operations in flight per connection. */
    pipeline: z.number().int().positive().max(10_000).default(1),
    seed: z.number().int().default(1),
    /** The client library operations go through (see workload/engines): ioredis, or the lean engine for throughput work. */
    engine: z.enum(ENGINE_NAMES).default("ioredis"),
    /** Open loop: what wakes the driver at each intended start: a worker-thread metronome, or Node's timers (~1 ms late). */
    waker: z.enum(["metronome", "timer"]).default("metronome"),
    /**
     * Driver threads the load is sharded over (workload/driver-threads.ts), each with its own connections and event
     * loop. "auto": the cores but one (at least one) where sharding applies (the lean engine on random keys), else one.
     */
    threads: z.union([z.literal("auto"), z.number().int().positive().max(64)]).default("auto"),
    /**
     * The load's path to the servers: through the fault layer (a Toxiproxy hop, where faults act), or straight to each
     * node's own port, for a load without faults that is to measure Redis and not the proxy (the throughput study).
     */
    via: z.enum(LOAD_PATHS).default("fault-layer"),
  })
  .strict();

/**
 * Why a scenario's load cannot be sharded over driver threads, or null. Only the lean engine's load of a shardable
 * workload is (workload/definition.ts): the registers (one history, checked as a whole) and ioredis (what an
 * application's one client does in a failover) stay on the run's thread; and a shard reconnects to the address it
 * started with, so not where a failover moves the primary (a cluster's lean router follows the slots by itself).
 */
function unshardable(s: { topology: { kind: string }; workload: { engine: string; keys: string }; faults: unknown[] }): string | null {
  if (s.workload.engine !== "lean" || !workloadDefinition(s.workload.keys).shardable)
    return `they shard the lean engine's load of workload.keys ${WORKLOADS.filter((d) => d.shardable)
      .map((d) => `"${d.keys}"`)
      .join(" or ")} only: set workload.engine "lean" and keys to it`;
  const kind = s.topology.kind;
  if (s.faults.length && !fixedAddressFollowsFailover(topologyDefinition(kind)))
    return `they do not follow a ${kind} failover: run faults on a ${kind} with one thread`;
  return null;
}

type Issue = { path: Array<string | number>; message: string };

/** The rules across sections: when faults fall, what they need of the topology, what budgets need of the workload. */
function crossRules(s: z.output<typeof baseSchema>): Issue[] {
  const issues: Issue[] = [];
  const w = s.workload;
  const kind = s.topology.kind;
  const caps = capabilitiesOf(kind);
  if (w.warmup >= w.duration)
    issues.push({ path: ["workload", "warmup"], message: `warmup of ${w.warmup}s leaves nothing of the ${w.duration}s load: shorten it or run longer` });
  s.faults.forEach((f, i) => {
    const at = ["faults", i];
    if (f.at < w.warmup)
      issues.push({ path: [...at, "at"], message: `fault at ${f.at}s falls inside the ${w.warmup}s warmup: inject later (or set workload.warmup lower)` });
    if (f.at >= w.duration)
      issues.push({ path: [...at, "at"], message: `fault at ${f.at}s is not inside the ${w.duration}s load: inject earlier or run longer` });
    if ("for" in f && f.at + f.for >= w.duration)
      issues.push({ path: [...at, "for"], message: `the fault heals at ${f.at + f.for}s, not before the ${w.duration}s load ends: leave time to recover` });
    const def = faultDefinition(f.kind);
    for (const r of def.requires?.(f) ?? []) {
      if (caps.has(r.capability)) continue;
      const of = r.field === "target" && "target" in f ? ` of a ${f.target}` : "";
      issues.push({ path: [...at, r.field], message: `${f.kind}${of} needs ${r.message} (${kindsWith(r.capability)}); this scenario's topology is ${kind}` });
    }
    issues.push(...(def.validate?.(f, { datasetBytes: s.dataset.size, path: at }) ?? []));
  });
  if (w.readFrom === "replicas" && !caps.has("replicas"))
    issues.push({ path: ["workload", "readFrom"], message: `a ${kind} topology has no replicas to read from` });
  const workload = workloadDefinition(w.keys);
  if (w.readFrom === "replicas" && !workload.keeps.staleReads)
    issues.push({
      path: ["workload", "readFrom"],
      message: `replica reads are judged against acknowledged writes: set workload.keys to ${keepersOf("staleReads").join(" or ")}`,
    });
  if (w.engine === "lean" && caps.has("slots") && w.readFrom === "replicas")
    issues.push({ path: ["workload", "readFrom"], message: `the lean engine reads from a ${kind}'s masters only: use engine "ioredis" to read from replicas` });
  if (w.via === "direct") {
    const at = ["workload", "via"];
    if (s.faults.length)
      issues.push({
        path: at,
        message: `faults act on the fault layer's links, which a direct load does not cross: remove the faults or set via "fault-layer"`,
      });
    if (w.engine !== "lean") issues.push({ path: at, message: `only the lean engine's load goes direct: set workload.engine "lean" or via "fault-layer"` });
  }
  if (w.threads > 1) {
    const at = ["workload", "threads"];
    const why = unshardable(s);
    if (why) issues.push({ path: at, message: `${w.threads} driver threads: ${why}, or set threads 1` });
    if (w.connections < w.threads)
      issues.push({
        path: at,
        message: `${w.threads} driver threads need at least as many connections (${w.connections}): raise workload.connections or lower threads`,
      });
  }
  const b = s.budgets;
  // A budget on a metric measured from a history this workload does not keep would judge nothing.
  for (const m of METRICS)
    for (const { key } of m.budgets)
      if (m.needs && b[key] !== undefined && !workload.keeps[m.needs])
        issues.push({
          path: ["budgets", key],
          message: `${m.label}: measured from ${m.needs === "writeLedger" ? "the write ledger" : "a register history"}, which workload.keys "${w.keys}" does not keep: set it to ${keepersOf(m.needs).join(" or ")}`,
        });
  if (w.ledgerKeys !== undefined && !workload.keeps.writeLedger)
    issues.push({
      path: ["workload", "ledgerKeys"],
      message: `reuses the write ledger's keys, which workload.keys "${w.keys}" does not keep: set keys to ${keepersOf("writeLedger").join(" or ")}, or leave ledgerKeys out`,
    });
  // The verifier reads writes 5 s old, none within 30 s of a fault's heal: a lap shorter than a minute outruns it.
  const minuteOfWrites = Math.ceil(w.rate * (1 - w.readRatio) * 60);
  if (w.ledgerKeys !== undefined && w.mode === "open-loop" && w.ledgerKeys < minuteOfWrites)
    issues.push({
      path: ["workload", "ledgerKeys"],
      message: `${w.ledgerKeys} keys hold less than a minute of writes at ${w.rate} ops/s: raise ledgerKeys to at least ${minuteOfWrites}`,
    });
  if (workload.needsDataset && s.dataset.size === 0)
    issues.push({
      path: ["workload", "keys"],
      message: `keys "${w.keys}" writes over the preloaded dataset, and this scenario loads none: set dataset.size, or pick a workload that needs none`,
    });
  if (s.dataset.size > 0 && !caps.has("serverSideDataset"))
    issues.push({
      path: ["dataset", "size"],
      message: `a dataset is loaded on one node with DEBUG POPULATE, which a ${kind} topology cannot take: leave it out`,
    });
  return issues;
}

const baseSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "use lower-case letters, digits and dashes"),
    description: z.string().default(""),
    topology: topologySchema,
    dataset: z
      .object({
        size: size.default(0),
        valueBytes: z
          .number()
          .int()
          .positive()
          .max(512 * 2 ** 20)
          .default(1024),
      })
      .strict()
      .default({ size: 0, valueBytes: 1024 }),
    workload: workloadSchema,
    client: clientSchema.default(DEFAULT_CLIENT_SETTINGS),
    /** The client profile (suites/clients/profiles.json) that set workload.engine and client, in a `--clients` run. */
    clientProfile: z.string().optional(),
    /**
     * A secured topology. auth "password": requirepass on every server and Sentinel, masterauth for replication, the
     * Sentinels' auth-pass. auth "acl": the default user off, a restricted application user (security/acl.ts) and an
     * admin user for replication, Sentinel and the harness. tls: TLS only on every server, Sentinel, replication link
     * and cluster bus, with a CA and certificates made for the run. Secrets are made per run (HARNESS_REDIS_PASSWORD
     * gives the application's password) and never written to any output.
     */
    security: z
      .object({ auth: z.enum(AUTH_MODES).default("none"), tls: z.boolean().default(false) })
      .strict()
      .default(UNSECURED),
    faults: z.array(faultSchema).default([]),
    app: appTierSchema.optional(),
    sampler: z
      .object({ intervalMs: z.number().int().min(10).max(10_000).default(250) })
      .strict()
      .default({ intervalMs: 250 }),
    budgets: budgetsSchema.default({}),
  })
  .strict()
  .transform((s) => ({
    ...s,
    workload: { ...s.workload, threads: s.workload.threads !== "auto" ? s.workload.threads : unshardable(s) ? 1 : Math.max(1, availableParallelism() - 1) },
  }));

/** A scenario file's contents: the topology, the workload, the fault schedule, the budgets (docs/design.md). */
export const scenarioSchema = baseSchema.superRefine((s, ctx) => {
  for (const issue of crossRules(s)) ctx.addIssue({ code: "custom", ...issue });
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type { AppTier, FaultSpec };
export type { Budgets } from "../check/metrics.js";
