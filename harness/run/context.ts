import { performance } from "node:perf_hooks";
import type { AnyFaultRecord } from "../faults/registry.js";
import type { ImageFacts } from "../infra/docker.js";
import type { HostFacts } from "../infra/environment.js";
import type { HarnessError } from "../infra/errors.js";
import type { OomKill } from "../measure/container-memory.js";
import type { ResourceEstimate } from "../scenario/resource-guard.js";
import type { ContainerLimits } from "../topology/definition.js";
import type { Settings } from "../infra/settings.js";
import { WriteLedger, type ReadBack } from "../measure/ledger.js";
import type { LedgerVerifier } from "../measure/ledger-verifier.js";
import { PhaseClock } from "../measure/phases.js";
import type { Probe } from "../measure/probe.js";
import { Recorder } from "../measure/recorder.js";
import { EventLoopMonitor } from "../measure/event-loop.js";
import { RegisterHistory } from "../measure/register-history.js";
import { CacheReads } from "../measure/cache-reads.js";
import { StaleReadLog } from "../measure/stale-reads.js";
import { Timeline } from "../measure/timeline.js";
import { Progress } from "../report/progress.js";
import type { ProbeSections } from "../report/types.js";
import type { Scenario } from "../scenario/schema.js";
import type { LoadedTarget } from "../scenario/target-file.js";
import type { Convergence, Topology, TopologyDescription } from "../topology/types.js";
import type { Connections } from "../workload/engines/command-client.js";
import type { Calibration } from "../workload/calibration.js";
import type { DriverResult } from "../workload/driver.js";
import type { Drivers } from "../workload/drivers.js";

export interface RunOptions {
  settings: Settings;
  progress?: Progress;
  /** Abort (Ctrl-C): stop the load, heal, write what was measured, stop the containers. */
  signal?: AbortSignal;
  /** Also write history.csv (every write and its outcome) and readback.csv (every key after convergence). */
  exportHistory?: boolean;
  /** A deployment the harness did not start (`--target`), checked against the scenario: the run attaches to it instead of starting one. */
  target?: LoadedTarget;
}

/**
 * The run clock: ms since the load's first intended operation (performance.now() minus an origin). Before the load it
 * runs from the context's creation; the load stage moves the origin once, and every time kept so far moves with it.
 */
export class RunClock {
  private origin = performance.now();
  readonly now = () => performance.now() - this.origin;
  /** Restarts the clock at `atPerfMs` (performance.now() time); returns by how much earlier times move. */
  restartAt(atPerfMs: number): number {
    const shift = atPerfMs - this.origin;
    this.origin = atPerfMs;
    return shift;
  }
}

/**
 * One run's state, shared by its stages (harness/run/stages/): what is fixed from the start (the scenario, the clock,
 * the stores of the history), and what each stage establishes for the ones after it. Teardown is one list: a stage that
 * starts something defers its stop, and the run stops everything in reverse whatever happened.
 */
export class RunContext {
  readonly clock = new RunClock();
  readonly timeline = new Timeline(this.clock.now);
  readonly phases: PhaseClock;
  readonly recorder: Recorder;
  readonly ledger: WriteLedger;
  readonly staleReads = new StaleReadLog();
  readonly cacheReads = new CacheReads();
  readonly registers = new RegisterHistory();
  readonly eventLoop = new EventLoopMonitor();
  readonly startedAt = new Date();
  readonly image: string;
  readonly progress: Progress;
  /** Aborts on the user's interruption, or when the run stops itself (stopRun). */
  readonly signal: AbortSignal;
  /** OOM kills inside the run's containers (the container-memory probe records them; the OOM checker judges). */
  readonly oomKills: OomKill[] = [];
  /** Why the run stopped itself, when it did (the host short of memory): the run ends aborted, with this error's exit code. */
  stopReason: HarnessError | undefined;
  private readonly stopper = new AbortController();
  /** Each container's memory limit (the resource guard's). */
  readonly limits: ContainerLimits;

  environment: { host: HostFacts | null; images: ImageFacts[]; warnings: string[]; resources?: ResourceEstimate } = { host: null, images: [], warnings: [] };
  topology: Topology | undefined;
  description: TopologyDescription | null = null;
  dataset = { keys: 0, usedMemoryBytes: null as number | null };
  clients: { pool: Connections; readPool?: Connections } | undefined;
  probes: Probe<Partial<ProbeSections>>[] = [];
  /** The instrument's floor, measured before the load (null: not measured). */
  calibration: Calibration | null = null;
  driver: DriverResult;
  /** A load sharded over drivers (threads, or processes on other hosts): each one's report. */
  drivers: Drivers | undefined;
  faults: AnyFaultRecord[] = [];
  convergence: Convergence | null = null;
  /** What the read-back found per write, and the values it read (kept for --export only, else empty). */
  readBack: { present: ReadBack; values: Array<string | null> } | null = null;
  /** A ledger with reused keys: read as the load went (run/ledger-verification.ts); the read-back finishes it. */
  verifier?: LedgerVerifier;
  /** What went wrong without an exception (a fault that failed, a topology that never converged): the run failed. */
  readonly problems: string[] = [];
  private readonly teardown: Array<{ what: string; stop: () => unknown }> = [];

  constructor(
    readonly scenario: Scenario,
    readonly options: RunOptions,
    /** The run's report folder. */
    readonly dir: string,
    /** What the resource guard estimated the run needs, with each container's memory limit. */
    resources: ResourceEstimate,
  ) {
    this.environment.resources = resources;
    this.limits = resources.limits;
    this.phases = new PhaseClock(scenario.workload.warmup * 1000);
    this.recorder = new Recorder(this.phases);
    this.ledger = new WriteLedger(scenario.workload.hashTag ? `w:{${scenario.workload.hashTag}}` : "w", undefined, scenario.workload.ledgerKeys ?? 0);
    this.image = options.target ? `target ${options.target.spec.name}` : (scenario.topology.image ?? options.settings.redisImage);
    this.progress = options.progress ?? new Progress();
    this.signal = options.signal ? AbortSignal.any([options.signal, this.stopper.signal]) : this.stopper.signal;
    this.driver = { mode: scenario.workload.mode, issued: 0, lastIssueMs: 0, endMs: 0 };
  }

  /** Stops the run as an interruption would (load stopped, report written, containers removed), for `reason`. */
  stopRun(reason: HarnessError): void {
    if (this.stopReason || this.signal.aborted) return;
    this.stopReason = reason;
    this.progress.step(`stopping the run: ${reason.message}`);
    this.stopper.abort(reason);
  }

  /** Something started that must stop when the run ends (teardown runs newest first). */
  defer(what: string, stop: () => unknown): void {
    this.teardown.push({ what, stop });
  }

  /** Stops everything deferred, newest first; a stop that fails does not keep the others from running. */
  async tearDown(): Promise<void> {
    for (const { what, stop } of this.teardown.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        this.progress.step(`warning: stopping ${what} failed: ${(err as Error).message}`);
      }
    }
  }

  /** The client connections (the connect stage onwards). */
  get connections(): { pool: Connections; readPool?: Connections } {
    if (!this.clients) throw new Error("no connections yet: the connect stage has not run");
    return this.clients;
  }

  /** The running topology (start-topology stage onwards). */
  get deployment(): Topology {
    if (!this.topology) throw new Error("no topology yet: the start stage has not run");
    return this.topology;
  }
}

/** A stage of a run: one step, in its own file, reading and extending the context. */
export type Stage = (ctx: RunContext) => Promise<void>;
