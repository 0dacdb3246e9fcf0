/**
 * Every failed operation gets one named class (docs/design.md, "Latency"). The classes are what a reader of a report
 * needs to tell a failover (READONLY, connection) from a slow server (timeout) from a cluster problem.
 */
export const ERROR_CLASSES = ["timeout", "connection", "READONLY", "CLUSTERDOWN", "NOREPLICAS", "LOADING", "MOVED_ASK_EXHAUSTED", "OOM", "other"] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

const SERVER_PREFIXES: ReadonlyArray<[string, ErrorClass]> = [
  ["READONLY", "READONLY"],
  ["CLUSTERDOWN", "CLUSTERDOWN"],
  ["NOREPLICAS", "NOREPLICAS"],
  ["LOADING", "LOADING"],
  // A write refused past maxmemory (noeviction, or a volatile policy with nothing to evict).
  ["OOM", "OOM"],
  ["MASTERDOWN", "connection"],
];

export function classifyError(err: unknown): ErrorClass {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | null)?.code;
  for (const [prefix, cls] of SERVER_PREFIXES) if (message.startsWith(prefix)) return cls;
  // node-redis's TimeoutError has no message: its name is the class.
  if (/timed? ?out/i.test(message) || code === "ETIMEDOUT" || (err as object | null)?.constructor?.name === "TimeoutError") return "timeout";
  if (/Too many Cluster redirections/i.test(message)) return "MOVED_ASK_EXHAUSTED";
  if (
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    // ioredis's texts, then node-redis's (a closed or offline client, a socket gone, its queue full while disconnected).
    /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|max retries per request|enableOfflineQueue|client is closed|client is offline|Socket closed unexpectedly|queue is full|root nodes are unavailable/i.test(
      message,
    )
  ) {
    return "connection";
  }
  return "other";
}

export type ErrorCounts = Record<ErrorClass, number>;

export function emptyErrorCounts(): ErrorCounts {
  return Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as ErrorCounts;
}

export function totalErrors(counts: ErrorCounts): number {
  return ERROR_CLASSES.reduce((n, c) => n + counts[c], 0);
}
