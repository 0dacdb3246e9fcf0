import path from "node:path";
import { formatAtS, formatCount, formatMs, NONE } from "../infra/units.js";
import type { Block } from "../report/run-view.js";
import type { Fact, Row } from "../report/table.js";
import { html, type SafeHtml } from "../report/template.js";
import type { StudyView } from "./study-page.js";
import type { UpgradeDecision } from "./upgrade-decision.js";

/** The go/no-go page's view: the verdict first, then the roll step by step (drawn and tabled), the traps, the way back, the performance. */
export function upgradeView(d: UpgradeDecision, dir: string): StudyView {
  const link = (to: string | undefined, text: string) => (to ? { text, href: `${path.relative(dir, to)}/report.html` } : text);
  const facts: Fact[] = [
    ["topology", d.topology],
    ["from", d.fromVersion ? `${d.from} (${d.fromVersion})` : d.from],
    ["to", d.toVersion ? `${d.to} (${d.toVersion})` : d.to],
    ["procedure", d.procedure],
  ];
  const headline: Block[] = [
    {
      title: d.go ? "Safe under the tested procedure" : "Not safe under the tested procedure",
      paragraphs: [...d.reasons.map((r) => `No-go: ${r}.`), ...d.cautions.map((c) => `Caution: ${c}.`)],
    },
  ];
  const stepRows: Row[] = d.steps.map((s) => ({
    cells: [
      s.label,
      formatAtS(s.fromMs),
      formatMs(s.toMs - s.fromMs),
      formatCount(s.ops),
      s.errors ? { text: formatCount(s.errors), cls: "bad" } : "0",
      formatMs(s.p99Ms),
      formatMs(s.maxMs),
    ],
  }));
  const sections: StudyView["sections"] = [
    {
      id: "roll",
      title: "The roll, step by step",
      blocks: [
        {
          paragraphs: [
            `Acknowledged writes ${formatCount(d.roll.acknowledged)}, lost ${d.roll.lost === null ? NONE : formatCount(d.roll.lost)}, failed ${formatCount(d.roll.failed)}, applied twice ${d.roll.duplicated === null ? NONE : formatCount(d.roll.duplicated)}. Each step's numbers are the operations intended while it lasted.`,
          ],
          table: { headers: ["step", "from", "took", "operations", "failed", "P99", "max"], cls: "numbers", rows: stepRows },
          facts: [["the roll's run", link(d.roll.dir, d.roll.dir ? path.basename(d.roll.dir) : NONE)]],
        },
      ],
    },
    {
      id: "traps",
      title: "The traps",
      blocks: [
        {
          table: {
            headers: ["trap", "what happens", "outcome", "the server said"],
            rows: [
              ...(d.wayBack
                ? [
                    {
                      cells: [
                        "the way back",
                        `a replica rolled back to ${d.from} with the data ${d.to} saved`,
                        d.wayBack.possible
                          ? "it ran and synced: a way back exists"
                          : { text: "it did not start: no way back once the new version has saved", cls: "bad" },
                        d.wayBack.serverSaid ?? NONE,
                      ],
                    },
                  ]
                : []),
              ...d.traps.map((t) => ({ cells: [link(t.dir, t.name), t.what, t.outcome, t.serverSaid ?? NONE] })),
            ],
          },
        },
      ],
    },
    {
      id: "performance",
      title: "Performance: the same load on each image",
      blocks: [
        d.performance === null
          ? { paragraphs: ["Not run (--no-performance)."] }
          : d.performance.tooFewRuns
            ? { paragraphs: ["Fewer than 3 runs a side: the numbers are in the comparison, not judged (give --repeats 3)."] }
            : d.performance.changed.length
              ? {
                  table: {
                    headers: ["metric", "outcome", "how it was told from noise"],
                    rows: d.performance.changed.map((m) => ({
                      cells: [m.label, { text: m.outcome, cls: m.outcome === "regressed" ? "bad" : "good" }, m.note],
                    })),
                  },
                }
              : { paragraphs: ["No metric moved beyond the runs' noise."] },
        ...(d.performance?.dir
          ? [{ facts: [["the comparison", { text: "compare.html", href: `${path.relative(dir, d.performance.dir)}/compare.html` }]] as Fact[] }]
          : []),
      ],
    },
  ];
  return {
    title: `${d.go ? "GO" : "NO-GO"}: upgrade ${d.topology} from ${d.fromVersion ?? d.from} to ${d.toVersion ?? d.to}`,
    intro: d.headline,
    facts,
    headline,
    charts: [],
    figures: d.steps.length
      ? [
          {
            id: "roll-steps",
            title: "The roll over the run",
            note: "Each step from its start to its end; red, a step in which operations failed (how many beside it).",
            svg: stepBars(d),
          },
        ]
      : [],
    sections,
  };
}

/** The roll's steps on the run's clock, one bar each, the failed writes of a step in red beside it: plain inline SVG. */
function stepBars(d: UpgradeDecision): SafeHtml {
  const start = Math.min(...d.steps.map((s) => s.fromMs));
  const end = Math.max(...d.steps.map((s) => s.toMs));
  const labelW = 300,
    plotW = 560,
    rowH = 18,
    top = 8;
  const x = (ms: number) => labelW + ((ms - start) / Math.max(1, end - start)) * plotW;
  const height = top + d.steps.length * rowH + 24;
  const rows = d.steps.map((s, i) => {
    const y = top + i * rowH;
    const w = Math.max(2, x(s.toMs) - x(s.fromMs));
    return html`<text x="${labelW - 8}" y="${y + 12}" font-size="11" text-anchor="end">${s.label}</text><rect x="${x(s.fromMs)}" y="${y + 2}" width="${w}" height="${rowH - 6}" fill="${s.errors ? "#dc2626" : "#2563eb"}"><title>${s.label}: ${formatMs(s.toMs - s.fromMs)}, ${formatCount(s.errors)} of ${formatCount(s.ops)} failed, P99 ${formatMs(s.p99Ms)}</title></rect><text x="${x(s.fromMs) + w + 4}" y="${y + 12}" font-size="10" fill="#374151">${formatMs(s.toMs - s.fromMs)}${s.errors ? `, ${formatCount(s.errors)} failed` : ""}</text>`;
  });
  const width = labelW + plotW + 160;
  return html`<svg data-figure-svg="roll-steps" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" style="max-width: 100%; height: auto" role="img" aria-label="the roll's steps" font-family="system-ui,sans-serif">${rows}<text x="${labelW}" y="${height - 6}" font-size="10" fill="#6b7280">${formatAtS(start)}</text><text x="${labelW + plotW}" y="${height - 6}" font-size="10" text-anchor="end" fill="#6b7280">${formatAtS(end)}</text></svg>`;
}
