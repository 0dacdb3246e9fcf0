import type { FaultKind, FaultSpec } from "../faults/registry.js";
import type { TopologyKind } from "../topology/registry.js";

/**
 * Which runs can show a requirement met, by the faults their scenario scheduled: the one place this is known (each
 * entry can later move beside its fault in the registry). Any run can show one not met (writes lost, an outage longer
 * than asked); only these show it met.
 */
export type RunRequirement = "rto" | "rpo";

export interface DecisiveRun<K extends FaultKind = FaultKind> {
  requirement: RunRequirement;
  fault: K;
  when: (f: Extract<FaultSpec, { kind: K }>) => boolean;
  /** Counts only as the run's one fault: the number measured is then this fault's. */
  alone: boolean;
  /** The run, in words. */
  what: string;
  /** The topologies it decides for, each with the suite scenario that is such a run (null: none in suites/). */
  scenarios: Partial<Record<TopologyKind, string | null>>;
  /** Such a fault as a scenario file writes it, for a topology suites/ has no such run of. */
  example: Record<string, unknown>;
}

/** How the user types a command of the harness. */
export const HARNESS = "npm run harness --";

const entry = <K extends FaultKind>(d: DecisiveRun<K>) => d as unknown as DecisiveRun;
const primary = (f: { target: string }) => f.target === "primary";

export const DECISIVE_RUNS: readonly DecisiveRun[] = [
  // A killed master stops acknowledging at once; one cut off while its clients still reach it keeps acknowledging
  // writes the promoted replica never sees, and they are dropped when it rejoins (asynchronous replication).
  entry({
    requirement: "rpo",
    fault: "partition",
    when: (f) => primary(f) && f.clients === "keep",
    alone: false,
    what: "a split brain (the master cut off from the majority while its clients still reach it)",
    scenarios: { sentinel: "sentinel-split-brain", cluster: "cluster-split-brain" },
    example: { kind: "partition", target: "primary", clients: "keep", at: "8s", for: "12s" },
  }),
  // Nothing is promoted behind a cut-off master here: what is lost is what its persistence had not kept when it died.
  entry({
    requirement: "rpo",
    fault: "kill",
    when: primary,
    alone: false,
    what: "a kill of the master (no automatic failover: it restarts from its persistence)",
    scenarios: { standalone: null, replication: "replication-master-kill" },
    example: { kind: "kill", target: "primary", at: "6s", for: "5s" },
  }),
  entry({
    requirement: "rto",
    fault: "kill",
    when: primary,
    alone: true,
    what: "a kill of the master (an automatic failover)",
    scenarios: { sentinel: "sentinel-master-kill", cluster: "cluster-master-kill" },
    example: { kind: "kill", target: "primary", at: "8s", for: "10s" },
  }),
  entry({
    requirement: "rto",
    fault: "manual-promotion",
    when: () => true,
    alone: true,
    what: "a replica promoted by the runbook",
    scenarios: { replication: "replication-manual-promotion" },
    example: { kind: "manual-promotion", at: "6s" },
  }),
];

const rulesFor = (req: RunRequirement, topology: TopologyKind) => DECISIVE_RUNS.filter((d) => d.requirement === req && topology in d.scenarios);

/** Can a run of `topology` with these faults show `req` met? */
export function decides(req: RunRequirement, topology: TopologyKind, faults: readonly FaultSpec[]): boolean {
  return rulesFor(req, topology).some((d) => (!d.alone || faults.length === 1) && faults.some((f) => f.kind === d.fault && d.when(f as never)));
}

/** The run that would show `req` on `topology`: in words, and as a suite scenario when suites/ has one. */
export function decisiveRun(req: RunRequirement, topology: TopologyKind): { what: string; scenario: string | null } | null {
  const d = rulesFor(req, topology)[0];
  return d ? { what: d.what, scenario: d.scenarios[topology] ?? null } : null;
}

/** What the user types to show `req` on `topology`: the suite scenario, or a scenario file of their own with the fault it needs. */
export function showCommand(req: RunRequirement, topology: TopologyKind): string | null {
  const d = rulesFor(req, topology)[0];
  if (!d) return null;
  const scenario = d.scenarios[topology];
  return scenario ? `${HARNESS} run ${scenario}` : `${HARNESS} run --file ${topology}-${d.fault}.json   # a ${topology} scenario of yours with faults: [${JSON.stringify(d.example)}]`;
}
