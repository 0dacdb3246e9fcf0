import { FAULTS, faultSchema, type FaultKind, type FaultSpec } from "../faults/registry.js";
import type { Decisive, RunRequirement } from "../faults/types.js";
import { readScenarioSources } from "../scenario/load.js";
import { topologyDefinition, type TopologyKind } from "../topology/registry.js";

export type { RunRequirement } from "../faults/types.js";

/**
 * Which runs can show a requirement met, as each fault declares it (`shows` in its definition): for which requirement,
 * on topologies with which failover, and which entries of it. Any run can show one not met (writes lost, an outage
 * longer than asked); only these show it met.
 */
export interface DecisiveRun extends Decisive<FaultSpec> {
  requirement: RunRequirement;
  fault: FaultKind;
}

export const DECISIVE_RUNS: readonly DecisiveRun[] = FAULTS.flatMap((f) =>
  Object.entries(f.shows ?? {}).map(([requirement, d]) => ({
    ...(d as unknown as Decisive<FaultSpec>),
    requirement: requirement as RunRequirement,
    fault: f.kind,
  })),
);

/** How the user types a command of the harness. */
export const HARNESS = "npm run harness --";

const rulesFor = (req: RunRequirement, topology: TopologyKind) => {
  const failover = topologyDefinition(topology).failover;
  return DECISIVE_RUNS.filter((d) => d.requirement === req && d.failover.includes(failover));
};

/** Can a run of `topology` with these faults show `req` met? */
export function decides(req: RunRequirement, topology: TopologyKind, faults: readonly FaultSpec[]): boolean {
  return rulesFor(req, topology).some((d) => (!d.alone || faults.length === 1) && faults.some((f) => f.kind === d.fault && d.when(f)));
}

let suites: Array<{ name: string; topology: string; faults: FaultSpec[] }> | undefined;

/** The suites' scenarios with their faults as the schema completes them (a default target is the primary). */
function suiteScenarios() {
  suites ??= readScenarioSources().flatMap(({ input }) => {
    const faults = (input.faults ?? []).map((f) => faultSchema.safeParse(f));
    return faults.every((r) => r.success) ? [{ name: String(input.name), topology: String(input.topology?.kind), faults: faults.map((r) => r.data!) }] : [];
  });
  return suites;
}

/** The first suite scenario (in suites/ order) of `topology` that shows `req`, or null: found, so never out of date. */
function suiteScenario(req: RunRequirement, topology: TopologyKind): string | null {
  return suiteScenarios().find((s) => s.topology === topology && decides(req, topology, s.faults))?.name ?? null;
}

/** The run that would show `req` on `topology`: in words, and as a suite scenario when suites/ has one. */
export function decisiveRun(req: RunRequirement, topology: TopologyKind): { what: string; scenario: string | null } | null {
  const d = rulesFor(req, topology)[0];
  return d ? { what: d.what, scenario: suiteScenario(req, topology) } : null;
}

/** What the user types to show `req` on `topology`: the suite scenario, or a scenario file of their own with the fault it needs. */
export function showCommand(req: RunRequirement, topology: TopologyKind): string | null {
  const d = rulesFor(req, topology)[0];
  if (!d) return null;
  const scenario = suiteScenario(req, topology);
  return scenario
    ? `${HARNESS} run ${scenario}`
    : `${HARNESS} run --file ${topology}-${d.fault}.json   # a ${topology} scenario of yours with faults: [${JSON.stringify(d.example)}]`;
}
