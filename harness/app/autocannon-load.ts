import autocannon from "autocannon";
import { ERROR_CLASSES, type ErrorClass } from "../measure/errors.js";
import type { OpKind, OpOutcome } from "../measure/op-stats.js";
import { pollUntil } from "../infra/poll.js";
import { ConnectionSchedule } from "./connection-schedule.js";

export interface AppLoadOptions {
  /** The app's base URL (loopback). */
  baseUrl: string;
  /** Requests per second, all connections together. */
  rate: number;
  readRatio: number;
  /** HTTP request timeout, seconds (autocannon's `timeout`). */
  timeoutS: number;
}

export interface AppLoadCounts {
  connections: number;
  instances: number;
  /** The share of connections that read: whole instances read or write, so it moves in steps of one instance. */
  readShare: number;
  /** Responses by HTTP status, plus "timeout" and "connection error" for requests that got none. */
  httpStatus: Record<string, number>;
  /** Requests still unanswered a while after the load stopped: recorded as timeouts at that moment. */
  unfinished: number;
}

export interface AppLoad {
  stop(): Promise<AppLoadCounts>;
}

/** Instances whose per-second ticks interleave: more spread the requests more evenly over each second. */
const MAX_INSTANCES = 20;
/** After the load stops, how long requests in flight get to finish (the app's Redis calls time out well before). */
const DRAIN_MS = 3000;

/**
 * Drives the app at a constant rate with autocannon: one request per second per connection (autocannon's
 * `connectionRate: 1`), `rate` connections split over up to 20 autocannon instances started evenly across the first
 * second, so their ticks interleave; readers and writers are whole instances, so every response's kind is known.
 * autocannon's own latency correction is off: each connection's requests go through a ConnectionSchedule into `record`,
 * timed on the run clock from their intended start, on a grid from its instance's intended start (not from when its
 * timer fired).
 */
export function startAppLoad(o: AppLoadOptions, clock: () => number, record: (op: OpOutcome) => void): AppLoad {
  const instances = Math.max(1, Math.min(MAX_INSTANCES, o.rate));
  const startMs = clock();
  const originOf = (i: number) => startMs + (i * 1000) / instances;
  const connectionsOf = (i: number) => Math.floor(o.rate / instances) + (i < o.rate % instances ? 1 : 0);
  let readers = 0;
  for (let i = 0; i < instances; i++) if (isReader(i, instances, o.readRatio)) readers += connectionsOf(i);
  const counts: AppLoadCounts = { connections: o.rate, instances, readShare: readers / o.rate, httpStatus: {}, unfinished: 0 };
  // Once the load has stopped nothing more is counted: requests sent after it are no part of the run.
  let closed = false;
  const count = (key: string) => {
    if (!closed) counts.httpStatus[key] = (counts.httpStatus[key] ?? 0) + 1;
  };
  const schedules: ConnectionSchedule[] = [];
  const running: autocannon.Instance[] = [];
  const finished: Array<Promise<void>> = [];
  let stopped = false;

  // autocannon's Client emits request/body/timeout/connError too; its typings list only some events.
  const attach = (client: NodeJS.EventEmitter, kind: OpKind, originMs: number) => {
    const s = new ConnectionSchedule(kind, originMs, o.timeoutS * 1000);
    schedules.push(s);
    let body = "";
    const done = (error?: ErrorClass) => {
      if (closed) return;
      const op = s.finished(clock(), error);
      if (op) record(op);
      body = "";
      queueMicrotask(() => s.settle()); // autocannon sends the next request, if one is due, in this same turn
    };
    client.on("request", () => {
      if (!stopped) for (const op of s.sent(clock())) record(op);
    });
    client.on("body", (chunk: Buffer) => (body += chunk.toString()));
    // Only answers to recorded requests count (not those autocannon sends after the load stopped).
    client.on("response", (status: number) => {
      if (!s.busy) return;
      count(String(status));
      done(status >= 200 && status < 300 ? undefined : classOf(status, body));
    });
    // autocannon has already resent when it says "timeout": the request event recorded the abandoned one.
    client.on("timeout", () => !stopped && count("timeout"));
    client.on("connError", () => {
      if (!s.busy) return;
      count("connection error");
      done("connection");
    });
  };

  const startInstance = (i: number) => {
    if (stopped) return;
    const kind: OpKind = isReader(i, instances, o.readRatio) ? "read" : "write";
    const connections = connectionsOf(i);
    finished.push(
      new Promise<void>((resolve) => {
        running.push(
          autocannon(
            {
              url: `${o.baseUrl}${kind === "read" ? "/read" : "/write"}`,
              method: kind === "read" ? "GET" : "POST",
              connections,
              connectionRate: 1,
              pipelining: 1,
              duration: 24 * 3600, // stopped by stop()
              timeout: o.timeoutS,
              ignoreCoordinatedOmission: true,
              setupClient: (c) => attach(c, kind, originOf(i)),
            },
            () => resolve(),
          ),
        );
      }),
    );
  };
  const timers = Array.from({ length: instances }, (_, i) => setTimeout(() => startInstance(i), Math.max(0, originOf(i) - clock())));

  return {
    async stop() {
      // No new request counts from here; those in flight get a moment to finish, and what is still unanswered then
      // failed at that moment (latency up to the failure, as for any timed-out operation).
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await pollUntil(async () => (schedules.some((s) => s.busy) ? undefined : true), { timeoutMs: DRAIN_MS, intervalMs: 20 });
      closed = true;
      const now = clock();
      for (const s of schedules) {
        const op = s.finished(now, "timeout");
        if (op) {
          record(op);
          counts.unfinished++;
        }
      }
      for (const r of running) r.stop();
      await Promise.all(finished);
      return counts;
    },
  };
}

/** Interleaves reader instances among writers so that `readRatio` of the instances read. */
export function isReader(i: number, instances: number, readRatio: number): boolean {
  return Math.floor((i + 1) * readRatio) > Math.floor(i * readRatio);
}

/** The app names the Redis error class in its 5xx body; anything else is the app's own failure. */
function classOf(status: number, body: string): ErrorClass {
  const named = ERROR_CLASSES.find((c) => c === body.trim());
  if (named) return named;
  return status === 504 ? "timeout" : "other";
}
