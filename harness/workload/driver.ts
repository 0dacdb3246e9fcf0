import { dueCount, intendedStartMs, totalOps } from "./schedule.js";
import type { OpKind, OpOutcome } from "../measure/op-stats.js";
import { classifyError } from "../measure/errors.js";
import type { Metronome } from "./metronome.js";
import { performance } from "node:perf_hooks";

/**
 * Sends operation number i, intended at `intendedMs` on the run clock, and returns its kind; `done` is called once,
 * never synchronously, with the error if it failed. A callback, not a promise: at a few hundred thousand operations
 * a second the driver's own allocations are what limits it.
 */
export type Issue = (i: number, intendedMs: number, done: Done) => OpKind;
export type Done = (err?: unknown) => void;
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
   * operation 0 is intended at the moment the driver starts, unless `originMs` says when.
   */
  metronome?: Metronome;
  /**
   * Operation 0's intended start on the run clock, when the caller fixes it (a metronome then ticks from that
   * instant): the driver waits for it, and the schedule owes nothing to when a timer fired. Without it, the metronome's
   * tick 0, or the moment the driver starts.
   */
  originMs?: number;
}

export interface DriverResult {
  mode: "open-loop" | "closed-loop";
  issued: number;
  /** The run clock when the last operation was issued and when the last reply came. */
  lastIssueMs: number;
  endMs: number;
}

/** Issues operation i and hands its outcome to the sink when it settles, then calls `after`. */
function send(i: number, intendedMs: number, sentMs: number, issue: Issue, sink: Sink, clock: Clock, after: () => void): void {
  const op: OpOutcome = { kind: "read", intendedMs, sentMs, doneMs: 0 };
  op.kind = issue(i, intendedMs, (err) => {
    op.doneMs = clock();
    if (err !== undefined && err !== null) {
      op.error = classifyError(err);
      if (op.error === "other") op.message = String((err as Error)?.message ?? err);
    }
    sink(op);
    after();
  });
}

/**
 * Constant-rate, open-loop load: operations are issued on schedule however many are still in flight.
 * Resolves once every issued operation has settled (the client's command timeout bounds that wait).
 */
export function runOpenLoop(opts: OpenLoopOptions, issue: Issue, sink: Sink, clock: Clock, signal?: AbortSignal): Promise<DriverResult> {
  const total = totalOps(opts.durationMs, opts.ratePerSec);
  let next = 0;
  let inFlight = 0;
  let lastIssueMs = 0;
  let issuing = true;
  const metronome = opts.metronome;
  // Operation 0's intended start on the run clock.
  const t0 = opts.originMs ?? (metronome ? metronome.startMs - (performance.now() - clock()) : clock());
  let timer: NodeJS.Timeout | undefined;
  let finish = (_: DriverResult) => {};
  const done = new Promise<DriverResult>((resolve) => (finish = resolve));

  const finishIfIdle = () => {
    if (!issuing && inFlight === 0) finish({ mode: "open-loop", issued: next, lastIssueMs, endMs: clock() });
  };
  const settled = () => {
    inFlight--;
    finishIfIdle();
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
      inFlight++;
      send(next, t0 + intendedStartMs(next, opts.ratePerSec), clock(), issue, sink, clock, settled);
    }
    lastIssueMs = now;
    if (next >= total || signal?.aborted) {
      issuing = false;
      clearTimeout(timer);
      if (metronome) metronome.onTick = () => {}; // whoever started the metronome stops it
      finishIfIdle();
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
  connections: number;
  /** Operations sent together on a connection; the next batch goes when all of them have replied. */
  pipeline: number;
}

/**
 * Closed-loop, maximum-throughput load, pipelined as redis-benchmark's -P is: each connection's worker sends
 * `pipeline` operations at once and the next batch when the last of them replied. Worker c issues operations
 * c, c + connections, c + 2·connections, …, so with round-robin clients each worker keeps to its own connection and a
 * batch leaves in one write. Latency here is service time only (there is no intended schedule), so it hides stalls:
 * label it so.
 */
export function runClosedLoop(opts: ClosedLoopOptions, issue: Issue, sink: Sink, clock: Clock, signal?: AbortSignal): Promise<DriverResult> {
  let issued = 0;
  const deadline = clock() + opts.durationMs;
  let lastIssueMs = 0;
  let active = opts.connections;
  return new Promise((resolve) => {
    const worker = (c: number) => {
      let i = c;
      let owed = 0;
      const replied = () => {
        if (--owed === 0) batch();
      };
      const batch = () => {
        const now = clock();
        if (signal?.aborted || now >= deadline) {
          if (--active === 0) resolve({ mode: "closed-loop", issued, lastIssueMs, endMs: clock() });
          return;
        }
        lastIssueMs = now;
        owed = opts.pipeline;
        for (let k = 0; k < opts.pipeline; k++, i += opts.connections) send(i, now, now, issue, sink, clock, replied);
        issued += opts.pipeline;
      };
      batch();
    };
    for (let c = 0; c < opts.connections; c++) worker(c);
  });
}
