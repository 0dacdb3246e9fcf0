import "../infra/preload.js";
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { Wait } from "testcontainers";
import { LoopbackContainer } from "../infra/loopback-container.js";
import { loadSettings } from "../infra/settings.js";
import { OpStats } from "../measure/op-stats.js";
import { serverArgs, REDIS_PORT } from "../topology/redis-node.js";
import { DEFAULT_CLIENT_SETTINGS, toRedisOptions } from "../topology/client-options.js";
import { runClosedLoop, runOpenLoop } from "../workload/driver.js";
import { keyValueIssuer } from "../workload/key-value.js";
import { Metronome } from "../workload/metronome.js";

/**
 * A benchmark, not a test: the harness's load driver beside redis-benchmark (Debian's redis-tools), on the same
 * Redis server in the same run, alternating, so that the machine's noise hits both alike.
 *   1. max throughput (closed loop) at equal connections and pipeline depth: ratio driver / redis-benchmark;
 *   2. latency at a low fixed rate: the driver's open-loop P50/P99 beside redis-benchmark's (one connection).
 * Targets (the foundation issue): throughput ratio >= 1.0, P50 within +100 µs.
 */
const KEYSPACE = 100_000;
const VALUE_BYTES = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

interface BenchResult {
  rps: number;
  p50Us: number;
  p99Us: number;
}

function redisBenchmark(port: number, test: "set" | "get", clients: number, pipeline: number, requests: number): BenchResult {
  const out = execFileSync(
    "redis-benchmark",
    ["-h", "127.0.0.1", "-p", String(port), "-t", test, "-c", String(clients), "-P", String(pipeline), "-n", String(requests), "-r", String(KEYSPACE), "-d", String(VALUE_BYTES), "--csv"],
    { encoding: "utf8" },
  );
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const row = out.trim().split("\n").at(-1)!.split(",").map((c) => c.replace(/"/g, ""));
  return { rps: Number(row[1]), p50Us: Math.round(Number(row[4]) * 1000), p99Us: Math.round(Number(row[6]) * 1000) };
}

async function connect(port: number, n: number): Promise<Redis[]> {
  const clients = Array.from({ length: n }, () => new Redis({ host: "127.0.0.1", port, ...toRedisOptions(DEFAULT_CLIENT_SETTINGS) }));
  await Promise.all(clients.map((c) => c.connect()));
  return clients;
}

async function driverMax(port: number, test: "set" | "get", connections: number, pipeline: number): Promise<BenchResult> {
  const clients = await connect(port, connections);
  const stats = new OpStats();
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  const issue = keyValueIssuer({ readRatio: test === "get" ? 1 : 0, keySpace: KEYSPACE, valueBytes: VALUE_BYTES, seed: 7 }, { clients });
  const r = await runClosedLoop({ durationMs: SECONDS * 1000, concurrency: connections * pipeline }, issue, (op) => stats.record(op), clock);
  clients.forEach((c) => c.disconnect());
  const s = stats.summary();
  if (s.errors) throw new Error(`driver saw ${s.errors} errors`);
  return { rps: Math.round((s.ops * 1000) / r.endMs), p50Us: s.service.p50Us, p99Us: s.service.p99Us };
}

async function driverFixedRate(port: number, rate: number): Promise<BenchResult & { serviceP50Us: number }> {
  const clients = await connect(port, 1);
  const stats = new OpStats();
  const metronome = await Metronome.start(Metronome.intervalFor(rate));
  const clock = () => performance.now() - metronome.startMs;
  const issue = keyValueIssuer({ readRatio: 1, keySpace: KEYSPACE, valueBytes: VALUE_BYTES, seed: 7 }, { clients });
  await runOpenLoop({ ratePerSec: rate, durationMs: SECONDS * 1000, metronome }, issue, (op) => stats.record(op), clock);
  await metronome.stop();
  clients.forEach((c) => c.disconnect());
  const s = stats.summary();
  return { rps: rate, p50Us: s.latency.p50Us, p99Us: s.latency.p99Us, serviceP50Us: s.service.p50Us };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const image = loadSettings().redisImage;
  process.stderr.write(`[bench] starting ${image}\n`);
  const container = await new LoopbackContainer(image)
    .withCommand(serverArgs({}))
    .withExposedPorts(REDIS_PORT)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  const port = container.getMappedPort(REDIS_PORT);
  try {
    // fill the key space so GETs hit
    const [loader] = await connect(port, 1);
    await loader.call("DEBUG", "POPULATE", String(KEYSPACE), "key", String(VALUE_BYTES));
    loader.disconnect();

    console.log(`# Load driver vs redis-benchmark (${image}, ${ROUNDS} alternating rounds of ${SECONDS}s, medians)\n`);
    console.log("## Max throughput, closed loop, equal connections x pipeline depth\n");
    console.log("| test | connections | pipeline | redis-benchmark ops/s | driver ops/s | ratio driver/redis-benchmark |");
    console.log("|---|---|---|---|---|---|");
    for (const [c, p] of [
      [4, 1],
      [4, 16],
      [16, 16],
    ] as const) {
      for (const t of ["set", "get"] as const) {
        const theirs: number[] = [];
        const ours: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          process.stderr.write(`[bench] ${t} c=${c} P=${p} round ${round + 1}/${ROUNDS}\n`);
          const probe = redisBenchmark(port, t, c, p, 20_000);
          const n = Math.max(20_000, Math.round(probe.rps * SECONDS)); // about SECONDS of work
          theirs.push(redisBenchmark(port, t, c, p, n).rps);
          ours.push((await driverMax(port, t, c, p)).rps);
        }
        const a = median(theirs);
        const b = median(ours);
        console.log(`| ${t.toUpperCase()} | ${c} | ${p} | ${Math.round(a)} | ${Math.round(b)} | ${(b / a).toFixed(2)} |`);
      }
    }

    const rate = 1000;
    console.log(`\n## Latency at a low fixed rate (GET, one connection)\n`);
    console.log("| round | redis-benchmark P50 µs (closed loop, c=1) | redis-benchmark P99 µs | driver P50 µs (open loop, from intended start) | driver P99 µs | driver service P50 µs | P50 difference µs |");
    console.log("|---|---|---|---|---|---|---|");
    const diffs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`[bench] latency round ${round + 1}/${ROUNDS}\n`);
      const theirs = redisBenchmark(port, "get", 1, 1, rate * SECONDS);
      const ours = await driverFixedRate(port, rate);
      diffs.push(ours.p50Us - theirs.p50Us);
      console.log(`| ${round + 1} | ${theirs.p50Us} | ${theirs.p99Us} | ${ours.p50Us} (${rate}/s) | ${ours.p99Us} | ${ours.serviceP50Us} | ${ours.p50Us - theirs.p50Us >= 0 ? "+" : ""}${ours.p50Us - theirs.p50Us} |`);
    }
    console.log(`\nMedian P50 difference: ${median(diffs) >= 0 ? "+" : ""}${median(diffs)} µs (target: within +100 µs).`);
  } finally {
    await container.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(3);
  },
);
