import { PHASES, type Phase } from "../measure/phases.js";
import type { Checker } from "./checker.js";

export interface StaleCounts {
  reads: number;
  stale: number;
  /** The furthest a read was behind: read sent minus the acknowledgement of the write it missed. */
  maxStalenessMs: number;
}

export interface StaleReadSummary extends StaleCounts {
  from: "primary" | "replicas";
  staleRate: number;
  /** The same per phase, by the time each read was sent. */
  phases: Record<Phase, StaleCounts>;
}

/**
 * Stale reads: each read of the ledger workload asked for the latest write acknowledged before it was sent; a read
 * that missed it saw an older state. From the primary that should never happen; from replicas it is replication lag.
 */
export const staleReadsChecker: Checker<"reads"> = {
  name: "stale reads",
  metrics: [],
  check: (h) => {
    if (!h.staleReads) return { reads: null };
    const empty = (): StaleCounts => ({ reads: 0, stale: 0, maxStalenessMs: 0 });
    const all = empty();
    const phases = Object.fromEntries(PHASES.map((p) => [p, empty()])) as Record<Phase, StaleCounts>;
    for (const r of h.staleReads.log.reads()) {
      const phase = h.phases.phaseAt(r.sentMs);
      for (const c of phase === "warmup" ? [all] : [all, phases[phase]]) {
        c.reads++;
        if (!r.stale) continue;
        c.stale++;
        c.maxStalenessMs = Math.max(c.maxStalenessMs, Math.round(r.behindMs * 1000) / 1000);
      }
    }
    return { reads: { from: h.staleReads.from, ...all, staleRate: all.reads ? all.stale / all.reads : 0, phases } };
  },
};
