import { Redis } from "ioredis";
import { Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { LoopbackContainer } from "../infra/loopback-container.js";
import { infoNumber, parseInfo } from "../measure/info.js";

export const REDIS_PORT = 6379;

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

export function serverArgs(config: Record<string, string>): string[] {
  const merged = { ...BASE_CONFIG, ...config };
  return ["redis-server", ...Object.entries(merged).flatMap(([k, v]) => [`--${k}`, v])];
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

/** One Redis server in a container; `admin` reaches it directly (not through the fault layer). */
export class RedisNode {
  private constructor(
    readonly name: string,
    readonly container: StartedTestContainer,
    readonly admin: Redis,
    readonly config: Record<string, string>,
  ) {}

  static async start(
    name: string,
    image: string,
    network: StartedNetwork,
    config: Record<string, string>,
  ): Promise<RedisNode> {
    const container = await new LoopbackContainer(image)
      .withName(`redis-chaos-${name}-${process.pid}-${Date.now().toString(36)}`)
      .withNetwork(network)
      .withNetworkAliases(name)
      .withCommand(serverArgs(config))
      .withExposedPorts(REDIS_PORT)
      .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
      .withStartupTimeout(30_000)
      .start();
    const admin = new Redis({
      host: "127.0.0.1",
      port: container.getMappedPort(REDIS_PORT),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      protocol: 2,
      disableClientInfo: true,
    });
    await admin.connect();
    return new RedisNode(name, container, admin, config);
  }

  async identity(): Promise<ServerIdentity> {
    return serverIdentity(await this.admin.info()); // default sections: server and replication (role)
  }

  async infoNumber(section: string, key: string): Promise<number | undefined> {
    return infoNumber(parseInfo(await this.admin.info(section)), key);
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    await this.container.stop();
  }
}
