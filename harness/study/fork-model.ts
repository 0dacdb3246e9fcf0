import { fitLine, predict, type LinearFit, type Prediction } from "./fit.js";

/**
 * The fork study's model: what one BGSAVE under load measured (a point), the fits over the points, the extrapolation
 * to a planner's size and to the seed's 25 GB, and a verdict on each of the seed's capacity claims.
 */
export interface ForkPoint {
  /** The dataset asked for. */
  sizeBytes: number;
  /** The server's RSS when the save ended: what the fork copies the page tables of. */
  rssBytes: number;
  usedMemoryBytes: number;
  usedMemoryPeakBytes: number;
  /** Writes a second during the save (the load's rate × its write share). */
  writeRate: number;
  forkMs: number;
  cowBytes: number;
  saveMs: number;
  p99BaselineMs: number;
  p99SaveMs: number;
  maxSaveMs: number;
  /** The run's folder. */
  run: string;
  /** The driver could not keep the schedule (the run's instrument check): its latencies are upper bounds, not Redis's. */
  driverBound?: boolean;
  /** Redis let the kernel back its memory with transparent huge pages (disable-thp no): the THP variant, not fitted. */
  thp?: boolean;
  /** The save: an AOF rewrite (BGREWRITEAOF) rather than an RDB snapshot (absent: rdb). */
  persistence?: "aof";
}

export interface ForkFit {
  forkMsPerGb: number;
  forkMsIntercept: number;
  r2: number;
  ci95: [number, number];
  n: number;
}

export interface Extrapolation {
  sizeBytes: number;
  forkMs: number;
  ci95: [number, number];
  beyondMeasured: boolean;
}

export type Verdict = "confirmed" | "refuted" | "not testable on this host";
export interface ClaimVerdict {
  claim: string;
  verdict: Verdict;
  measured: string;
}

// Binary gigabytes, as --sizes and Redis's used_memory count them (parseSize).
const GB = 2 ** 30;
/** A baseline P99 under this is near the seed's "1 ms": a point that can speak for the latency claim. */
const QUIET_BASELINE_P99_MS = 10;
export const SEED_SIZE_BYTES = 25 * GB;

/** Redis's published fork cost per GB by platform (redis.io, "Diagnosing latency issues"), beside the measured one. */
export const PUBLISHED_FORK_MS_PER_GB = [
  { platform: "Linux bare metal", msPerGb: [9, 13] },
  { platform: "VMware", msPerGb: [12.8, 12.8] },
  { platform: "KVM", msPerGb: [23, 23] },
  { platform: "Xen", msPerGb: [239, 424] },
] as const;

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
/** n values from `from` to `to`, evenly spaced on a log scale (the fork plot's x axis is one). */
const geometric = (from: number, to: number, n = 40) => Array.from({ length: n }, (_, i) => from * (to / from) ** (i / (n - 1)));

function asForkFit(f: LinearFit): ForkFit {
  return {
    forkMsPerGb: round(f.slope, 3),
    forkMsIntercept: round(f.intercept, 3),
    r2: round(f.r2, 4),
    ci95: [round(f.slopeCi95[0], 3), round(f.slopeCi95[1], 3)],
    n: f.n,
  };
}

const asExtrapolation = (p: Prediction): Extrapolation => ({
  sizeBytes: Math.round(p.x * GB),
  forkMs: round(p.y),
  ci95: [round(p.ci95[0]), round(p.ci95[1])],
  beyondMeasured: p.beyondMeasured,
});

export interface ForkModel {
  fit: ForkFit | null;
  /** Save duration against GB of RSS. */
  saveFit: ForkFit | null;
  /** Copy-on-write bytes against bytes written during the save (write rate × save seconds × value size is not known to Redis; writes × seconds is). */
  cowFit: { bytesPerWrite: number; interceptBytes: number; r2: number; ci95: [number, number] } | null;
  extrapolations: Extrapolation[];
  /** The fork fit drawn: the line and its 95% band, from half the smallest size measured to past the furthest target. */
  curve: Array<{ gb: number; forkMs: number; ci95: [number, number] }>;
  claims: ClaimVerdict[];
  /** Why a fit is missing (too few points), in words. */
  notes: string[];
}

/**
 * The points the fits are of. The THP variant is another machine setting, the AOF rewrite another save: drawn and
 * compared, never mixed into the fit, which is of RDB snapshots when there are any.
 */
export function fittedPoints(all: ForkPoint[]): ForkPoint[] {
  const fitted = all.some((p) => !p.persistence) ? undefined : "aof";
  return all.filter((p) => !p.thp && p.persistence === fitted);
}

/** The fits, the extrapolations to `targets` (bytes) and the claims, from the points measured. */
export function forkModel(all: ForkPoint[], targets: number[]): ForkModel {
  const notes: string[] = [];
  const points = fittedPoints(all);
  const tryFit = (what: string, xy: Array<{ x: number; y: number }>) => {
    try {
      return fitLine(xy);
    } catch (err) {
      notes.push(`no ${what} fit: ${(err as Error).message}`);
      return null;
    }
  };
  const fork = tryFit(
    "fork",
    points.map((p) => ({ x: p.rssBytes / GB, y: p.forkMs })),
  );
  const save = tryFit(
    "save duration",
    points.map((p) => ({ x: p.rssBytes / GB, y: p.saveMs })),
  );
  const cow = tryFit(
    "copy-on-write",
    points.map((p) => ({ x: p.writeRate * (p.saveMs / 1000), y: p.cowBytes })),
  );
  const sizes = [...new Set([...targets, SEED_SIZE_BYTES])].sort((a, b) => a - b);
  const extrapolations = fork ? sizes.map((t) => asExtrapolation(predict(fork, t / GB))) : [];
  const curve = fork
    ? geometric(Math.min(...points.map((p) => p.rssBytes / GB)) / 2, (sizes[sizes.length - 1] / GB) * 1.2).map((gb) => {
        const p = predict(fork, gb);
        return { gb: round(gb, 4), forkMs: round(p.y, 3), ci95: [round(p.ci95[0], 3), round(p.ci95[1], 3)] as [number, number] };
      })
    : [];
  return {
    fit: fork && asForkFit(fork),
    saveFit: save && asForkFit(save),
    cowFit: cow && {
      bytesPerWrite: round(cow.slope, 1),
      interceptBytes: Math.round(cow.intercept),
      r2: round(cow.r2, 4),
      ci95: [round(cow.slopeCi95[0], 1), round(cow.slopeCi95[1], 1)],
    },
    extrapolations,
    curve,
    claims: forkClaims(points, extrapolations.find((e) => e.sizeBytes === SEED_SIZE_BYTES) ?? null),
    notes,
  };
}

/** The seed's capacity claims, each judged on what was measured here (or said to be out of this host's reach). */
export function forkClaims(points: ForkPoint[], at25: Extrapolation | null): ClaimVerdict[] {
  const largest = points.reduce<ForkPoint | null>((m, p) => (!m || p.rssBytes > m.rssBytes ? p : m), null);
  const gb = (b: number) => `${round(b / GB, 2)} GiB`;
  const longest = points.reduce<ForkPoint | null>((m, p) => (!m || p.forkMs > m.forkMs ? p : m), null);
  const claims: ClaimVerdict[] = [];
  // Fork stall: judged at the claim's own scale (25 GB), from the fit; the interval decides.
  claims.push(
    !at25
      ? { claim: "fork can freeze Redis for 100 ms–1 s", verdict: "not testable on this host", measured: "no fit (too few sizes measured)" }
      : {
          claim: "fork can freeze Redis for 100 ms–1 s",
          verdict:
            at25.ci95[1] < 100
              ? "refuted"
              : at25.ci95[0] >= 100 && at25.ci95[0] <= 1000
                ? "confirmed"
                : at25.ci95[0] > 1000
                  ? "refuted"
                  : "not testable on this host",
          measured: `fork at 25 GB ${at25.forkMs} ms (95% interval ${at25.ci95[0]}–${at25.ci95[1]} ms${at25.beyondMeasured ? ", extrapolated beyond 3× the largest size measured" : ""})${longest ? `; the longest fork measured: ${longest.forkMs} ms at ${gb(longest.rssBytes)} RSS` : ""}`,
        },
  );
  // Copy-on-write: "up to 2×" is an upper bound; what was measured is the worst point's (RSS + COW) / RSS.
  const spikes = points.map((p) => ({ p, ratio: (p.rssBytes + p.cowBytes) / Math.max(1, p.rssBytes) }));
  const worst = spikes.reduce<(typeof spikes)[number] | null>((m, s) => (!m || s.ratio > m.ratio ? s : m), null);
  claims.push(
    !worst
      ? { claim: "memory spike up to 2× during a save", verdict: "not testable on this host", measured: "no point measured" }
      : {
          claim: "memory spike up to 2× during a save",
          verdict: worst.ratio <= 2 ? "confirmed" : "refuted",
          measured: `worst (RSS + copy-on-write) / RSS ${round(worst.ratio, 3)}× (${gb(worst.p.rssBytes)} RSS at ${worst.p.writeRate} writes/s)`,
        },
  );
  // Latency: P99 from ~1 ms to 100 ms+ during the save. Only a point whose baseline is near the claim's ~1 ms can
  // speak for it: on a host whose baseline P99 is itself tens of ms, a high P99 during the save says nothing. Nor can
  // a driver-bound point: its P99 is the driver's lag.
  const quiet = points.filter((p) => p.p99BaselineMs < QUIET_BASELINE_P99_MS && !p.driverBound);
  const worstP99 = quiet.reduce<ForkPoint | null>((m, p) => (!m || p.p99SaveMs > m.p99SaveMs ? p : m), null);
  claims.push(
    !worstP99
      ? {
          claim: "P99 from 1 ms to 100 ms+ during a save",
          verdict: "not testable on this host",
          measured: points.length
            ? `no point with a baseline P99 under ${QUIET_BASELINE_P99_MS} ms whose driver kept up (baselines: ${points.map((p) => `${p.p99BaselineMs} ms${p.driverBound ? " driver-bound" : ""}`).join(", ")})`
            : "no point measured",
        }
      : {
          claim: "P99 from 1 ms to 100 ms+ during a save",
          verdict: worstP99.p99SaveMs >= 100 ? "confirmed" : largest && largest.rssBytes >= SEED_SIZE_BYTES ? "refuted" : "not testable on this host",
          measured: `worst P99 during a save ${worstP99.p99SaveMs} ms (baseline ${worstP99.p99BaselineMs} ms) at ${gb(worstP99.rssBytes)}${worstP99.p99SaveMs < 100 && largest && largest.rssBytes < SEED_SIZE_BYTES ? `; the largest size measured is ${gb(largest.rssBytes)}, below the 25 GB the claim is about` : ""}`,
        },
  );
  // The 25 GB threshold itself needs 25 GB measured.
  claims.push({
    claim: "25 GB is where RDB saves start to hurt online traffic",
    verdict: largest && largest.rssBytes >= SEED_SIZE_BYTES ? (worstP99 && worstP99.p99SaveMs >= 100 ? "confirmed" : "refuted") : "not testable on this host",
    measured: largest
      ? `largest dataset measured ${gb(largest.rssBytes)} RSS; fork extrapolated to 25 GB: ${at25 ? `${at25.forkMs} ms` : "no fit"}`
      : "no point measured",
  });
  return claims;
}
