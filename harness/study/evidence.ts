import { readFileSync } from "node:fs";
import path from "node:path";
import { reportProblems } from "../report/report-schema.js";
import { searchFiles } from "../report/search-files.js";
import type { RunReport } from "../report/types.js";
import type { TopologyKind } from "../topology/registry.js";
import type { ForkPoint } from "./fork-model.js";
import type { ThroughputStudy } from "./throughput-study.js";

/**
 * What the harness has measured on this machine that a recommendation can stand on, found under the reports folder:
 * throughput studies (the highest rate at a P99 objective, per topology), the fork study's points, and the runs that
 * killed a master (the RTO of each topology's failover) or read back a write ledger after a fault (acknowledged
 * writes lost). Each piece names the file it came from; files this harness cannot read are listed, not guessed at.
 */
export interface ThroughputEvidence {
  maxRateAtSlo: number | null;
  sloP99Ms: number;
  /** The instrument (the driver, or its own latency floor), not the topology, ended the study: the maximum is a lower bound. */
  driverLimited: boolean;
  source: string;
}

export interface FailoverEvidence {
  scenario: string;
  rtoMs: number | null;
  /** Writes had not come back by the end of the run: rtoMs is null and the RTO is at least the run's rest. */
  rtoCensored: boolean;
  source: string;
}

export interface LossEvidence {
  /** Runs of this topology with a read-back after a fault. */
  runs: number;
  /** The run that lost the most acknowledged writes. */
  worst: { scenario: string; lost: number; rpoMs: number | null; source: string };
}

export interface Evidence {
  throughput: Partial<Record<TopologyKind, ThroughputEvidence>>;
  fork: { points: ForkPoint[]; source: string } | null;
  /** Automatic failover after a master kill (Sentinel, Cluster); for replication, the scripted promotion. */
  failover: Partial<Record<TopologyKind, FailoverEvidence>>;
  loss: Partial<Record<TopologyKind, LossEvidence>>;
  /** Files found but not used, and why. */
  skipped: string[];
}

const DEPTH = 4;

function readJson(file: string, skipped: string[]): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    skipped.push(`${file}: not readable JSON (${(e as Error).message})`);
    return undefined;
  }
}

/**
 * Files in the order of the time their folder is named by (every run and study folder starts with its UTC time), so
 * that the latest wins wherever it sits: reports/suites/ and reports/test/ would otherwise come after every dated
 * folder of reports/ in name order, whatever their age.
 */
function byFolderTime(files: string[]): string[] {
  const time = (f: string) => path.basename(path.dirname(f));
  return [...files].sort((a, b) => time(a).localeCompare(time(b)));
}

/**
 * The latest of each kind wins; for the fork study, the one with the most points (a short study run by the tests
 * does not replace a long one), then the latest.
 */
export function findEvidence(reportsDir: string, sloP99Ms: number): Evidence {
  const ev: Evidence = { throughput: {}, fork: null, failover: {}, loss: {}, skipped: [] };
  for (const file of byFolderTime(searchFiles(reportsDir, "study.json", DEPTH))) {
    const s = readJson(file, ev.skipped) as { kind?: string } | undefined;
    if (s?.kind === "fork") {
      const points = (s as { points?: ForkPoint[] }).points;
      if (Array.isArray(points) && points.length && points.length >= (ev.fork?.points.length ?? 0)) ev.fork = { points, source: file };
    } else if (s?.kind === "throughput") {
      const t = s as ThroughputStudy;
      if (Math.abs(t.sloP99Ms - sloP99Ms) > 1e-9) {
        ev.skipped.push(`${file}: a throughput study at P99 ≤ ${t.sloP99Ms} ms, not the ${sloP99Ms} ms asked`);
        continue;
      }
      ev.throughput[t.topology] = { maxRateAtSlo: t.maxRateAtSlo, sloP99Ms: t.sloP99Ms, driverLimited: t.stoppedBy === "driver" || t.stoppedBy === "floor", source: file };
    }
  }
  for (const file of byFolderTime(searchFiles(reportsDir, "report.json", DEPTH))) {
    const r = readJson(file, ev.skipped) as RunReport | undefined;
    if (!r) continue;
    const problems = reportProblems(r);
    if (problems.length) {
      ev.skipped.push(`${file}: ${problems[0]}`);
      continue;
    }
    if (r.status !== "completed") continue;
    const kind = r.scenario.topology.kind;
    const source = path.dirname(file);
    const kinds = r.scenario.faults.map((f) => f.kind);
    // Failover: one fault, a master killed (or, on replication, promoted by the harness), so the RTO is the failover's.
    const killsMaster = r.scenario.faults.length === 1 && ((kinds[0] === "kill" && (r.scenario.faults[0] as { target?: string }).target === "primary") || kinds[0] === "manual-promotion");
    if (killsMaster && (kind !== "replication" || kinds[0] === "manual-promotion"))
      ev.failover[kind] = { scenario: r.scenario.name, rtoMs: r.availability.rtoMs, rtoCensored: r.availability.rtoCensored, source };
    if (r.dataLoss && kinds.length) {
      const prev = ev.loss[kind];
      const here = { scenario: r.scenario.name, lost: r.dataLoss.lost, rpoMs: r.dataLoss.rpoMs, source };
      ev.loss[kind] = { runs: (prev?.runs ?? 0) + 1, worst: !prev || here.lost > prev.worst.lost ? here : prev.worst };
    }
  }
  return ev;
}
