/**
 * What the results store needs of a database: statements with `?` placeholders, rows back, a transaction, a name for
 * messages. One per kind of store (sqlite-driver.ts, postgres-driver.ts); the store itself (results-store.ts) is
 * written once over it.
 */
export type SqlValue = string | number | null;

export interface SqlDriver {
  /** Where the store is, as a message names it (a path, or a PostgreSQL URL without its password). */
  readonly where: string;
  run(sql: string, params?: SqlValue[]): Promise<void>;
  all<T>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** Runs `fn` in one transaction: all of it lands, or none (a run killed half-way leaves no row). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
