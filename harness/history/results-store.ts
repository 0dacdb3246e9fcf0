import path from "node:path";
import { BadInputError, EnvironmentError } from "../infra/errors.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
import type { SqlDriver } from "./sql-driver.js";
import { openSqlite } from "./sqlite-driver.js";
import type { StoredRun } from "./stored-run.js";

/**
 * The results store: every run, suite, matrix and study appends its runs to it, and `history check` and the trend
 * page read series from it. An SQLite file by default (reports/history.sqlite), or PostgreSQL for a team
 * (postgres://user@host/db, the password from PGPASSWORD). One schema (migrations.ts) for both.
 */
export interface ResultsStore {
  readonly where: string;
  /** Appends runs, each in its own transaction; a run already there (same start, same scenario) is left as it is. */
  append(runs: StoredRun[]): Promise<{ added: number; already: number }>;
  /** Every value of the completed runs that match, oldest run first. */
  points(filter?: PointFilter): Promise<Point[]>;
  runCount(): Promise<number>;
  close(): Promise<void>;
}

export interface PointFilter {
  scenarios?: string[];
  label?: string;
  /** Only runs started at or after this instant (ISO 8601, as runs are stored). */
  since?: string;
}

/** One metric of one run: a point of a series. */
export interface Point {
  runId: string;
  startedAt: string;
  scenario: string;
  scenarioHash: string;
  fingerprint: string;
  environment: string;
  image: string;
  imageDigest: string | null;
  security: string;
  label: string | null;
  verdict: string;
  reportPath: string;
  key: string;
  metricLabel: string;
  unit: string;
  better: "lower" | "higher";
  value: number;
  censored: boolean;
  budget: number | null;
}

/** Where the store is when nothing says otherwise. */
export const defaultStorePath = (reportsDir: string) => path.join(reportsDir, "history.sqlite");

/** HARNESS_STORE or --store: a file path, a postgres:// URL, or "off" (the commands then record nothing). */
export type StoreSpec = { kind: "sqlite"; file: string } | { kind: "postgres"; url: string } | { kind: "off" };

export function parseStoreSpec(raw: string | undefined, reportsDir: string, from = "--store"): StoreSpec {
  if (raw === undefined || raw.trim() === "") return { kind: "sqlite", file: defaultStorePath(reportsDir) };
  if (raw === "off") return { kind: "off" };
  if (/^postgres(ql)?:\/\//.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new BadInputError(`${from} ${redactUrl(raw)} is not a PostgreSQL URL`, "give postgres://user@host:port/database");
    }
    if (url.password || url.searchParams.has("password"))
      throw new BadInputError(
        `${from} carries a password in the URL, where a log or a report would show it`,
        "take it out of the URL and set PGPASSWORD (or a ~/.pgpass entry) instead",
      );
    return { kind: "postgres", url: raw };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw))
    throw new BadInputError(`${from} ${redactUrl(raw)}: this kind of store is not known`, "give a file path for SQLite, or postgres://user@host/db");
  return { kind: "sqlite", file: raw };
}

const redactUrl = (s: string) => s.replace(/\/\/([^@/]*)@/, "//…@");

/** Opens (and brings up to date) the store; `create: false` refuses a store file that is not there yet (a reader's). */
export async function openStore(spec: StoreSpec, o: { create: boolean } = { create: true }): Promise<ResultsStore> {
  if (spec.kind === "off") throw new BadInputError("the results store is off (HARNESS_STORE=off)", "name a store with --store <file|postgres://…>");
  const driver = spec.kind === "sqlite" ? openSqlite(spec.file, o.create) : await (await import("./postgres-driver.js")).openPostgres(spec.url);
  try {
    await migrate(driver);
  } catch (e) {
    await driver.close();
    throw e;
  }
  return sqlStore(driver);
}

async function migrate(db: SqlDriver): Promise<void> {
  await db.run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  // Two processes opening a new store at once: the second one's migration finds the first one's row and skips.
  for (const m of MIGRATIONS)
    await db.transaction(async () => {
      const applied = await db.all<{ v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations");
      const at = Number(applied[0]?.v ?? 0);
      if (at > SCHEMA_VERSION)
        throw new EnvironmentError(
          `the results store ${db.where} has schema version ${at}, and this harness knows up to ${SCHEMA_VERSION}`,
          "open it with the newer harness that wrote it, or name another store with --store",
        );
      if (at >= m.version) return;
      for (const sql of m.sql) await db.run(sql);
      await db.run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", [m.version, new Date().toISOString()]);
    });
}

function sqlStore(db: SqlDriver): ResultsStore {
  return {
    where: db.where,
    async append(runs) {
      let added = 0;
      for (const r of runs) {
        const isNew = await db.transaction(async () => {
          if ((await db.all("SELECT 1 AS x FROM runs WHERE id = ?", [r.id])).length) return false;
          await db.run(
            `INSERT INTO runs (id, started_at, finished_at, scenario, scenario_hash, topology, image, image_digest, server_version,
               fingerprint, environment, security, engine, label, status, verdict, report_path, recorded_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              r.id,
              r.startedAt,
              r.finishedAt,
              r.scenario,
              r.scenarioHash,
              r.topology,
              r.image,
              r.imageDigest,
              r.serverVersion,
              r.fingerprint,
              JSON.stringify(r.environment),
              r.security,
              r.engine,
              r.label,
              r.status,
              r.verdict,
              r.reportPath,
              new Date().toISOString(),
            ],
          );
          for (const s of r.samples)
            await db.run(
              "INSERT INTO samples (run_id, key, metric, phase, label, unit, better, value, censored, budget) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              [r.id, s.key, s.metric, s.phase, s.label, s.unit, s.better, s.value, s.censored ? 1 : 0, s.budget],
            );
          return true;
        });
        if (isNew) added++;
      }
      return { added, already: runs.length - added };
    },
    async points(filter = {}) {
      const where = ["r.status = 'completed'"];
      const params: string[] = [];
      if (filter.scenarios?.length) {
        where.push(`r.scenario IN (${filter.scenarios.map(() => "?").join(", ")})`);
        params.push(...filter.scenarios);
      }
      if (filter.label !== undefined) {
        where.push("r.label = ?");
        params.push(filter.label);
      }
      if (filter.since !== undefined) {
        where.push("r.started_at >= ?");
        params.push(filter.since);
      }
      const rows = await db.all<Record<string, string | number | null>>(
        `SELECT r.id, r.started_at, r.scenario, r.scenario_hash, r.fingerprint, r.environment, r.image, r.image_digest, r.security,
                r.label, r.verdict, r.report_path, s.key, s.label AS metric_label, s.unit, s.better, s.value, s.censored, s.budget
           FROM runs r JOIN samples s ON s.run_id = r.id
          WHERE ${where.join(" AND ")}
          ORDER BY r.started_at, r.id, s.key`,
        params,
      );
      return rows.map((x) => ({
        runId: String(x.id),
        startedAt: String(x.started_at),
        scenario: String(x.scenario),
        scenarioHash: String(x.scenario_hash),
        fingerprint: String(x.fingerprint),
        environment: String(x.environment),
        image: String(x.image),
        imageDigest: x.image_digest === null ? null : String(x.image_digest),
        security: String(x.security),
        label: x.label === null ? null : String(x.label),
        verdict: String(x.verdict),
        reportPath: String(x.report_path),
        key: String(x.key),
        metricLabel: String(x.metric_label),
        unit: String(x.unit),
        better: x.better === "higher" ? "higher" : "lower",
        value: Number(x.value),
        censored: Number(x.censored) === 1,
        budget: x.budget === null ? null : Number(x.budget),
      }));
    },
    async runCount() {
      const [row] = await db.all<{ n: number | string }>("SELECT COUNT(*) AS n FROM runs");
      return Number(row.n);
    },
    close: () => db.close(),
  };
}
