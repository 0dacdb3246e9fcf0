import { BadInputError } from "../infra/errors.js";
import { parseClusterNodes } from "./cluster-nodes.js";
import { keyspaceOf, rolesOf } from "./harness-keys.js";
import type { RedisNode } from "./redis-node.js";
import { topologyDefinition } from "./registry.js";
import type { ReachedTarget } from "./target.js";

/** Where a run against a target would start from: roles, the master (the first, where there are several), the keyspace, what stops it. */
export interface StartingPoint {
  roles: string[];
  master?: RedisNode;
  /** Every master as the run starts: one, or a cluster's. */
  masters: RedisNode[];
  keyspace?: { keys: number; harnessKeys: Record<string, number> };
  problems: string[];
}

/**
 * Where a run would start from, as the deployment stands: its master(s), its keyspace, and what keeps a run from
 * starting (not exactly one master, or a cluster not settled; a node naming an address the file does not, which the
 * harness could not map to a node; keys already under the harness's prefixes). Read only: the dry run shows it, the run
 * refuses on it.
 */
export async function startingPoint(reached: ReachedTarget): Promise<StartingPoint> {
  return readStartingPoint(reached).catch((err: Error) => {
    throw err instanceof BadInputError
      ? err
      : new BadInputError(
          `the target ${reached.spec.name} could not be read: ${err.message}`,
          "The login (auth.usernameEnv) needs INFO, DBSIZE and SCAN on the servers (CLUSTER on a cluster's) and SENTINEL on the Sentinels; check the nodes still run.",
        );
  });
}

async function readStartingPoint(reached: ReachedTarget): Promise<StartingPoint> {
  const problems: string[] = [];
  const roles = await rolesOf(reached.nodes);
  const named = (host: string | undefined, port: string | number | undefined) =>
    reached.nodes.find((n) => n.address.host === host && String(n.address.port) === String(port));
  const masters = reached.nodes.filter((_, i) => roles[i] === "master");
  const sharded = topologyDefinition(reached.spec.kind).route.by === "slots";
  if (sharded) problems.push(...(await unsettledCluster(reached, named)));
  else {
    if (masters.length !== 1)
      problems.push(`${masters.length} masters (${reached.nodes.map((n, i) => `${n.name}: ${roles[i]}`).join(", ")}) where a run starts from one`);
    problems.push(...(await unnamedMasters(reached, roles, named)));
  }
  const counted = sharded || masters.length === 1 ? masters : [];
  let keyspace: StartingPoint["keyspace"];
  for (const m of counted) {
    const k = await keyspaceOf(m);
    keyspace = { keys: (keyspace?.keys ?? 0) + k.keys, harnessKeys: { ...keyspace?.harnessKeys } };
    for (const [p, n] of Object.entries(k.harnessKeys)) keyspace.harnessKeys[p] = (keyspace.harnessKeys[p] ?? 0) + n;
  }
  if (keyspace && Object.keys(keyspace.harnessKeys).length)
    problems.push(
      `keys already where the harness writes (${Object.entries(keyspace.harnessKeys)
        .map(([p, n]) => `${p}: at least ${n}`)
        .join(", ")}): the harness never writes over keys that are not its own, nor erases them`,
    );
  return { roles, ...(counted.length ? { master: counted[0] } : {}), masters: counted, ...(keyspace ? { keyspace } : {}), problems };
}

type Named = (host: string | undefined, port: string | number | undefined) => RedisNode | undefined;

/** Replication and Sentinel: every replica follows, and every Sentinel names, an address the file gives a node. */
async function unnamedMasters(reached: ReachedTarget, roles: string[], named: Named): Promise<string[]> {
  const problems: string[] = [];
  for (const n of reached.nodes.filter((_, i) => roles[i] === "slave")) {
    const info = await n.info("replication");
    const host = info.get("master_host");
    const port = info.get("master_port");
    if (!named(host, port))
      problems.push(`${n.name} follows ${host}:${port}, which the target file does not name (give each node the address the deployment announces)`);
  }
  const masterName = reached.spec.sentinels?.masterName;
  for (const s of reached.sentinels) {
    const addr = (await s.admin.call("SENTINEL", "get-master-addr-by-name", masterName!).catch(() => null)) as string[] | null;
    if (!addr) problems.push(`${s.name} watches no master named ${masterName} (sentinels.masterName)`);
    else if (!named(addr[0], addr[1])) problems.push(`${s.name} names ${addr[0]}:${addr[1]} as the master, which the target file does not name`);
  }
  return problems;
}

/**
 * A cluster: every node says cluster_state ok, and the nodes its first node knows are exactly the file's, at the
 * addresses they announce (a node the file leaves out could not be reached through the fault layer, nor put back).
 */
async function unsettledCluster(reached: ReachedTarget, named: Named): Promise<string[]> {
  const problems: string[] = [];
  for (const n of reached.nodes) {
    const state = /cluster_state:(\w+)/.exec(String(await n.admin.call("CLUSTER", "INFO")))?.[1];
    if (state !== "ok") problems.push(`${n.name} says cluster_state ${state ?? "unknown"} (a run starts from a cluster that is ok)`);
  }
  const lines = parseClusterNodes(String(await reached.nodes[0].admin.call("CLUSTER", "NODES")));
  for (const l of lines)
    if (!named(l.host, l.port))
      problems.push(`the cluster has a node at ${l.host}:${l.port}, which the target file does not name (name every node, at the address it announces)`);
  if (lines.length !== reached.nodes.length) problems.push(`the cluster has ${lines.length} nodes, the target file names ${reached.nodes.length}`);
  return problems;
}
