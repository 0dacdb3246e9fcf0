import { Toxiproxy, type Proxy } from "toxiproxy-node-client";
import { Wait, type StartedNetwork, type StartedTestContainer } from "testcontainers";
import { LoopbackContainer } from "../infra/loopback-container.js";

const API_PORT = 8474;
const FIRST_PROXY_PORT = 20000;

export interface ProxiedLink {
  name: string;
  proxy: Proxy;
  /** Where the harness (on the host) connects: 127.0.0.1 and a published port. */
  hostPort: number;
  /** Where other containers connect, on the project's network. */
  innerHost: string;
  innerPort: number;
}

/**
 * The fault layer: one Toxiproxy container on the topology's network; every link a fault may touch is a proxy in it.
 * Proxy ports must be published when the container is created, so the topology says up front how many it needs.
 */
export class FaultLayer {
  static readonly ALIAS = "toxiproxy";
  private nextPort = FIRST_PROXY_PORT;
  readonly links = new Map<string, ProxiedLink>();

  private constructor(
    readonly container: StartedTestContainer,
    readonly api: Toxiproxy,
    private readonly maxLinks: number,
  ) {}

  static async start(image: string, network: StartedNetwork, maxLinks: number): Promise<FaultLayer> {
    const ports = Array.from({ length: maxLinks }, (_, i) => FIRST_PROXY_PORT + i);
    const container = await new LoopbackContainer(image)
      .withNetwork(network)
      .withNetworkAliases(FaultLayer.ALIAS)
      .withExposedPorts(API_PORT, ...ports)
      // FROM scratch image: the default port check would exec /bin/sh inside it.
      .withWaitStrategy(Wait.forHttp("/version", API_PORT))
      .withStartupTimeout(30_000)
      .start();
    const api = new Toxiproxy(`http://127.0.0.1:${container.getMappedPort(API_PORT)}`);
    return new FaultLayer(container, api, maxLinks);
  }

  /** A proxy in front of `upstream` (host:port on the project's network). */
  async link(name: string, upstream: string): Promise<ProxiedLink> {
    if (this.links.size >= this.maxLinks) throw new Error(`fault layer has room for ${this.maxLinks} links; ${name} is one too many`);
    const innerPort = this.nextPort++;
    const proxy = await this.api.createProxy({ name, listen: `0.0.0.0:${innerPort}`, upstream });
    const link: ProxiedLink = {
      name,
      proxy,
      hostPort: this.container.getMappedPort(innerPort),
      innerHost: FaultLayer.ALIAS,
      innerPort,
    };
    this.links.set(name, link);
    return link;
  }

  async stop(): Promise<void> {
    await this.container.stop();
  }
}
