import type { Timeline } from "../../measure/timeline.js";

/** Node's callback convention: an error, or the reply. */
export type ReplyCallback = (err: Error | null | undefined, reply?: unknown) => void;

/**
 * What a workload asks of a connection, whichever engine runs it: ioredis's clients (Redis, Cluster) take a callback
 * as their last argument and so are CommandClients as they are; the lean engine's connections are written to it.
 */
export interface CommandClient {
  get(key: string | Buffer, cb: ReplyCallback): unknown;
  set(key: string | Buffer, value: string | Buffer, cb: ReplyCallback): unknown;
  /** The ledger's write: on a fresh key it is SET, and a write applied twice shows as its value twice. */
  append(key: string | Buffer, value: string | Buffer, cb: ReplyCallback): unknown;
  incr(key: string | Buffer, cb: ReplyCallback): unknown;
}

/**
 * A workload's set of connections, whichever engine opened them: the issuers spread operations over `clients`; a
 * runbook closes the gate on writes and repoints them to a new primary.
 */
export interface Connections {
  readonly clients: CommandClient[];
  writesOpen: boolean;
  /** New connections to the primary as the topology names it now; the old ones finish what they have. */
  repoint(): Promise<void>;
  close(): void;
}

/** What a library's client emits that the pools watch (ioredis and node-redis name these events alike). */
interface ClientEvents {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- both libraries type listeners loosely
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Puts a client's losses and recoveries on the timeline, once per transition (not per retry), and its end when the
 * client gave up on its own (`retired`: the harness closed it on purpose). Each command sees its own error.
 */
export function watchTransitions(c: ClientEvents, i: number, timeline: Timeline, retired: () => boolean): void {
  let up = false;
  let lastError = "";
  c.on("error", (e: Error) => (lastError = e.message));
  c.on("ready", () => {
    if (!up) timeline.add("client-ready", { client: i });
    up = true;
  });
  c.on("reconnecting", () => {
    if (up) timeline.add("client-reconnecting", { client: i });
    up = false;
  });
  // A client can end on its own (ioredis's Sentinel client does when +switch-master reaches its failover detector
  // while it is between attempts): from then on every command fails at once, and the report must say why.
  c.on("end", () => {
    if (!retired()) timeline.add("client-gave-up", { client: i, lastError });
  });
}
