import { runFaultSpec, type FaultSpec } from "../faults/registry.js";
import type { FaultContext } from "../faults/types.js";
import type { RunContext } from "./context.js";

/**
 * Each fault of the scenario at its time on the run clock. Resolves once every fault has ended (its record is in
 * ctx.faults). An abort cancels the faults not yet injected; one in progress heals itself (it watches the signal) and
 * is awaited.
 */
export function scheduleFaults(ctx: RunContext, faultCtx: FaultContext): Promise<void> {
  const one = (spec: FaultSpec) =>
    new Promise<void>((resolve) => {
      let fired = false;
      const timer = setTimeout(async () => {
        fired = true;
        if (!ctx.signal.aborted) {
          ctx.progress.step(`fault: ${spec.kind}`);
          const rec = await runFaultSpec(spec, faultCtx);
          ctx.faults.push(rec);
          const healedIn = Math.round((rec.healedAtMs ?? ctx.clock.now()) - rec.requestedAtMs);
          ctx.progress.step(`fault ${spec.kind}: ${rec.error ? `error: ${rec.error}` : `healed after ${healedIn} ms`}`);
        }
        resolve();
      }, spec.at * 1000 - ctx.clock.now());
      ctx.signal.addEventListener("abort", () => {
        if (fired) return;
        clearTimeout(timer);
        resolve();
      });
    });
  return Promise.all(ctx.scenario.faults.map(one)).then(() => {});
}
