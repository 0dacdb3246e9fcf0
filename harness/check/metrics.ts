import type { InstrumentReport } from "./instrument.js";
import { z } from "zod";
import { faultDefinition, type AnyFaultRecord } from "../faults/registry.js";
import type { Unit } from "../infra/units.js";
import { PHASES, type AnyPhase, type Phase } from "../measure/phases.js";
import type { OpStatsSummary } from "../measure/op-stats.js";
import type { Availability, Outage } from "./availability.js";
import type { CacheSummary } from "./cache.js";
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
  /** The cache workload's hits and misses; null for other workloads. */
  cache?: CacheSummary | null;
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

/**
 * A limit a budget puts on a metric: at most (the usual), or at least (a scenario built to cause a loss says so, and
 * fails unless it is seen). Its key is the scenario's `budgets.<key>`, and `schema` what that key takes: the catalog
 * below is the one place a budget is declared (budgetsSchema is made from it).
 */
export interface BudgetBound<K extends string = string, S extends z.ZodType = z.ZodType> {
  key: K;
  bound: "max" | "min";
  /** How a check of it is named, when not after the metric ("expected loss seen"). */
  name?: string;
  schema: S;
}

const budget = <K extends string, S extends z.ZodType>(key: K, bound: "max" | "min", schema: S, name?: string): BudgetBound<K, S> => ({
  key,
  bound,
  schema,
  ...(name ? { name } : {}),
});

/**
 * One quantity the harness reports: how it is named, its unit, which way is better, the smallest change a comparison
 * counts, which budgets limit it, and how it is read from a run's measurements. Verdicts, comparisons and every view
 * read metrics through this catalog only.
 */
export interface Metric<I extends string = string, K extends string = string> {
  id: I;
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
  budgets: readonly BudgetBound<K>[];
  /** Any increase of one counts, never noise (unless the scenario expects or tolerates it). */
  strict?: boolean;
  /** The history it is measured from, which only some workloads keep (workload/definition.ts): its budgets need one of those. */
  needs?: "writeLedger" | "registerHistory" | "cacheReads";
  measure(m: Measurements, phase?: Phase): Measured;
}

const inPhase =
  (pick: (s: PhaseReport) => number) =>
  (m: Measurements, phase?: Phase): Measured => {
    const s = m.phases[phase!];
    return s.ops === 0 ? { value: null, note: `no operations in the ${phase} phase` } : { value: pick(s) };
  };
/** A latency percentile of a phase, in ms, with its own 95% interval. */
const percentile =
  (key: "p50Us" | "p99Us" | "p999Us") =>
  (m: Measurements, phase?: Phase): Measured => {
    const s = m.phases[phase!];
    if (s.ops === 0) return { value: null, note: `no operations in the ${phase} phase` };
    const iv = s.latency.interval95?.[key];
    return { value: s.latency[key] / 1000, ...(iv ? { interval: [iv[0] / 1000, iv[1] / 1000] as [number, number] } : {}) };
  };
/** A count where any one is news: at most so many (usually 0), or, for a scenario built to cause one, at least so many. */
function strictCount<I extends string, Max extends string, Min extends string>(
  id: I,
  name: string,
  label: string,
  [max, min, minName]: [Max, Min, string],
  measure: Metric["measure"],
  needs?: Metric["needs"],
) {
  const budgets = [budget(max, "max", writes), budget(min, "min", writes.min(1), minName)] as const;
  return {
    id,
    name,
    label,
    unit: "count",
    better: "lower",
    floor: 1,
    perPhase: false,
    strict: true,
    budgets,
    measure,
    ...(needs ? { needs } : {}),
  } satisfies Metric<I>;
}
const NO_READ_BACK = "no read-back (the run did not finish or the topology did not converge)";

/** An RTO, read from one of availability's outages: a censored one is a lower bound, never a value. */
function rtoMetric<I extends string, K extends string>(
  id: I,
  name: string,
  label: string,
  key: K,
  outage: (m: Measurements) => Outage | null | undefined,
  missing: string,
) {
  return {
    id,
    name,
    label,
    unit: "ms",
    better: "lower",
    floor: 100,
    perPhase: false,
    budgets: [budget(key, "max", ms)] as const,
    measure: (m: Measurements): Measured => {
      const a = outage(m);
      if (!a) return { value: null, note: missing };
      if (a.rtoMs !== null) return { value: a.rtoMs };
      if (a.rtoCensored) return { value: a.rtoLowerBoundMs ?? null, censored: true, note: a.rtoNote };
      return { value: null, note: a.rtoNote };
    },
  } satisfies Metric<I>;
}

/** The catalog as written, its names kept literal: MetricId, BudgetKey and budgetsSchema are read off it. */
const CATALOG = [
  { id: "p50", name: "p50", label: "P50 latency", unit: "ms", better: "lower", floor: 0.001, perPhase: true, budgets: [], measure: percentile("p50Us") },
  {
    id: "p99",
    name: "p99",
    label: "P99 latency",
    unit: "ms",
    better: "lower",
    floor: 0.001,
    perPhase: true,
    budgets: [budget("p99Ms", "max", perPhase(positiveMs))],
    measure: percentile("p99Us"),
  },
  {
    id: "p999",
    name: "p99.9",
    label: "P99.9 latency",
    unit: "ms",
    better: "lower",
    floor: 0.001,
    perPhase: true,
    budgets: [budget("p999Ms", "max", perPhase(positiveMs))],
    measure: percentile("p999Us"),
  },
  // Failed operations / attempted, per phase.
  {
    id: "errorRate",
    name: "error rate",
    label: "error rate",
    unit: "fraction",
    better: "lower",
    floor: 0.001,
    perPhase: true,
    budgets: [budget("maxErrorRate", "max", perPhase(fraction))],
    measure: inPhase((s) => s.errors / s.ops),
  },
  {
    id: "throughput",
    name: "throughput",
    label: "throughput, baseline",
    unit: "ops/s",
    better: "higher",
    floor: 1,
    perPhase: false,
    budgets: [],
    measure: (m: Measurements): Measured => {
      const bl = m.phases.baseline;
      const seconds = bl.fromMs === null ? 0 : ((bl.toMs ?? m.workload.loadDurationMs) - bl.fromMs) / 1000;
      return bl.ops > 0 && seconds > 0 ? { value: bl.ok / seconds } : { value: null, note: "no baseline operations" };
    },
  },
  // The observed RTO (docs/design.md): the worst fault's, counting acknowledged writes; within the objective, counting a
  // write only when acknowledged within workload.objectiveMs; durable, only when read back afterwards.
  rtoMetric("rto", "RTO", "RTO", "rtoMs", (m) => m.availability, "no availability measured"),
  rtoMetric(
    "rtoWithinObjective",
    "RTO within objective",
    "RTO, writes within the latency objective",
    "rtoWithinObjectiveMs",
    (m) => m.availability.withinObjective,
    "not measured (an older report)",
  ),
  {
    ...rtoMetric(
      "durableRto",
      "durable RTO",
      "RTO, writes that survived",
      "durableRtoMs",
      (m) => m.availability.durable,
      "no ledger and read-back to tell which writes survived",
    ),
    needs: "writeLedger",
  },
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
    // Acknowledged writes absent after convergence; a scenario *expected* to lose some (a split brain without
    // min-replicas-to-write) says so with the minimum, and fails unless the checker sees at least that many.
    budgets: [budget("maxLostWrites", "max", writes), budget("minLostWrites", "min", writes.min(1), "expected loss seen")],
    measure: (m: Measurements): Measured => (m.dataLoss ? { value: m.dataLoss.lost } : { value: null, note: NO_READ_BACK }),
  },
  // Writes applied more than once (a client resent what the server had done); a scenario built for it (lost replies) sets the minimum.
  strictCount(
    "duplicatedWrites",
    "duplicated writes",
    "writes applied twice",
    ["maxDuplicatedWrites", "minDuplicatedWrites", "expected duplicate seen"],
    (m) =>
      !m.dataLoss
        ? { value: null, note: NO_READ_BACK }
        : m.dataLoss.duplicated === undefined
          ? { value: null, note: "writes were SETs then (an older report): a second application did not show" }
          : { value: m.dataLoss.duplicated },
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
    budgets: [budget("rpoMs", "max", ms)],
    // No lost write acknowledged before the fault: an RPO window of 0.
    measure: (m: Measurements): Measured => (m.dataLoss ? { value: m.dataLoss.rpoMs ?? 0 } : { value: null, note: NO_READ_BACK }),
  },
  // OOM kills inside the run's containers (a server or a save's child at its memory limit); one built for it sets the minimum.
  strictCount("oomKills", "OOM kills", "OOM kills", ["maxOomKills", "minOomKills", "expected OOM kill seen"], (m) =>
    m.oom ? { value: m.oom.kills } : { value: null, note: "containers' memory was not watched (an older report)" },
  ),
  // Keys of a register history that are not linearizable; a scenario built to break it (a split brain read from both sides) sets the minimum.
  strictCount(
    "nonLinearizableKeys",
    "non-linearizable keys",
    "keys not linearizable",
    ["maxNonLinearizableKeys", "minNonLinearizableKeys", "expected violation seen"],
    (m) => {
      const l = m.linearizability;
      if (!l) return { value: null, note: "no register history (the workload keeps none)" };
      // A search that ran out of time decides nothing for its key: no violation found is not a pass then.
      if (l.violations.length === 0 && l.unknownKeys.length) return { value: null, note: `the search ran out of time on ${l.unknownKeys.join(", ")}` };
      return { value: l.violations.length };
    },
    "registerHistory",
  ),
  // Reads of the cache workload that found their key, per phase; the seed alerts below 90% (warning) and 80% (critical).
  {
    id: "hitRatio",
    needs: "cacheReads",
    name: "hit ratio",
    label: "cache hit ratio",
    unit: "fraction",
    better: "higher",
    floor: 0.001,
    perPhase: true,
    budgets: [budget("minHitRatio", "min", perPhase(fraction))],
    measure: (m: Measurements, phase?: Phase): Measured => {
      if (!m.cache) return { value: null, note: "no cache reads (the workload keeps none)" };
      const r = m.cache.phases[phase!].hitRatio;
      return r === null ? { value: null, note: `no reads in the ${phase} phase` } : { value: r };
    },
  },
  // Writes refused past maxmemory ("OOM command not allowed"); a scenario built to show noeviction sets the minimum.
  strictCount("oomErrors", "OOM errors", "writes refused past maxmemory", ["maxOomErrors", "minOomErrors", "expected OOM error seen"], (m) => ({
    value: m.total.errorsByClass.OOM,
  })),
] as const;

type Catalog = (typeof CATALOG)[number];
export type MetricId = Catalog["id"];
type AnyBudget = Catalog["budgets"][number];
export type BudgetKey = AnyBudget["key"];

/** Every metric: the one list verdicts, comparisons and views read. */
export const METRICS: readonly Metric<MetricId, BudgetKey>[] = CATALOG;

/** A scenario's budgets: every key a metric of the catalog declares, with the values it takes. */
export const budgetsSchema = z
  .object(Object.fromEntries(METRICS.flatMap((m) => m.budgets.map((b) => [b.key, b.schema]))) as { [K in BudgetKey]: Extract<AnyBudget, { key: K }>["schema"] })
  .partial()
  .strict();
export type Budgets = z.output<typeof budgetsSchema>;

export function metric(id: MetricId): Metric<MetricId, BudgetKey> {
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
 * waits. Every operation also pays the round trip of the engine on its path (the fault layer, or direct: workload.via), taken at its calibrated *median*:
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
  const c = m.instrument?.calibration;
  const roundTrip = (m.instrument?.via === "direct" ? c?.direct.p50Us : c?.faultLayer.p50Us) ?? 0;
  return (2 * lag + roundTrip) / 1000;
}

/** Every value of the catalog a run measured, and every metric its faults measured (fork time, copy-on-write...). */
export function metricSamples(m: Measurements): MetricSample[] {
  const out: MetricSample[] = [];
  const common = (x: Metric<MetricId>) => ({ unit: x.unit, better: x.better, floor: x.floor, strict: x.strict ?? false, metric: x.id });
  for (const x of METRICS) {
    for (const phase of x.perPhase ? PHASES : [undefined]) {
      const v = x.measure(m, phase);
      if (v.value === null) continue;
      out.push({
        key: phase ? `${x.id}.${phase}` : x.id,
        label: phase ? `${x.label}, ${phase}` : x.label,
        ...common(x),
        ...(phase ? { phase } : {}),
        value: v.value,
        censored: v.censored ?? false,
        ...(v.interval ? { interval: v.interval } : {}),
      });
    }
  }
  const many = m.faults.length > 1;
  m.faults.forEach((f, i) => {
    for (const fm of faultDefinition(f.kind).metrics ?? []) {
      const v = fm.pick(f.details);
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      out.push({
        key: `${fm.id}.${i}`,
        label: `${fm.label}${many ? ` (${f.kind} #${i + 1})` : ""}`,
        unit: fm.unit,
        better: fm.better,
        floor: fm.floor,
        strict: false,
        value: v,
        censored: false,
      });
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
