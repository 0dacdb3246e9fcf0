import type { WriteLedger } from "../measure/ledger.js";
import { classifyError } from "../measure/errors.js";
import type { Issue } from "./driver.js";
import type { ClientPool } from "./client-pool.js";
import { Rng } from "./rng.js";

export class WritesStoppedError extends Error {
  constructor() {
    super("writes stopped by the runbook");
  }
}

/**
 * Ledger workload: every write sets a key of its own (w:<id>) to a value that names it and is recorded in the ledger
 * with its outcome; reads get a key written earlier. Round-robin over the pool's current connections.
 */
export function ledgerIssuer(
  w: { readRatio: number; seed: number },
  pool: ClientPool,
  ledger: WriteLedger,
  clock: () => number,
): Issue {
  const rng = new Rng(w.seed);
  return (i, intendedMs) => {
    const client = pool.clients[i % pool.clients.length];
    if (ledger.size > 0 && rng.next() < w.readRatio) return { kind: "read", reply: client.get(ledger.key(rng.int(ledger.size))) };
    const id = ledger.begin(intendedMs);
    const sent = pool.writesOpen ? client.set(ledger.key(id), ledger.value(id)) : Promise.reject(new WritesStoppedError());
    const reply = sent.then(
      (v) => {
        ledger.settle(id, clock());
        return v;
      },
      (err: unknown) => {
        ledger.settle(id, clock(), classifyError(err));
        throw err;
      },
    );
    return { kind: "write", reply };
  };
}
