import type { RegisterHistory } from "../measure/register-history.js";
import { defineWorkload } from "./definition.js";
import type { Issue } from "./driver.js";
import type { CommandClient } from "./engines/command-client.js";
import { WritesStoppedError } from "./ledger-writes.js";
import { Rng } from "./rng.js";
import type { StaleReadLog } from "../measure/stale-reads.js";

/** The name of register k: even ones are registers (SET a unique value, GET), odd ones counters (INCR, GET). */
export const registerKey = (k: number): string => (k % 2 === 0 ? `reg:${k}` : `ctr:${k}`);

/**
 * What each key had acknowledged so far, for judging a read when it returns: a register's acknowledged SETs (value,
 * call and return times), a counter's acknowledged INCR replies (reply → return time, and the highest). Lookups are by
 * value, so a read costs the same however long the run: this is on the load's path.
 */
class AckedWrites {
  private readonly sets = new Map<string, Map<string, { callMs: number; ackMs: number }>>();
  private readonly lastSet = new Map<string, { value: string; callMs: number; ackMs: number }>();
  private readonly incrs = new Map<string, { ackByReply: Map<number, number>; max: number }>();

  set(key: string, value: string, callMs: number, ackMs: number): void {
    (this.sets.get(key) ?? this.sets.set(key, new Map()).get(key)!).set(value, { callMs, ackMs });
    const last = this.lastSet.get(key);
    if (!last || ackMs >= last.ackMs) this.lastSet.set(key, { value, callMs, ackMs });
  }

  incr(key: string, reply: number, ackMs: number): void {
    const c = this.incrs.get(key) ?? this.incrs.set(key, { ackByReply: new Map(), max: 0 }).get(key)!;
    c.ackByReply.set(reply, ackMs);
    c.max = Math.max(c.max, reply);
  }

  /** The latest SET acknowledged on `key` so far (taken when a read is sent). */
  latestSet(key: string): { value: string; callMs: number; ackMs: number } | undefined {
    return this.lastSet.get(key);
  }

  /** The highest INCR reply acknowledged on `key` so far (taken when a read is sent). */
  highestIncr(key: string): number {
    return this.incrs.get(key)?.max ?? 0;
  }

  /**
   * A register read that returned `read` while `latest` was the newest acknowledged SET when it was sent: stale when it
   * returned nothing, or a value whose SET was acknowledged before `latest` was even called (no order puts it after).
   */
  registerReadIsStale(key: string, read: string | null, latest: { value: string; callMs: number } | undefined): boolean {
    if (!latest || read === latest.value) return false;
    if (read === null) return true;
    const w = this.sets.get(key)?.get(read);
    return w !== undefined && w.ackMs < latest.callMs;
  }

  /**
   * A counter read of `read`, sent when `highest` was the highest acknowledged reply: when it acknowledged the first
   * increment the read missed (the lowest reply above it, acknowledged before the read was sent), or undefined if it
   * missed none.
   */
  counterMissedSince(key: string, read: number, highest: number, sentMs: number): number | undefined {
    const acks = this.incrs.get(key)?.ackByReply;
    for (let r = read + 1; acks && r <= highest; r++) {
      const ackMs = acks.get(r);
      if (ackMs !== undefined && ackMs < sentMs) return ackMs;
    }
    return undefined;
  }
}

/**
 * Registers workload: a few keys, many operations each, from every connection, each recorded with its call and
 * return so that the history can be checked for linearizability (check/linearizability.ts). Writes to a register set
 * a value no other write uses (the operation's number), so a read names the write it saw. Reads go to `readPool`
 * (the primary's connections, or replicas'); each is also judged against what was acknowledged before it was sent and
 * logged as fresh or stale (with how far behind), as the ledger workload's reads are.
 */
export function registerIssuer(
  w: { readRatio: number; seed: number; registers: number },
  pool: { clients: CommandClient[]; writesOpen: boolean },
  history: RegisterHistory,
  clock: () => number,
  reads: { pool: { clients: CommandClient[] }; staleness: StaleReadLog } | null = null,
): Issue {
  const rng = new Rng(w.seed);
  const acked = new AckedWrites();
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return (i, _intendedMs, done) => {
    const conn = i % pool.clients.length;
    const k = rng.int(w.registers);
    const key = registerKey(k);
    const counter = k % 2 === 1;
    if (rng.next() < w.readRatio) {
      const readPool = reads?.pool ?? pool;
      const sentMs = clock();
      const latest = counter ? undefined : acked.latestSet(key);
      const highest = counter ? acked.highestIncr(key) : 0;
      const h = history.call(conn, key, "get", null, sentMs);
      readPool.clients[i % readPool.clients.length].get(key, (err, v) => {
        const value = text(v);
        history.settle(h, clock(), !!err, value);
        if (!err && reads) {
          if (counter) {
            const missedSince = acked.counterMissedSince(key, Number(value ?? 0), highest, sentMs);
            reads.staleness.record(missedSince ?? sentMs, sentMs, missedSince === undefined);
          } else reads.staleness.record(latest?.ackMs ?? sentMs, sentMs, !acked.registerReadIsStale(key, value, latest));
        }
        done(err);
      });
      return "read";
    }
    // A write the runbook stopped is never sent, so it cannot have been applied: not in the history.
    if (!pool.writesOpen) {
      process.nextTick(() => done(new WritesStoppedError()));
      return "write";
    }
    const client = pool.clients[conn];
    const value = counter ? null : String(i);
    const callMs = clock();
    const h = history.call(conn, key, counter ? "incr" : "set", value, callMs);
    const reply = (err: Error | null | undefined, v?: unknown) => {
      const ackMs = clock();
      history.settle(h, ackMs, !!err, text(v));
      if (!err) {
        if (counter) acked.incr(key, Number(v), ackMs);
        else acked.set(key, value!, callMs, ackMs);
      }
      done(err);
    };
    if (counter) client.incr(key, reply);
    else client.set(key, value!, reply);
    return "write";
  };
}

/** A few registers and counters, every operation kept with its call and return: checked for linearizability. */
export const registersWorkload = defineWorkload({
  keys: "registers",
  description:
    "GET/SET and GET/INCR on a few keys (workload.registers), every operation kept with its call and return: the history is checked for linearizability",
  keeps: { writeLedger: false, registerHistory: true, staleReads: true, cacheReads: false },
  shardable: false,
  needsDataset: false,
  keysWritten: (_writes, w) => w.registers,
  issuer: (r) => registerIssuer(r.workload, r.pool, r.registers, r.clock, { pool: r.readPool, staleness: r.staleReads }),
});
