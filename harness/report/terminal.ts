import { runView, type Section } from "./run-view.js";
import { textFacts, textTable } from "./table.js";
import type { RunReport } from "./types.js";

/** What the terminal shows of a run: the verdict, each broken budget, then the key sections as aligned text. */
export function renderTerminal(
  r: RunReport,
  sections: ReadonlyArray<Section["id"]> = ["latency", "availability", "data", "linearizability", "faults"],
): string {
  const v = runView(r);
  const lines = [`${v.verdict} ${v.name}`, ...v.broken.map((b) => `  broken: ${b}`)];
  lines.push(...v.inconclusive.map((b) => `  inconclusive: ${b}`));
  if (v.problem) lines.push(`  problem: ${v.problem}`);
  if (v.driverBound) lines.push(`  ${v.driverBound}`);
  for (const s of v.sections.filter((x) => sections.includes(x.id))) {
    if (s.id === "faults" && r.faults.length === 0) continue;
    lines.push(`  ${s.title}:`);
    for (const b of s.blocks) {
      if (b.title) lines.push(`   ${b.title}`);
      if (b.table) lines.push(...textTable(b.table, "    "));
      if (b.facts) lines.push(...textFacts(b.facts, "    "));
    }
  }
  return lines.join("\n") + "\n";
}
