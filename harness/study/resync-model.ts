import jstat from "jstat";
// The backlog a replica needs to resume with a partial resync after its link was cut: what the points of `study resync`
// show, fitted. Pure: points in, a boundary and its answers out.

/** How the replicas caught up after the heal, as the master counted it. */
export type ResyncOutcome = "resumed" | "partial" | "full";

export interface ResyncPoint {
  backlogBytes: number;
  outageS: number;
  /** Writes per second the load asked for. */
  writeRate: number;
  valueBytes: number;
  replicas: number;
  sync: "disk" | "diskless";
  /** resumed: no resync at all (the link came back on the same connection: nothing to resume from). */
  outcome: ResyncOutcome;
  full: number;
  partial: number;
  partialRefused: number;
  forks: number;
  /** Replication stream the master wrote while the link was cut, and per write the load made meanwhile. */
  streamBytesDuringCut: number;
  bytesPerWrite: number;
  inSyncAfterHealMs: number | null;
  p99BaselineMs: number;
  /** The master's clients from the heal on (the resync, a full sync's fork and transfer among it). */
  p99AfterHealMs: number;
  maxAfterHealMs: number;
  run: string;
  driverBound?: boolean;
}

/**
 * partial iff backlog ≥ (the stream of the cut) + (the stream of `d` seconds more): the replica asks to resume some
 * time after the heal (it reconnects once a second), and the master wrote on meanwhile. Each point bounds d: a partial
 * one from above, a full one from below. `spareS` is a point's bound: the seconds of stream its backlog held beyond the cut.
 */
export const spareS = (p: ResyncPoint) => (p.streamBytesDuringCut > 0 ? p.outageS * (p.backlogBytes / p.streamBytesDuringCut - 1) : Number.POSITIVE_INFINITY);

export interface ResyncBoundary {
  /** Median bytes of replication stream per write, over the points that resynced, whole. */
  bytesPerWrite: number | null;
  /** The extra seconds of stream the backlog must hold beyond the cut: above every full point's spare, at most every partial one's. */
  extraS: { above: number | null; atMost: number | null };
  /** false: a full point held more spare than a partial one, so no single d separates them. */
  consistent: boolean;
  /** Points fitted (partial or full), and those that came back without a resync. */
  fitted: number;
  resumed: number;
}

const median = (v: number[]) => (v.length ? jstat.jStat.median(v) : null);

export function resyncBoundary(points: ResyncPoint[]): ResyncBoundary {
  const fitted = points.filter((p) => p.outcome !== "resumed");
  const partial = fitted.filter((p) => p.outcome === "partial").map(spareS);
  const full = fitted.filter((p) => p.outcome === "full").map(spareS);
  const above = full.length ? Math.max(...full) : null;
  const atMost = partial.length ? Math.min(...partial) : null;
  return {
    bytesPerWrite: ((m) => (m === null ? null : Math.round(m)))(median(fitted.filter((p) => p.bytesPerWrite > 0).map((p) => p.bytesPerWrite))),
    extraS: { above, atMost },
    consistent: above === null || atMost === null || above < atMost,
    fitted: fitted.length,
    resumed: points.length - fitted.length,
  };
}

/**
 * The backlog that resumes with a partial resync after a cut of `outageS` at `writeRate` writes/s: the stream of the
 * cut and of the extra seconds the points showed it must hold (their upper bound, the safe side); null where the points
 * bound neither (no partial point, or no bytes per write).
 */
export function backlogNeeded(b: ResyncBoundary, outageS: number, writeRate: number): number | null {
  if (b.bytesPerWrite === null || b.extraS.atMost === null || !b.consistent) return null;
  return Math.ceil(writeRate * b.bytesPerWrite * (outageS + Math.max(0, b.extraS.atMost)));
}

/** The longest cut a backlog of `backlogBytes` resumes from at `writeRate`, by the same boundary. */
export function outageHeld(b: ResyncBoundary, backlogBytes: number, writeRate: number): number | null {
  if (b.bytesPerWrite === null || b.extraS.atMost === null || !b.consistent) return null;
  return Math.max(0, backlogBytes / (writeRate * b.bytesPerWrite) - Math.max(0, b.extraS.atMost));
}

/** How many points the boundary puts on the side they fell: partial where the backlog held the need, full where not. */
export function agreement(b: ResyncBoundary, points: ResyncPoint[]): { agree: number; of: number } {
  const fitted = points.filter((p) => p.outcome !== "resumed");
  const agree = fitted.filter((p) => {
    const need = backlogNeeded(b, p.outageS, p.writeRate);
    return need !== null && p.backlogBytes >= need === (p.outcome === "partial");
  }).length;
  return { agree, of: fitted.length };
}
