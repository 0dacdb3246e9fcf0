import { LedgerVerifier } from "../measure/ledger-verifier.js";
import type { RunContext } from "./context.js";

/** How old a write's reply must be before it is read: replication has carried it to the replicas by then. */
const SETTLE_MS = 5_000;
/**
 * No write is read while a fault is in force, nor this long after the last one healed: a master that took writes
 * it will lose (a cut-off master, one restarted before Sentinel demoted it: 15 s here) must have been demoted first.
 */
const QUIET_AFTER_FAULT_MS = 30_000;
/**
 * A step every 100 ms, of a block (200 keys) and one more for each 4,000 writes not yet read: small steps beside the
 * load, never a burst, that still keep up with any rate (2,000 writes a second already make 3 blocks a step).
 */
const EVERY_MS = 100;
const WRITES_PER_EXTRA_BLOCK = 4_000;

/**
 * A ledger with reused keys (workload.ledgerKeys) read as the load goes, in small steps while the deployment is quiet:
 * ctx.verifier, whose `finish` is the read-back after the load. Stop it when the load ends.
 */
export function verifyAsTheLoadGoes(ctx: RunContext): { stop(): Promise<void> } {
  const verifier = new LedgerVerifier(ctx.ledger, ctx.deployment);
  ctx.verifier = verifier;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    const now = ctx.clock.now();
    if (ctx.phases.quietFor(now) >= QUIET_AFTER_FAULT_MS)
      running = verifier.verify(now - SETTLE_MS, 1 + Math.floor((ctx.ledger.size - verifier.cursor) / WRITES_PER_EXTRA_BLOCK));
    running.finally(() => {
      if (!stopped) timer = setTimeout(tick, EVERY_MS);
    });
  };
  timer = setTimeout(tick, EVERY_MS);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
