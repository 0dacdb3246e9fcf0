import type { Budgets } from "../scenario/schema.js";
import type { OpStatsSummary } from "../measure/op-stats.js";
import { PHASES, type Phase } from "./phases.js";
import type { Availability } from "./availability.js";
import type { DataLoss } from "../measure/ledger.js";

/** One budget compared with what was measured. `measured` is null when there was nothing to measure. */
export interface Check {
  name: string;
  budget: number;
  measured: number | null;
  unit: "ms" | "fraction" | "writes";
  /** "at least": the measurement must reach the budget (an expected loss must be seen). Default: at most. */
  atLeast?: boolean;
  pass: boolean;
  note?: string;
}

export interface Verdict {
  pass: boolean;
  checks: Check[];
  /** The checks that failed, in words: what a CI log or a JUnit failure shows. */
  failures: string[];
}

function describe(c: Check): string {
  const fmt = (v: number) => (c.unit === "ms" ? `${v} ms` : c.unit === "writes" ? `${v} writes` : `${(v * 100).toFixed(3)}%`);
  const measured = c.measured === null ? `nothing measured (${c.note ?? "no data"})` : fmt(c.measured);
  return `${c.name}: budget ${c.atLeast ? "≥" : "≤"} ${fmt(c.budget)}, measured ${measured}`;
}

/**
 * Budgets against measurements. A budget on a phase with no operations fails: a verdict that cannot be backed by a
 * measurement is not a pass.
 */
export function verdict(budgets: Budgets, phases: Record<Phase, OpStatsSummary>, avail: Availability, loss: DataLoss | null = null): Verdict {
  const checks: Check[] = [];
  const perPhase = (label: string, limits: Partial<Record<Phase, number>> | undefined, pick: (s: OpStatsSummary) => number, unit: Check["unit"]) => {
    for (const phase of PHASES) {
      const budget = limits?.[phase];
      if (budget === undefined) continue;
      const s = phases[phase];
      const measured = s.ops === 0 ? null : pick(s);
      checks.push({
        name: `${label} ${phase}`,
        budget,
        measured,
        unit,
        pass: measured !== null && measured <= budget,
        ...(measured === null ? { note: `no operations in the ${phase} phase` } : {}),
      });
    }
  };
  perPhase("p99", budgets.p99Ms, (s) => s.latency.p99Us / 1000, "ms");
  perPhase("p99.9", budgets.p999Ms, (s) => s.latency.p999Us / 1000, "ms");
  perPhase("error rate", budgets.maxErrorRate, (s) => s.errors / s.ops, "fraction");
  if (budgets.rtoMs !== undefined) {
    checks.push({
      name: "RTO",
      budget: budgets.rtoMs,
      measured: avail.rtoMs,
      unit: "ms",
      pass: avail.rtoMs !== null && avail.rtoMs <= budgets.rtoMs,
      ...(avail.rtoNote ? { note: avail.rtoNote } : {}),
    });
  }
  const lossCheck = (name: string, budget: number | undefined, measured: number | null | undefined, unit: Check["unit"], none: string) => {
    if (budget === undefined) return;
    const m = loss === null ? null : (measured ?? 0);
    checks.push({ name, budget, measured: m, unit, pass: m !== null && m <= budget, ...(loss === null ? { note: none } : {}) });
  };
  lossCheck("lost writes", budgets.maxLostWrites, loss?.lost, "writes", "no read-back (the run did not finish)");
  if (budgets.minLostWrites !== undefined) {
    const m = loss?.lost ?? null;
    checks.push({
      name: "expected loss seen",
      budget: budgets.minLostWrites,
      measured: m,
      unit: "writes",
      atLeast: true,
      pass: m !== null && m >= budgets.minLostWrites,
      ...(m === null ? { note: "no read-back (the run did not finish)" } : {}),
    });
  }
  // No lost write acknowledged before the fault: an RPO window of 0.
  lossCheck("RPO", budgets.rpoMs, loss?.rpoMs, "ms", "no read-back (the run did not finish)");
  const failed = checks.filter((c) => !c.pass);
  return { pass: failed.length === 0, checks, failures: failed.map(describe) };
}

export { describe as describeCheck };
