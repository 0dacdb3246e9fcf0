import { readFileSync } from "node:fs";
import type Dockerode from "dockerode";
import { ContainerControl } from "../topology/container-control.js";
import type { LoadSummary, Probe, ProbeContext } from "./probe.js";

/** What a container held at one instant, from its cgroup: anonymous memory (what the OOM killer weighs) and page cache. */
export interface ContainerMemorySample {
  tMs: number;
  node: string;
  /** All the cgroup is charged for (what its limit is checked against; the kernel reclaims page cache first). */
  usageBytes: number;
  /** Anonymous memory: Redis's heap and a save child's copied pages. */
  anonBytes: number;
  /** Page cache: an RDB or AOF being written. */
  cacheBytes: number;
}

/** The kernel's OOM killer acted inside a container (Docker's "oom" event, or State.OOMKilled seen at the end). */
export interface OomKill {
  /** Run clock when the engine reported it; null when only the container's state showed it, after the run. */
  tMs: number | null;
  node: string;
  limitBytes: number;
}

export interface ContainerSections {
  containers: { memoryLimits: Record<string, number>; memory: ContainerMemorySample[] } | null;
}

/** Where a process's cgroup memory figures are: cgroup v1's memory controller, or v2's unified hierarchy. */
export function cgroupMemoryDir(procCgroup: string, root = "/sys/fs/cgroup"): { dir: string; v2: boolean } | null {
  const lines = procCgroup.split("\n");
  const v1 = lines.find((l) => /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:/.test(l));
  if (v1) return { dir: `${root}/memory${v1.split(":")[2]}`, v2: false };
  const v2 = lines.find((l) => l.startsWith("0::"));
  return v2 ? { dir: `${root}${v2.slice(3)}`, v2: true } : null;
}

/** Reads a cgroup's usage, anonymous memory and page cache (v1: memory.usage_in_bytes and total_rss/total_cache). */
export function readCgroupMemory(at: { dir: string; v2: boolean }): Omit<ContainerMemorySample, "tMs" | "node"> {
  const stat = new Map(
    readFileSync(`${at.dir}/memory.stat`, "utf8")
      .split("\n")
      .map((l) => l.split(" ") as [string, string]),
  );
  const n = (k: string) => Number(stat.get(k) ?? 0);
  const usageBytes = Number(readFileSync(`${at.dir}/${at.v2 ? "memory.current" : "memory.usage_in_bytes"}`, "utf8").trim());
  return at.v2 ? { usageBytes, anonBytes: n("anon"), cacheBytes: n("file") } : { usageBytes, anonBytes: n("total_rss"), cacheBytes: n("total_cache") };
}

interface Watched {
  name: string;
  control: ContainerControl;
  limitBytes: number;
  cgroup: { dir: string; v2: boolean } | null;
}

/**
 * Every container of the deployment, seen from the engine and the kernel: its memory limit, its memory curve from its
 * cgroup (a save child's copy-on-write shows there, not in the server's INFO), and every OOM kill inside it (Docker's
 * "oom" events, and State.OOMKilled at the end for one the event stream missed). OOM kills go to the run's store,
 * which the OOM checker (check/oom.ts) judges.
 */
export class ContainerMemory implements Probe<ContainerSections> {
  readonly name = "container memory";
  private readonly watched: Watched[] = [];
  private readonly samples: ContainerMemorySample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly events: NodeJS.ReadableStream[] = [];

  constructor(
    private readonly ctx: ProbeContext,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    const t = this.ctx.topology;
    // Only containers have a cgroup and OOM events to watch: a target's processes are the deployment's own.
    const all = [...t.nodes, ...t.sentinels].flatMap((n) => (n.control instanceof ContainerControl ? [{ name: n.name, control: n.control }] : []));
    all.push({ name: "toxiproxy", control: ContainerControl.of(t.faultLayer.container) });
    for (const c of all) {
      const s = await c.control.state();
      // A cgroup is read through its init's /proc entry: only where the engine is this machine's.
      this.watched.push({ ...c, limitBytes: s.memoryLimitBytes, cgroup: c.control.local ? this.locate(s.pid) : null });
    }
    // OOM events come from each engine the containers run on (several, split over --engines).
    const byEngine = new Map<Dockerode, Watched[]>();
    for (const w of this.watched) {
      const docker = await w.control.docker();
      byEngine.set(docker, [...(byEngine.get(docker) ?? []), w]);
    }
    for (const [docker, watched] of byEngine) await this.watchOoms(docker, watched);
    this.sample();
  }

  private async watchOoms(docker: Dockerode, watched: Watched[]): Promise<void> {
    const byId = new Map(watched.map((w) => [w.control.id, w]));
    const events = (await docker.getEvents({ filters: { type: ["container"], event: ["oom"], container: [...byId.keys()] } })) as NodeJS.ReadableStream;
    this.events.push(events);
    let rest = "";
    events.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        const w = byId.get((JSON.parse(line) as { id?: string }).id ?? "");
        if (w) this.recordOom(w, this.ctx.clock());
      }
    });
    events.on("error", () => {}); // the engine closes the stream at its shutdown: the end-of-run check still runs
  }

  /** The container's cgroup, through its init's /proc entry (null where it cannot be read). */
  private locate(pid: number): Watched["cgroup"] {
    try {
      return pid > 0 ? cgroupMemoryDir(readFileSync(`/proc/${pid}/cgroup`, "utf8")) : null;
    } catch {
      return null;
    }
  }

  private recordOom(w: Watched, tMs: number | null): void {
    this.ctx.oomKills.push({ tMs, node: w.name, limitBytes: w.limitBytes });
    if (tMs !== null) this.ctx.timeline.add("container-oom", { node: w.name, limitBytes: w.limitBytes });
  }

  private sample(): void {
    const tMs = this.ctx.clock();
    for (const w of this.watched) {
      if (!w.cgroup) continue;
      try {
        this.samples.push({ tMs, node: w.name, ...readCgroupMemory(w.cgroup) });
      } catch {
        // stopped (a kill fault): its cgroup is gone until it starts again, with the same path
      }
    }
  }

  rebase(shiftMs: number): void {
    for (const s of this.samples) s.tMs -= shiftMs;
    for (const k of this.ctx.oomKills) if (k.tMs !== null) k.tMs -= shiftMs;
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  async loadFinished(): Promise<void> {
    clearInterval(this.timer);
    this.sample();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const e of this.events) (e as { destroy?: () => void }).destroy?.();
    // An OOM kill the event stream did not deliver still shows in the container's state.
    for (const w of this.watched) {
      if (this.ctx.oomKills.some((k) => k.node === w.name)) continue;
      const s = await w.control.state().catch(() => undefined);
      if (s?.oomKilled) this.recordOom(w, null);
    }
  }

  contribute(_load: LoadSummary): ContainerSections {
    return { containers: { memoryLimits: Object.fromEntries(this.watched.map((w) => [w.name, w.limitBytes])), memory: this.samples } };
  }
}
