import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import Docker from "dockerode";
import { cli, scenarioFile } from "../helpers/cli.js";

// The command line as users and CI call it: exit codes, messages, and what is left behind after the run ends,
// after Ctrl-C and after SIGKILL.

const quick = { name: "quick", topology: { kind: "standalone" }, workload: { rate: 500, duration: "4s", warmup: "1s" } };

const docker = new Docker();
/** Containers and networks of the test-containers session that ran the container named with this prefix. */
async function sessionOf(pid: number): Promise<string | undefined> {
  const all = await docker.listContainers({ all: true });
  return all.find((c) => c.Names.some((n) => n.includes(`-${pid}-`)))?.Labels["org.testcontainers.session-id"];
}
async function leftovers(session: string) {
  const filters = JSON.stringify({ label: [`org.testcontainers.session-id=${session}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  // the reaper carries the session label too: it removes itself last
  return { containers: containers.map((c) => c.Names[0]), networks: networks.map((n) => n.Name) };
}
async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await f();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    v = await f();
  }
  return v;
}

test("bad input exits 2 and says what is wrong and what to do", async (t) => {
  const notNumber = await cli(["run", "standalone-bgsave", "--rate", "fast"]);
  t.is(notNumber.code, 2);
  t.regex(notNumber.stderr, /--rate fast is not a number/);
  const unknown = await cli(["run", "no-such-scenario"]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /No scenario named "no-such-scenario"[\s\S]*npm run harness -- list/);
  const typo = await cli(["run", "standalone-bgsav"]);
  t.regex(typo.stderr, /Did you mean "standalone-bgsave"\?/);
  const badField = await cli(["run", "--file", scenarioFile({ ...quick, workload: { rate: 0, duration: "4s" } })]);
  t.is(badField.code, 2);
  t.regex(badField.stderr, /workload\.rate/);
  const badCommand = await cli(["frobnicate"]);
  t.is(badCommand.code, 2);
  t.regex(badCommand.stderr, /unknown command 'frobnicate'/);
  // Each command takes its own options: one that does not apply is refused, not ignored.
  const notForSuites = await cli(["suite", "smoke", "--export"]);
  t.is(notForSuites.code, 2);
  t.regex(notForSuites.stderr, /unknown option '--export'/);
  const help = await cli(["run", "--help"]);
  t.is(help.code, 0);
  t.regex(help.stdout, /--export[^]*--file <path>|--file <path>[^]*--export/);
});

test("the package's bin runs the same command line: npx redis-chaos", async (t) => {
  const viaBin = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn("npx", ["--no-install", "redis-chaos", "list"], { env: process.env });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", (code) => resolve({ code, out }));
  });
  t.is(viaBin.code, 0);
  t.is(viaBin.out, (await cli(["list"])).stdout);
  t.regex(viaBin.out, /^sentinel-master-kill\s+sentinel\s+kill/m);
});

test("suites, matrices and comparisons refuse bad input before anything runs, and leave no folder behind", async (t) => {
  const noSuite = await cli(["suite", "no-such-suite"]);
  t.is(noSuite.code, 2);
  t.regex(noSuite.stderr, /No suite named "no-such-suite"[\s\S]*tour/);
  const oneImage = await cli(["matrix", "smoke", "--images", "redis-chaos/redis:7.0"]);
  t.is(oneImage.code, 2);
  t.regex(oneImage.stderr, /at least two images/);
  const noDimension = await cli(["matrix", "smoke"]);
  t.is(noDimension.code, 2);
  t.regex(noDimension.stderr, /one dimension: --images or --security-levels/);
  const badLevel = await cli(["matrix", "smoke", "--security-levels", "none,ssl"]);
  t.is(badLevel.code, 2);
  t.regex(badLevel.stderr, /--security ssl is not a way to secure a run/);
  const both = await cli(["matrix", "smoke", "--security-levels", "none,tls", "--secure"]);
  t.is(both.code, 2);
  t.regex(both.stderr, /--security-levels already says how each column is secured/);
  const percent = await cli(["matrix", "smoke", "--images", "redis-chaos/redis:7.0,redis-chaos/valkey:8.1", "--threshold", "5"]);
  t.is(percent.code, 2, "a threshold given in percent is caught before the runs, not after them");
  t.regex(percent.stderr, /0\.05 for 5%/);
  t.notRegex(percent.stderr, /matrix: smoke on/, "no run started");
  const out = `reports/test/compare-missing-${process.pid}`;
  const missing = await cli(["compare", "--base", "reports/test/no-such-run", "--candidate", "reports/test/no-such-run-either", "--out", out]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /no-such-run does not exist/);
  t.false(existsSync(out), "no empty output folder");
});

test("a dataset the host cannot hold (100 TB) is refused at once with exit 2, the estimate and a size that fits; nothing is created", async (t) => {
  // A reports folder of its own: the other tests of this file run beside it and write theirs.
  const reports = `reports/test/guard-${process.pid}`;
  const started = Date.now();
  const r = await cli(["run", "standalone-bgsave", "--dataset", "100tb"], { env: { REPORTS_DIR: reports } });
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /does not fit on this host: it needs about [\d.]+ TiB of memory .* available/);
  t.regex(r.stderr, /what to do: Use a smaller --dataset: [\d.]+ GiB fits here/);
  t.true(Date.now() - started < 10_000, "refused before anything starts (the process itself takes a second or two to load)");
  t.false(existsSync(reports), "no report folder");
  t.is(r.stdout, "", "and no run");
});

test("a missing image exits 3 and says how to build it", async (t) => {
  const r = await cli(["run", "standalone-baseline", "--image", "redis-chaos/redis:no-such-version"]);
  t.is(r.code, 3);
  t.regex(r.stderr, /Image redis-chaos\/redis:no-such-version is missing/);
  t.regex(r.stderr, /docker\/build-images\.sh/);
});

test.serial(
  "a budget that cannot be met, in a YAML scenario file, exits 1 and names it, a latency budget broken beyond the instrument's floor too",
  async (t) => {
    // Nothing here can lose a write (the one fault only delays the replies), so "at least 1 lost" breaks. 100 ms added to
    // every reply breaks a 10 ms fault-phase P99 by far more than the driver adds in that phase even on a busy host (its
    // lag and the calibrated round trip's median): a failure, not an inconclusive (unit-tested).
    const yaml =
      "name: quick\ntopology: { kind: standalone }\nworkload: { rate: 500, duration: 5s, warmup: 1s }\nfaults: [{ kind: latency-spike, at: 2s, for: 2s, latencyMs: 100, direction: replies }]\nbudgets:\n  minLostWrites: 1\n  p99Ms: { fault: 10 }\n";
    const r = await cli(["run", "--quiet", "--file", scenarioFile(yaml, "scenario.yaml")]);
    t.is(r.code, 1, r.stderr);
    t.regex(r.stdout, /^FAIL quick/m);
    t.regex(r.stdout, /broken: expected loss seen: budget ≥ 1 write, measured 0 writes/);
    t.regex(r.stdout, /broken: p99 fault: budget ≤ 10 ms, measured [\d.]+ ms/);
  },
);

/** Runs a long scenario and sends `signal` once the load runs; returns the run and its test-containers session. */
async function interrupted(signal: NodeJS.Signals) {
  let session: Promise<string | undefined> = Promise.resolve(undefined);
  const long = scenarioFile({ ...quick, workload: { rate: 500, duration: "60s", warmup: "1s" } });
  const ran = await cli(["run", "--file", long], {
    whenStderr: [
      /load: open-loop/,
      (p) => {
        session = sessionOf(p.pid!);
        setTimeout(() => p.kill(signal), 2500);
      },
    ],
  });
  return { ran, session: await session };
}

test.serial("Ctrl-C stops the load, keeps what was measured and removes the containers", async (t) => {
  const { ran: r, session } = await interrupted("SIGINT");
  t.is(r.code, 130, r.stderr);
  const json = /report: (\S+report\.json)/.exec(r.stdout)?.[1];
  t.truthy(json, r.stdout);
  const report = JSON.parse(readFileSync(json!, "utf8"));
  t.is(report.status, "aborted");
  t.true(report.phases.baseline.ops > 0, "what was measured before Ctrl-C is in the report");
  t.truthy(session, "the run's containers were there while it ran");
  const left = await eventually(
    () => leftovers(session!),
    (l) => l.containers.length === 0 && l.networks.length === 0,
    30_000,
  );
  t.deepEqual(left, { containers: [], networks: [] }, "nothing left, the reaper included once the process is gone");
});

test.serial("the host's memory falling below the floor mid-run stops it: report written with status aborted, exit 3, nothing left", async (t) => {
  // The floor 1.5 GiB under what is available now; once the load runs, this test takes 3 GiB, as a runaway would.
  const available = Number(/MemAvailable:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"))![1]) * 1024;
  const floorMb = Math.floor((available - 1.5 * 2 ** 30) / 2 ** 20);
  let session: Promise<string | undefined> = Promise.resolve(undefined);
  const hog: Buffer[] = [];
  const long = scenarioFile({ ...quick, workload: { rate: 500, duration: "60s", warmup: "1s" } });
  const r = await cli(["run", "--file", long], {
    env: { HARNESS_MEMORY_FLOOR: `${floorMb}mb` },
    whenStderr: [
      /load: open-loop/,
      (p) => {
        session = sessionOf(p.pid!);
        setTimeout(() => {
          for (let i = 0; i < 3; i++) hog.push(Buffer.alloc(2 ** 30, 1));
        }, 1500);
      },
    ],
  });
  hog.length = 0;
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr, /The host's available memory fell to [\d.]+ GiB, below the floor of [\d.]+ GiB: the run was stopped/);
  t.regex(r.stderr, /HARNESS_MEMORY_FLOOR/);
  const report = JSON.parse(readFileSync(/report: (\S+report\.json)/.exec(r.stdout)![1], "utf8"));
  t.is(report.status, "aborted");
  t.true(report.phases.baseline.ops > 0, "what was measured before the stop is in the report");
  t.true(
    report.timeline.some((e: { kind: string }) => e.kind === "host-memory-low"),
    "the stop is on the timeline",
  );
  t.true(report.workload.loadDurationMs < 30_000, `stopped well before the 60 s load's end: ${report.workload.loadDurationMs} ms`);
  const run = await session;
  t.truthy(run, "the run's containers were there while it ran");
  const left = await eventually(
    () => leftovers(run!),
    (l) => l.containers.length === 0 && l.networks.length === 0,
    30_000,
  );
  t.deepEqual(left, { containers: [], networks: [] });
});

test.serial("after SIGKILL the reaper removes every container and network of the run", async (t) => {
  const { ran: r, session } = await interrupted("SIGKILL");
  t.is(r.code, null);
  t.truthy(session, "the killed run's containers were there when it died");
  const left = await eventually(
    () => leftovers(session!),
    (l) => l.containers.length === 0 && l.networks.length === 0,
    60_000,
  );
  t.deepEqual(left, { containers: [], networks: [] });
});
