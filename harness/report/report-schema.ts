import { z } from "zod";
import { PHASES } from "../check/phases.js";
import { REPORT_SCHEMA_VERSION } from "./types.js";

/*
 * What a reader of someone's report.json relies on, checked when it is loaded (the rest of RunReport passes through):
 * every run names its scenario and status; a completed run also carries the numbers a comparison reads.
 */

const num = z.number();
const phase = z.looseObject({ ops: num, ok: num, errors: num, latency: z.looseObject({ p50Us: num, p99Us: num, p999Us: num }) });

const anyRun = z.looseObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION, { error: (i) => `${JSON.stringify(i.input)}, this harness reads version ${REPORT_SCHEMA_VERSION}` }),
  scenario: z.looseObject({ name: z.string(), budgets: z.looseObject({}).optional() }),
  status: z.enum(["completed", "aborted", "failed"]),
});

const completedRun = anyRun.extend({
  verdict: z.looseObject({ pass: z.boolean() }),
  phases: z.looseObject(Object.fromEntries(PHASES.map((p) => [p, phase]))),
  availability: z.looseObject({ rtoMs: num.nullable() }),
  dataLoss: z.looseObject({ lost: num }).nullable().optional(),
  faults: z.array(z.unknown()),
  workload: z.looseObject({ loadDurationMs: num }),
});

/** What is wrong with a parsed report.json for a reader (empty: fine), one "field: problem" per entry. */
export function reportProblems(data: unknown): string[] {
  const head = anyRun.safeParse(data);
  const result = head.success && head.data.status === "completed" ? completedRun.safeParse(data) : head;
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join(".") || "(report)"}: ${i.message}`);
}
