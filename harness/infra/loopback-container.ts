import { GenericContainer, type PortWithOptionalBinding } from "testcontainers";

/**
 * A GenericContainer whose published ports bind to 127.0.0.1 only. testcontainers binds to every interface and has
 * no option for the host address, so the bindings it builds are amended here.
 */
export class LoopbackContainer extends GenericContainer {
  public override withExposedPorts(...ports: PortWithOptionalBinding[]): this {
    super.withExposedPorts(...ports);
    const bindings = this.hostConfig.PortBindings as Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
    for (const list of Object.values(bindings ?? {})) for (const b of list) b.HostIp = "127.0.0.1";
    return this;
  }
}
