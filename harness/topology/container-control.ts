import { once } from "node:events";
import { PassThrough, type Readable } from "node:stream";
import type Dockerode from "dockerode";
import { getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";
import { engineIsLocal } from "../infra/engine.js";
import type { NodeAction, NodeControl, NodeState } from "./node-control.js";

/**
 * A node that is a container, acted on through its engine's API (dockerode): SIGKILL, start again, pause and unpause
 * (the cgroup freezer), inspect, exec. The containers the harness starts (`of`), and a target's by name on the engine its
 * file names (control: docker).
 */
export class ContainerControl implements NodeControl {
  constructor(
    private readonly engine: () => Promise<Dockerode>,
    /** Its id or name, as the engine knows it. */
    readonly id: string,
    /** How a person would reach the engine with the docker CLI ("" for this machine's, or "-H tcp://…"). */
    private readonly cliFlags = "",
    /** The engine is this machine's: the container's processes (its init's pid) are this machine's to read in /proc. */
    readonly local = false,
  ) {}

  /** A container the harness started (on the engine testcontainers uses). */
  static of(container: StartedTestContainer): ContainerControl {
    return new ContainerControl(async () => (await getContainerRuntimeClient()).container.dockerode, container.getId(), "", engineIsLocal());
  }

  /** The engine's API. */
  docker(): Promise<Dockerode> {
    return this.engine();
  }

  get where(): string {
    return `container ${this.id.length === 64 ? this.id.slice(0, 12) : this.id}${this.cliFlags ? ` (${this.cliFlags})` : ""}`;
  }

  private async handle() {
    return (await this.engine()).getContainer(this.id);
  }

  explain(action: NodeAction): string {
    const docker = `docker${this.cliFlags ? ` ${this.cliFlags}` : ""}`;
    const c = this.id.length === 64 ? this.id.slice(0, 12) : this.id;
    return { sigkill: `${docker} kill --signal SIGKILL ${c}`, start: `${docker} start ${c}`, freeze: `${docker} pause ${c}`, thaw: `${docker} unpause ${c}` }[
      action
    ];
  }

  async kill(signal = "SIGKILL"): Promise<void> {
    await (await this.handle()).kill({ signal });
  }

  /** Force-removes it (with its anonymous volumes); gone already is fine. */
  async remove(): Promise<void> {
    await (await this.handle()).remove({ force: true, v: true }).catch(() => {});
  }

  async start(): Promise<void> {
    await (await this.handle()).start();
  }

  async pause(): Promise<void> {
    await (await this.handle()).pause();
  }

  async unpause(): Promise<void> {
    await (await this.handle()).unpause();
  }

  /**
   * `oomKilled`: the engine saw the kernel's OOM killer act in the container's cgroup. `pid`: its init, 0 when stopped.
   * `memoryLimitBytes`: its Docker memory limit (0: none).
   */
  async state(): Promise<NodeState> {
    const i = await (await this.handle()).inspect();
    return { running: i.State.Running, paused: i.State.Paused, oomKilled: i.State.OOMKilled, pid: i.State.Pid, memoryLimitBytes: i.HostConfig.Memory ?? 0 };
  }

  /** A tar archive of `path` inside it (stopped or running): what a container that replaces it is given. */
  async archive(path: string): Promise<Readable> {
    return (await (await this.handle()).getArchive({ path })) as unknown as Readable;
  }

  /** Its last `lines` lines of output (stdout and stderr) from `sinceS` (Unix seconds) on, oldest first. */
  async logTail(lines: number, sinceS = 0): Promise<string[]> {
    const docker = await this.engine();
    const raw = (await docker.getContainer(this.id).logs({ stdout: true, stderr: true, tail: lines, since: sinceS, follow: false })) as unknown as Buffer;
    let text = "";
    const sink = new PassThrough().on("data", (d: Buffer) => (text += d.toString()));
    const source = new PassThrough();
    docker.modem.demuxStream(source, sink, sink);
    const ended = once(source, "end");
    source.end(raw);
    await ended;
    return text.split("\n").filter(Boolean);
  }

  /** Runs a command inside; resolves with its exit code and output (stdout and stderr). */
  async exec(cmd: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; output: string }> {
    const docker = await this.engine();
    const ex = await docker
      .getContainer(this.id)
      .exec({ Cmd: cmd, Env: Object.entries(env).map(([k, v]) => `${k}=${v}`), AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: false });
    let output = "";
    const sink = new PassThrough().on("data", (d: Buffer) => (output += d.toString()));
    docker.modem.demuxStream(stream, sink, sink);
    await once(stream, "end");
    return { exitCode: (await ex.inspect()).ExitCode ?? -1, output };
  }
}
