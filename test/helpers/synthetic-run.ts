import { appTierReport } from "../../harness/app/app-tier.js";
import type { History } from "../../harness/check/history.js";
import { checkAll } from "../../harness/check/index.js";
import type { Budgets } from "../../harness/check/metrics.js";
import type { AnyFaultRecord } from "../../harness/faults/registry.js";
import { emptyErrorCounts, type ErrorClass } from "../../harness/measure/errors.js";
import { ACKED, WriteLedger } from "../../harness/measure/ledger.js";
import { nodeLoad } from "../../harness/measure/node-load.js";
import { PhaseClock } from "../../harness/measure/phases.js";
import { Recorder } from "../../harness/measure/recorder.js";
import type { ServerSample } from "../../harness/measure/sampler.js";
import { StaleReadLog } from "../../harness/measure/stale-reads.js";
import { Timeline } from "../../harness/measure/timeline.js";
import { buildReport } from "../../harness/report/build.js";
import type { RunReport, RunStatus } from "../../harness/report/types.js";
import { validateScenario } from "../../harness/scenario/load.js";
import type { TopologyDescription } from "../../harness/topology/types.js";
import { Rng } from "../../harness/workload/rng.js";

/**
 * A run without containers: operations, writes, reads, server samples and timeline events made up from a few numbers,
 * fed through the harness's own recorder, ledger, checkers and buildReport, so every renderer and the comparison are
 * tested on what a real run would give them. Deterministic for a given spec (seeded; fixed dates and host).
 */
export interface SyntheticSpec {
  name: string;
  topology: "standalone" | "replication" | "sentinel" | "cluster";
  durationS?: number;
  /** Redis-level operations per second. */
  rate?: number;
  readRatio?: number;
  warmupS?: number;
  /** The scenario's fault (validated like any scenario's), and when it took effect and healed. */
  fault?: { kind: "kill" | "pause" | "bgsave"; atS: number; forS: number };
  /** Operations that fail, and how, in a window of the run (s). Timeouts take 1 s (the client's commandTimeout). */
  outage?: { fromS: number; toS: number; error: ErrorClass };
  /** Extra latency (ms, at most) during the fault window. */
  spikeMs?: number;
  /** Acknowledged writes just before the fault that are absent after convergence (not yet replicated). */
  lostBeforeFault?: number;
  /** Acknowledged writes during the fault that are absent afterwards (a split brain). */
  splitBrainLost?: number;
  /** An app tier at this many HTTP requests a second. */
  appRate?: number;
  budgets?: Budgets;
  status?: RunStatus;
  problem?: string;
  server?: { server: "redis" | "valkey"; version: string };
  image?: string;
  /** Median and tail of the normal service time, ms. */
  baseLatencyMs?: number;
  /** A driver that cannot keep up: every operation leaves this late (ms) and its event loop is saturated. */
  driverLagMs?: number;
  seed?: number;
}

/** The instrument of a history that measured no driver (unit tests of other checkers). */
export const IDLE_INSTRUMENT = { engine: "ioredis" as const, mode: "open-loop" as const, calibration: null, via: "fault-layer" as const, eventLoop: [] };

/** The history the checkers read, empty but for `parts` (the phases default to a clock with no fault). */
export function historyOf(parts: Partial<History> = {}): History {
  const phases = parts.phases ?? new PhaseClock();
  return {
    recorder: new Recorder(phases),
    phases,
    ledger: null,
    readBack: null,
    staleReads: null,
    registers: null,
    cacheReads: null,
    dir: "",
    faults: [],
    oomKills: [],
    instrument: IDLE_INSTRUMENT,
    load: { endMs: 0, lastIssueMs: 0 },
    objectiveMs: 1000,
    ...parts,
  };
}

const lat = (p50Us: number, p99Us: number, count: number) => ({ count, p50Us, p99Us, p999Us: p99Us * 2, maxUs: p99Us * 4, meanUs: Math.round(p50Us * 1.2) });
/** A calibration as these machines measure it: ~60 µs straight to the server, ~150 µs more through Toxiproxy. */
const CALIBRATION = {
  engine: "ioredis" as const,
  ratePerSec: 200,
  durationMs: 1000,
  direct: lat(62, 118, 200),
  faultLayer: lat(214, 402, 200),
  faultLayerAddedP50Us: 152,
  faultLayerAddedP99Us: 284,
};

const STARTED = Date.parse("2026-11-30T12:00:00.000Z");
const PORT_BASE = { standalone: 0, replication: 22000, sentinel: 22000, cluster: 13000 } as const;

function topologyOf(spec: SyntheticSpec, image: string): TopologyDescription {
  const n = spec.topology === "standalone" ? 1 : spec.topology === "cluster" ? 6 : 3;
  const server = spec.server ?? { server: "redis", version: "7.0.15" };
  const nodes = Array.from({ length: n }, (_, i) => {
    const port = String(PORT_BASE[spec.topology] + i);
    const config: Record<string, string> =
      spec.topology === "cluster"
        ? { "cluster-enabled": "yes", "cluster-announce-ip": "172.18.0.2", "cluster-announce-port": port }
        : spec.topology === "standalone"
          ? {}
          : { "replica-announce-ip": "toxiproxy", "replica-announce-port": port, ...(i > 0 ? { replicaof: `toxiproxy ${PORT_BASE[spec.topology]}` } : {}) };
    const master = spec.topology === "cluster" ? i < 3 : i === 0;
    return { name: `redis-${i}`, role: master ? "master" : "slave", config };
  });
  const sentinels = spec.topology === "sentinel" ? [0, 1, 2].map((i) => ({ name: `sentinel-${i}`, config: {} })) : [];
  const links = nodes.flatMap((x) => [
    { name: `client-${x.name}`, upstream: `${x.name}:6379` },
    ...(spec.topology === "standalone" ? [] : [{ name: `peer-${x.name}`, upstream: `${x.name}:6379` }]),
  ]);
  return {
    kind: spec.topology,
    image,
    server: { ...server, mode: spec.topology === "cluster" ? "cluster" : "standalone", role: "master" },
    nodes,
    sentinels,
    links,
  };
}

export function syntheticReport(spec: SyntheticSpec): RunReport {
  const durationMs = (spec.durationS ?? 30) * 1000;
  const rate = spec.rate ?? 200;
  const warmupS = spec.warmupS ?? 2;
  const image = spec.image ?? "redis-chaos/redis:7.0";
  const scenario = validateScenario(
    {
      name: spec.name,
      description: `A synthetic ${spec.topology} run (test/helpers/synthetic-run.ts).`,
      topology: { kind: spec.topology, image },
      ...(spec.fault?.kind === "bgsave" ? { dataset: { size: "256mb" } } : {}),
      workload: { rate, duration: durationMs / 1000, warmup: warmupS, readRatio: spec.readRatio ?? 0.5 },
      faults: spec.fault ? [{ kind: spec.fault.kind, at: spec.fault.atS, ...(spec.fault.kind === "bgsave" ? {} : { for: spec.fault.forS }) }] : [],
      ...(spec.appRate ? { app: { rate: spec.appRate } } : {}),
      budgets: spec.budgets ?? {},
    },
    "synthetic",
  );
  const rng = new Rng(spec.seed ?? 7);
  const phases = new PhaseClock(warmupS * 1000);
  const recorder = new Recorder(phases);
  const ledger = new WriteLedger();
  const staleReads = new StaleReadLog();
  const timeline = new Timeline(() => 0);
  const topology = topologyOf(spec, image);
  const faultAt = spec.fault ? spec.fault.atS * 1000 + 17 : undefined;
  const healAt = spec.fault ? (spec.fault.atS + spec.fault.forS) * 1000 : undefined;
  if (faultAt !== undefined) {
    phases.markFaultStart(faultAt);
    phases.markFaultEnd(healAt!);
  }
  const inFault = (t: number) => faultAt !== undefined && t >= faultAt && t < healAt!;
  const failing = (t: number) => (spec.outage && t >= spec.outage.fromS * 1000 && t < spec.outage.toS * 1000 ? spec.outage.error : undefined);
  const base = spec.baseLatencyMs ?? 0.4;
  const latency = (t: number) => {
    const tail = rng.next() < 0.01 ? base * (4 + 6 * rng.next()) : 0;
    return base * (0.6 + 0.8 * rng.next()) + tail + (inFault(t) && spec.spikeMs ? spec.spikeMs * rng.next() : 0);
  };

  // The load: every operation at its intended start, through the recorder and, for writes, the ledger.
  const total = Math.ceil((durationMs * rate) / 1000);
  let lastIssueMs = 0;
  for (let i = 0; i < total; i++) {
    const intendedMs = (i * 1000) / rate;
    lastIssueMs = intendedMs;
    const error = failing(intendedMs);
    const took = error === "timeout" ? 1000 : error ? 2 : latency(intendedMs);
    const doneMs = intendedMs + took;
    const read = ledger.lastAckedId >= 0 && rng.next() < (spec.readRatio ?? 0.5);
    if (read) {
      if (!error) staleReads.record(ledger.lastAckedAtMs, intendedMs + 0.01, true);
    } else {
      const id = ledger.begin(intendedMs);
      ledger.settle(id, doneMs, error);
    }
    const lagMs = spec.driverLagMs ?? 0.01;
    recorder.record({ kind: read ? "read" : "write", intendedMs, sentMs: intendedMs + lagMs, doneMs: doneMs + lagMs, ...(error ? { error } : {}) });
  }

  // The read-back: every acknowledged write is there, but those the spec says vanished.
  const present = Uint8Array.from({ length: ledger.size }, (_, id) => (ledger.outcomeOf(id) === ACKED ? 1 : 0));
  const acked = (pick: (replyMs: number) => boolean) =>
    Array.from({ length: ledger.size }, (_, id) => id).filter((id) => ledger.outcomeOf(id) === ACKED && pick(ledger.replyMsOf(id)));
  if (faultAt !== undefined) {
    if (spec.lostBeforeFault) for (const id of acked((t) => t <= faultAt).slice(-spec.lostBeforeFault)) present[id] = 0;
    for (const id of acked((t) => inFault(t)).slice(0, spec.splitBrainLost ?? 0)) present[id] = 0;
  }

  // The timeline, as the stages, faults and probes would have written it.
  timeline.add("topology-starting", { topology: spec.topology, image }, -9000);
  timeline.add("topology-ready", { server: topology.server.server, version: topology.server.version }, -2000);
  timeline.add("load-started", { mode: "open-loop" }, 0);
  const failsOver = spec.topology === "sentinel" || spec.topology === "cluster";
  const switchAt = faultAt !== undefined ? faultAt + 3400 : undefined;
  if (spec.fault && faultAt !== undefined) {
    timeline.add("fault-injected", { fault: spec.fault.kind, nodes: ["redis-0"] }, faultAt);
    if (spec.fault.kind === "kill") timeline.add("sampler-unreachable", { node: "redis-0", error: "connect ECONNREFUSED" }, faultAt + 120);
    if (spec.topology === "sentinel" && spec.fault.kind !== "bgsave") {
      for (const s of topology.sentinels)
        timeline.add("sentinel", { sentinel: s.name, channel: "+sdown", message: "master mymaster toxiproxy 22000" }, faultAt + 3000 + rng.int(40));
      timeline.add("sentinel", { sentinel: "sentinel-1", channel: "+odown", message: "master mymaster toxiproxy 22000 #quorum 2/2" }, faultAt + 3060);
      for (const s of topology.sentinels)
        timeline.add("sentinel", { sentinel: s.name, channel: "+switch-master", message: "mymaster toxiproxy 22000 toxiproxy 22001" }, switchAt! + rng.int(30));
    }
    if (spec.topology === "cluster" && spec.fault.kind !== "bgsave") {
      timeline.add("cluster-node-flags", { node: "redis-0", from: "master", to: "master,fail" }, faultAt + 5200);
      for (const n of ["redis-1", "redis-2"]) timeline.add("cluster-state", { node: n, state: "fail" }, faultAt + 5200 + rng.int(50));
      for (const n of ["redis-1", "redis-2"]) timeline.add("cluster-state", { node: n, state: "ok" }, faultAt + 6100 + rng.int(50));
    }
    if (failsOver && spec.fault.kind !== "bgsave")
      timeline.add("role-change", { node: spec.topology === "cluster" ? "redis-3" : "redis-1", from: "slave", to: "master" }, switchAt! + 200);
    timeline.add("fault-healed", { fault: spec.fault.kind }, healAt!);
    if (spec.fault.kind === "kill") timeline.add("sampler-reachable", { node: "redis-0" }, healAt! + 300);
    if (spec.fault.kind === "bgsave") timeline.add("fork", { node: "redis-0", forkUs: 16_800 }, faultAt + 60);
    if (failsOver && spec.fault.kind === "kill") timeline.add("rejoined-as-replica", { node: "redis-0" }, healAt! + 4000);
  }
  timeline.add("load-finished", { issued: total }, durationMs);

  // INFO samples every 250 ms: roles, offsets (replicas a little behind the master they follow), commands processed.
  const samples: ServerSample[] = [];
  const killed = (t: number) => spec.fault?.kind === "kill" && faultAt !== undefined && t >= faultAt && t < healAt! + 300;
  const promoted = spec.topology === "cluster" ? "redis-3" : "redis-1";
  for (let t = -250; t <= durationMs; t += 250) {
    const offset = Math.round(Math.max(0, t) * rate * 0.05);
    const switched = failsOver && switchAt !== undefined && t >= switchAt + 200;
    for (const n of topology.nodes) {
      if (n.name === "redis-0" && killed(t)) continue;
      const initialMaster = n.role === "master";
      const isMaster =
        switched && spec.fault?.kind !== "bgsave"
          ? n.name === "redis-0"
            ? false
            : n.name === promoted || (initialMaster && n.name !== "redis-0")
          : initialMaster;
      const port = (name: string) => PORT_BASE[spec.topology] + Number(name.split("-")[1]);
      const followed =
        spec.topology === "cluster" ? (n.name === "redis-0" ? "redis-3" : `redis-${Number(n.name.split("-")[1]) % 3}`) : switched ? promoted : "redis-0";
      const values: Record<string, number | string> = {
        role: isMaster ? "master" : "slave",
        used_memory: 2_000_000 + offset,
        total_commands_processed: Math.round(Math.max(0, t) * (rate / 1000) * (isMaster ? 1 : 0.02)) + (isMaster ? 10 : 5),
        connected_clients: 6,
      };
      if (isMaster)
        Object.assign(values, { master_repl_offset: offset, connected_slaves: spec.topology === "standalone" ? 0 : spec.topology === "cluster" ? 1 : 2 });
      else
        Object.assign(values, {
          slave_repl_offset: Math.max(0, offset - rng.int(400)),
          master_host: spec.topology === "cluster" ? "172.18.0.2" : "toxiproxy",
          master_port: port(followed),
          master_link_status: "up",
        });
      samples.push({ tMs: t + rng.int(4), node: n.name, infoLatencyMs: 0.3, values });
    }
  }

  // What the fault recorded, as its definition writes it.
  const faults: AnyFaultRecord[] = [];
  if (spec.fault && faultAt !== undefined) {
    const common = { requestedAtMs: spec.fault.atS * 1000, sentAtMs: faultAt, observedAtMs: faultAt + 160, healedAtMs: healAt! };
    if (spec.fault.kind === "bgsave")
      faults.push({
        kind: "bgsave",
        ...common,
        sentAtMs: common.requestedAtMs,
        observedAtMs: common.requestedAtMs + 17,
        details: {
          node: "redis-0",
          forkUs: 16_800,
          copyOnWriteBytes: 6_594_560,
          usedMemoryBytes: 290_000_000,
          usedMemoryPeakBytes: 301_000_000,
          usedMemoryRssBytes: 312_000_000,
          keysAfter: 262_144,
          oomKilled: false,
          bgsaveStatus: "ok",
          bgsaveObservedMs: healAt! - common.requestedAtMs,
          forksBefore: 0,
          forksAfter: 1,
          keys: 262_144,
        },
      });
    else if (spec.fault.kind === "kill")
      faults.push({
        kind: "kill",
        ...common,
        details: {
          nodes: ["redis-0"],
          target: "primary",
          engineAnsweredAfterMs: 233,
          restarted: ["redis-0"],
          ...(failsOver ? { rejoinedAsReplicaAfterHealMs: 4000 } : {}),
        },
      });
    else
      faults.push({
        kind: "pause",
        ...common,
        details: { node: "redis-0", target: "primary", ...(failsOver ? { stillPrimary: false, rejoinedAsReplicaAfterHealMs: 2500 } : {}) },
      });
  }

  const driver = { mode: "open-loop" as const, issued: total, lastIssueMs, endMs: durationMs + 3 };
  const load = { endMs: driver.endMs, lastIssueMs, faultStarts: faults.map((f) => f.sentAtMs), objectiveMs: scenario.workload.objectiveMs };
  const checked = checkAll(
    {
      recorder,
      phases,
      ledger,
      readBack: spec.status && spec.status !== "completed" ? null : present,
      staleReads: { log: staleReads, from: "primary" },
      registers: null,
      cacheReads: null,
      dir: "",
      faults,
      oomKills: [],
      instrument: {
        engine: "ioredis",
        mode: "open-loop",
        calibration: CALIBRATION,
        via: "fault-layer",
        eventLoop: Array.from({ length: durationMs / 1000 }, (_, k) => (spec.driverLagMs ? 0.97 : 0.12 + 0.01 * (k % 3))),
      },
      load: driver,
      objectiveMs: scenario.workload.objectiveMs,
    },
    scenario.budgets,
  );
  const convergence = {
    converged: true,
    tookMs: 412,
    primary: failsOver && spec.fault?.kind !== "bgsave" ? promoted : "redis-0",
    roles: Object.fromEntries(topology.nodes.map((n) => [n.name, n.role])),
  };
  return buildReport({
    scenario,
    status: spec.status ?? "completed",
    ...(spec.problem ? { problem: spec.problem } : {}),
    startedAt: new Date(STARTED),
    finishedAt: new Date(STARTED + durationMs + 14_000),
    environment: {
      host: {
        kernel: "Linux 6.18.0",
        transparentHugePages: "madvise",
        overcommitMemory: "1",
        cores: 2,
        cpuModel: "synthetic CPU",
        memoryBytes: 24 * 2 ** 30,
        node: "v20.20.2",
        dockerServerVersion: "20.10.24",
        dockerOperatingSystem: "Debian GNU/Linux 12",
        dockerUserlandProxy: "off",
        engine: { at: "this machine's engine", cores: 2, memoryBytes: 8 * 2 ** 30 },
      },
      images: [{ name: image, id: `sha256:${"ab".repeat(32)}`, repoDigests: [], created: "2026-11-30T00:00:00Z" }],
      warnings: [],
    },
    topology,
    dataset: spec.fault?.kind === "bgsave" ? { keys: 262_144, usedMemoryBytes: 290_000_000 } : { keys: 0, usedMemoryBytes: null },
    driver,
    recorder,
    faults,
    convergence: spec.status && spec.status !== "completed" ? null : convergence,
    checked,
    probes: {
      samples,
      nodeLoad: nodeLoad(samples, driver.endMs),
      redirections: spec.topology === "cluster" ? { moved: 18, ask: 0 } : null,
      // The harness's own memory every 5 s: a garbage collector's saw-tooth on a flat floor.
      harnessMemory: {
        intervalMs: 5000,
        samples: Array.from({ length: Math.floor(durationMs / 5000) + 2 }, (_, k) => ({
          tMs: k * 5000 - 2000,
          rssBytes: (190 + 12 * (k % 4)) * 2 ** 20,
          heapUsedBytes: (48 + 9 * (k % 4)) * 2 ** 20,
          arrayBuffersBytes: 7 * 2 ** 20,
        })),
      },
      ...(spec.appRate ? { app: syntheticApp(spec, scenario.app!, phases, rng, lastIssueMs, failing) } : {}),
    },
    timeline: timeline.events,
  });
}

/** The app tier's users: one request per connection a second, failing (503/504) while Redis does. */
function syntheticApp(
  spec: SyntheticSpec,
  app: NonNullable<RunReport["scenario"]["app"]>,
  phases: PhaseClock,
  rng: Rng,
  lastIssueMs: number,
  failing: (t: number) => ErrorClass | undefined,
) {
  const recorder = new Recorder(phases);
  const httpStatus: Record<string, number> = {};
  const redisErrors = emptyErrorCounts();
  const durationMs = (spec.durationS ?? 30) * 1000;
  for (let i = 0; i < (durationMs * app.rate) / 1000 + app.rate / 2; i++) {
    const intendedMs = (i * 1000) / app.rate;
    const error = failing(intendedMs);
    const kind = i % 2 ? "read" : "write";
    const doneMs = intendedMs + (error === "timeout" ? 1000 + 900 * rng.next() : error ? 3 : 1 + 2 * rng.next());
    const status = error ? (error === "timeout" ? "504" : "503") : kind === "read" ? "200" : "204";
    httpStatus[status] = (httpStatus[status] ?? 0) + 1;
    if (error) redisErrors[error]++;
    recorder.record({ kind, intendedMs, sentMs: intendedMs, doneMs, ...(error ? { error } : {}) });
  }
  const counts = { connections: app.rate, instances: Math.min(20, app.rate), readShare: 0.5, httpStatus, unfinished: 0 };
  return appTierReport(app, recorder, counts, redisErrors, {
    endMs: durationMs + 3,
    lastIssueMs,
    faultStarts: phases.faultStartMs === undefined ? [] : [phases.faultStartMs],
    objectiveMs: 1000,
  });
}

/** The runs the fixtures (test/fixtures/report-*.json) are made from: `npm run fixtures` writes them. */
export const FIXTURES: Record<string, SyntheticSpec> = {
  "report-sentinel-master-kill.json": {
    name: "sentinel-master-kill",
    topology: "sentinel",
    fault: { kind: "kill", atS: 8, forS: 10 },
    outage: { fromS: 8, toS: 11.5, error: "timeout" },
    lostBeforeFault: 3,
    budgets: { rtoMs: 10_000, maxLostWrites: 100, p99Ms: { baseline: 50, recovery: 50 } },
  },
  "report-cluster-master-kill.json": {
    name: "cluster-master-kill",
    topology: "cluster",
    fault: { kind: "kill", atS: 8, forS: 12 },
    outage: { fromS: 8, toS: 14, error: "timeout" },
    budgets: { rtoMs: 15_000, maxLostWrites: 100 },
  },
  "report-tour-sentinel-app.json": {
    name: "tour-sentinel-master-kill",
    topology: "sentinel",
    durationS: 24,
    fault: { kind: "kill", atS: 6, forS: 8 },
    outage: { fromS: 6, toS: 9.2, error: "timeout" },
    appRate: 100,
    budgets: { rtoMs: 10_000, maxLostWrites: 100 },
  },
  "report-standalone-bgsave.json": {
    name: "standalone-bgsave",
    topology: "standalone",
    durationS: 20,
    fault: { kind: "bgsave", atS: 8, forS: 2.3 },
    spikeMs: 12,
    budgets: { p99Ms: { baseline: 15, fault: 100, recovery: 15 }, maxErrorRate: { baseline: 0, fault: 0.001, recovery: 0 } },
  },
};

/** A fixture file's contents, exactly as `npm run fixtures` writes it. */
export const fixtureText = (spec: SyntheticSpec) => JSON.stringify(syntheticReport(spec), null, 1) + "\n";
