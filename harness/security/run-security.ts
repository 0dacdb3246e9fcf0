import { BadInputError } from "../infra/errors.js";
import { AUTH_MODES, ADMIN_USER, makeCredentials, type AuthMode, type Credentials, type Login } from "./credentials.js";
import { clientTls, cliTlsArgs, makeTlsMaterial, TLS_FILES, type ClientTls, type TlsMaterial } from "./tls.js";

/** A scenario's `security` section: how clients authenticate, and whether every link is TLS. */
export interface SecuritySpec {
  auth: AuthMode;
  tls: boolean;
}
export const UNSECURED: SecuritySpec = { auth: "none", tls: false };

/** One run's secrets, made when its deployment starts: the logins and the TLS material (null where not asked for). */
export interface RunSecurity {
  auth: Credentials | null;
  tls: TlsMaterial | null;
}

/** How one client reaches a server: the login it sends (AUTH) and the TLS it speaks. Both null on an unsecured topology. */
export interface ClientAccess {
  login: Login | null;
  tls: ClientTls | null;
}
export const OPEN_ACCESS: ClientAccess = { login: null, tls: null };

/** Where a container finds its auth directives: a file copied in, so they are not on any command line or in the config the report shows. */
export const AUTH_FILE = "/etc/redis-chaos/auth.conf";

/**
 * The run's security: credentials (made per run, or HARNESS_REDIS_PASSWORD) and, with TLS, a CA and certificates whose
 * names are where clients dial: `ips` (127.0.0.1, the fault layer's address) and `names` (the fault layer's alias).
 */
export async function makeRunSecurity(spec: SecuritySpec, at: { names: string[]; ips: string[] }, env: NodeJS.ProcessEnv = process.env): Promise<RunSecurity> {
  return { auth: makeCredentials(spec.auth, env), tls: spec.tls ? await makeTlsMaterial(at.names, at.ips) : null };
}

/** The files a secured container gets: its auth directives, and with TLS the CA and the servers' certificate and key. */
export function containerFiles(sec: RunSecurity, authLines: string[]): Array<{ content: string; target: string; mode: number }> {
  return [
    ...(sec.auth ? [{ content: `${authLines.join("\n")}\n`, target: AUTH_FILE, mode: 0o600 }] : []),
    ...(sec.tls
      ? [
          { content: sec.tls.ca, target: TLS_FILES.ca, mode: 0o644 },
          { content: sec.tls.server.cert, target: TLS_FILES.cert, mode: 0o644 },
          { content: sec.tls.server.key, target: TLS_FILES.key, mode: 0o600 },
        ]
      : []),
  ];
}

const access = (sec: RunSecurity, login: Login | null): ClientAccess => ({ login, tls: sec.tls ? clientTls(sec.tls) : null });
/** The harness's own control connections: the admin login (acl mode), or the one password. */
export const adminAccess = (sec: RunSecurity): ClientAccess => access(sec, sec.auth?.admin ?? null);
/** The application's: the workload, the app tier, calibration. */
export const appAccess = (sec: RunSecurity): ClientAccess => access(sec, sec.auth?.app ?? null);

/** ioredis options (and the lean engine's address fields) of an access: the login and the TLS options. */
export function accessOptions(a: ClientAccess): { username?: string; password?: string; tls?: ClientTls } {
  return {
    ...(a.login?.username ? { username: a.login.username } : {}),
    ...(a.login ? { password: a.login.password } : {}),
    ...(a.tls ? { tls: a.tls } : {}),
  };
}

/** redis-cli inside a container (cluster creation, resharding): its flags, and the password in its environment, never its command line. */
export function cliInvocation(sec: RunSecurity): { args: string[]; env: Record<string, string> } {
  return {
    args: [...(sec.tls ? cliTlsArgs() : []), ...(sec.auth?.admin.username ? ["--user", ADMIN_USER] : [])],
    env: sec.auth ? { REDISCLI_AUTH: sec.auth.admin.password } : {},
  };
}

/** Every secret of a run: the passwords and the private keys. */
export function secretsOf(sec: RunSecurity): string[] {
  return [...(sec.auth ? [sec.auth.app.password, sec.auth.admin.password] : []), ...(sec.tls ? [sec.tls.server.key, sec.tls.client.key] : [])];
}

/** `text` with every secret blanked: for what a server printed, before it goes into an error message. */
export function redact(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => (s ? t.split(s).join("[secret]") : t), text);
}

/** How the report names a security spec ("acl+tls", "password", "none"). */
export function securityLabel(s: SecuritySpec): string {
  return [s.auth !== "none" ? s.auth : "", s.tls ? "tls" : ""].filter(Boolean).join("+") || "none";
}

/** Parses a label back ("acl+tls", "password", "tls", "none"): the command line's --security. */
export function parseSecurityLabel(label: string): SecuritySpec | null {
  const parts = label.split("+");
  const auth = parts.filter((p) => p !== "tls");
  if (parts.length > 2 || auth.length > 1 || parts.filter((p) => p === "tls").length > 1) return null;
  const mode = auth[0] ?? "none";
  // "none" stands alone: TLS without a login is spelled "tls".
  if (!(AUTH_MODES as readonly string[]).includes(mode) || (auth[0] === "none" && parts.length > 1)) return null;
  return { auth: mode as AuthMode, tls: parts.includes("tls") };
}

/**
 * A secured run with ioredis's debug output on (DEBUG=ioredis:*, or *) would print every AUTH with its password on
 * stderr: refused before anything starts.
 */
export function refuseLeakingDebug(spec: SecuritySpec, env: NodeJS.ProcessEnv = process.env): void {
  const debug = env.DEBUG ?? "";
  const on = debug.split(/[\s,]+/).some((p) => p === "*" || p.startsWith("ioredis"));
  if (spec.auth !== "none" && on)
    throw new BadInputError(
      `DEBUG=${debug} turns on ioredis's debug output, which prints the password of every AUTH; this run is secured (${securityLabel(spec)}).`,
      "Unset DEBUG (or leave ioredis out of it) for a secured run, or run it unsecured to debug the client.",
    );
}
