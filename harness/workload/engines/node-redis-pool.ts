import { createClient, createCluster, createSentinel, type RedisClientOptions } from "redis";
import type { Timeline } from "../../measure/timeline.js";
import type { ClientAccess } from "../../security/run-security.js";
import { reconnectDelay, type ClientSettings } from "../../topology/client-options.js";
import { reachedAt } from "../../topology/fault-layer.js";
import type { Topology } from "../../topology/types.js";
import { watchTransitions, type CommandClient, type Connections, type ReplyCallback } from "./command-client.js";
import type { SingleConnection } from "./index.js";
import type { Address } from "./lean-pool.js";
import { linkOf } from "./lean-target.js";

/** What the pool needs of a node-redis client, standalone, Sentinel or cluster alike. */
interface NodeRedisConnection {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  append(key: string, value: string): Promise<unknown>;
  incr(key: string): Promise<unknown>;
  connect(): Promise<unknown>;
  destroy(): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** node-redis's socket and queue options from the settings (and the login and TLS of a secured topology). */
export function nodeRedisOptions(s: ClientSettings, access: ClientAccess): RedisClientOptions<never, never, never, 2 | 3> {
  return {
    socket: {
      connectTimeout: s.connectTimeoutMs,
      keepAlive: s.keepAliveMs > 0,
      ...(s.keepAliveMs > 0 ? { keepAliveInitialDelay: s.keepAliveMs } : {}),
      // node-redis counts attempts from 0; the settings' backoff from 1.
      reconnectStrategy: (retries: number) => reconnectDelay(s, retries + 1),
      ...(access.tls ? { tls: true as const, ca: access.tls.ca, cert: access.tls.cert, key: access.tls.key } : {}),
    },
    disableOfflineQueue: !s.enableOfflineQueue,
    ...(s.commandsQueueMaxLength !== null ? { commandsQueueMaxLength: s.commandsQueueMaxLength } : {}),
    // node-redis 6 times commands out after 5 s unless told otherwise; 0 here means no timeout, as for ioredis.
    commandOptions: { timeout: s.commandTimeoutMs > 0 ? s.commandTimeoutMs : undefined },
    ...(access.login ? { password: access.login.password, ...(access.login.username ? { username: access.login.username } : {}) } : {}),
    RESP: s.protocol,
  };
}

/** The client link behind an address a node announces (what Sentinel and CLUSTER SLOTS name), as host:port. */
function announcedAddressMap(topology: Topology): (address: string) => { host: string; port: number } | undefined {
  const byAddress = new Map<string, { host: string; port: number }>();
  for (const [name, a] of topology.announced) {
    const link = topology.clientLinks.get(name);
    if (link) byAddress.set(`${a.host}:${a.port}`, reachedAt(link));
  }
  return (address) => byAddress.get(address);
}

/** One node-redis client as the topology's users would open it, by the route it declares: createSentinel, createCluster, or createClient to the primary. */
async function openOne(topology: Topology, to: "primary" | "replica", s: ClientSettings): Promise<NodeRedisConnection> {
  const options = nodeRedisOptions(s, topology.access);
  const route = topology.route;
  if (route.by === "sentinels") {
    const { commandOptions, ...nodeOptions } = options;
    return createSentinel({
      name: route.masterName,
      sentinelRootNodes: topology.sentinels.map((n) => reachedAt(topology.clientLinks.get(n.name)!)),
      nodeAddressMap: announcedAddressMap(topology),
      nodeClientOptions: nodeOptions,
      sentinelClientOptions: nodeOptions,
      masterPoolSize: 1,
      replicaPoolSize: to === "replica" ? 1 : 0,
      passthroughClientErrorEvents: true,
      commandOptions,
    }) as unknown as NodeRedisConnection;
  }
  if (route.by === "slots") {
    const { commandOptions, ...defaults } = options;
    return createCluster({
      rootNodes: topology.nodes.map((n) => ({ socket: reachedAt(topology.clientLinks.get(n.name)!) })),
      defaults,
      nodeAddressMap: announcedAddressMap(topology),
      useReplicas: to === "replica",
      maxCommandRedirections: 16,
      commandOptions,
    }) as unknown as NodeRedisConnection;
  }
  const primary = await topology.primary();
  const node = to === "replica" ? (await topology.replicasOf(primary))[0] : primary;
  if (!node) throw new Error(`the ${topology.kind} topology has no replica to read from right now`);
  const { host, port } = linkOf(topology, node.name);
  return createClient({ ...options, socket: { ...options.socket, host, port } }) as unknown as NodeRedisConnection;
}

const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString() : v);

const reply = (p: Promise<unknown>, cb: ReplyCallback) =>
  void p.then(
    (v) => cb(null, text(v)),
    (err: Error) => cb(err),
  );

/** node-redis's promises as the workload's callbacks. */
function asCommandClient(c: NodeRedisConnection): CommandClient {
  return {
    get: (k, cb) => reply(c.get(String(k)), cb),
    set: (k, v, cb) => reply(c.set(String(k), String(v)), cb),
    append: (k, v, cb) => reply(c.append(String(k), String(v)), cb),
    incr: (k, cb) => reply(c.incr(String(k)), cb),
  };
}

/** One plain node-redis client to one address: what the instrument's calibration times PINGs over. */
export async function nodeRedisConnection(a: Address, s: ClientSettings): Promise<SingleConnection> {
  const { tls, username, password, host, port } = a;
  const options = nodeRedisOptions(s, { login: password === undefined ? null : { ...(username ? { username } : {}), password }, tls: tls ?? null });
  const c = createClient({ ...options, socket: { ...options.socket, host, port } });
  c.on("error", () => {}); // each command sees its own error
  await c.connect();
  return { ...asCommandClient(c as unknown as NodeRedisConnection), ping: (cb) => reply(c.ping(), cb), close: () => void c.destroy() };
}

/**
 * The workload's connections through node-redis (the `redis` package), the other client users pick: each connection a
 * client of its own, opened the way an application opens it for the topology (createSentinel, createCluster or
 * createClient to the primary), with the scenario's settings mapped to node-redis's (client-options.ts says which).
 * Connection losses and recoveries go on the timeline, once per transition.
 */
export class NodeRedisPool implements Connections {
  clients: CommandClient[] = [];
  writesOpen = true;
  private open: NodeRedisConnection[] = [];
  private readonly retired = new WeakSet<NodeRedisConnection>();

  constructor(
    private readonly topology: Topology,
    private readonly to: "primary" | "replica",
    private readonly size: number,
    private readonly settings: ClientSettings,
    private readonly timeline: Timeline,
  ) {}

  async connect(): Promise<void> {
    this.open = await this.openAll();
    this.clients = this.open.map(asCommandClient);
  }

  private async openAll(): Promise<NodeRedisConnection[]> {
    const conns = await Promise.all(Array.from({ length: this.size }, () => openOne(this.topology, this.to, this.settings)));
    conns.forEach((c, i) => this.watch(c, i));
    try {
      await Promise.all(conns.map((c) => c.connect()));
    } catch (err) {
      for (const c of conns) this.retire(c);
      throw err;
    }
    return conns;
  }

  private watch(c: NodeRedisConnection, i: number): void {
    watchTransitions(c, i, this.timeline, () => this.retired.has(c));
  }

  private retire(c: NodeRedisConnection): void {
    this.retired.add(c);
    try {
      c.destroy();
    } catch {
      // already closed
    }
  }

  /** New clients to the primary as the topology names it now; the old ones are closed. */
  async repoint(): Promise<void> {
    const old = this.open;
    this.open = await this.openAll();
    this.clients = this.open.map(asCommandClient);
    this.timeline.add("clients-repointed", { connections: this.size });
    for (const c of old) this.retire(c);
  }

  close(): void {
    for (const c of this.open) this.retire(c);
  }
}
