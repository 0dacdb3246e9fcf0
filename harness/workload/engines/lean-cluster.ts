import calculateSlot from "cluster-key-slot";
import type { Timeline } from "../../measure/timeline.js";
import type { ClientSettings } from "../../topology/client-options.js";
import type { CommandClient, Connections, ReplyCallback } from "./command-client.js";
import { LeanConnection } from "./lean-connection.js";
import type { Address } from "./lean-pool.js";

const SLOTS = 16384;
/** A command is sent at most this many times (the first try and its redirections), as ioredis's maxRedirections. */
const MAX_REDIRECTIONS = 16;
/** The slot map is re-read at most this often, however many MOVED replies or lost connections ask for it. */
const REFRESH_EVERY_MS = 100;

export interface LeanClusterOptions {
  /** Where to ask for CLUSTER SLOTS first: the client link of every node. */
  seeds: Address[];
  /** The client link for an address a node announces (CLUSTER SLOTS, MOVED, ASK); undefined if it is none of ours. */
  resolve: (host: string, port: number) => Address | undefined;
  connections: number;
  settings: ClientSettings;
  timeline: Timeline;
}

const key = (a: Address) => `${a.host}:${a.port}`;
/** Each address once, in first-seen order. */
const distinct = (as: Array<Address | undefined>) => [...new Map(as.filter((a): a is Address => !!a).map((a) => [key(a), a])).values()];

/**
 * The lean engine on a Redis Cluster. Each of the workload's connections is a router: it computes the key's slot,
 * sends the command to the master the slot map names (one lean connection per master, per router, so a router's
 * commands to one node still leave in one write), and follows the cluster's redirections as a cluster client must:
 * MOVED updates the slot and re-sends there (and has the whole map re-read), ASK re-sends once to the importing node
 * behind ASKING. Both are counted (`followed`). Like the single-server pool it has no offline queue: a command to a
 * node that is unreachable fails at once, and the address is not tried again for the reconnect delay.
 */
export class LeanClusterPool implements Connections {
  readonly clients: SlotRouter[];
  writesOpen = true;
  /** Redirections this engine followed during the run. */
  readonly followed = { moved: 0, ask: 0 };
  /** Per slot, the master's client link (undefined until the map is read, or for an uncovered slot). */
  readonly slots: Array<Address | undefined> = new Array(SLOTS);
  private closed = false;
  private lastRefreshMs = -Infinity;
  private refreshing: Promise<void> | undefined;
  private refreshQueued: NodeJS.Timeout | undefined;
  readonly resolve: LeanClusterOptions["resolve"];

  constructor(private readonly o: LeanClusterOptions) {
    this.resolve = o.resolve;
    this.clients = Array.from({ length: o.connections }, () => new SlotRouter(this, o.settings));
  }

  async connect(): Promise<void> {
    await this.readSlots("start");
    // Every router connects to every master now, so that no command pays for a connection.
    await Promise.all(this.clients.flatMap((r) => distinct(this.slots).map((a) => r.connection(a))));
  }

  /** Re-reads the map soon (at most every REFRESH_EVERY_MS): after a MOVED, or when a master stopped answering. */
  refreshSoon(reason: string): void {
    if (this.closed || this.refreshing || this.refreshQueued) return;
    const wait = Math.max(0, this.lastRefreshMs + REFRESH_EVERY_MS - performance.now());
    this.refreshQueued = setTimeout(() => {
      this.refreshQueued = undefined;
      this.readSlots(reason).catch(() => {}); // no node answered: the next failure asks again
    }, wait);
    this.refreshQueued.unref();
  }

  /** CLUSTER SLOTS from the first node that answers, mapped to client links. */
  private readSlots(reason: string): Promise<void> {
    this.lastRefreshMs = performance.now();
    this.refreshing = (async () => {
      const candidates = distinct([...this.slots, ...this.o.seeds]);
      let lastError: unknown;
      for (const a of candidates) {
        try {
          const ranges = await clusterSlots(a, this.o.settings);
          const next: Array<Address | undefined> = new Array(SLOTS);
          for (const [start, end, master] of ranges) {
            const to = this.resolve(String(master[0]), Number(master[1]));
            if (!to) continue;
            for (let s = Number(start); s <= Number(end); s++) next[s] = to;
          }
          for (let s = 0; s < SLOTS; s++) this.slots[s] = next[s];
          this.o.timeline.add("client-slots-refreshed", { reason, from: key(a), covered: next.filter(Boolean).length, ...this.followed });
          return;
        } catch (err) {
          lastError = err;
        }
      }
      throw new Error(`lean engine: no cluster node answered CLUSTER SLOTS (${(lastError as Error)?.message ?? "no node known"})`);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The cluster's own authority moves slots: there is nothing to repoint but the map. */
  async repoint(): Promise<void> {
    await this.readSlots("repoint");
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refreshQueued);
    for (const r of this.clients) r.close();
  }
}

type SlotRange = [number, number, [string, number, ...unknown[]], ...unknown[]];

/** One CLUSTER SLOTS on a connection of its own (the map is read rarely: no need to keep it). */
async function clusterSlots(a: Address, settings: ClientSettings): Promise<SlotRange[]> {
  const c = await LeanConnection.open({ ...a, commandTimeoutMs: settings.commandTimeoutMs, connectTimeoutMs: settings.connectTimeoutMs });
  try {
    return await new Promise<SlotRange[]>((resolve, reject) =>
      c.call(["CLUSTER", "SLOTS"], (err, reply) => (err ? reject(err) : resolve(reply as SlotRange[]))),
    );
  } finally {
    c.close();
  }
}

/** `MOVED 3999 127.0.0.1:6381` / `ASK 3999 127.0.0.1:6381`: the kind, the slot and where to go. */
export function parseRedirection(message: string): { kind: "MOVED" | "ASK"; slot: number; host: string; port: number } | undefined {
  const m = /^(MOVED|ASK) (\d+) (.*):(\d+)$/.exec(message);
  return m ? { kind: m[1] as "MOVED" | "ASK", slot: Number(m[2]), host: m[3], port: Number(m[4]) } : undefined;
}

/** One of the workload's connections to the cluster: a lean connection per master, chosen by the key's slot. */
export class SlotRouter implements CommandClient {
  private readonly conns = new Map<string, LeanConnection>();
  private readonly opening = new Map<string, Promise<LeanConnection>>();
  /** Addresses whose connection was lost, and until when they are not tried again (with what lost them). */
  private readonly down = new Map<string, { untilMs: number; err: Error }>();

  constructor(
    private readonly pool: LeanClusterPool,
    private readonly settings: ClientSettings,
  ) {}

  get(k: string | Buffer, cb: ReplyCallback): void {
    this.send(calculateSlot(k), (c, done) => c.get(k, done), cb, 0);
  }

  set(k: string | Buffer, value: string | Buffer, cb: ReplyCallback): void {
    this.send(calculateSlot(k), (c, done) => c.set(k, value, done), cb, 0);
  }

  append(k: string | Buffer, value: string | Buffer, cb: ReplyCallback): void {
    this.send(calculateSlot(k), (c, done) => c.append(k, value, done), cb, 0);
  }

  incr(k: string | Buffer, cb: ReplyCallback): void {
    this.send(calculateSlot(k), (c, done) => c.incr(k, done), cb, 0);
  }

  /** A connection to `a`, opened if need be (what connect() warms up). */
  connection(a: Address): Promise<LeanConnection> {
    const k = key(a);
    const open = this.conns.get(k);
    if (open) return Promise.resolve(open);
    let p = this.opening.get(k);
    if (!p) {
      p = LeanConnection.open({ ...a, commandTimeoutMs: this.settings.commandTimeoutMs, connectTimeoutMs: this.settings.connectTimeoutMs });
      this.opening.set(k, p);
      p.then(
        (c) => {
          this.opening.delete(k);
          this.conns.set(k, c);
          c.onClose = (err) => this.lost(k, c, err);
        },
        (err) => {
          this.opening.delete(k);
          this.markDown(k, err);
        },
      );
    }
    return p;
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    for (const p of this.opening.values())
      p.then(
        (c) => c.close(),
        () => {},
      );
  }

  /**
   * Sends to the slot's master (or to `to`, for an ASK, behind ASKING on the same connection: replies come in order),
   * and follows what the reply redirects.
   */
  private send(slot: number, write: (c: LeanConnection, done: ReplyCallback) => void, cb: ReplyCallback, tries: number, to?: Address): void {
    const a = to ?? this.pool.slots[slot];
    if (!a) {
      this.pool.refreshSoon("uncovered slot");
      process.nextTick(() => cb(new Error(`CLUSTERDOWN Hash slot not served (no master known for slot ${slot})`)));
      return;
    }
    const k = key(a);
    const down = this.down.get(k);
    if (down && performance.now() < down.untilMs) {
      process.nextTick(() => cb(down.err));
      return;
    }
    const done: ReplyCallback = (err, reply) => {
      const r = err && tries < MAX_REDIRECTIONS ? parseRedirection(err.message) : undefined;
      if (!r) return cb(err, reply);
      const next = this.pool.resolve(r.host, r.port);
      if (!next) return cb(err, reply);
      if (r.kind === "MOVED") {
        this.pool.followed.moved++;
        this.pool.slots[r.slot] = next;
        this.pool.refreshSoon("MOVED");
        this.send(slot, write, cb, tries + 1);
      } else {
        this.pool.followed.ask++;
        this.send(slot, write, cb, tries + 1, next);
      }
    };
    const go = (c: LeanConnection) => {
      if (to) c.call(["ASKING"], () => {});
      write(c, done);
    };
    const c = this.conns.get(k);
    if (c) go(c);
    else this.connection(a).then(go, (err) => cb(err));
  }

  private lost(k: string, c: LeanConnection, err: Error): void {
    if (this.conns.get(k) === c) this.conns.delete(k);
    this.markDown(k, err);
  }

  private markDown(k: string, err: Error): void {
    this.down.set(k, { untilMs: performance.now() + this.settings.reconnectDelayMs, err });
    this.pool.refreshSoon("lost a master");
  }
}
