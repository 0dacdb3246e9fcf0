import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pollUntil } from "../../harness/infra/poll.js";

const SCRIPT = path.resolve(import.meta.dirname, "../hosts/deployment.sh");

/** What test/hosts/deployment.sh prints: three hosts made of network namespaces, each with sshd, Redis and a Sentinel. */
export interface NamespaceDeployment {
  dir: string;
  subnet: string;
  key: string;
  knownHosts: string;
  /** Sentinel flavor: a Redis and a Sentinel a host; cluster: two cluster-mode Redis servers a host (redisPort2). */
  hosts: Array<{
    name: string;
    namespace: string;
    ip: string;
    redisPort: number;
    startRedis: string;
    sentinelPort?: number;
    startSentinel?: string;
    redisPort2?: number;
    startRedis2?: string;
  }>;
  /** The target file naming it, for `--target`. */
  targetFile: string;
}

/**
 * A user's own deployment, started by a script that is not the harness (test/hosts/deployment.sh): three network
 * namespaces on a bridge of their own (10.213.<id>.0/24), each an SSH host running redis-server and redis-sentinel (or
 * two cluster-mode servers: a cluster of three masters with a replica each), and a target file for it with control
 * ssh. The only addresses any test reaches are these.
 */
export function upDeployment(id: number, flavor: "sentinel" | "cluster" = "sentinel"): NamespaceDeployment {
  const dir = mkdtempSync(path.join(tmpdir(), "rc-deployment-"));
  const out = execFileSync("bash", [SCRIPT, "up", dir, String(id), flavor], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const d = JSON.parse(out.trim().split("\n").pop()!) as Omit<NamespaceDeployment, "dir" | "targetFile">;
  const node = (name: string, ip: string, port: number, start: string) => ({ name, address: `${ip}:${port}`, start });
  const common = {
    name: `namespaces-${id}`,
    allow: { hosts: d.hosts.map((h) => h.ip) },
    control: { kind: "ssh", user: "root", identityFile: d.key, knownHosts: d.knownHosts },
  };
  const target =
    flavor === "cluster"
      ? {
          kind: "cluster",
          ...common,
          nodes: [
            ...d.hosts.map((h, i) => node(`redis-${i}`, h.ip, h.redisPort, h.startRedis)),
            ...d.hosts.map((h, i) => node(`redis-${i + 3}`, h.ip, h.redisPort2!, h.startRedis2!)),
          ],
        }
      : {
          kind: "sentinel",
          ...common,
          nodes: d.hosts.map((h, i) => node(`redis-${i}`, h.ip, h.redisPort, h.startRedis)),
          sentinels: { masterName: "mymaster", nodes: d.hosts.map((h, i) => node(`sentinel-${i}`, h.ip, h.sentinelPort!, h.startSentinel!)) },
        };
  const targetFile = path.join(dir, "target.json");
  writeFileSync(targetFile, JSON.stringify(target, null, 2));
  return { ...d, dir, targetFile };
}

/** Removes everything `up` made (namespaces, bridge, rules, processes) and its folder. */
export function downDeployment(d: NamespaceDeployment | undefined): void {
  if (!d) return;
  execFileSync("bash", [SCRIPT, "down", d.dir], { stdio: "ignore" });
  rmSync(d.dir, { recursive: true, force: true });
}

/** A command run inside one of the hosts (its network namespace), as the deployment's own operator would. */
export function onHost(d: NamespaceDeployment, host: number, cmd: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync("ip", ["netns", "exec", d.hosts[host].namespace, ...cmd], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (e) {
    return { ok: false, out: String((e as { stdout?: string }).stdout ?? "") };
  }
}

/**
 * What a run may not change on the deployment, host by host: its firewall rules, its keys, its processes (Redis, Sentinel
 * and the one sshd listening; an SSH session the harness left open would show as another sshd).
 */
export function footprint(d: NamespaceDeployment): Array<{ rules: string; keys: string; processes: string[] }> {
  return d.hosts.map((h, i) => ({
    rules: onHost(d, i, ["iptables", "-S"]).out,
    keys: [h.redisPort, ...(h.redisPort2 ? [h.redisPort2] : [])]
      .map((p) => onHost(d, i, ["redis-cli", "-h", h.ip, "-p", String(p), "DBSIZE"]).out.trim())
      .join(" "),
    // Zombies left out: the machine's init reaps a killed process only after a second or so. So is this command itself
    // (its shell, and the shell's children: the loop and `sort`, which a CI run once caught starting on one host only).
    processes: onHost(d, i, [
      "sh",
      "-c",
      `for p in $(ip netns pids ${h.namespace}); do set -- $(cut -d')' -f2- /proc/$p/stat 2>/dev/null); [ -z "$1" ] || [ "$1" = Z ] || [ "$p" = "$$" ] || [ "$2" = "$$" ] || cat /proc/$p/comm 2>/dev/null; done | sort`,
    ])
      .out.trim()
      .split("\n"),
  }));
}

const sessionsOpen = (f: ReturnType<typeof footprint>) => f.some((h) => h.processes.filter((x) => x === "sshd").length > 1);

/**
 * The footprint once every SSH session has ended (an sshd serves each session and exits a moment after it closes):
 * a footprint taken while an earlier test's session was closing would count its sshd as part of the deployment.
 */
export async function footprintAtRest(d: NamespaceDeployment): Promise<ReturnType<typeof footprint>> {
  let now = footprint(d);
  await pollUntil(
    async () => {
      now = footprint(d);
      if (sessionsOpen(now)) throw new Error("an SSH session is still closing");
      return true;
    },
    { timeoutMs: 10_000, intervalMs: 250 },
  ).catch(() => undefined);
  return now;
}

/** Waits until the deployment's footprint is `before` again (the run's own SSH sessions closing), and returns it. */
export async function leftAsFound(d: NamespaceDeployment, before: ReturnType<typeof footprint>): Promise<ReturnType<typeof footprint>> {
  let now = footprint(d);
  await pollUntil(
    async () => {
      now = footprint(d);
      if (JSON.stringify(now) !== JSON.stringify(before)) throw new Error("not yet");
      return true;
    },
    { timeoutMs: 5000, intervalMs: 250 },
  ).catch(() => undefined);
  return now;
}

/** Waits until the deployment has one master that every Sentinel names, with both replicas linked: a run starts from that. */
export async function settled(d: NamespaceDeployment, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const roles = d.hosts.map((h, i) => onHost(d, i, ["redis-cli", "-h", h.ip, "-p", String(h.redisPort), "ROLE"]).out.split("\n")[0]);
    const named = d.hosts.map(
      (h, i) => onHost(d, i, ["redis-cli", "-h", h.ip, "-p", String(h.sentinelPort), "SENTINEL", "get-master-addr-by-name", "mymaster"]).out.split("\n")[0],
    );
    const master = roles.indexOf("master");
    const links = d.hosts.map((h, i) => onHost(d, i, ["redis-cli", "-h", h.ip, "-p", String(h.redisPort), "INFO", "replication"]).out);
    const ok =
      roles.filter((r) => r === "master").length === 1 &&
      named.every((n) => n === d.hosts[master].ip) &&
      links.every((l, i) => i === master || /master_link_status:up/.test(l));
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the deployment did not settle: roles ${roles.join(", ")}; Sentinels name ${named.join(", ")}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
