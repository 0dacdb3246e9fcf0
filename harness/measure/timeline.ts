/** One thing that happened, on the run clock (ms; negative before the load started). */
export interface TimelineEvent {
  tMs: number;
  kind: string;
  detail?: Record<string, unknown>;
}

export class Timeline {
  readonly events: TimelineEvent[] = [];
  constructor(private readonly clock: () => number) {}

  add(kind: string, detail?: Record<string, unknown>, tMs = this.clock()): TimelineEvent {
    const e: TimelineEvent = { tMs: Math.round(tMs * 1000) / 1000, kind, ...(detail ? { detail } : {}) };
    this.events.push(e);
    return e;
  }

  /** Moves every event `shiftMs` earlier: used when the run clock restarts at the start of the load. */
  rebase(shiftMs: number): void {
    for (const e of this.events) e.tMs = Math.round((e.tMs - shiftMs) * 1000) / 1000;
  }

  /** Events sorted by time (retroactive events, e.g. a fork seen by the sampler, are added late). */
  sorted(): TimelineEvent[] {
    return [...this.events].sort((a, b) => a.tMs - b.tMs);
  }
}
