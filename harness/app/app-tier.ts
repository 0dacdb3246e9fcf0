import { availability, type Availability } from "../check/availability.js";
import type { AnyPhase, PhaseClock } from "../check/phases.js";
import type { ErrorCounts } from "../measure/errors.js";
import type { OpStatsSummary } from "../measure/op-stats.js";
import { Recorder, type SecondSummary } from "../measure/recorder.js";
import type { AppTier } from "../scenario/schema.js";
import type { DataClient } from "../topology/types.js";
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

/** The app tier of one run: the HTTP service, the autocannon load against it, and its own recorder. */
export class AppTierRun {
  private load: AppLoad | undefined;
  private counts: AppLoadCounts | undefined;
  readonly recorder: Recorder;

  private constructor(
    private readonly spec: AppTier,
    private readonly client: DataClient,
    private readonly server: AppServer,
    phases: PhaseClock,
  ) {
    this.recorder = new Recorder(phases);
  }

  static async start(spec: AppTier, client: DataClient, phases: PhaseClock): Promise<AppTierRun> {
    client.on("error", () => {}); // each request sees its own error
    try {
      await client.connect();
      return new AppTierRun(spec, client, await startAppServer(client), phases);
    } catch (err) {
      client.disconnect();
      throw err;
    }
  }

  startLoad(clock: () => number): void {
    this.load = startAppLoadThread(
      { baseUrl: this.server.url, rate: this.spec.rate, readRatio: this.spec.readRatio, timeoutS: this.spec.timeout },
      clock,
      (op) => this.recorder.record(op),
    );
  }

  async stopLoad(): Promise<void> {
    const load = this.load;
    this.load = undefined;
    if (load) this.counts = await load.stop();
  }

  async close(): Promise<void> {
    await this.stopLoad().catch(() => {});
    await this.server.close();
    this.client.disconnect();
  }

  report(faultStartMs: number | undefined, endMs: number): AppTierReport {
    const { phases, total } = this.recorder.summaries();
    const counts = this.counts ?? { connections: 0, instances: 0, readShare: 0, httpStatus: {}, unfinished: 0 };
    return {
      rate: this.spec.rate,
      readShare: counts.readShare,
      connections: counts.connections,
      autocannonInstances: counts.instances,
      latencyMeaning:
        "HTTP, from each request's intended start: when autocannon (in a thread of its own) was due to send it; its own correction off; requests a busy connection never sent count as waiting until it came free",
      phases,
      total,
      availability: availability(this.recorder.log.writesByIntendedStart(), faultStartMs, endMs),
      httpStatus: counts.httpStatus,
      redisErrors: { ...this.server.redisErrors },
      unfinished: counts.unfinished,
      perSecond: this.recorder.perSecond(),
    };
  }
}
