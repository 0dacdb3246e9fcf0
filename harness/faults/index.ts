import type { FaultSpec } from "../scenario/schema.js";
import { BgsaveFault } from "./bgsave.js";
import type { Fault } from "./types.js";

/** The fault for a scenario's fault entry. */
export function faultFor(spec: FaultSpec): Fault {
  switch (spec.kind) {
    case "bgsave":
      return new BgsaveFault();
  }
}
