import { formatMs, formatNumber } from "../infra/units.js";
import type { TopologyKind } from "../topology/registry.js";
import { decides, decisiveRun, showCommand, type RunRequirement } from "./decisive-runs.js";
import type { Evidence, LossEvidence, RunEvidence } from "./evidence.js";
import { folderName, perTopology, runs, type Cell, type Requirements, type Step } from "./requirements.js";
import { shapeOf } from "./shapes.js";

/**
 * The requirements runs decide (RTO, RPO), judged per topology. Any run can show one not met; only a run of the kind
 * decisive-runs.ts names can show it met; without one it is "not shown" (other runs measured it) or "not measured".
 */

const names = (rs: RunEvidence[]) => rs.map((r) => folderName(r.source));
const listed = (rs: RunEvidence[]) => rs.map((r) => `${r.scenario}: ${r.faults.map((f) => f.kind).join(", ")}`).join("; ");

/** The command and suite scenario that would show `req` on `k`. */
function howToShow(req: RunRequirement, k: TopologyKind): Pick<Cell, "shownBy" | "scenario"> {
  const scenario = decisiveRun(req, k)?.scenario;
  return { shownBy: showCommand(req, k) ?? undefined, ...(scenario ? { scenario } : {}) };
}

function rtoCell(q: Requirements, k: TopologyKind, mine: RunEvidence[]): Cell {
  const person = `a person acts (assumed ${formatMs(q.operatorResponseMs)}, --operator-response)`;
  const { failover } = shapeOf(k);
  if (failover === "none")
    return {
      judgement: q.operatorResponseMs <= q.rtoMs ? "met" : "not met",
      measured: `no failover: ${person} and restarts it, then the dataset reloads`,
      runs: [],
    };
  const manual = failover === "manual";
  // The assumption alone decides it: no promotion is quicker than nothing.
  if (manual && q.operatorResponseMs > q.rtoMs)
    return { judgement: "not met", measured: `manual failover: ${person} first, already over the ${formatMs(q.rtoMs)} asked`, runs: [] };
  const measuredRto = mine.filter((r) => r.rtoMs !== null || r.rtoCensored);
  const decisive = measuredRto.filter((r) => decides("rto", k, r.faults));
  const run = decisiveRun("rto", k)!;
  if (!decisive.length) {
    if (!measuredRto.length)
      return { judgement: "not measured", measured: `no run of ${k} measured an RTO; ${run.what} would`, runs: [], ...howToShow("rto", k) };
    return {
      judgement: "not shown",
      measured: `${runs(measuredRto.length)} measured an RTO (${listed(measuredRto)}), none of them ${run.what}`,
      runs: names(measuredRto),
      ...howToShow("rto", k),
    };
  }
  const worst = decisive.find((r) => r.rtoCensored) ?? decisive.reduce((a, b) => (b.rtoMs! > a.rtoMs! ? b : a));
  const of = decisive.length > 1 ? ` (the longest of ${runs(decisive.length)})` : "";
  const rto = worst.rtoCensored ? `writes had not come back by the end of ${worst.scenario}` : `RTO ${formatMs(worst.rtoMs)} in ${worst.scenario}${of}`;
  const total = worst.rtoCensored ? null : worst.rtoMs! + (manual ? q.operatorResponseMs : 0);
  return {
    judgement: total !== null && total <= q.rtoMs ? "met" : "not met",
    measured: manual ? `manual failover: ${rto} once ${person}` : `automatic failover: ${rto}`,
    runs: names(decisive),
    source: worst.source,
  };
}

/** Writes taken during a split brain are dropped when it ends: the oldest of them is about as old as it lasted. */
const lossWindowMs = (l: LossEvidence) => Math.max(l.rpoMs ?? 0, l.splitBrain > 0 ? (l.splitBrainHeldMs ?? Infinity) : 0);

function rpoCell(q: Requirements, k: TopologyKind, mine: RunEvidence[]): Cell {
  const read = mine.filter((r) => r.loss);
  const loss = (r: RunEvidence) => r.loss!;
  const over = read.filter((r) => (q.rpoMs === 0 ? loss(r).lost > 0 : lossWindowMs(loss(r)) > q.rpoMs)).sort((a, b) => loss(b).lost - loss(a).lost);
  if (over.length) {
    const w = loss(over[0]);
    const splitBrain = w.splitBrain ? `, ${formatNumber(w.splitBrain)} of them taken by the old master during the split brain` : "";
    const window = q.rpoMs === 0 ? "" : `, loss window ${lossWindowMs(w) === Infinity ? "to the end of the run" : formatMs(lossWindowMs(w))}`;
    const of = over.length > 1 ? ` (the most of ${runs(over.length)} that lost writes)` : "";
    return {
      judgement: "not met",
      measured: `${formatNumber(w.lost)} acknowledged writes lost in ${over[0].scenario}${splitBrain}${window}${of}`,
      runs: names(over),
      source: over[0].source,
    };
  }
  const decisive = read.filter((r) => decides("rpo", k, r.faults));
  const run = decisiveRun("rpo", k)!;
  const within = q.rpoMs === 0 ? "no acknowledged write lost" : `no loss window over ${formatMs(q.rpoMs)}`;
  if (decisive.length)
    return {
      judgement: "met",
      measured: `${within} in ${runs(decisive.length)} (${listed(decisive)}): none seen, not a proof`,
      runs: names(decisive),
      source: decisive[decisive.length - 1].source,
    };
  if (read.length)
    return {
      judgement: "not shown",
      measured: `${within} in ${runs(read.length)} (${listed(read)}), but only ${run.what} shows it: none found`,
      runs: names(read),
      ...howToShow("rpo", k),
    };
  return { judgement: "not measured", measured: `no run of ${k} read a write ledger back after a fault; ${run.what} would`, runs: [], ...howToShow("rpo", k) };
}

const mineOf = (ev: Evidence, k: TopologyKind) => ev.runs.filter((r) => r.topology === k);

export function rtoStep(q: Requirements, ev: Evidence): Step {
  return {
    requirement: "rto",
    question: "High availability, and automatic failover: how long may writes be unavailable when a master dies?",
    asked: formatMs(q.rtoMs),
    perTopology: perTopology((k) => rtoCell(q, k, mineOf(ev, k))),
  };
}

export function rpoStep(q: Requirements, ev: Evidence): Step {
  return {
    requirement: "rpo",
    question: "How much acknowledged data may be lost when a master dies or is cut off?",
    asked: q.rpoMs === 0 ? "nothing (RPO 0)" : formatMs(q.rpoMs),
    perTopology: perTopology((k) => rpoCell(q, k, mineOf(ev, k))),
  };
}
