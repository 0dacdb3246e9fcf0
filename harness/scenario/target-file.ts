import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import path from "node:path";
import { BadInputError } from "../infra/errors.js";
import { faultDefinition } from "../faults/registry.js";
import { fixedAddressFollowsFailover } from "../topology/definition.js";
import { topologyDefinition } from "../topology/registry.js";
import { WORKLOADS, workloadDefinition } from "../workload/registry.js";
import { OPEN_ACCESS, type ClientAccess } from "../security/run-security.js";
import { missingOnTarget, targetCapabilities, targetSchema, type TargetSecrets, type TargetSpec } from "../topology/target-spec.js";
import { describeIssue, fieldPath } from "./issue-words.js";
import { parseScenarioText } from "./load.js";
import type { Scenario } from "./schema.js";

/** A file the target file names, read now: a missing one is the field's fault, said with the field. */
function readNamed(file: string, field: string, origin: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new BadInputError(
      `${origin}: ${field} ${file}: cannot read it (${err.code === "ENOENT" ? "there is no such file" : err.message}).`,
      `Give ${field} the path of the file.`,
    );
  }
}

/**
 * known_hosts as ssh writes it, plain host names only: host (or "[host]:port" for a port other than 22) → the base64
 * blobs of its keys. Hashed entries and @cert-authority lines are not read (a host listed only so is refused at login);
 * a key marked @revoked is taken out wherever it was listed.
 */
export function parseKnownHosts(text: string): Map<string, string[]> {
  const byHost = new Map<string, string[]>();
  const revoked = new Set<string>();
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/);
    const marker = words[0]?.startsWith("@") ? words.shift() : undefined;
    const [hosts, , key] = words;
    if (!hosts || hosts.startsWith("#") || hosts.startsWith("|") || !key) continue;
    if (marker === "@revoked") revoked.add(key);
    if (marker) continue;
    for (const h of hosts.split(",")) {
      const m = /^\[(.*)\]:(\d+)$/.exec(h);
      const host = m ? (m[2] === "22" ? m[1] : h) : h;
      byHost.set(host, [...(byHost.get(host) ?? []), key]);
    }
  }
  for (const [host, keys] of byHost)
    byHost.set(
      host,
      keys.filter((k) => !revoked.has(k)),
    );
  return byHost;
}

/** A target file, read and checked, with what it points to resolved. */
export interface LoadedTarget {
  spec: TargetSpec;
  secrets: TargetSecrets;
}

/**
 * Reads and checks a target file (`--target`): its fields (every address inside allow.hosts), then what it points to:
 * the credentials from the environment variables it names (never from the file), the TLS files, the SSH key and
 * known_hosts. Anything missing is named with its field, exit 2, before anything connects.
 */
export function loadTargetFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadedTarget {
  if (!/\.(json|ya?ml)$/i.test(file))
    throw new BadInputError(`--target ${file}: a target file's name ends in .json, .yaml or .yml.`, "Give the path of your target file (docs/targets.md).");
  const text = readNamed(file, "--target", "the command line").toString("utf8");
  const parsed = parseScenarioText(file, text);
  const r = targetSchema.safeParse(parsed ?? {}, { reportInput: true });
  if (!r.success)
    throw new BadInputError(
      [`The target file ${file} is invalid:`, ...r.error.issues.map((i) => `  - ${fieldPath(i.path) || "(the file)"}: ${describeIssue(i, targetSchema)}`)].join(
        "\n",
      ),
      `Fix those fields in ${file} (docs/targets.md lists every field).`,
    );
  const spec = r.data;
  const secret = (field: string, name: string | undefined): string | undefined => {
    if (name === undefined) return undefined;
    const v = env[name];
    if (v === undefined || v === "")
      throw new BadInputError(`${file}: ${field} names the environment variable ${name}, which is not set.`, `Set ${name} before running (export ${name}=…).`);
    return v;
  };
  const password = secret("auth.passwordEnv", spec.auth?.passwordEnv);
  const username = secret("auth.usernameEnv", spec.auth?.usernameEnv);
  const tls = spec.tls
    ? {
        ca: readNamed(spec.tls.ca, "tls.ca", file).toString("utf8"),
        ...(spec.tls.cert ? { cert: readNamed(spec.tls.cert, "tls.cert", file).toString("utf8") } : {}),
        ...(spec.tls.key ? { key: readNamed(spec.tls.key, "tls.key", file).toString("utf8") } : {}),
      }
    : null;
  const access: ClientAccess = {
    ...OPEN_ACCESS,
    login: password !== undefined ? { password, ...(username ? { username } : {}) } : null,
    tls,
  } as ClientAccess;
  if (spec.control.kind === "docker" && spec.control.certs) {
    const dir = spec.control.certs;
    const [ca, cert, key] = ["ca.pem", "cert.pem", "key.pem"].map((f) => readNamed(path.join(dir, f), "control.certs", file));
    return { spec, secrets: { access, docker: { ca, cert, key } } };
  }
  if (spec.control.kind !== "ssh") return { spec, secrets: { access } };
  if (!spec.control.identityFile && !env.SSH_AUTH_SOCK)
    throw new BadInputError(
      `${file}: control.identityFile is not given and no SSH agent runs (SSH_AUTH_SOCK is not set).`,
      "Give control.identityFile the path of a private key, or start ssh-agent and add the key.",
    );
  const knownHosts = parseKnownHosts(readNamed(spec.control.knownHosts, "control.knownHosts", file).toString("utf8"));
  const privateKey = spec.control.identityFile ? readNamed(spec.control.identityFile, "control.identityFile", file) : undefined;
  return { spec, secrets: { access, ssh: { knownHosts, ...(privateKey ? { privateKey } : {}) } } };
}

/**
 * What a scenario asks that a target cannot give, in the scenario's fields: its kind, settings the target keeps as its
 * own, security it has its own way, and every fault's requirements against what the target file allows.
 */
export function checkScenarioOnTarget(scenario: Scenario, t: TargetSpec): void {
  const problems: string[] = [];
  const caps = targetCapabilities(t);
  if (scenario.topology.kind !== t.kind)
    problems.push(`topology.kind: the scenario tests a ${scenario.topology.kind} topology; the target ${t.name} is ${t.kind}`);
  if (Object.keys(scenario.topology.config).length)
    problems.push("topology.config: a target keeps its own configuration (the harness never changes it): leave topology.config out");
  if (scenario.security.auth !== "none" || scenario.security.tls)
    problems.push("security: a target's login and TLS are its own: give them in the target file (auth, tls), and leave the scenario's security out");
  if (scenario.dataset.size > 0 && !caps.has("serverSideDataset"))
    problems.push(`dataset: loaded with DEBUG POPULATE: ${missingOnTarget(t, "serverSideDataset")}`);
  scenario.faults.forEach((f, i) => {
    for (const r of faultDefinition(f.kind).requires?.(f) ?? [])
      if (!caps.has(r.capability)) problems.push(`faults[${i}] (${f.kind}): needs ${r.message}: ${missingOnTarget(t, r.capability)}`);
  });
  if (scenario.workload.readFrom === "replicas" && !caps.has("replicas")) problems.push(`workload.readFrom: the target ${t.name} has no replicas`);
  // A cut drops everything between the target's hosts: one of them being this machine would cut the harness off too.
  const local = new Set(["127.0.0.1", "::1", "localhost", ...Object.values(networkInterfaces()).flatMap((a) => (a ?? []).map((i) => i.address))]);
  const here = [...new Set([...t.nodes, ...(t.sentinels?.nodes ?? [])].map((n) => n.address.host))].filter((h) => local.has(h));
  if (here.length && scenario.faults.some((f) => (faultDefinition(f.kind).requires?.(f) ?? []).some((r) => r.capability === "cuts")))
    problems.push(`faults: a cut drops all traffic between the target's hosts, and ${here.join(", ")} is this machine: the harness would cut itself off`);
  if (t.drivers) {
    // The drivers run the shards driver threads run: the lean engine's load of a shardable workload, on fixed addresses.
    const w = scenario.workload;
    if (!workloadDefinition(w.keys).shardable || w.engine !== "lean")
      problems.push(
        `workload: drivers on other hosts run the lean engine's load of a shardable workload (keys ${WORKLOADS.filter((d) => d.shardable)
          .map((d) => d.keys)
          .join(" or ")}, engine lean); this one is keys ${w.keys}, engine ${w.engine}`,
      );
    if (!fixedAddressFollowsFailover(topologyDefinition(t.kind)))
      problems.push(
        `drivers: a driver keeps the address it connected to, which a ${t.kind} failover moves: drivers on other hosts run against a topology that never promotes (standalone)`,
      );
    if (w.readFrom === "replicas") problems.push("workload.readFrom: drivers on other hosts read from the master");
  }
  if (problems.length)
    throw new BadInputError(
      [`Scenario "${scenario.name}" cannot run against the target ${t.name}:`, ...problems.map((p) => `  - ${p}`)].join("\n"),
      "Pick a scenario the target allows, or allow more in the target file (docs/targets.md).",
    );
}
