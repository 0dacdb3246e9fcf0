import { html, type SafeHtml } from "./template.js";

/** A budget next to the value it judges: "≤ 50 ms ✓", "≤ 5 ms ✗ broken", or "≤ 1 ms ? inconclusive" (Check.inconclusive). */
export interface Tag {
  text: string;
  ok: boolean;
  inconclusive?: boolean;
  note?: string;
}

/** One value in a table or a list of facts, formatted once; each renderer decides how it looks. */
export interface Cell {
  text: string;
  strong?: boolean;
  /** A budget beside the value. */
  tags?: Tag[];
  /** Smaller text after the value (why it is missing, what it means). */
  note?: string;
  href?: string;
  cls?: string;
}
export type CellLike = string | Cell;

export interface Row {
  cells: CellLike[];
  cls?: string;
  /** data-* attributes in HTML (what tests and scripts find rows by). */
  data?: Record<string, string>;
}

export interface Table {
  headers: string[];
  rows: Row[];
  cls?: string;
}

/** A label and its value: a list of facts. */
export type Fact = [label: string, value: CellLike];

const cellOf = (c: CellLike): Cell => (typeof c === "string" ? { text: c } : c);
const tagText = (t: Tag) => `${t.text} ${t.ok ? "✓" : t.inconclusive ? "? inconclusive" : "✗ broken"}`;
const tagClass = (t: Tag) => (t.ok ? "ok" : t.inconclusive ? "inconclusive" : "broken");

// ---- Markdown -------------------------------------------------------------------------------------------------------

const mdEscape = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function markdownCell(c: CellLike): string {
  const x = cellOf(c);
  let s = x.href ? `[${mdEscape(x.text)}](${x.href})` : mdEscape(x.text);
  if (x.strong) s = `**${s}**`;
  for (const t of x.tags ?? []) s += t.ok || t.inconclusive ? ` (${tagText(t)})` : ` (**${tagText(t)}**)`;
  if (x.note) s += ` (${mdEscape(x.note)})`;
  return s;
}

export function markdownTable(t: Table): string[] {
  return [
    `| ${t.headers.map(mdEscape).join(" | ")} |`,
    `|${t.headers.map(() => "---").join("|")}|`,
    ...t.rows.map((r) => `| ${r.cells.map(markdownCell).join(" | ")} |`),
  ];
}

export const markdownFacts = (facts: Fact[]) => facts.map(([k, v]) => `- ${k}: ${markdownCell(v)}`);

// ---- HTML -----------------------------------------------------------------------------------------------------------

export function htmlCell(c: CellLike): SafeHtml {
  const x = cellOf(c);
  const text = x.href ? html`<a href="${x.href}">${x.text}</a>` : html`${x.text}`;
  return html`${x.strong ? html`<strong>${text}</strong>` : text}${(x.tags ?? []).map(
    (t) => html` <span class="budget ${tagClass(t)}"${t.note ? html` title="${t.note}"` : ""}>${tagText(t)}</span>`,
  )}${x.note ? html` <span class="note">(${x.note})</span>` : ""}`;
}

const dataAttrs = (d: Record<string, string> | undefined) => Object.entries(d ?? {}).map(([k, v]) => html` data-${k}="${v}"`);

export function htmlTable(t: Table): SafeHtml {
  return html`<table${t.cls ? html` class="${t.cls}"` : ""}><thead><tr>${t.headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>
${t.rows.map(
  (r) =>
    html`<tr${r.cls ? html` class="${r.cls}"` : ""}${dataAttrs(r.data)}>${r.cells.map((c) => {
      const cls = cellOf(c).cls;
      return html`<td${cls ? html` class="${cls}"` : ""}>${htmlCell(c)}</td>`;
    })}</tr>\n`,
)}</tbody></table>`;
}

export const htmlFacts = (facts: Fact[]) => html`<dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${htmlCell(v)}</dd>`)}</dl>`;

// ---- plain text (the terminal) --------------------------------------------------------------------------------------

export function textCell(c: CellLike): string {
  const x = cellOf(c);
  return [x.text, ...(x.tags ?? []).map((t) => `(${tagText(t)})`), ...(x.note ? [`(${x.note})`] : [])].join(" ");
}

/** Columns aligned with spaces. */
export function textTable(t: Table, indent = ""): string[] {
  const rows = [t.headers, ...t.rows.map((r) => r.cells.map(textCell))];
  const widths = t.headers.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((v, i) => (v ?? "").padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
  );
}

export const textFacts = (facts: Fact[], indent = "  ") => facts.map(([k, v]) => `${indent}${k}: ${textCell(v)}`);
