import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { PassThrough } from "node:stream";
import type Dockerode from "dockerode";
import { pack, type Pack } from "tar-stream";
import type { Engine } from "./engines.js";

/** The labels testcontainers' reaper (and ours, docker/reaper) removes a session's containers and networks by. */
const SESSION_LABEL = "org.testcontainers.session-id";
const REAPER_PORT = 8080;
/**
 * A host port for a node on an engine that is not this machine's, which this machine cannot ask for a free one: below
 * Linux's ephemeral range (32768+, where the engine picks the ports it publishes itself), above the well-known ones.
 */
export const pickEnginePort = (): number => 10_000 + Math.floor(Math.random() * 22_000);

/** The engine refused a host port because something there holds it: another is tried. */
export const portTaken = (err: unknown): boolean => /port is already allocated|address already in use/i.test((err as Error).message);

/** What to run on an engine: as BoundContainer would (its published port bound to the engine's address), with a memory limit. */
export interface ContainerSpec {
  name: string;
  image: string;
  /** The network it joins and its alias there. */
  network: string;
  alias: string;
  command: string[];
  /** The port it is reached at, published on the engine's address; `alsoPublish`: others the same way (a cluster bus). */
  port: number;
  alsoPublish?: number[];
  readyLog: RegExp;
  memoryBytes: number;
  capAdd?: string[];
  files?: Array<{ content: string; target: string; mode: number }>;
  /** Each line it logs, as it comes (for an error that quotes its last lines). */
  onLog?: (line: string) => void;
}

export interface EngineContainer {
  id: string;
  /** Where its published ports are reached: the engine's address, and the host port of each of its ports. */
  host: string;
  ports: ReadonlyMap<number, number>;
  /** Force-removes it with its anonymous volumes. */
  remove(): Promise<void>;
}

/**
 * The containers and networks this process starts on an engine testcontainers does not drive (the second and further
 * of --engines), all carrying one session label, watched by a reaper started there first (docker/reaper, the same
 * image and protocol testcontainers uses): if the harness dies, that engine is cleaned as the first one is.
 */
export class EngineSession {
  private static readonly sessions = new Map<string, EngineSession>();
  private readonly id = randomUUID();
  private reaper: Promise<Socket> | undefined;

  private constructor(
    readonly engine: Engine,
    private readonly reaperImage: string,
  ) {}

  static of(engine: Engine, reaperImage: string): EngineSession {
    let s = EngineSession.sessions.get(engine.name);
    if (!s) EngineSession.sessions.set(engine.name, (s = new EngineSession(engine, reaperImage)));
    return s;
  }

  private get docker(): Dockerode {
    return this.engine.docker;
  }

  /** A network of this session; removed by `remove`, or by the reaper. */
  async network(name: string): Promise<{ name: string; remove(): Promise<void> }> {
    await this.watched();
    const n = await this.docker.createNetwork({ Name: name, Labels: { [SESSION_LABEL]: this.id } });
    return { name, remove: () => n.remove().catch(() => {}) };
  }

  /**
   * Starts it with its port published at a host port chosen here, not by the engine: an engine picks a new one each time
   * a container starts, and a node killed and started again must keep the address the fault layer and the harness
   * dial. A port the engine's host already uses is tried again with another, up to five times.
   */
  async run(s: ContainerSpec): Promise<EngineContainer> {
    await this.watched();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runAt(s, new Map([s.port, ...(s.alsoPublish ?? [])].map((p) => [p, pickEnginePort()])));
      } catch (err) {
        if (attempt === 5 || !portTaken(err)) throw err;
      }
    }
  }

  private async runAt(s: ContainerSpec, ports: ReadonlyMap<number, number>): Promise<EngineContainer> {
    const exposed = [...ports.keys()].map((p) => `${p}/tcp`);
    const c = await this.docker.createContainer({
      name: s.name,
      Image: s.image,
      Cmd: s.command,
      Labels: { [SESSION_LABEL]: this.id },
      ExposedPorts: Object.fromEntries(exposed.map((e) => [e, {}])),
      HostConfig: {
        NetworkMode: s.network,
        PortBindings: Object.fromEntries([...ports].map(([p, h]) => [`${p}/tcp`, [{ HostIp: this.engine.publishOn, HostPort: String(h) }]])),
        Memory: s.memoryBytes,
        MemorySwap: s.memoryBytes,
        CapAdd: s.capAdd ?? [],
      },
      NetworkingConfig: { EndpointsConfig: { [s.network]: { Aliases: [s.alias] } } },
    });
    const remove = () => c.remove({ force: true, v: true }).catch(() => {});
    try {
      if (s.files?.length) await c.putArchive(tarOf(s.files) as unknown as NodeJS.ReadableStream, { path: "/" });
      await c.start();
      await waitForLog(this.docker, c, s.readyLog, 30_000, s.onLog);
      return { id: c.id, host: this.engine.publishOn, ports, remove };
    } catch (err) {
      await remove();
      throw err;
    }
  }

  /** The reaper, started on the engine and connected to once; its socket kept open (unref'd) until this process ends. */
  private watched(): Promise<Socket> {
    this.reaper ??= this.startReaper();
    return this.reaper;
  }

  private async startReaper(): Promise<Socket> {
    const exposed = `${REAPER_PORT}/tcp`;
    const c = await this.docker.createContainer({
      name: `redis-chaos-reaper-${this.id}`,
      Image: this.reaperImage,
      Labels: { "org.testcontainers.ryuk": "true" },
      ExposedPorts: { [exposed]: {} },
      // The engine's own socket, by its path on the engine's machine.
      HostConfig: { Binds: ["/var/run/docker.sock:/var/run/docker.sock"], PortBindings: { [exposed]: [{ HostIp: this.engine.publishOn, HostPort: "" }] } },
    });
    await c.start();
    await waitForLog(this.docker, c, /Started/, 30_000);
    const port = Number((await c.inspect()).NetworkSettings.Ports[exposed]![0].HostPort);
    const socket = connect(port, this.engine.publishOn);
    socket.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      socket.once("error", (err) => reject(new Error(`the reaper on ${this.engine.name} did not answer (${err.message})`)));
      socket.once("data", (d) => (String(d).startsWith("ACK") ? resolve() : reject(new Error(`the reaper on ${this.engine.name} said ${String(d).trim()}`))));
      socket.write(`label=${SESSION_LABEL}=${this.id}\n`);
    });
    socket.unref();
    return socket;
  }
}

/** Files as a tar stream for the engine's archive API (paths relative to /). */
function tarOf(files: NonNullable<ContainerSpec["files"]>): Pack {
  const p = pack();
  for (const f of files) p.entry({ name: f.target.replace(/^\/+/, ""), mode: f.mode }, f.content);
  p.finalize();
  return p;
}

/** Resolves once a line of the container's log matches; rejects when it exits first or `timeoutMs` passes. */
async function waitForLog(docker: Dockerode, c: Dockerode.Container, pattern: RegExp, timeoutMs: number, onLog?: (line: string) => void): Promise<void> {
  const stream = (await c.logs({ follow: true, stdout: true, stderr: true })) as NodeJS.ReadableStream & { destroy(): void };
  const lines = new PassThrough();
  docker.modem.demuxStream(stream, lines, lines);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready within ${timeoutMs / 1000} s (no log line matched ${pattern})`)), timeoutMs);
      let rest = "";
      lines.on("data", (chunk: Buffer) => {
        const all = (rest + chunk.toString()).split("\n");
        rest = all.pop()!;
        for (const line of all) {
          onLog?.(line);
          if (pattern.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
      stream.on("end", () => {
        clearTimeout(timer);
        reject(new Error("it exited before it was ready"));
      });
    });
  } finally {
    stream.destroy();
  }
}
