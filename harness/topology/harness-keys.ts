import { APP_KEY_PATTERNS } from "../security/acl.js";
import type { RedisNode } from "./redis-node.js";

/*
 * The harness's own keys on a deployment it did not start: it writes only under APP_KEY_PATTERNS, refuses to start
 * where keys are already there (they could be someone's), and removes what it wrote when it ends.
 */

/** Each data node's role, as it says itself. */
export async function rolesOf(nodes: RedisNode[]): Promise<string[]> {
  return Promise.all(nodes.map(async (n) => (await n.info("replication")).get("role") ?? "unknown"));
}

/**
 * How many keys a data node holds, and which of the harness's own prefixes already hold some (SCAN, never KEYS), with at
 * least how many: the scan of a prefix stops at its first batch that finds any, so the count is a lower bound.
 */
export async function keyspaceOf(node: RedisNode): Promise<{ keys: number; harnessKeys: Record<string, number> }> {
  const keys = Number(await node.admin.dbsize());
  const harnessKeys: Record<string, number> = {};
  for (const pattern of APP_KEY_PATTERNS) {
    let cursor = "0";
    let found = 0;
    do {
      const [next, batch] = await node.admin.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      found += batch.length;
    } while (cursor !== "0" && found === 0);
    if (found) harnessKeys[pattern] = found;
  }
  return { keys, harnessKeys };
}

/** UNLINKs every key under the harness's prefixes on `node` (the primary: replicas follow); returns how many. */
export async function removeHarnessKeys(node: RedisNode): Promise<number> {
  let removed = 0;
  for (const pattern of APP_KEY_PATTERNS) {
    let cursor = "0";
    do {
      const [next, batch] = await node.admin.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      // One UNLINK a key: a cluster node refuses one command over keys of different slots (CROSSSLOT).
      if (batch.length) {
        const unlinks = node.admin.pipeline();
        for (const k of batch) unlinks.unlink(k);
        for (const [err, n] of (await unlinks.exec()) ?? []) {
          if (err) throw err;
          removed += Number(n);
        }
      }
    } while (cursor !== "0");
  }
  return removed;
}
