import { Redis } from "ioredis";
import { serverAuthLines } from "../security/credentials.js";
import { accessOptions, adminAccess, AUTH_FILE, containerFiles, redact, secretsOf, type ClientAccess, type RunSecurity } from "../security/run-security.js";
import { tlsDirectives } from "../security/tls.js";
import { infoNumber, parseInfo } from "./info.js";
import type { NodeControl } from "./node-control.js";
import { ContainerControl } from "./container-control.js";
import type { NodeContainerSpec, Site, SiteContainer } from "./site.js";

export const REDIS_PORT = 6379;
/** A cluster node's bus listens this far above its port (Redis's default cluster-port). */
export const CLUSTER_BUS_OFFSET = 10000;

/**
 * Settings every node gets, before the scenario's own: no persistence unless asked for (a fault decides when to
 * fork), DEBUG enabled so datasets load on the server side, reachable from the project's network.
 */
export const BASE_CONFIG: Readonly<Record<string, string>> = {
  port: String(REDIS_PORT),
  bind: "0.0.0.0",
  "protected-mode": "no",
  save: "",
  appendonly: "no",
  dir: "/data",
  "enable-debug-command": "yes",
};

/** redis-server's command line; a secured node reads its auth directives from AUTH_FILE, never from this line. */
export function serverArgs(config: Record<string, string>, secured = false): string[] {
  const merged = { ...BASE_CONFIG, ...config };
  return ["redis-server", ...(secured ? [AUTH_FILE] : []), ...Object.entries(merged).flatMap(([k, v]) => [`--${k}`, v])];
}

export interface ServerIdentity {
  /** "redis" or "valkey" */
  server: string;
  version: string;
  mode: string;
  role: string;
}

export function serverIdentity(infoText: string): ServerIdentity {
  const info = parseInfo(infoText);
  const valkey = info.get("valkey_version");
  return {
    server: valkey ? "valkey" : "redis",
    version: valkey ?? info.get("redis_version") ?? "unknown",
    mode: info.get("redis_mode") ?? info.get("server_mode") ?? "unknown",
    role: info.get("role") ?? "unknown",
  };
}

export interface NodeOptions {
  name: string;
  image: string;
  /** Where its container runs (topology/site.ts). */
  site: Site;
  /** The container's command (redis-server with its flags, or a shell that starts a Sentinel). */
  command: string[];
  port: number;
  /** Other ports the fault layer dials (a cluster node's bus), published where the node runs on another engine. */
  alsoPublish?: number[];
  readyLog: RegExp;
  /** Directives as given, kept for the report. */
  config: Record<string, string>;
  /** Partitions need iptables inside the container. */
  netAdmin?: boolean;
  /** The container's memory limit (swap included). */
  memoryBytes: number;
  /** A secured node's files (auth directives, TLS certificates), copied in before it starts. */
  files?: Array<{ content: string; target: string; mode: number }>;
  /** How the harness's admin connection reaches it (login, TLS). */
  admin?: ClientAccess;
  /** Secrets its log must not show when quoted in an error. */
  secrets?: string[];
}

/** How a node the harness started is made again: where, with which image now, and its options for an image and settings. */
interface Relaunch {
  image: string;
  site: Site;
  options: (image: string, config: Record<string, string>) => NodeOptions;
}

/** Starts a node's container where its site says; an error quotes the server's last lines, secrets blanked. */
async function startContainer(o: NodeOptions, keep: Pick<NodeContainerSpec, "hostPort" | "archives"> = {}): Promise<SiteContainer> {
  const log: string[] = [];
  return o.site
    .start({
      name: `redis-chaos-${o.name}-${process.pid}-${Date.now().toString(36)}`,
      alias: o.name,
      image: o.image,
      command: o.command,
      port: o.port,
      alsoPublish: o.alsoPublish,
      readyLog: o.readyLog,
      memoryBytes: o.memoryBytes,
      capAdd: o.netAdmin ? ["NET_ADMIN"] : [],
      files: o.files,
      ...keep,
      onLog: (line) => {
        log.push(line);
        if (log.length > 20) log.shift();
      },
    })
    .catch((err: Error) => {
      const tail = log
        .slice(-4)
        .map((l) => redact(l.trim(), o.secrets ?? []))
        .join(" | ");
      throw new Error(`${o.name} did not start (${redact(err.message.split("\n")[0], o.secrets ?? [])})${tail ? `; its last lines: ${tail}` : ""}`);
    });
}

/** The engine a node ran on, for its description, where the topology was split over several. */
export const placed = (n: RedisNode): { engine?: string } => (n.engine ? { engine: n.engine } : {});

/** Where the harness's admin connection reaches a node. */
export interface NodeAddress {
  host: string;
  port: number;
}

/** The admin connection: straight to the node, one retry, short timeouts, the login and TLS it needs. */
function adminClient(at: NodeAddress, access?: ClientAccess): Redis {
  const admin = new Redis({
    host: at.host,
    port: at.port,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 5000,
    retryStrategy: () => 200,
    protocol: 2,
    disableClientInfo: true,
    ...(access ? accessOptions(access) : {}),
  });
  admin.on("error", () => {}); // a killed node refuses connections until restarted; callers see their own errors
  return admin;
}

/**
 * One Redis server (or Sentinel): in a container the harness started, or a process of a deployment it did not start
 * (a target). `admin` reaches it directly (a loopback port, or the node's own address), not through the fault layer,
 * so the harness keeps seeing it while clients are cut off, and after a restart; `control` acts on its process.
 */
export class RedisNode {
  private constructor(
    readonly name: string,
    private ownControl: NodeControl,
    readonly admin: Redis,
    private ownConfig: Record<string, string>,
    /** Where `admin` connects (the direct path the instrument is calibrated on). */
    readonly address: NodeAddress,
    /** What stopping it means: removing the container the harness started; nothing for a node that is not its own. */
    private release: () => Promise<unknown>,
    /** The engine its container runs on, in a topology split over several ("" otherwise). */
    readonly engine = "",
    /** How its container is made again with another image or settings: a node the harness started only. */
    private readonly relaunch?: Relaunch,
  ) {}

  /** How the harness acts on its process (its container's, after a replacement the new one's). */
  get control(): NodeControl {
    return this.ownControl;
  }

  /** Its directives as given (after a replacement, the new container's). */
  get config(): Record<string, string> {
    return this.ownConfig;
  }

  /** The image its container runs ("" for a node the harness did not start). */
  get image(): string {
    return this.relaunch?.image ?? "";
  }

  /** A node of a deployment the harness did not start: connected to, never stopped. */
  static async attach(name: string, at: NodeAddress, control: NodeControl, access: ClientAccess, config: Record<string, string> = {}): Promise<RedisNode> {
    const admin = adminClient(at, access);
    try {
      await admin.connect();
      await admin.ping();
    } catch (err) {
      admin.disconnect();
      throw err;
    }
    return new RedisNode(name, control, admin, config, at, async () => {});
  }

  static async start(o: NodeOptions, remake?: Relaunch["options"]): Promise<RedisNode> {
    const container = await startContainer(o);
    const admin = adminClient(container.at, o.admin);
    try {
      await admin.connect();
    } catch (err) {
      admin.disconnect();
      await container.stop().catch(() => {});
      throw err;
    }
    const relaunch = remake ? { image: o.image, site: o.site, options: remake } : undefined;
    return new RedisNode(o.name, container.control, admin, o.config, container.at, () => container.stop(), o.site.engine, relaunch);
  }

  /**
   * Replaces its container (stopped already: a SHUTDOWN SAVE, a kill) by one of `image` with `config`, keeping what
   * the old one had in /data (unless `keepData` is false: then it starts empty), its address on the run's network and
   * its published port, so that its peers, its links and the harness's admin connection find it where it was. The old
   * container is started again if the new one does not start, and removed once it has.
   */
  async replaceImage(image: string, config: Record<string, string>, keepData = true): Promise<void> {
    const r = this.relaunch;
    if (!r || !(this.ownControl instanceof ContainerControl))
      throw new Error(`${this.name} is not a container the harness started: its image is not the harness's to replace`);
    const old = this.ownControl;
    const archives = keepData ? [{ tar: await old.archive("/data"), target: "/" }] : [];
    let next: SiteContainer;
    try {
      next = await startContainer(r.options(image, config), { hostPort: this.address.port, archives });
    } catch (err) {
      await old.start().catch(() => {});
      throw err;
    }
    await old.remove();
    this.ownControl = next.control;
    this.release = () => next.stop();
    this.ownConfig = r.options(image, config).config;
    r.image = image;
  }

  /**
   * A Redis server node: redis-server with the base settings and the scenario's. Secured, it reads its users from the
   * auth file and, with TLS, listens on TLS only (a cluster node's bus too), with the TLS directives in its config.
   */
  static startServer(
    name: string,
    at: { image: string; site: Site; memoryBytes: number; security: RunSecurity },
    config: Record<string, string>,
    netAdmin = false,
  ) {
    const { security, ...rest } = at;
    const options = (image: string, config: Record<string, string>): NodeOptions => {
      const withTls = security.tls ? { ...config, ...tlsDirectives(REDIS_PORT, config["cluster-enabled"] === "yes") } : config;
      return {
        name,
        ...rest,
        image,
        files: containerFiles(security, security.auth ? serverAuthLines(security.auth) : []),
        admin: adminAccess(security),
        secrets: secretsOf(security),
        command: serverArgs(withTls, security.auth !== null),
        port: REDIS_PORT,
        alsoPublish: config["cluster-enabled"] === "yes" ? [REDIS_PORT + CLUSTER_BUS_OFFSET] : [],
        readyLog: /Ready to accept connections/,
        config: withTls,
        netAdmin,
      };
    };
    return RedisNode.start(options(at.image, config), options);
  }

  async identity(): Promise<ServerIdentity> {
    return serverIdentity(await this.admin.info()); // default sections: server and replication (role)
  }

  async info(section = "all"): Promise<Map<string, string>> {
    return parseInfo(await this.admin.info(section));
  }

  async infoNumber(section: string, key: string): Promise<number | undefined> {
    return infoNumber(await this.info(section), key);
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    const state = await this.control.state().catch(() => undefined);
    if (state?.paused) await this.control.unpause().catch(() => {});
    await this.release();
  }
}
