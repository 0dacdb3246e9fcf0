import { z } from "zod";
import { PHASES } from "../measure/phases.js";
import { REPORT_SCHEMA_VERSION } from "./types.js";

/*
 * What a reader of someone's report.json relies on, checked when it is loaded (the rest of RunReport passes through):
 * the format version first (a report of another version is refused by name, never read by guesswork), then every run
 * names its scenario and status; a completed run also carries the numbers a comparison reads.
 */

const num = z.number();
const phase = z.looseObject({
  ops: num,
  ok: num,
  errors: num,
  fromMs: num.nullable(),
  toMs: num.nullable(),
  latency: z.looseObject({ p50Us: num, p99Us: num, p999Us: num }),
});

const version = z.looseObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION, {
    error: (i) =>
      `${JSON.stringify(i.input)}, and this harness reads version ${REPORT_SCHEMA_VERSION} only${typeof i.input === "number" && i.input < REPORT_SCHEMA_VERSION ? " (the report was written by an older harness)" : ""}`,
  }),
});

const anyRun = version.extend({
  scenario: z.looseObject({ name: z.string(), budgets: z.looseObject({}).optional() }),
  status: z.enum(["completed", "aborted", "failed"]),
});

const completedRun = anyRun.extend({
  verdict: z.looseObject({
    pass: z.boolean(),
    inconclusive: z.array(z.string()),
    checks: z.array(z.looseObject({ id: z.looseObject({ metric: z.string() }) })),
  }),
  phases: z.looseObject(Object.fromEntries(PHASES.map((p) => [p, phase]))),
  availability: z.looseObject({ rtoMs: num.nullable(), rtoCensored: z.boolean() }),
  dataLoss: z.looseObject({ lost: num, rpoMs: num.nullable() }).nullable(),
  faults: z.array(z.looseObject({ kind: z.string(), details: z.looseObject({}) })),
  workload: z.looseObject({ loadDurationMs: num, engine: z.string() }),
  instrument: z.looseObject({ calibration: z.looseObject({ faultLayer: z.looseObject({ p50Us: num, p99Us: num, p999Us: num }) }).nullable() }),
});

/** What is wrong with a parsed report.json for a reader (empty: fine), one "field: problem" per entry. */
export function reportProblems(data: unknown): string[] {
  const v = version.safeParse(data);
  const result = !v.success ? v : ((s) => (s.success && s.data.status === "completed" ? completedRun.safeParse(data) : s))(anyRun.safeParse(data));
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join(".") || "(report)"}: ${i.message}`);
}
