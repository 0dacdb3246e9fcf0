import { BadInputError } from "../infra/errors.js";
import { upgrade } from "../faults/upgrade.js";
import { loadSuite } from "../scenario/load.js";
import { TOPOLOGIES } from "../topology/registry.js";
import type { Scenario } from "../scenario/schema.js";

/** What `upgrade` runs for one topology and pair of images. */
export interface UpgradePlan {
  topology: string;
  from: string;
  to: string;
  /** The roll under load, in the documented order, with the way back tried at its end. */
  roll: Scenario;
  /** The same roll with the old master crashing before its own upgrade and rejoining on the old image. */
  crash: Scenario;
  /** The same load without a fault, once on each image: the performance side by side (none: --no-performance). */
  steady: Scenario | null;
}

/**
 * The scenarios of an upgrade of `topology` from one image to another: the suite's `<topology>-rolling-upgrade` is the
 * procedure (its handover, its load, its budgets), run from `from` to `to` with the way back tried at its end; the
 * crash trap is the same roll with the old master crashing mid-roll; the steady load is the same load with no fault.
 * A topology the suite has no roll for is refused, naming those it has.
 */
export function planUpgrade(topology: string, from: string, to: string, performance: boolean): UpgradePlan {
  // suites/upgrade.json's `<topology>-rolling-upgrade` scenarios are the procedure.
  const rolls = loadSuite("upgrade").filter((s) => s.name.endsWith("-rolling-upgrade"));
  const template = rolls.find((s) => s.topology.kind === topology);
  if (!template) {
    const known = TOPOLOGIES.find((t) => t.kind === topology);
    const kinds = rolls.map((s) => s.topology.kind);
    throw new BadInputError(
      `--topology ${topology}: ${known ? "there is no rolling upgrade of it" : "there is no such topology"} (suites/upgrade.json has one for ${kinds.join(", ")}).`,
      known && !known.capabilities.includes("replicas")
        ? "A topology without replicas has none to roll to: its upgrade is a restart. Compare the two versions with: matrix smoke --images FROM,TO"
        : `Give --topology ${kinds.join(" | ")}.`,
    );
  }
  if (from === to) throw new BadInputError(`--from and --to are both ${from}: an upgrade goes from one image to another.`, "Give two different images.");
  const [fault] = template.faults;
  if (fault.kind !== upgrade.kind) throw new Error(`${template.name}'s fault is ${fault.kind}, not the roll`);
  const on = (s: Scenario, name: string, changes: Partial<Scenario>): Scenario => ({
    ...structuredClone(s),
    ...changes,
    name,
    topology: { ...s.topology, image: from },
  });
  // The way back adds a node's shutdown and a start that fails, which can take 11 s (measured on CI: the engine's
  // wait for a port the exiting server never bound): the load lasts 15 s longer.
  const roll = on(template, `${topology}-upgrade`, {
    workload: { ...template.workload, duration: template.workload.duration + 15 },
    description: `${template.description} The way back is tried at the end: a replica rolled back to the old image with the data the new one saved.`,
    faults: [{ ...fault, to, wayBack: true }],
  });
  // The trap adds a crash, a restart and the old master's doomed sync to the roll (its refusal came 14–16 s after the
  // restart here): the load lasts 20 s longer.
  const crash = on(template, `${topology}-upgrade-crash-mid-roll`, {
    workload: { ...template.workload, duration: template.workload.duration + 20 },
    description:
      "The same roll, with the trap of a crash mid-roll: after the handover the old master crashes and is started again on its old image before its own upgrade, with nothing saved: it must fetch the whole dataset from a master on the new version.",
    faults: [{ ...fault, to, oldMasterRejoins: "before-upgrade", failover: fault.failover === "master-killed" ? "handover" : fault.failover }],
  });
  const steady = performance
    ? on(template, `${topology}-steady`, {
        description: "The roll's load with no fault, run on each image in turn: the performance side by side.",
        faults: [],
        budgets: {},
      })
    : null;
  return { topology, from, to, roll, crash, steady };
}
