import type { Redis } from "ioredis";
import { Rng } from "./rng.js";
import type { Issue } from "./driver.js";

export interface KeyValueWorkload {
  /** Fraction of operations that are GETs; the rest are SETs. */
  readRatio: number;
  keySpace: number;
  valueBytes: number;
  seed: number;
}

/**
 * GET/SET on keys drawn uniformly from `key:0 .. key:<keySpace-1>`, spread round-robin over the clients.
 * Values are one fixed random buffer: the cost of the value is the network's and the server's, not the generator's.
 */
export function keyValueIssuer(w: KeyValueWorkload, pool: { clients: Redis[] }): Issue {
  if (pool.clients.length === 0) throw new Error("keyValueIssuer needs at least one client");
  const rng = new Rng(w.seed);
  const value = Buffer.alloc(w.valueBytes);
  for (let i = 0; i < value.length; i++) value[i] = 97 + (i % 26);
  return (i) => {
    const client = pool.clients[i % pool.clients.length];
    const key = `key:${rng.int(w.keySpace)}`;
    if (rng.next() < w.readRatio) return { kind: "read", reply: client.get(key) };
    return { kind: "write", reply: client.set(key, value) };
  };
}
