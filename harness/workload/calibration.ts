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
/** The rate both paths together are timed at: the scenario's, up to this. */
export const CALIBRATION_MAX_RATE = 5000;

/**
 * The instrument's own floor, measured before the load: PINGs on the run's engine, open loop, straight to the server
 * and through the fault layer, as the load drives it: the run's rate and its connections, split between the two paths.
 * (Each path at the full rate doubled the driver's work: ioredis at 5000 ops/s measured a floor of P50 165–525 ms
 * here, a queue the load itself, at P99 12–38 ms, never saw.) Redis answers PING without touching data, so what
 * this measures is the driver, the engine, the network and the proxy: no latency the run reports can be read below it.
 */
export interface Calibration {
  engine: EngineName;
  /** PINGs a second on each path. */
  ratePerSec: number;
  durationMs: number;
  direct: LatencySummary;
  faultLayer: LatencySummary;
  /** What the fault layer (one Toxiproxy hop) adds at P50 and P99. */
  faultLayerAddedP50Us: number;
  faultLayerAddedP99Us: number;
}

/**
 * Both paths in one open loop, alternating PING by PING, so that a slow moment of the machine falls on both alike and
 * the difference is the fault layer's.
 */
export async function calibrate(
  engine: EngineName,
  paths: { direct: Address; faultLayer: Address },
  client: ClientSettings,
  rate: number,
  connections: number,
  signal?: AbortSignal,
): Promise<Calibration> {
  const ratePerSec = Math.min(rate, CALIBRATION_MAX_RATE) / 2;
  const perPath = Math.max(1, Math.ceil(connections / 2));
  // All or none: connections that opened are closed again when another could not. Even ones go straight to the
  // server, odd ones through the fault layer.
  const opened = await Promise.allSettled(
    Array.from({ length: 2 * perPath }, (_, k) => ENGINES[engine].connectTo(k % 2 === 0 ? paths.direct : paths.faultLayer, client)),
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
    metronome = await Metronome.start(Metronome.intervalFor(2 * ratePerSec));
    const startMs = metronome.startMs;
    const clock = () => performance.now() - startMs;
    await runOpenLoop(
      { ratePerSec: 2 * ratePerSec, durationMs: CALIBRATION_WARMUP_MS + CALIBRATION_MS, metronome },
      (i, intendedMs, done) => {
        conns[i % conns.length].ping((err) => {
          if (intendedMs >= CALIBRATION_WARMUP_MS) stats[i % 2].record({ kind: "read", intendedMs, sentMs: intendedMs, doneMs: clock() });
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
