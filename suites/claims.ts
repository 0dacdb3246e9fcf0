import type { ExecutionContext } from "ava";
import { eventsOf, sentinelSaid } from "../harness/measure/timeline.js";
import type { RunReport } from "../harness/report/types.js";

// What the suites' claims look at, named once.

/** Nodes that became master during the run (the sampler's role changes). */
export const promoted = (r: RunReport) =>
  eventsOf(r.timeline, "role-change")
    .filter((e) => e.detail.to === "master")
    .map((e) => e.detail.node);

/** Did Sentinel switch the master? */
export const switchedMaster = (r: RunReport) => sentinelSaid(r.timeline, "+switch-master");

/** The nodes the (first) fault hit. */
export const hit = (r: RunReport) => eventsOf(r.timeline, "fault-injected")[0]?.detail.nodes ?? [];

/** No failover: no Sentinel switch, no node promoted, the primary at the end is the one at the start. */
export function noFailover(t: ExecutionContext, r: RunReport, why: string): void {
  t.false(switchedMaster(r), `${why}: Sentinel did not switch the master`);
  t.deepEqual(promoted(r), [], `${why}: no node was promoted`);
}
