import type { RedisOptions } from "ioredis";
import { accessOptions, OPEN_ACCESS, type ClientAccess } from "../security/run-security.js";
import { z } from "zod";

/**
 * ioredis defaults changed between majors (v6: exponential reconnect backoff up to 5 s, keepAlive 30 s) and they
 * shape the RTO a user sees, so the harness pins every option that matters and prints them in the report.
 */
export interface ClientSettings {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectDelayMs: number;
  maxRetriesPerRequest: number;
  enableOfflineQueue: boolean;
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
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  enableAutoPipelining: false,
  keepAliveMs: 1000,
  protocol: 2,
  failoverDetector: true,
};

/** A scenario's `client` section: any of the settings, the rest at their pinned defaults. */
export const clientSchema = z
  .object({
    commandTimeoutMs: z.number().int().positive(),
    connectTimeoutMs: z.number().int().positive(),
    reconnectDelayMs: z.number().int().nonnegative(),
    maxRetriesPerRequest: z.number().int().nonnegative(),
    enableOfflineQueue: z.boolean(),
    enableAutoPipelining: z.boolean(),
    keepAliveMs: z.number().int().nonnegative(),
    protocol: z.union([z.literal(2), z.literal(3)]),
    failoverDetector: z.boolean(),
  })
  .partial()
  .strict()
  .transform((c): ClientSettings => ({ ...DEFAULT_CLIENT_SETTINGS, ...c }));

/** ioredis options from the settings, and the application's login and TLS on a secured topology. */
export function toRedisOptions(s: ClientSettings, access: ClientAccess = OPEN_ACCESS): RedisOptions {
  return {
    ...accessOptions(access),
    commandTimeout: s.commandTimeoutMs,
    connectTimeout: s.connectTimeoutMs,
    retryStrategy: () => s.reconnectDelayMs,
    maxRetriesPerRequest: s.maxRetriesPerRequest,
    enableOfflineQueue: s.enableOfflineQueue,
    enableAutoPipelining: s.enableAutoPipelining,
    keepAlive: s.keepAliveMs,
    protocol: s.protocol,
    lazyConnect: true,
    disableClientInfo: true,
  };
}
