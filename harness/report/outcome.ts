import { EXIT } from "../infra/errors.js";
import type { InconclusiveAs } from "../infra/settings.js";
import type { RunReport } from "./types.js";

export type VerdictWord = "PASS" | "INCONCLUSIVE" | "FAIL" | "ABORTED" | "FAILED";

/**
 * One word for a run, as every view shows it: the verdict when the run completed, else how it ended. INCONCLUSIVE: no
 * budget broke, but at least one could not be judged on this run (its instrument floor reached it).
 */
export function verdictWord(r: RunReport): VerdictWord {
  if (r.status === "aborted") return "ABORTED";
  if (r.status === "failed") return "FAILED";
  if (!r.verdict.pass) return "FAIL";
  return r.verdict.inconclusive.length ? "INCONCLUSIVE" : "PASS";
}

/**
 * The exit code a run's report stands for: 130 interrupted, 3 could not finish, 1 a budget broke, 0 pass. Inconclusive
 * is 0 by default (a breach within the instrument's floor is not proof of a broken build; the word and the JUnit
 * <skipped> say it), 1 when `inconclusive` is "fail".
 */
export function exitCodeOf(r: RunReport, inconclusive: InconclusiveAs = "pass"): number {
  if (r.status === "aborted") return EXIT.interrupted;
  if (r.status === "failed") return EXIT.environment;
  if (!r.verdict.pass) return EXIT.budgetFailed;
  return inconclusive === "fail" && r.verdict.inconclusive.length ? EXIT.budgetFailed : EXIT.pass;
}
