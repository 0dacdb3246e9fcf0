import { runFaultSpec, type AnyFaultRecord, type FaultSpec } from "../faults/registry.js";
import type { FaultContext } from "../faults/types.js";
import type { RunContext } from "./context.js";

/**
 * Each fault of the scenario at its time on the run clock. A fault's record is in ctx.faults from the moment it is
 * requested (a fault still running when the run ends is reported as such). `done` resolves once every fault has ended;
 * `cancel` (at teardown, or on Ctrl-C) drops the faults not yet injected; one in progress heals itself when the signal
 * aborts and is awaited through `done`.
 */
export function scheduleFaults(ctx: RunContext, faultCtx: FaultContext): { done: Promise<void>; cancel: () => void } {
  const pending = new Map<NodeJS.Timeout, () => void>();
  const withRecords: FaultContext = { ...faultCtx, onStart: (rec) => ctx.faults.push(rec as AnyFaultRecord) };
  const one = (spec: FaultSpec) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(
        async () => {
          pending.delete(timer);
          if (!ctx.signal.aborted) {
            ctx.progress.step(`fault: ${spec.kind}`);
            const rec = await runFaultSpec(spec, withRecords);
            const healedIn = Math.round((rec.healedAtMs ?? ctx.clock.now()) - rec.requestedAtMs);
            ctx.progress.step(`fault ${spec.kind}: ${rec.error ? `error: ${rec.error}` : `healed after ${healedIn} ms`}`);
          }
          resolve();
        },
        // A fault due already (at 0 s) fires at once; Node would warn of a negative delay.
        Math.max(0, spec.at * 1000 - ctx.clock.now()),
      );
      pending.set(timer, resolve);
    });
  const done = Promise.all(ctx.scenario.faults.map(one)).then(() => {});
  const cancel = () => {
    ctx.signal.removeEventListener("abort", cancel);
    for (const [timer, resolve] of pending) {
      clearTimeout(timer);
      resolve();
    }
    pending.clear();
  };
  ctx.signal.addEventListener("abort", cancel, { once: true });
  return { done, cancel };
}
