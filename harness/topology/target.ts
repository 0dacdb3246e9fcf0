import { BadInputError } from "../infra/errors.js";
import type { ClientAccess } from "../security/run-security.js";
import type { ClientSettings } from "./client-options.js";
import type { ContainerLimits } from "./definition.js";
import type { ProxiedLink } from "./fault-layer.js";
import { startDeployment } from "./lifecycle.js";
import { hostPeerCut, runRuleTag, type PeerCut } from "./peer-cut.js";
import { RedisNode } from "./redis-node.js";
import { topologyDefinition } from "./registry.js";
import { removeHarnessKeys, rolesOf } from "./harness-keys.js";
import { startingPoint } from "./starting-point.js";
import { targetCapabilities, type TargetNode, type TargetSecrets, type TargetSpec } from "./target-spec.js";
import { NoControl, SshControl, SshHost } from "./ssh-control.js";
import { ContainerControl } from "./container-control.js";
import Docker from "dockerode";
import type { Capability, Convergence, DataClient, Topology, TopologyDescription } from "./types.js";

/*
 * A deployment the harness did not start (`run --target deployment.yaml`), reached and attached to: the target file's
 * nodes and nothing else, acted on only as its control allows (target-spec.ts), its keys left alone (harness-keys.ts).
 */

/** Every ssh login the target needs, by what it is for: each node's (by name), and each driver host's ("driver <k>"). */
function sshLogins(t: TargetSpec): Map<string, { user: string; host: string }> {
  const byUse = new Map<string, { user: string; host: string }>();
  if (t.control.kind !== "ssh") return byUse;
  for (const n of [...t.nodes, ...(t.sentinels?.nodes ?? [])]) {
    const [user, host] = n.ssh ? n.ssh.split("@") : [t.control.user, n.address.host];
    byUse.set(n.name, { user, host });
  }
  t.drivers?.hosts.forEach((h, k) => {
    const [user, host] = h.split("@");
    byUse.set(`driver ${k}`, { user, host });
  });
  return byUse;
}

/** The engine of a target's containers (control: docker), answering, and how the docker CLI would reach it. */
async function reachEngine(
  c: Extract<TargetSpec["control"], { kind: "docker" }>,
  secrets: TargetSecrets,
  onStep: (msg: string) => void,
): Promise<{ docker: Docker; cliFlags: string }> {
  onStep(`connecting to the Docker engine at ${c.engine}`);
  const tcp = /^tcp:\/\/([^:]+):(\d+)$/.exec(c.engine);
  const docker = tcp
    ? new Docker({ host: tcp[1], port: Number(tcp[2]), protocol: "https", ...secrets.docker })
    : new Docker({ socketPath: c.engine.replace(/^unix:\/\//, "") });
  await docker.ping().catch((err: Error) => {
    throw new BadInputError(`control.engine ${c.engine} does not answer: ${err.message}`, "Check the engine runs, its address, and control.certs.");
  });
  return { docker, cliFlags: tcp ? `-H ${c.engine} --tlsverify` : c.engine === "unix:///var/run/docker.sock" ? "" : `-H ${c.engine}` };
}

/** Hosts the load is driven from (the target file's drivers), logged in to, with where each has Node.js and the harness. */
export interface DriverHosts {
  hosts: SshHost[];
  node?: string;
  harness?: string;
}

/** The nodes as the harness reaches them, before any fault layer: admin connections and controls. */
export interface ReachedTarget {
  spec: TargetSpec;
  nodes: RedisNode[];
  sentinels: RedisNode[];
  hosts: SshHost[];
  /** How clients log in (the target file's auth and TLS). */
  access: ClientAccess;
  drivers?: DriverHosts;
  close(): Promise<void>;
}

/**
 * Connects to every node the target names (a PING each) and logs in to every host it may act on: what the dry run and
 * the run both do first, and all they do that touches the target before the load. A node that does not answer, or a host
 * that refuses the login or shows an unknown key, is named (exit 2) and nothing else is done.
 */
export async function reachTarget(t: TargetSpec, secrets: TargetSecrets, onStep: (msg: string) => void): Promise<ReachedTarget> {
  const hosts = new Map<string, SshHost>();
  const nodes: RedisNode[] = [];
  const sentinels: RedisNode[] = [];
  const close = async () => {
    for (const n of [...nodes, ...sentinels]) n.admin.disconnect();
    for (const h of hosts.values()) h.close();
  };
  try {
    const logins = sshLogins(t);
    for (const [name, login] of logins) {
      const key = `${login.user}@${login.host}`;
      if (hosts.has(key) || t.control.kind !== "ssh") continue;
      onStep(`logging in to ${key} (ssh, for ${name})`);
      const host = await SshHost.connect({
        ...login,
        port: t.control.port,
        privateKey: secrets.ssh?.privateKey,
        hostKeys: secrets.ssh?.knownHosts.get(t.control.port === 22 ? login.host : `[${login.host}]:${t.control.port}`) ?? [],
      }).catch((err: Error) => {
        throw new BadInputError(
          `${name}: cannot log in over SSH: ${err.message}`,
          /verification failed/i.test(err.message)
            ? `control.knownHosts must list ${login.host}'s host key (ssh-keyscan ${login.host} >> the file, after checking it)`
            : "Check the host is up, the user, the key (control.identityFile or the agent), and that it is in allow.hosts.",
        );
      });
      hosts.set(key, host);
    }
    const engine = t.control.kind === "docker" ? await reachEngine(t.control, secrets, onStep) : undefined;
    const controlOf = (n: TargetNode) => {
      const login = logins.get(n.name);
      if (login) return new SshControl(hosts.get(`${login.user}@${login.host}`)!, n.address, n.start);
      if (engine) return new ContainerControl(async () => engine.docker, n.container!, engine.cliFlags);
      return new NoControl("nothing (control: none)");
    };
    if (engine)
      for (const n of [...t.nodes, ...(t.sentinels?.nodes ?? [])])
        await engine.docker
          .getContainer(n.container!)
          .inspect()
          .catch((err: Error) => {
            throw new BadInputError(
              `${n.name}: no container ${n.container} on ${t.control.kind === "docker" ? t.control.engine : ""} (${err.message.split("\n")[0]})`,
              "Give each node's container name as `docker ps` lists it on that engine.",
            );
          });
    const attach = async (n: TargetNode) => {
      onStep(`connecting to ${n.name} at ${n.address.host}:${n.address.port}`);
      return RedisNode.attach(n.name, n.address, controlOf(n), secrets.access).catch((err: Error) => {
        throw new BadInputError(
          `${n.name} at ${n.address.host}:${n.address.port} does not answer: ${err.message}`,
          "Check the address, that the node runs, and the login (auth.passwordEnv) and TLS files.",
        );
      });
    };
    for (const n of t.nodes) nodes.push(await attach(n));
    for (const n of t.sentinels?.nodes ?? []) sentinels.push(await attach(n));
    const drivers = t.drivers && {
      hosts: t.drivers.hosts.map((_, k) => {
        const login = logins.get(`driver ${k}`)!;
        return hosts.get(`${login.user}@${login.host}`)!;
      }),
      ...(t.drivers.node ? { node: t.drivers.node } : {}),
      ...(t.drivers.harness ? { harness: t.drivers.harness } : {}),
    };
    return { spec: t, nodes, sentinels, hosts: [...hosts.values()], access: secrets.access, ...(drivers ? { drivers } : {}), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What a report says about the target a run acted on. */
export interface TargetFacts {
  name: string;
  kind: string;
  control: string;
  nodes: Array<{ name: string; address: string; where: string }>;
  /** Keys the deployment held before the run (its own, left alone). */
  keysBefore: number;
  /** Keys under the harness's prefixes removed at the end (null: not removed, say why in `cleanup`). */
  harnessKeysRemoved: number | null;
  cleanup?: string;
  /**
   * What a fault had left in force when the run ended (a heal that failed, an SSH session cut): put back by the teardown
   * (a node thawed or started again, the harness's iptables rules removed from a host), or what could not be.
   */
  putBack?: string[];
}

/**
 * A target as a running topology: the kind's own class over the target's nodes (so primaries, convergence and clients
 * work as for the harness's own deployments), a local fault layer in front of every node for the clients, and what
 * the target allows instead of what the kind could do: its capabilities, cuts made with iptables on the hosts.
 */
export class TargetTopology implements Topology {
  facts: TargetFacts;

  constructor(
    private readonly inner: Topology,
    private readonly reached: ReachedTarget,
    readonly capabilities: ReadonlySet<Capability>,
    keysBefore: number,
  ) {
    const t = reached.spec;
    this.facts = {
      name: t.name,
      kind: t.kind,
      control: t.control.kind,
      nodes: [...t.nodes, ...(t.sentinels?.nodes ?? [])].map((n) => ({
        name: n.name,
        address: `${n.address.host}:${n.address.port}`,
        where: [...reached.nodes, ...reached.sentinels].find((r) => r.name === n.name)!.control.where,
      })),
      keysBefore,
      harnessKeysRemoved: null,
    };
  }

  get kind() {
    return this.inner.kind;
  }
  get nodes() {
    return this.inner.nodes;
  }
  get sentinels() {
    return this.inner.sentinels;
  }
  get faultLayer() {
    return this.inner.faultLayer;
  }
  get access() {
    return this.inner.access;
  }
  get clientLinks() {
    return this.inner.clientLinks;
  }
  get peerLinks() {
    return this.inner.peerLinks;
  }
  get announced() {
    return this.inner.announced;
  }
  get route() {
    return this.inner.route;
  }

  /** Where the load is driven from, when the target file names driver hosts. */
  get remoteDrivers(): DriverHosts | undefined {
    return this.reached.drivers;
  }

  /** What this run's iptables rules on the target's hosts carry. */
  readonly ruleTag = runRuleTag();

  /**
   * On the node's host: drop everything to and from the deployment's other hosts (the harness's own address stays
   * open). Another data node on the same host could not be cut from it: such a cut is refused, not half made.
   */
  peerCut(node: RedisNode): PeerCut {
    const beside = this.nodes.filter((n) => n !== node && n.address.host === node.address.host);
    if (beside.length)
      throw new Error(`${node.name} shares its host ${node.address.host} with ${beside.map((n) => n.name).join(", ")}: a cut on the host cannot separate them`);
    return hostPeerCut(
      node.address,
      [...this.nodes, ...this.sentinels].map((n) => n.address.host),
      this.ruleTag,
    );
  }

  newClient(to?: "primary" | "replica"): DataClient {
    return this.inner.newClient(to);
  }
  primary(): Promise<RedisNode> {
    return this.inner.primary();
  }
  replicasOf(node: RedisNode): Promise<RedisNode[]> {
    return this.inner.replicasOf(node);
  }
  readKeys(keys: string[]): Promise<Array<string | null>> {
    return this.inner.readKeys(keys);
  }
  removeKeys(keys: string[]): Promise<void> {
    return this.inner.removeKeys(keys);
  }
  converge(timeoutMs: number): Promise<Convergence> {
    return this.inner.converge(timeoutMs);
  }

  /**
   * Whatever a fault left in force, undone: every node running and not frozen (all answered when the run began, so one
   * that is down now was downed by it), and on every host the harness logged in to, its tagged iptables rules removed.
   */
  private async putBack(): Promise<string[]> {
    const said: string[] = [];
    const attempt = async (what: string, act: () => Promise<unknown>) =>
      act().then(
        () => said.push(what),
        (err: Error) => said.push(`${what}: FAILED (${err.message}); put it back by hand`),
      );
    for (const n of [...this.nodes, ...this.sentinels]) {
      const s = await n.control.state().catch(() => undefined);
      if (s?.paused) await attempt(`${n.name} thawed`, () => n.control.unpause());
      else if (s && !s.running) await attempt(`${n.name} started again`, () => n.control.start());
    }
    // Each rule of this run, deleted by its own line from `iptables -S`; then counted again: what is left is said.
    const tag = `--comment ${this.ruleTag} `;
    const removeAndCount = `tag='${tag}'; rules=$(iptables -S | grep -F -- "$tag" | sed 's/^-A /-D /'); [ -z "$rules" ] || printf '%s\\n' "$rules" | xargs -L1 iptables -w; echo "$(printf '%s\\n' "$rules" | grep -c .) $(iptables -S | grep -cF -- "$tag")"`;
    for (const h of this.reached.spec.control.kind === "ssh" ? this.reached.hosts : []) {
      const r = await h.exec(removeAndCount).catch((err: Error) => ({ exitCode: -1, output: err.message }));
      const [found, left] = r.output.trim().split(" ").map(Number);
      if (r.exitCode !== 0 || Number.isNaN(found) || Number.isNaN(left) || left > 0)
        said.push(
          `${h.label}: the run's iptables rules were not all removed (${r.output.trim().slice(0, 200)}): look for '${this.ruleTag}' in iptables -S there`,
        );
      else if (found > 0) said.push(`${h.label}: ${found} iptables rule(s) of the harness removed`);
    }
    return said;
  }

  /** The facts object itself, not a copy: what stop() finds (the keys it removed) reaches the report written after it. */
  async describe(): Promise<TopologyDescription> {
    return { ...(await this.inner.describe()), image: `target ${this.facts.name}`, target: this.facts };
  }

  /**
   * Removes the harness's keys (on every master of the moment, a cluster's all of them: the replicas follow), then the
   * fault layer; the target's processes are left running as they are. A key that cannot be removed is said in the
   * report, never retried blindly.
   */
  async stop(): Promise<void> {
    const putBack = await this.putBack();
    if (putBack.length) this.facts.putBack = putBack;
    try {
      const roles = await rolesOf(this.inner.nodes);
      let removed = 0;
      for (const m of this.inner.nodes.filter((_, i) => roles[i] === "master")) removed += await removeHarnessKeys(m);
      this.facts.harnessKeysRemoved = removed;
    } catch (err) {
      this.facts.cleanup = `the harness's keys were not removed: ${(err as Error).message}`;
    }
    await this.inner.stop();
    await this.reached.close();
  }
}

/** What attaching needs beyond the target: the fault layer's image and limit, the clients' settings. */
export interface AttachEnv {
  toxiproxyImage: string;
  limits: ContainerLimits;
  client: ClientSettings;
  onStep: (msg: string) => void;
}

/**
 * Attaches to a reached target: a local fault layer with a client link to every node (the clients go through it, so
 * client-side faults work on any target), announced addresses mapped to those links, roles read from the nodes (the
 * master first), the harness's prefixes checked empty. Whatever fails, the fault layer is removed and the nodes left as
 * they were.
 */
export async function attachTarget(reached: ReachedTarget, env: AttachEnv): Promise<TargetTopology> {
  const t = reached.spec;
  const start = await startingPoint(reached);
  if (start.problems.length)
    throw new BadInputError(
      `the target ${t.name} is not where a run can start: ${start.problems.join("; ")}`,
      "Let the deployment settle, correct the target file's addresses, or remove leftovers under the harness's prefixes yourself.",
    );
  const master = start.master!;
  const nodes = [master, ...reached.nodes.filter((n) => n !== master)];
  const space = start.keyspace!;
  const all = [...nodes, ...reached.sentinels];
  return startDeployment({ toxiproxyImage: env.toxiproxyImage, limits: env.limits }, { published: all.length, internal: [] }, env.onStep, async (f) => {
    const clientLinks = new Map<string, ProxiedLink>();
    for (const n of all) clientLinks.set(n.name, await f.faultLayer.link(`client-${n.name}`, `${n.address.host}:${n.address.port}`));
    const inner = topologyDefinition(t.kind).attach!({
      image: `target ${t.name}`,
      client: env.client,
      network: f.network,
      faultLayer: f.faultLayer,
      nodes,
      sentinels: reached.sentinels,
      clientLinks,
      access: reached.access,
      announced: new Map(nodes.map((n) => [n.name, n.address])),
      masterName: t.sentinels?.masterName ?? "",
      masters: start.masters.length,
    });
    return new TargetTopology(inner, reached, targetCapabilities(t), space.keys);
  });
}
