import { storedRun, type StoredRun } from "../../harness/history/stored-run.js";
import { Rng } from "../../harness/workload/rng.js";
import { syntheticReport } from "./synthetic-run.js";

// A nightly history made up for tests: the same short run night after night, its baseline P99 set per night.

const template = syntheticReport({ name: "nightly-smoke", topology: "standalone", durationS: 8, seed: 3 });

/** Night `i` (1-based) of a nightly series: the smoke run, its baseline P99 set to `p99Ms`. */
export function night(i: number, p99Ms: number): StoredRun {
  const startedAt = new Date(Date.UTC(2026, 10, i, 2, 0, 0)).toISOString();
  const r = storedRun({ ...template, startedAt }, `reports/night-${i}/report.json`);
  return { ...r, samples: r.samples.map((s) => (s.key === "p99.baseline" ? { ...s, value: p99Ms } : s)) };
}

/**
 * Ten nights of a P99 around 1 ms (± 2%), 2 ms more from night 7 on: the planted regression. (With noise as
 * wide as the 5% threshold, a night can cross it by chance: that is what --threshold is for.)
 */
export const TEN_NIGHTS = (() => {
  const rng = new Rng(11);
  return Array.from({ length: 10 }, (_, k) => night(k + 1, 1 + (rng.next() * 2 - 1) * 0.02 + (k + 1 >= 7 ? 2 : 0)));
})();
