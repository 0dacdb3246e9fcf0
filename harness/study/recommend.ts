import { formatBytes, formatMs, formatNumber } from "../infra/units.js";
import type { TopologyKind } from "../topology/registry.js";
import { HARNESS } from "./decisive-runs.js";
import type { Evidence } from "./evidence.js";
import { forkModel, SEED_SIZE_BYTES } from "./fork-model.js";
import { rpoStep, rtoStep } from "./recommend-runs.js";
import { folderName, OPEN, ORDER, perTopology, type Cell, type Judgement, type Requirements, type RequirementId, type Step } from "./requirements.js";
import { shapeOf, studiedAs } from "./shapes.js";

export type { Cell, Judgement, Requirements, RequirementId, Step } from "./requirements.js";
export { ORDER } from "./requirements.js";

/**
 * The seed's decision flow (data over 25 GB? high availability? automatic failover? read scaling?) walked with the
 * numbers measured here: each requirement judged on each topology from the runs and studies it names, then the
 * topology shown to meet the most. What was not shown or not measured is said to be, with what would show it.
 */
export interface Recommendation {
  requirements: Requirements;
  steps: Step[];
  /** Fewest requirements not met, then most shown met, then the simplest; and the next. */
  recommended: TopologyKind;
  runnerUp: TopologyKind | null;
  /** What the pick rests on: its requirements judged met or not met (never one only not shown). */
  restsOn: RequirementId[];
  /** Its requirements not shown or not measured, each with what would show it. */
  open: Array<{ requirement: RequirementId; judgement: Judgement; shownBy?: string }>;
  /** Each simpler topology and why not it: requirements it did not meet, and those not shown for it. */
  simpler: Array<{ topology: TopologyKind; notMet: RequirementId[]; open: RequirementId[] }>;
  /** Requirements every topology was shown not to meet, each with why. */
  unmet: Array<{ requirement: RequirementId; why: string }>;
}

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
    return e
      ? `fork ${formatMs(e.forkMs)} (95% ${formatNumber(e.ci95[0])}–${formatNumber(e.ci95[1])} ms${e.beyondMeasured ? ", extrapolated" : ""}) at ${formatBytes(bytes)} (${formatBytes(rss)} RSS)`
      : null;
  };
  const whole = at(q.datasetBytes);
  const one = q.datasetBytes <= SEED_SIZE_BYTES;
  // The seed's 25 GB is the rule; the fork study, when there is one, says what a save costs at that size.
  const fork = ev.fork ? { runs: [folderName(ev.fork.source)], source: ev.fork.source } : { runs: [] };
  const single: Cell = {
    judgement: one ? "met" : "not met",
    measured: `${formatBytes(q.datasetBytes)} on one master, ${one ? "within" : "over"} the seed's 25 GB${whole ? `; ${whole}` : "; no fork study found"}`,
    ...fork,
  };
  return {
    requirement: "dataset",
    question: "Does the dataset fit one master (the seed: over 25 GB, RDB saves hurt online traffic)?",
    asked: formatBytes(q.datasetBytes),
    // A topology that spreads the data over masters (its default number of them) holds a share on each.
    perTopology: perTopology((k) => {
      const { masters } = shapeOf(k);
      if (masters === 1) return single;
      const shard = at(Math.round(q.datasetBytes / masters));
      return {
        judgement: "met",
        measured: `${formatBytes(q.datasetBytes / masters)} per master over ${masters}, within the seed's 25 GB${shard ? `; ${shard}` : ""}`,
        ...fork,
      };
    }),
  };
}

function throughputStep(q: Requirements, ev: Evidence): Step {
  const reads = q.ops * q.readRatio;
  const writes = q.ops - reads;
  const objective = `P99 ≤ ${formatMs(q.p99Ms)}`;
  const cell = (k: TopologyKind): Cell => {
    // One server's study stands for each server of a topology with one master; one spread over masters has its own.
    const studied = studiedAs(k);
    const shape = shapeOf(k);
    const t = ev.throughput[studied];
    const shownBy = `${HARNESS} study throughput --topology ${studied} --slo-p99 ${q.p99Ms}ms`;
    if (!t) {
      const other = ev.throughputAtOtherSlo[studied];
      const elsewhere = other ? ` (only at ${other.map((ms) => `P99 ≤ ${formatMs(ms)}`).join(", ")}: another objective)` : "";
      return {
        judgement: "not measured",
        measured: `no throughput study of ${shape.masters > 1 ? `a ${k}` : `one server (${studied})`} at ${objective} found${elsewhere}`,
        runs: [],
        shownBy,
      };
    }
    const study = { runs: [folderName(t.source)], source: t.source };
    // A lower bound below the need decides nothing: the driver stopped before the topology did.
    const bound = { judgement: "not shown" as const, shownBy };
    const driverNote = "; the driver, not the topology, was the limit: a host with more cores would show it";
    if (t.maxRateAtSlo === null)
      return t.driverLimited
        ? { ...bound, measured: `no step met ${objective} before the driver gave out${driverNote}`, ...study }
        : { judgement: "not met", measured: `not even the first step met ${objective}`, ...study };
    const max = t.maxRateAtSlo;
    const atLeast = t.driverLimited ? "at least " : "";
    const judged = (enough: boolean, measured: string): Cell =>
      enough
        ? { judgement: "met", measured, ...study }
        : t.driverLimited
          ? { ...bound, measured: measured + driverNote, ...study }
          : { judgement: "not met", measured, ...study };
    if (shape.masters > 1) return judged(q.ops <= max, `${shape.masters} masters: ${atLeast}${rate(max)} at the objective`);
    if (!shape.readsFromReplicas || shape.replicas === 0) return judged(q.ops <= max, `one server: ${atLeast}${rate(max)} at the objective`);
    // Writes on the master, reads spread over it and its replicas (each a server of the measured kind).
    const readCapacity = max * (shape.replicas + 1);
    return judged(
      writes <= max && reads <= readCapacity,
      `from the ${studied} study: writes ${rate(writes)} on the master (${atLeast}${rate(max)}), reads ${rate(reads)} over it and ${shape.replicas} replicas (${atLeast}${rate(readCapacity)}); reads from replicas may be stale`,
    );
  };
  return {
    requirement: "throughput",
    question: `Read scaling: does it carry the load at ${objective}?`,
    asked: `${rate(q.ops)}, ${formatNumber(q.readRatio * 100)}% reads`,
    perTopology: perTopology(cell),
  };
}

export function recommend(q: Requirements, ev: Evidence): Recommendation {
  const steps = [datasetStep(q, ev), rtoStep(q, ev), rpoStep(q, ev), throughputStep(q, ev)];
  const judged = (k: TopologyKind, j: (x: Judgement) => boolean) => steps.filter((s) => j(s.perTopology[k].judgement)).map((s) => s.requirement);
  const notMet = (k: TopologyKind) => judged(k, (j) => j === "not met");
  const open = (k: TopologyKind) => judged(k, (j) => OPEN.includes(j));
  // Fewest not met, then most shown met, then the simplest: a requirement only not shown counts neither for a
  // topology nor against it, so the pick never rests on one (standalone's RPO unmeasured does not make it the answer).
  const ranked = ORDER.map((k) => ({ k, notMet: notMet(k).length, met: judged(k, (j) => j === "met").length })).sort(
    (a, b) => a.notMet - b.notMet || b.met - a.met || ORDER.indexOf(a.k) - ORDER.indexOf(b.k),
  );
  const best = ranked[0].k;
  const unmet = steps
    .filter((s) => ORDER.every((k) => s.perTopology[k].judgement === "not met"))
    .map((s) => ({ requirement: s.requirement, why: ORDER.map((k) => `${k}: ${s.perTopology[k].measured}`).join("; ") }));
  return {
    requirements: q,
    steps,
    recommended: best,
    runnerUp: ranked[1]?.k ?? null,
    restsOn: steps.filter((s) => !OPEN.includes(s.perTopology[best].judgement)).map((s) => s.requirement),
    open: steps
      .filter((s) => OPEN.includes(s.perTopology[best].judgement))
      .map((s) => ({
        requirement: s.requirement,
        judgement: s.perTopology[best].judgement,
        ...(s.perTopology[best].shownBy ? { shownBy: s.perTopology[best].shownBy } : {}),
      })),
    simpler: ORDER.slice(0, ORDER.indexOf(best)).map((k) => ({ topology: k, notMet: notMet(k), open: open(k) })),
    unmet,
  };
}
