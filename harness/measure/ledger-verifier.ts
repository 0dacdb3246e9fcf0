import type { Topology } from "../topology/types.js";
import { PENDING, type ReadBack, type WriteLedger } from "./ledger.js";

/** What the verifier asks of the deployment: keys read on the nodes, and keys removed. */
export type LedgerKeys = Pick<Topology, "readKeys" | "removeKeys">;

/**
 * Keys read and removed per request during the load: a few hundred, so that no request holds the server long enough
 * to show in the load's latency. After the load, blocks of 50,000.
 */
const LIVE_BLOCK_KEYS = 200;
const FINAL_BLOCK_KEYS = 50_000;

/**
 * The read-back of a ledger whose keys are reused (workload.ledgerKeys), made as the load goes: the writes that
 * settled are read on the deployment's nodes, each token (`<id>;`) counted for its write, and a key is removed once
 * every token it holds was read and its next write is more than a quarter of a lap away (not begun: a write landing
 * between the read and the removal would be erased unread). Redis then holds about a lap of keys, however long the
 * run; the read-back after the load reads only the writes not yet read. A removal is a plain DEL: a script checking
 * each key before deleting it held the server long enough to triple the load's P99 (measured: 0.47 → 1.42 ms).
 *
 * A write's count is the most copies any read found. A key read twice (a removal that failed, or a removal a failover
 * undid and the key came back) counts its writes once, not twice; the price is that a write applied again after it
 * was read (a resend seconds later) is not seen as a duplicate. A write is read once: data a later fault erases (every
 * node restarted without saving) shows only as the loss of what was written since the last read.
 */
export class LedgerVerifier {
  /** Per driver (shard), per id there: the most copies of the write a read found. */
  private readonly found = new Map<number, Uint8Array>();
  /** Per driver: the highest id there of a write read. */
  private readonly through = new Map<number, number>();
  /** Writes before this (run ids) have been read. */
  cursor = 0;
  /**
   * Writes read during the load; reads that failed (their writes are read again later), removals that failed (their
   * keys stay, and are read again with the next lap), and the last error.
   */
  readonly stats = { verified: 0, failedReads: 0, failedRemovals: 0, lastError: "" };

  constructor(
    private readonly ledger: WriteLedger,
    private readonly keys: LedgerKeys,
    private readonly blockKeys = LIVE_BLOCK_KEYS,
  ) {
    if (!ledger.keyspace) throw new Error("the verifier reads a ledger whose keys are reused (keyspace > 0)");
  }

  /**
   * Reads the writes from the cursor on that have settled (replied) by `horizonMs` on the run clock, a block at a
   * time, until none is left or `maxBlocks` were read: how many were read. A failed request leaves the cursor where
   * it was.
   */
  async verify(horizonMs: number, maxBlocks = Number.POSITIVE_INFINITY): Promise<number> {
    const l = this.ledger;
    const start = this.cursor;
    for (let block = 0; block < maxBlocks; block++) {
      try {
        // At most one lap a block: a key appears once in it.
        const max = Math.min(l.size, this.cursor + Math.min(this.blockKeys, l.keyspace));
        let end = this.cursor;
        while (end < max && l.outcomeOf(end) !== PENDING && l.replyMsOf(end) <= horizonMs) end++;
        if (end === this.cursor) break;
        await this.readBlock(this.cursor, end, true);
        this.stats.verified += end - this.cursor;
        this.cursor = end;
      } catch (err) {
        this.stats.failedReads++;
        this.stats.lastError = (err as Error).message;
        break;
      }
    }
    return this.cursor - start;
  }

  /** After the load, once the topology converged: the writes not read yet, then every write's count (the read-back). */
  async finish(): Promise<ReadBack> {
    const l = this.ledger;
    for (let from = this.cursor; from < l.size; from += FINAL_BLOCK_KEYS) await this.readBlock(from, Math.min(l.size, from + FINAL_BLOCK_KEYS), false);
    this.cursor = l.size;
    const present = new Uint8Array(l.size);
    for (let id = 0; id < l.size; id++) present[id] = this.found.get(l.shardOf(id))?.[l.writerIdOf(id)] ?? 0;
    return present;
  }

  /** Reads the keys of writes [from, to), counts their tokens; with `remove`, removes the keys read through. */
  private async readBlock(from: number, to: number, remove: boolean): Promise<void> {
    const l = this.ledger;
    const keys: string[] = [];
    const shards: number[] = [];
    const through = new Map(this.through);
    for (let id = from; id < to; id++) {
      keys.push(l.key(id));
      const shard = l.shardOf(id);
      shards.push(shard);
      through.set(shard, Math.max(through.get(shard) ?? -1, l.writerIdOf(id)));
    }
    const values = await this.keys.readKeys(keys);
    const gone: string[] = [];
    // A key's next write is its highest token plus a lap: removed only if that is more than a quarter lap from begun.
    const room = l.keyspace - Math.floor(l.keyspace / 4);
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (value === null || value === "") continue;
      const highest = this.count(shards[i], value);
      if (highest <= through.get(shards[i])! && l.begunBy(shards[i]) <= highest + room) gone.push(keys[i]);
    }
    for (const [shard, id] of through) this.through.set(shard, id);
    // Counted before the removal: a removal that fails leaves keys that are read again, and counted once.
    if (remove && gone.length)
      await this.keys.removeKeys(gone).catch((err: Error) => {
        this.stats.failedRemovals++;
        this.stats.lastError = err.message;
      });
  }

  /** Counts a value's tokens for driver `shard`'s writes: the highest id among them. */
  private count(shard: number, value: string): number {
    // One token is the usual value (the verifier keeps up): no split, no map.
    const ids = value.indexOf(";") === value.length - 1 ? [value.slice(0, -1)] : value.split(";").filter((t) => t !== "");
    const copies = new Map<number, number>();
    let highest = -1;
    for (const token of ids) {
      const id = Number(token);
      if (!Number.isSafeInteger(id) || id < 0 || token === "") throw new Error(`a ledger key holds "${value}", which is not the ledger's tokens`);
      copies.set(id, (copies.get(id) ?? 0) + 1);
      highest = Math.max(highest, id);
    }
    let found = this.found.get(shard) ?? new Uint8Array(0);
    if (highest >= found.length) {
      const grown = new Uint8Array(Math.max(highest + 1, found.length * 2, 1 << 16));
      grown.set(found);
      found = grown;
      this.found.set(shard, found);
    }
    for (const [id, n] of copies) found[id] = Math.max(found[id], Math.min(255, n));
    return highest;
  }
}
