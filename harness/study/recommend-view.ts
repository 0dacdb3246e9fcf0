import { formatBytes, formatMs, formatNumber } from "../infra/units.js";
import type { Block } from "../report/run-view.js";
import type { Evidence } from "./evidence.js";
import type { Recommendation } from "./recommend.js";
import { ORDER, runs, type Cell, type Judgement, type Step } from "./requirements.js";
import type { StudyView } from "./study-page.js";

const MARK: Record<Judgement, string> = { met: "✓ met", "not met": "✗ not met", "not shown": "? not shown", "not measured": "– not measured" };
const CLS: Record<Judgement, string> = { met: "", "not met": "broken", "not shown": "inconclusive", "not measured": "inconclusive" };

/** "on 1 run: <folder>", "on 2 studies: …": what a judgement stands on. */
function standsOn(s: Step, c: Cell): string | null {
  if (!c.runs.length) return null;
  const noun = s.requirement === "rto" || s.requirement === "rpo" ? "run" : "study";
  return `on ${runs(c.runs.length, noun)}: ${c.runs.join(", ")}`;
}

/** The answer in sentences: the pick, what it rests on and what it does not, why not a simpler one, what nobody met. */
export function answerLines(r: Recommendation): string[] {
  const k = r.recommended;
  const step = (req: string) => r.steps.find((s) => s.requirement === req)!;
  const basis = (req: string) => {
    const s = step(req);
    const c = s.perTopology[k];
    const on = standsOn(s, c);
    return `${req} ${c.judgement} (${c.measured}${on ? `; ${on}` : ""})`;
  };
  const lines = [`Recommended: ${k}${r.runnerUp ? `; runner-up: ${r.runnerUp}` : ""}.`];
  lines.push(
    r.restsOn.length
      ? `It rests on: ${r.restsOn.map(basis).join("; ")}.`
      : `It rests on nothing shown: no requirement was judged for ${k}; it is the simplest left.`,
  );
  for (const o of r.open)
    lines.push(
      `${o.judgement[0].toUpperCase()}${o.judgement.slice(1)} for ${k}: ${o.requirement} (the pick does not rest on it)${o.shownBy ? `; to show it: ${o.shownBy}` : ""}.`,
    );
  for (const s of r.simpler)
    lines.push(
      s.notMet.length
        ? `Not ${s.topology}: ${s.notMet.join(", ")} not met.`
        : `Not ${s.topology}, though nothing here rules it out: shown for fewer requirements (${s.open.join(", ")} open for it).`,
    );
  for (const u of r.unmet) lines.push(`No topology met the ${u.requirement} requirement here. ${u.why}.`);
  return lines;
}

/** What the terminal prints: each branch per topology with what it stands on or what would show it, then the answer. */
export function recommendText(r: Recommendation): string {
  const indent = " ".repeat(29);
  const out: string[] = [];
  for (const s of r.steps) {
    out.push(`${s.question} (asked: ${s.asked})`);
    for (const k of ORDER) {
      const c = s.perTopology[k];
      out.push(`  ${k.padEnd(12)} ${c.judgement.padEnd(13)} ${c.measured}`);
      const on = standsOn(s, c);
      if (on) out.push(`${indent}${on}`);
      if (c.shownBy) out.push(`${indent}to show it: ${c.shownBy}`);
    }
  }
  out.push(...answerLines(r));
  return out.join("\n") + "\n";
}

/** The recommendation as a reader sees it: the answer, then each branch of the flow with what decided it. */
export function recommendView(r: Recommendation, ev: Evidence): StudyView {
  const q = r.requirements;
  const steps: Block[] = r.steps.map((s, i) => ({
    title: `${i + 1}. ${s.question} Asked: ${s.asked}`,
    table: {
      headers: ["topology", "judgement", "measured", "stands on", "to show it"],
      rows: ORDER.map((k) => {
        const c = s.perTopology[k];
        return {
          cls: CLS[c.judgement],
          data: { topology: k, requirement: s.requirement, judgement: c.judgement },
          cells: [k === r.recommended ? { text: k, strong: true } : k, MARK[c.judgement], c.measured, standsOn(s, c) ?? "–", c.shownBy ?? "–"],
        };
      }),
    },
  }));
  return {
    title: "Recommendation: which topology, on the numbers measured here",
    intro:
      "The seed's decision flow (data over 25 GB? high availability? automatic failover? read scaling?), each branch judged on every topology from the studies and runs found under the reports folder: met or not met on the runs named, not shown when only runs of another kind were found (a kill cannot show RPO 0: a split brain can), not measured when nothing was. The topology shown to meet the most is recommended; a requirement only not shown is never what picks it.",
    facts: [
      ["dataset", formatBytes(q.datasetBytes)],
      ["RTO", formatMs(q.rtoMs)],
      ["RPO", q.rpoMs === 0 ? "0 (no acknowledged write lost)" : formatMs(q.rpoMs)],
      ["load", `${formatNumber(q.ops)} ops/s, ${formatNumber(q.readRatio * 100)}% reads, P99 ≤ ${formatMs(q.p99Ms)}`],
      ["operator response (assumed)", formatMs(q.operatorResponseMs)],
    ],
    headline: [{ title: "Answer", paragraphs: answerLines(r) }],
    charts: [],
    sections: [
      { id: "flow", title: "The decision flow", blocks: steps },
      ...(ev.skipped.length ? [{ id: "skipped", title: "Files found and not used", blocks: [{ paragraphs: ev.skipped }] }] : []),
    ],
  };
}
