import jstat from "jstat";
import { DEFAULT_LIMITS } from "../topology/definition.js";
import "../infra/preload.js";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as hdr from "hdr-histogram-js";
import { Redis } from "ioredis";
import { loadSettings } from "../infra/settings.js";
import { newHistogram, recordUs, summarize } from "../measure/histogram.js";
import type { OpOutcome } from "../measure/op-stats.js";
import { PhaseClock } from "../measure/phases.js";
import { Recorder } from "../measure/recorder.js";
import { DEFAULT_CLIENT_SETTINGS, toRedisOptions } from "../topology/client-options.js";
import { StandaloneTopology } from "../topology/standalone.js";
import { runClosedLoop, runOpenLoop, type Issue } from "../workload/driver.js";
import { ENGINES, type EngineName } from "../workload/engines/index.js";
import type { CommandClient } from "../workload/engines/command-client.js";
import { keyValueIssuer, randomWorkload } from "../workload/key-value.js";
import { Metronome } from "../workload/metronome.js";
import { DriverThreads, shardsOf } from "../workload/driver-threads.js";

/**
 * A benchmark, not a test: the harness's load driver beside its peers on the same Redis server in the same run,
 * alternating, so that the machine's noise hits all of them alike (the instrument issue's targets):
 *   1. closed-loop max throughput at equal connections × pipeline: the lean engine against redis-benchmark (Debian's
 *      redis-tools), the ioredis engine against a bare ioredis pipeline loop (its own ceiling);
 *   2. latency at 1000 GET/s on one connection: both engines' open-loop P50/P99 against redis-benchmark (c=1) and a
 *      bare ioredis open loop written as a newcomer would;
 *   3. the lean engine's sustained open-loop maximum (achieved within 1% of the target, schedule lag P99 < 1 ms);
 *   4. what the fault layer (Toxiproxy) adds at P50.
 * Prints the tables (median and range over the rounds) and writes reports/bench/bench.json.
 */
const KEYSPACE = 100_000;
const VALUE_BYTES = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const LOW_RATE = 1000;
type Test = "get" | "set";

const median = (xs: number[]) => jstat.jStat.median(xs);
const range = (xs: number[], f: (x: number) => string = (x) => String(Math.round(x))) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
/**
 * Each measured run starts from a collected heap (the bench runs with --expose-gc): the garbage of the runs before it
 * (100k keys per issuer, millions of operations) is theirs, not this run's.
 */
const collect = () => (globalThis as { gc?: () => void }).gc?.();

function redisBenchmark(port: number, test: Test, clients: number, pipeline: number, requests: number) {
  const out = execFileSync(
    "redis-benchmark",
    [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-t",
      test,
      "-c",
      String(clients),
      "-P",
      String(pipeline),
      "-n",
      String(requests),
      "-r",
      String(KEYSPACE),
      "-d",
      String(VALUE_BYTES),
      "--csv",
    ],
    { encoding: "utf8" },
  );
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const row = out
    .trim()
    .split("\n")
    .at(-1)!
    .split(",")
    .map((c) => c.replace(/"/g, ""));
  return { rps: Number(row[1]), p50Us: Math.round(Number(row[4]) * 1000), p99Us: Math.round(Number(row[6]) * 1000) };
}

/** redis-benchmark for about SECONDS: a short probe sizes the request count. */
function redisBenchmarkFor(port: number, test: Test, c: number, p: number) {
  const probe = redisBenchmark(port, test, c, p, 20_000);
  return redisBenchmark(port, test, c, p, Math.max(20_000, Math.round(probe.rps * SECONDS)));
}

async function engineClients(engine: EngineName, port: number, n: number, settings = DEFAULT_CLIENT_SETTINGS) {
  return Promise.all(Array.from({ length: n }, () => ENGINES[engine].connectTo({ host: "127.0.0.1", port }, settings)));
}

const issuer = (test: Test, clients: CommandClient[]): Issue =>
  keyValueIssuer({ readRatio: test === "get" ? 1 : 0, keySpace: KEYSPACE, valueBytes: VALUE_BYTES, seed: 7 }, { clients });

/**
 * The harness's driver, closed loop, through `engine`, recording every operation as a run does. ioredis writes each
 * command on its own unless auto-pipelining is on, so at pipeline > 1 it is (a scenario sets client.enableAutoPipelining
 * for the same): measured here, 120-140k GET/s at 4x16 with it, 50-80k without.
 */
async function driverMax(engine: EngineName, port: number, test: Test, connections: number, pipeline: number): Promise<number> {
  const settings = engine === "ioredis" && pipeline > 1 ? { ...DEFAULT_CLIENT_SETTINGS, enableAutoPipelining: true } : DEFAULT_CLIENT_SETTINGS;
  const clients = await engineClients(engine, port, connections, settings);
  const recorder = new Recorder(new PhaseClock());
  const issue = issuer(test, clients);
  collect();
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  const r = await runClosedLoop({ durationMs: SECONDS * 1000, connections, pipeline }, issue, (op) => recorder.record(op), clock);
  clients.forEach((c) => c.close());
  if (recorder.failed) throw new Error(`the ${engine} engine saw ${recorder.failed} errors`);
  return (recorder.ops * 1000) / r.endMs;
}

/** ioredis's ceiling, as its own documentation pipelines: `pipeline()` of p commands per connection, then the next. */
async function bareIoredisMax(port: number, test: Test, connections: number, pipeline: number): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
      await c.connect();
      return c;
    }),
  );
  const value = Buffer.alloc(VALUE_BYTES, 97);
  let ops = 0;
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        const p = c.pipeline();
        for (let k = 0; k < pipeline; k++) {
          const key = `key:${Math.floor(Math.random() * KEYSPACE)}`;
          if (test === "get") p.get(key);
          else p.set(key, value);
        }
        await p.exec();
        ops += pipeline;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  clients.forEach((c) => c.disconnect());
  return ops / seconds;
}

interface FixedRate {
  p50Us: number;
  p99Us: number;
  lagP99Us: number;
  achieved: number;
}

/**
 * What a fixed-rate run recorded, as every run records it (the run's Recorder: one append to the operation log per
 * operation, everything else computed after the load): latency from the intended start, and schedule lag.
 */
function fixedRateRecorder() {
  const recorder = new Recorder(new PhaseClock());
  const sink = (op: OpOutcome) => recorder.record(op);
  const result = (what: string, rate: number, lastIssueMs: number): FixedRate => {
    if (recorder.failed) throw new Error(`${what} saw ${recorder.failed} errors at ${rate} ops/s`);
    const lag = newHistogram();
    for (let i = 0; i < recorder.log.length; i++) {
      const op = recorder.log.at(i);
      recordUs(lag, (op.sentMs - op.intendedMs) * 1000);
    }
    const s = recorder.summaries().total;
    return { p50Us: s.latency.p50Us, p99Us: s.latency.p99Us, lagP99Us: summarize(lag).p99Us, achieved: (recorder.ops * 1000) / Math.max(lastIssueMs, 1) };
  };
  return { sink, result };
}

/** The harness's driver, open loop on its metronome, at `rate` GET/s over `connections` connections. */
async function driverFixedRate(engine: EngineName, port: number, rate: number, connections = 1, seconds = SECONDS): Promise<FixedRate> {
  const clients = await engineClients(engine, port, connections);
  const { sink, result } = fixedRateRecorder();
  const issue = issuer("get", clients); // before tick 0: building the keys takes tens of ms
  collect();
  const metronome = await Metronome.start(Metronome.intervalFor(rate));
  const clock = () => performance.now() - metronome.startMs;
  const r = await runOpenLoop({ ratePerSec: rate, durationMs: seconds * 1000, metronome }, issue, sink, clock).finally(() => metronome.stop());
  clients.forEach((c) => c.close());
  return result(`the ${engine} engine`, rate, r.lastIssueMs);
}

/** The same open loop sharded over `threads` driver threads (what `--driver-threads` runs). */
async function threadsFixedRate(port: number, rate: number, threads: number, connections: number, seconds: number): Promise<FixedRate> {
  const load = {
    mode: "open-loop" as const,
    rate,
    durationMs: seconds * 1000,
    connections,
    pipeline: 1,
    waker: "metronome" as const,
    workload: { keys: randomWorkload.keys, registers: 0, readRatio: 1, keySpace: KEYSPACE, valueBytes: VALUE_BYTES, seed: 7 },
    target: { kind: "server" as const, address: { host: "127.0.0.1", port } },
    client: DEFAULT_CLIENT_SETTINGS,
  };
  const shards = await DriverThreads.start(shardsOf(load, threads));
  try {
    const { sink, result } = fixedRateRecorder();
    collect();
    const r = await shards.go(performance.timeOrigin + performance.now() + 300, sink, () => {});
    return result(`${threads} driver threads`, rate, r.lastIssueMs);
  } finally {
    await shards.stop();
  }
}

/**
 * The peer a newcomer would write: one ioredis connection, GETs at a fixed rate woken by setTimeout, latency from each
 * intended start into a plain HdrHistogram. It shares nothing with the harness's driver.
 */
async function bareIoredisFixedRate(port: number, rate: number) {
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
  await client.connect();
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  const total = rate * SECONDS;
  const t0 = performance.now() + 10;
  const replies: Array<Promise<unknown>> = [];
  for (let i = 0; i < total; i++) {
    const intended = t0 + (i * 1000) / rate;
    const wait = intended - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    replies.push(client.get(`key:${i % KEYSPACE}`).then(() => h.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)))));
  }
  await Promise.all(replies);
  client.disconnect();
  return { p50Us: h.getValueAtPercentile(50), p99Us: h.getValueAtPercentile(99) };
}

type Step = { rate: number; tries: number; held: boolean } & FixedRate;
const holds = (r: FixedRate, rate: number) => r.achieved >= rate * 0.99 && r.lagP99Us < 1000;

/**
 * The highest rate (×1.25 a step, from 10k) the lean engine holds on `threads` driver threads: achieved within 1% of
 * the target, schedule lag P99 < 1 ms. A step that misses is tried once more before it counts as missed: a slow
 * second of this shared machine is not the driver's ceiling.
 */
async function openLoopMax(port: number, connections: number, threads: number): Promise<{ maxRate: number; steps: Step[] }> {
  const steps: Step[] = [];
  let maxRate = 0;
  const seconds = Math.min(SECONDS, 3);
  for (let rate = 10_000; rate <= 2_000_000; rate = Math.round(rate * 1.25)) {
    let r: FixedRate | null = null;
    let tries = 0;
    while (tries < 2 && (r === null || !holds(r, rate))) {
      tries++;
      r = await (threads === 1 ? driverFixedRate("lean", port, rate, connections, seconds) : threadsFixedRate(port, rate, threads, connections, seconds)).catch(
        () => null,
      );
      if (!r) break;
    }
    if (!r) break;
    const held = holds(r, rate);
    steps.push({ rate, tries, held, ...r });
    progress(
      `open loop, ${threads} thread(s), ${rate} ops/s: achieved ${Math.round(r.achieved)}, lag P99 ${r.lagP99Us} µs, P99 ${r.p99Us} µs${held ? "" : " (not held)"}`,
    );
    if (!held) break;
    maxRate = rate;
  }
  return { maxRate, steps };
}

function table(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

async function main() {
  const settings = loadSettings();
  progress(`starting ${settings.redisImage} behind Toxiproxy`);
  const topology = await StandaloneTopology.start(
    { image: settings.redisImage, toxiproxyImage: settings.toxiproxyImage, limits: DEFAULT_LIMITS, config: {}, client: DEFAULT_CLIENT_SETTINGS },
    progress,
  );
  const direct = topology.nodes[0].address.port;
  const viaFaultLayer = topology.clientLinks.get(topology.nodes[0].name)!.hostPort;
  try {
    await topology.nodes[0].admin.call("DEBUG", "POPULATE", String(KEYSPACE), "key", String(VALUE_BYTES)); // GETs hit
    const out: string[] = [`# The load driver beside its peers (${settings.redisImage}, ${ROUNDS} alternating rounds of ${SECONDS} s; median (range))\n`];

    const throughput: Array<Record<string, unknown>> = [];
    const rows: string[][] = [];
    for (const [c, p] of [
      [4, 1],
      [4, 16],
      [16, 16],
    ] as const) {
      for (const t of ["get", "set"] as const) {
        const m = { rb: [] as number[], lean: [] as number[], ioredis: [] as number[], bare: [] as number[] };
        for (let round = 0; round < ROUNDS; round++) {
          progress(`${t} c=${c} P=${p} round ${round + 1}/${ROUNDS}`);
          m.rb.push(redisBenchmarkFor(direct, t, c, p).rps);
          m.lean.push(await driverMax("lean", direct, t, c, p));
          m.ioredis.push(await driverMax("ioredis", direct, t, c, p));
          m.bare.push(await bareIoredisMax(direct, t, c, p));
        }
        const [rb, lean, io, bare] = [median(m.rb), median(m.lean), median(m.ioredis), median(m.bare)];
        rows.push([
          t.toUpperCase(),
          String(c),
          String(p),
          range(m.rb),
          range(m.lean),
          (lean / rb).toFixed(2),
          range(m.ioredis),
          range(m.bare),
          (io / bare).toFixed(2),
        ]);
        throughput.push({
          test: t,
          connections: c,
          pipeline: p,
          redisBenchmark: Math.round(rb),
          driver: Math.round(lean),
          ratio: +(lean / rb).toFixed(3),
          engine: "lean",
          bareIoredis: Math.round(bare),
        });
        throughput.push({
          test: t,
          connections: c,
          pipeline: p,
          redisBenchmark: Math.round(rb),
          driver: Math.round(io),
          ratio: +(io / bare).toFixed(3),
          engine: "ioredis",
          bareIoredis: Math.round(bare),
        });
      }
    }
    out.push("## Max throughput, closed loop, direct to the server (ops/s)\n");
    out.push("Targets: lean / redis-benchmark ≥ 1.0 at pipeline 16, ≥ 0.8 at pipeline 1; ioredis engine / bare ioredis ≥ 0.9.\n");
    out.push(
      table(
        [
          "test",
          "connections",
          "pipeline",
          "redis-benchmark",
          "lean engine",
          "lean / redis-benchmark",
          "ioredis engine (auto-pipelining at P > 1)",
          "bare ioredis pipeline()",
          "ioredis engine / bare",
        ],
        rows,
      ),
    );

    const lat = {
      rb50: [] as number[],
      rb99: [] as number[],
      bare50: [] as number[],
      bare99: [] as number[],
      io50: [] as number[],
      io99: [] as number[],
      lean50: [] as number[],
      lean99: [] as number[],
      layer: [] as number[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      progress(`latency round ${round + 1}/${ROUNDS}`);
      const rb = redisBenchmark(direct, "get", 1, 1, LOW_RATE * SECONDS);
      const bare = await bareIoredisFixedRate(direct, LOW_RATE);
      const io = await driverFixedRate("ioredis", direct, LOW_RATE);
      const lean = await driverFixedRate("lean", direct, LOW_RATE);
      const leanLayer = await driverFixedRate("lean", viaFaultLayer, LOW_RATE);
      lat.rb50.push(rb.p50Us), lat.rb99.push(rb.p99Us), lat.bare50.push(bare.p50Us), lat.bare99.push(bare.p99Us);
      lat.io50.push(io.p50Us), lat.io99.push(io.p99Us), lat.lean50.push(lean.p50Us), lat.lean99.push(lean.p99Us);
      lat.layer.push(leanLayer.p50Us - lean.p50Us);
    }
    const latency = {
      redisBenchmarkP50Us: median(lat.rb50),
      redisBenchmarkP99Us: median(lat.rb99),
      bareIoredisP50Us: median(lat.bare50),
      bareIoredisP99Us: median(lat.bare99),
      driverP50Us: median(lat.io50),
      driverP99Us: median(lat.io99),
      leanP50Us: median(lat.lean50),
      leanP99Us: median(lat.lean99),
    };
    out.push(`\n## Latency at ${LOW_RATE} GET/s, one connection, direct (µs)\n`);
    out.push("redis-benchmark: closed loop, c=1 (it cannot hold a rate). The others: open loop, latency from each intended start.");
    out.push("Targets: driver P99 ≤ 1.3 × bare ioredis P99; driver P50 ≤ redis-benchmark P50 + 100 µs.\n");
    out.push(
      table(
        ["", "redis-benchmark", "bare ioredis", "driver, ioredis engine", "driver, lean engine"],
        [
          ["P50", range(lat.rb50), range(lat.bare50), range(lat.io50), range(lat.lean50)],
          ["P99", range(lat.rb99), range(lat.bare99), range(lat.io99), range(lat.lean99)],
          [
            "P50 − redis-benchmark P50",
            "",
            `${latency.bareIoredisP50Us - latency.redisBenchmarkP50Us}`,
            `${latency.driverP50Us - latency.redisBenchmarkP50Us}`,
            `${latency.leanP50Us - latency.redisBenchmarkP50Us}`,
          ],
          [
            "P99 / bare ioredis P99",
            "",
            "",
            (latency.driverP99Us / latency.bareIoredisP99Us).toFixed(2),
            (latency.leanP99Us / latency.bareIoredisP99Us).toFixed(2),
          ],
        ],
      ),
    );

    const byThreads: Array<{ threads: number; maxRate: number; steps: Step[] }> = [];
    for (const threads of [1, 2]) {
      progress(`open-loop maximum, lean engine, 4 connections, ${threads} driver thread(s)`);
      byThreads.push({ threads, ...(await openLoopMax(direct, 4, threads)) });
    }
    const open = byThreads[0];
    out.push("\n## Sustained open-loop maximum, lean engine, 4 connections, direct\n");
    out.push("Held: achieved within 1% of the target rate and schedule lag P99 < 1 ms (a miss is tried twice). Target: ≥ 100k ops/s.\n");
    out.push(
      table(
        ["driver threads", "target ops/s", "achieved ops/s", "schedule lag P99 µs", "P50 µs", "P99 µs", "tries", "held"],
        byThreads.flatMap((b) =>
          b.steps.map((s) => [
            String(b.threads),
            String(s.rate),
            String(Math.round(s.achieved)),
            String(s.lagP99Us),
            String(s.p50Us),
            String(s.p99Us),
            String(s.tries),
            s.held ? "yes" : "no",
          ]),
        ),
      ),
    );
    out.push(
      `\nSustained maximum: ${byThreads.map((b) => `${b.maxRate} ops/s on ${b.threads} thread(s)`).join(", ")} (this machine: 2 vCPUs, shared with the server).`,
    );
    out.push(`\nThe fault layer (one Toxiproxy hop) adds ${range(lat.layer)} µs at P50 (lean engine, ${LOW_RATE} GET/s).`);

    const bench = {
      image: settings.redisImage,
      rounds: ROUNDS,
      seconds: SECONDS,
      throughput,
      latency,
      openLoopMaxRate: open.maxRate,
      openLoopSteps: byThreads.flatMap((b) => b.steps.map((s) => ({ threads: b.threads, ...s }))),
      faultLayerAddedP50Us: median(lat.layer),
      driverThreads: byThreads.map((b) => ({ threads: b.threads, maxRate: b.maxRate })),
    };
    const dir = join("reports", "bench");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "bench.json"), JSON.stringify(bench, null, 2));
    console.log(out.join("\n"));
    console.log(`\nWrote ${join(dir, "bench.json")}.`);
  } finally {
    await topology.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(3);
  },
);
