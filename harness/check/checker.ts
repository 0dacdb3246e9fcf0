import type { History } from "./history.js";
import type { Measurements, MetricId } from "./metrics.js";

/** The report fields checkers fill. */
export type CheckedField = "phases" | "total" | "availability" | "dataLoss" | "reads" | "instrument" | "oom" | "linearizability" | "cache";

/**
 * A checker: history in, its typed part of the measurements out. `metrics` are the catalog metrics whose budgets its
 * result answers; the verdict checks those budgets against it. A new checker: one file, and one line in index.ts.
 */
export interface Checker<F extends CheckedField> {
  readonly name: string;
  readonly metrics: readonly MetricId[];
  check(h: History): Pick<Measurements, F>;
}
