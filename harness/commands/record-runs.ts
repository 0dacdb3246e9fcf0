import { HarnessError } from "../infra/errors.js";
import { loadSettings } from "../infra/settings.js";
import { importReports } from "../history/import-reports.js";
import { openStore, parseStoreSpec } from "../history/results-store.js";

/**
 * After a command has written its reports: adds its runs to the results store (HARNESS_STORE; reports/history.sqlite
 * by default, "off" for none). The reports are on disk whatever happens here, so a store that cannot take them costs
 * a warning, never the command's exit code or its files: the warning says how to add them later.
 */
export async function recordRuns(paths: string[]): Promise<void> {
  const settings = loadSettings();
  let where = "the results store";
  try {
    const spec = parseStoreSpec(settings.store ?? undefined, settings.reportsDir, "HARNESS_STORE=");
    if (spec.kind === "off") return;
    const store = await openStore(spec);
    where = store.where;
    try {
      const r = await importReports(store, paths, settings.label);
      process.stderr.write(`history: ${r.added} run${r.added === 1 ? "" : "s"} recorded in ${store.where}\n`);
    } finally {
      await store.close();
    }
  } catch (e) {
    const hint = e instanceof HarnessError && e.hint ? ` (${e.hint})` : "";
    process.stderr.write(
      `warning: the runs were not recorded in ${where}: ${(e as Error).message}${hint}. They are on disk; add them later with: history import ${paths.join(" ")}\n`,
    );
  }
}
