import { reachedAt } from "../topology/fault-layer.js";
import net from "node:net";
import tls from "node:tls";
import { Redis } from "ioredis";
import { EnvironmentError } from "../infra/errors.js";
import { accessOptions, securityLabel, type ClientAccess, type SecuritySpec } from "../security/run-security.js";
import type { Probe, ProbeContext } from "./probe.js";

/** What each server and Sentinel answered to a client that lacked something the scenario's security requires. */
export interface SecurityAttempts {
  /** TLS: a plain-text PING (the plain port is off; the TLS port must not answer it). */
  plaintext?: string;
  /** TLS: a TLS client presenting no certificate (tls-auth-clients yes). */
  noClientCertificate?: string;
  /** auth: a PING with no login. */
  noLogin?: string;
  /** acl: the application user asking for a command it was not granted. */
  appUserForbidden?: string;
}

export interface SecuritySections {
  /** A secured run: how (e.g. "acl+tls"), and each server and Sentinel seen refusing each client that lacked a part of it (never a secret). */
  security: { label: string; auth: SecuritySpec["auth"]; tls: boolean; refused: Record<string, SecurityAttempts> } | null;
}

const WITHIN_MS = 2000;

/** What a plain-text PING to a TLS-only port gets: nothing PONG-like (the server closes, or answers garbage). */
function plaintextPing(at: { host: string; port: number }): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(at);
    let got = "";
    const done = (what: string) => {
      clearTimeout(timer);
      s.destroy();
      resolve(what);
    };
    const timer = setTimeout(() => done(got ? `answered ${JSON.stringify(got.slice(0, 40))}` : "no answer"), WITHIN_MS);
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      got += d.toString("latin1");
      if (got.includes("PONG")) done("PONG");
    });
    s.on("error", (e: NodeJS.ErrnoException) => done(`closed (${e.code ?? e.message})`));
    s.on("close", () => done(got ? `closed after ${JSON.stringify(got.slice(0, 40))}` : "closed"));
  });
}

/** A TLS client that trusts the CA but presents no certificate, and sends PING once connected. */
function pingWithoutCertificate(at: { host: string; port: number }, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ ...at, ca });
    let got = "";
    const done = (what: string) => {
      clearTimeout(timer);
      s.destroy();
      resolve(what);
    };
    const timer = setTimeout(() => done("no answer"), WITHIN_MS);
    s.on("secureConnect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      got += d.toString("latin1");
      if (got.includes("PONG")) done("PONG");
    });
    s.on("error", (e: NodeJS.ErrnoException) => done(`refused (${e.code ?? e.message.split("\n")[0]})`));
    s.on("close", () => done("closed"));
  });
}

/** One command over a short-lived ioredis connection with the given access; its reply, or the error's first word. */
async function ask(at: { host: string; port: number }, access: ClientAccess, command: string[]): Promise<{ ok: boolean; reply: string }> {
  // RESP2 and no client info: a HELLO or CLIENT SETINFO before AUTH would be refused before the command is asked.
  const c = new Redis({
    ...at,
    ...accessOptions(access),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    retryStrategy: () => null,
    connectTimeout: WITHIN_MS,
    commandTimeout: WITHIN_MS,
    protocol: 2,
    disableClientInfo: true,
  });
  c.on("error", () => {});
  try {
    await c.connect();
    const reply = await c.call(command[0], ...command.slice(1));
    return { ok: true, reply: JSON.stringify(reply).slice(0, 60) };
  } catch (e) {
    return { ok: false, reply: (e as Error).message.split(" ")[0] };
  } finally {
    c.disconnect();
  }
}

/**
 * A secured run proves it is secured: before the load, every server and Sentinel is approached through its client link
 * (the way the load reaches it) by a client that lacks one part of what the scenario requires: TLS (plain text; no
 * client certificate), a login, a right (the application user asks for CONFIG GET, or SENTINEL MASTERS). Each must be
 * refused. One that answers stops the run (exit 3): its numbers would be an unsecured topology's under a secured name.
 */
export class SecurityCheck implements Probe<SecuritySections> {
  readonly name = "security check";
  private readonly refused: Record<string, SecurityAttempts> = {};

  constructor(
    private readonly ctx: ProbeContext,
    private readonly spec: SecuritySpec,
  ) {}

  async start(): Promise<void> {
    const t = this.ctx.topology;
    // What to try follows the scenario, not the topology: a topology that came up open (no TLS, no login) is caught here.
    const { access } = t;
    for (const n of [...t.nodes, ...t.sentinels]) {
      const link = t.clientLinks.get(n.name);
      if (!link) continue;
      const at = reachedAt(link);
      const seen: SecurityAttempts = (this.refused[n.name] = {});
      const fail = (what: string, answer: string, fix: string) => {
        throw new EnvironmentError(`${n.name} answered ${what} (${answer}): the topology is not secured as the scenario asks.`, fix);
      };
      if (this.spec.tls) {
        seen.plaintext = await plaintextPing(at);
        if (seen.plaintext === "PONG")
          fail("a plain-text client", "PING → PONG", "Check the image was built with TLS (tls-port) and the plain port is off (port 0).");
        // Without the run's CA there is no TLS client to try; the plain-text PING above has already failed such a topology.
        if (access.tls) {
          seen.noClientCertificate = await pingWithoutCertificate(at, access.tls.ca);
          if (seen.noClientCertificate === "PONG") fail("a TLS client with no certificate", "PING → PONG", "Check tls-auth-clients is yes.");
        }
      }
      if (this.spec.auth !== "none") {
        const r = await ask(at, { ...access, login: null }, ["PING"]);
        seen.noLogin = r.reply;
        if (r.ok || !/NOAUTH/.test(r.reply))
          fail(
            "a client that sent no password",
            r.ok ? `PING → ${r.reply}` : r.reply,
            "Check the image honours requirepass and ACL users (a Redis or Valkey server), and report it if it does.",
          );
      }
      if (this.spec.auth === "acl") {
        if (!access.login?.username)
          fail("with no application user", "the topology has no ACL login", "Check the topology was started with the scenario's security (StartEnv.security).");
        const forbidden = t.sentinels.includes(n) ? ["SENTINEL", "MASTERS"] : ["CONFIG", "GET", "maxmemory"];
        const r = await ask(at, access, forbidden);
        seen.appUserForbidden = `${forbidden.slice(0, 2).join(" ")} → ${r.reply}`;
        if (r.ok || !/NOPERM/.test(r.reply))
          fail(`the application user's ${forbidden.slice(0, 2).join(" ")}`, r.reply, "Check the ACL rules in harness/security/acl.ts.");
      }
    }
  }

  rebase(): void {}

  async stop(): Promise<void> {}

  contribute(): SecuritySections {
    return { security: { label: securityLabel(this.spec), auth: this.spec.auth, tls: this.spec.tls, refused: this.refused } };
  }
}
