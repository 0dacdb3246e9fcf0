import { publishedHost } from "../infra/engine.js";
import { Network, type StartedNetwork } from "testcontainers";
import { makeRunSecurity, UNSECURED, type RunSecurity, type SecuritySpec } from "../security/run-security.js";
import type { ContainerLimits } from "./definition.js";
import { FaultLayer } from "./fault-layer.js";

export interface Stoppable {
  stop(): Promise<unknown>;
}

/** Stops each part in the order given, ignoring failures: a teardown must reach the end. */
export async function stopAll(parts: Stoppable[]): Promise<void> {
  for (const p of parts) await p.stop().catch(() => {});
}

export interface Foundation {
  network: StartedNetwork;
  faultLayer: FaultLayer;
  /** The memory limit of each kind of container. */
  limits: ContainerLimits;
  /** The run's logins and TLS material (null fields where not secured): every server and Sentinel requires them. */
  security: RunSecurity;
  /** Registers something started, so that a failure further on stops it (newest first). */
  track<T extends Stoppable>(part: T): T;
}

/**
 * What every topology starts with: its own network and a fault layer with `publishedLinks` links for clients. `build`
 * starts the rest; if anything fails, everything started so far is stopped before the error goes on.
 */
export async function startDeployment<T>(
  { toxiproxyImage, limits, security: spec = UNSECURED }: { toxiproxyImage: string; limits: ContainerLimits; security?: SecuritySpec },
  publishedLinks: number,
  onStep: (msg: string) => void,
  build: (f: Foundation) => Promise<T>,
): Promise<T> {
  const started: Stoppable[] = [];
  const track = <P extends Stoppable>(part: P): P => {
    started.unshift(part);
    return part;
  };
  try {
    onStep("creating network");
    const network = track(await new Network().start());
    onStep(`starting fault layer (${toxiproxyImage})`);
    const faultLayer = track(await FaultLayer.start(toxiproxyImage, network, publishedLinks, limits.faultLayerBytes));
    // Certificates name where clients dial: the engine's published address (the harness) and the fault layer (the nodes,
    // by alias and address).
    const security = await makeRunSecurity(spec, { names: [FaultLayer.ALIAS, "localhost"], ips: [...new Set(["127.0.0.1", publishedHost()]), faultLayer.ip] });
    return await build({ network, faultLayer, limits, security, track });
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

/** Every proxy of the fault layer, for the report. */
export function describeLinks(faultLayer: FaultLayer): Array<{ name: string; upstream: string }> {
  return [...faultLayer.links.values()].map((l) => ({ name: l.name, upstream: l.proxy.upstream }));
}
