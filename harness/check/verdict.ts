import { formatValue, type Unit } from "../infra/units.js";
import { PHASES, type Phase } from "../measure/phases.js";
import { METRICS, instrumentFloor, type Budgets, type Measurements, type MetricId } from "./metrics.js";

/** Which budget a check judges: a metric, its phase when per phase, and which way the budget limits it. */
export interface CheckId {
  metric: MetricId;
  phase?: Phase;
  bound: "max" | "min";
}

/** One budget compared with what was measured. `measured` is null when there was nothing to measure. */
export interface Check {
  id: CheckId;
  /** "p99 baseline", "RTO", "expected loss seen". */
  name: string;
  budget: number;
  measured: number | null;
  unit: Unit;
  pass: boolean;
  note?: string;
  /**
   * Set when the measurement broke an upper budget by no more than the phase's own instrument floor (instrumentFloor):
   * the excess may be the driver's or the machine's, so the check neither passes nor fails. A breach larger than the
   * floor fails whatever the floor is; a pass is always conclusive (the instrument only ever adds latency).
   */
  inconclusive?: string;
  /** The phase's instrument floor the check was judged with (latency budgets), in the metric's unit. */
  floor?: number;
}

export interface Verdict {
  pass: boolean;
  checks: Check[];
  /** The checks that failed, in words: what a CI log or a JUnit failure shows. */
  failures: string[];
  /** The checks that could not be judged on this run (Check.inconclusive), in words. */
  inconclusive: string[];
  /** Why the driver, not Redis, was the limit (check/instrument.ts): the budgets still judge, but read the latencies so. */
  driverBound?: string[];
}

/** "p99 baseline: budget ≤ 50 ms, measured 61.2 ms". */
export function describeCheck(c: Check): string {
  const measured = c.measured === null ? `nothing measured (${c.note ?? "no data"})` : formatValue(c.measured, c.unit);
  return `${c.name}: budget ${c.id.bound === "min" ? "≥" : "≤"} ${formatValue(c.budget, c.unit)}, measured ${measured}`;
}

/**
 * Every budget the scenario sets, against its metric's measurement, for the metrics given (default: all). A budget
 * that cannot be backed by a measurement (a phase with no operations, no read-back) fails: no measurement, no pass.
 */
export function budgetChecks(budgets: Budgets, m: Measurements, only: readonly MetricId[] = METRICS.map((x) => x.id)): Check[] {
  const checks: Check[] = [];
  for (const metric of METRICS.filter((x) => only.includes(x.id))) {
    for (const b of metric.budgets) {
      const set = budgets[b.key];
      if (set === undefined) continue;
      const limits: Array<[Phase | undefined, number | undefined]> =
        typeof set === "number" ? [[undefined, set]] : PHASES.map((p) => [p, (set as Partial<Record<Phase, number>>)[p]]);
      for (const [phase, budget] of limits) {
        if (budget === undefined) continue;
        const got = metric.measure(m, phase);
        const measured = got.censored ? null : got.value;
        const pass = measured !== null && (b.bound === "min" ? measured >= budget : measured <= budget);
        const floor = b.bound === "max" ? instrumentFloor(m, metric.id, phase) : 0;
        // Broken, but by no more than what the instrument itself adds at this percentile in this phase (a driver late
        // by 9 ms at P99 puts 9 ms on every latency it measures from the intended start): not Redis's to answer for,
        // and not provably not. Broken by more than that: a failure, however high the floor.
        const inconclusive =
          !pass && measured !== null && floor > 0 && measured - floor <= budget
            ? `exceeded by ${formatValue(measured - budget, metric.unit)}, within this phase's instrument floor of ${formatValue(floor, metric.unit)} (twice its own schedule lag at this percentile, for the send and the reply, plus the calibrated round trip's median): a slower moment of this machine, not Redis, may be what broke it`
            : undefined;
        checks.push({
          id: { metric: metric.id, ...(phase ? { phase } : {}), bound: b.bound },
          name: b.name ?? (phase ? `${metric.name} ${phase}` : metric.name),
          budget,
          measured,
          unit: metric.unit,
          pass,
          ...(got.note && measured === null ? { note: got.note } : {}),
          ...(inconclusive ? { inconclusive } : {}),
          ...(floor > 0 ? { floor } : {}),
        });
      }
    }
  }
  return checks;
}

/** A run passes when no check failed conclusively; inconclusive checks are listed apart, never counted as passes. */
export function verdictOf(checks: Check[]): Verdict {
  const failed = checks.filter((c) => !c.pass && !c.inconclusive);
  const open = checks.filter((c) => !c.pass && c.inconclusive);
  return { pass: failed.length === 0, checks, failures: failed.map(describeCheck), inconclusive: open.map((c) => `${describeCheck(c)}: ${c.inconclusive}`) };
}

/** The check of a metric (and phase), as views look one up. */
export function findCheck(v: Verdict, metric: MetricId, phase?: Phase, bound: "max" | "min" = "max"): Check | undefined {
  return v.checks.find((c) => c.id.metric === metric && c.id.phase === phase && c.id.bound === bound);
}
