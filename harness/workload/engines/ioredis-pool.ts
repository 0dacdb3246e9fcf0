import type { DataClient } from "../../topology/types.js";
import type { Timeline } from "../../measure/timeline.js";
import { watchTransitions } from "./command-client.js";

/**
 * The workload's connections. A runbook can close the gate on writes ("stop writes") and repoint every connection to
 * a new primary; each connection's losses and recoveries go on the timeline (once per transition, not per retry).
 */
export class IoredisPool {
  clients: DataClient[] = [];
  writesOpen = true;
  /** Clients the harness closed on purpose: their end is not the client giving up. */
  private readonly retired = new WeakSet<DataClient>();

  constructor(
    private readonly factory: () => DataClient,
    private readonly size: number,
    private readonly timeline: Timeline,
  ) {}

  async connect(): Promise<void> {
    this.clients = await this.open();
  }

  private async open(): Promise<DataClient[]> {
    const clients = Array.from({ length: this.size }, () => this.factory());
    clients.forEach((c, i) => this.watch(c, i));
    try {
      await Promise.all(clients.map((c) => c.connect()));
    } catch (err) {
      for (const c of clients) {
        this.retired.add(c);
        c.disconnect(); // they would reconnect forever
      }
      throw err;
    }
    return clients;
  }

  private watch(c: DataClient, i: number): void {
    watchTransitions(c, i, this.timeline, () => this.retired.has(c));
    c.on("+switch-master", () => this.timeline.add("client-switch-master", { client: i }));
  }

  /** New connections from the factory (which now points at the new primary); the old ones finish what they have. */
  async repoint(): Promise<void> {
    const old = this.clients;
    this.clients = await this.open();
    this.timeline.add("clients-repointed", { connections: this.size });
    for (const c of old) this.retired.add(c);
    await Promise.all(old.map((c) => c.quit().catch(() => c.disconnect())));
  }

  close(): void {
    for (const c of this.clients) {
      this.retired.add(c);
      c.disconnect();
    }
  }
}
