/**
 * The results store's schema, as numbered migrations applied in order, each in its own transaction with its number
 * recorded in `schema_migrations`: a store made by an older harness is brought up to date when it is opened, and one
 * made by a newer harness is refused by name. The SQL is the subset SQLite and PostgreSQL share (TEXT, BIGINT,
 * DOUBLE PRECISION, INTEGER for flags), so one list serves both stores.
 */
export interface Migration {
  version: number;
  what: string;
  sql: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    what: "runs and the metrics each measured",
    sql: [
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        scenario TEXT NOT NULL,
        scenario_hash TEXT NOT NULL,
        topology TEXT NOT NULL,
        image TEXT NOT NULL,
        image_digest TEXT,
        server_version TEXT,
        fingerprint TEXT NOT NULL,
        environment TEXT NOT NULL,
        security TEXT NOT NULL,
        engine TEXT NOT NULL,
        label TEXT,
        status TEXT NOT NULL,
        verdict TEXT NOT NULL,
        report_path TEXT NOT NULL,
        recorded_at TEXT NOT NULL
      )`,
      `CREATE INDEX runs_series ON runs (scenario, fingerprint, started_at)`,
      `CREATE TABLE samples (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        metric TEXT,
        phase TEXT,
        label TEXT NOT NULL,
        unit TEXT NOT NULL,
        better TEXT NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        censored INTEGER NOT NULL,
        budget DOUBLE PRECISION,
        PRIMARY KEY (run_id, key)
      )`,
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
