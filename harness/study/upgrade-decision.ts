import { upgrade, type UpgradeDetails } from "../faults/upgrade.js";
import type { FaultSpan } from "../faults/types.js";
import { formatAtS, formatCount, formatMs } from "../infra/units.js";
import type { Comparison } from "../report/compare.js";
import type { RunReport } from "../report/types.js";
import type { UpgradePlan } from "./upgrade-plan.js";

/** What one of the upgrade's runs gave: its report (none: it stopped before it had one, with the error), its folder. */
export interface UpgradeRun {
  report?: RunReport;
  error?: string;
  dir?: string;
}

/** A trap's outcome, as the run decided it. */
export interface TrapOutcome {
  name: string;
  what: string;
  outcome: string;
  /** The server's own words, where it refused. */
  serverSaid: string | null;
  dir?: string;
}

/** The go/no-go of an upgrade, with everything its page shows. */
export interface UpgradeDecision {
  go: boolean;
  /** The page's first line: go or no-go, and why, in one sentence. */
  headline: string;
  topology: string;
  from: string;
  to: string;
  fromVersion: string | null;
  toVersion: string | null;
  /** How the roll was done, in words. */
  procedure: string;
  /** Why it is no-go (empty when go). */
  reasons: string[];
  /** What holds even when it is go: failed writes, no way back, a trap, a slower metric. */
  cautions: string[];
  /** The roll's steps, each with the load's own numbers over it. */
  steps: FaultSpan[];
  roll: { acknowledged: number; failed: number; lost: number | null; duplicated: number | null; dir?: string };
  wayBack: { possible: boolean; serverSaid: string | null } | null;
  traps: TrapOutcome[];
  /** The same load on each image, compared (null: not run). */
  performance: { changed: Array<{ label: string; outcome: string; note: string }>; tooFewRuns: boolean; dir?: string } | null;
}

const HANDOVER: Record<string, string> = {
  handover: "the topology's own handover",
  "handover-writes-paused": "the handover with the old master's writes paused until it was demoted",
  "master-killed": "the master killed and the topology left to fail over",
};

/** The roll's record, as the upgrade fault left it. */
function rollOf(r: RunReport | undefined): { error?: string; details: Partial<UpgradeDetails>; spans: FaultSpan[] } | null {
  const f = r?.faults.find((x) => x.kind === upgrade.kind);
  return f ? { error: f.error, details: f.details as Partial<UpgradeDetails>, spans: f.spans ?? [] } : null;
}

/**
 * Go when the roll under load completed, lost no acknowledged write and kept the scenario's budgets; no-go otherwise,
 * with the first reason in the headline. What holds either way is a caution: writes that failed (and in which step),
 * no way back once the new version has saved, the crash trap's outcome, a metric the same load showed worse.
 */
export function decideUpgrade(
  plan: UpgradePlan,
  roll: UpgradeRun,
  crash: UpgradeRun | null,
  performance: Comparison | null,
  perfDir?: string,
): UpgradeDecision {
  const r = roll.report;
  const rec = rollOf(r);
  const d = rec?.details ?? {};
  const reasons: string[] = [];
  const cautions: string[] = [];
  if (!r) reasons.push(`the roll did not run to a report: ${roll.error ?? "no report"}`);
  else if (r.status !== "completed") reasons.push(`the roll's run ${r.status}: ${r.problem ?? ""}`.trim());
  if (rec?.error) reasons.push(`the roll stopped: ${rec.error}`);
  const healed = r?.faults.find((x) => x.kind === upgrade.kind)?.healedAtMs;
  if (r && healed && healed > r.workload.loadDurationMs)
    reasons.push(
      `the roll outlasted the load (done at ${formatAtS(healed)}, the load ended at ${formatAtS(r.workload.loadDurationMs)}): its last steps were not under load; give the roll's scenario a longer workload.duration`,
    );
  const lost = r?.dataLoss?.lost ?? null;
  if (lost !== null && lost > 0) reasons.push(`${formatCount(lost)} acknowledged writes were lost during the roll`);
  if (r && r.status === "completed") for (const f of r.verdict.failures) if (!/lost writes/.test(f)) reasons.push(`the roll broke a budget: ${f}`);

  const failed = r?.availability.writesFailed ?? 0;
  const worst = [...(rec?.spans ?? [])].sort((a, b) => b.errors - a.errors)[0];
  if (failed > 0)
    cautions.push(
      `${formatCount(failed)} writes failed during the roll and must be retried${worst?.errors ? `; the step that failed most operations was "${worst.label}": ${formatCount(worst.errors)} of its ${formatCount(worst.ops)} in ${formatMs(worst.toMs - worst.fromMs)}` : ""}`,
    );
  const duplicated = r?.dataLoss?.duplicated ?? null;
  if (duplicated) cautions.push(`${formatCount(duplicated)} writes were applied twice (a client resent what the server had done)`);
  const wayBack = d.wayBack ? { possible: d.wayBack.possible, serverSaid: d.wayBack.serverSaid } : null;
  if (wayBack && !wayBack.possible)
    cautions.push(
      `no way back once ${d.toVersion ?? plan.to} has saved: ${d.wayBack!.node} rolled back to ${plan.from} with its data did not start${wayBack.serverSaid ? ` ("${wayBack.serverSaid}")` : ""}`,
    );

  const traps: TrapOutcome[] = [];
  if (crash) {
    const c = rollOf(crash.report)?.details.rejoinedOnOldImage;
    const outcome = !crash.report
      ? `did not run: ${crash.error ?? "no report"}`
      : !c
        ? "the trap was not reached (the roll stopped before it)"
        : c.synced
          ? "the old master synced from the upgraded master on its old image"
          : "the old master on its old image could not sync from the upgraded master until it was upgraded itself";
    traps.push({
      name: plan.crash.name,
      what: "the old master crashes after the handover and is started again on its old image, before its own upgrade",
      outcome,
      serverSaid: c?.serverSaid ?? null,
      dir: crash.dir,
    });
    if (c && !c.synced)
      cautions.push(
        `a crash of the old master before its own upgrade leaves it unable to sync until it is upgraded${c.serverSaid ? ` ("${c.serverSaid}")` : ""}: upgrade it next`,
      );
  }

  const changed = (performance?.scenarios ?? [])
    .flatMap((s) => s.metrics)
    .filter((m) => m.outcome === "regressed" || m.outcome === "improved")
    .map((m) => ({ label: m.label, outcome: m.outcome, note: m.note }));
  for (const m of changed) if (m.outcome === "regressed") cautions.push(`${m.label} is worse on ${plan.to} under the same load: ${m.note}`);

  const go = reasons.length === 0;
  const procedure = `replicas first, each shut down with a save and started on the new image with its data; then ${HANDOVER[d.failover ?? "handover"]}; then the old master`;
  const versions = d.fromVersion && d.toVersion ? `${d.fromVersion} to ${d.toVersion}` : `${plan.from} to ${plan.to}`;
  const headline = go
    ? `GO: the rolling upgrade of ${plan.topology} from ${versions} lost no acknowledged write under load (${formatCount(r!.dataLoss?.acknowledged ?? 0)} acknowledged)${failed ? `; ${formatCount(failed)} failed and must be retried` : ", none failed"}${wayBack && !wayBack.possible ? "; there is no way back once it has saved" : ""}.`
    : `NO-GO: ${reasons[0]}.`;
  return {
    go,
    headline,
    topology: plan.topology,
    from: plan.from,
    to: plan.to,
    fromVersion: d.fromVersion ?? null,
    toVersion: d.toVersion ?? null,
    procedure,
    reasons,
    cautions,
    steps: rec?.spans ?? [],
    roll: { acknowledged: r?.dataLoss?.acknowledged ?? 0, failed, lost, duplicated, dir: roll.dir },
    wayBack,
    traps,
    performance: performance ? { changed, tooFewRuns: performance.summary.tooFewRuns, dir: perfDir } : null,
  };
}
