import type { RedisOptions } from "ioredis";
import { accessOptions, OPEN_ACCESS, type ClientAccess } from "../security/run-security.js";
import { z } from "zod";

/**
 * ioredis defaults changed between majors (v6: exponential reconnect backoff up to 5 s, keepAlive 30 s) and they
 * shape the RTO a user sees, so the harness pins every option that matters and prints them in the report.
 */
export interface ClientSettings {
  /** A command without a reply after this long fails (ioredis commandTimeout, node-redis commandOptions.timeout); 0: never (both libraries' default). */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** The first reconnection delay; how later ones grow is reconnectBackoff's, up to reconnectMaxDelayMs. */
  reconnectDelayMs: number;
  /**
   * fixed: always reconnectDelayMs; linear: attempt × it (ioredis 5's default, 50 ms steps); exponential: it × 2^(attempt−1)
   * (ioredis 6's and node-redis's, from 50 ms). One schedule for every retry a client makes: its connection's, and
   * its Sentinel or cluster client's (ioredis's own defaults for those differ a little).
   */
  reconnectBackoff: "fixed" | "linear" | "exponential";
  reconnectMaxDelayMs: number;
  /** A random 0..this added to every delay, so that clients cut off together do not come back together (ioredis #1854; 200 ms in ioredis 6 and node-redis). */
  reconnectJitterMs: number;
  /** ioredis: reconnections a command waits through before it fails (null: forever). node-redis has no such setting. */
  maxRetriesPerRequest: number | null;
  /** Commands issued while disconnected wait for the connection (ioredis enableOfflineQueue; node-redis !disableOfflineQueue), or fail at once. */
  enableOfflineQueue: boolean;
  /** node-redis: commands queued beyond this fail at once (null: no limit). ioredis has no such setting. */
  commandsQueueMaxLength: number | null;
  /** ioredis reconnectOnError: on a READONLY reply (a master demoted under the client), reconnect and resend the command. */
  reconnectOnReadonly: boolean;
  enableAutoPipelining: boolean;
  keepAliveMs: number;
  protocol: 2 | 3;
  /**
   * Sentinel clients: subscribe to +switch-master on the Sentinels and drop the connection when it comes (ioredis's
   * failoverDetector, off by ioredis's default): without it a client does not notice a failover away from a master that
   * hangs rather than dies (ioredis #1314).
   */
  failoverDetector: boolean;
}

export const DEFAULT_CLIENT_SETTINGS: ClientSettings = {
  commandTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  reconnectDelayMs: 100,
  reconnectBackoff: "fixed",
  reconnectMaxDelayMs: 2000,
  reconnectJitterMs: 0,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  commandsQueueMaxLength: null,
  reconnectOnReadonly: false,
  enableAutoPipelining: false,
  keepAliveMs: 1000,
  protocol: 2,
  failoverDetector: true,
};

/** The delay before reconnection attempt `attempt` (1, 2, …), as the settings' backoff and jitter make it. */
export function reconnectDelay(s: ClientSettings, attempt: number, random: () => number = Math.random): number {
  const n = Math.max(1, attempt);
  const base =
    s.reconnectBackoff === "fixed"
      ? s.reconnectDelayMs
      : Math.min(s.reconnectMaxDelayMs, s.reconnectBackoff === "linear" ? n * s.reconnectDelayMs : s.reconnectDelayMs * 2 ** Math.min(n - 1, 30));
  return Math.round(base + random() * s.reconnectJitterMs);
}

/** Any of the settings, as a scenario's `client` section or a client profile gives them (client-profiles.ts). */
export const clientFieldsSchema = z
  .object({
    commandTimeoutMs: z.number().int().nonnegative(),
    connectTimeoutMs: z.number().int().positive(),
    reconnectDelayMs: z.number().int().nonnegative(),
    reconnectBackoff: z.enum(["fixed", "linear", "exponential"]),
    reconnectMaxDelayMs: z.number().int().nonnegative(),
    reconnectJitterMs: z.number().int().nonnegative(),
    maxRetriesPerRequest: z.number().int().nonnegative().nullable(),
    enableOfflineQueue: z.boolean(),
    commandsQueueMaxLength: z.number().int().positive().nullable(),
    reconnectOnReadonly: z.boolean(),
    enableAutoPipelining: z.boolean(),
    keepAliveMs: z.number().int().nonnegative(),
    protocol: z.union([z.literal(2), z.literal(3)]),
    failoverDetector: z.boolean(),
  })
  .partial()
  .strict();

/** A scenario's `client` section: any of the settings, the rest at their pinned defaults. */
export const clientSchema = clientFieldsSchema.transform((c): ClientSettings => ({ ...DEFAULT_CLIENT_SETTINGS, ...c }));

/** ioredis options from the settings, and the application's login and TLS on a secured topology. */
export function toRedisOptions(s: ClientSettings, access: ClientAccess = OPEN_ACCESS): RedisOptions {
  return {
    ...accessOptions(access),
    ...(s.commandTimeoutMs > 0 ? { commandTimeout: s.commandTimeoutMs } : {}),
    connectTimeout: s.connectTimeoutMs,
    retryStrategy: (times) => reconnectDelay(s, times),
    maxRetriesPerRequest: s.maxRetriesPerRequest,
    // 2: reconnect, then resend the command that met READONLY (ioredis's documented recipe for a demoted master).
    ...(s.reconnectOnReadonly ? { reconnectOnError: (err: Error) => (err.message.startsWith("READONLY") ? 2 : false) } : {}),
    enableOfflineQueue: s.enableOfflineQueue,
    enableAutoPipelining: s.enableAutoPipelining,
    keepAlive: s.keepAliveMs,
    protocol: s.protocol,
    lazyConnect: true,
    disableClientInfo: true,
  };
}
