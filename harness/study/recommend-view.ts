import { formatBytes, formatMs, formatNumber } from "../infra/units.js";
import type { Block } from "../report/run-view.js";
import type { Evidence } from "./evidence.js";
import { ORDER, type Recommendation } from "./recommend.js";
import type { StudyView } from "./study-page.js";

const MARK = { meets: "✓ meets", fails: "✗ fails", "not measured": "? not measured" } as const;

/** The recommendation as a reader sees it: the answer, then each branch of the flow with the number that decided it. */
export function recommendView(r: Recommendation, ev: Evidence): StudyView {
  const q = r.requirements;
  const answer: string[] = [`Recommended: ${r.recommended}${r.runnerUp ? `; runner-up: ${r.runnerUp}` : ""}.`];
  if (r.unmet.length) answer.push(...r.unmet.map((u) => `No topology met the ${u.requirement} requirement here. ${u.why}.`));
  if (r.unknown.length) answer.push(`Not measured for ${r.recommended}: ${r.unknown.join(", ")} (run the missing studies and runs, or recommend --measure).`);
  const steps: Block[] = r.steps.map((s, i) => ({
    title: `${i + 1}. ${s.question} Asked: ${s.asked}`,
    table: {
      headers: ["topology", "judgement", "measured", "source"],
      rows: ORDER.map((k) => {
        const c = s.perTopology[k];
        return { cls: c.judgement === "fails" ? "broken" : c.judgement === "not measured" ? "inconclusive" : "", data: { topology: k, requirement: s.requirement, judgement: c.judgement }, cells: [k === r.recommended ? { text: k, strong: true } : k, MARK[c.judgement], c.measured, c.source ?? "–"] };
      }),
    },
  }));
  return {
    title: "Recommendation: which topology, on the numbers measured here",
    intro: "The seed's decision flow (data over 25 GB? high availability? automatic failover? read scaling?), each branch judged on every topology from the studies and runs found under the reports folder; the simplest topology meeting every requirement is recommended.",
    facts: [
      ["dataset", formatBytes(q.datasetBytes)],
      ["RTO", formatMs(q.rtoMs)],
      ["RPO", q.rpoMs === 0 ? "0 (no acknowledged write lost)" : formatMs(q.rpoMs)],
      ["load", `${formatNumber(q.ops)} ops/s, ${formatNumber(q.readRatio * 100)}% reads, P99 ≤ ${formatMs(q.p99Ms)}`],
      ["operator response (assumed)", formatMs(q.operatorResponseMs)],
    ],
    headline: [{ title: "Answer", paragraphs: answer }],
    charts: [],
    sections: [
      { id: "flow", title: "The decision flow", blocks: steps },
      ...(ev.skipped.length ? [{ id: "skipped", title: "Files found and not used", blocks: [{ paragraphs: ev.skipped }] }] : []),
    ],
  };
}
