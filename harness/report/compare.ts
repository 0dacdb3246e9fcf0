import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { metricSamples, upperBudget, type MetricSample } from "../check/metrics.js";
import { BadInputError } from "../infra/errors.js";
import { formatPercentChange, formatValue, type Unit } from "../infra/units.js";
import { securityLabel } from "../security/run-security.js";
import { reportProblems } from "./report-schema.js";
import { searchFiles } from "./search-files.js";
import { REPORT_SCHEMA_VERSION, type RunReport } from "./types.js";

/*
 * Compare runs: the same suite on two images, or secured two ways (base and candidate), each scenario possibly run several times.
 * Repeats of one scenario on one side give a median and a spread (max − min); a change counts only when it is larger
 * than the threshold, than the spread of either side, and than a small absolute floor. Budget-relevant regressions
 * (and verdicts that went from pass to fail) make the exit code 1, for CI.
 */

// ---------------------------------------------------------------------------------------------------------------------
// Loading

const SEARCH_DEPTH = 4;
const FIND_HINT = "pass a report.json, a run directory that holds one, or a folder of runs such as reports/ (searched 4 levels deep)";

/** A report and the file it was read from. */
export interface LoadedReport {
  report: RunReport;
  source?: string;
}

/**
 * Every report under the given paths: a report.json, a run directory holding one, or a folder searched recursively
 * (depth ≤ 4; dot folders and node_modules skipped). The same file reached twice is loaded once.
 */
export function findReports(paths: string[]): LoadedReport[] {
  if (paths.length === 0) throw new BadInputError("no report given", FIND_HINT);
  const files: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new BadInputError(`${p} does not exist`, FIND_HINT);
    const st = statSync(p);
    if (st.isFile()) files.push(p);
    else if (st.isDirectory()) {
      const direct = path.join(p, "report.json");
      const found = existsSync(direct) ? [direct] : searchFiles(p, "report.json", SEARCH_DEPTH);
      if (found.length === 0)
        throw new BadInputError(`${p} holds no report.json (searched ${SEARCH_DEPTH} levels deep)`, `${FIND_HINT}; run a scenario first to write one`);
      files.push(...found);
    } else throw new BadInputError(`${p} is neither a file nor a folder`, FIND_HINT);
  }
  const seen = new Set<string>();
  const out: LoadedReport[] = [];
  for (const f of files) {
    const real = realpathSync(f);
    if (seen.has(real)) continue;
    seen.add(real);
    out.push({ report: loadReport(f), source: f });
  }
  return out;
}

function loadReport(file: string): RunReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new BadInputError(`${file} is not a readable JSON report: ${(e as Error).message}`, `${FIND_HINT}; a run writes its report.json when it ends`);
  }
  const problems = reportProblems(data);
  if (problems.length)
    throw new BadInputError(
      `${file} is not a run report the comparison can read: ${problems.join("; ")}`,
      problems.some((p) => p.startsWith("schemaVersion:"))
        ? `compare reports written by this version of the harness (schemaVersion ${REPORT_SCHEMA_VERSION}), or re-run the scenario`
        : FIND_HINT,
    );
  return data as RunReport;
}

// ---------------------------------------------------------------------------------------------------------------------
// The comparison

export const SINGLE_RUN_NOTE = "1 run: the spread is unknown; repeat runs with --repeats to separate change from noise";

export interface SideStats {
  n: number;
  median: number;
  min: number;
  max: number;
  values: number[];
}

export type Outcome = "regressed" | "improved" | "same";

export interface MetricComparison {
  /** Stable id, e.g. "p99.fault", "rto", "forkUs.0". */
  key: string;
  label: string;
  unit: Unit;
  better: "lower" | "higher";
  base: SideStats;
  candidate: SideStats;
  /** candidate median − base median */
  change: number;
  /** change / |base median|; null when the base median is 0 and the change is not. */
  relativeChange: number | null;
  /** The larger of the two sides' spreads (max − min). */
  noise: number;
  floor: number;
  outcome: Outcome;
  note: string;
  /** A budget of the scenario covers this metric: a regression here fails the comparison. */
  budgetRelevant: boolean;
  /** That budget (the candidate's when the sides differ), an upper limit. */
  budget: number | null;
}

export type SideVerdict = "pass" | "fail" | "mixed";

export interface ScenarioSide {
  runs: number;
  passes: number;
  verdict: SideVerdict;
  /** Budget failures of the failing runs, distinct. */
  failures: string[];
  images: string[];
  servers: string[];
  /** How the runs were secured ("none", "acl+tls", ...): a matrix may vary it like the image. */
  security: string[];
  sources: string[];
}

export interface ScenarioComparison {
  name: string;
  topology: string;
  base: ScenarioSide;
  candidate: ScenarioSide;
  /** regressed: pass → mixed/fail, or mixed → fail. */
  verdictChange: "same" | "regressed" | "improved";
  metrics: MetricComparison[];
  notes: string[];
  singleRun: boolean;
}

export interface SkippedRun {
  side: "base" | "candidate";
  scenario: string;
  status: string;
  reason: string;
  source?: string;
}

export interface SideSummary {
  reports: number;
  completed: number;
  images: string[];
  servers: string[];
  security: string[];
}

export interface Comparison {
  threshold: number;
  base: SideSummary;
  candidate: SideSummary;
  scenarios: ScenarioComparison[];
  /** Scenarios with completed runs on one side only. */
  onlyBase: string[];
  onlyCandidate: string[];
  skipped: SkippedRun[];
  /** Problems with the input as a whole (the same run on both sides). */
  warnings: string[];
  summary: {
    compared: number;
    regressions: number;
    budgetRegressions: number;
    improvements: number;
    verdictRegressions: number;
    singleRun: boolean;
  };
}

export interface CompareOptions {
  /** Relative change that counts (0.05 = 5%). */
  threshold: number;
}

/** Reports with no file behind them (built in memory). */
export const inMemory = (reports: RunReport[]): LoadedReport[] => reports.map((report) => ({ report }));

export function compareRuns(baseSide: LoadedReport[], candidateSide: LoadedReport[], opts: CompareOptions): Comparison {
  const base = baseSide.map((l) => l.report);
  const candidate = candidateSide.map((l) => l.report);
  const threshold = opts.threshold;
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new BadInputError(`threshold ${threshold} is not a fraction ≥ 0`, "give e.g. 0.05 for 5%");
  const skipped: SkippedRun[] = [];
  const group = (side: "base" | "candidate", reports: LoadedReport[]) => {
    const m = new Map<string, LoadedReport[]>();
    for (const loaded of reports) {
      const r = loaded.report;
      if (r.status !== "completed") {
        skipped.push({
          side,
          scenario: r.scenario.name,
          status: r.status,
          reason: r.problem ?? `the run ${r.status === "aborted" ? "was interrupted" : "failed"}`,
          ...(loaded.source ? { source: loaded.source } : {}),
        });
        continue;
      }
      const list = m.get(r.scenario.name) ?? [];
      list.push(loaded);
      m.set(r.scenario.name, list);
    }
    return m;
  };
  const b = group("base", baseSide);
  const c = group("candidate", candidateSide);
  const names = [...new Set([...b.keys(), ...c.keys()])].sort();
  const scenarios: ScenarioComparison[] = [];
  const onlyBase: string[] = [];
  const onlyCandidate: string[] = [];
  for (const name of names) {
    const br = b.get(name);
    const cr = c.get(name);
    if (!br) onlyCandidate.push(name);
    else if (!cr) onlyBase.push(name);
    else scenarios.push(compareScenario(name, br, cr, threshold));
  }
  const all = scenarios.flatMap((s) => s.metrics);
  const runId = (r: RunReport) => `${r.scenario.name} started ${r.startedAt}`;
  const baseIds = new Set(base.map(runId));
  const both = distinct(candidate.map(runId).filter((id) => baseIds.has(id)));
  const warnings = both.length
    ? [`${both.length} run(s) are on both sides (e.g. ${both[0]}): a run compared with itself shows no change; give each side its own folders`]
    : [];
  return {
    threshold,
    base: sideSummary(base),
    candidate: sideSummary(candidate),
    scenarios,
    onlyBase,
    onlyCandidate,
    skipped,
    warnings,
    summary: {
      compared: scenarios.length,
      regressions: all.filter((m) => m.outcome === "regressed").length,
      budgetRegressions: all.filter((m) => m.outcome === "regressed" && m.budgetRelevant).length,
      improvements: all.filter((m) => m.outcome === "improved").length,
      verdictRegressions: scenarios.filter((s) => s.verdictChange === "regressed").length,
      singleRun: scenarios.some((s) => s.singleRun),
    },
  };
}

/**
 * 1 when a budget-relevant metric regressed, a verdict went from pass to fail, or the candidate did not finish a run
 * (or any run) of a scenario the base finished: a candidate that cannot complete is worse, not incomparable. Else 0.
 */
export function comparisonExitCode(c: Comparison): number {
  const unfinished = c.skipped.some((s) => s.side === "candidate") || c.onlyBase.length > 0;
  return c.summary.budgetRegressions > 0 || c.summary.verdictRegressions > 0 || unfinished ? 1 : 0;
}

function imageOf(r: RunReport): string {
  const name = r.topology?.image ?? r.scenario.topology?.image ?? "?";
  const id = r.environment?.images?.find((i) => i.name === name)?.id;
  return id ? `${name} (${id.replace(/^sha256:/, "").slice(0, 12)})` : name;
}

function serverOf(r: RunReport): string {
  const s = r.topology?.server;
  return s ? `${s.server} ${s.version}` : "?";
}

const securityOf = (r: RunReport) => securityLabel(r.scenario.security);

const distinct = (xs: string[]) => [...new Set(xs)];

function sideSummary(reports: RunReport[]): SideSummary {
  const done = reports.filter((r) => r.status === "completed");
  return { reports: reports.length, completed: done.length, images: distinct(done.map(imageOf)), servers: distinct(done.map(serverOf)), security: distinct(done.map(securityOf)) };
}

function scenarioSide(loaded: LoadedReport[]): ScenarioSide {
  const runs = loaded.map((l) => l.report);
  const passes = runs.filter((r) => r.verdict.pass).length;
  return {
    runs: runs.length,
    passes,
    verdict: passes === runs.length ? "pass" : passes === 0 ? "fail" : "mixed",
    failures: distinct(runs.flatMap((r) => (r.verdict.pass ? [] : (r.verdict.failures ?? [])))),
    images: distinct(runs.map(imageOf)),
    servers: distinct(runs.map(serverOf)),
    security: distinct(runs.map(securityOf)),
    sources: loaded.map((l) => l.source ?? l.report.startedAt),
  };
}

const VERDICT_RANK: Record<SideVerdict, number> = { pass: 2, mixed: 1, fail: 0 };

function stats(values: number[]): SideStats {
  const v = [...values].sort((x, y) => x - y);
  const n = v.length;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { n, median, min: v[0], max: v[n - 1], values };
}

/** The definition of a scenario apart from what a comparison is expected to vary (the image, the security) or reports itself (budgets). */
function definition(r: RunReport): Record<string, string> {
  const { budgets: _b, description: _d, security: _s, topology, ...rest } = r.scenario;
  const { image: _i, ...topo } = topology ?? ({} as Record<string, unknown>);
  const all: Record<string, unknown> = { ...rest, topology: topo };
  return Object.fromEntries(Object.keys(all).map((k) => [k, JSON.stringify(all[k])]));
}

/** The sections of the scenario definition that differ between runs (workload, faults, ...). */
function differingSections(runs: RunReport[]): string[] {
  const defs = runs.map(definition);
  const keys = distinct(defs.flatMap((d) => Object.keys(d)));
  return keys.filter((k) => new Set(defs.map((d) => d[k])).size > 1);
}

function compareScenario(name: string, baseSide: LoadedReport[], candSide: LoadedReport[], threshold: number): ScenarioComparison {
  const base = baseSide.map((l) => l.report);
  const cand = candSide.map((l) => l.report);
  const notes: string[] = [];
  const singleRun = base.length === 1 || cand.length === 1;
  if (singleRun) notes.push(SINGLE_RUN_NOTE);
  const differs = differingSections([...base, ...cand]);
  if (differs.length) notes.push(`the scenario's definition differs between runs (${differs.join(", ")}): the numbers may not be comparable`);
  const budgetSets = distinct([...base, ...cand].map((r) => JSON.stringify(r.scenario.budgets ?? {})));
  if (budgetSets.length > 1) notes.push("the budgets differ between runs: the candidate's are shown");
  const expectsLoss = [...base, ...cand].some((r) => r.scenario.budgets?.minLostWrites !== undefined || (r.scenario.budgets?.maxLostWrites ?? 0) > 0);

  const bySide = (runs: RunReport[]) => {
    const m = new Map<string, { def: MetricSample; values: number[]; censored: number }>();
    for (const r of runs)
      for (const s of metricSamples(r)) {
        const e = m.get(s.key) ?? { def: s, values: [], censored: 0 };
        e.values.push(s.value);
        // The highest floor of any run on this side (each run calibrates its own instrument).
        if (s.floor > e.def.floor) e.def = { ...e.def, floor: s.floor };
        if (s.censored) e.censored++;
        m.set(s.key, e);
      }
    return m;
  };
  const bm = bySide(base);
  const cm = bySide(cand);
  const metrics: MetricComparison[] = [];
  for (const [key, be] of bm) {
    const ce = cm.get(key);
    if (!ce) continue;
    const budgetOf = (runs: RunReport[]) => runs.map((r) => upperBudget(be.def, r.scenario.budgets)).find((v) => v !== undefined);
    const budget = budgetOf(cand) ?? budgetOf(base);
    const strictLoss = be.def.strict && !expectsLoss;
    // Never smaller than either side's floor: a change the instrument of either run could not see is not one.
    const m = judge({ ...be.def, floor: Math.max(be.def.floor, ce.def.floor) }, stats(be.values), stats(ce.values), threshold, strictLoss);
    const extra: string[] = [];
    if (be.def.strict && expectsLoss) extra.push("this scenario expects or tolerates loss: judged on threshold and spread");
    for (const [side, e] of [["base", be], ["candidate", ce]] as const)
      if (e.censored) extra.push(`${e.censored} ${side} run(s) never recovered: counted to the end of the run (a lower bound)`);
    if (budget !== undefined && m.candidate.median > budget) extra.push(`candidate median over the budget of ${formatValue(budget, m.unit)}`);
    metrics.push({ ...m, note: [m.note, ...extra].join("; "), budgetRelevant: budget !== undefined, budget: budget ?? null });
  }
  const bs = scenarioSide(baseSide);
  const cs = scenarioSide(candSide);
  const dv = VERDICT_RANK[cs.verdict] - VERDICT_RANK[bs.verdict];
  return {
    name,
    topology: cand[0].scenario.topology?.kind ?? base[0].scenario.topology?.kind ?? "?",
    base: bs,
    candidate: cs,
    verdictChange: dv < 0 ? "regressed" : dv > 0 ? "improved" : "same",
    metrics,
    notes,
    singleRun,
  };
}

type Judged = Omit<MetricComparison, "budgetRelevant" | "budget">;

function judge(def: MetricSample, base: SideStats, cand: SideStats, threshold: number, strictLoss: boolean): Judged {
  const change = cand.median - base.median;
  const relativeChange = base.median !== 0 ? change / Math.abs(base.median) : change === 0 ? 0 : null;
  const noise = Math.max(base.max - base.min, cand.max - cand.min);
  const floor = def.floor;
  const common = { key: def.key, label: def.label, unit: def.unit, better: def.better, base, candidate: cand, change, relativeChange, noise, floor };
  const f = (v: number) => formatValue(v, def.unit);
  const rel = relativeChange === null ? "from 0" : formatPercentChange(relativeChange);

  if (strictLoss) {
    // Losing acknowledged writes is never noise: any increase of a whole write counts, in the median or the worst run.
    if (change >= 1) return { ...common, outcome: "regressed", note: `${f(change)} more lost (median): losing acknowledged writes is never noise` };
    if (cand.max - base.max >= 1)
      return { ...common, outcome: "regressed", note: `a candidate run lost ${f(cand.max)}, more than any base run (${f(base.max)})` };
    if (change <= -1) return { ...common, outcome: "improved", note: `${f(-change)} fewer lost (median)` };
    return { ...common, outcome: "same", note: change === 0 ? "no change" : "below one write" };
  }

  const worse = def.better === "lower" ? change : -change;
  const size = Math.abs(worse);
  const overThreshold = base.median === 0 ? size > 0 : size > threshold * Math.abs(base.median);
  if (size > noise && overThreshold && size > floor) {
    const spread = noise > 0 ? `beyond the spread of ${f(noise)}` : "spread unknown (single runs)";
    return { ...common, outcome: worse > 0 ? "regressed" : "improved", note: `${worse > 0 ? "worse" : "better"} by ${f(size)} (${rel}), ${spread}` };
  }
  let note: string;
  if (change === 0) note = "no change";
  else if (size <= noise) note = `within noise: ${f(change)} vs a spread of ${f(noise)}`;
  else if (!overThreshold) note = `below threshold: ${rel} vs ±${formatPercentChange(threshold, false)}`;
  else note = `below the ${f(floor)} floor`;
  return { ...common, outcome: "same", note };
}

