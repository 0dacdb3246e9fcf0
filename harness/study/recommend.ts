import { formatBytes, formatMs, formatNumber } from "../infra/units.js";
import type { TopologyKind } from "../topology/registry.js";
import type { Evidence } from "./evidence.js";
import { forkModel, SEED_SIZE_BYTES } from "./fork-model.js";

/**
 * The seed's decision flow (data over 25 GB? high availability? automatic failover? read scaling?) walked with the
 * numbers measured here: each requirement judged on each topology from a named run or study, then the simplest
 * topology that meets them all. What was not measured is said to be, never filled in.
 */
export interface Requirements {
  datasetBytes: number;
  rtoMs: number;
  rpoMs: number;
  readRatio: number;
  ops: number;
  p99Ms: number;
  /** How long a person takes to notice a dead master and act: the RTO of a topology without automatic failover. */
  operatorResponseMs: number;
}

export type Judgement = "meets" | "fails" | "not measured";

export interface Cell {
  judgement: Judgement;
  /** The number that decided it, in words. */
  measured: string;
  source?: string;
}

export type RequirementId = "dataset" | "rto" | "rpo" | "throughput";

export interface Step {
  requirement: RequirementId;
  question: string;
  asked: string;
  perTopology: Record<TopologyKind, Cell>;
}

export interface Recommendation {
  requirements: Requirements;
  steps: Step[];
  /** The simplest topology meeting every requirement (or, when none does, meeting the most), and the next. */
  recommended: TopologyKind;
  runnerUp: TopologyKind | null;
  /** Requirements no topology met here, each with why. */
  unmet: Array<{ requirement: RequirementId; why: string }>;
  /** Requirements no measurement here could judge for the recommended topology. */
  unknown: RequirementId[];
}

/** Simplest first: the order the seed's flow tries them in. */
export const ORDER: readonly TopologyKind[] = ["standalone", "replication", "sentinel", "cluster"];
/** The cluster the throughput and fork numbers are read for: the harness's default, 3 masters with a replica each. */
const CLUSTER_MASTERS = 3;
/** Replicas that serve reads in the replicated topologies (their default). */
const REPLICAS = 2;

const all = (f: (k: TopologyKind) => Cell) => Object.fromEntries(ORDER.map((k) => [k, f(k)])) as Record<TopologyKind, Cell>;
const rate = (v: number) => `${formatNumber(Math.round(v))} ops/s`;

function datasetStep(q: Requirements, ev: Evidence): Step {
  const at = (bytes: number) => {
    if (!ev.fork) return null;
    // The fit is against RSS, which is more than the data (allocator overhead): scale by the ratio the study measured.
    const pts = ev.fork.points;
    const known = pts.filter((p) => p.usedMemoryBytes > 0);
    const rssPerByte = known.length ? known.reduce((a, p) => a + p.rssBytes / p.usedMemoryBytes, 0) / known.length : 1;
    const rss = Math.round(bytes * rssPerByte);
    const e = forkModel(pts, [rss]).extrapolations.find((x) => x.sizeBytes === rss);
    return e ? `fork ${formatMs(e.forkMs)} (95% ${formatNumber(e.ci95[0])}–${formatNumber(e.ci95[1])} ms${e.beyondMeasured ? ", extrapolated" : ""}) at ${formatBytes(bytes)} (${formatBytes(rss)} RSS)` : null;
  };
  const whole = at(q.datasetBytes);
  const shard = at(Math.round(q.datasetBytes / CLUSTER_MASTERS));
  const one = q.datasetBytes <= SEED_SIZE_BYTES;
  const single: Cell = {
    judgement: one ? "meets" : "fails",
    measured: `${formatBytes(q.datasetBytes)} on one master, ${one ? "within" : "over"} the seed's 25 GB${whole ? `; ${whole}` : "; no fork study found"}`,
    ...(ev.fork ? { source: ev.fork.source } : {}),
  };
  return {
    requirement: "dataset",
    question: "Does the dataset fit one master (the seed: over 25 GB, RDB saves hurt online traffic)?",
    asked: formatBytes(q.datasetBytes),
    perTopology: all((k) =>
      k === "cluster" ? { judgement: "meets", measured: `${formatBytes(q.datasetBytes / CLUSTER_MASTERS)} per master over ${CLUSTER_MASTERS}${shard ? `; ${shard}` : ""}`, ...(ev.fork ? { source: ev.fork.source } : {}) } : single,
    ),
  };
}

function rtoStep(q: Requirements, ev: Evidence): Step {
  const operator = q.rtoMs >= q.operatorResponseMs;
  return {
    requirement: "rto",
    question: "High availability, and automatic failover: how long may writes be unavailable when a master dies?",
    asked: formatMs(q.rtoMs),
    perTopology: all((k) => {
      if (k === "standalone")
        return { judgement: operator ? "meets" : "fails", measured: `no failover: a person restarts it (assumed ${formatMs(q.operatorResponseMs)}, --operator-response), then the dataset reloads` };
      const f = ev.failover[k];
      if (!f) return { judgement: "not measured", measured: `no run that ${k === "replication" ? "promotes a replica" : "kills the master"} found` };
      const rto = f.rtoMs ?? null;
      const measured = rto === null ? `writes had not come back by the end of ${f.scenario}` : `RTO ${formatMs(rto)} in ${f.scenario}`;
      if (k === "replication") {
        const total = rto === null ? null : rto + q.operatorResponseMs;
        return { judgement: total !== null && total <= q.rtoMs ? "meets" : "fails", measured: `manual failover: ${measured} once promoted, after a person acts (assumed ${formatMs(q.operatorResponseMs)})`, source: f.source };
      }
      return { judgement: rto !== null && rto <= q.rtoMs ? "meets" : "fails", measured: `automatic failover: ${measured}`, source: f.source };
    }),
  };
}

function rpoStep(q: Requirements, ev: Evidence): Step {
  return {
    requirement: "rpo",
    question: "How much acknowledged data may a failover lose?",
    asked: q.rpoMs === 0 ? "nothing (RPO 0)" : formatMs(q.rpoMs),
    perTopology: all((k) => {
      if (k === "standalone") return { judgement: "not measured", measured: "no failover to lose writes in; a crash loses what persistence had not written (appendfsync), not measured here" };
      const l = ev.loss[k];
      if (!l) return { judgement: "not measured", measured: "no run with a write ledger read back after a fault found" };
      const w = l.worst;
      const lostText = `${formatNumber(w.lost)} acknowledged writes lost in ${w.scenario} (worst of ${l.runs} run${l.runs > 1 ? "s" : ""} read back)`;
      if (q.rpoMs === 0)
        return { judgement: w.lost === 0 ? "meets" : "fails", measured: w.lost === 0 ? `no acknowledged write lost in ${l.runs} run(s) read back (asynchronous replication: a proof of nothing, only no loss seen)` : `${lostText}: replication is asynchronous`, source: w.source };
      return { judgement: (w.rpoMs ?? 0) <= q.rpoMs ? "meets" : "fails", measured: `${lostText}, RPO ${formatMs(w.rpoMs ?? 0)}`, source: w.source };
    }),
  };
}

function throughputStep(q: Requirements, ev: Evidence): Step {
  const reads = q.ops * q.readRatio;
  const writes = q.ops - reads;
  const single = ev.throughput.standalone;
  const cell = (k: TopologyKind): Cell => {
    const t = k === "cluster" ? ev.throughput.cluster : single;
    if (!t || t.maxRateAtSlo === null)
      return { judgement: "not measured", measured: t ? `no step met P99 ≤ ${formatMs(t.sloP99Ms)}` : `no throughput study of ${k === "cluster" ? "a cluster" : "a standalone server"} at P99 ≤ ${formatMs(q.p99Ms)} found`, ...(t ? { source: t.source } : {}) };
    const max = t.maxRateAtSlo;
    const atLeast = t.driverLimited ? "at least " : "";
    // A lower bound that is below the need decides nothing: the driver stopped before the topology did.
    const judge = (need: number, have: number): Judgement => (need <= have ? "meets" : t.driverLimited ? "not measured" : "fails");
    if (k === "standalone")
      return { judgement: judge(q.ops, max), measured: `one server: ${atLeast}${rate(max)} at the objective`, source: t.source };
    if (k === "cluster") return { judgement: judge(q.ops, max), measured: `${CLUSTER_MASTERS} masters: ${atLeast}${rate(max)} at the objective`, source: t.source };
    // Replicated: writes on the master, reads spread over it and its replicas (each a server of the measured kind).
    const readCapacity = max * (REPLICAS + 1);
    const need = Math.max(writes / max, reads / readCapacity);
    return {
      judgement: need <= 1 ? "meets" : t.driverLimited ? "not measured" : "fails",
      measured: `writes ${rate(writes)} on the master (${atLeast}${rate(max)}), reads ${rate(reads)} over it and ${REPLICAS} replicas (${atLeast}${rate(readCapacity)}); reads from replicas may be stale`,
      source: t.source,
    };
  };
  return { requirement: "throughput", question: `Read scaling: does it carry the load at P99 ≤ ${formatMs(q.p99Ms)}?`, asked: `${rate(q.ops)}, ${formatNumber(q.readRatio * 100)}% reads`, perTopology: all(cell) };
}

export function recommend(q: Requirements, ev: Evidence): Recommendation {
  const steps = [datasetStep(q, ev), rtoStep(q, ev), rpoStep(q, ev), throughputStep(q, ev)];
  const count = (k: TopologyKind, j: string) => steps.filter((s) => s.perTopology[k].judgement === j).length;
  const score = (k: TopologyKind) => ({ k, fails: count(k, "fails"), meets: count(k, "meets") });
  // Fewest failed requirements first, then the simplest: an unmeasured requirement is reported (`unknown`), not held
  // against the simpler topology (standalone's RPO at failover has nothing to measure). When every topology fails
  // something, a tie goes first to the one shown to meet more: "simplest" then would pick one that met nothing.
  const ranked = ORDER.map(score).sort((a, b) => a.fails - b.fails || (a.fails > 0 ? b.meets - a.meets : 0) || ORDER.indexOf(a.k) - ORDER.indexOf(b.k));
  const unmet = steps
    .filter((s) => ORDER.every((k) => s.perTopology[k].judgement !== "meets"))
    .map((s) => ({ requirement: s.requirement, why: ORDER.map((k) => `${k}: ${s.perTopology[k].measured}`).join("; ") }));
  const best = ranked[0].k;
  return {
    requirements: q,
    steps,
    recommended: best,
    runnerUp: ranked[1]?.k ?? null,
    unmet,
    unknown: steps.filter((s) => s.perTopology[best].judgement === "not measured").map((s) => s.requirement),
  };
}
