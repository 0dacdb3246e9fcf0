import { availabilityChecker } from "./availability.js";
import { cacheChecker } from "./cache.js";
import type { CheckedField, Checker } from "./checker.js";
import { dataLossChecker } from "./data-loss.js";
import type { History } from "./history.js";
import { instrumentChecker } from "./instrument.js";
import { linearizabilityChecker } from "./linearizability.js";
import { latencyChecker } from "./latency.js";
import { oomChecker } from "./oom.js";
import type { Budgets, Measurements } from "./metrics.js";
import { staleReadsChecker } from "./stale-reads.js";
import { budgetChecks, type Check } from "./verdict.js";

/** The checkers every run goes through. A new checker: one file, one line here. */
export const CHECKERS = [
  latencyChecker,
  availabilityChecker,
  dataLossChecker,
  staleReadsChecker,
  instrumentChecker,
  oomChecker,
  linearizabilityChecker,
  cacheChecker,
] as const;

export type CheckResults = Pick<Measurements, CheckedField>;
/** What the checkers made of a run: their results, and every budget checked against them. */
export type Checked = { results: CheckResults; checks: Check[] };

/**
 * Jepsen's checker/compose: every checker over the same history, their results merged into one set of measurements,
 * and each checker's budgets checked against its own result.
 */
export function compose(checkers: ReadonlyArray<Checker<CheckedField>>) {
  return (h: History, budgets: Budgets): Checked => {
    const results = Object.assign({}, ...checkers.map((c) => c.check(h))) as CheckResults;
    const measured: Measurements = { ...results, faults: h.faults, workload: { loadDurationMs: Math.round(h.load.endMs) } };
    return { results, checks: checkers.flatMap((c) => budgetChecks(budgets, measured, c.metrics)) };
  };
}

export const checkAll = compose(CHECKERS as unknown as ReadonlyArray<Checker<CheckedField>>);
