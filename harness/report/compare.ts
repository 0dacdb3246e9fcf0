import jstat from "jstat";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { metricSamples, upperBudget, type MetricSample } from "../check/metrics.js";
import { BadInputError } from "../infra/errors.js";
import { formatPercentChange, formatValue, type Unit } from "../infra/units.js";
import { securityLabel } from "../security/run-security.js";
import { mannWhitneyGreater } from "./rank-test.js";
import { reportProblems } from "./report-schema.js";
import { searchFiles } from "./search-files.js";
import { REPORT_SCHEMA_VERSION, type RunReport } from "./types.js";

/*
 * Compare runs: the same suite on two images, or secured two ways (base and candidate), each scenario run several times.
 * A run is the unit: one number per run and metric, a median and a spread (max − min) per side. A change counts only
 * when the runs say so (METHOD): a rank test on them, a change larger than the threshold, and sides apart by more than
 * three times their spread. With fewer than MIN_RUNS a side nothing is told from the numbers. Budget-relevant regressions
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

/** Runs a side needs before a metric's change is judged: fewer cannot tell a change from this host's noise. */
export const MIN_RUNS = 3;
/** The rank test's level. */
export const ALPHA = 0.05;
/**
 * How far apart the sides' medians must be, in spreads (the larger side's max − min). Three runs show little of a
 * side's spread, and this host drifts between minutes: six runs of one scenario in a row here went P50 0.262, 0.263,
 * 0.294 | 0.324, 0.337, 0.355 ms, the first three against the last three apart by 2.3× their spread. 3× lets that
 * drift through as noise; a planted +1 ms (0.27 → 1.4 ms at P50) stood 19× apart.
 */
export const SPREADS = 3;
export const METHOD =
  `Mann–Whitney U on the runs (exact, one-sided, α ${ALPHA}: at 3 runs a side every run of one side beyond every run of the other), ` +
  `the medians apart by more than the threshold and by more than ${SPREADS}× the larger side's spread (max − min), and for ` +
  `latency percentiles every run beyond the other side's even at the edges of their own 95% intervals (widened to what leaving out any one second of the phase gives: one stall sets a short window's P99 alone); at least ${MIN_RUNS} runs a side. Drift between blocks of runs is what it cannot tell from a change: interleave the sides (matrix does).`;
export const TOO_FEW_NOTE = `fewer than ${MIN_RUNS} runs on a side: not enough runs to tell a change from noise (repeat with --repeats ${MIN_RUNS})`;

export interface SideStats {
  n: number;
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** "too few runs": fewer than MIN_RUNS on a side, so the numbers are shown and not judged. */
export type Outcome = "regressed" | "improved" | "same" | "too few runs";

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
  /** The measurement's resolution (the catalog's floor): a change below it cannot be told. */
  floor: number;
  /** The rank test's one-sided p-value in the direction of the change; null when it was not run (too few runs, strict counts). */
  p: number | null;
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
  /** Fewer than MIN_RUNS on a side: no metric of it is judged. */
  tooFewRuns: boolean;
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
  /** How a change is told from noise, in words (METHOD). */
  method: string;
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
    tooFewRuns: boolean;
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
    method: METHOD,
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
      tooFewRuns: scenarios.some((s) => s.tooFewRuns),
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
  return {
    reports: reports.length,
    completed: done.length,
    images: distinct(done.map(imageOf)),
    servers: distinct(done.map(serverOf)),
    security: distinct(done.map(securityOf)),
  };
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
  return { n: values.length, median: jstat.jStat.median(values), min: Math.min(...values), max: Math.max(...values), values };
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
  const tooFewRuns = base.length < MIN_RUNS || cand.length < MIN_RUNS;
  if (tooFewRuns) notes.push(TOO_FEW_NOTE);
  const differs = differingSections([...base, ...cand]);
  if (differs.length) notes.push(`the scenario's definition differs between runs (${differs.join(", ")}): the numbers may not be comparable`);
  const budgetSets = distinct([...base, ...cand].map((r) => JSON.stringify(r.scenario.budgets ?? {})));
  if (budgetSets.length > 1) notes.push("the budgets differ between runs: the candidate's are shown");
  const expectsLoss = [...base, ...cand].some((r) => r.scenario.budgets?.minLostWrites !== undefined || (r.scenario.budgets?.maxLostWrites ?? 0) > 0);

  const bySide = (runs: RunReport[]) => {
    const m = new Map<string, { def: MetricSample; values: number[]; censored: number; intervals: Array<[number, number]> | null }>();
    for (const r of runs)
      for (const s of metricSamples(r)) {
        const e = m.get(s.key) ?? { def: s, values: [], censored: 0, intervals: [] };
        e.values.push(s.value);
        if (s.censored) e.censored++;
        // Every run's interval, or none: a side judged on intervals must have one for each of its runs.
        e.intervals = e.intervals && s.interval ? [...e.intervals, s.interval] : null;
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
    const m = judge(be.def, stats(be.values), stats(ce.values), {
      threshold,
      strictLoss,
      tooFewRuns,
      censored: { base: be.censored > 0, candidate: ce.censored > 0 },
      intervals: be.intervals && ce.intervals ? { base: be.intervals, candidate: ce.intervals } : null,
    });
    const extra: string[] = [];
    if (be.def.strict && expectsLoss) extra.push("this scenario expects or tolerates loss: judged as any other metric");
    for (const [side, e] of [
      ["base", be],
      ["candidate", ce],
    ] as const)
      if (e.censored) extra.push(`${e.censored} ${side} run(s) never recovered: their value is a lower bound (the last failing stretch), not the RTO`);
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
    tooFewRuns,
  };
}

type Judged = Omit<MetricComparison, "budgetRelevant" | "budget">;

interface JudgeOptions {
  threshold: number;
  /** Lost writes where none are expected: any whole write more counts. */
  strictLoss: boolean;
  tooFewRuns: boolean;
  /** A side whose values include lower bounds (an RTO that never recovered). */
  censored: { base: boolean; candidate: boolean };
  /** Each run's own 95% interval of its value (latency percentiles), when every run has one. */
  intervals: { base: Array<[number, number]>; candidate: Array<[number, number]> } | null;
}

/** Every run of `candidate` is above every run of `base` even at the edges of their 95% intervals. */
function separatedIntervals(iv: { base: Array<[number, number]>; candidate: Array<[number, number]> }): boolean {
  return Math.min(...iv.candidate.map((i) => i[0])) > Math.max(...iv.base.map((i) => i[1]));
}

function judge(def: MetricSample, base: SideStats, cand: SideStats, o: JudgeOptions): Judged {
  const change = cand.median - base.median;
  const relativeChange = base.median !== 0 ? change / Math.abs(base.median) : change === 0 ? 0 : null;
  const noise = Math.max(base.max - base.min, cand.max - cand.min);
  const floor = def.floor;
  const common = { key: def.key, label: def.label, unit: def.unit, better: def.better, base, candidate: cand, change, relativeChange, noise, floor };
  const f = (v: number) => formatValue(v, def.unit);
  const rel = relativeChange === null ? "from 0" : formatPercentChange(relativeChange);

  if (o.tooFewRuns) return { ...common, p: null, outcome: "too few runs", note: change === 0 ? "no change" : `${f(change)} (${rel}): not judged` };

  if (o.strictLoss) {
    // Losing acknowledged writes is never noise: any increase of a whole write counts, in the median or the worst run.
    const judged = (outcome: Outcome, note: string): Judged => ({ ...common, p: null, outcome, note });
    if (change >= 1) return judged("regressed", `${f(change)} more lost (median): losing acknowledged writes is never noise`);
    if (cand.max - base.max >= 1) return judged("regressed", `a candidate run lost ${f(cand.max)}, more than any base run (${f(base.max)})`);
    if (change <= -1) return judged("improved", `${f(-change)} fewer lost (median)`);
    return judged("same", change === 0 ? "no change" : "below one write");
  }

  // Worse is higher for "lower is better": the rank test asks whether the worse-looking side is greater.
  const worse = def.better === "lower" ? change : -change;
  const [low, high] = (def.better === "lower") === worse > 0 ? [base.values, cand.values] : [cand.values, base.values];
  const { p } = mannWhitneyGreater(low, high);
  const size = Math.abs(worse);
  const overThreshold = base.median === 0 ? size > 0 : size > o.threshold * Math.abs(base.median);
  // A lower bound proves only one way: a censored candidate can be shown worse, never better (and a censored base the reverse).
  const boundsHide =
    worse > 0 ? (def.better === "lower" ? o.censored.base : o.censored.candidate) : def.better === "lower" ? o.censored.candidate : o.censored.base;
  const apart = size > SPREADS * noise;
  // Within each run too: the worse side's runs, at the low end of their own intervals, above the better side's at the high end.
  const sampled =
    !o.intervals || separatedIntervals(worse > 0 === (def.better === "lower") ? o.intervals : { base: o.intervals.candidate, candidate: o.intervals.base });
  if (p <= ALPHA && overThreshold && apart && sampled && size > floor && !boundsHide)
    return {
      ...common,
      p,
      outcome: worse > 0 ? "regressed" : "improved",
      note: `${worse > 0 ? "worse" : "better"} by ${f(size)} (${rel}), rank test p ${p.toFixed(3)}, ${noise > 0 ? `${(size / noise).toFixed(1)}× the spread of ${f(noise)}` : "no spread on either side"}`,
    };
  let note: string;
  if (change === 0) note = "no change";
  else if (p > ALPHA) note = `the runs overlap: ${f(change)}, rank test p ${p.toFixed(2)}`;
  else if (!apart) note = `within noise: ${f(change)} vs ${SPREADS}× a spread of ${f(noise)}`;
  else if (!sampled)
    note = `within the runs' own sampling error: ${f(change)}, and each run's value is only known to an interval that reaches the other side's`;
  else if (!overThreshold) note = `below threshold: ${rel} vs ±${formatPercentChange(o.threshold, false)}`;
  else if (boundsHide) note = `${f(change)}, but a side's value is only a lower bound: not told`;
  else note = `below the ${f(floor)} resolution`;
  return { ...common, p, outcome: "same", note };
}
