/** Node's callback convention: an error, or the reply. */
export type ReplyCallback = (err: Error | null | undefined, reply?: unknown) => void;

/**
 * What a workload asks of a connection, whichever engine runs it: ioredis's clients (Redis, Cluster) take a callback
 * as their last argument and so are CommandClients as they are; the lean engine's connections are written to it.
 */
export interface CommandClient {
  get(key: string | Buffer, cb: ReplyCallback): unknown;
  set(key: string | Buffer, value: string | Buffer, cb: ReplyCallback): unknown;
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
