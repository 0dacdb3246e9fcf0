import type { RegisterHistory } from "../measure/register-history.js";
import type { Issue } from "./driver.js";
import type { CommandClient } from "./engines/command-client.js";
import { WritesStoppedError } from "./ledger-writes.js";
import { Rng } from "./rng.js";

/** The name of register k: even ones are registers (SET a unique value, GET), odd ones counters (INCR, GET). */
export const registerKey = (k: number): string => (k % 2 === 0 ? `reg:${k}` : `ctr:${k}`);

/**
 * Registers workload: a few keys, many operations each, from every connection, each recorded with its call and
 * return so that the history can be checked for linearizability (check/linearizability.ts). Writes to a register set
 * a value no other write uses (the operation's number), so a read names the write it saw.
 */
export function registerIssuer(
  w: { readRatio: number; seed: number; registers: number },
  pool: { clients: CommandClient[]; writesOpen: boolean },
  history: RegisterHistory,
  clock: () => number,
): Issue {
  const rng = new Rng(w.seed);
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return (i, _intendedMs, done) => {
    const conn = i % pool.clients.length;
    const client = pool.clients[conn];
    const k = rng.int(w.registers);
    const key = registerKey(k);
    if (rng.next() < w.readRatio) {
      const h = history.call(conn, key, "get", null, clock());
      client.get(key, (err, v) => {
        history.settle(h, clock(), !!err, text(v));
        done(err);
      });
      return "read";
    }
    // A write the runbook stopped is never sent, so it cannot have been applied: not in the history.
    if (!pool.writesOpen) {
      process.nextTick(() => done(new WritesStoppedError()));
      return "write";
    }
    const counter = k % 2 === 1;
    const value = counter ? null : String(i);
    const h = history.call(conn, key, counter ? "incr" : "set", value, clock());
    const reply = (err: Error | null | undefined, v?: unknown) => {
      history.settle(h, clock(), !!err, text(v));
      done(err);
    };
    if (counter) client.incr(key, reply);
    else client.set(key, value!, reply);
    return "write";
  };
}
