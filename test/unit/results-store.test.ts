import test from "ava";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { renderHistoryJUnit } from "../../harness/history/check-view.js";
import { importReports } from "../../harness/history/import-reports.js";
import { judgeHistory, type HistoryJudgement } from "../../harness/history/judge-history.js";
import { openStore, parseStoreSpec, type ResultsStore } from "../../harness/history/results-store.js";
import { startPostgres } from "../helpers/postgres.js";
import { syntheticReport } from "../helpers/synthetic-run.js";
import { night, TEN_NIGHTS } from "../helpers/nightly-history.js";

// The results store: runs in, series out, judged over nights; the same answers from SQLite and from PostgreSQL.

const scratch = () => mkdtempSync(path.join(tmpdir(), "results-store-"));
const p99 = (j: HistoryJudgement) => j.series.find((s) => s.key === "p99.baseline")!;

async function plantedAnswers(store: ResultsStore) {
  const added = await store.append(TEN_NIGHTS);
  if (added.added !== 10) throw new Error(`appended ${added.added} of 10`);
  const j = judgeHistory(await store.points());
  const s = p99(j);
  return {
    nights: s.nights.length,
    judgements: s.nights.map((n) => n.judgement.judgement),
    changePoints: s.changePoints.map((c) => ({ night: c.index + 1, startedAt: c.startedAt })),
    baselineOfNight7: s.nights[6].judgement.baseline,
    // The check CI runs on the morning after night 7: the history up to it.
    regressionsOnNight7: judgeHistory((await store.points()).filter((p) => p.startedAt <= TEN_NIGHTS[6].startedAt)).regressions.map((r) => r.key),
    // --since night 5: the store hands out nights 5–10 only.
    nightsSince5: new Set((await store.points({ since: TEN_NIGHTS[4].startedAt })).map((p) => p.runId)).size,
  };
}

function expectPlanted(t: import("ava").ExecutionContext, a: Awaited<ReturnType<typeof plantedAnswers>>) {
  t.is(a.nights, 10);
  t.deepEqual(a.judgements.slice(0, 3), ["too few nights", "too few nights", "too few nights"], "a baseline needs 3 earlier nights");
  t.false(a.judgements.slice(3, 6).includes("regression"), `nights 4–6: ${a.judgements.slice(3, 6).join(", ")}`);
  t.is(a.judgements[6], "regression", "night 7 is a regression against the median of nights 1–6");
  t.true(Math.abs(a.baselineOfNight7! - 1) < 0.05, `night 7's baseline ${a.baselineOfNight7}`);
  // Nights 8–10: the baseline holds shifted nights now, its spread is UNSTABLE, and what says the series moved is the
  // change point (the median catches up once most of the window is shifted).
  t.false(a.judgements.slice(8).includes("regression"), `nights 9–10: ${a.judgements.slice(8).join(", ")}`);
  t.deepEqual(a.changePoints, [{ night: 7, startedAt: TEN_NIGHTS[6].startedAt }], "one change point, at night 7");
  t.deepEqual(a.regressionsOnNight7, ["p99.baseline"], "night 7's check: only the planted metric regressed");
  t.is(a.nightsSince5, 6, "--since night 5's start: nights 5 to 10");
}

test("SQLite: ten nights with 2 ms planted from night 7 give a baseline, no regression before night 7, a regression and a change point at night 7", async (t) => {
  const store = await openStore({ kind: "sqlite", file: path.join(scratch(), "history.sqlite") });
  try {
    expectPlanted(t, await plantedAnswers(store));
  } finally {
    await store.close();
  }
});

test("PostgreSQL (a real server): the same history gives the same answers", async (t) => {
  const pg = await startPostgres();
  try {
    const sqlite = await openStore({ kind: "sqlite", file: path.join(scratch(), "history.sqlite") });
    const postgres = await openStore(parseStoreSpec(pg.url, "reports"));
    try {
      const [a, b] = [await plantedAnswers(sqlite), await plantedAnswers(postgres)];
      expectPlanted(t, b);
      t.deepEqual(b, a);
      t.deepEqual(await postgres.points(), await sqlite.points(), "every point, value for value");
    } finally {
      await sqlite.close();
      await postgres.close();
    }
    // Opened again, the schema is there and not made twice.
    const again = await openStore(parseStoreSpec(pg.url, "reports"));
    t.is(await again.runCount(), 10);
    await again.close();
  } finally {
    pg.stop();
  }
});

test("history import reads report folders once: a run already there is left, a file that is not a report is skipped with why", async (t) => {
  const dir = scratch();
  for (const [i, seed] of [1, 2, 3].entries()) {
    const r = syntheticReport({ name: "imported", topology: "standalone", durationS: 8, seed });
    mkdirSync(path.join(dir, "reports", `run-${i}`), { recursive: true });
    writeFileSync(path.join(dir, "reports", `run-${i}`, "report.json"), JSON.stringify({ ...r, startedAt: `2026-11-0${i + 1}T02:00:00.000Z` }));
  }
  mkdirSync(path.join(dir, "reports", "old"), { recursive: true });
  writeFileSync(path.join(dir, "reports", "old", "report.json"), JSON.stringify({ schemaVersion: 3, scenario: { name: "x" }, status: "completed" }));
  const store = await openStore({ kind: "sqlite", file: path.join(dir, "reports", "history.sqlite") });
  try {
    const first = await importReports(store, [path.join(dir, "reports")]);
    t.is(first.added, 3);
    t.is(first.skipped.length, 1);
    t.regex(first.skipped[0].why, /schemaVersion: 3, and this harness reads version \d+ only/);
    const second = await importReports(store, [path.join(dir, "reports")]);
    t.deepEqual([second.added, second.already], [0, 3]);
    t.is(await store.runCount(), 3);
    const points = await store.points();
    t.true(points.some((p) => p.key === "p99.baseline"));
    t.true(
      points.every((p) => p.fingerprint.length === 12),
      "each run keyed by its machine's fingerprint",
    );
  } finally {
    await store.close();
  }
});

test("a store killed half-way through appending a run holds no part of it, and takes the next run", async (t) => {
  const file = path.join(scratch(), "history.sqlite");
  // A run with 200,000 metrics takes a while to insert; the writer is killed while it does.
  const child = spawn(
    process.execPath,
    [
      "--import=tsx",
      "-e",
      `
      const { openStore } = await import(${JSON.stringify(new URL("../../harness/history/results-store.ts", import.meta.url).href)});
      const store = await openStore({ kind: "sqlite", file: ${JSON.stringify(file)} });
      const samples = Array.from({ length: 200000 }, (_, i) => ({ key: "m" + i, metric: null, phase: null, label: "m", unit: "ms", better: "lower", value: i, censored: false, budget: null }));
      const run = ${JSON.stringify({ ...night(1, 1), samples: [] })};
      process.stdout.write("appending\\n");
      await store.append([{ ...run, samples }]);
      process.stdout.write("done\\n");
      `,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  await new Promise<void>((resolve) =>
    child.stdout.on("data", (d) => {
      out += String(d);
      if (out.includes("appending")) setTimeout(resolve, 300);
    }),
  );
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  t.false(out.includes("done"), "killed before the run was in");
  const raw = new DatabaseSync(file);
  t.is((raw.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check, "ok");
  t.is((raw.prepare("SELECT COUNT(*) AS n FROM samples").get() as { n: number }).n, 0, "no metric of the run it was killed in");
  raw.close();
  const store = await openStore({ kind: "sqlite", file });
  try {
    t.is(await store.runCount(), 0, "no run row either");
    t.is((await store.append([night(2, 1)])).added, 1);
  } finally {
    await store.close();
  }
});

test("a store written by a newer harness is refused by name, not read by guesswork", async (t) => {
  const file = path.join(scratch(), "history.sqlite");
  (await openStore({ kind: "sqlite", file })).close();
  const raw = new DatabaseSync(file);
  raw.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'later')").run();
  raw.close();
  const e = await t.throwsAsync(openStore({ kind: "sqlite", file }));
  t.regex(e!.message, /schema version 99, and this harness knows up to 1/);
});

test("--store: a password in a PostgreSQL URL is refused without being repeated, an unknown kind by name, off is off", (t) => {
  const e = t.throws(() => parseStoreSpec("postgres://ci:s3cret@db.example:5432/history", "reports"));
  t.regex(e!.message, /carries a password/);
  t.false(`${e!.message} ${(e as { hint?: string }).hint}`.includes("s3cret"));
  t.regex(t.throws(() => parseStoreSpec("postgres://ci@db/history?password=s3cret", "reports"))!.message, /carries a password/);
  t.regex(t.throws(() => parseStoreSpec("mysql://u@h/db", "reports"))!.message, /not known/);
  t.deepEqual(parseStoreSpec("off", "reports"), { kind: "off" });
  t.deepEqual(parseStoreSpec(undefined, "out"), { kind: "sqlite", file: path.join("out", "history.sqlite") });
});

test("JUnit of night 7's check: one case per series, a failure for the regressed one; none at all for an empty history", (t) => {
  const j = judgeHistory(
    TEN_NIGHTS.slice(0, 7).flatMap((r) =>
      r.samples.map((s) => ({
        runId: r.id,
        startedAt: r.startedAt,
        scenario: r.scenario,
        scenarioHash: r.scenarioHash,
        fingerprint: r.fingerprint,
        environment: JSON.stringify(r.environment),
        image: r.image,
        imageDigest: r.imageDigest,
        security: r.security,
        label: r.label,
        verdict: r.verdict,
        reportPath: r.reportPath,
        key: s.key,
        metricLabel: s.label,
        unit: s.unit,
        better: s.better,
        value: s.value,
        censored: s.censored,
        budget: s.budget,
      })),
    ),
  );
  const xml = renderHistoryJUnit(j);
  t.is((xml.match(/<testcase /g) ?? []).length, j.series.length);
  t.is((xml.match(/<failure /g) ?? []).length, 1);
  t.regex(xml, /name="p99\.baseline @ [0-9a-f]{12}" time="0">\n {4}<failure message="regression: /);
  const early = renderHistoryJUnit(judgeHistory([]));
  t.regex(early, /tests="0" failures="0"/);
});
