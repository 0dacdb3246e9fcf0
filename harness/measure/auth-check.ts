import { Redis } from "ioredis";
import { EnvironmentError } from "../infra/errors.js";
import type { Probe, ProbeContext } from "./probe.js";
import type { AuthMode } from "../security/credentials.js";

export interface SecuritySections {
  /** A secured run: its auth mode, and each server and Sentinel seen refusing a client that did not authenticate. */
  security: { auth: AuthMode; refusedWithoutLogin: Record<string, string> } | null;
}

/** What a server answers a command sent before AUTH, when it requires one. */
const REFUSED = /NOAUTH|Authentication required/i;

/**
 * A secured run proves it is secured: before the load, every server and Sentinel is asked PING through its client link
 * (the way the load reaches it) with no login, and must refuse. One that answers stops the run (exit 3): its numbers
 * would be an unsecured topology's under a secured name.
 */
export class AuthCheck implements Probe<SecuritySections> {
  readonly name = "auth check";
  private readonly refused: Record<string, string> = {};

  constructor(
    private readonly ctx: ProbeContext,
    private readonly auth: AuthMode,
  ) {}

  async start(): Promise<void> {
    const t = this.ctx.topology;
    for (const n of [...t.nodes, ...t.sentinels]) {
      const link = t.clientLinks.get(n.name);
      if (!link) continue;
      // RESP2 and no client info: a HELLO or CLIENT SETINFO before AUTH would be refused before the PING is asked.
      const plain = new Redis({ host: "127.0.0.1", port: link.hostPort, lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false, retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 2000, protocol: 2, disableClientInfo: true });
      plain.on("error", () => {});
      try {
        await plain.connect();
        const reply = await plain.ping().then(
          (r) => r,
          (e: Error) => e,
        );
        if (!(reply instanceof Error) || !REFUSED.test(reply.message))
          throw new EnvironmentError(
            `${n.name} answered a client that sent no password (${reply instanceof Error ? reply.message : `PING → ${reply}`}): the topology is not secured as the scenario asks.`,
            "Check the image honours requirepass (a Redis or Valkey server), and report it if it does.",
          );
        this.refused[n.name] = reply.message.split(" ")[0];
      } finally {
        plain.disconnect();
      }
    }
  }

  rebase(): void {}

  async stop(): Promise<void> {}

  contribute(): SecuritySections {
    return { security: { auth: this.auth, refusedWithoutLogin: this.refused } };
  }
}
