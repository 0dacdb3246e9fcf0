import type { InstrumentReport } from "./instrument.js";
import { z } from "zod";
import { faultDefinition, type AnyFaultRecord } from "../faults/registry.js";
import type { Unit } from "../infra/units.js";
import { PHASES, type AnyPhase, type Phase } from "../measure/phases.js";
import type { OpStatsSummary } from "../measure/op-stats.js";
import type { Availability, Outage } from "./availability.js";
import type { OomSummary } from "./oom.js";
import type { DataLoss } from "./data-loss.js";
import type { PhaseReport } from "./latency.js";
import type { LinearizabilitySummary } from "./linearizability.js";
import type { StaleReadSummary } from "./stale-reads.js";

/** What checkers produce and metrics read: the measured part of a report (a report satisfies it). */
export interface Measurements {
  phases: Record<AnyPhase, PhaseReport>;
  total: OpStatsSummary;
  availability: Availability;
  dataLoss: DataLoss | null;
  reads: StaleReadSummary | null;
  instrument: InstrumentReport;
  /** Absent from reports written before the harness watched containers' memory. */
  oom?: OomSummary;
  /** The registers workload's linearizability check; null for other workloads, absent from older reports. */
  linearizability?: LinearizabilitySummary | null;
  faults: AnyFaultRecord[];
  workload: { loadDurationMs: number };
}

/** A metric's value in one run; null with a note when there was nothing to measure. */
export interface Measured {
  value: number | null;
  /** A lower bound, not the value (an RTO of writes that never recovered). */
  censored?: boolean;
  /** Where the value lies, 95% of the time, from the run's own sampling error (a latency percentile). */
  interval?: [number, number];
  note?: string;
}

const perPhase = <T extends z.ZodType>(v: T) => z.object({ baseline: v, fault: v, recovery: v }).partial().strict();
const ms = z.number().nonnegative();
const positiveMs = z.number().positive();
const fraction = z.number().min(0).max(1);
const writes = z.number().int().nonnegative();

/** A scenario's budgets. Each key is owned by one metric of the catalog below, which says how it is measured. */
export const budgetsSchema = z
  .object({
    p99Ms: perPhase(positiveMs),
    p999Ms: perPhase(positiveMs),
    /** Failed operations / attempted, per phase. */
    maxErrorRate: perPhase(fraction),
    /** Observed RTO (docs/design.md), ms: the worst fault's, counting acknowledged writes. */
    rtoMs: ms,
    /** RTO counting a write only when acknowledged within workload.objectiveMs (a caller kept waiting is unavailable too), ms. */
    rtoWithinObjectiveMs: ms,
    /** RTO counting a write only when acknowledged and read back afterwards (ledger workloads), ms. */
    durableRtoMs: ms,
    /** Acknowledged writes absent after convergence (ledger workloads). */
    maxLostWrites: writes,
    /**
     * A scenario *expected* to lose acknowledged writes (a split brain without min-replicas-to-write) says so: the run
     * fails unless the checker sees at least this many lost writes.
     */
    minLostWrites: writes.min(1),
    /** Writes applied more than once (a client resent what the server had done; ledger workloads). */
    maxDuplicatedWrites: writes,
    /** A scenario built to make a client resend what the server had done (lost replies) says so: it fails unless one is seen. */
    minDuplicatedWrites: writes.min(1),
    /** RPO window, ms. */
    rpoMs: ms,
    /** OOM kills inside the run's containers (a server or a save's child killed at its memory limit). */
    maxOomKills: writes,
    /** A scenario built to be OOM-killed (a save's copy-on-write past a tight limit) says so: it fails unless one is seen. */
    minOomKills: writes.min(1),
    /** Keys of the registers workload whose history is not linearizable. */
    maxNonLinearizableKeys: writes,
    /** A scenario built to break linearizability (a split brain read from both sides) says so: it fails unless a key does. */
    minNonLinearizableKeys: writes.min(1),
  })
  .partial()
  .strict();
export type Budgets = z.output<typeof budgetsSchema>;
export type BudgetKey = keyof Budgets;

/** A limit a budget puts on a metric: at most (the usual), or at least (an expected loss must be seen). */
export interface BudgetBound {
  key: BudgetKey;
  bound: "max" | "min";
  /** How a check of it is named, when not after the metric ("expected loss seen"). */
  name?: string;
}

export type MetricId = "p50" | "p99" | "p999" | "errorRate" | "throughput" | "rto" | "rtoWithinObjective" | "durableRto" | "lostWrites" | "duplicatedWrites" | "rpo" | "oomKills" | "nonLinearizableKeys";

/**
 * One quantity the harness reports: how it is named, its unit, which way is better, the smallest change a comparison
 * counts, which budgets limit it, and how it is read from a run's measurements. Verdicts, comparisons and every view
 * read metrics through this catalog only.
 */
export interface Metric {
  id: MetricId;
  /** Short, as a check is named: "p99" -> "p99 baseline". */
  name: string;
  /** Long, as a comparison lists it: "P99 latency". */
  label: string;
  unit: Unit;
  better: "lower" | "higher";
  /**
   * The measurement's resolution: changes smaller than this cannot be told apart (latency: the histogram's 1 µs; RTO:
   * its 100 ms grid of stretches). Not the instrument's floor, which is a bias every run of a side carries alike.
   */
  floor: number;
  perPhase: boolean;
  budgets: BudgetBound[];
  /** Any increase of one counts, never noise (unless the scenario expects or tolerates it). */
  strict?: boolean;
  /** The history it is measured from, which only some workloads keep (workload/definition.ts): its budgets need one of those. */
  needs?: "writeLedger" | "registerHistory";
  measure(m: Measurements, phase?: Phase): Measured;
}

const inPhase = (pick: (s: PhaseReport) => number) => (m: Measurements, phase?: Phase): Measured => {
  const s = m.phases[phase!];
  return s.ops === 0 ? { value: null, note: `no operations in the ${phase} phase` } : { value: pick(s) };
};
/** A latency percentile of a phase, in ms, with its own 95% interval. */
const percentile = (key: "p50Us" | "p99Us" | "p999Us") => (m: Measurements, phase?: Phase): Measured => {
  const s = m.phases[phase!];
  if (s.ops === 0) return { value: null, note: `no operations in the ${phase} phase` };
  const iv = s.latency.interval95?.[key];
  return { value: s.latency[key] / 1000, ...(iv ? { interval: [iv[0] / 1000, iv[1] / 1000] as [number, number] } : {}) };
};
/** A count where any one is news: at most so many (usually 0), or, for a scenario built to cause one, at least so many. */
function strictCount(id: MetricId, name: string, label: string, [max, min, minName]: [BudgetKey, BudgetKey, string], measure: Metric["measure"], needs?: Metric["needs"]): Metric {
  return { id, name, label, unit: "count", better: "lower", floor: 1, perPhase: false, strict: true, budgets: [{ key: max, bound: "max" }, { key: min, bound: "min", name: minName }], measure, ...(needs ? { needs } : {}) };
}
const NO_READ_BACK = "no read-back (the run did not finish or the topology did not converge)";

/** An RTO, read from one of availability's outages: a censored one is a lower bound, never a value. */
function rtoMetric(id: MetricId, name: string, label: string, key: BudgetKey, outage: (m: Measurements) => Outage | null | undefined, missing: string): Metric {
  return {
    id,
    name,
    label,
    unit: "ms",
    better: "lower",
    floor: 100,
    perPhase: false,
    budgets: [{ key, bound: "max" }],
    measure: (m) => {
      const a = outage(m);
      if (!a) return { value: null, note: missing };
      if (a.rtoMs !== null) return { value: a.rtoMs };
      if (a.rtoCensored) return { value: a.rtoLowerBoundMs ?? null, censored: true, note: a.rtoNote };
      return { value: null, note: a.rtoNote };
    },
  };
}

export const METRICS: readonly Metric[] = [
  { id: "p50", name: "p50", label: "P50 latency", unit: "ms", better: "lower", floor: 0.001, perPhase: true, budgets: [], measure: percentile("p50Us") },
  { id: "p99", name: "p99", label: "P99 latency", unit: "ms", better: "lower", floor: 0.001, perPhase: true, budgets: [{ key: "p99Ms", bound: "max" }], measure: percentile("p99Us") },
  { id: "p999", name: "p99.9", label: "P99.9 latency", unit: "ms", better: "lower", floor: 0.001, perPhase: true, budgets: [{ key: "p999Ms", bound: "max" }], measure: percentile("p999Us") },
  { id: "errorRate", name: "error rate", label: "error rate", unit: "fraction", better: "lower", floor: 0.001, perPhase: true, budgets: [{ key: "maxErrorRate", bound: "max" }], measure: inPhase((s) => s.errors / s.ops) },
  {
    id: "throughput",
    name: "throughput",
    label: "throughput, baseline",
    unit: "ops/s",
    better: "higher",
    floor: 1,
    perPhase: false,
    budgets: [],
    measure: (m) => {
      const bl = m.phases.baseline;
      const seconds = bl.fromMs === null ? 0 : ((bl.toMs ?? m.workload.loadDurationMs) - bl.fromMs) / 1000;
      return bl.ops > 0 && seconds > 0 ? { value: bl.ok / seconds } : { value: null, note: "no baseline operations" };
    },
  },
  rtoMetric("rto", "RTO", "RTO", "rtoMs", (m) => m.availability, "no availability measured"),
  rtoMetric("rtoWithinObjective", "RTO within objective", "RTO, writes within the latency objective", "rtoWithinObjectiveMs", (m) => m.availability.withinObjective, "not measured (an older report)"),
  { ...rtoMetric("durableRto", "durable RTO", "RTO, writes that survived", "durableRtoMs", (m) => m.availability.durable, "no ledger and read-back to tell which writes survived"), needs: "writeLedger" },
  {
    id: "lostWrites",
    needs: "writeLedger",
    name: "lost writes",
    label: "lost writes",
    unit: "writes",
    better: "lower",
    floor: 1,
    perPhase: false,
    strict: true,
    budgets: [
      { key: "maxLostWrites", bound: "max" },
      { key: "minLostWrites", bound: "min", name: "expected loss seen" },
    ],
    measure: (m) => (m.dataLoss ? { value: m.dataLoss.lost } : { value: null, note: NO_READ_BACK }),
  },
  strictCount("duplicatedWrites", "duplicated writes", "writes applied twice", ["maxDuplicatedWrites", "minDuplicatedWrites", "expected duplicate seen"], (m) =>
    !m.dataLoss ? { value: null, note: NO_READ_BACK } : m.dataLoss.duplicated === undefined ? { value: null, note: "writes were SETs then (an older report): a second application did not show" } : { value: m.dataLoss.duplicated },
    "writeLedger",
  ),
  {
    id: "rpo",
    needs: "writeLedger",
    name: "RPO",
    label: "RPO window",
    unit: "ms",
    better: "lower",
    floor: 1,
    perPhase: false,
    budgets: [{ key: "rpoMs", bound: "max" }],
    // No lost write acknowledged before the fault: an RPO window of 0.
    measure: (m) => (m.dataLoss ? { value: m.dataLoss.rpoMs ?? 0 } : { value: null, note: NO_READ_BACK }),
  },
  strictCount("oomKills", "OOM kills", "OOM kills", ["maxOomKills", "minOomKills", "expected OOM kill seen"], (m) =>
    m.oom ? { value: m.oom.kills } : { value: null, note: "containers' memory was not watched (an older report)" },
  ),
  strictCount("nonLinearizableKeys", "non-linearizable keys", "keys not linearizable", ["maxNonLinearizableKeys", "minNonLinearizableKeys", "expected violation seen"], (m) => {
    const l = m.linearizability;
    if (!l) return { value: null, note: "no register history (the workload keeps none)" };
    // A search that ran out of time decides nothing for its key: no violation found is not a pass then.
    if (l.violations.length === 0 && l.unknownKeys.length) return { value: null, note: `the search ran out of time on ${l.unknownKeys.join(", ")}` };
    return { value: l.violations.length };
  }, "registerHistory"),
];

export function metric(id: MetricId): Metric {
  return METRICS.find((m) => m.id === id)!;
}

/** One value a run measured, keyed so that runs can be lined up ("p99.fault", "rto", "forkUs.0"). */
export interface MetricSample {
  key: string;
  label: string;
  unit: Unit;
  better: "lower" | "higher";
  floor: number;
  strict: boolean;
  /** The catalog metric and phase, when it is one (fault metrics are the faults' own). */
  metric?: MetricId;
  phase?: Phase;
  value: number;
  censored: boolean;
  /** The run's own 95% interval of the value (latency percentiles). */
  interval?: [number, number];
}

/**
 * A phase's own instrument floor for a latency percentile, in ms: what the driver itself adds to that percentile in
 * that phase, measured in that phase and nowhere else. Latency counts from the intended start, so the driver's schedule
 * lag in the phase (intended start to send: how long a due callback waited for the event loop) is in it, and a reply
 * waits for the same event loop before its callback runs: twice the lag at that percentile bounds the driver's two
 * waits. Every operation also pays the engine's and the fault layer's round trip, taken at its calibrated *median*:
 * the typical cost of the path, which a slow second of the separate calibration window moves no more than it moves any
 * median. (The calibration's tail, and the lag of other phases, are other windows' noise: a baseline floor of 50.2 ms
 * once came from the fault phase's lag, and a smoke run's 47.6 ms from a noisy calibration while its load's lag P99 was
 * 4.5 ms.) With a CPU burner on the driver's core here, baseline P99 6.84 ms had a lag P99 of 5.36 ms and a service
 * P99 of 3.13 ms: the reply side is the driver's too. 0 for other metrics.
 */
export function instrumentFloor(m: Measurements, id: MetricId, phase?: Phase): number {
  if (!phase || (id !== "p50" && id !== "p99" && id !== "p999")) return 0;
  const at = (s: { p50Us: number; p99Us: number; p999Us: number } | undefined) => (!s ? 0 : id === "p50" ? s.p50Us : id === "p99" ? s.p99Us : s.p999Us);
  const lag = at(m.instrument?.scheduleLagByPhase?.[phase]);
  const roundTrip = m.instrument?.calibration?.faultLayer.p50Us ?? 0;
  return (2 * lag + roundTrip) / 1000;
}

/** Every value of the catalog a run measured, and every metric its faults measured (fork time, copy-on-write...). */
export function metricSamples(m: Measurements): MetricSample[] {
  const out: MetricSample[] = [];
  const common = (x: Metric) => ({ unit: x.unit, better: x.better, floor: x.floor, strict: x.strict ?? false, metric: x.id });
  for (const x of METRICS) {
    for (const phase of x.perPhase ? PHASES : [undefined]) {
      const v = x.measure(m, phase);
      if (v.value === null) continue;
      out.push({ key: phase ? `${x.id}.${phase}` : x.id, label: phase ? `${x.label}, ${phase}` : x.label, ...common(x), ...(phase ? { phase } : {}), value: v.value, censored: v.censored ?? false, ...(v.interval ? { interval: v.interval } : {}) });
    }
  }
  const many = m.faults.length > 1;
  m.faults.forEach((f, i) => {
    for (const fm of faultDefinition(f.kind).metrics ?? []) {
      const v = fm.pick(f.details);
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      out.push({ key: `${fm.id}.${i}`, label: `${fm.label}${many ? ` (${f.kind} #${i + 1})` : ""}`, unit: fm.unit, better: fm.better, floor: fm.floor, strict: false, value: v, censored: false });
    }
  });
  return out;
}

/** The budget on a sample's metric, as an upper limit, if the scenario sets one. */
export function upperBudget(s: { metric?: MetricId; phase?: Phase }, budgets: Budgets | undefined): number | undefined {
  if (!s.metric || !budgets) return undefined;
  const b = metric(s.metric).budgets.find((x) => x.bound === "max");
  if (!b) return undefined;
  const v = budgets[b.key];
  return typeof v === "number" ? v : s.phase ? (v as Partial<Record<Phase, number>> | undefined)?.[s.phase] : undefined;
}
