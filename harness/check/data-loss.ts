import { ACKED } from "../measure/ledger.js";
import type { Checker } from "./checker.js";

export interface DataLoss {
  writes: number;
  acknowledged: number;
  /** Acknowledged, absent after convergence. */
  lost: number;
  /** Of those, acknowledged after the fault took effect: writes accepted by a side that lost (split brain). */
  splitBrain: number;
  /** Failed or timed out, but present afterwards: the client was told no, the data says yes. Not lost. */
  indeterminate: number;
  /**
   * Applied more than once (the ledger's APPEND found twice): a client resent a command the server had done, e.g.
   * after a reconnection or a timeout. Acknowledged or not. Absent from reports written before writes were APPENDs.
   */
  duplicated?: number;
  /** Fault time minus the earliest acknowledgement among lost writes acknowledged before it, ms; null if none. */
  rpoMs: number | null;
  /** Ids of the first lost writes, for a reader to look up in the history. */
  lostSample: number[];
  /** Ids of the first writes applied twice. Absent from older reports. */
  duplicatedSample?: number[];
}

/**
 * Lost acknowledged writes and the RPO window (DESIGN.md): every write of the ledger against what the read-back found
 * after the topology converged. Without a read-back there is no verdict on loss (null), never "nothing lost".
 */
export const dataLossChecker: Checker<"dataLoss"> = {
  name: "data loss",
  metrics: ["lostWrites", "rpo", "duplicatedWrites"],
  check: (h) => {
    const { ledger, readBack: present } = h;
    if (!ledger || !present) return { dataLoss: null };
    const faultStartMs = h.phases.faultStartMs;
    let acknowledged = 0;
    let lost = 0;
    let splitBrain = 0;
    let indeterminate = 0;
    let duplicated = 0;
    let earliestLostAck = Infinity;
    const lostSample: number[] = [];
    const duplicatedSample: number[] = [];
    for (let id = 0; id < ledger.size; id++) {
      const here = present[id] > 0;
      if (present[id] > 1 && duplicated++ < 20) duplicatedSample.push(id);
      if (ledger.outcomeOf(id) === ACKED) {
        acknowledged++;
        if (here) continue;
        lost++;
        if (lostSample.length < 20) lostSample.push(id);
        const ack = ledger.replyMsOf(id);
        if (faultStartMs !== undefined && ack > faultStartMs) splitBrain++;
        else earliestLostAck = Math.min(earliestLostAck, ack);
      } else if (here) indeterminate++;
    }
    const rpoMs = faultStartMs !== undefined && earliestLostAck !== Infinity ? Math.max(0, faultStartMs - earliestLostAck) : null;
    return { dataLoss: { writes: ledger.size, acknowledged, lost, splitBrain, indeterminate, duplicated, rpoMs, lostSample, duplicatedSample } };
  },
};
