import { newReportDir, type ReportFiles } from "../report/write.js";
import type { RunReport, RunStatus } from "../report/types.js";
import type { Scenario } from "../scenario/schema.js";
import { admitRun } from "./admit.js";
import { RunContext, type RunOptions, type Stage } from "./context.js";
import { calibrateInstrument } from "./stages/calibrate.js";
import { connect } from "./stages/connect.js";
import { convergeAndReadBack } from "./stages/converge.js";
import { loadWithFaults } from "./stages/load.js";
import { preflight } from "./stages/preflight.js";
import { preload } from "./stages/preload.js";
import { check, report } from "./stages/report.js";
import { startProbes } from "./stages/start-probes.js";
import { startTopology } from "./stages/start-topology.js";

export type { RunOptions } from "./context.js";

/** A run, in order (Jepsen's test as a map of parts, as steps): each stage in its own file under stages/. */
export const STAGES: readonly Stage[] = [preflight, startTopology, preload, connect, calibrateInstrument, startProbes, loadWithFaults, convergeAndReadBack];

export interface RunResult {
  report: RunReport;
  files: ReportFiles;
  /**
   * What stopped the run, when something was thrown (not for an interruption, which the report's status says):
   * a HarnessError says what to do and carries its exit code; anything else is a bug of the harness. The report holds
   * everything measured before it.
   */
  failure?: unknown;
}

/**
 * Runs one scenario end to end: the stages, teardown of everything they started whatever happened, the checkers, and
 * the report with every view. The report is written even when the run fails half-way.
 */
export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  // Before anything is created (a report folder, a container): a run that cannot be done right is refused.
  const resources = await admitRun(scenario, opts.settings, opts.progress, opts.target);
  const ctx = new RunContext(scenario, opts, newReportDir(opts.settings.reportsDir, scenario.name), resources);
  ctx.progress.step(`scenario ${scenario.name}: report folder ${ctx.dir}`);
  let failure: unknown;
  try {
    for (const stage of STAGES) {
      ctx.signal.throwIfAborted();
      await stage(ctx);
    }
  } catch (err) {
    failure = err;
    if (!ctx.signal.aborted) ctx.timeline.add("run-error", { error: messageOf(err) });
  }
  // How the run ended is settled before the teardown: a Ctrl-C while the containers stop changes nothing measured.
  const { status, problem } = outcome(ctx, failure);
  await ctx.tearDown();
  const written = await report(ctx, check(ctx), status, problem);
  // The operations, writes and reads are in the report now: what spilled to disk gives its file back.
  for (const log of [ctx.recorder.log, ctx.ledger, ctx.staleReads]) log.close();
  // A run the harness stopped itself (the host short of memory) failed with that reason; an interruption did not fail.
  const reason = ctx.stopReason ?? (status !== "aborted" ? failure : undefined);
  return { ...written, ...(reason !== undefined ? { failure: reason } : {}) };
}

/** How the run ended: interrupted, failed (something thrown, or a problem a stage noted), or completed. */
function outcome(ctx: RunContext, failure: unknown): { status: RunStatus; problem?: string } {
  if (ctx.stopReason) return { status: "aborted", problem: ctx.stopReason.message };
  if (ctx.signal.aborted) return { status: "aborted", problem: "interrupted" };
  if (failure !== undefined) return { status: "failed", problem: messageOf(failure) };
  if (ctx.problems.length) return { status: "failed", problem: ctx.problems.join("; ") };
  return { status: "completed" };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
