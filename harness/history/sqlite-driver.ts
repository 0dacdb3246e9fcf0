import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { BadInputError, EnvironmentError } from "../infra/errors.js";
import type { SqlDriver, SqlValue } from "./sql-driver.js";

/**
 * The default store: one SQLite file through Node's own binding (node:sqlite, Node ≥ 22.13 without a flag). WAL mode,
 * so a reader (the trend page, `history check`) never waits for a writer, and a busy timeout, so runs of a suite that
 * end together take turns instead of failing.
 */
export function openSqlite(file: string, create: boolean): SqlDriver {
  const sqlite = loadBinding();
  if (!create && !existsSync(file))
    throw new BadInputError(`there is no results store at ${file}`, "run scenarios first (every run is recorded), or make it with: history import reports/");
  let db: DatabaseSync;
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = new sqlite.DatabaseSync(file);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL");
  } catch (e) {
    throw new BadInputError(
      `cannot open the results store ${file}: ${(e as Error).message}`,
      "name an SQLite file in a folder you can write (--store or HARNESS_STORE), or postgres://user@host/db",
    );
  }
  let depth = 0;
  return {
    where: file,
    async run(sql: string, params: SqlValue[] = []) {
      db.prepare(sql).run(...params);
    },
    async all<T>(sql: string, params: SqlValue[] = []) {
      return db.prepare(sql).all(...params) as T[];
    },
    async transaction<T>(fn: () => Promise<T>) {
      if (depth > 0) return fn();
      // IMMEDIATE: the write lock is taken at the start, so two writers queue on the busy timeout instead of one
      // failing at its first write.
      db.exec("BEGIN IMMEDIATE");
      depth++;
      try {
        const out = await fn();
        db.exec("COMMIT");
        return out;
      } catch (e) {
        db.exec("ROLLBACK");
        throw e;
      } finally {
        depth--;
      }
    },
    async close() {
      db.close();
    },
  };
}

function loadBinding(): typeof import("node:sqlite") {
  try {
    return createRequire(import.meta.url)("node:sqlite");
  } catch {
    throw new EnvironmentError(
      `this Node (${process.version}) has no SQLite binding (node:sqlite)`,
      "run the harness on Node 22.13 or newer (setup.sh installs one), or keep the history in PostgreSQL: --store postgres://user@host/db",
    );
  }
}
