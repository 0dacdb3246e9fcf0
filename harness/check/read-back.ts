import type { WriteLedger, ReadBack } from "../measure/ledger.js";
import type { RedisNode } from "../topology/redis-node.js";
import type { Topology } from "../topology/types.js";

const CHUNK = 1000;

/** Reads every ledger key as the topology holds it: 1 where the key holds the write's value. */
export async function readBack(topology: Topology, ledger: WriteLedger): Promise<{ present: ReadBack; values: Array<string | null> }> {
  const keys = Array.from({ length: ledger.size }, (_, id) => ledger.key(id));
  const values = await topology.readKeys(keys);
  const present = Uint8Array.from(values, (v, id) => (v === ledger.value(id) ? 1 : 0));
  return { present, values };
}

/** MGET in chunks on one node's admin connection (for topologies where one node holds every key). */
export async function mgetAll(node: RedisNode, keys: string[]): Promise<Array<string | null>> {
  const out: Array<string | null> = [];
  for (let from = 0; from < keys.length; from += CHUNK) out.push(...((await node.admin.mget(...keys.slice(from, from + CHUNK))) as Array<string | null>));
  return out;
}
