import type { WriteLedger } from "../measure/ledger.js";
import { classifyError } from "../measure/errors.js";
import type { Issue } from "./driver.js";
import type { CommandClient } from "./engines/command-client.js";
import { defineWorkload } from "./definition.js";
import { Rng } from "./rng.js";
import type { StaleReadLog } from "../measure/stale-reads.js";

export class WritesStoppedError extends Error {
  constructor() {
    super("writes stopped by the runbook");
  }
}

/**
 * Ledger workload: every write sets a key of its own (w:<id>; with workload.ledgerKeys, w:<id mod ledgerKeys>, its
 * token appended) to a value that names it and is recorded in the ledger with its outcome. The write is APPEND, which
 * on a fresh key is SET, so that a write applied twice (a client that resent a command the server had already done)
 * reads back as its value twice; every read asks for the latest acknowledged write (from `readPool`: the primary's
 * connections or replicas') and a miss is a stale read. Round-robin over the pools' current connections.
 */
export function ledgerIssuer(
  w: { readRatio: number; seed: number },
  pool: { clients: CommandClient[]; writesOpen: boolean },
  readPool: { clients: CommandClient[] },
  ledger: WriteLedger,
  staleness: StaleReadLog,
  clock: () => number,
): Issue {
  const rng = new Rng(w.seed);
  return (i, intendedMs, done) => {
    if (ledger.lastAckedId >= 0 && rng.next() < w.readRatio) {
      const id = ledger.lastAckedId;
      const ackedAt = ledger.lastAckedAtMs;
      const sentAt = clock();
      readPool.clients[i % readPool.clients.length].get(ledger.key(id), (err, v) => {
        if (!err) staleness.record(ackedAt, sentAt, ledger.timesApplied(id, v) > 0);
        done(err);
      });
      return "read";
    }
    const id = ledger.begin(intendedMs);
    if (!pool.writesOpen) {
      process.nextTick(() => {
        const err = new WritesStoppedError();
        ledger.settle(id, clock(), classifyError(err));
        done(err);
      });
      return "write";
    }
    pool.clients[i % pool.clients.length].append(ledger.key(id), ledger.value(id), (err) => {
      ledger.settle(id, clock(), err ? classifyError(err) : undefined);
      done(err);
    });
    return "write";
  };
}

/** Every write to a key of its own (or reused), kept in the ledger and read back: lost and duplicated writes, RPO. */
export const ledgerWorkload = defineWorkload({
  keys: "ledger",
  description:
    "every write sets a key of its own to a known value, kept in the write ledger and read back after the load: lost and duplicated writes, the RPO window; reads get the latest acknowledged write",
  keeps: { writeLedger: true, registerHistory: false, staleReads: true, cacheReads: false },
  shardable: true,
  needsDataset: false,
  // Reused keys (workload.ledgerKeys) hold about a lap: what settled is read and removed as the load goes.
  keysWritten: (writes, w) => (w.ledgerKeys ? Math.min(writes, w.ledgerKeys) : writes),
  // A write id: 12 digits are a trillion writes (and a reused key's ";" after it).
  valueBytesWritten: 13,
  issuer: (r) => ledgerIssuer(r.workload, r.pool, r.readPool, r.ledger, r.staleReads, r.clock),
});
