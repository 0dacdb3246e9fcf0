import { ACKED, type ReadBack, type WriteLedger } from "../measure/ledger.js";
import type { Checker } from "./checker.js";

/**
 * Availability of writes around faults (docs/design.md): RTO (observed) = from the moment the harness sent the fault to the
 * start of the first 1-second stretch in which at least 99% of attempted writes were good, *and that holds until the
 * fault's window ends* (the next fault's send, or the end of the run). Stretches start on a grid of `stepMs` from the
 * fault; a stretch with no attempted write says nothing and does not end the outage.
 *
 * "Good" is read three ways, because a user would recognise all three as unavailability:
 * - acknowledged: the client got a success reply (the RTO budget's reading);
 * - within the objective: acknowledged no later than the scenario's latency objective after its intended start (a
 *   client that queues through a failover fails nothing and makes its callers wait 7–11 s: they are unavailable too);
 * - durable: acknowledged *and* found by the read-back (the losing side of a split brain acknowledges writes that then
 *   vanish: RTO 0 by acknowledgements, an outage by what survived). Ledger workloads only.
 * Each fault of the schedule gets its own; the headline is the worst of them.
 */
export interface Outage {
  /** null when not measured, or when writes never recovered in the window (then rtoCensored). */
  rtoMs: number | null;
  /** Writes had not recovered by the end of the window: the RTO is more than rtoLowerBoundMs, not known. */
  rtoCensored: boolean;
  /** When censored: the start of the last failing stretch, from the fault: the outage provably lasted past it. */
  rtoLowerBoundMs?: number;
  /** Why rtoMs is null, when it is. */
  rtoNote?: string;
}

/** One fault's outage: its window runs from its send to the next fault's send or the end of the run. */
export interface FaultOutage extends Outage {
  /** The fault's index in the report's faults. */
  fault: number;
  fromMs: number;
  toMs: number;
}

export interface Availability extends Outage {
  /** Each fault's RTO (acknowledged writes); the headline above is the worst of them. */
  perFault: FaultOutage[];
  /** RTO counting a write as good only when acknowledged within `objectiveMs` of its intended start. */
  withinObjective: Outage & { objectiveMs: number };
  /** RTO counting a write as good only when acknowledged and read back; null without a ledger and a read-back. */
  durable: Outage | null;
  longestFailedRun: { writes: number; fromMs: number; toMs: number; durationMs: number } | null;
  writesAttempted: number;
  writesFailed: number;
}

export const STRETCH_MS = 1000;
export const SUCCESS_THRESHOLD = 0.99;
/** A caller waits this long at most, unless the scenario says otherwise (workload.objectiveMs). */
export const DEFAULT_OBJECTIVE_MS = 1000;

/** Writes in order of intended start: when each was due, and whether it was good (1) or not (0). */
export interface WriteSeries {
  t: Float64Array;
  ok: Uint8Array;
}

/** The first index whose time is ≥ x (t sorted). */
function lowerBound(t: Float64Array, x: number): number {
  let a = 0;
  let b = t.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (t[m] < x) a = m + 1;
    else b = m;
  }
  return a;
}

/**
 * The RTO of one fault sent at `fromMs`, over the writes intended before `untilMs`: the earliest stretch start from
 * which every later stretch in the window is good. Walked backwards from the window's last whole stretch.
 */
export function recoveryTime(w: WriteSeries, fromMs: number, untilMs: number, stepMs = 100): Outage {
  const lastStart = Math.floor((untilMs - STRETCH_MS - fromMs) / stepMs);
  if (lastStart < 0) return { rtoMs: null, rtoCensored: false, rtoNote: "the window ended less than a second after the fault" };
  const lo0 = lowerBound(w.t, fromMs);
  const hi0 = lowerBound(w.t, untilMs);
  if (hi0 === lo0) return { rtoMs: null, rtoCensored: false, rtoNote: "no writes were attempted after the fault" };
  // Successes up to each index, for O(1) window counts.
  const prefix = new Uint32Array(hi0 - lo0 + 1);
  for (let i = lo0; i < hi0; i++) prefix[i - lo0 + 1] = prefix[i - lo0] + w.ok[i];
  // The stretch's index, not its start: k × step is exact where start − fromMs is not (4800.000000000004).
  let earliestGood: number | null = null;
  for (let k = lastStart; k >= 0; k--) {
    const from = fromMs + k * stepMs;
    const lo = lowerBound(w.t, from);
    const hi = Math.min(lowerBound(w.t, from + STRETCH_MS), hi0);
    const attempted = hi - lo;
    if (attempted === 0) continue;
    if ((prefix[hi - lo0] - prefix[lo - lo0]) / attempted < SUCCESS_THRESHOLD) {
      // This stretch failed: the outage lasted past its start, whatever came after the window.
      if (earliestGood === null)
        return { rtoMs: null, rtoCensored: true, rtoLowerBoundMs: k * stepMs, rtoNote: "writes had not recovered by the end of the window" };
      break;
    }
    earliestGood = k;
  }
  return earliestGood === null
    ? { rtoMs: null, rtoCensored: false, rtoNote: "no writes were attempted after the fault" }
    : { rtoMs: earliestGood * stepMs, rtoCensored: false };
}

/** The worse of two outages: a censored one is worse than any measured one (and the larger bound of two); null says least. */
function worse(a: Outage, b: Outage): Outage {
  const rank = (o: Outage) => (o.rtoCensored ? [2, o.rtoLowerBoundMs ?? 0] : o.rtoMs !== null ? [1, o.rtoMs] : [0, 0]);
  const [ra, va] = rank(a);
  const [rb, vb] = rank(b);
  return rb > ra || (rb === ra && vb > va) ? b : a;
}

/** An outage's own fields, without the window around it. */
const outageOf = ({ rtoMs, rtoCensored, rtoLowerBoundMs, rtoNote }: Outage): Outage => ({
  rtoMs,
  rtoCensored,
  ...(rtoLowerBoundMs !== undefined ? { rtoLowerBoundMs } : {}),
  ...(rtoNote ? { rtoNote } : {}),
});

/**
 * Each sent fault's window (its send to the next fault's send, or the end) and its outage; `fault` is the index in the
 * report's faults (a fault never sent has no window). The worst of them is the headline.
 */
function perFault(w: WriteSeries, faultStarts: ReadonlyArray<number | null>, endMs: number, stepMs: number): { worst: Outage; faults: FaultOutage[] } {
  const sent = faultStarts.flatMap((fromMs, fault) => (fromMs === null ? [] : [{ fromMs, fault }])).sort((a, b) => a.fromMs - b.fromMs);
  if (sent.length === 0) return { worst: { rtoMs: null, rtoCensored: false, rtoNote: "no fault took effect" }, faults: [] };
  const faults = sent.map(({ fromMs, fault }, k) => {
    const toMs = k + 1 < sent.length ? sent[k + 1].fromMs : endMs;
    return { fault, fromMs, toMs, ...recoveryTime(w, fromMs, toMs, stepMs) };
  });
  return { worst: outageOf(faults.reduce<Outage>(worse, faults[0])), faults: faults.sort((a, b) => a.fault - b.fault) };
}

/** The longest run of consecutive failed writes, by intended start. */
function longestFailedRun(w: WriteSeries): { run: Availability["longestFailedRun"]; failed: number } {
  let failed = 0;
  let run = 0;
  let runStart = 0;
  let longest: Availability["longestFailedRun"] = null;
  for (let i = 0; i < w.t.length; i++) {
    if (w.ok[i]) {
      run = 0;
      continue;
    }
    failed++;
    if (run === 0) runStart = w.t[i];
    run++;
    if (!longest || run > longest.writes) longest = { writes: run, fromMs: runStart, toMs: w.t[i], durationMs: w.t[i] - runStart };
  }
  return { run: longest, failed };
}

/** Writes that were acknowledged within `objectiveMs` of their intended start. */
export function withinObjective(writes: WriteSeries & { latencyMs: Float64Array }, objectiveMs: number): WriteSeries {
  return { t: writes.t, ok: Uint8Array.from(writes.ok, (ok, i) => (ok && writes.latencyMs[i] <= objectiveMs ? 1 : 0)) };
}

/** The ledger's writes, good when acknowledged and found by the read-back, in order of intended start. */
export function durableWrites(ledger: WriteLedger, readBack: ReadBack): WriteSeries {
  // Read in id order, once (a soak's ledger is mostly on disk), then sorted in typed arrays: ids are handed out in
  // order of intended start on one thread, but several drivers' writes interleave.
  const n = ledger.size;
  const t = new Float64Array(n);
  const ok = new Uint8Array(n);
  for (let id = 0; id < n; id++) {
    t[id] = ledger.intendedMsOf(id);
    ok[id] = ledger.outcomeOf(id) === ACKED && readBack[id] > 0 ? 1 : 0;
  }
  const order = new Uint32Array(n).map((_, i) => i).sort((a, b) => t[a] - t[b] || a - b);
  return { t: Float64Array.from(order, (i) => t[i]), ok: Uint8Array.from(order, (i) => ok[i]) };
}

export interface AvailabilityInput {
  /** Every write by intended start: good = acknowledged; latencyMs from intended start to reply. */
  writes: WriteSeries & { latencyMs: Float64Array };
  /** When each fault of the schedule was sent (null: it never was), in the report's order of faults. */
  faultStarts: ReadonlyArray<number | null>;
  endMs: number;
  objectiveMs: number;
  /** Ledger writes judged by the read-back; null without one. */
  durable?: WriteSeries | null;
  stepMs?: number;
}

export function availability(a: AvailabilityInput): Availability {
  const stepMs = a.stepMs ?? 100;
  const acked = perFault(a.writes, a.faultStarts, a.endMs, stepMs);
  const { run, failed } = longestFailedRun(a.writes);
  return {
    ...acked.worst,
    perFault: acked.faults,
    withinObjective: { objectiveMs: a.objectiveMs, ...perFault(withinObjective(a.writes, a.objectiveMs), a.faultStarts, a.endMs, stepMs).worst },
    durable: a.durable ? perFault(a.durable, a.faultStarts, a.endMs, stepMs).worst : null,
    longestFailedRun: run,
    writesAttempted: a.writes.t.length,
    writesFailed: failed,
  };
}

/** Availability of the Redis-level writes around the faults (the RTO budgets' measurements). */
export const availabilityChecker: Checker<"availability"> = {
  name: "availability",
  metrics: ["rto", "rtoWithinObjective", "durableRto"],
  check: (h) => ({
    availability: availability({
      writes: h.recorder.log.writesByIntendedStart(),
      faultStarts: h.faults.map((f) => f.sentAtMs),
      endMs: h.load.lastIssueMs,
      objectiveMs: h.objectiveMs,
      durable: h.ledger && h.readBack ? durableWrites(h.ledger, h.readBack) : null,
    }),
  }),
};
