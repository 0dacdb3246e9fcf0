import { performance } from "node:perf_hooks";
import type { Histogram } from "hdr-histogram-js";
import type { UtilizationSource } from "../measure/event-loop.js";
import { decodeHistogram, encodeHistogram, newHistogram, recordUs } from "../measure/histogram.js";
import type { WriteLedger } from "../measure/ledger.js";
import { OpLog } from "../measure/op-log.js";
import type { StaleReadLog } from "../measure/stale-reads.js";
import type { TimelineEvent } from "../measure/timeline.js";
import type { DriverResult, Sink } from "./driver.js";
import type { FromShard, ToShard } from "./shard-runner.js";

/** One shard's way to the run: a worker thread, or a process on another host (its standard streams over SSH). */
export interface DriverEndpoint {
  /** Where it runs, for the report ("thread 1", "ssh root@10.0.0.3"). */
  label: string;
  send(m: ToShard): void;
  /** The one handler of what it sends (set again replaces it). */
  onMessage(handle: (m: FromShard) => void): void;
  /** It ended or broke without saying so (a thread that exited, an SSH session that closed). */
  onGone(handle: (why: string) => void): void;
  /** Its event loop, where it can be read from here (a thread's). */
  eventLoop?: UtilizationSource;
  stop(): Promise<void>;
}

/** What the report says of each driver of a sharded load. */
export interface DriverSummary {
  driver: string;
  ops: number;
  /** How late it sent its operations (send minus intended start): a driver over 1 ms at P99 held its load back. */
  scheduleLagP99Ms: number;
  /**
   * Its clock minus the run's, as measured before the load (the round trip's half is the uncertainty). Each process's
   * clock is the wall time at its start plus the monotonic time since, so even on one machine two processes differ by
   * any step the wall clock took between their starts.
   */
  clockOffsetMs: number;
  clockUncertaintyMs: number;
  /** Its own count, latency histogram and ledger writes, made where it ran, equal those the run received from it. */
  arrivedWhole: boolean;
}

/** Over 1 ms of schedule lag at P99, a driver is named as having held the load back (check/instrument.ts uses the same). */
export const DRIVER_BOUND_LAG_US = 1000;

interface Shard {
  endpoint: DriverEndpoint;
  offsetMs: number;
  uncertaintyMs: number;
  received: number;
  /** Ledger writes adopted from it. */
  writes: number;
  lag: Histogram;
  latency: Histogram;
  own?: { ops: number; latency: Histogram; writes: number };
}

/** Where the run keeps what the drivers' workload keeps: their writes and reads are merged into these by (shard, id). */
export interface RunStores {
  ledger: WriteLedger;
  staleReads: StaleReadLog;
}

/**
 * A load sharded over drivers (threads of this process, or processes on other hosts): started (connected, keys built)
 * before the run clock starts, their clocks read against this one, then all told to go at once, operation 0 at one
 * agreed instant on each one's own clock. Every operation they measure comes back with its times on the run clock and
 * goes to `sink`, so the run's recorder builds its histograms and op log from exactly the operations it would have
 * recorded on one driver; each driver's own totals come back too, and must equal what arrived from it.
 */
export class Drivers {
  private constructor(private readonly shards: Shard[]) {}

  /** Starts the drivers and waits until every one is connected and ready, then reads each one's clock. */
  static async start(endpoints: DriverEndpoint[], timeoutMs = 60_000): Promise<Drivers> {
    try {
      await Promise.all(endpoints.map((e) => expect(e, "ready", timeoutMs)));
      const shards: Shard[] = [];
      for (const endpoint of endpoints)
        shards.push({ endpoint, ...(await clockOf(endpoint)), received: 0, writes: 0, lag: newHistogram(), latency: newHistogram() });
      return new Drivers(shards);
    } catch (err) {
      await Promise.all(endpoints.map((e) => e.stop().catch(() => {})));
      throw err;
    }
  }

  /** The drivers' event loops that can be watched from here (threads'). */
  get eventLoops(): UtilizationSource[] {
    return this.shards.flatMap((s) => (s.endpoint.eventLoop ? [s.endpoint.eventLoop] : []));
  }

  /**
   * Tells every driver to go (`originAbs`: the run clock's 0 as performance.timeOrigin + now here, moved onto each
   * driver's clock), and resolves once all are done: the operations issued, summed; the last issue and the last reply,
   * the latest of any driver.
   */
  go(originAbs: number, sink: Sink, timelineAdd: (e: TimelineEvent) => void, signal?: AbortSignal, stores?: RunStores): Promise<DriverResult> {
    const results = this.shards.map(
      (s) =>
        new Promise<DriverResult>((resolve, reject) => {
          const { endpoint } = s;
          endpoint.onMessage((m) => {
            if (m.type === "ops") this.deliver(s, m, sink, timelineAdd, stores);
            else if (m.type === "totals") s.own = { ops: m.ops, latency: decodeHistogram(m.latency), writes: m.writes };
            else if (m.type === "done") resolve(m.result);
            else if (m.type === "error") reject(new Error(`driver ${endpoint.label}: ${m.error}`));
          });
          endpoint.onGone((why) => reject(new Error(`driver ${endpoint.label} ${why} before its load was done`)));
          endpoint.send({ type: "go", originAbs: originAbs + s.offsetMs });
        }),
    );
    const abort = () => this.shards.forEach((s) => s.endpoint.send({ type: "abort" }));
    signal?.addEventListener("abort", abort, { once: true });
    // One driver broken: the others stop too, and nothing more of theirs reaches the sink.
    for (const r of results)
      r.catch(() => {
        abort();
        for (const s of this.shards) s.endpoint.onMessage(() => {});
      });
    return Promise.all(results)
      .then((rs) => ({
        mode: rs[0].mode,
        issued: rs.reduce((a, r) => a + r.issued, 0),
        lastIssueMs: Math.max(...rs.map((r) => r.lastIssueMs)),
        endMs: Math.max(...rs.map((r) => r.endMs)),
      }))
      .finally(() => {
        signal?.removeEventListener("abort", abort);
        for (const s of this.shards) s.endpoint.onGone(() => {});
      });
  }

  private deliver(s: Shard, m: Extract<FromShard, { type: "ops" }>, sink: Sink, timelineAdd: (e: TimelineEvent) => void, stores?: RunStores): void {
    const log = OpLog.of(m.chunk);
    let messages = 0;
    for (let i = 0; i < log.length; i++) {
      const op = log.at(i);
      if (op.error === "other" && messages < m.messages.length) op.message = m.messages[messages++];
      recordUs(s.lag, (op.sentMs - op.intendedMs) * 1000);
      recordUs(s.latency, (op.doneMs - op.intendedMs) * 1000);
      s.received++;
      sink(op);
    }
    for (const e of m.events) timelineAdd(e);
    // (Without stores, none is adopted, and the driver does not count as arrived whole.)
    if (m.writes && stores) {
      stores.ledger.adopt(m.writes);
      s.writes += m.writes.outcome.length;
    }
    if (m.staleReads) stores?.staleReads.adopt(m.staleReads);
  }

  /** Each driver: what it sent, how late, its clock, and whether what arrived is all it measured. */
  summaries(): DriverSummary[] {
    return this.shards.map((s) => ({
      driver: s.endpoint.label,
      ops: s.received,
      scheduleLagP99Ms: s.lag.getValueAtPercentile(99) / 1000,
      clockOffsetMs: round3(s.offsetMs),
      clockUncertaintyMs: round3(s.uncertaintyMs),
      arrivedWhole: s.own !== undefined && s.own.ops === s.received && s.own.writes === s.writes && sameHistogram(s.own.latency, s.latency),
    }));
  }

  /** The drivers' own latency histograms added together (each as it was made where it ran). */
  mergedLatency(): Histogram {
    const merged = newHistogram();
    for (const s of this.shards) if (s.own) merged.add(s.own.latency);
    return merged;
  }

  async stop(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.endpoint.stop()));
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Equal counts in every bucket. Each is copied into a fresh histogram first: one that was added or decoded keeps its
 * max as its bucket's highest value, one that was recorded keeps the exact value, and that is all that differs.
 */
export function sameHistogram(a: Histogram, b: Histogram): boolean {
  const bucketsOf = (h: Histogram) => {
    const copy = newHistogram();
    copy.add(h);
    return encodeHistogram(copy);
  };
  return a.totalCount === b.totalCount && bucketsOf(a) === bucketsOf(b);
}

function expect(e: DriverEndpoint, type: FromShard["type"], timeoutMs: number): Promise<FromShard> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`driver ${e.label} was not ${type} within ${timeoutMs / 1000} s`)), timeoutMs);
    const done = (f: () => void) => {
      clearTimeout(timer);
      f();
    };
    e.onMessage((m) =>
      m.type === type ? done(() => resolve(m)) : m.type === "error" ? done(() => reject(new Error(`driver ${e.label}: ${m.error}`))) : undefined,
    );
    e.onGone((why) => done(() => reject(new Error(`driver ${e.label} ${why} before it was ready`))));
  });
}

/**
 * A driver's clock against this one, as NTP reads it: asked five times, the answer with the shortest round trip kept;
 * its offset is its clock minus ours at the round trip's middle, uncertain by half the round trip.
 */
async function clockOf(e: DriverEndpoint): Promise<{ offsetMs: number; uncertaintyMs: number }> {
  let best = { offsetMs: 0, uncertaintyMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 5; i++) {
    const sentAbs = performance.timeOrigin + performance.now();
    e.send({ type: "clock?" });
    const m = (await expect(e, "clock", 10_000)) as Extract<FromShard, { type: "clock" }>;
    const backAbs = performance.timeOrigin + performance.now();
    const half = (backAbs - sentAbs) / 2;
    if (half < best.uncertaintyMs) best = { offsetMs: m.nowAbs - (sentAbs + half), uncertaintyMs: half };
  }
  return best;
}
