import { randomBytes } from "node:crypto";
import { appUserRules, sentinelAppUserRules } from "./acl.js";

/**
 * How a secured topology authenticates clients: none; "password", requirepass (AUTH <password>) on every server and
 * Sentinel; "acl", named users with the default user off: a restricted application user and an admin user for the
 * harness's own control traffic (replication, Sentinel, redis-cli).
 */
export const AUTH_MODES = ["none", "password", "acl"] as const;
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

/** ACL user names (acl mode): the application's, and the harness's own control user. Names are not secrets. */
export const APP_USER = "app";
export const ADMIN_USER = "harness-admin";

const newPassword = () => randomBytes(24).toString("base64url");

/**
 * The run's credentials: generated per run, or the passwords the environment gives (to reach the servers by hand, or
 * to test with known ones): HARNESS_REDIS_PASSWORD, the application's (the only one in "password" mode), and
 * HARNESS_REDIS_ADMIN_PASSWORD, the admin user's in acl mode. null when not secured.
 */
export function makeCredentials(mode: AuthMode, env: NodeJS.ProcessEnv = process.env): Credentials | null {
  if (mode === "none") return null;
  const password = env.HARNESS_REDIS_PASSWORD || newPassword();
  if (mode === "password") return { mode, app: { password }, admin: { password } };
  return { mode, app: { username: APP_USER, password }, admin: { username: ADMIN_USER, password: env.HARNESS_REDIS_ADMIN_PASSWORD || newPassword() } };
}

/** The ACL users a server or Sentinel knows in acl mode: the default user off, the admin with every right, the app as given. */
function aclUsers(c: Credentials, appRules: string): string[] {
  return ["user default off", `user ${ADMIN_USER} on >${c.admin.password} ~* &* +@all`, `user ${APP_USER} on >${c.app.password} ${appRules}`];
}

/** redis.conf directives of a data node: clients authenticate, and a replica authenticates to its master. */
export function serverAuthLines(c: Credentials): string[] {
  if (c.mode === "password") return [`requirepass ${c.admin.password}`, `masterauth ${c.admin.password}`];
  return [...aclUsers(c, appUserRules()), `masteruser ${ADMIN_USER}`, `masterauth ${c.admin.password}`];
}

/**
 * sentinel.conf directives: the Sentinel's own users (clients and the other Sentinels log in), and what it sends to
 * the servers it monitors and to the other Sentinels. They follow `sentinel monitor`, which they refer to.
 */
export function sentinelAuthLines(c: Credentials, master: string): string[] {
  if (c.mode === "password")
    return [`requirepass ${c.admin.password}`, `sentinel auth-pass ${master} ${c.admin.password}`, `sentinel sentinel-pass ${c.admin.password}`];
  return [
    ...aclUsers(c, sentinelAppUserRules()),
    `sentinel auth-user ${master} ${ADMIN_USER}`,
    `sentinel auth-pass ${master} ${c.admin.password}`,
    `sentinel sentinel-user ${ADMIN_USER}`,
    `sentinel sentinel-pass ${c.admin.password}`,
  ];
}
