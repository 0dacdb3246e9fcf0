import type { OomKill } from "../measure/container-memory.js";
import type { Checker } from "./checker.js";

export interface OomSummary {
  /** OOM kills inside the run's containers: a server, or its save's child, killed at its container's memory limit. */
  kills: number;
  events: OomKill[];
}

/**
 * OOM kills: how many times the kernel's OOM killer acted inside one of the run's containers. Judged by the maxOomKills
 * budget, or, for a scenario built to be OOM-killed (a save's copy-on-write past the limit), by minOomKills.
 */
export const oomChecker: Checker<"oom"> = {
  name: "OOM kills",
  metrics: ["oomKills"],
  check: (h) => ({ oom: { kills: h.oomKills.length, events: h.oomKills } }),
};
