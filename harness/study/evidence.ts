import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { FaultSpec } from "../faults/registry.js";
import { reportProblems } from "../report/report-schema.js";
import { searchFiles } from "../report/search-files.js";
import type { RunReport } from "../report/types.js";
import type { TopologyKind } from "../topology/registry.js";
import type { ForkPoint } from "./fork-model.js";
import type { ThroughputStudy } from "./throughput-study.js";

/**
 * What the harness has measured on this machine that a recommendation can stand on, found under the reports folder:
 * throughput studies (the highest rate at a P99 objective, per topology), the fork study's points, and every completed
 * run with a fault (its RTO, and the acknowledged writes it lost when it read a ledger back). Which runs decide what
 * is decisive-runs.ts's. Each piece names the file it came from; files this harness cannot read are listed, not guessed at.
 */
export interface ThroughputEvidence {
  maxRateAtSlo: number | null;
  sloP99Ms: number;
  /** The instrument (the driver, or its own latency floor), not the topology, ended the study: the maximum is a lower bound. */
  driverLimited: boolean;
  source: string;
}

export interface RunEvidence {
  topology: TopologyKind;
  scenario: string;
  /** The run's folder (its name: the run's time and scenario). */
  source: string;
  faults: FaultSpec[];
  /** null: not measured, or writes had not come back by the end (rtoCensored). */
  rtoMs: number | null;
  rtoCensored: boolean;
  /** null: no write ledger read back. */
  loss: LossEvidence | null;
}

export interface LossEvidence {
  lost: number;
  /** The window before a fault that lost writes were acknowledged in (ms); null: none such. */
  rpoMs: number | null;
  /** Lost writes acknowledged while a fault held: taken by the side that lost (a split brain). */
  splitBrain: number;
  /** How long the longest fault those were charged to held (ms); null: it held to the end of the run. */
  splitBrainHeldMs: number | null;
}

export interface Evidence {
  throughput: Partial<Record<TopologyKind, ThroughputEvidence>>;
  /** Throughput studies at another P99 objective than asked, per topology: not used, but named. */
  throughputAtOtherSlo: Partial<Record<TopologyKind, number[]>>;
  fork: { points: ForkPoint[]; source: string } | null;
  /** Completed runs with faults, oldest first. */
  runs: RunEvidence[];
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
 * Every run counts; of the studies, the latest of each kind wins; for the fork study, the one with the most points (a
 * short study run by the tests does not replace a long one), then the latest.
 */
export function findEvidence(reportsDir: string, sloP99Ms: number): Evidence {
  const ev: Evidence = { throughput: {}, throughputAtOtherSlo: {}, fork: null, runs: [], skipped: [] };
  // No reports folder yet (a fresh checkout): nothing measured, which the answer says; not bad input.
  if (!existsSync(reportsDir)) return ev;
  for (const file of byFolderTime(searchFiles(reportsDir, "study.json", DEPTH))) {
    const s = readJson(file, ev.skipped) as { kind?: string } | undefined;
    if (s?.kind === "fork") {
      const points = (s as { points?: ForkPoint[] }).points;
      if (Array.isArray(points) && points.length && points.length >= (ev.fork?.points.length ?? 0)) ev.fork = { points, source: file };
    } else if (s?.kind === "throughput") {
      const t = s as ThroughputStudy;
      if (Math.abs(t.sloP99Ms - sloP99Ms) > 1e-9) {
        ev.skipped.push(`${file}: a throughput study at P99 ≤ ${t.sloP99Ms} ms, not the ${sloP99Ms} ms asked`);
        (ev.throughputAtOtherSlo[t.topology] ??= []).push(t.sloP99Ms);
        continue;
      }
      ev.throughput[t.topology] = {
        maxRateAtSlo: t.maxRateAtSlo,
        sloP99Ms: t.sloP99Ms,
        driverLimited: t.stoppedBy === "driver" || t.stoppedBy === "floor",
        source: file,
      };
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
    if (r.status === "completed" && r.scenario.faults.length) ev.runs.push(runEvidence(r, path.dirname(file)));
  }
  return ev;
}

function runEvidence(r: RunReport, source: string): RunEvidence {
  const d = r.dataLoss;
  const held = (d?.perFault ?? [])
    .filter((p) => p.splitBrain > 0)
    .map((p) => {
      const f = r.faults[p.fault];
      return f?.sentAtMs == null || f.healedAtMs === null ? null : f.healedAtMs - f.sentAtMs;
    });
  return {
    topology: r.scenario.topology.kind,
    scenario: r.scenario.name,
    source,
    faults: r.scenario.faults,
    rtoMs: r.availability.rtoMs,
    rtoCensored: r.availability.rtoCensored,
    loss: d && {
      lost: d.lost,
      rpoMs: d.rpoMs,
      splitBrain: d.splitBrain ?? 0,
      splitBrainHeldMs: held.includes(null) ? null : held.length ? Math.max(...(held as number[])) : 0,
    },
  };
}
