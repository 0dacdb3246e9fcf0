import { readFileSync, writeFileSync } from "node:fs";
import type { z } from "zod";
import { FAULTS } from "../faults/registry.js";

/*
 * The scenario reference's fault table (docs/scenarios.md), made from the fault registry: each fault's fields as its
 * schema takes them (choices and defaults included) and what it does (its `doc`), so the table cannot fall behind a
 * fault added or changed. `npm run docs` writes it; a unit test fails while the file differs.
 */

const BEGIN = "<!-- fault table: generated from harness/faults by `npm run docs` -->";
const END = "<!-- end of fault table -->";

type Def = { type: string; innerType?: z.core.$ZodType; defaultValue?: unknown; entries?: Record<string, string>; values?: unknown[] };
const defOf = (s: z.core.$ZodType) => s._zod.def as unknown as Def;

/** A field as a reader writes it: `name` (choices), = default. */
function field(name: string, schema: z.core.$ZodType): string {
  let s = schema;
  let dflt: unknown;
  for (let d = defOf(s); d.type === "default" || d.type === "optional"; d = defOf(s)) {
    if (d.type === "default") dflt = typeof d.defaultValue === "function" ? (d.defaultValue as () => unknown)() : d.defaultValue;
    s = d.innerType!;
  }
  const d = defOf(s);
  const choices = d.type === "enum" ? Object.values(d.entries ?? {}) : [];
  return `\`${name}\`${choices.length ? ` (${choices.map((c) => `\`${c}\``).join(", ")})` : ""}${dflt !== undefined ? ` = ${JSON.stringify(dflt)}` : ""}`;
}

export function faultTableMarkdown(): string {
  const rows = FAULTS.map((f) => {
    const shape = (f.schema as unknown as { shape: Record<string, z.core.$ZodType> }).shape;
    const fields = Object.entries(shape)
      .filter(([k]) => k !== "kind")
      .map(([k, v]) => field(k, v));
    return `| \`${f.kind}\` | ${fields.join(", ")} | ${f.doc.replace(/\|/g, "\\|")} |`;
  });
  return [BEGIN, "| kind | fields | what it does |", "|---|---|---|", ...rows, END].join("\n");
}

/** The file with its fault table as the registry makes it (the text between the markers replaced). */
export function withFaultTable(text: string): string {
  const [a, b] = [text.indexOf(BEGIN), text.indexOf(END)];
  if (a < 0 || b < a) throw new Error(`the fault table's markers are missing: ${BEGIN} … ${END}`);
  return text.slice(0, a) + faultTableMarkdown() + text.slice(b + END.length);
}

export function writeFaultReference(file: string): void {
  writeFileSync(file, withFaultTable(readFileSync(file, "utf8")));
}
