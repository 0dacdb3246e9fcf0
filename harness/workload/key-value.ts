import type { CommandClient } from "./engines/command-client.js";
import { Rng } from "./rng.js";
import { defineWorkload } from "./definition.js";
import type { Issue } from "./driver.js";

export interface KeyValueWorkload {
  /** Fraction of operations that are GETs; the rest are SETs. */
  readRatio: number;
  keySpace: number;
  valueBytes: number;
  seed: number;
  keyDistribution?: "uniform" | "zipf";
  zipfExponent?: number;
  hashTag?: string;
  /** The name of key k (default `key:<k>`, with the hash tag if any): the dataset's own names, to write over them. */
  keyName?: (k: number) => string;
}

/**
 * Zipf over [0, n): key k drawn with probability proportional to 1 / (k+1)^s, by inverse CDF (a binary search in a
 * table built once), so a few hot keys take most of the load.
 */
export function zipfSampler(n: number, s: number, rng: Rng): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  for (let k = 0; k < n; k++) cdf[k] /= sum;
  return () => {
    const u = rng.next();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Keys are encoded once up to this key space (a few MB); beyond it, per operation. */
const PREBUILT_KEYS = 200_000;

/**
 * GET/SET on keys drawn (uniformly or Zipf) from `key:0 .. key:<keySpace-1>`, spread round-robin over the clients.
 * Values are one fixed random buffer: the cost of the value is the network's and the server's, not the generator's.
 */
export function keyValueIssuer(w: KeyValueWorkload, pool: { clients: CommandClient[] }): Issue {
  if (pool.clients.length === 0) throw new Error("keyValueIssuer needs at least one client");
  const rng = new Rng(w.seed);
  const pick = w.keyDistribution === "zipf" ? zipfSampler(w.keySpace, w.zipfExponent ?? 1, rng) : () => rng.int(w.keySpace);
  const prefix = w.hashTag ? `key:{${w.hashTag}}:` : "key:";
  const name = w.keyName ?? ((k: number) => prefix + k);
  const keys = w.keySpace <= PREBUILT_KEYS ? Array.from({ length: w.keySpace }, (_, k) => Buffer.from(name(k))) : undefined;
  const value = Buffer.alloc(w.valueBytes);
  for (let i = 0; i < value.length; i++) value[i] = 97 + (i % 26);
  return (i, _intendedMs, done) => {
    const client = pool.clients[i % pool.clients.length];
    const k = pick();
    const key = keys ? keys[k] : name(k);
    if (rng.next() < w.readRatio) {
      client.get(key, done);
      return "read";
    }
    client.set(key, value, done);
    return "write";
  };
}

/** GET and SET over a key space: load without a history to check (the throughput studies', the hot shard's). */
export const randomWorkload = defineWorkload({
  keys: "random",
  description: "GET/SET on keys drawn from keySpace (uniform or Zipf), no loss accounting: latency and throughput only",
  keeps: { writeLedger: false, registerHistory: false, staleReads: false, cacheReads: false },
  shardable: true,
  needsDataset: false,
  keysWritten: (writes, w) => Math.min(writes, w.keySpace),
  issuer: (r) => keyValueIssuer(r.workload, r.pool),
});

/** GET and SET over the preloaded dataset's own keys: the writes land on pages a save's forked child shares. */
export const datasetWorkload = defineWorkload({
  keys: "dataset",
  description: "GET/SET over the preloaded dataset's own keys, so that writes land on the pages a save's child shares: the load that makes copy-on-write grow",
  keeps: { writeLedger: false, registerHistory: false, staleReads: false, cacheReads: false },
  shardable: false,
  needsDataset: true,
  // It overwrites the dataset's keys, which the guard counts with the dataset.
  keysWritten: () => 0,
  issuer: (r) => keyValueIssuer({ ...r.workload, keySpace: r.dataset.keys, keyName: r.dataset.keyName }, r.pool),
});
