import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderHtml } from "./html.js";
import { renderJUnit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import type { RunReport } from "./types.js";

export interface ReportFiles {
  dir: string;
  json: string;
  markdown: string;
  /** Self-contained page with charts (opens from file://, no network). */
  html: string;
  junit: string;
  hdrLog: string;
  /** Views that failed to render (the JSON is always written first). */
  problems: string[];
  history?: string;
  readback?: string;
}

/** A fresh folder per run: reports/<UTC time>-<scenario>/ */
export function newReportDir(root: string, scenario: string, now = new Date()): string {
  const dir = reportDirPath(root, scenario, now);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The folder newReportDir would make, not made yet. */
export function reportDirPath(root: string, name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-").replace("Z", "");
  return path.resolve(root, `${stamp}-${name}`);
}

/**
 * Every view of one run: JSON first (the source of truth), then the HdrHistogram interval log, JUnit XML, Markdown and
 * the HTML page. A view that fails to render does not cost the others: its error goes into render-errors.txt and
 * `problems`, for the caller to report.
 */
export function writeReport(dir: string, report: RunReport, hdrLog: () => string = () => ""): ReportFiles {
  const files: ReportFiles = {
    dir,
    json: path.join(dir, "report.json"),
    markdown: path.join(dir, "summary.md"),
    html: path.join(dir, "report.html"),
    junit: path.join(dir, "junit.xml"),
    hdrLog: path.join(dir, "latency.hlog"),
    problems: [],
  };
  writeFileSync(files.json, JSON.stringify(report, null, 2) + "\n");
  const views: Array<[string, () => string]> = [
    [files.hdrLog, hdrLog],
    [files.junit, () => renderJUnit(report.scenario.topology.kind, [report])],
    [files.markdown, () => renderMarkdown(report)],
    [files.html, () => renderHtml(report)],
  ];
  for (const [file, render] of views) {
    try {
      writeFileSync(file, render());
    } catch (err) {
      files.problems.push(`${path.basename(file)} could not be written (a bug of the harness): ${(err as Error)?.stack ?? err}`);
    }
  }
  if (files.problems.length) writeFileSync(path.join(dir, "render-errors.txt"), files.problems.join("\n\n") + "\n");
  return files;
}
