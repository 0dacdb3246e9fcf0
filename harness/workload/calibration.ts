import { performance } from "node:perf_hooks";
import { OpStats } from "../measure/op-stats.js";
import { summarize, type LatencySummary } from "../measure/histogram.js";
import type { ClientSettings } from "../topology/client-options.js";
import { runOpenLoop } from "./driver.js";
import { ENGINES, type EngineName } from "./engines/index.js";
import type { Address } from "./engines/lean-pool.js";
import { Metronome } from "./metronome.js";

/** How long each path is timed. */
export const CALIBRATION_MS = 1000;
/** The rate it is timed at: the scenario's, up to this (one connection). */
export const CALIBRATION_MAX_RATE = 5000;

/**
 * The instrument's own floor, measured before the load: PINGs on one connection of the run's engine, open loop at the
 * run's rate, straight to the server and through the fault layer. Redis answers PING without touching data, so what
 * this measures is the driver, the engine, the network and the proxy: no latency the run reports can be read below it.
 */
export interface Calibration {
  engine: EngineName;
  ratePerSec: number;
  durationMs: number;
  direct: LatencySummary;
  faultLayer: LatencySummary;
  /** What the fault layer (one Toxiproxy hop) adds at P50 and P99. */
  faultLayerAddedP50Us: number;
  faultLayerAddedP99Us: number;
}

async function timePings(engine: EngineName, a: Address, client: ClientSettings, ratePerSec: number, signal?: AbortSignal): Promise<LatencySummary> {
  const conn = await ENGINES[engine].connectTo(a, client);
  const metronome = await Metronome.start(Metronome.intervalFor(ratePerSec));
  try {
    const stats = new OpStats();
    const clock = () => performance.now() - metronome.startMs;
    await runOpenLoop(
      { ratePerSec, durationMs: CALIBRATION_MS, metronome },
      (_i, _t, done) => (conn.ping(done), "read"),
      (op) => stats.record(op),
      clock,
      signal,
    );
    return summarize(stats.latency);
  } finally {
    await metronome.stop();
    conn.close();
  }
}

export async function calibrate(
  engine: EngineName,
  paths: { direct: Address; faultLayer: Address },
  client: ClientSettings,
  rate: number,
  signal?: AbortSignal,
): Promise<Calibration> {
  const ratePerSec = Math.min(rate, CALIBRATION_MAX_RATE);
  const direct = await timePings(engine, paths.direct, client, ratePerSec, signal);
  const faultLayer = await timePings(engine, paths.faultLayer, client, ratePerSec, signal);
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
