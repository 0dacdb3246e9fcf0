import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BadInputError } from "../infra/errors.js";
import {
  compareRuns,
  comparisonExitCode,
  findReports,
} from "../report/compare.js";
import { renderComparisonHtml, renderComparisonMarkdown, renderComparisonText } from "../report/compare-render.js";

export const DEFAULT_COMPARE_THRESHOLD = 0.05;

export interface CompareCommandOptions {
  /** report.json files, run directories, or folders of runs. */
  base: string[];
  candidate: string[];
  /** Relative change that counts; default 0.05 (5%). */
  threshold?: number;
  outDir: string;
  /** Where the text table goes; default stdout. */
  out?: NodeJS.WritableStream;
}

/**
 * Loads both sides, compares them, writes compare.json / compare.md / compare.html into outDir, prints a compact
 * table, and returns the exit code: 1 when a budget-relevant metric regressed or a verdict got worse, else 0.
 * Bad input (a missing path, a file that is not a report) throws BadInputError (exit 2).
 */
export async function compareCommand(o: CompareCommandOptions): Promise<number> {
  const threshold = checkThreshold(o.threshold ?? DEFAULT_COMPARE_THRESHOLD);
  if (o.base.length === 0) throw new BadInputError("no base runs given", "name the report.json files or run folders of the base image");
  if (o.candidate.length === 0) throw new BadInputError("no candidate runs given", "name the report.json files or run folders of the candidate image");
  const base = findReports(o.base);
  const candidate = findReports(o.candidate);
  const c = compareRuns(base, candidate, { threshold });
  const code = comparisonExitCode(c);

  const dir = path.resolve(o.outDir);
  mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, "compare.json"), markdown: path.join(dir, "compare.md"), html: path.join(dir, "compare.html") };
  writeFileSync(files.json, JSON.stringify({ ...c, exitCode: code }, null, 2) + "\n");
  writeFileSync(files.markdown, renderComparisonMarkdown(c));
  writeFileSync(files.html, renderComparisonHtml(c));

  const out = o.out ?? process.stdout;
  out.write(renderComparisonText(c));
  out.write(`comparison: ${files.markdown}\n            ${files.html}\n            ${files.json}\n`);
  return code;
}

/** The relative change that counts, checked before anything runs (a matrix must not find out after its runs). */
export function checkThreshold(threshold: number): number {
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1)
    throw new BadInputError(
      `--threshold ${threshold} is not a fraction between 0 and 1`,
      `give a relative change as a fraction: 0.05 for 5%${threshold > 1 ? ` (${threshold / 100} for ${threshold}%?)` : ""}`,
    );
  return threshold;
}
