import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BadInputError } from "../infra/errors.js";
import { compareRuns, comparisonExitCode, findReports, type Comparison, type LoadedReport } from "./compare.js";
import { renderComparisonHtml, renderComparisonMarkdown, renderComparisonText } from "./compare-render.js";

export const DEFAULT_COMPARE_THRESHOLD = 0.05;

export interface ComparisonFiles {
  json: string;
  markdown: string;
  html: string;
}

/** The relative change that counts, checked before anything runs (a matrix must not find out after its runs). */
export function checkThreshold(raw: string | number): number {
  const threshold = typeof raw === "string" && raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1)
    throw new BadInputError(
      `--threshold ${raw} is not a fraction between 0 and 1`,
      `give a relative change as a fraction: 0.1 for 10%${threshold > 1 ? ` (${threshold / 100} for ${threshold}%?)` : ""}`,
    );
  return threshold;
}

/** Two sides with no scenario in common compare nothing: that is a mistake in what was given, not a regression. */
function refuseNothingInCommon(base: LoadedReport[], candidate: LoadedReport[]): void {
  const names = (side: LoadedReport[]) => [...new Set(side.map((l) => l.report.scenario.name))].sort();
  const [b, c] = [names(base), names(candidate)];
  if (b.some((n) => c.includes(n))) return;
  const list = (n: string[]) => (n.length > 4 ? `${n.slice(0, 4).join(", ")} and ${n.length - 4} more` : n.join(", "));
  throw new BadInputError(
    `--base and --candidate have no scenario in common: the base ran ${list(b)}; the candidate ran ${list(c)}.`,
    "compare pairs the runs of one scenario on both sides (the same scenario on two images, say): give each side runs of the same scenarios.",
  );
}

/**
 * Loads both sides (report.json files, run folders, folders of runs), compares them, and writes compare.json,
 * compare.md and compare.html into `outDir`. Returns the comparison, its exit code (1 when a budget-relevant metric
 * regressed, a verdict got worse or the candidate could not finish, else 0), the files, and the terminal's table.
 * Bad input (a missing path, a file that is not a report) throws BadInputError before anything is written.
 */
export function compareAndWrite(o: { base: string[]; candidate: string[]; threshold?: number; outDir: string }) {
  const threshold = checkThreshold(o.threshold ?? DEFAULT_COMPARE_THRESHOLD);
  if (o.base.length === 0) throw new BadInputError("no base runs given", "name the report.json files or run folders of the base image");
  if (o.candidate.length === 0) throw new BadInputError("no candidate runs given", "name the report.json files or run folders of the candidate image");
  const [base, candidate] = [findReports(o.base), findReports(o.candidate)];
  refuseNothingInCommon(base, candidate);
  const comparison: Comparison = compareRuns(base, candidate, { threshold });
  const code = comparisonExitCode(comparison);
  const dir = path.resolve(o.outDir);
  mkdirSync(dir, { recursive: true });
  const files: ComparisonFiles = { json: path.join(dir, "compare.json"), markdown: path.join(dir, "compare.md"), html: path.join(dir, "compare.html") };
  writeFileSync(files.json, JSON.stringify({ ...comparison, exitCode: code }, null, 2) + "\n");
  writeFileSync(files.markdown, renderComparisonMarkdown(comparison));
  writeFileSync(files.html, renderComparisonHtml(comparison));
  return { comparison, code, files, text: renderComparisonText(comparison) };
}
