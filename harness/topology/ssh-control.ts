import { Client, type ClientChannel } from "ssh2";
import type { NodeAction, NodeControl, NodeState } from "./node-control.js";
import type { NodeAddress } from "./redis-node.js";

/** How the harness logs in to a host of a target: the user, the port, a key (a file's contents, or the agent), its known host keys. */
export interface SshLogin {
  user: string;
  host: string;
  port: number;
  /** A private key's contents; without it, the agent at SSH_AUTH_SOCK. */
  privateKey?: Buffer;
  /** Accepted host keys of this host (base64 blobs, as known_hosts lists them): a host whose key is not among them is refused. */
  hostKeys: string[];
}

/**
 * One SSH connection to a host, shared by every node on it; commands run through `sh -c` there. A connection that
 * dropped (the host's network blipped, sshd restarted) is made again at the next command: a heal must still reach the
 * host that a fault acted on.
 */
export class SshHost {
  private closed = false;

  private constructor(
    private client: Client,
    readonly login: SshLogin,
  ) {
    this.watch(client);
  }

  get label(): string {
    return `${this.login.user}@${this.login.host}${this.login.port === 22 ? "" : `:${this.login.port}`}`;
  }

  static async connect(login: SshLogin, timeoutMs = 5000): Promise<SshHost> {
    return new SshHost(await SshHost.dial(login, timeoutMs), login);
  }

  private static dial(login: SshLogin, timeoutMs: number): Promise<Client> {
    const client = new Client();
    return new Promise((resolve, reject) => {
      client
        .once("ready", () => resolve(client))
        .once("error", (err) => reject(new Error(`ssh ${login.user}@${login.host}:${login.port}: ${err.message}`)))
        .connect({
          host: login.host,
          port: login.port,
          username: login.user,
          ...(login.privateKey ? { privateKey: login.privateKey } : { agent: process.env.SSH_AUTH_SOCK }),
          readyTimeout: timeoutMs,
          // Strict, as ssh's StrictHostKeyChecking=yes: the key must be one the target file's known_hosts gives.
          hostVerifier: (key: Buffer) => login.hostKeys.includes(key.toString("base64")),
        });
    });
  }

  private alive = true;
  /** A dial in progress: every command that finds the connection gone waits for the same one. */
  private redial: Promise<Client> | undefined;

  private watch(client: Client): void {
    client.on("error", () => {}); // said at the next command, which dials again
    client.once("close", () => (this.alive = false));
  }

  /** The connection, made again (once, whoever asks) if it dropped. */
  private async connection(): Promise<Client> {
    if (this.closed) throw new Error(`ssh ${this.label}: closed`);
    if (this.alive) return this.client;
    this.redial ??= SshHost.dial(this.login, 5000)
      .then((c) => {
        this.client = c;
        this.alive = true;
        this.watch(c);
        return c;
      })
      .finally(() => (this.redial = undefined));
    return this.redial;
  }

  /** Runs `command` with sh; resolves with its exit code and what it printed (stdout and stderr). */
  async exec(command: string, timeoutMs = 30_000): Promise<{ exitCode: number; output: string }> {
    const client = await this.connection();
    return new Promise((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) return reject(new Error(`ssh ${this.label}: ${err.message}`));
        let output = "";
        const timer = setTimeout(() => {
          stream.close();
          reject(new Error(`ssh ${this.label}: \`${command}\` did not finish within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        stream.on("data", (d: Buffer) => (output += d.toString()));
        stream.stderr.on("data", (d: Buffer) => (output += d.toString()));
        stream.on("close", (code: number | null) => {
          clearTimeout(timer);
          resolve({ exitCode: code ?? -1, output });
        });
      });
    });
  }

  /** Starts `command` and hands over its channel (stdin to write to, stdout and stderr to read): a process that runs on. */
  async open(command: string): Promise<ClientChannel> {
    const client = await this.connection();
    return new Promise((resolve, reject) =>
      client.exec(command, (err, stream) => (err ? reject(new Error(`ssh ${this.label}: ${err.message}`)) : resolve(stream))),
    );
  }

  close(): void {
    this.closed = true;
    this.client.end();
  }
}

/** A word as sh reads it, whatever it holds. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A node of a target reached over SSH, as Jepsen's nemeses act on real nodes: its process is the one listening on its
 * port (found with ss each time, so a restarted server is found again); kill and pause are signals to it, and starting
 * it again is the command the target file gives. Nothing else on the host is touched.
 */
export class SshControl implements NodeControl {
  constructor(
    private readonly host: SshHost,
    private readonly at: NodeAddress,
    /** The target file's command that starts the node again (undefined: it gave none, so a kill is refused before the run). */
    private readonly startCommand: string | undefined,
  ) {}

  get where(): string {
    return `ssh ${this.host.label}`;
  }

  /**
   * The shell line that prints the pid of the Redis or Valkey server (or Sentinel) listening on the node's address and
   * port, or on every address at that port (empty when none): another server bound to another address at the same port,
   * or a proxy in front of it, is not the node.
   */
  private pidLine(): string {
    const p = this.at.port;
    const mine = shellQuote(`${this.at.host}:${p}`);
    return `ss -Hltnp 'sport = :${p}' | awk -v a=${mine} '($4 == a || $4 == "0.0.0.0:${p}" || $4 == "*:${p}" || $4 == "[::]:${p}") && /"(redis|valkey)-(server|sentinel)"/' | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2`;
  }

  private async pid(): Promise<number> {
    const r = await this.host.exec(this.pidLine());
    return Number(r.output.trim()) || 0;
  }

  /** One round trip: the pid found and signalled by one shell line, so the signal leaves when the fault says it was sent. */
  private async signal(signal: string): Promise<void> {
    const r = await this.host.exec(
      `pid=$(${this.pidLine()}); [ -n "$pid" ] || { echo "no process listens on port ${this.at.port}"; exit 3; }; kill -s ${signal} "$pid"`,
    );
    if (r.exitCode !== 0) throw new Error(`${this.where}: SIG${signal} to the node on port ${this.at.port}: ${r.output.trim().slice(0, 300)}`);
  }

  private async run(command: string): Promise<string> {
    const r = await this.host.exec(command);
    if (r.exitCode !== 0) throw new Error(`${this.where}: \`${command}\` exited ${r.exitCode}: ${r.output.trim().slice(0, 300)}`);
    return r.output;
  }

  kill(signal = "SIGKILL"): Promise<void> {
    return this.signal(signal.replace(/^SIG/, ""));
  }

  async start(): Promise<void> {
    if (!this.startCommand) throw new Error(`${this.where}: the target file gives no start command for the node on port ${this.at.port}`);
    await this.run(this.startCommand);
  }

  pause(): Promise<void> {
    return this.signal("STOP");
  }

  unpause(): Promise<void> {
    return this.signal("CONT");
  }

  /** Running: a process listens on the port; paused: it is stopped (state T in /proc). */
  async state(): Promise<NodeState> {
    const pid = await this.pid();
    const stat = pid ? (await this.host.exec(`cat /proc/${pid}/stat`)).output : "";
    const paused = /^\d+ \(.*\) T /.test(stat);
    return { running: pid > 0, paused, oomKilled: false, pid, memoryLimitBytes: 0 };
  }

  /** No environment is passed: it would be on the remote command line, where `ps` shows it (the callers give none over SSH). */
  exec(cmd: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; output: string }> {
    if (Object.keys(env).length) return Promise.reject(new Error(`${this.where}: a command's environment is not sent over SSH`));
    return this.host.exec(cmd.map(shellQuote).join(" "));
  }

  /** What an action does on the host, in the words of a shell: what the dry run prints. */
  explain(action: NodeAction): string {
    const bySignal = (s: string) => `kill -s ${s} $(${this.pidLine()})`;
    const line = { sigkill: bySignal("KILL"), freeze: bySignal("STOP"), thaw: bySignal("CONT"), start: this.startCommand ?? "(no start command given)" }[
      action
    ];
    return `${this.where}: ${line}`;
  }
}

/** A node the target file gives no way to act on (control: none): capabilities keep every fault that would from the run. */
export class NoControl implements NodeControl {
  constructor(readonly where: string) {}
  private refuse(): never {
    throw new Error("the target file's control is none: the harness may not act on this node");
  }
  kill = async (): Promise<void> => this.refuse();
  start = async (): Promise<void> => this.refuse();
  pause = async (): Promise<void> => this.refuse();
  unpause = async (): Promise<void> => this.refuse();
  exec = async (): Promise<{ exitCode: number; output: string }> => this.refuse();
  explain = (action: NodeAction): string => `${action}: not allowed (control: none)`;
  async state(): Promise<NodeState> {
    return { running: true, paused: false, oomKilled: false, pid: 0, memoryLimitBytes: 0 };
  }
}
