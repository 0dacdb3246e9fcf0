import { getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";
import type { NodeAction, NodeControl, NodeState } from "./node-control.js";

/**
 * What testcontainers does not offer and faults need: SIGKILL, start again, pause, unpause (the cgroup freezer),
 * through the engine's API (dockerode).
 */
export class ContainerControl implements NodeControl {
  constructor(readonly container: StartedTestContainer) {}

  get where(): string {
    return `container ${this.container.getName().replace(/^\//, "")}`;
  }

  private async handle() {
    const runtime = await getContainerRuntimeClient();
    return runtime.container.dockerode.getContainer(this.container.getId());
  }

  explain(action: NodeAction): string {
    const name = this.where.replace(/^container /, "");
    return { sigkill: `docker kill --signal SIGKILL ${name}`, start: `docker start ${name}`, freeze: `docker pause ${name}`, thaw: `docker unpause ${name}` }[
      action
    ];
  }

  async kill(signal = "SIGKILL"): Promise<void> {
    await (await this.handle()).kill({ signal });
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

  /** Runs a command inside; resolves with its exit code and output. */
  async exec(cmd: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; output: string }> {
    const r = await this.container.exec(cmd, { env });
    return { exitCode: r.exitCode, output: r.output };
  }
}
