/**
 * Phases (docs/design.md): baseline = before the harness sent the fault, fault = from then until it was healed,
 * recovery = after the heal. An operation belongs to the phase of its *intended* start: one intended after the send is
 * never baseline, though the harness may see the fault act a moment later (faults/lifecycle.ts).
 * Warmup (connections opening, the JIT compiling the driver) comes first and is reported but judged by no budget.
 */
export const PHASES = ["baseline", "fault", "recovery"] as const;
export type Phase = (typeof PHASES)[number];
export const ALL_PHASES = ["warmup", ...PHASES] as const;
export type AnyPhase = (typeof ALL_PHASES)[number];

/** Marks are in ms on the run clock; they are set when the fault was sent and when it really healed. */
export class PhaseClock {
  constructor(readonly warmupMs = 0) {}
  faultStartMs: number | undefined;
  faultEndMs: number | undefined;
  /** Faults in force now: with several, the fault phase spans from the first taking effect to the last heal. */
  private active = 0;

  markFaultStart(tMs: number): void {
    if (this.faultStartMs === undefined || tMs < this.faultStartMs) this.faultStartMs = tMs;
    this.active++;
    this.faultEndMs = undefined;
  }

  markFaultEnd(tMs: number): void {
    if (this.faultStartMs === undefined || this.active === 0) throw new Error("fault healed before it took effect");
    this.active--;
    if (this.active === 0) this.faultEndMs = Math.max(tMs, this.faultStartMs);
  }

  /** How long no fault has been in force at `tMs`: 0 while one is, Infinity before the first. */
  quietFor(tMs: number): number {
    if (this.active > 0) return 0;
    return this.faultEndMs === undefined ? Number.POSITIVE_INFINITY : Math.max(0, tMs - this.faultEndMs);
  }

  phaseAt(tMs: number): AnyPhase {
    if (tMs < this.warmupMs) return "warmup";
    if (this.faultStartMs === undefined || tMs < this.faultStartMs) return "baseline";
    if (this.faultEndMs === undefined || tMs < this.faultEndMs) return "fault";
    return "recovery";
  }
}
