/**
 * What each kind of timeline event carries. Every producer (stages, faults, probes, the client pool) adds events of these
 * kinds only, and every view reads them by kind with their typed details. A new fault needs no new kind: it marks
 * itself with fault-injected / fault-healed / fault-error and its intermediate moments with fault-step.
 */
export interface TimelineDetails {
  "topology-starting": { topology: string; image: string };
  "topology-ready": { server: string; version: string };
  "dataset-loaded": { keys: number; usedMemoryBytes: number | null };
  "load-started": { mode: "open-loop" | "closed-loop" };
  "load-finished": { issued: number };
  converged: { converged: boolean; tookMs: number; primary: string | null; note?: string };
  /** With reused ledger keys: how many writes were read as the load went, and reads and removals that failed (tried again later). */
  "read-back": {
    writes: number;
    present: number;
    verifiedDuringLoad?: number;
    failedReads?: number;
    failedRemovals?: number;
    lastError?: string;
  };
  "run-error": { error: string };
  /** The kernel's OOM killer acted inside a container (at its memory limit). */
  "container-oom": { node: string; limitBytes: number };
  /** The host's available memory fell below the floor: the run stopped itself. */
  "host-memory-low": { availableBytes: number; floorBytes: number };
  /** At the send; observedAfterMs: how long until the harness saw it act. */
  "fault-injected": { fault: string; nodes: string[]; observedAfterMs?: number };
  "fault-healed": { fault: string };
  "fault-error": { fault: string; error: string };
  /** A named moment inside a fault (a runbook's step, BGSAVE's reply). */
  "fault-step": { fault: string; step: string; node?: string; note?: string };
  "rejoined-as-replica": { node: string };
  "sampler-unreachable": { node: string; error: string };
  "sampler-reachable": { node: string };
  fork: { node: string; forkUs: number | null };
  "bgsave-finished": { node: string; status: string | null; copyOnWriteBytes: number | null };
  "role-change": { node: string; from: string | null; to: string };
  "cluster-state": { node: string; state: string };
  "cluster-node-flags": { node: string; from: string; to: string };
  "cluster-config-epoch": { node: string; from: number; to: number };
  "cluster-slots": { node: string; from: number; to: number };
  "client-ready": { client: number };
  "client-reconnecting": { client: number };
  "client-switch-master": { client: number };
  /** The client stopped reconnecting for good (ioredis status "end") while the harness still used it: the error it last saw. */
  "client-gave-up": { client: number; lastError: string };
  "clients-repointed": { connections: number };
  /** The lean engine re-read a cluster's slot map: why, from which node, slots covered, redirections followed so far. */
  "client-slots-refreshed": { reason: string; from: string; covered: number; moved: number; ask: number };
  /** Whatever a Sentinel published (+sdown, +odown, +switch-master, ...), as it said it. */
  sentinel: { sentinel: string; channel: string; message: string };
}

export type TimelineKind = keyof TimelineDetails;

/** One thing that happened, on the run clock (ms; negative before the load started). */
export type TimelineEvent = { [K in TimelineKind]: { tMs: number; kind: K; detail: TimelineDetails[K] } }[TimelineKind];

export type EventOf<K extends TimelineKind> = Extract<TimelineEvent, { kind: K }>;

export class Timeline {
  readonly events: TimelineEvent[] = [];
  constructor(private readonly clock: () => number) {}

  add<K extends TimelineKind>(kind: K, detail: TimelineDetails[K], tMs = this.clock()): EventOf<K> {
    const e = { tMs: Math.round(tMs * 1000) / 1000, kind, detail } as EventOf<K>;
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

/** The events of one kind, typed. */
export function eventsOf<K extends TimelineKind>(events: TimelineEvent[], kind: K): Array<EventOf<K>> {
  return events.filter((e): e is EventOf<K> => e.kind === kind);
}

/** Did a Sentinel publish `channel` (e.g. "+switch-master") during the run? */
export const sentinelSaid = (events: TimelineEvent[], channel: string) => eventsOf(events, "sentinel").some((e) => e.detail.channel === channel);
