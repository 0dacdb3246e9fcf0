import { availability, type Availability } from "../check/availability.js";
import type { AnyPhase } from "../measure/phases.js";
import { emptyErrorCounts, type ErrorCounts } from "../measure/errors.js";
import type { OpStatsSummary } from "../measure/op-stats.js";
import { Recorder, type SecondSummary } from "../measure/recorder.js";
import type { LoadSummary, Probe, ProbeContext } from "../measure/probe.js";
import type { AppTier } from "./schema.js";
import { startAppServer, type AppServer } from "./app-server.js";
import type { AppLoad, AppLoadCounts } from "./autocannon-load.js";
import { startAppLoadThread } from "./app-load-thread.js";

/** What the application's users saw: the same measures as the Redis level, over HTTP. */
export interface AppTierReport {
  rate: number;
  /** The share of requests that read, as run (whole autocannon instances read or write). */
  readShare: number;
  connections: number;
  autocannonInstances: number;
  latencyMeaning: string;
  phases: Record<AnyPhase, OpStatsSummary>;
  total: OpStatsSummary;
  availability: Availability;
  httpStatus: Record<string, number>;
  /** The Redis errors behind the app's 5xx answers, by class. */
  redisErrors: ErrorCounts;
  unfinished: number;
  perSecond: SecondSummary[];
}

/**
 * The app tier of one run, as a probe: the HTTP service (started with the probes, on its own client of the topology's
 * kind), the autocannon load against it (from the load's start to its end, in a thread of its own), and its own
 * recorder on the run's phases.
 */
export class AppTierProbe implements Probe<{ app: AppTierReport }> {
  readonly name = "app-tier";
  private load: AppLoad | undefined;
  private counts: AppLoadCounts | undefined;
  private server: AppServer | undefined;
  private readonly client;
  readonly recorder: Recorder;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly spec: AppTier,
  ) {
    this.recorder = new Recorder(ctx.phases);
    this.client = ctx.topology.newClient();
    this.client.on("error", () => {}); // each request sees its own error
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.server = await startAppServer(this.client);
  }

  /** The load starts with the run clock. */
  rebase(): void {
    this.load = startAppLoadThread(
      { baseUrl: this.server!.url, rate: this.spec.rate, readRatio: this.spec.readRatio, timeoutS: this.spec.timeout },
      this.ctx.clock,
      (op) => this.recorder.record(op),
    );
  }

  async loadFinished(): Promise<void> {
    const load = this.load;
    this.load = undefined;
    if (load) this.counts = await load.stop();
  }

  async stop(): Promise<void> {
    await this.loadFinished().catch(() => {});
    await this.server?.close();
    this.client.disconnect();
  }

  contribute(load: LoadSummary): { app: AppTierReport } {
    const counts = this.counts ?? { connections: 0, instances: 0, readShare: 0, httpStatus: {}, unfinished: 0 };
    return { app: appTierReport(this.spec, this.recorder, counts, { ...(this.server?.redisErrors ?? emptyErrorCounts()) }, load) };
  }
}

/** The app tier's section of the report, from its recorder and autocannon's counts. */
export function appTierReport(spec: AppTier, recorder: Recorder, counts: AppLoadCounts, redisErrors: ErrorCounts, load: LoadSummary): AppTierReport {
  const { phases, total } = recorder.summaries();
  return {
    rate: spec.rate,
    readShare: counts.readShare,
    connections: counts.connections,
    autocannonInstances: counts.instances,
    latencyMeaning:
      "HTTP, from each request's intended start: when autocannon (in a thread of its own) was due to send it; its own correction off; requests a busy connection never sent count as waiting until it came free",
    phases,
    total,
    availability: availability({
      writes: recorder.log.writesByIntendedStart(),
      faultStarts: load.faultStarts,
      endMs: load.lastIssueMs,
      objectiveMs: load.objectiveMs,
    }),
    httpStatus: counts.httpStatus,
    redisErrors,
    unfinished: counts.unfinished,
    perSecond: recorder.perSecond(),
  };
}
