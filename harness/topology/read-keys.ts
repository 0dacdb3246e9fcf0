import type { RedisNode } from "./redis-node.js";

const CHUNK = 1000;

/** MGET in chunks on one node's admin connection (for topologies where one node holds every key). */
export async function mgetAll(node: RedisNode, keys: string[]): Promise<Array<string | null>> {
  const out: Array<string | null> = [];
  for (let from = 0; from < keys.length; from += CHUNK) out.push(...((await node.admin.mget(...keys.slice(from, from + CHUNK))) as Array<string | null>));
  return out;
}

/** Deletes `keys` on one node's admin connection: one DEL of up to CHUNK keys a request. */
export async function deleteKeys(node: RedisNode, keys: string[]): Promise<void> {
  for (let from = 0; from < keys.length; from += CHUNK) await node.admin.del(...keys.slice(from, from + CHUNK));
}
