import { performance } from "node:perf_hooks";
import { availability } from "../check/availability.js";
import { ALL_PHASES, PhaseClock, type AnyPhase } from "../check/phases.js";
import { verdict } from "../check/verdict.js";
import { faultFor } from "../faults/index.js";
import type { FaultRecord } from "../faults/types.js";
import { containerRuntime, imageFacts, reaperExposure, requireImages, type ImageFacts } from "../infra/docker.js";
import { hostFacts, hostWarnings, type HostFacts } from "../infra/environment.js";
import { EnvironmentError, HarnessError } from "../infra/errors.js";
import type { Settings } from "../infra/settings.js";
import { Recorder } from "../measure/recorder.js";
import { ServerSampler } from "../measure/sampler.js";
import { Timeline } from "../measure/timeline.js";
import { Progress } from "../report/progress.js";
import type { PhaseReport, RunReport, RunStatus } from "../report/types.js";
import { newReportDir, writeReport, type ReportFiles } from "../report/write.js";
import { startTopology } from "../topology/index.js";
import { ClusterTopology } from "../topology/cluster.js";
import { nodeLoad } from "../measure/node-load.js";
import { watchCluster } from "../measure/cluster-watch.js";
import type { Convergence, Topology, TopologyDescription } from "../topology/types.js";
import { readBack } from "../check/read-back.js";
import { dataLoss, WriteLedger, type DataLoss } from "../measure/ledger.js";
import { followSentinelEvents } from "../measure/sentinel-events.js";
import { exportHistory } from "../report/history-export.js";
import { hdrIntervalLog } from "../report/hdr-log.js";
import { ClientPool } from "../workload/client-pool.js";
import { ledgerIssuer } from "../workload/ledger-writes.js";
import { StaleReads, type StalenessSummary } from "../measure/staleness.js";
import { preloadDataset } from "../workload/dataset.js";
import { runClosedLoop, runOpenLoop, type DriverResult } from "../workload/driver.js";
import { keyValueIssuer } from "../workload/key-value.js";
import { Metronome } from "../workload/metronome.js";
import type { FaultSpec, Scenario } from "./schema.js";
import { AppTierRun, type AppTierReport } from "../app/app-tier.js";

export interface RunOptions {
  settings: Settings;
  progress?: Progress;
  /** Abort (Ctrl-C): stop the load, heal, write what was measured, stop the containers. */
  signal?: AbortSignal;
  /** Also write history.csv (every write and its outcome) and readback.csv (every key after convergence). */
  exportHistory?: boolean;
}

/** How long the topology may take to settle after the load before the read-back goes ahead anyway. */
const CONVERGE_TIMEOUT_MS = 60_000;

export interface RunResult {
  report: RunReport;
  files: ReportFiles;
}

/** How long to wait, after the load ends, for a fault still in progress (e.g. a long BGSAVE) before giving up on it. */
const FAULT_GRACE_MS = 120_000;

/**
 * Runs one scenario end to end: topology up, dataset, sampler, load with faults on schedule, verdict, reports, and
 * everything stopped again, whatever happened. The report is written even when the run fails half-way.
 */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const progress = opts.progress ?? new Progress();
  const signal = opts.signal ?? new AbortController().signal;
  const image = scenario.topology.image ?? opts.settings.redisImage;
  const startedAt = new Date();
  let origin = performance.now();
  const clock = () => performance.now() - origin;
  const timeline = new Timeline(clock);
  const phases = new PhaseClock(scenario.workload.warmup * 1000);
  const recorder = new Recorder(phases);
  const faults: FaultRecord[] = [];
  let status: RunStatus = "completed";
  let problem: string | undefined;
  let host: HostFacts | null = null;
  let images: ImageFacts[] = [];
  let description: TopologyDescription | null = null;
  let driver: DriverResult = { mode: scenario.workload.mode, issued: 0, lastIssueMs: 0, endMs: 0 };
  let datasetKeys = 0;
  let usedMemory: number | null = null;
  let sampler: ServerSampler | undefined;
  let topology: Topology | undefined;
  let pool: ClientPool | undefined;
  let readPool: ClientPool | undefined;
  const staleness = new StaleReads();
  let stopSentinelEvents = () => {};
  let stopClusterWatch = async () => {};
  let metronome: Metronome | undefined;
  let app: AppTierRun | undefined;
  const ledger = new WriteLedger(scenario.workload.hashTag ? `w:{${scenario.workload.hashTag}}` : "w");
  let convergence: Convergence | null = null;
  let loss: DataLoss | null = null;
  let exported: { history: string; readback: string } | undefined;
  let redirections: { moved: number; ask: number } | null = null;
  let notConverged: string | undefined;
  const warnings: string[] = [];
  let thrown: unknown;
  const dir = newReportDir(opts.settings.reportsDir, scenario.name, startedAt);
  progress.step(`scenario ${scenario.name}: report folder ${dir}`);

  try {
    const runtime = await containerRuntime();
    await requireImages(runtime, [image, opts.settings.toxiproxyImage, opts.settings.ryukImage]);
    host = hostFacts(runtime);
    for (const w of hostWarnings(host)) progress.step(`warning: ${w}`);
    images = await Promise.all([image, opts.settings.toxiproxyImage].map((i) => imageFacts(runtime, i)));

    timeline.add("topology-starting", { kind: scenario.topology.kind, image });
    topology = await startTopology(scenario.topology, image, opts.settings.toxiproxyImage, scenario.client, (m) => progress.step(m)).catch((err) => {
      throw asEnvironmentError(err, "starting the topology");
    });
    signal.throwIfAborted();
    for (const w of await reaperExposure(runtime, opts.settings.ryukImage)) {
      progress.step(`warning: ${w}`);
      warnings.push(w);
    }
    description = await topology.describe();
    timeline.add("topology-ready", { server: description.server });
    progress.step(`topology up: ${description.server.server} ${description.server.version}`);

    if (scenario.dataset.size > 0 && !signal.aborted) {
      const admin = (await topology.primary()).admin;
      progress.step(`loading dataset: ${scenario.dataset.size} bytes in ${scenario.dataset.valueBytes}-byte values (DEBUG POPULATE)`);
      const { keys } = await preloadDataset(admin, scenario.dataset.size, scenario.dataset.valueBytes, signal, (done, total) =>
        progress.step(`dataset ${Math.round((100 * done) / total)}% (${done}/${total} keys)`),
      );
      datasetKeys = keys;
      usedMemory = (await (await topology.primary()).infoNumber("memory", "used_memory")) ?? null;
      timeline.add("dataset-loaded", { keys, usedMemory });
    }

    signal.throwIfAborted();
    const topo = topology;
    pool = new ClientPool(() => topo.newClient(), scenario.workload.connections, timeline);
    await pool.connect();
    if (scenario.workload.readFrom === "replicas") {
      readPool = new ClientPool(() => topo.newClient("replica"), scenario.workload.connections, timeline);
      await readPool.connect();
    }
    if (scenario.app) {
      app = await AppTierRun.start(scenario.app, topo.newClient(), phases);
      progress.step(`app tier: HTTP service up; autocannon will send ${scenario.app.rate} requests/s`);
    }
    stopSentinelEvents = await followSentinelEvents(topology.sentinels, timeline);
    if (topology instanceof ClusterTopology) stopClusterWatch = watchCluster(topology, timeline);

    sampler = new ServerSampler(
      topology.nodes.map((n) => ({ name: n.name, admin: n.admin })),
      clock,
      timeline,
      scenario.sampler.intervalMs,
    );
    await sampler.sampleOnce();

    // The run clock restarts at the first intended operation; earlier events keep negative times.
    const w = scenario.workload;
    const cluster = topology instanceof ClusterTopology ? topology : undefined;
    const redirectsBefore = await cluster?.redirections();
    metronome = w.mode === "open-loop" && w.waker === "metronome" ? await Metronome.start(Metronome.intervalFor(w.rate)) : undefined;
    const shift = metronome ? metronome.startMs - origin : clock();
    origin += shift;
    timeline.rebase(shift);
    sampler.rebase(shift);
    sampler.start();

    const durationMs = scenario.workload.duration * 1000;
    const issue = w.keys === "ledger" ? ledgerIssuer(w, pool, readPool ?? pool, ledger, staleness, clock) : keyValueIssuer(w, pool);
    const sink = (op: Parameters<typeof recorder.record>[0]) => recorder.record(op);
    progress.step(
      `load: ${scenario.workload.mode}` +
        (scenario.workload.mode === "open-loop" ? ` ${scenario.workload.rate} ops/s` : ` ${scenario.workload.connections}x${scenario.workload.pipeline} in flight`) +
        ` for ${scenario.workload.duration}s` +
        (scenario.faults.length ? `; faults: ${scenario.faults.map((f) => `${f.kind}@${f.at}s`).join(", ")}` : ""),
    );
    progress.startLoad(scenario.workload.duration, recorder, clock, () => phases.phaseAt(clock()));

    const scheduleFault = (spec: FaultSpec, atMs: number) =>
      new Promise<void>((resolve) => {
        let fired = false;
        const timer = setTimeout(async () => {
          fired = true;
          if (!signal.aborted) {
            progress.step(`fault: ${spec.kind}`);
            const requestedAtMs = clock();
            const rec = await faultFor(spec)
              .run({ topology: topo, clock, timeline, phases, signal, pool: pool!, readPool })
              .catch((err: Error) => ({ kind: spec.kind, requestedAtMs, tookEffectAtMs: null, healedAtMs: null, details: {}, error: err.message }));
            faults.push(rec);
            const healedIn = Math.round((rec.healedAtMs ?? clock()) - rec.requestedAtMs);
            progress.step(`fault ${spec.kind}: ${rec.error ? `error: ${rec.error}` : `healed after ${healedIn} ms`}`);
          }
          resolve();
        }, atMs - clock());
        // An abort cancels a fault not yet injected; one in progress heals itself (it watches the signal) and is awaited.
        signal.addEventListener("abort", () => {
          if (fired) return;
          clearTimeout(timer);
          resolve();
        });
      });

    timeline.add("load-started", { mode: w.mode }, 0);
    app?.startLoad(clock);
    const faultRuns = scenario.faults.map((spec) => scheduleFault(spec, spec.at * 1000));
    driver =
      w.mode === "open-loop"
        ? await runOpenLoop({ ratePerSec: w.rate, durationMs, metronome }, issue, sink, clock, signal)
        : await runClosedLoop({ durationMs, concurrency: w.connections * w.pipeline }, issue, sink, clock, signal);
    await metronome?.stop();
    await app?.stopLoad();
    progress.stopLoad();
    timeline.add("load-finished", { issued: driver.issued });
    if (cluster && redirectsBefore) {
      const after = await cluster.redirections();
      redirections = { moved: after.moved - redirectsBefore.moved, ask: after.ask - redirectsBefore.ask };
    }

    const graceful = await Promise.race([Promise.all(faultRuns).then(() => true), sleep(FAULT_GRACE_MS).then(() => false)]);
    if (w.keys === "ledger" && !signal.aborted) {
      progress.step("waiting for the topology to converge, then reading every write back");
      convergence = await topology.converge(CONVERGE_TIMEOUT_MS);
      timeline.add("converged", { ...convergence });
      // A write is lost only if absent once the topology has converged; before that a read-back proves nothing.
      if (!convergence.converged) notConverged = `the topology did not converge in ${CONVERGE_TIMEOUT_MS / 1000}s after the load: ${convergence.note}`;
      else {
        const back = await readBack(topology, ledger);
        loss = dataLoss(ledger, back.present, phases.faultStartMs);
        timeline.add("read-back", { writes: ledger.size, lost: loss.lost });
        if (opts.exportHistory) exported = await exportHistory(dir, ledger, back.values);
      }
    }

    const faultErrors = faults.filter((f) => f.error).map((f) => `${f.kind}: ${f.error}`);
    if (signal.aborted) {
      status = "aborted";
      problem = "interrupted before the end of the load";
    } else if (!graceful) {
      status = "failed";
      problem = `a fault had not healed ${FAULT_GRACE_MS / 1000}s after the load ended`;
    } else if (faultErrors.length) {
      status = "failed";
      problem = `fault failed: ${faultErrors.join("; ")}`;
    } else if (notConverged) {
      status = "failed";
      problem = notConverged;
    }
  } catch (err) {
    progress.stopLoad();
    status = signal.aborted ? "aborted" : "failed";
    problem = signal.aborted ? "interrupted" : err instanceof Error ? err.message : String(err);
    timeline.add("run-error", { error: problem });
    thrown = err; // rethrown once the report is on disk
  } finally {
    await metronome?.stop();
    await sampler?.stop().catch(() => {});
    stopSentinelEvents();
    await stopClusterWatch();
    await app?.close();
    pool?.close();
    readPool?.close();
    if (topology) {
      progress.step("stopping containers");
      await topology.stop();
    }
  }

  const report = buildReport({
    scenario,
    status,
    problem,
    startedAt,
    host,
    images,
    description,
    driver,
    datasetKeys,
    usedMemory,
    faults,
    recorder,
    phases,
    timeline,
    samples: sampler?.samples ?? [],
    convergence,
    loss,
    reads: scenario.workload.keys === "ledger" ? staleness.summary(scenario.workload.readFrom) : null,
    redirections,
    warnings,
    app: app?.report(phases.faultStartMs, driver.lastIssueMs) ?? null,
  });
  const files = { ...writeReport(dir, report, hdrIntervalLog(recorder, Date.now() - clock() /* the load's start, wall clock */)), ...(exported ?? {}) };
  for (const p of files.problems) progress.step(`warning: ${p.split("\n")[0]}`);
  progress.step(`report: ${files.markdown}`);
  // An interruption is not an error: the report says "aborted" and the caller exits 130. Anything else that was thrown
  // goes on to the caller as it was (a HarnessError says what to do; any other error is the harness's own bug).
  if (thrown !== undefined && status !== "aborted") throw Object.assign(thrown as object, { files, report });
  return { report, files };
}

function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms).unref());
}

/** A failure of Docker, an image or a port: the environment's, exit 3, with the message that says what broke. */
function asEnvironmentError(err: unknown, during: string): HarnessError {
  if (err instanceof HarnessError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  let hint = "Check that Docker runs (`docker info`) and the images exist (`bash docker/build-images.sh`).";
  if (/port is already allocated|address already in use/i.test(msg)) hint = "A port is taken: stop what holds it, or let Docker pick free ports.";
  if (/No such image|pull access denied|manifest unknown/i.test(msg)) hint = "The image is missing: build it with `bash docker/build-images.sh`, or set the image setting to one your registry has.";
  return new EnvironmentError(`Failed while ${during}: ${msg.split("\n")[0]}`, hint);
}

interface ReportInputs {
  scenario: Scenario;
  status: RunStatus;
  problem: string | undefined;
  startedAt: Date;
  host: HostFacts | null;
  images: ImageFacts[];
  description: TopologyDescription | null;
  driver: DriverResult;
  datasetKeys: number;
  usedMemory: number | null;
  faults: FaultRecord[];
  recorder: Recorder;
  phases: PhaseClock;
  timeline: Timeline;
  samples: RunReport["samples"];
  convergence: Convergence | null;
  loss: DataLoss | null;
  reads: StalenessSummary | null;
  redirections: { moved: number; ask: number } | null;
  warnings: string[];
  app: AppTierReport | null;
}

export function buildReport(x: ReportInputs): RunReport {
  const { phases: perPhase, total } = x.recorder.summaries();
  const warmupEnd = x.phases.warmupMs;
  const bounds: Record<AnyPhase, [number | null, number | null]> = {
    warmup: [0, warmupEnd],
    baseline: [warmupEnd, x.phases.faultStartMs ?? null],
    fault: [x.phases.faultStartMs ?? null, x.phases.faultEndMs ?? null],
    recovery: [x.phases.faultEndMs ?? null, null],
  };
  const phases = Object.fromEntries(
    ALL_PHASES.map((p) => [p, { fromMs: bounds[p][0], toMs: bounds[p][1], ...perPhase[p] } satisfies PhaseReport]),
  ) as Record<AnyPhase, PhaseReport>;
  const avail = availability(x.recorder.log.writesByIntendedStart(), x.phases.faultStartMs, x.driver.lastIssueMs);
  const v = verdict(x.scenario.budgets, perPhase, avail, x.loss);
  return {
    schemaVersion: 1,
    scenario: x.scenario,
    status: x.status,
    ...(x.problem ? { problem: x.problem } : {}),
    startedAt: x.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: { host: x.host, warnings: [...(x.host ? hostWarnings(x.host) : []), ...x.warnings], images: x.images },
    topology: x.description,
    workload: {
      mode: x.driver.mode,
      latencyMeaning:
        x.driver.mode === "open-loop"
          ? "open loop: from each operation's intended start (stalls are counted, coordinated omission corrected)"
          : "CLOSED LOOP (max throughput): service time only; stalls are hidden, do not read these as user latency",
      issued: x.driver.issued,
      loadDurationMs: Math.round(x.driver.endMs),
    },
    dataset: { requestedBytes: x.scenario.dataset.size, keys: x.datasetKeys, usedMemoryBytes: x.usedMemory },
    faults: x.faults,
    phases,
    total,
    otherErrors: [...x.recorder.otherErrors],
    availability: avail,
    convergence: x.convergence,
    dataLoss: x.loss,
    reads: x.reads,
    redirections: x.redirections,
    nodeLoad: nodeLoad(x.samples, x.driver.endMs),
    app: x.app,
    perSecond: x.recorder.perSecond(),
    timeline: x.timeline.sorted(),
    samples: x.samples,
    verdict: x.status === "completed" ? v : { ...v, pass: false, failures: [`run ${x.status}: ${x.problem}`, ...v.failures] },
  };
}
