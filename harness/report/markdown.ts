import { runView, type Block, type RunView } from "./run-view.js";
import { markdownFacts, markdownTable } from "./table.js";
import type { RunReport } from "./types.js";

export function blockMarkdown(b: Block, level = "###"): string[] {
  const out: string[] = [];
  if (b.title) out.push(`${level} ${b.title}`, "");
  if (b.table) out.push(...markdownTable(b.table), "");
  for (const p of b.paragraphs ?? []) out.push(p, "");
  if (b.facts?.length) out.push(...markdownFacts(b.facts), "");
  return out;
}

/** The human summary of a run: verdict first, then the numbers that back it. */
export function viewMarkdown(v: RunView): string {
  const lines = [`# ${v.name}: **${v.verdict}**`, ""];
  if (v.description) lines.push(v.description, "");
  if (v.problem) lines.push(`> ${v.problem}`, "");
  if (v.driverBound) lines.push(`> **${v.driverBound}**`, "");
  lines.push(...markdownFacts(v.facts), "");
  for (const b of v.broken) lines.push(`- FAILED ${b}`);
  for (const b of v.inconclusive) lines.push(`- INCONCLUSIVE ${b}`);
  if (v.broken.length || v.inconclusive.length) lines.push("");
  for (const s of v.sections) lines.push(`## ${s.title}`, "", ...s.blocks.flatMap((b) => blockMarkdown(b)));
  return lines.join("\n");
}

export const renderMarkdown = (r: RunReport) => viewMarkdown(runView(r));
