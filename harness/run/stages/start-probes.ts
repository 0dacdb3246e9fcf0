import type { HarnessError } from "../../infra/errors.js";
import { PROBES } from "../probes.js";
import type { RunContext } from "../context.js";

/** Every probe that applies to this run, started; each stops at teardown. */
export async function startProbes(ctx: RunContext): Promise<void> {
  const pctx = {
    topology: ctx.deployment,
    clock: ctx.clock.now,
    timeline: ctx.timeline,
    phases: ctx.phases,
    oomKills: ctx.oomKills,
    stopRun: (r: HarnessError) => ctx.stopRun(r),
  };
  for (const make of PROBES) {
    const probe = make(pctx, ctx.scenario, ctx.options.settings);
    if (!probe) continue;
    ctx.defer(`the ${probe.name} probe`, () => probe.stop());
    await probe.start();
    ctx.probes.push(probe);
  }
  ctx.progress.step(`probes: ${ctx.probes.map((p) => p.name).join(", ")}`);
}
