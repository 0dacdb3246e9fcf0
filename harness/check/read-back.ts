import type { WriteLedger, ReadBack } from "../measure/ledger.js";
import type { RedisNode } from "../topology/redis-node.js";

const CHUNK = 1000;

/** Reads every ledger key from `node` (directly, not through the fault layer): 1 where it holds the write's value. */
export async function readBack(node: RedisNode, ledger: WriteLedger): Promise<{ present: ReadBack; values: Array<string | null> }> {
  const present = new Uint8Array(ledger.size);
  const values: Array<string | null> = new Array(ledger.size);
  for (let from = 0; from < ledger.size; from += CHUNK) {
    const ids = Array.from({ length: Math.min(CHUNK, ledger.size - from) }, (_, k) => from + k);
    const got = (await node.admin.mget(...ids.map((id) => ledger.key(id)))) as Array<string | null>;
    ids.forEach((id, k) => {
      values[id] = got[k];
      present[id] = got[k] === ledger.value(id) ? 1 : 0;
    });
  }
  return { present, values };
}
