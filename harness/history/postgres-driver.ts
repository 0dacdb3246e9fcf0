import pg from "pg";
import { EnvironmentError } from "../infra/errors.js";
import type { SqlDriver, SqlValue } from "./sql-driver.js";

/**
 * A team's store: PostgreSQL through node-postgres, one connection. The URL names user, host, port and database; the
 * password comes from PGPASSWORD or ~/.pgpass, as libpq reads them, never from the URL (results-store.ts refuses one
 * there). Placeholders are written `?` and numbered here.
 */
export async function openPostgres(url: string): Promise<SqlDriver> {
  const where = url.replace(/\/\/([^@/]*)@/, (_m, who: string) => `//${who.split(":")[0]}@`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new EnvironmentError(`cannot reach the results store ${where}: ${(e as Error).message}`, "check that the server runs, the URL, and PGPASSWORD");
  }
  // A store's notices ("relation already exists, skipping") are not the user's business.
  client.on("notice", () => {});
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  let depth = 0;
  return {
    where,
    async run(sql: string, params: SqlValue[] = []) {
      await client.query(numbered(sql), params);
    },
    async all<T>(sql: string, params: SqlValue[] = []) {
      return (await client.query(numbered(sql), params)).rows as T[];
    },
    async transaction<T>(fn: () => Promise<T>) {
      if (depth > 0) return fn();
      await client.query("BEGIN");
      // Migrations of two harnesses opening a new store at once take turns.
      await client.query("SELECT pg_advisory_xact_lock(7340)");
      depth++;
      try {
        const out = await fn();
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      } finally {
        depth--;
      }
    },
    async close() {
      await client.end();
    },
  };
}
