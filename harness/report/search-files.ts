import { readdirSync } from "node:fs";
import path from "node:path";
import { BadInputError } from "../infra/errors.js";

/**
 * Every file named `name` under `dir`, `depth` folders deep at most (dot folders and node_modules skipped), in name
 * order: how a comparison finds report.json files and a recommendation finds studies and runs.
 */
export function searchFiles(dir: string, name: string, depth: number): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (e) {
    throw new BadInputError(`cannot read the folder ${dir}: ${(e as Error).message}`, "check its permissions");
  }
  for (const e of entries) if (e.isFile() && e.name === name) out.push(path.join(dir, e.name));
  if (depth > 0)
    for (const e of entries)
      if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules") out.push(...searchFiles(path.join(dir, e.name), name, depth - 1));
  return out;
}
