import type { Readable } from "node:stream";
import { getContainerRuntimeClient, Wait, type StartedNetwork } from "testcontainers";
import { BoundContainer } from "../infra/bound-container.js";
import { EngineSession, pickEnginePort, portTaken, type ContainerSpec } from "../infra/engine-containers.js";
import { engineIsLocal, publishedHost } from "../infra/engine.js";
import type { Engine } from "../infra/engines.js";
import { ContainerControl } from "./container-control.js";
import type { FaultLayer } from "./fault-layer.js";
import type { NodeAddress } from "./redis-node.js";
import { freePort } from "./ports.js";

/** A node's container, started where its site says. */
export interface SiteContainer {
  control: ContainerControl;
  /** Where the harness reaches its published port. */
  at: NodeAddress;
  stop(): Promise<unknown>;
}

/** What a node's container needs, wherever it runs (`alias`: the node's name, by which the fault layer names it). */
export type NodeContainerSpec = Omit<ContainerSpec, "network"> & {
  /** The host port to publish at (a container that replaces another keeps its address); picked when absent. */
  hostPort?: number;
  /** Tar archives unpacked into it before it starts (the data a replaced container held). */
  archives?: Array<{ tar: Readable; target: string }>;
};

/**
 * Where a node's container runs: on the run's network on the engine testcontainers drives (home), or on another engine
 * of a split (--engines), whose published port the fault layer then dials across engines.
 */
export interface Site {
  /** The engine's name, for the report ("" where the run has one engine). */
  readonly engine: string;
  start(spec: NodeContainerSpec): Promise<SiteContainer>;
}

/**
 * The run's own network on testcontainers' engine: peers reach the node by its alias (its other ports too), the harness
 * at the published address.
 */
export function homeSite(network: StartedNetwork, engine = ""): Site {
  return {
    engine,
    async start(s) {
      // A fixed host port (a restarted container keeps it): a free one of this machine's where the engine is this
      // machine's; on a remote engine, one picked below its own range and tried again if something there holds it.
      for (let attempt = 1; ; attempt++) {
        const hostPort = s.hostPort ?? (engineIsLocal() ? await freePort(publishedHost()) : pickEnginePort());
        let builder = new BoundContainer(s.image)
          .withName(attempt === 1 ? s.name : `${s.name}-${attempt}`)
          .withNetwork(network)
          .withNetworkAliases(s.alias)
          .withCommand(s.command)
          .withExposedPorts({ container: s.port, host: hostPort })
          .withWaitStrategy(Wait.forLogMessage(s.readyLog))
          .withStartupTimeout(30_000)
          .withMemoryLimit(s.memoryBytes);
        if (s.capAdd?.length) builder = builder.withAddedCapabilities(...s.capAdd);
        if (s.files?.length) builder = builder.withCopyContentToContainer(s.files);
        if (s.archives?.length) builder = builder.withCopyArchivesToContainer(s.archives);
        if (s.onLog)
          builder = builder.withLogConsumer((stream) =>
            stream.on("data", (line: string | Buffer) => String(line).split("\n").filter(Boolean).forEach(s.onLog!)),
          );
        try {
          const container = await builder.start();
          return { control: ContainerControl.of(container), at: { host: publishedHost(), port: hostPort }, stop: () => container.stop() };
        } catch (err) {
          // What a failed start created stays on the engine otherwise (until the reaper's turn). What it printed first:
          // a server that exits at once (an RDB it cannot read) can fail the start before its lines reach onLog.
          let output: string[] = [];
          if (builder.createdId) {
            const failed = new ContainerControl(async () => (await getContainerRuntimeClient()).container.dockerode, builder.createdId);
            output = await failed.logTail(6).catch(() => []);
            await failed.remove();
          }
          if (attempt === 5 || !portTaken(err) || s.hostPort !== undefined)
            throw output.length ? new Error(`${(err as Error).message.split("\n")[0]}; its output: ${output.join(" | ")}`) : err;
        }
      }
    },
  };
}

/**
 * Another engine of a split: the node joins a network of the run's there, publishes its port on that engine's address,
 * and every fault-layer link that named it by alias is pointed at that address instead (links are made before the nodes,
 * whose configs name them).
 */
export function engineSite(engine: Engine, network: string, reaperImage: string, faultLayer: FaultLayer): Site {
  const session = EngineSession.of(engine, reaperImage);
  return {
    engine: engine.name,
    async start(s) {
      // Its ports are the engine session's to pick, and it copies files only: a container that must keep another's
      // address and data (an upgrade) is not built there yet.
      if (s.hostPort !== undefined || s.archives?.length)
        throw new Error(`${s.alias} runs on engine ${engine.name}: replacing its container is not built for a split over engines`);
      const c = await session.run({ ...s, network });
      for (const [port, hostPort] of c.ports) await faultLayer.retarget(`${s.alias}:${port}`, `${c.host}:${hostPort}`);
      return {
        control: new ContainerControl(async () => engine.docker, c.id, engine.cliFlags, engine.local),
        at: { host: c.host, port: c.ports.get(s.port)! },
        stop: () => c.remove(),
      };
    },
  };
}
