import { dueCount, intendedStartMs, totalOps } from "./schedule.js";
import type { OpKind, OpOutcome } from "../measure/op-stats.js";
import { classifyError } from "../measure/errors.js";

/** Sends operation number i and returns its kind and the reply promise. */
export type Issue = (i: number) => { kind: OpKind; reply: Promise<unknown> };
export type Sink = (op: OpOutcome) => void;
/** The run clock in ms (fractional). */
export type Clock = () => number;

export interface OpenLoopOptions {
  ratePerSec: number;
  durationMs: number;
  /**
   * Below this many ms before the next intended start the scheduler yields with setImmediate instead of a timer:
   * Node's timers fire up to ~1 ms late, and at low rates that lateness would be charged to every operation.
   * 0 saves CPU at the cost of that lateness.
   */
  spinMs: number;
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
    (err: unknown) => sink({ kind, intendedMs, sentMs, doneMs: clock(), error: classifyError(err) }),
  );
}

/**
 * Constant-rate, open-loop load: operations are issued on schedule however many are still in flight.
 * Resolves once every issued operation has settled (the client's command timeout bounds that wait).
 */
export function runOpenLoop(opts: OpenLoopOptions, issue: Issue, sink: Sink, clock: Clock, signal?: AbortSignal) {
  const total = totalOps(opts.durationMs, opts.ratePerSec);
  let next = 0;
  let inFlight = 0;
  let lastIssueMs = 0;
  return new Promise<DriverResult>((resolve) => {
    let issuing = true;
    const maybeDone = () => {
      if (!issuing && inFlight === 0) resolve({ mode: "open-loop", issued: next, lastIssueMs, endMs: clock() });
    };
    const tick = () => {
      const now = clock();
      const due = signal?.aborted ? next : dueCount(now, opts.ratePerSec, total);
      for (; next < due; next++) {
        const intended = intendedStartMs(next, opts.ratePerSec);
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
        maybeDone();
        return;
      }
      const wait = intendedStartMs(next, opts.ratePerSec) - clock();
      if (wait > opts.spinMs) setTimeout(tick, wait - opts.spinMs);
      else setImmediate(tick);
    };
    tick();
  });
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
