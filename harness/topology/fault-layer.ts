import { pollUntil, sleep } from "../infra/poll.js";
import { Toxiproxy, type Proxy } from "toxiproxy-node-client";
import { Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { BoundContainer } from "../infra/bound-container.js";
import { publishedHost } from "../infra/engine.js";

const API_PORT = 8474;
/** Published links (the harness's clients) listen from here up; topologies pick internal ports outside that range. */
const FIRST_PUBLISHED_PORT = 21000;
/**
 * Linux's first ephemeral port (ip_local_port_range's default). A link split over engines is published at its own
 * number on an address this machine also connects from; a number at or above this one the kernel may have handed an
 * outgoing connection, and the engine cannot bind it (CI lost a cluster split to "bind 10.214.223.1:33004: address
 * already in use" when bus links sat at 33000).
 */
export const FIRST_EPHEMERAL_PORT = 32768;

/** Why an internal link port cannot be used, or undefined: it must be below the published range, or between it and the ephemeral ports. */
export function internalPortProblem(port: number, maxPublished: number): string | undefined {
  if (port >= FIRST_PUBLISHED_PORT && port < FIRST_PUBLISHED_PORT + maxPublished) return "is in the published range";
  if (port >= FIRST_EPHEMERAL_PORT) return `is an ephemeral port (${FIRST_EPHEMERAL_PORT} and up), which a split may find taken`;
  return undefined;
}

export interface ProxiedLink {
  name: string;
  proxy: Proxy;
  /** Where the harness connects: the engine's published address (127.0.0.1 for the machine's own) and port (links for clients only). */
  host: string;
  hostPort: number;
  /** Where other containers connect: its alias on the project's network, or, split over engines, its published address. */
  innerHost: string;
  innerPort: number;
}

/** Where the harness's clients reach a link: its published address and port. */
export const reachedAt = (link: ProxiedLink): { host: string; port: number } => ({ host: link.host, port: link.hostPort });

/**
 * The fault layer: one Toxiproxy container on the topology's network; every link a fault may touch is a proxy in it.
 * Links the harness's clients use are published on the engine's address (infra/engine.ts), and ports must be published when the container is
 * created, so the topology says up front how many it needs; links between nodes stay inside the network.
 */
export class FaultLayer {
  static readonly ALIAS = "toxiproxy";
  private nextPublished = FIRST_PUBLISHED_PORT;
  readonly links = new Map<string, ProxiedLink>();

  private constructor(
    readonly container: StartedTestContainer,
    readonly api: Toxiproxy,
    private readonly maxPublished: number,
    /** The fault layer's address on the project's network (Cluster nodes must announce an IP, not a name). */
    readonly ip: string,
    /**
     * Nodes run on several engines (--engines): the links between nodes, published on the engine's address at their own
     * port numbers, which everyone dials (a node on another engine reaches this one's containers only there).
     */
    private readonly acrossEngines: ReadonlySet<number> | null,
  ) {}

  /**
   * `maxPublished` links for clients. `acrossEngines`: the internal ports of the links between nodes, published at the
   * same numbers (so that a convention between them, a cluster bus 10000 above its node's port, holds where they are dialled).
   */
  static async start(
    image: string,
    network: StartedNetwork,
    maxPublished: number,
    memoryBytes: number,
    acrossEngines: number[] | null = null,
  ): Promise<FaultLayer> {
    const ports = Array.from({ length: maxPublished }, (_, i) => FIRST_PUBLISHED_PORT + i);
    const container = await new BoundContainer(image)
      .withNetwork(network)
      .withNetworkAliases(FaultLayer.ALIAS)
      .withMemoryLimit(memoryBytes)
      .withExposedPorts(API_PORT, ...ports, ...(acrossEngines ?? []).map((p) => ({ container: p, host: p })))
      // FROM scratch image: the default port check would exec /bin/sh inside it. Its API is then asked where the
      // harness reaches it (testcontainers' own HTTP wait dials its host setting, which a split leaves on loopback).
      .withWaitStrategy(Wait.forLogMessage(/Starting Toxiproxy HTTP server/))
      .withStartupTimeout(30_000)
      .start();
    const url = `http://${publishedHost()}:${container.getMappedPort(API_PORT)}`;
    const answered = await pollUntil(async () => ((await fetch(`${url}/version`)).ok ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
    if (answered.timedOut) {
      await container.stop().catch(() => {});
      throw new Error(`the fault layer's API did not answer at ${url} (${answered.last ?? "not ready"})`);
    }
    const api = new Toxiproxy(url);
    return new FaultLayer(container, api, maxPublished, container.getIpAddress(network.getName()), acrossEngines && new Set(acrossEngines));
  }

  /**
   * A proxy in front of `upstream` (host:port on the project's network): published for the harness's clients, or,
   * given `internalPort` (internalPortProblem says which), reachable only from inside the network.
   */
  async link(name: string, upstream: string, internalPort?: number): Promise<ProxiedLink> {
    let innerPort: number;
    if (internalPort !== undefined && this.acrossEngines && !this.acrossEngines.has(internalPort))
      throw new Error(`internal port ${internalPort} for ${name} was not published when the fault layer started`);
    if (internalPort === undefined) {
      if (this.nextPublished >= FIRST_PUBLISHED_PORT + this.maxPublished)
        throw new Error(`fault layer has room for ${this.maxPublished} published links; ${name} is one too many`);
      innerPort = this.nextPublished++;
    } else {
      const problem = internalPortProblem(internalPort, this.maxPublished);
      if (problem) throw new Error(`internal port ${internalPort} for ${name} ${problem}`);
      innerPort = internalPort;
    }
    const proxy = await this.createProxy(name, innerPort, upstream);
    const link: ProxiedLink = {
      name,
      proxy,
      host: publishedHost(),
      hostPort: internalPort === undefined ? this.container.getMappedPort(innerPort) : 0,
      innerHost: this.acrossEngines ? publishedHost() : FaultLayer.ALIAS,
      innerPort,
    };
    this.links.set(name, link);
    return link;
  }

  /** The address nodes announce where they must give an IP (a cluster): the fault layer's on the network, or its engine's when split. */
  get announceIp(): string {
    return this.acrossEngines ? publishedHost() : this.ip;
  }

  /** Points every link whose upstream is `from` (a node's alias and port) at `to` (where its engine publishes it). */
  async retarget(from: string, to: string): Promise<void> {
    for (const l of this.links.values()) if (l.proxy.upstream === from) l.proxy = await l.proxy.update({ enabled: true, listen: l.proxy.listen, upstream: to });
  }

  /**
   * Toxiproxy's createProxy, tried up to 3 times: once in a run here it answered 500 to a fault layer started right after
   * another run's had stopped. A refusal that persists names the link and what Toxiproxy said.
   */
  private async createProxy(name: string, innerPort: number, upstream: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.api.createProxy({ name, listen: `0.0.0.0:${innerPort}`, upstream });
      } catch (err) {
        const e = err as Error & { response?: { status?: number; data?: unknown } };
        const said = e.response ? `${e.response.status}: ${JSON.stringify(e.response.data)}` : e.message;
        if (attempt === 3 || (e.response?.status !== undefined && e.response.status < 500))
          throw new Error(`Toxiproxy did not create the link ${name} (0.0.0.0:${innerPort} → ${upstream}) after ${attempt} attempt(s): ${said}`);
        await sleep(500 * attempt);
      }
    }
  }

  async stop(): Promise<void> {
    await this.container.stop();
  }
}
