import { metricSamples, upperBudget } from "../check/metrics.js";
import { verdictWord, type VerdictWord } from "../report/outcome.js";
import type { RunReport } from "../report/types.js";
import { environmentFingerprint, hash12, type EnvironmentParts } from "./fingerprint.js";

/** One run as the results store keeps it: who ran what where, how it ended, and every metric it measured. */
export interface StoredRun {
  /** The run's start and scenario: the same run imported twice (from a copied folder, say) is one row. */
  id: string;
  startedAt: string;
  finishedAt: string;
  scenario: string;
  /** 12 hex digits over the scenario as it ran: a series whose scenario was edited shows where. */
  scenarioHash: string;
  topology: string;
  image: string;
  imageDigest: string | null;
  serverVersion: string | null;
  fingerprint: string;
  environment: EnvironmentParts | null;
  security: string;
  /** The client engine the load went through. */
  engine: string;
  /** What the user named the system under test (a commit, a config): --label or HARNESS_LABEL. */
  label: string | null;
  status: RunReport["status"];
  verdict: VerdictWord;
  reportPath: string;
  samples: StoredSample[];
}

export interface StoredSample {
  key: string;
  metric: string | null;
  phase: string | null;
  label: string;
  unit: string;
  better: "lower" | "higher";
  value: number;
  censored: boolean;
  /** The scenario's upper budget on it, when it has one: the trend page's budget line. */
  budget: number | null;
}

/** A report as a row of the store. Only a completed run's metrics are kept: an aborted run's numbers are a fragment. */
export function storedRun(report: RunReport, reportPath: string, label: string | null = null): StoredRun {
  const image = report.topology?.image ?? report.environment.images[0]?.name ?? "unknown";
  const facts = report.environment.images.find((i) => i.name === image);
  const fp = environmentFingerprint(report.environment.host);
  return {
    id: `${report.startedAt} ${report.scenario.name}`,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    scenario: report.scenario.name,
    scenarioHash: hash12(report.scenario),
    topology: report.scenario.topology.kind,
    image,
    imageDigest: facts ? (facts.repoDigests[0] ?? facts.id) : null,
    serverVersion: report.topology?.server ? `${report.topology.server.server} ${report.topology.server.version}` : null,
    fingerprint: fp.id,
    environment: fp.parts,
    security: report.security?.label ?? "none",
    engine: report.workload.engine,
    label,
    status: report.status,
    verdict: verdictWord(report),
    reportPath,
    samples:
      report.status !== "completed"
        ? []
        : metricSamples(report).map((s) => ({
            key: s.key,
            metric: s.metric ?? null,
            phase: s.phase ?? null,
            label: s.label,
            unit: s.unit,
            better: s.better,
            value: s.value,
            censored: s.censored,
            budget: upperBudget(s, report.scenario.budgets) ?? null,
          })),
  };
}
