import test from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { newHistogram, recordUs } from "../../harness/measure/histogram.js";
import { parseKnownHosts } from "../../harness/scenario/target-file.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";
import { SshHost } from "../../harness/topology/ssh-control.js";
import { shardsOf } from "../../harness/workload/driver-threads.js";
import { Drivers, sameHistogram } from "../../harness/workload/drivers.js";
import { sshEndpoint } from "../../harness/workload/remote-drivers.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { runScenario } from "../../harness/run/run.js";
import { validateScenario } from "../../harness/scenario/load.js";
import { loadTargetFile } from "../../harness/scenario/target-file.js";
import { downDeployment, footprintAtRest, leftAsFound, onHost, upDeployment, type NamespaceDeployment } from "../helpers/namespace-deployment.js";

// Load from several hosts: two driver processes, each on a host of its own (network namespaces with sshd, started over
// SSH), against one server on a third, started on one agreed instant. What they send back must be the whole of what
// they measured, and their own histograms, merged, must be the histogram of every operation the run received.

let d: NamespaceDeployment | undefined;
const hosts: SshHost[] = [];

test.before(() => {
  d = upDeployment(100 + ((process.pid + 75) % 150));
});
test.after.always(() => {
  for (const h of hosts) h.close();
  downDeployment(d);
});

test.serial("two drivers on two hosts: merged percentiles equal one histogram of every operation, counts sum, clocks agree", async (t) => {
  const [server, a, b] = d!.hosts;
  const knownHosts = parseKnownHosts(readFileSync(d!.knownHosts, "utf8"));
  for (const h of [a, b])
    hosts.push(await SshHost.connect({ user: "root", host: h.ip, port: 22, privateKey: readFileSync(d!.key), hostKeys: knownHosts.get(h.ip) ?? [] }));
  const load = {
    mode: "open-loop" as const,
    rate: 2000,
    durationMs: 6000,
    connections: 4,
    pipeline: 1,
    waker: "metronome" as const,
    workload: { keys: "random", registers: 0, readRatio: 0.5, keySpace: 1000, valueBytes: 64, seed: 11, keyDistribution: "uniform" as const },
    target: { kind: "server" as const, address: { host: server.ip, port: server.redisPort } },
    client: DEFAULT_CLIENT_SETTINGS,
  };
  const shards = shardsOf(load, 2);
  const drivers = await Drivers.start(await Promise.all(shards.map((s, k) => sshEndpoint(hosts[k], s))));
  try {
    const every = newHistogram();
    let received = 0;
    const origin = performance.timeOrigin + performance.now() + 500;
    const r = await drivers.go(
      origin,
      (op) => {
        recordUs(every, (op.doneMs - op.intendedMs) * 1000);
        received++;
      },
      () => {},
    );
    const summaries = drivers.summaries();
    t.is(r.issued, 12_000, "the load's operations, all issued");
    t.deepEqual(
      summaries.map((s) => s.driver),
      [`ssh root@${a.ip}`, `ssh root@${b.ip}`],
    );
    t.is(summaries[0].ops + summaries[1].ops, received, "merged counts equal the sum");
    t.true(
      summaries.every((s) => s.arrivedWhole),
      "each driver's own count and histogram equal what arrived from it",
    );
    const merged = drivers.mergedLatency();
    t.is(merged.totalCount, every.totalCount);
    for (const p of [50, 90, 99, 99.9, 100]) t.is(merged.getValueAtPercentile(p), every.getValueAtPercentile(p), `P${p}`);
    t.true(sameHistogram(merged, every));
    // Same machine: a process's clock is the wall time at its start plus the monotonic time since, so a driver started
    // seconds ago reads the wall clock, and this long-lived process differs from it by any step the wall clock took
    // since it started (22.5 ms on a CI machine). The exchange must find that difference, within its bound (+1 ms:
    // Date.now's resolution).
    const expected = Date.now() - (performance.timeOrigin + performance.now());
    for (const s of summaries)
      t.true(
        Math.abs(s.clockOffsetMs - expected) <= s.clockUncertaintyMs + 1,
        `${s.driver}: offset ${s.clockOffsetMs} ± ${s.clockUncertaintyMs} ms, expected ${expected.toFixed(3)} ms`,
      );
  } finally {
    await drivers.stop();
    // The keys this load left (it ran without a run around it, whose teardown would remove them).
    onHost(d!, 0, ["sh", "-c", `redis-cli -h ${server.ip} --scan --pattern 'key:*' | xargs -r redis-cli -h ${server.ip} unlink`]);
  }
});

test.serial(
  "a run whose target file names driver hosts drives its ledger load from them: each driver reported, all it measured and wrote arrived and was read back, nothing left",
  async (t) => {
    const [server, a, b] = d!.hosts;
    const file = path.join(d!.dir, "standalone-with-drivers.json");
    writeFileSync(
      file,
      JSON.stringify({
        kind: "standalone",
        name: "one-server",
        allow: { hosts: [server.ip, a.ip, b.ip] },
        control: { kind: "ssh", identityFile: d!.key, knownHosts: d!.knownHosts },
        nodes: [{ name: "redis-0", address: `${server.ip}:${server.redisPort}`, start: server.startRedis }],
        drivers: { hosts: [`root@${a.ip}`, `root@${b.ip}`] },
      }),
    );
    const scenario = validateScenario(
      {
        name: "from-two-hosts",
        topology: { kind: "standalone" },
        // The ledger: each driver keeps its own and sends its writes back over its stream; the run reads them all back.
        workload: { rate: 2000, duration: "8s", warmup: "1s", keys: "ledger", readRatio: 0.2, engine: "lean", connections: 4 },
      },
      "the test",
    );
    const before = await footprintAtRest(d!);
    const { report, failure } = await runScenario(scenario, {
      settings: { ...loadSettings(), reportsDir: path.join(d!.dir, "reports") },
      target: loadTargetFile(file),
    });
    if (failure) throw failure;
    t.is(report.status, "completed", report.problem);
    const drivers = report.workload.drivers!;
    t.deepEqual(
      drivers.map((x) => x.driver),
      [`ssh root@${a.ip}`, `ssh root@${b.ip}`],
    );
    t.true(drivers.every((x) => x.arrivedWhole));
    t.is(
      drivers.reduce((n, x) => n + x.ops, 0),
      report.workload.issued,
      "every operation issued came back from one driver or the other",
    );
    t.is(
      report.dataLoss!.writes,
      report.perSecond.reduce((a, s) => a + s.writes, 0),
      "one ledger entry for every write either driver made, the warmup's too",
    );
    t.is(report.dataLoss!.lost, 0, "every acknowledged write read back, under its driver's keys");
    t.true(report.topology!.target!.harnessKeysRemoved! > 0, "the load's keys were removed");
    t.deepEqual(await leftAsFound(d!, before), before, "no key, rule or process left on the hosts");
  },
);
