import { dueCount, intendedStartMs, totalOps } from "./schedule.js";
import type { OpKind, OpOutcome } from "../measure/op-stats.js";
import { classifyError } from "../measure/errors.js";
import type { Metronome } from "./metronome.js";
import { performance } from "node:perf_hooks";

/** Sends operation number i, intended at `intendedMs` on the run clock, and returns its kind and the reply promise. */
export type Issue = (i: number, intendedMs: number) => { kind: OpKind; reply: Promise<unknown> };
export type Sink = (op: OpOutcome) => void;
/** The run clock in ms (fractional). */
export type Clock = () => number;

export interface OpenLoopOptions {
  ratePerSec: number;
  durationMs: number;
  /**
   * What wakes the driver to issue due operations. A started Metronome (see metronome.ts): ticks at each intended
   * start, precise to tens of µs, idle in between; its tick 0 is operation 0's intended start. Without one, Node's
   * setTimeout, which fires up to ~1 ms late (that lateness is then, rightly, charged to every operation) and
   * operation 0 is intended at the moment the driver starts.
   */
  metronome?: Metronome;
}

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
    (err: unknown) => {
      const error = classifyError(err);
      sink({ kind, intendedMs, sentMs, doneMs: clock(), error, ...(error === "other" ? { message: String((err as Error)?.message ?? err) } : {}) });
    },
  );
}

/**
 * Constant-rate, open-loop load: operations are issued on schedule however many are still in flight.
 * Resolves once every issued operation has settled (the client's command timeout bounds that wait).
 */
export function runOpenLoop(
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
  const metronome = opts.metronome;
  // Operation 0's intended start on the run clock.
  const t0 = metronome ? metronome.startMs - (performance.now() - clock()) : clock();
  let timer: NodeJS.Timeout | undefined;
  let finish = (_: DriverResult) => {};
  const done = new Promise<DriverResult>((resolve) => (finish = resolve));

  const maybeDone = () => {
    if (!issuing && inFlight === 0) finish({ mode: "open-loop", issued: next, lastIssueMs, endMs: clock() });
  };
  const tick = () => {
    if (!issuing) return;
    if (metronome) {
      // The tick came up to leadMs early: wait out the remainder so the next operation leaves on time.
      const target = t0 + intendedStartMs(next, opts.ratePerSec);
      if (target - clock() <= metronome.leadMs) while (clock() < target);
    }
    const now = clock();
    const due = signal?.aborted ? next : dueCount(now - t0, opts.ratePerSec, total);
    for (; next < due; next++) {
      const intended = t0 + intendedStartMs(next, opts.ratePerSec);
      const sent = clock();
      const { kind, reply } = issue(next, intended);
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
      if (metronome) metronome.onTick = () => {}; // whoever started the metronome stops it
      maybeDone();
    } else if (!metronome) {
      timer = setTimeout(tick, Math.max(0, t0 + intendedStartMs(next, opts.ratePerSec) - clock()));
    }
  };

  if (metronome) metronome.onTick = tick;
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
      const { kind, reply } = issue(next++, sent);
      await settle(kind, sent, sent, reply, clock, sink);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { mode: "closed-loop", issued: next, lastIssueMs, endMs: clock() };
}
