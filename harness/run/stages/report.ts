import { checkAll, type Checked } from "../../check/index.js";
import type { LoadSummary } from "../../measure/probe.js";
import { buildReport } from "../../report/build.js";
import { hdrIntervalLog } from "../../report/hdr-log.js";
import type { ProbeSections, RunReport, RunStatus } from "../../report/types.js";
import { writeReport, type ReportFiles } from "../../report/write.js";
import { workloadDefinition } from "../../workload/registry.js";
import type { RunContext } from "../context.js";
import { exportRawHistory } from "./converge.js";

/** The checkers over the run's history (what the workload keeps of it): results and budget checks. */
export function check(ctx: RunContext): Checked {
  const w = ctx.scenario.workload;
  const { keeps } = workloadDefinition(w.keys);
  return checkAll(
    {
      recorder: ctx.recorder,
      phases: ctx.phases,
      ledger: keeps.writeLedger ? ctx.ledger : null,
      readBack: ctx.readBack?.present ?? null,
      staleReads: keeps.staleReads ? { log: ctx.staleReads, from: w.readFrom } : null,
      registers: keeps.registerHistory ? ctx.registers : null,
      cacheReads: keeps.cacheReads ? ctx.cacheReads : null,
      dir: ctx.dir,
      faults: ctx.faults,
      oomKills: ctx.oomKills,
      instrument: { engine: w.engine, mode: w.mode, calibration: ctx.calibration, via: w.via, eventLoop: ctx.eventLoop.perSecond },
      load: { endMs: ctx.driver.endMs, lastIssueMs: ctx.driver.lastIssueMs },
      objectiveMs: w.objectiveMs,
    },
    ctx.scenario.budgets,
  );
}

/** The report, built from the context and written with every view; what was measured is on disk whatever happened. */
export async function report(
  ctx: RunContext,
  checked: Checked,
  status: RunStatus,
  problem: string | undefined,
): Promise<{ report: RunReport; files: ReportFiles }> {
  const load: LoadSummary = {
    endMs: ctx.driver.endMs,
    lastIssueMs: ctx.driver.lastIssueMs,
    faultStarts: ctx.faults.map((f) => f.sentAtMs),
    objectiveMs: ctx.scenario.workload.objectiveMs,
  };
  const probes: Partial<ProbeSections> = Object.assign({}, ...ctx.probes.map((p) => p.contribute(load)));
  const built = buildReport({
    scenario: ctx.scenario,
    status,
    problem,
    startedAt: ctx.startedAt,
    environment: ctx.environment,
    topology: ctx.description,
    dataset: ctx.dataset,
    driver: ctx.driver,
    ...(ctx.drivers ? { drivers: ctx.drivers.summaries() } : {}),
    recorder: ctx.recorder,
    faults: ctx.faults,
    convergence: ctx.convergence,
    checked,
    probes,
    timeline: ctx.timeline.events,
  });
  const exported = await exportRawHistory(ctx).catch((err: Error) => {
    ctx.progress.step(`warning: the history could not be exported: ${err.message}`);
    return undefined;
  });
  // The load's start on the wall clock: now, minus the run clock's reading.
  const loadStartEpochMs = Date.now() - ctx.clock.now();
  const files = { ...writeReport(ctx.dir, built, () => hdrIntervalLog(ctx.recorder, loadStartEpochMs)), ...(exported ?? {}) };
  for (const p of files.problems) ctx.progress.step(`warning: ${p.split("\n")[0]}`);
  ctx.progress.step(`report: ${files.markdown}`);
  return { report: built, files };
}
