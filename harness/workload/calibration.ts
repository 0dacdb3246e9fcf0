import { performance } from "node:perf_hooks";
import { OpStats } from "../measure/op-stats.js";
import { summarize, type LatencySummary } from "../measure/histogram.js";
import type { ClientSettings } from "../topology/client-options.js";
import { runOpenLoop } from "./driver.js";
import { ENGINES, type EngineName } from "./engines/index.js";
import type { Address } from "./engines/lean-pool.js";
import { Metronome } from "./metronome.js";

/** How long both paths are timed (together), after the warm-up. */
export const CALIBRATION_MS = 2000;
/** PINGs before this are not counted: the first hundreds of ms pay for JIT compilation and the connection's start. */
export const CALIBRATION_WARMUP_MS = 300;
/** The rate each path is timed at: the scenario's, up to this. */
export const CALIBRATION_MAX_RATE = 5000;
/** Connections per path, at most. */
export const CALIBRATION_MAX_CONNECTIONS = 8;
/** The paths take turns in blocks this long, so that a slow moment of the machine falls on both alike. */
export const CALIBRATION_BLOCK_MS = 100;

/**
 * The instrument's own floor, measured before the load: PINGs on the run's engine, open loop, straight to the server
 * and through the fault layer. Redis answers PING without touching data, so what this measures is the driver, the
 * engine, the network and the proxy: no latency the run reports can be read below it. Both paths are driven as the
 * load is: at the run's rate over the run's connections. (Each path at the full rate at once doubled the driver's
 * work: ioredis at 5000 ops/s measured a floor of P50 165 ms while the load's per-second P99 was 12.6–38.7 ms; each at half
 * the rate made every request wait on idle machinery, a floor above the load's own P50 at 1000 ops/s.)
 */
export interface Calibration {
  engine: EngineName;
  /** PINGs a second on each path, in its turns. */
  ratePerSec: number;
  durationMs: number;
  direct: LatencySummary;
  faultLayer: LatencySummary;
  /** What the fault layer (one Toxiproxy hop) adds at P50 and P99. */
  faultLayerAddedP50Us: number;
  faultLayerAddedP99Us: number;
}

/**
 * Both paths in one open loop at the run's rate, taking turns block by block (CALIBRATION_BLOCK_MS), so that a slow
 * moment of the machine falls on both alike and the difference is the fault layer's; in a block, the PINGs go round
 * that path's connections as the load's operations go round its own.
 */
export async function calibrate(
  engine: EngineName,
  paths: { direct: Address; faultLayer: Address },
  client: ClientSettings,
  rate: number,
  connections: number,
  signal?: AbortSignal,
): Promise<Calibration> {
  const ratePerSec = Math.min(rate, CALIBRATION_MAX_RATE);
  const perPath = Math.max(1, Math.min(connections, CALIBRATION_MAX_CONNECTIONS));
  // All or none: connections that opened are closed again when another could not. The first perPath go straight to
  // the server, the rest through the fault layer.
  const opened = await Promise.allSettled(
    Array.from({ length: 2 * perPath }, (_, k) => ENGINES[engine].connectTo(k < perPath ? paths.direct : paths.faultLayer, client)),
  );
  const conns = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  const refused = opened.find((o): o is PromiseRejectedResult => o.status === "rejected");
  if (refused) {
    conns.forEach((c) => c.close());
    throw refused.reason;
  }
  const stats = [new OpStats(), new OpStats()];
  let metronome: Metronome | undefined;
  try {
    metronome = await Metronome.start(Metronome.intervalFor(ratePerSec));
    const startMs = metronome.startMs;
    const clock = () => performance.now() - startMs;
    // Each path is timed for CALIBRATION_MS: twice that in all, in turns.
    await runOpenLoop(
      { ratePerSec, durationMs: CALIBRATION_WARMUP_MS + 2 * CALIBRATION_MS, metronome },
      (i, intendedMs, done) => {
        const path = Math.floor(intendedMs / CALIBRATION_BLOCK_MS) % 2;
        conns[path * perPath + (i % perPath)].ping((err) => {
          if (intendedMs >= CALIBRATION_WARMUP_MS) stats[path].record({ kind: "read", intendedMs, sentMs: intendedMs, doneMs: clock() });
          done(err);
        });
        return "read";
      },
      () => {},
      clock,
      signal,
    );
  } finally {
    await metronome?.stop();
    conns.forEach((c) => c.close());
  }
  const [direct, faultLayer] = stats.map((s) => summarize(s.latency));
  return {
    engine,
    ratePerSec,
    durationMs: CALIBRATION_MS,
    direct,
    faultLayer,
    faultLayerAddedP50Us: faultLayer.p50Us - direct.p50Us,
    faultLayerAddedP99Us: faultLayer.p99Us - direct.p99Us,
  };
}
