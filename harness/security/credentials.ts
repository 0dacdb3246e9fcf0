import { randomBytes } from "node:crypto";

/** How a secured topology authenticates clients: none, or requirepass (AUTH <password>) on every server and Sentinel. */
export const AUTH_MODES = ["none", "password"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** What a client sends in AUTH. Never written to a report, a log or a progress line. */
export interface Login {
  username?: string;
  password: string;
}

/** One run's secrets: the application's login and the harness's own (the same password in "password" mode). */
export interface Credentials {
  mode: Exclude<AuthMode, "none">;
  app: Login;
  admin: Login;
}

/** Where a container finds its auth directives: a file copied in, so they are not on any command line or in the config the report shows. */
export const AUTH_FILE = "/etc/redis-chaos/auth.conf";

/**
 * The run's credentials: generated per run, or the password HARNESS_REDIS_PASSWORD gives (to test with a known one).
 * null when the scenario is not secured.
 */
export function makeCredentials(mode: AuthMode, env: NodeJS.ProcessEnv = process.env): Credentials | null {
  if (mode === "none") return null;
  const password = env.HARNESS_REDIS_PASSWORD || randomBytes(24).toString("base64url");
  return { mode, app: { password }, admin: { password } };
}

/** redis.conf directives of a data node: clients authenticate, and a replica authenticates to its master. */
export function serverAuthLines(c: Credentials): string[] {
  return [`requirepass ${c.admin.password}`, `masterauth ${c.admin.password}`];
}

/**
 * sentinel.conf directives: the Sentinel's own password (clients and the other Sentinels send it), and what it sends to
 * the servers it monitors and to the other Sentinels.
 */
export function sentinelAuthLines(c: Credentials, master: string): string[] {
  return [`requirepass ${c.admin.password}`, `sentinel auth-pass ${master} ${c.admin.password}`, `sentinel sentinel-pass ${c.admin.password}`];
}

/** The ioredis options of a login (none without one). */
export const loginOptions = (l: Login | null | undefined): { username?: string; password?: string } =>
  l ? { ...(l.username ? { username: l.username } : {}), password: l.password } : {};
