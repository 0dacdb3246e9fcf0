import { dueCount, intendedStartMs, totalOps } from "./schedule.js";
import type { OpKind, OpOutcome } from "../measure/op-stats.js";
import { classifyError } from "../measure/errors.js";
import { Metronome } from "./metronome.js";
import { performance } from "node:perf_hooks";

/** Sends operation number i and returns its kind and the reply promise. */
export type Issue = (i: number) => { kind: OpKind; reply: Promise<unknown> };
export type Sink = (op: OpOutcome) => void;
/** The run clock in ms (fractional). */
export type Clock = () => number;

export interface OpenLoopOptions {
  ratePerSec: number;
  durationMs: number;
  /**
   * How the driver wakes up to issue due operations. "metronome" (default): a worker thread ticks at each intended
   * start (at most every `MIN_TICK_MS`), precise to tens of µs and idle in between. "timer": Node's setTimeout,
   * which fires up to ~1 ms late; that lateness is then (rightly) charged to every operation.
   */
  waker?: "metronome" | "timer";
  /** Called with the run-clock time of operation 0's intended start, once the waker is ready. */
  onStart?: (t0Ms: number) => void;
}

/** The metronome never ticks faster than this; at higher rates each tick issues several operations. */
export const MIN_TICK_MS = 0.25;

export interface DriverResult {
  mode: "open-loop" | "closed-loop";
  issued: number;
  /** The run clock when the last operation was issued and when the last reply came. */
  lastIssueMs: number;
  endMs: number;
}

function settle(kind: OpKind, intendedMs: number, sentMs: number, reply: Promise<unknown>, clock: Clock, sink: Sink) {
  return reply.then(
    () => sink({ kind, intendedMs, sentMs, doneMs: clock() }),
    (err: unknown) => sink({ kind, intendedMs, sentMs, doneMs: clock(), error: classifyError(err) }),
  );
}

/**
 * Constant-rate, open-loop load: operations are issued on schedule however many are still in flight.
 * Resolves once every issued operation has settled (the client's command timeout bounds that wait).
 */
export async function runOpenLoop(
  opts: OpenLoopOptions,
  issue: Issue,
  sink: Sink,
  clock: Clock,
  signal?: AbortSignal,
): Promise<DriverResult> {
  const total = totalOps(opts.durationMs, opts.ratePerSec);
  let next = 0;
  let inFlight = 0;
  let lastIssueMs = 0;
  let issuing = true;
  let t0 = clock();
  let metronome: Metronome | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finish = (_: DriverResult) => {};
  const done = new Promise<DriverResult>((resolve) => (finish = resolve));

  const maybeDone = () => {
    if (!issuing && inFlight === 0) finish({ mode: "open-loop", issued: next, lastIssueMs, endMs: clock() });
  };
  const tick = () => {
    if (!issuing) return;
    const now = clock();
    const due = signal?.aborted ? next : dueCount(now - t0, opts.ratePerSec, total);
    for (; next < due; next++) {
      const intended = t0 + intendedStartMs(next, opts.ratePerSec);
      const sent = clock();
      const { kind, reply } = issue(next);
      inFlight++;
      settle(kind, intended, sent, reply, clock, sink).finally(() => {
        inFlight--;
        maybeDone();
      });
    }
    lastIssueMs = now;
    if (next >= total || signal?.aborted) {
      issuing = false;
      clearTimeout(timer);
      void metronome?.stop();
      maybeDone();
    } else if (!metronome) {
      timer = setTimeout(tick, Math.max(0, t0 + intendedStartMs(next, opts.ratePerSec) - clock()));
    }
  };

  if ((opts.waker ?? "metronome") === "metronome") {
    metronome = await Metronome.start(Math.max(MIN_TICK_MS, 1000 / opts.ratePerSec), tick);
    // The metronome's tick 0 is operation 0's intended start, on the run clock.
    t0 = metronome.startMs - (performance.now() - clock());
  }
  opts.onStart?.(t0);
  tick();
  return done;
}

export interface ClosedLoopOptions {
  durationMs: number;
  /** Operations kept in flight at once (connections x pipeline depth). */
  concurrency: number;
}

/**
 * Closed-loop, maximum-throughput load: each of `concurrency` workers issues its next operation when the previous
 * one replied. Latency here is service time only (there is no intended schedule), so it hides stalls: label it so.
 */
export async function runClosedLoop(
  opts: ClosedLoopOptions,
  issue: Issue,
  sink: Sink,
  clock: Clock,
  signal?: AbortSignal,
): Promise<DriverResult> {
  let next = 0;
  const deadline = clock() + opts.durationMs;
  let lastIssueMs = 0;
  const worker = async () => {
    while (!signal?.aborted) {
      const sent = clock();
      if (sent >= deadline) return;
      lastIssueMs = sent;
      const { kind, reply } = issue(next++);
      await settle(kind, sent, sent, reply, clock, sink);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { mode: "closed-loop", issued: next, lastIssueMs, endMs: clock() };
}
