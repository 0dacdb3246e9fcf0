import { chartAssets, styleElement } from "../report/assets.js";
import { blockHtml } from "../report/html.js";
import { blockMarkdown } from "../report/markdown.js";
import type { Block } from "../report/run-view.js";
import { htmlFacts, markdownFacts, type Fact } from "../report/table.js";
import { html, scriptJson, type SafeHtml } from "../report/template.js";
import type { XyChart } from "../report/xy-chart.js";

/**
 * What a study (or a recommendation) shows a reader, every value formatted once: a title, the facts of what was
 * measured, the headline (verdicts, the answer), sections of blocks, and x–y charts. study.md and study.html are
 * both drawn from it; the Markdown lists the charts' data in its tables, the HTML draws them.
 */
export interface StudyView {
  title: string;
  intro: string;
  facts: Fact[];
  /** The answer first: claim verdicts, the maximum rate, the recommended topology. */
  headline: Block[];
  charts: XyChart[];
  /** Drawings that are not x–y charts (a roll's steps as bars), inline SVG, drawn after the headline. */
  figures?: Array<{ id: string; title: string; note: string; svg: SafeHtml }>;
  sections: Array<{ id: string; title: string; blocks: Block[] }>;
}

export function studyMarkdown(v: StudyView): string {
  const L = [`# ${v.title}`, "", v.intro, "", ...markdownFacts(v.facts), ""];
  L.push(...v.headline.flatMap((b) => blockMarkdown(b, "##")));
  for (const s of v.sections) L.push(`## ${s.title}`, "", ...s.blocks.flatMap((b) => blockMarkdown(b)));
  const drawn = [...v.charts, ...(v.figures ?? [])].map((c) => c.title);
  if (drawn.length) L.push(`Plots: ${drawn.join("; ")} (in the HTML page).`, "");
  return L.join("\n");
}

/** One self-contained page (uPlot, styles, data and script inline), like a run's report: it opens from file://. */
export function studyHtml(v: StudyView): string {
  const assets = chartAssets("xy");
  const charts = Object.fromEntries(v.charts.map((c) => [c.id, c]));
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${v.title}</title>
${assets.css}
${styleElement()}
</head>
<body>
<main>
<header class="run"><div class="title"><h1>${v.title}</h1><p class="desc">${v.intro}</p>${htmlFacts(v.facts)}</div></header>
<section class="headline" id="headline">${v.headline.map(blockHtml)}</section>
${(v.figures ?? []).map((f) => html`<section class="figure" data-figure="${f.id}"><h2>${f.title}</h2><p class="note">${f.note}</p>${f.svg}</section>`)}
${v.charts.map((c) => html`<section class="chart" data-chart="${c.id}"><h2>${c.title}</h2><p class="note">${c.note}</p><div class="plot main"></div></section>`)}
${v.sections.map((s) => html`<section id="${s.id}"><h2>${s.title}</h2>${s.blocks.map(blockHtml)}</section>`)}
</main>
<script type="application/json" id="report-data">${scriptJson({ charts })}</script>
${assets.scripts}
</body>
</html>
`.html;
}
