import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EXIT } from "../../harness/infra/errors.js";
import { loadScenario, loadScenarioFile, readScenarioSources, validateScenario } from "../../harness/scenario/load.js";

const minimal = {
  name: "x",
  topology: { kind: "standalone" },
  dataset: { size: "64mb" },
  workload: { duration: "10s" },
  faults: [{ kind: "bgsave", at: "5s" }],
};

const sentinel = { name: "s", topology: { kind: "sentinel" }, workload: { duration: "10s" }, faults: [{ kind: "kill", at: "5s", for: "2s" }] };

function rejects(input: unknown, pattern: RegExp) {
  try {
    validateScenario(input, "test");
  } catch (e) {
    const err = e as { exitCode: number; message: string };
    return { code: err.exitCode, ok: pattern.test(err.message), message: err.message };
  }
  return { code: 0, ok: false, message: "accepted" };
}

test("every scenario shipped in suites/ is valid", (t) => {
  const sources = readScenarioSources();
  t.true(sources.length >= 2);
  for (const s of sources) t.notThrows(() => validateScenario(s.input, s.file), s.input.name);
});

test("defaults fill what a scenario leaves out, and sizes and durations are parsed", (t) => {
  const s = validateScenario(minimal, "test");
  t.is(s.dataset.size, 64 * 2 ** 20);
  t.is(s.workload.duration, 10);
  t.is(s.workload.mode, "open-loop");
  t.is(s.client.commandTimeoutMs, 1000);
  t.is(s.faults[0].at, 5);
});

const bad: Array<[string, unknown, RegExp]> = [
  ["an unknown field (a typo)", { ...minimal, workload: { duration: "10s", rtae: 5 } }, /workload.*rtae/],
  ["a negative rate", { ...minimal, workload: { duration: "10s", rate: -5 } }, /workload\.rate/],
  ["a size that is not a size", { ...minimal, dataset: { size: "lots" } }, /dataset\.size: "lots" is not a size/],
  ["a duration that is not a duration", { ...minimal, workload: { duration: "soon" } }, /workload\.duration: "soon" is not a duration/],
  ["a fault after the load has ended", { ...minimal, faults: [{ kind: "bgsave", at: "30s" }] }, /faults\[0\]\.at: fault at 30s is not inside the 10s load/],
  ["a fault inside the warmup", { ...minimal, faults: [{ kind: "bgsave", at: "1s" }] }, /inside the 2s warmup/],
  ["a bgsave with nothing to fork", { ...minimal, dataset: { size: 0 } }, /bgsave fault needs a dataset/],
  ["an unknown fault", { ...minimal, faults: [{ kind: "meteor", at: "5s" }] }, /faults\[0\]\.kind/],
  ["an unknown topology", { ...minimal, topology: { kind: "mesh" } }, /topology\.kind/],
  ["a name with spaces", { ...minimal, name: "my scenario" }, /name: use lower-case letters/],
  ["a read ratio above 1", { ...minimal, workload: { duration: "10s", readRatio: 1.5 } }, /workload\.readRatio/],
  [
    "the manual runbook on Sentinel",
    { ...sentinel, faults: [{ kind: "manual-promotion", at: "5s" }] },
    /faults\[0\]\.kind: manual-promotion needs a primary the harness itself decides \(.*\) \(a replication topology\); this scenario's topology is sentinel/,
  ],
  [
    "a partition of a standalone server",
    { ...minimal, faults: [{ kind: "partition", at: "5s", for: "2s" }] },
    /partition needs peers to cut it off from, both ways \(a replication, sentinel or cluster topology\)/,
  ],
  ["a cluster bus on Sentinel", { ...sentinel, faults: [{ kind: "link", link: "bus", at: "5s", for: "2s" }] }, /faults\[0\]\.link: link needs a cluster bus/],
  [
    "a shard kill outside a cluster",
    { ...sentinel, faults: [{ kind: "kill", target: "shard", at: "5s", for: "2s" }] },
    /kill of a shard needs shards, each a master with its replicas \(a cluster topology\)/,
  ],
  [
    "a latency spike on a standalone replica",
    { ...minimal, faults: [{ kind: "latency-spike", target: "replica", latencyMs: 50, at: "5s", for: "2s" }] },
    /latency-spike of a replica needs a replica/,
  ],
  [
    "a dataset on a cluster",
    { ...sentinel, topology: { kind: "cluster" }, faults: [], dataset: { size: "1mb" } },
    /dataset\.size: .*DEBUG POPULATE, which a cluster topology cannot take/,
  ],
  [
    "a Sentinel kill without Sentinels",
    { ...sentinel, topology: { kind: "replication" }, faults: [{ kind: "kill", target: "sentinel", at: "5s", for: "2s" }] },
    /faults\[0\]\.target: kill of a sentinel needs a Sentinel \(a sentinel topology\); this scenario's topology is replication/,
  ],
  ["a fault that heals after the load", { ...sentinel, faults: [{ kind: "kill", at: "5s", for: "20s" }] }, /heals at 25s, not before the 10s load ends/],
  ["replica reads on a standalone server", { ...minimal, workload: { duration: "10s", readFrom: "replicas" } }, /no replicas to read from/],
  [
    "a loss budget without the ledger",
    { ...sentinel, workload: { duration: "10s", keys: "random" }, budgets: { minLostWrites: 1 } },
    /budgets\.minLostWrites: lost writes: measured from the write ledger, which workload\.keys "random" does not keep: set it to "ledger"/,
  ],
  [
    "a linearizability budget without a register history",
    { ...sentinel, workload: { duration: "10s", keys: "ledger" }, budgets: { maxNonLinearizableKeys: 0 } },
    /budgets\.maxNonLinearizableKeys: keys not linearizable: measured from a register history, which workload\.keys "ledger" does not keep: set it to "registers"/,
  ],
  [
    "an upgrade of a standalone server",
    { ...minimal, faults: [{ kind: "upgrade", at: "5s", to: "redis-chaos/redis:8.0" }] },
    /faults\[0\]\.kind: upgrade needs replicas to roll before the master \(a replication, sentinel or cluster topology\)/,
  ],
  ["an upgrade to no image", { ...sentinel, faults: [{ kind: "upgrade", at: "5s" }] }, /faults\[0\]\.to/],
  [
    "an upgrade whose master is killed on plain replication",
    { ...sentinel, topology: { kind: "replication" }, faults: [{ kind: "upgrade", at: "5s", to: "redis-chaos/redis:8.0", failover: "master-killed" }] },
    /faults\[0\]\.failover: upgrade .*needs a failover of its own after the master is killed \(a sentinel or cluster topology\)/,
  ],
  [
    "the crash trap after a kill instead of a handover",
    { ...sentinel, faults: [{ kind: "upgrade", at: "5s", to: "redis-chaos/redis:8.0", failover: "master-killed", oldMasterRejoins: "before-upgrade" }] },
    /faults\[0\]\.oldMasterRejoins: before-upgrade kills the old master after a handover: give failover: handover/,
  ],
  [
    "all at once with a handover",
    { ...sentinel, faults: [{ kind: "upgrade", at: "5s", to: "redis-chaos/redis:8.0", mode: "all-at-once", failover: "handover-writes-paused" }] },
    /faults\[0\]\.mode: all-at-once has no handover and no old master: leave failover and oldMasterRejoins out/,
  ],
  [
    "a reshard mid-roll outside a cluster",
    { ...sentinel, faults: [{ kind: "upgrade", at: "5s", to: "redis-chaos/redis:8.0", reshardMidRoll: 10 }] },
    /faults\[0\]\.reshardMidRoll: upgrade .*needs slots to move between shards \(a cluster topology\)/,
  ],
  [
    "Sentinels rolled where there are none",
    { ...sentinel, topology: { kind: "replication" }, faults: [{ kind: "upgrade", at: "5s", to: "redis-chaos/redis:8.0", sentinels: true }] },
    /faults\[0\]\.sentinels: upgrade .*needs Sentinels to roll \(a sentinel topology\)/,
  ],
  [
    "a restart on a Sentinel event without Sentinels",
    { ...sentinel, topology: { kind: "replication" }, faults: [{ kind: "kill", at: "5s", for: "3s", startOn: "+odown" }] },
    /faults\[0\]\.startOn: kill .*needs Sentinels whose events the start waits for \(a sentinel topology\)/,
  ],
  [
    "a restart on an event Sentinel does not publish",
    { ...sentinel, faults: [{ kind: "kill", at: "5s", for: "3s", startOn: "+down" }] },
    /faults\[0\]\.startOn/,
  ],
  ["a quorum that is not a number", { ...sentinel, topology: { kind: "sentinel", quorum: "two" } }, /topology\.quorum/],
  [
    "driver threads for ioredis",
    { ...minimal, faults: [], dataset: {}, workload: { duration: "10s", threads: 2 } },
    /workload\.threads: 2 driver threads: they shard the lean engine.s load of workload\.keys "ledger" or "random" only/,
  ],
  [
    "driver threads through a Sentinel failover",
    { ...sentinel, workload: { duration: "10s", engine: "lean", keys: "random", threads: 2 } },
    /workload\.threads: 2 driver threads: they do not follow a sentinel failover/,
  ],
  [
    "more driver threads than connections",
    { ...minimal, faults: [], dataset: {}, workload: { duration: "10s", engine: "lean", keys: "random", threads: 8, connections: 4 } },
    /8 driver threads need at least as many connections \(4\)/,
  ],
  [
    "a direct load with a fault it would not feel",
    { ...minimal, workload: { duration: "10s", engine: "lean", keys: "random", via: "direct" } },
    /workload\.via: faults act on the fault layer's links, which a direct load does not cross/,
  ],
  [
    "a direct load on ioredis",
    { ...minimal, faults: [], dataset: {}, workload: { duration: "10s", via: "direct" } },
    /workload\.via: only the lean engine's load goes direct/,
  ],
];
for (const [what, input, pattern] of bad) {
  test(`bad input is refused with exit code 2 and the field named: ${what}`, (t) => {
    const r = rejects(input, pattern);
    t.is(r.code, EXIT.badInput);
    t.true(r.ok, r.message);
  });
}

test("driver threads: auto is the cores but one for the lean engine's random keys, one wherever sharding does not apply", (t) => {
  const lean = { ...minimal, faults: [], dataset: {}, workload: { duration: "10s", engine: "lean", keys: "random" } };
  t.is(validateScenario(lean, "test").workload.threads, Math.max(1, os.availableParallelism() - 1));
  t.is(validateScenario({ ...lean, workload: { ...lean.workload, keys: "ledger" } }, "test").workload.threads, 1);
  t.is(
    validateScenario({ ...sentinel, workload: { duration: "10s", engine: "lean", keys: "random" } }, "test").workload.threads,
    1,
    "a failover to follow: one thread",
  );
  t.is(validateScenario({ ...lean, workload: { ...lean.workload, threads: 2 } }, "test").workload.threads, 2);
});

test("an unknown scenario name says which it most likely meant, and where the list is; a name near none guesses nothing", (t) => {
  const typo = t.throws(() => loadScenario("standalone-bgsav")) as Error & { exitCode: number; hint: string };
  t.is(typo.exitCode, EXIT.badInput);
  t.regex(typo.message, /No scenario named "standalone-bgsav"\. Did you mean "standalone-bgsave"\?/);
  t.regex(typo.hint, /npm run harness -- list/);
  const far = t.throws(() => loadScenario("no-such-scenario")) as Error;
  t.notRegex(far.message, /Did you mean/);
});

test("command-line overrides replace the scenario's values and are validated like them", (t) => {
  const s = loadScenario("standalone-bgsave", { duration: "12s", rate: "500", dataset: "32mb", at: "4s", image: "redis:7.2" });
  t.is(s.workload.duration, 12);
  t.is(s.workload.rate, 500);
  t.is(s.dataset.size, 32 * 2 ** 20);
  t.is(s.faults[0].at, 4);
  t.is(s.topology.image, "redis:7.2");
  const err = t.throws(() => loadScenario("standalone-bgsave", { rate: "fast" })) as Error & { exitCode: number };
  t.is(err.exitCode, EXIT.badInput);
  t.throws(() => loadScenario("standalone-bgsave", { duration: "5s" }), { message: /not inside the 5s load/ });
});

test("a scenario file of the user's is read and validated; a broken one is a clear error", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "scenario-"));
  const good = path.join(dir, "good.json");
  writeFileSync(good, JSON.stringify(minimal));
  t.is(loadScenarioFile(good).name, "x");
  const broken = path.join(dir, "broken.json");
  writeFileSync(broken, "{ not json");
  const err = t.throws(() => loadScenarioFile(broken)) as Error & { exitCode: number };
  t.is(err.exitCode, EXIT.badInput);
  t.regex(err.message, /broken\.json is not valid JSON/);
});

test("a scenario file may be YAML, validated by the same schema", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "scenario-"));
  const good = path.join(dir, "good.yaml");
  writeFileSync(
    good,
    "name: y\ntopology: { kind: sentinel, downAfterMs: 3000 }\nworkload:\n  duration: 20s\nfaults:\n  - { kind: pause, at: 6s, for: 4s }\nbudgets: { rtoMs: 9000 }\n",
  );
  const s = loadScenarioFile(good);
  t.is(s.workload.duration, 20);
  t.like(s.faults[0], { kind: "pause", target: "primary", at: 6, for: 4 });
  t.is(s.budgets.rtoMs, 9000);
  const bad = path.join(dir, "bad.yml");
  writeFileSync(bad, "name: y\ntopology: { kind: sentinel }\nworkload: { duration: 20s, rtae: 5 }\n");
  t.throws(() => loadScenarioFile(bad), { message: /workload.*rtae/ });
  writeFileSync(bad, "name: [unclosed\n");
  t.throws(() => loadScenarioFile(bad), { message: /bad\.yml is not valid YAML/ });
});

test("an unknown fault or topology kind names the kinds there are", (t) => {
  const f = rejects({ ...minimal, faults: [{ kind: "meteor", at: "5s" }] }, /./);
  t.regex(f.message, /faults\[0\]\.kind/);
  for (const kind of ["bgsave", "kill", "pause", "partition", "link", "latency-spike", "manual-promotion", "cluster-failover", "reshard"])
    t.true(f.message.includes(kind), `${kind} named`);
  const topo = rejects({ ...minimal, topology: { kind: "mesh" } }, /./);
  for (const kind of ["standalone", "replication", "sentinel", "cluster"]) t.true(topo.message.includes(kind), `${kind} named`);
});
