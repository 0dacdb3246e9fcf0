import type { Timeline } from "../../measure/timeline.js";
import type { ClientTls } from "../../security/tls.js";
import type { ClientSettings } from "../../topology/client-options.js";
import type { Connections } from "./command-client.js";
import { LeanConnection } from "./lean-connection.js";

/** Where a connection goes, with what a secured topology asks for: a login (sent as AUTH once connected), TLS. */
export type Address = { host: string; port: number; username?: string; password?: string; tls?: ClientTls };

/**
 * The lean engine's connections to one server (the primary, or a replica for reads). A lost connection is replaced
 * after the client settings' reconnect delay by a new one to wherever `address` points then (the topology's own
 * authority: Sentinel, the runbook); meanwhile the commands sent to it fail at once as connection errors, like a
 * client without an offline queue. Losses and recoveries go on the timeline as the ioredis pool's do.
 */
export class LeanPool implements Connections {
  clients: LeanConnection[] = [];
  writesOpen = true;
  private closed = false;

  constructor(
    private readonly address: (i: number) => Promise<Address>,
    private readonly size: number,
    private readonly settings: ClientSettings,
    private readonly timeline: Timeline,
  ) {}

  async connect(): Promise<void> {
    this.clients = await Promise.all(Array.from({ length: this.size }, (_, i) => this.open(i)));
  }

  private async open(i: number): Promise<LeanConnection> {
    const c = await LeanConnection.open({
      ...(await this.address(i)),
      commandTimeoutMs: this.settings.commandTimeoutMs,
      connectTimeoutMs: this.settings.connectTimeoutMs,
    });
    c.onClose = () => this.replace(i, c);
    return c;
  }

  private replace(i: number, dead: LeanConnection): void {
    if (this.closed || this.clients[i] !== dead) return;
    this.timeline.add("client-reconnecting", { client: i });
    const retry = () => {
      if (this.closed || this.clients[i] !== dead) return;
      this.open(i).then(
        (c) => {
          if (this.closed || this.clients[i] !== dead) return c.close();
          this.clients[i] = c;
          this.timeline.add("client-ready", { client: i });
        },
        () => setTimeout(retry, this.settings.reconnectDelayMs).unref(),
      );
    };
    setTimeout(retry, this.settings.reconnectDelayMs).unref();
  }

  async repoint(): Promise<void> {
    const old = this.clients;
    this.clients = await Promise.all(old.map((_, i) => this.open(i)));
    this.timeline.add("clients-repointed", { connections: this.size });
    // The old connections finish what they have in flight, then go.
    for (const c of old) {
      c.onClose = () => {};
      const drain = setInterval(() => c.inFlight === 0 && (clearInterval(drain), c.close()), 10);
      drain.unref();
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients) c.close();
  }
}
