import { loadSettings } from "../infra/settings.js";
import { Progress } from "../report/progress.js";
import { runScenario } from "../scenario/run.js";
import type { Scenario } from "../scenario/schema.js";
import { interruptSignal } from "./interrupt.js";
import { exitCodeOf, verdictWord } from "../report/outcome.js";
import { formatMs } from "../scenario/units.js";

/** `run`: one scenario, a verdict on stdout, the exit code of the verdict. */
export async function runCommand(scenario: Scenario, o: { quiet: boolean; exportHistory: boolean }): Promise<number> {
  const { report, files } = await runScenario(scenario, {
    settings: loadSettings(),
    progress: new Progress(process.stderr, o.quiet),
    signal: interruptSignal(),
    exportHistory: o.exportHistory,
  });
  const out: string[] = [];
  out.push(`${verdictWord(report)} ${scenario.name}`);
  for (const f of report.verdict.failures) out.push(`  broken: ${f}`);
  for (const p of ["baseline", "fault", "recovery"] as const) {
    const ph = report.phases[p];
    if (ph.ops) out.push(`  ${p.padEnd(9)} ops ${ph.ops} errors ${ph.errors} p50 ${ph.latency.p50Us}µs p99 ${ph.latency.p99Us}µs p99.9 ${ph.latency.p999Us}µs max ${ph.latency.maxUs}µs`);
  }
  for (const f of report.faults) if (f.details.forkUs !== undefined) out.push(`  fork ${f.details.forkUs}µs, copy-on-write ${f.details.copyOnWriteBytes} bytes`);
  const a = report.availability;
  if (report.faults.length) out.push(`  RTO ${formatMs(a.rtoMs)}${a.rtoMs === null ? ` (${a.rtoNote})` : ""}, ${a.writesFailed} of ${a.writesAttempted} writes failed`);
  const d = report.dataLoss;
  if (d) out.push(`  writes: ${d.acknowledged} acknowledged, ${d.lost} lost (${d.splitBrain} split brain), ${d.indeterminate} indeterminate, RPO ${d.rpoMs === null ? "-" : `${Math.round(d.rpoMs)} ms`}`);
  const app = report.app;
  if (app) {
    out.push(`  HTTP (app tier): ${app.total.ops} requests, ${app.total.errors} errors, p99 ${app.total.latency.p99Us}µs, RTO ${formatMs(app.availability.rtoMs)}`);
  }
  if (files.history) out.push(`  history: ${files.history}`, `  readback: ${files.readback}`);
  out.push(`  report: ${files.json}`, `  summary: ${files.markdown}`);
  if (files.html) out.push(`  charts: ${files.html}`);
  process.stdout.write(out.join("\n") + "\n");
  return exitCodeOf(report);
}
