import type { CacheReads } from "../measure/cache-reads.js";
import { defineWorkload } from "./definition.js";
import type { Issue } from "./driver.js";
import type { CommandClient } from "./engines/command-client.js";
import type { KeyValueWorkload } from "./key-value.js";
import { Rng } from "./rng.js";

/**
 * The age of the key read, 0 the newest of `n` written: uniform, or (zipf) by recency rank with density ∝ rank^-s, drawn
 * by the continuous inverse CDF (O(1) on a key space that grows with every write): most reads go to recent keys, as a
 * cache's do, which is what an LRU policy keeps.
 */
export function ageSampler(w: Pick<KeyValueWorkload, "keyDistribution" | "zipfExponent">, rng: Rng): (n: number) => number {
  if (w.keyDistribution !== "zipf") return (n) => rng.int(n);
  const s = w.zipfExponent ?? 1;
  return (n) => {
    const u = rng.next();
    // rank in [1, n + 1): s = 1 is log-uniform.
    const rank = Math.abs(s - 1) < 1e-9 ? Math.exp(u * Math.log(n + 1)) : (((n + 1) ** (1 - s) - 1) * u + 1) ** (1 / (1 - s));
    return Math.min(n - 1, Math.max(0, Math.floor(rank) - 1));
  };
}

/**
 * A cache filling up: every write SETs a new key (`cache:<n>`, one fixed value of valueBytes), every read GETs one
 * written before (by `ageSampler`), counted as a hit or a miss. Past maxmemory the server evicts by its policy (or,
 * with noeviction, refuses the writes: OOM); the hit ratio shows what the policy kept. No key has a TTL, so a
 * volatile-* policy finds nothing to evict.
 */
export function cacheIssuer(w: KeyValueWorkload, pool: { clients: CommandClient[] }, reads: CacheReads): Issue {
  if (pool.clients.length === 0) throw new Error("cacheIssuer needs at least one client");
  const rng = new Rng(w.seed);
  const age = ageSampler(w, rng);
  const value = Buffer.alloc(w.valueBytes, 97);
  let written = 0;
  return (i, intendedMs, done) => {
    const client = pool.clients[i % pool.clients.length];
    if (written > 0 && rng.next() < w.readRatio) {
      client.get(`cache:${written - 1 - age(written)}`, (err, reply) => {
        if (!err) reads.record(intendedMs, reply !== null && reply !== undefined);
        done(err);
      });
      return "read";
    }
    client.set(`cache:${written++}`, value, done);
    return "write";
  };
}

export const cacheWorkload = defineWorkload({
  keys: "cache",
  description:
    "a cache filling up: SETs of new keys, GETs of keys written before (keyDistribution zipf: recent ones more often), each read a hit or a miss: what maxmemory and its policy keep",
  keeps: { writeLedger: false, registerHistory: false, staleReads: false, cacheReads: true },
  shardable: false,
  needsDataset: false,
  // Every write is a new key: how many stay is the policy's business (maxmemory), the guard counts them all.
  keysWritten: (writes) => writes,
  issuer: (r) => cacheIssuer(r.workload, r.pool, r.cacheReads),
});
