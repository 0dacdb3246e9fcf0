import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { BadInputError } from "../infra/errors.js";
import { reportProblems } from "../report/report-schema.js";
import { searchFiles } from "../report/search-files.js";
import type { RunReport } from "../report/types.js";
import type { ResultsStore } from "./results-store.js";
import { storedRun, type StoredRun } from "./stored-run.js";

/** How deep report.json files are looked for: a matrix of a suite of repeats sits five folders under reports/. */
const DEPTH = 6;

export interface ImportResult {
  added: number;
  already: number;
  /** Files that are not reports this harness reads (another format, cut short), each with why: left out, not fatal. */
  skipped: Array<{ file: string; why: string }>;
}

/** The report.json files under the given paths (files, run folders, folders of runs). */
export function reportFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new BadInputError(`${p} does not exist`, "name report.json files, run folders or folders of runs such as reports/");
    out.push(...(statSync(p).isFile() ? [p] : searchFiles(p, "report.json", DEPTH)));
  }
  return [...new Set(out.map((f) => path.resolve(f)))];
}

/** Reads each report (skipping what is not one, with why) and appends the runs to the store. */
export async function importReports(store: ResultsStore, paths: string[], label: string | null = null): Promise<ImportResult> {
  const runs: StoredRun[] = [];
  const skipped: ImportResult["skipped"] = [];
  for (const file of reportFiles(paths)) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      skipped.push({ file, why: `not readable JSON (${(e as Error).message})` });
      continue;
    }
    const problems = reportProblems(data);
    if (problems.length) {
      skipped.push({ file, why: problems.slice(0, 2).join("; ") });
      continue;
    }
    runs.push(storedRun(data as RunReport, file, label));
  }
  return { ...(await store.append(runs)), skipped };
}
