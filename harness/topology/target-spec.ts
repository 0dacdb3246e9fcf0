import { z } from "zod";
import { topologyDefinition, TOPOLOGIES, type TopologyKind } from "./registry.js";
import type { ClientAccess } from "../security/run-security.js";
import { CAPABILITIES, type Capability } from "./types.js";

/*
 * A deployment the harness did not start (`run --target deployment.yaml`): someone's real system. The harness connects
 * to the nodes the file names and nothing else, acts on them only as its control allows (ssh: signals to the node's
 * process, its start command, iptables on its host; none: nothing), writes only under its own key prefixes after
 * checking that none of its keys are there, and removes them when it ends. Its kinds are the topology kinds.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The topology kinds a deployment the harness did not start can be (those whose definition can attach to one). */
const TARGETABLE = TOPOLOGIES.filter((d) => d.attach !== undefined);
const TARGET_KINDS = TARGETABLE.map((d) => d.kind) as [TopologyKind, ...TopologyKind[]];
const has = (kind: string, c: Capability) => (topologyDefinition(kind).capabilities as readonly Capability[]).includes(c);
const address = z
  .string()
  .regex(/^[^\s:/]+:\d{1,5}$/, 'host:port, e.g. "10.0.0.2:6379"')
  .transform((s) => ({ host: s.slice(0, s.lastIndexOf(":")), port: Number(s.slice(s.lastIndexOf(":") + 1)) }));
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "the name of an environment variable (the value never goes in this file)");

const targetNode = z
  .object({
    name: z.string().regex(NAME, "letters, digits, -, _ and ."),
    address,
    /** The shell line that starts it again after a kill (control: ssh), run on its host as the ssh user. */
    start: z.string().min(1).optional(),
    /** Its container's name on the control's engine (control: docker). */
    container: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a container name")
      .optional(),
    /** Where the harness logs in to act on it, when not its address's host (user@host). */
    ssh: z
      .string()
      .regex(/^[^\s@]+@[^\s@:]+$/, "user@host")
      .optional(),
  })
  .strict();

export const targetSchema = z
  .object({
    /** One of the topology kinds the harness can target (standalone, replication, sentinel, cluster). */
    kind: z.enum(TARGET_KINDS),
    /** A name for reports. */
    name: z.string().regex(NAME, "letters, digits, -, _ and .").default("target"),
    /** The hosts the harness may reach: any address outside this list is refused before anything is done. */
    allow: z
      .object({
        hosts: z.array(z.string().min(1)).min(1),
        /** DEBUG commands (a dataset loaded on the server side with DEBUG POPULATE). */
        debug: z.boolean().default(false),
        /** CONFIG SET (a fault that changes a setting for its duration). */
        configSet: z.boolean().default(false),
        /** BGSAVE (it writes over the server's RDB file). */
        save: z.boolean().default(false),
      })
      .strict(),
    /** The login, by the names of environment variables that hold it. */
    auth: z.object({ usernameEnv: envName.optional(), passwordEnv: envName }).strict().optional(),
    /** TLS files (PEM): the CA to trust, and a client certificate and key where the servers ask for one. */
    tls: z
      .object({ ca: z.string().min(1), cert: z.string().min(1).optional(), key: z.string().min(1).optional() })
      .strict()
      .optional(),
    /** How the harness may act on the nodes. */
    control: z
      .discriminatedUnion("kind", [
        z.object({ kind: z.literal("none") }).strict(),
        z
          .object({
            kind: z.literal("docker"),
            /** The engine the deployment's containers run on: unix:///var/run/docker.sock (default) or tcp://host:2376 with `certs`. */
            engine: z
              .string()
              .regex(/^(unix:\/\/\/\S+|tcp:\/\/[^\s:/]+:\d{1,5})$/, "unix:///var/run/docker.sock or tcp://host:2376")
              .default("unix:///var/run/docker.sock"),
            /** With a tcp engine: the folder of the client's ca.pem, cert.pem and key.pem (TLS only). */
            certs: z.string().min(1).optional(),
          })
          .strict(),
        z
          .object({
            kind: z.literal("ssh"),
            user: z.string().min(1).default("root"),
            port: z.number().int().min(1).max(65535).default(22),
            /** A private key file; without it, the SSH agent (SSH_AUTH_SOCK). */
            identityFile: z.string().min(1).optional(),
            /** A known_hosts file naming every host's key: a host whose key is not there is refused. */
            knownHosts: z.string().min(1),
          })
          .strict(),
      ])
      .default({ kind: "none" }),
    /**
     * The data nodes (a cluster's: every one, at the address it announces); the master first is not required: roles are
     * read from the nodes.
     */
    nodes: z.array(targetNode).min(1),
    sentinels: z
      .object({ masterName: z.string().min(1).default("mymaster"), nodes: z.array(targetNode).min(1) })
      .strict()
      .optional(),
    /**
     * Hosts the load is driven from instead of this machine (one driver process each, started over SSH with the
     * control's login; the load's rate and connections split between them). They reach the nodes at their own addresses,
     * not through the fault layer. `node` and `harness`: where each host has Node.js and the harness (default: the same
     * paths as here).
     */
    drivers: z
      .object({
        hosts: z
          .array(z.string().regex(/^[^\s@]+@[^\s@:]+$/, "user@host"))
          .min(1)
          .max(32),
        node: z.string().min(1).optional(),
        harness: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (!has(t.kind, "replicas") && t.nodes.length !== 1) issue(["nodes"], `a ${t.kind} target has one node, not ${t.nodes.length}`);
    if (has(t.kind, "replicas") && t.nodes.length < 2) issue(["nodes"], `a ${t.kind} target has a master and at least one replica`);
    if (has(t.kind, "sentinels") && !t.sentinels) issue(["sentinels"], `a ${t.kind} target names its Sentinels: sentinels: { masterName, nodes: [...] }`);
    if (!has(t.kind, "sentinels") && t.sentinels) issue(["sentinels"], `a ${t.kind} target has no Sentinels: leave it out`);
    const all = [...t.nodes.map((n, i) => ({ n, path: ["nodes", i] })), ...(t.sentinels?.nodes ?? []).map((n, i) => ({ n, path: ["sentinels", "nodes", i] }))];
    const seen = new Set<string>();
    for (const { n, path } of all) {
      if (seen.has(n.name)) issue([...path, "name"], `the name ${n.name} is given twice`);
      seen.add(n.name);
      if (!t.allow.hosts.includes(n.address.host))
        issue([...path, "address"], `${n.address.host} is not in allow.hosts (${t.allow.hosts.join(", ")}): add it there, or correct the address`);
      const sshHost = n.ssh?.split("@")[1];
      if (sshHost && !t.allow.hosts.includes(sshHost)) issue([...path, "ssh"], `${sshHost} is not in allow.hosts: add it there, or correct it`);
      if (t.control.kind === "docker" && !n.container) issue([...path, "container"], `the name of ${n.name}'s container on the control's engine`);
      if (t.control.kind === "ssh" && !n.start)
        issue([...path, "start"], `the command that starts ${n.name} again after a kill, run over SSH (e.g. "systemctl start redis-server")`);
    }
    t.drivers?.hosts.forEach((h, i) => {
      const host = h.split("@")[1];
      if (!t.allow.hosts.includes(host)) issue(["drivers", "hosts", i], `${host} is not in allow.hosts: add it there, or correct it`);
    });
    if (t.control.kind === "docker" && t.control.engine.startsWith("tcp://")) {
      const host = t.control.engine.slice(6, t.control.engine.lastIndexOf(":"));
      if (!t.allow.hosts.includes(host)) issue(["control", "engine"], `${host} is not in allow.hosts: add it there, or correct it`);
      if (!t.control.certs) issue(["control", "certs"], "a tcp engine is reached with TLS only: give the folder of ca.pem, cert.pem and key.pem");
    }
    if (t.drivers && t.control.kind !== "ssh")
      issue(
        ["drivers"],
        "drivers are started over SSH with the control's login: give control: { kind: ssh, … } (its known_hosts must list the driver hosts too)",
      );
  });

export type TargetSpec = z.output<typeof targetSchema>;
export type TargetNode = z.output<typeof targetNode>;

/** What loading a target file resolved beyond its fields: the login and TLS from where it points, the SSH key and host keys. */
export interface TargetSecrets {
  access: ClientAccess;
  ssh?: { privateKey?: Buffer; knownHosts: Map<string, string[]> };
  /** control docker on a tcp engine: the client's TLS files. */
  docker?: { ca: Buffer; cert: Buffer; key: Buffer };
}

/** What a target lets the harness do, as capabilities: the scenario's faults are checked against these before anything starts. */
export function targetCapabilities(t: TargetSpec): Set<Capability> {
  // What the kind is (replicas, Sentinels, a failover of its own), never what it lets the harness do: the file says that.
  const caps = new Set<Capability>((["replicas", "sentinels", "autoFailover"] as const).filter((c) => has(t.kind, c)));
  if (t.control.kind === "ssh") caps.add("processes").add("cuts");
  // Through the engine's API: kill, start, pause; a cut would need iptables and NET_ADMIN inside the user's containers.
  if (t.control.kind === "docker") caps.add("processes");
  if (t.allow.debug) caps.add("serverSideDataset");
  if (t.allow.save) caps.add("saves");
  if (t.allow.configSet) caps.add("configures");
  // With drivers on other hosts, the clients reach the nodes at their own addresses: no fault layer in their way.
  if (!t.drivers) caps.add("clientPath");
  return caps;
}

/** What the harness may not do to a target, by capability, and the field of the target file that would allow it. */
export function missingOnTarget(t: TargetSpec, capability: Capability): string {
  const how: Partial<Record<Capability, string>> = {
    processes: "give control: { kind: ssh, … } and each node's start command, or control: { kind: docker, … } and each node's container",
    cuts: "give control: { kind: ssh, … } (iptables on the nodes' hosts; control docker does not cut)",
    serverSideDataset: "set allow.debug: true",
    saves: "set allow.save: true",
    configures: "set allow.configSet: true",
    clientPath: "leave drivers out (the load from this machine goes through the fault layer)",
  };
  const fix = how[capability] ? `to allow it, ${how[capability]}` : "no target file can allow it (it needs a deployment the harness starts itself)";
  return `the target ${t.name} (control ${t.control.kind}) does not allow what this needs (a topology that ${CAPABILITIES[capability]}): ${fix}`;
}
