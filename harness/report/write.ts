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

/** Every view of one run: JSON (the source of truth), Markdown, HTML with charts, JUnit XML, and the HdrHistogram interval log. */
export function writeReport(dir: string, report: RunReport, hdrLog: string): ReportFiles {
  const files = {
    dir,
    json: path.join(dir, "report.json"),
    markdown: path.join(dir, "summary.md"),
    html: path.join(dir, "report.html"),
    junit: path.join(dir, "junit.xml"),
    hdrLog: path.join(dir, "latency.hlog"),
  };
  writeFileSync(files.json, JSON.stringify(report, null, 2) + "\n");
  writeFileSync(files.markdown, renderMarkdown(report));
  writeFileSync(files.html, renderHtml(report));
  writeFileSync(files.junit, renderJUnit(report.scenario.topology.kind, [report]));
  writeFileSync(files.hdrLog, hdrLog);
  return files;
}
