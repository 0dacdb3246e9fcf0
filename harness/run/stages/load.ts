import { performance } from "node:perf_hooks";
import type { UtilizationSource } from "../../measure/event-loop.js";
import type { OpOutcome } from "../../measure/op-stats.js";
import type { TimelineEvent } from "../../measure/timeline.js";
import { runClosedLoop, runOpenLoop, type DriverResult, type Sink } from "../../workload/driver.js";
import { accessOptions } from "../../security/run-security.js";
import type { DriverHosts } from "../../topology/target.js";
import { DriverThreads, shardsOf } from "../../workload/driver-threads.js";
import { Drivers } from "../../workload/drivers.js";
import { LOCAL_INSTALL, sshEndpoint } from "../../workload/remote-drivers.js";
import { leanTargetOf } from "../../workload/engines/lean-target.js";
import { datasetKeyName } from "../../workload/dataset.js";
import { Metronome } from "../../workload/metronome.js";
import { workloadDefinition } from "../../workload/registry.js";
import type { RunContext } from "../context.js";
import { scheduleFaults } from "../fault-schedule.js";
import { verifyAsTheLoadGoes } from "../ledger-verification.js";

/** How long to wait, after the load ends, for a fault still in progress (e.g. a long BGSAVE) before giving up on it. */
const FAULT_GRACE_MS = 120_000;

/** How far ahead of the word "go" the driver threads' operation 0 is intended (a metronome starts in tens of ms). */
const THREADS_GO_AHEAD_MS = 300;
/** The same for drivers on other hosts: the word goes over SSH first. */
const HOSTS_GO_AHEAD_MS = 1000;

/** A driver made ready (connected, keys built): when its operation 0 is intended, and how to run it. */
interface ReadyDriver {
  /** performance.now() of operation 0's intended start: where the run clock restarts. */
  startMs: number;
  run(sink: Sink): Promise<DriverResult>;
  /** Its other threads' event loops, watched beside this one. */
  threads: UtilizationSource[];
}

/**
 * The driver on the run's own thread. The issuer is built before the metronome's tick 0: pre-building 100k keys takes
 * tens of ms (and the GC that promotes them as long again), which would otherwise be charged to the first operations.
 */
async function inProcess(ctx: RunContext): Promise<ReadyDriver> {
  const w = ctx.scenario.workload;
  const { pool, readPool } = ctx.connections;
  const clock = ctx.clock.now;
  const issue = workloadDefinition(w.keys).issuer({
    workload: w,
    pool,
    readPool: readPool ?? pool,
    clock,
    ledger: ctx.ledger,
    registers: ctx.registers,
    staleReads: ctx.staleReads,
    cacheReads: ctx.cacheReads,
    dataset: { keys: ctx.dataset.keys, keyName: datasetKeyName(ctx.scenario.dataset.valueBytes) },
  });
  const metronome = w.mode === "open-loop" && w.waker === "metronome" ? await Metronome.start(Metronome.intervalFor(w.rate)) : undefined;
  if (metronome) ctx.defer("the metronome", () => metronome.stop());
  const durationMs = w.duration * 1000;
  return {
    startMs: metronome ? metronome.startMs : performance.now(),
    threads: [],
    run: async (sink) => {
      const r =
        w.mode === "open-loop"
          ? await runOpenLoop({ ratePerSec: w.rate, durationMs, metronome }, issue, sink, clock, ctx.signal)
          : await runClosedLoop({ durationMs, connections: w.connections, pipeline: w.pipeline }, issue, sink, clock, ctx.signal);
      await metronome?.stop();
      return r;
    },
  };
}

/** The load sharded over `workload.threads` driver threads (the lean engine on a shardable workload: the schema says when). */
async function onThreads(ctx: RunContext): Promise<ReadyDriver> {
  const w = ctx.scenario.workload;
  const load = { ...w, durationMs: w.duration * 1000, target: await leanTargetOf(ctx.deployment, w.via), client: ctx.scenario.client, workload: w };
  ctx.progress.step(`driver: ${w.threads} threads, ${w.connections} connections between them`);
  return sharded(ctx, await DriverThreads.start(shardsOf(load, w.threads)), THREADS_GO_AHEAD_MS);
}

/**
 * The load driven from other hosts (a target file's drivers): one process each, started over SSH, against the primary
 * at its own address (not through the fault layer: the scenario may not fault the client path then).
 */
async function onHosts(ctx: RunContext, drivers: DriverHosts): Promise<ReadyDriver> {
  const w = ctx.scenario.workload;
  const primary = await ctx.deployment.primary();
  const target = { kind: "server" as const, address: { ...primary.address, ...accessOptions(ctx.deployment.access) } };
  const load = { ...w, durationMs: w.duration * 1000, target, client: ctx.scenario.client, workload: w };
  const install = { node: drivers.node ?? LOCAL_INSTALL.node, harness: drivers.harness ?? LOCAL_INSTALL.harness };
  const shards = shardsOf(load, drivers.hosts.length);
  ctx.progress.step(`driver: ${shards.length} processes on ${drivers.hosts.map((h) => h.label).join(", ")}, ${w.connections} connections between them`);
  const opened = await Promise.allSettled(shards.map((s, k) => sshEndpoint(drivers.hosts[k], s, install)));
  const endpoints = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  const failed = opened.find((o) => o.status === "rejected");
  if (failed) {
    await Promise.all(endpoints.map((e) => e.stop()));
    throw failed.reason;
  }
  return sharded(ctx, await Drivers.start(endpoints), HOSTS_GO_AHEAD_MS);
}

/** Sharded drivers made ready: operation 0 is intended `aheadMs` from now, so that every driver's metronome runs by then. */
function sharded(ctx: RunContext, drivers: Drivers, aheadMs: number): ReadyDriver {
  ctx.defer("the drivers", () => drivers.stop());
  ctx.drivers = drivers;
  const startMs = performance.now() + aheadMs;
  const add = (e: TimelineEvent) => ctx.timeline.add(e.kind, e.detail as never, e.tMs);
  const stores = { ledger: ctx.ledger, staleReads: ctx.staleReads };
  return { startMs, threads: drivers.eventLoops, run: (sink) => drivers.go(performance.timeOrigin + startMs, sink, add, ctx.signal, stores) };
}

/**
 * The load, with the faults on schedule: the run clock restarts at the first intended operation (earlier events keep
 * negative times), probes start measuring, the driver runs open or closed loop for the duration, then the faults get a
 * grace period to heal.
 */
export async function loadWithFaults(ctx: RunContext): Promise<void> {
  const w = ctx.scenario.workload;
  const { pool, readPool } = ctx.connections;
  const clock = ctx.clock.now;
  const remote = ctx.deployment.remoteDrivers;
  const driver = remote ? await onHosts(ctx, remote) : w.threads > 1 ? await onThreads(ctx) : await inProcess(ctx);
  const shift = ctx.clock.restartAt(driver.startMs);
  ctx.timeline.rebase(shift);
  for (const p of ctx.probes) p.rebase(shift);

  const sink = (op: OpOutcome) => ctx.recorder.record(op);
  const how = `${w.mode === "open-loop" ? `${w.rate} ops/s` : `${w.connections}x${w.pipeline} in flight`}${w.threads > 1 ? ` on ${w.threads} driver threads` : ""}`;
  const schedule = ctx.scenario.faults.map((f) => `${f.kind}@${f.at}s`).join(", ");
  ctx.progress.step(`load: ${w.mode} ${how} for ${w.duration}s${schedule ? `; faults: ${schedule}` : ""}`);
  ctx.progress.startLoad(w.duration, ctx.recorder, clock, () => ctx.phases.phaseAt(clock()));
  ctx.defer("the progress line", () => ctx.progress.stopLoad());

  ctx.timeline.add("load-started", { mode: w.mode }, 0);
  ctx.eventLoop.start(clock, driver.threads);
  ctx.defer("the event-loop monitor", () => ctx.eventLoop.stop());
  const faults = scheduleFaults(ctx, {
    topology: ctx.deployment,
    clock,
    timeline: ctx.timeline,
    phases: ctx.phases,
    signal: ctx.signal,
    oomKills: ctx.oomKills,
    pool,
    readPool,
  });
  ctx.defer("the faults not yet injected", faults.cancel);
  const verifying = ctx.ledger.keyspace ? verifyAsTheLoadGoes(ctx) : undefined;
  if (verifying) ctx.defer("the ledger's verifier", () => verifying.stop());
  ctx.driver = await driver.run(sink);
  await verifying?.stop();
  ctx.eventLoop.stop();
  for (const p of ctx.probes) await p.loadFinished?.();
  ctx.progress.stopLoad();
  ctx.timeline.add("load-finished", { issued: ctx.driver.issued });

  let grace: NodeJS.Timeout | undefined;
  const healed = await Promise.race([faults.done.then(() => true), new Promise<boolean>((r) => (grace = setTimeout(() => r(false), FAULT_GRACE_MS)))]);
  clearTimeout(grace);
  if (!healed) ctx.problems.push(`a fault had not healed ${FAULT_GRACE_MS / 1000}s after the load ended`);
  for (const f of ctx.faults) if (f.error) ctx.problems.push(`fault failed: ${f.kind}: ${f.error}`);
}
