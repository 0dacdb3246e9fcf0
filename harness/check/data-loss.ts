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
  /** The worst fault's RPO window: its send minus the earliest acknowledgement among lost writes it took, ms; null if none. */
  rpoMs: number | null;
  /** Each fault's share (index into the report's faults): lost writes acknowledged before it (its RPO) or while it held (split brain). */
  perFault: Array<{ fault: number; lost: number; splitBrain: number; rpoMs: number | null }>;
  /** Ids of the first lost writes, for a reader to look up in the history. */
  lostSample: number[];
  /** Ids of the first writes applied twice. Absent from older reports. */
  duplicatedSample?: number[];
}

/** A fault's window as loss is attributed to it: sent, and healed (null: held to the end). */
interface FaultWindow {
  fault: number;
  sentAtMs: number;
  healedAtMs: number | null;
}

/**
 * Which fault a lost write is charged to, by when it was acknowledged: while a fault held (sent, not yet healed) it is
 * that fault's split-brain write (the latest such fault); before a fault was sent and with none holding, it is lost to
 * the next fault sent (its RPO window); after the last fault, a split-brain write of the latest (the old side kept
 * acknowledging until the topology converged). -1: no fault was sent.
 */
export function chargedTo(ackMs: number, windows: FaultWindow[]): { at: number; splitBrain: boolean } {
  let holding = -1;
  let latestBefore = -1;
  let nextAfter = -1;
  windows.forEach((w, k) => {
    if (w.sentAtMs < ackMs) {
      if (latestBefore === -1 || w.sentAtMs >= windows[latestBefore].sentAtMs) latestBefore = k;
      if ((w.healedAtMs === null || ackMs < w.healedAtMs) && (holding === -1 || w.sentAtMs >= windows[holding].sentAtMs)) holding = k;
    } else if (nextAfter === -1 || w.sentAtMs < windows[nextAfter].sentAtMs) nextAfter = k;
  });
  if (holding !== -1) return { at: holding, splitBrain: true };
  if (nextAfter !== -1) return { at: nextAfter, splitBrain: false };
  return { at: latestBefore, splitBrain: true };
}

/**
 * Lost acknowledged writes and the RPO window (docs/design.md): every write of the ledger against what the read-back found
 * after the topology converged, each lost one charged to a fault (chargedTo). Without a read-back there is no verdict
 * on loss (null), never "nothing lost".
 */
export const dataLossChecker: Checker<"dataLoss"> = {
  name: "data loss",
  metrics: ["lostWrites", "rpo", "duplicatedWrites"],
  check: (h) => {
    const { ledger, readBack: present } = h;
    if (!ledger || !present) return { dataLoss: null };
    const windows: FaultWindow[] = h.faults.flatMap((f, fault) => (f.sentAtMs === null ? [] : [{ fault, sentAtMs: f.sentAtMs, healedAtMs: f.healedAtMs }]));
    const perFault = windows.map((w) => ({ fault: w.fault, lost: 0, splitBrain: 0, earliestLostAck: Infinity }));
    let acknowledged = 0;
    let lost = 0;
    let indeterminate = 0;
    let duplicated = 0;
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
        const { at, splitBrain } = chargedTo(ack, windows);
        if (at === -1) continue;
        perFault[at].lost++;
        if (splitBrain) perFault[at].splitBrain++;
        else perFault[at].earliestLostAck = Math.min(perFault[at].earliestLostAck, ack);
      } else if (here) indeterminate++;
    }
    const shares = perFault.map(({ earliestLostAck, ...p }, k) => ({
      ...p,
      rpoMs: earliestLostAck === Infinity ? null : Math.max(0, windows[k].sentAtMs - earliestLostAck),
    }));
    const rpos = shares.flatMap((p) => (p.rpoMs === null ? [] : [p.rpoMs]));
    return {
      dataLoss: {
        writes: ledger.size,
        acknowledged,
        lost,
        splitBrain: shares.reduce((a, p) => a + p.splitBrain, 0),
        indeterminate,
        duplicated,
        rpoMs: rpos.length ? Math.max(...rpos) : null,
        perFault: shares,
        lostSample,
        duplicatedSample,
      },
    };
  },
};
