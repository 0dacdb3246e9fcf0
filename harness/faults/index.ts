import type { FaultSpec } from "../scenario/schema.js";
import { BgsaveFault } from "./bgsave.js";
import { ClusterFailoverFault } from "./cluster-failover.js";
import { ReshardFault } from "./reshard.js";
import { KillFault } from "./kill.js";
import { LinkFault } from "./link.js";
import { ManualPromotionFault } from "./manual-promotion.js";
import { PartitionFault } from "./partition.js";
import { PauseFault } from "./pause.js";
import type { Fault } from "./types.js";

/** The fault for a scenario's fault entry. */
export function faultFor(spec: FaultSpec): Fault {
  switch (spec.kind) {
    case "bgsave":
      return new BgsaveFault();
    case "kill":
      return new KillFault(spec.target, spec.for * 1000);
    case "pause":
      return new PauseFault(spec.target, spec.for * 1000);
    case "partition":
      return new PartitionFault(spec.target, spec.for * 1000, spec.clients);
    case "link":
      return new LinkFault(spec.target, spec.for * 1000, spec.latencyMs, spec.jitterMs, spec.bandwidthKBps, spec.link);
    case "manual-promotion":
      return new ManualPromotionFault();
    case "cluster-failover":
      return new ClusterFailoverFault();
    case "reshard":
      return new ReshardFault(spec.slots);
  }
}
