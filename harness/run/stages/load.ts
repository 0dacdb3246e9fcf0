import { performance } from "node:perf_hooks";
import { runClosedLoop, runOpenLoop } from "../../workload/driver.js";
import { keyValueIssuer } from "../../workload/key-value.js";
import { ledgerIssuer } from "../../workload/ledger-writes.js";
import { Metronome } from "../../workload/metronome.js";
import type { RunContext } from "../context.js";
import { scheduleFaults } from "../fault-schedule.js";

/** How long to wait, after the load ends, for a fault still in progress (e.g. a long BGSAVE) before giving up on it. */
const FAULT_GRACE_MS = 120_000;

/**
 * The load, with the faults on schedule: the run clock restarts at the first intended operation (earlier events keep
 * negative times), probes start measuring, the driver runs open or closed loop for the duration, then the faults get a
 * grace period to heal.
 */
export async function loadWithFaults(ctx: RunContext): Promise<void> {
  const w = ctx.scenario.workload;
  const { pool, readPool } = ctx.clients!;
  const clock = ctx.clock.now;
  // Built before the metronome's tick 0: pre-building 100k keys takes tens of ms (and the GC that promotes them as
  // long again), which would otherwise be charged to the first operations as schedule lag.
  const issue =
    w.keys === "ledger" ? ledgerIssuer(w, pool, readPool ?? pool, ctx.ledger, ctx.staleReads, clock) : keyValueIssuer(w, pool);
  const metronome = w.mode === "open-loop" && w.waker === "metronome" ? await Metronome.start(Metronome.intervalFor(w.rate)) : undefined;
  if (metronome) ctx.defer("the metronome", () => metronome.stop());
  const shift = ctx.clock.restartAt(metronome ? metronome.startMs : performance.now());
  ctx.timeline.rebase(shift);
  for (const p of ctx.probes) p.rebase(shift);

  const sink = (op: Parameters<typeof ctx.recorder.record>[0]) => ctx.recorder.record(op);
  const how = w.mode === "open-loop" ? `${w.rate} ops/s` : `${w.connections}x${w.pipeline} in flight`;
  const schedule = ctx.scenario.faults.map((f) => `${f.kind}@${f.at}s`).join(", ");
  ctx.progress.step(`load: ${w.mode} ${how} for ${w.duration}s${schedule ? `; faults: ${schedule}` : ""}`);
  ctx.progress.startLoad(w.duration, ctx.recorder, clock, () => ctx.phases.phaseAt(clock()));
  ctx.defer("the progress line", () => ctx.progress.stopLoad());

  ctx.timeline.add("load-started", { mode: w.mode }, 0);
  ctx.eventLoop.start(clock);
  ctx.defer("the event-loop monitor", () => ctx.eventLoop.stop());
  const faults = scheduleFaults(ctx, { topology: ctx.deployment, clock, timeline: ctx.timeline, phases: ctx.phases, signal: ctx.signal, pool, readPool });
  ctx.defer("the faults not yet injected", faults.cancel);
  const durationMs = w.duration * 1000;
  ctx.driver =
    w.mode === "open-loop"
      ? await runOpenLoop({ ratePerSec: w.rate, durationMs, metronome }, issue, sink, clock, ctx.signal)
      : await runClosedLoop({ durationMs, connections: w.connections, pipeline: w.pipeline }, issue, sink, clock, ctx.signal);
  await metronome?.stop();
  ctx.eventLoop.stop();
  for (const p of ctx.probes) await p.loadFinished?.();
  ctx.progress.stopLoad();
  ctx.timeline.add("load-finished", { issued: ctx.driver.issued });

  let grace: NodeJS.Timeout | undefined;
  const healed = await Promise.race([faults.done.then(() => true), new Promise<boolean>((r) => (grace = setTimeout(() => r(false), FAULT_GRACE_MS)))]);
  clearTimeout(grace);
  if (!healed) ctx.problems.push(`a fault had not healed ${FAULT_GRACE_MS / 1000}s after the load ended`);
  for (const f of ctx.faults) if (f.error) ctx.problems.push(`fault failed: ${f.kind}: ${f.error}`);
}
