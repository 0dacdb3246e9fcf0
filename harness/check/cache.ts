import { ALL_PHASES, type AnyPhase } from "../measure/phases.js";
import type { Checker } from "./checker.js";

/** The seed's alerts on a cache's hit ratio: a warning below 90%, critical below 80%. */
export const HIT_RATIO_ALERTS = [
  { level: "warning", below: 0.9 },
  { level: "critical", below: 0.8 },
] as const;

export interface HitCounts {
  hits: number;
  misses: number;
  /** hits / (hits + misses); null with no read. */
  hitRatio: number | null;
}

export interface CacheSummary extends HitCounts {
  phases: Record<AnyPhase, HitCounts>;
  perSecond: Array<HitCounts & { second: number }>;
  /** Each of the seed's alerts: the first second (after the warm-up) whose hit ratio was below it, and how many seconds were. */
  alerts: Array<{ level: "warning" | "critical"; below: number; firstSecond: number | null; seconds: number }>;
}

const counts = (hits: number, misses: number): HitCounts => ({ hits, misses, hitRatio: hits + misses ? hits / (hits + misses) : null });

/**
 * What maxmemory kept: the cache workload's reads, their hit ratio per phase and per second and when it crossed the
 * seed's alert thresholds (judged by minHitRatio, per phase); and the writes refused past it (OOM errors, any workload).
 */
export const cacheChecker: Checker<"cache"> = {
  name: "cache",
  metrics: ["hitRatio", "oomErrors"],
  check: (h) => {
    if (!h.cacheReads) return { cache: null };
    const phase = Object.fromEntries(ALL_PHASES.map((p) => [p, { hits: 0, misses: 0 }])) as Record<AnyPhase, { hits: number; misses: number }>;
    const seconds: Array<{ hits: number; misses: number }> = [];
    for (const r of h.cacheReads.reads()) {
      const c = phase[h.phases.phaseAt(r.sentMs)];
      const s = Math.max(0, Math.floor(r.sentMs / 1000));
      while (seconds.length <= s) seconds.push({ hits: 0, misses: 0 });
      if (r.hit) {
        c.hits++;
        seconds[s].hits++;
      } else {
        c.misses++;
        seconds[s].misses++;
      }
    }
    const perSecond = seconds.map((c, second) => ({ second, ...counts(c.hits, c.misses) }));
    const judged = perSecond.filter((s) => s.second * 1000 >= h.phases.warmupMs && s.hitRatio !== null);
    const all = Object.entries(phase).filter(([p]) => p !== "warmup");
    return {
      cache: {
        ...counts(
          all.reduce((n, [, c]) => n + c.hits, 0),
          all.reduce((n, [, c]) => n + c.misses, 0),
        ),
        phases: Object.fromEntries(Object.entries(phase).map(([p, c]) => [p, counts(c.hits, c.misses)])) as Record<AnyPhase, HitCounts>,
        perSecond,
        alerts: HIT_RATIO_ALERTS.map((a) => {
          const below = judged.filter((s) => s.hitRatio! < a.below);
          return { level: a.level, below: a.below, firstSecond: below[0]?.second ?? null, seconds: below.length };
        }),
      },
    };
  },
};
