import type { WriteLedger } from "../measure/ledger.js";
import { classifyError } from "../measure/errors.js";
import type { Issue } from "./driver.js";
import type { ClientPool } from "./client-pool.js";
import { Rng } from "./rng.js";
import type { StaleReadLog } from "../measure/stale-reads.js";

export class WritesStoppedError extends Error {
  constructor() {
    super("writes stopped by the runbook");
  }
}

/**
 * Ledger workload: every write sets a key of its own (w:<id>) to a value that names it and is recorded in the ledger
 * with its outcome; every read asks for the latest acknowledged write (from `readPool`: the primary's connections or
 * replicas') and a miss is a stale read. Round-robin over the pools' current connections.
 */
export function ledgerIssuer(
  w: { readRatio: number; seed: number },
  pool: ClientPool,
  readPool: ClientPool,
  ledger: WriteLedger,
  staleness: StaleReadLog,
  clock: () => number,
): Issue {
  const rng = new Rng(w.seed);
  return (i, intendedMs) => {
    const client = pool.clients[i % pool.clients.length];
    if (ledger.lastAckedId >= 0 && rng.next() < w.readRatio) {
      const id = ledger.lastAckedId;
      const ackedAt = ledger.lastAckedAtMs;
      const sentAt = clock();
      const reader = readPool.clients[i % readPool.clients.length];
      const reply = reader.get(ledger.key(id)).then((v) => {
        staleness.record(ackedAt, sentAt, v === ledger.value(id));
        return v;
      });
      return { kind: "read", reply };
    }
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
