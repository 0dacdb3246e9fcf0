import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderMarkdown } from "./markdown.js";
import type { RunReport } from "./types.js";

export interface ReportFiles {
  dir: string;
  json: string;
  markdown: string;
  history?: string;
  readback?: string;
}

/** A fresh folder per run: reports/<UTC time>-<scenario>/ */
export function newReportDir(root: string, scenario: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-").replace("Z", "");
  const dir = path.resolve(root, `${stamp}-${scenario}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeReport(dir: string, report: RunReport): ReportFiles {
  const files = { dir, json: path.join(dir, "report.json"), markdown: path.join(dir, "summary.md") };
  writeFileSync(files.json, JSON.stringify(report, null, 2) + "\n");
  writeFileSync(files.markdown, renderMarkdown(report));
  return files;
}
