import { publishedHost } from "../infra/engine.js";
import { Network, type StartedNetwork } from "testcontainers";
import { makeRunSecurity, UNSECURED, type RunSecurity, type SecuritySpec } from "../security/run-security.js";
import type { ContainerLimits } from "./definition.js";
import { FaultLayer } from "./fault-layer.js";
import { EngineSession } from "../infra/engine-containers.js";
import { engineOf, type Engine, type EngineSet } from "../infra/engines.js";
import { engineSite, homeSite, type Site } from "./site.js";

export interface Stoppable {
  stop(): Promise<unknown>;
}

/** Stops the parts together, then `network` (which must be free of them first), ignoring failures: a teardown must reach the end. */
export async function stopAll(parts: Stoppable[], network?: Stoppable): Promise<void> {
  await Promise.all(parts.map((p) => p.stop().catch(() => {})));
  await network?.stop().catch(() => {});
}

/**
 * Starts one part per item together. Every start has ended (and tracked what it started) before the first failure
 * is thrown, so that the teardown it triggers finds them all.
 */
export async function startTogether<I, T>(items: I[], start: (item: I, i: number) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(items.map(start));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export interface Foundation {
  /** The run's networks (stopped last). */
  network: Stoppable;
  faultLayer: FaultLayer;
  /** The memory limit of each kind of container. */
  limits: ContainerLimits;
  /** The run's logins and TLS material (null fields where not secured): every server and Sentinel requires them. */
  security: RunSecurity;
  /** Registers something started, so that a failure further on stops it. */
  track<T extends Stoppable>(part: T): T;
  /** Where the next node, named `name`, runs: the run's network here, or another engine of a split (--engines). */
  site(name: string): Promise<Site>;
}

/** What starting a deployment needs beyond the topology's own section. */
export interface DeploymentEnv {
  toxiproxyImage: string;
  limits: ContainerLimits;
  security?: SecuritySpec;
  /** The engines it is split over (--engines); absent, every container runs on testcontainers' engine. */
  engines?: EngineSet | null;
}

/**
 * What every topology starts with: its own network and a fault layer with `links.published` links for clients and
 * `links.internal` the ports of its links between nodes. `build`
 * starts the rest; if anything fails, everything started so far is stopped before the error goes on. Split over
 * engines, the fault layer runs on the first, nodes are placed by the set's rule, and each other engine a node lands on
 * gets a network of the run's.
 */
export async function startDeployment<T>(
  { toxiproxyImage, limits, security: spec = UNSECURED, engines = null }: DeploymentEnv,
  links: { published: number; internal: number[] },
  onStep: (msg: string) => void,
  build: (f: Foundation) => Promise<T>,
): Promise<T> {
  const started: Stoppable[] = [];
  const track = <P extends Stoppable>(part: P): P => {
    started.push(part);
    return part;
  };
  let network: Networks | undefined;
  try {
    onStep("creating network");
    const home = await new Network().start();
    const nets = (network = new Networks(home));
    onStep(`starting fault layer (${toxiproxyImage}${engines ? ` on ${engines.engines[0].name}` : ""})`);
    const faultLayer = track(await FaultLayer.start(toxiproxyImage, home, links.published, limits.faultLayerBytes, engines && links.internal));
    // Certificates name where clients dial: the engines' published addresses (the harness, and nodes on other engines)
    // and the fault layer (the nodes, by alias and address).
    const published = engines ? engines.engines.map((e) => e.publishOn) : [publishedHost()];
    const security = await makeRunSecurity(spec, { names: [FaultLayer.ALIAS, "localhost"], ips: [...new Set(["127.0.0.1", ...published]), faultLayer.ip] });
    let placed = 0;
    const site = async (name: string): Promise<Site> => {
      if (!engines) return homeSite(home);
      const k = engineOf(engines.placement, name, placed++, engines.engines.length);
      const engine = engines.engines[k];
      if (k === 0) return homeSite(home, engine.name);
      onStep(`placing ${name} on ${engine.name}`);
      return engineSite(engine, await nets.on(engine, engines.reaperImage), engines.reaperImage, faultLayer);
    };
    return await build({ network: nets, faultLayer, limits, security, track, site });
  } catch (err) {
    await stopAll(started, network);
    throw err;
  }
}

/** The run's network on testcontainers' engine, and the one it made on each other engine a node was placed on. */
class Networks implements Stoppable {
  private readonly others = new Map<string, Promise<{ name: string; remove(): Promise<void> }>>();

  constructor(private readonly home: StartedNetwork) {}

  /** Its network on `engine` (made on first use), by name. */
  async on(engine: Engine, reaperImage: string): Promise<string> {
    let n = this.others.get(engine.name);
    if (!n) this.others.set(engine.name, (n = EngineSession.of(engine, reaperImage).network(this.home.getName())));
    return (await n).name;
  }

  async stop(): Promise<void> {
    for (const n of this.others.values()) await (await n.catch(() => null))?.remove();
    await this.home.stop();
  }
}

/** Every proxy of the fault layer, for the report. */
export function describeLinks(faultLayer: FaultLayer): Array<{ name: string; upstream: string }> {
  return [...faultLayer.links.values()].map((l) => ({ name: l.name, upstream: l.proxy.upstream }));
}
