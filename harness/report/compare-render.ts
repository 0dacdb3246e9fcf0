import { escapeMarkup } from "./escape.js";
import { comparisonExitCode, fmt, num, pct, SINGLE_RUN_NOTE, type Comparison, type SideSummary, type Outcome, type ScenarioSide, type SideStats, type Unit } from "./compare.js";

/** The views of a comparison: Markdown, a self-contained HTML page, and the compact table the terminal gets. */




function signed(v: number, unit: Unit): string {
  return v > 0 ? `+${fmt(v, unit)}` : fmt(v, unit);
}

function cell(s: SideStats, unit: Unit): string {
  return s.n === 1 ? fmt(s.median, unit) : `${fmt(s.median, unit)} [${fmt(s.min, unit)}–${fmt(s.max, unit)}] n=${s.n}`;
}

const OUTCOME_WORD: Record<Outcome, string> = { regressed: "REGRESSED", improved: "improved", same: "same" };

function verdictText(s: ScenarioSide): string {
  return `${s.verdict} (${s.passes}/${s.runs} passed)`;
}

function headline(c: Comparison): string {
  const code = comparisonExitCode(c);
  const s = c.summary;
  const parts = [
    `${s.compared} scenario(s) compared`,
    `${s.budgetRegressions} budget-relevant regression(s)`,
    `${s.verdictRegressions} verdict(s) worse`,
    `${s.regressions - s.budgetRegressions} other regression(s)`,
    `${s.improvements} improvement(s)`,
  ];
  return `${code ? "REGRESSED" : "no budget-relevant regression"} (exit ${code}): ${parts.join(", ")}`;
}

function ruleText(c: Comparison): string {
  const fl = c.floors;
  return (
    `A metric regressed when it got worse by more than ${pct(c.threshold, false)} of the base median, more than the run-to-run spread ` +
    `(max − min, the larger of the two sides) and more than an absolute floor (latency ${fmt(fl.latency, "ms")}, RTO ${fmt(fl.rto, "ms")}, ` +
    `RPO ${fmt(fl.rpo, "ms")}, error rate ${fmt(fl.errorRate, "fraction")}, fork ${fmt(fl.fork, "µs")}, copy-on-write ${fmt(fl.copyOnWrite, "bytes")}, ` +
    `throughput ${fmt(fl.throughput, "ops/s")}); improved symmetrically. Lost writes: any increase of one write counts, unless the scenario expects or tolerates loss. ` +
    `Throughput is higher-is-better, everything else lower-is-better. Budget-relevant (★): the scenario has a budget on the metric; ` +
    `a regression there, or a verdict that got worse, makes the exit code 1.`
  );
}

const mdEsc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderComparisonMarkdown(c: Comparison): string {
  const L: string[] = [];
  L.push("# Run comparison: base vs candidate", "");
  L.push("| | base | candidate |", "|---|---|---|");
  L.push(`| image | ${mdEsc(c.base.images.join(", ") || "–")} | ${mdEsc(c.candidate.images.join(", ") || "–")} |`);
  L.push(`| server | ${mdEsc(c.base.servers.join(", ") || "–")} | ${mdEsc(c.candidate.servers.join(", ") || "–")} |`);
  L.push(`| runs | ${c.base.completed} completed of ${c.base.reports} | ${c.candidate.completed} completed of ${c.candidate.reports} |`, "");
  L.push(`**${headline(c)}**`, "");
  L.push(ruleText(c), "");
  for (const w of c.warnings) L.push(`> **warning:** ${mdEsc(w)}`, "");
  if (c.summary.singleRun) L.push(`> ${SINGLE_RUN_NOTE} (scenarios marked below).`, "");

  for (const s of c.scenarios) {
    const bad = s.verdictChange === "regressed" || s.metrics.some((m) => m.outcome === "regressed" && m.budgetRelevant);
    L.push(`## ${s.name} (${s.topology})${bad ? " — **REGRESSED**" : ""}`, "");
    L.push(`- verdict: ${verdictText(s.base)} → ${verdictText(s.candidate)}${s.verdictChange === "regressed" ? " — **worse**" : s.verdictChange === "improved" ? " — better" : ""}`);
    L.push(`- base: ${mdEsc(s.base.images.join(", "))}, ${mdEsc(s.base.servers.join(", "))}; candidate: ${mdEsc(s.candidate.images.join(", "))}, ${mdEsc(s.candidate.servers.join(", "))}`);
    for (const f of s.candidate.failures) L.push(`- candidate failed: ${mdEsc(f)}`);
    for (const n of s.notes) L.push(`- note: ${mdEsc(n)}`);
    L.push("");
    L.push("| metric | budget | base | candidate | change | result | note |", "|---|---|---|---|---|---|---|");
    for (const m of s.metrics) {
      const result = m.outcome === "regressed" ? `**${OUTCOME_WORD[m.outcome]}**` : OUTCOME_WORD[m.outcome];
      const rel = m.relativeChange === null ? "" : ` (${pct(m.relativeChange)})`;
      L.push(
        `| ${m.budgetRelevant ? "★ " : ""}${m.label} | ${m.budget !== null ? `≤ ${fmt(m.budget, m.unit)}` : "–"} | ${cell(m.base, m.unit)} | ${cell(m.candidate, m.unit)} | ` +
          `${signed(m.change, m.unit)}${rel} | ${result} | ${mdEsc(m.note)} |`,
      );
    }
    if (s.metrics.length === 0) L.push("| (no metric measured on both sides) | | | | | | |");
    L.push("");
  }
  tailMarkdown(c, L);
  return L.join("\n");
}

function tailMarkdown(c: Comparison, L: string[]): void {
  if (c.onlyBase.length || c.onlyCandidate.length) {
    L.push("## Not compared", "");
    for (const n of c.onlyBase) L.push(`- ${n}: completed runs in base only`);
    for (const n of c.onlyCandidate) L.push(`- ${n}: completed runs in candidate only`);
    L.push("");
  }
  if (c.skipped.length) {
    L.push("## Skipped runs (not completed)", "");
    for (const k of c.skipped) L.push(`- ${k.side} ${k.scenario}: ${k.status}: ${mdEsc(k.reason)}${k.source ? ` (${mdEsc(k.source)})` : ""}`);
    L.push("");
  }
}

const h = escapeMarkup;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:1300px;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}th,td{border:1px solid #d8d8d8;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f5}td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
tr.regressed td{background:#fde8e8}tr.regressed td.result{color:#b00020;font-weight:700}
tr.improved td{background:#e6f6ea}tr.improved td.result{color:#17692f;font-weight:700}
tr.same td{color:#555}
.budget{display:inline-block;background:#1d4ed8;color:#fff;border-radius:3px;font-size:.75em;padding:0 .35em;margin-right:.3em}
.banner{padding:.6rem .8rem;border-radius:4px;font-weight:600}.banner.bad{background:#fde8e8;color:#b00020}.banner.ok{background:#e6f6ea;color:#17692f}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4rem .7rem}.muted{color:#666}
.worse{color:#b00020;font-weight:700}.better{color:#17692f;font-weight:700}
`;

export function renderComparisonHtml(c: Comparison): string {
  const code = comparisonExitCode(c);
  const o: string[] = [];
  o.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Run comparison</title><style>${CSS}</style></head><body>`);
  o.push(`<h1>Run comparison: base vs candidate</h1>`);
  o.push(`<table><tr><th></th><th>base</th><th>candidate</th></tr>`);
  o.push(`<tr><th>image</th><td>${h(c.base.images.join(", ") || "–")}</td><td>${h(c.candidate.images.join(", ") || "–")}</td></tr>`);
  o.push(`<tr><th>server</th><td>${h(c.base.servers.join(", ") || "–")}</td><td>${h(c.candidate.servers.join(", ") || "–")}</td></tr>`);
  o.push(`<tr><th>runs</th><td>${c.base.completed} completed of ${c.base.reports}</td><td>${c.candidate.completed} completed of ${c.candidate.reports}</td></tr></table>`);
  o.push(`<p class="banner ${code ? "bad" : "ok"}">${h(headline(c))}</p>`);
  o.push(`<p class="muted">${h(ruleText(c)).replace("★", '<span class="budget">budget</span>')}</p>`);
  for (const w of c.warnings) o.push(`<p class="banner bad">warning: ${h(w)}</p>`);
  if (c.summary.singleRun) o.push(`<p class="note">${h(SINGLE_RUN_NOTE)} (scenarios marked below).</p>`);
  for (const s of c.scenarios) {
    const bad = s.verdictChange === "regressed" || s.metrics.some((m) => m.outcome === "regressed" && m.budgetRelevant);
    o.push(`<h2 id="${h(s.name)}">${h(s.name)} <span class="muted">(${h(s.topology)})</span>${bad ? ' <span class="worse">REGRESSED</span>' : ""}</h2>`);
    const vc = s.verdictChange === "regressed" ? ' <span class="worse">worse</span>' : s.verdictChange === "improved" ? ' <span class="better">better</span>' : "";
    o.push(`<p>verdict: ${h(verdictText(s.base))} → ${h(verdictText(s.candidate))}${vc}<br>`);
    o.push(`base: ${h(s.base.images.join(", "))}, ${h(s.base.servers.join(", "))}; candidate: ${h(s.candidate.images.join(", "))}, ${h(s.candidate.servers.join(", "))}</p>`);
    if (s.candidate.failures.length) o.push(`<ul>${s.candidate.failures.map((f) => `<li class="worse">candidate failed: ${h(f)}</li>`).join("")}</ul>`);
    for (const n of s.notes) o.push(`<p class="note">${h(n)}</p>`);
    o.push(`<table><tr><th>metric</th><th>budget</th><th>base</th><th>candidate</th><th>change</th><th>result</th><th>note</th></tr>`);
    for (const m of s.metrics) {
      const rel = m.relativeChange === null ? "" : ` (${pct(m.relativeChange)})`;
      o.push(
        `<tr class="${m.outcome}${m.budgetRelevant ? " budgeted" : ""}"><td>${m.budgetRelevant ? '<span class="budget" title="a budget of the scenario covers this metric">budget</span>' : ""}${h(m.label)}</td>` +
          `<td class="num">${m.budget !== null ? h(`≤ ${fmt(m.budget, m.unit)}`) : "–"}</td><td class="num">${h(cell(m.base, m.unit))}</td><td class="num">${h(cell(m.candidate, m.unit))}</td>` +
          `<td class="num">${h(signed(m.change, m.unit) + rel)}</td><td class="result">${OUTCOME_WORD[m.outcome]}</td><td>${h(m.note)}</td></tr>`,
      );
    }
    if (s.metrics.length === 0) o.push(`<tr><td colspan="7" class="muted">no metric measured on both sides</td></tr>`);
    o.push(`</table>`);
  }
  if (c.onlyBase.length || c.onlyCandidate.length) {
    o.push(`<h2>Not compared</h2><ul>`);
    for (const n of c.onlyBase) o.push(`<li>${h(n)}: completed runs in base only</li>`);
    for (const n of c.onlyCandidate) o.push(`<li>${h(n)}: completed runs in candidate only</li>`);
    o.push(`</ul>`);
  }
  if (c.skipped.length) {
    o.push(`<h2>Skipped runs (not completed)</h2><ul>`);
    for (const k of c.skipped) o.push(`<li>${h(`${k.side} ${k.scenario}: ${k.status}: ${k.reason}`)}${k.source ? ` <span class="muted">${h(k.source)}</span>` : ""}</li>`);
    o.push(`</ul>`);
  }
  o.push(`</body></html>\n`);
  return o.join("\n");
}

/** A compact text table for a terminal: verdicts, and only the metrics that changed beyond noise. */
export function renderComparisonText(c: Comparison): string {
  const L: string[] = [];
  const side = (x: SideSummary) => `${x.images.join(", ") || "?"} [${x.servers.join(", ") || "?"}], ${x.completed} run(s)`;
  L.push(`base:      ${side(c.base)}`, `candidate: ${side(c.candidate)}`, `threshold ${pct(c.threshold, false)}; ★ = budget-relevant`, "");
  const rows: string[][] = [["scenario", "metric", "base", "candidate", "change", "result"]];
  for (const s of c.scenarios) {
    const single = s.singleRun ? " (1 run)" : "";
    rows.push([s.name + single, "verdict", verdictText(s.base), verdictText(s.candidate), "", s.verdictChange === "regressed" ? "WORSE" : s.verdictChange === "improved" ? "better" : "same"]);
    for (const m of s.metrics.filter((m) => m.outcome !== "same")) {
      const rel = m.relativeChange === null ? "" : ` (${pct(m.relativeChange)})`;
      rows.push(["", `${m.budgetRelevant ? "★ " : ""}${m.label}`, cell(m.base, m.unit), cell(m.candidate, m.unit), signed(m.change, m.unit) + rel, OUTCOME_WORD[m.outcome]]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) L.push(r.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd());
  L.push("");
  for (const n of c.onlyBase) L.push(`not compared: ${n} (completed runs in base only)`);
  for (const n of c.onlyCandidate) L.push(`not compared: ${n} (completed runs in candidate only)`);
  for (const k of c.skipped) L.push(`skipped: ${k.side} ${k.scenario}: ${k.status}: ${k.reason}`);
  for (const w of c.warnings) L.push(`warning: ${w}`);
  if (c.summary.singleRun) L.push(`note: ${SINGLE_RUN_NOTE}`);
  L.push(headline(c));
  return L.join("\n") + "\n";
}
