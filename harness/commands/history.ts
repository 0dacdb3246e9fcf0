import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { BadInputError, EXIT } from "../infra/errors.js";
import { loadSettings } from "../infra/settings.js";
import { renderHistoryCheckText, renderHistoryJUnit } from "../history/check-view.js";
import { importReports, reportFiles } from "../history/import-reports.js";
import { judgeHistory, type HistoryJudgement } from "../history/judge-history.js";
import { trendView } from "../history/trend-page.js";
import { studyHtml, studyMarkdown } from "../study/study-page.js";
import { openStore, parseStoreSpec, type ResultsStore } from "../history/results-store.js";
import { reportDirPath } from "../report/write.js";
import { checkThreshold } from "../report/compare-files.js";
import { positiveInt } from "./options.js";

type StoreFlags = { store?: string; label?: string };

async function withStore<T>(o: StoreFlags, create: boolean, fn: (store: ResultsStore) => Promise<T>): Promise<T> {
  const settings = loadSettings();
  const spec = parseStoreSpec(o.store ?? settings.store ?? undefined, settings.reportsDir, o.store !== undefined ? "--store" : "HARNESS_STORE=");
  const store = await openStore(spec, { create });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** history.html and history.md into `dir`. */
function writeTrendPage(j: HistoryJudgement, where: string, dir: string): { html: string; md: string } {
  const view = trendView(j, where, dir);
  const files = { html: path.join(dir, "history.html"), md: path.join(dir, "history.md") };
  writeFileSync(files.html, studyHtml(view));
  writeFileSync(files.md, studyMarkdown(view));
  return files;
}

/** `history import` and `history check`: the results store that gives nightly CI a memory (docs/nightly.md). */
export function registerHistory(program: Command, done: (code: number) => void): void {
  const history = program.command("history").description("runs over nights: record them, judge the latest against its baseline, find where a series shifted");
  const storeOption = "--store <file|postgres://user@host/db>";
  const storeHelp = "the results store (default HARNESS_STORE, else reports/history.sqlite); PostgreSQL's password from PGPASSWORD";

  history
    .command("import")
    .description("add the runs of existing report folders to the store (a run already there is left as it is)")
    .argument("<paths...>", "report.json files, run folders or folders of runs such as reports/")
    .option(storeOption, storeHelp)
    .option("--label <name>", "what the system under test of these runs is called (a commit, a config name)")
    .action(async (paths: string[], o: StoreFlags) => {
      reportFiles(paths); // a path that is not there is refused before the store is made
      await withStore(o, true, async (store) => {
        const r = await importReports(store, paths, o.label ?? loadSettings().label);
        for (const s of r.skipped) process.stderr.write(`skipped ${s.file}: ${s.why}\n`);
        process.stdout.write(
          `history: ${store.where}: ${r.added} runs added, ${r.already} already there, ${r.skipped.length} skipped; ${await store.runCount()} runs in all\n`,
        );
      });
      done(EXIT.pass);
    });

  history
    .command("check")
    .description(
      "judge each series' latest night against the median of the nights before it, find where series shifted, draw the trend page; exit 1 on a regression",
    )
    .option(storeOption, storeHelp)
    .option("--scenario <names...>", "only these scenarios")
    .option("--label <name>", "only the runs of this label")
    .option("--since <when>", "only the runs since a date (2026-11-01) or for the last days (30d)")
    .option("--window <7>", "how many earlier nights make the baseline (their median)", "7")
    .option("--threshold <0.05>", "how much worse than the baseline is a regression (when also outside its noise band)", "0.05")
    .option("--out <dir>", "where history.html (the trend page), history.md, history-check.json and junit.xml go (default reports/<time>-history-check)")
    .action(async (o: StoreFlags & { scenario?: string[]; since?: string; window: string; threshold: string; out?: string }) => {
      const window = positiveInt("window", o.window);
      const since = o.since === undefined ? undefined : sinceInstant(o.since);
      const threshold = checkThreshold(o.threshold);
      const code = await withStore(o, false, async (store) => {
        const points = await store.points({
          ...(o.scenario ? { scenarios: o.scenario } : {}),
          ...(o.label !== undefined ? { label: o.label } : {}),
          ...(since !== undefined ? { since } : {}),
        });
        if (points.length === 0)
          throw new BadInputError(
            `the results store ${store.where} holds no completed run${o.scenario || o.label || since ? " that matches --scenario / --label / --since" : ""}`,
            "run scenarios first (every run is recorded), or add existing ones with: history import reports/",
          );
        const j = judgeHistory(points, { window, threshold, potential: Math.min(threshold, 0.03) });
        const dir = path.resolve(o.out ?? reportDirPath(loadSettings().reportsDir, "history-check"));
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, "history-check.json"), `${JSON.stringify({ store: store.where, ...j }, null, 2)}\n`);
        writeFileSync(path.join(dir, "junit.xml"), renderHistoryJUnit(j));
        const page = writeTrendPage(j, store.where, dir);
        process.stdout.write(
          `${renderHistoryCheckText(j, store.where)}trends: ${page.html}\n        ${page.md}\nfiles:  ${path.join(dir, "history-check.json")}\n        ${path.join(dir, "junit.xml")}\n`,
        );
        return j.regressions.length ? EXIT.budgetFailed : EXIT.pass;
      });
      done(code);
    });
}

/** --since: a date (YYYY-MM-DD, from its midnight UTC) or a number of days back from now (30d), as the ISO instant runs are stored with. */
export function sinceInstant(text: string, now = Date.now()): string {
  const days = /^(\d+)d$/.exec(text);
  if (days) return new Date(now - Number(days[1]) * 86_400_000).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return new Date(`${text}T00:00:00Z`).toISOString();
  throw new BadInputError(`--since ${text} is neither a date nor a number of days`, "Give a date (--since 2026-11-01) or the last days (--since 30d).");
}
