import { formatUs } from "../../infra/units.js";
import { calibrate } from "../../workload/calibration.js";
import { linkOf } from "../../workload/engines/lean-target.js";
import type { RunContext } from "../context.js";

/**
 * The instrument's floor before the load (workload/calibration.ts): PINGs on the run's engine, straight to the
 * primary and through its fault-layer link. A run that cannot calibrate still runs; its report says why there is no floor.
 */
export async function calibrateInstrument(ctx: RunContext): Promise<void> {
  const topology = ctx.deployment;
  const w = ctx.scenario.workload;
  const node = await topology.primary();
  const link = topology.clientLinks.get(node.name);
  if (!link) return;
  ctx.progress.step(`calibrating the instrument: PING on the ${w.engine} engine to ${node.name}, direct and through the fault layer`);
  try {
    // The client link as every engine reaches it (with a secured topology's login), and the same node straight.
    const faultLayer = linkOf(topology, node.name);
    const paths = { direct: { ...faultLayer, ...node.address }, faultLayer };
    const c = await calibrate(w.engine, paths, ctx.scenario.client, w.mode === "open-loop" ? w.rate : 1000, w.connections, ctx.signal);
    ctx.calibration = c;
    ctx.progress.step(
      `instrument floor: P50 ${formatUs(c.faultLayer.p50Us)}, P99 ${formatUs(c.faultLayer.p99Us)} through the fault layer (direct ${formatUs(c.direct.p50Us)} / ${formatUs(c.direct.p99Us)})`,
    );
  } catch (err) {
    ctx.signal.throwIfAborted();
    ctx.progress.step(`warning: the instrument could not be calibrated: ${(err as Error).message}`);
  }
}
