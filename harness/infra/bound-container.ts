import { GenericContainer, type PortWithOptionalBinding } from "testcontainers";
import { publishedHost } from "./engine.js";

/**
 * A GenericContainer whose published ports bind to one address only (127.0.0.1 on the machine's own engine, a remote
 * engine's own address: infra/engine.ts), and with a memory limit. testcontainers binds to every interface and has no
 * option for the host address, so the bindings it builds are amended here.
 */
export class BoundContainer extends GenericContainer {
  /** The container this builder created, once it has: what a start that failed leaves behind (testcontainers keeps it). */
  createdId: string | undefined;

  protected override async containerCreated(containerId: string): Promise<void> {
    this.createdId = containerId;
  }

  public override withExposedPorts(...ports: PortWithOptionalBinding[]): this {
    super.withExposedPorts(...ports);
    const bindings = this.hostConfig.PortBindings as Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
    for (const list of Object.values(bindings ?? {})) for (const b of list) b.HostIp = publishedHost();
    return this;
  }

  /**
   * A hard memory limit in bytes, swap included (MemorySwap = Memory: no swap on top), so a runaway is OOM-killed
   * inside its own cgroup, not the host. (testcontainers' withResourcesQuota takes GB and leaves swap to Docker's
   * default of twice the limit.)
   */
  public withMemoryLimit(bytes: number): this {
    this.hostConfig.Memory = bytes;
    this.hostConfig.MemorySwap = bytes;
    return this;
  }
}
