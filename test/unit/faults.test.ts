import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { faultDefinition, FAULTS, faultSchema, runFaultSpec, type FaultSpec } from "../../harness/faults/registry.js";
import type { FaultContext } from "../../harness/faults/types.js";
import type { OomKill } from "../../harness/measure/container-memory.js";
import { PhaseClock } from "../../harness/measure/phases.js";
import { Timeline } from "../../harness/measure/timeline.js";
import { containerPeerCut, hostPeerCut } from "../../harness/topology/peer-cut.js";
import type { RedisNode } from "../../harness/topology/redis-node.js";
import type { Capability, Topology } from "../../harness/topology/types.js";
import type { Connections } from "../../harness/workload/engines/command-client.js";

// Every fault through the one lifecycle (inject, hold, heal, record), against a fake topology that records what was
// done to it: no containers. What a fault does to real containers is tested by the integration tests and the suites.

/** A fake node: its container actions and admin commands are recorded; INFO answers from `info`. */
function fakeNode(name: string, log: string[], info: () => Record<string, string> = () => ({ role: "master" })) {
  const act = (what: string) => async () => void log.push(`${what} ${name}`);
  const infoText = () =>
    Object.entries(info())
      .map(([k, v]) => `${k}:${v}`)
      .join("\r\n");
  return {
    name,
    address: { host: `10.0.0.${Number(name.slice(-1)) + 2}`, port: 6379 },
    control: {
      where: `fake ${name}`,
      kill: act("kill"),
      start: act("start"),
      pause: act("pause"),
      unpause: act("unpause"),
      exec: async (cmd: string[]) => (log.push(`exec ${name} ${cmd.join(" ")}`), { exitCode: 0, output: "" }),
    },
    admin: {
      info: async () => infoText(),
      bgsave: async () => (log.push(`bgsave ${name}`), "Background saving started"),
      call: async (...args: string[]) => void log.push(`${name} ${args.join(" ")}`),
      once: () => {},
      off: () => {},
    },
    info: async () => new Map(Object.entries(info())),
  } as unknown as RedisNode;
}

/** A fake proxy link: toxics added and removed are recorded. */
function fakeLink(name: string, log: string[], failRemove = false) {
  return {
    name,
    innerHost: "toxiproxy",
    innerPort: 22000,
    hostPort: 0,
    proxy: {
      addToxic: async (t: { name: string; type: string; stream: string; attributes: object }) => {
        log.push(`+${t.type} ${t.stream} ${name} ${JSON.stringify(t.attributes)}`);
        return { remove: async () => (failRemove ? Promise.reject(new Error(`${name}: toxiproxy is gone`)) : void log.push(`-${t.type} ${t.stream} ${name}`)) };
      },
    },
  };
}

function fakeTopology(o: {
  caps: Capability[];
  log: string[];
  replicaInfo?: () => Record<string, string>;
  failRemove?: boolean;
  /** How a node is cut off: as in the harness's containers (default), or on hosts of their own (a target's). */
  cut?: "containers" | "hosts";
}): Topology {
  const primary = fakeNode("redis-0", o.log);
  const replica = fakeNode("redis-1", o.log, o.replicaInfo ?? (() => ({ role: "slave", master_link_status: "up" })));
  const nodes = [primary, replica];
  const links = (kind: string) => new Map(nodes.map((n) => [n.name, fakeLink(`${kind}-${n.name}`, o.log, o.failRemove)]));
  const topology = {
    kind: "fake",
    capabilities: new Set(o.caps),
    nodes,
    sentinels: [],
    clientLinks: links("client"),
    peerLinks: links("peer"),
    peerCut: (n: RedisNode) =>
      o.cut === "hosts"
        ? hostPeerCut(
            n.address,
            nodes.map((x) => x.address.host),
            "redis-chaos-test",
          )
        : containerPeerCut(topology, n),
    primary: async () => primary,
    replicasOf: async (n: RedisNode) => (n === primary ? [replica] : []),
  } as unknown as Topology;
  return topology;
}

function context(topology: Topology, signal = new AbortController().signal): FaultContext & { phases: PhaseClock; timeline: Timeline } {
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  return {
    topology,
    clock,
    timeline: new Timeline(clock),
    phases: new PhaseClock(),
    signal,
    oomKills: [],
    pool: { writesOpen: true } as unknown as Connections,
  };
}

const spec = (input: object) => faultSchema.parse(input) as FaultSpec;

test("a pause freezes the node, holds for its time, unfreezes it, and marks both moments on the phases and the timeline", async (t) => {
  const log: string[] = [];
  const ctx = context(fakeTopology({ caps: ["replicas", "peers"], log }));
  const rec = await runFaultSpec(spec({ kind: "pause", at: 5, for: 0.2 }), ctx);
  t.deepEqual(log, ["pause redis-0", "unpause redis-0"]);
  t.is(rec.error, undefined);
  t.like(rec.details, { node: "redis-0", target: "primary" });
  t.true(rec.healedAtMs! - rec.observedAtMs! >= 195, `held for ${rec.healedAtMs! - rec.observedAtMs!} ms`);
  t.is(ctx.phases.faultStartMs, rec.sentAtMs!, "the fault phase starts when the harness sent it");
  t.true(rec.sentAtMs! <= rec.observedAtMs!);
  t.is(ctx.phases.faultEndMs, rec.healedAtMs!);
  t.deepEqual(
    ctx.timeline.events.map((e) => e.kind),
    ["fault-injected", "fault-healed"],
  );
  t.like(ctx.timeline.events[0].detail, { fault: "pause", nodes: ["redis-0"] });
  t.is(ctx.timeline.events[0].tMs, Math.round(rec.sentAtMs! * 1000) / 1000);
});

test("a kill's fault phase starts when it was sent, not when the harness saw the server go: operations stalled in between are the fault's (finding 1)", async (t) => {
  // With 1 GiB resident the kernel tears the memory down before the sockets close: the admin connection's close came
  // 160 ms after the kill. Timeouts intended in those 160 ms used to be filed as baseline.
  const log: string[] = [];
  const topology = fakeTopology({ caps: ["replicas", "peers"], log });
  const node = topology.nodes[0] as unknown as { control: { kill: () => Promise<void> }; admin: { once: (e: string, f: () => void) => void } };
  let onClose = () => {};
  node.admin.once = (_e, f) => void (onClose = f);
  node.control.kill = async () => {
    log.push("kill redis-0");
    setTimeout(() => onClose(), 160);
  };
  const ctx = context(topology);
  const rec = await runFaultSpec(spec({ kind: "kill", at: 5, for: 0.05 }), ctx);
  const seenAfter = rec.observedAtMs! - rec.sentAtMs!;
  t.true(seenAfter >= 150, `seen to act ${seenAfter} ms after the send`);
  t.is(ctx.phases.faultStartMs, rec.sentAtMs!);
  t.is(ctx.phases.phaseAt(rec.sentAtMs! + 80), "fault", "an operation intended between the kill and the close is the fault's");
  t.is(ctx.phases.phaseAt(rec.sentAtMs! - 1), "baseline");
  const injected = ctx.timeline.events[0];
  t.true(injected.kind === "fault-injected" && Math.abs(injected.detail.observedAfterMs! - seenAfter) < 0.01, "the gap is on the timeline");
});

test("Ctrl-C during a fault heals it at once: a run never leaves a fault behind", async (t) => {
  const log: string[] = [];
  const abort = new AbortController();
  const ctx = context(fakeTopology({ caps: ["replicas", "peers"], log }), abort.signal);
  setTimeout(() => abort.abort(), 50);
  const started = performance.now();
  const rec = await runFaultSpec(spec({ kind: "pause", at: 5, for: 60 }), ctx);
  t.true(performance.now() - started < 5000, "did not hold for the whole minute");
  t.deepEqual(log, ["pause redis-0", "unpause redis-0"]);
  t.not(rec.healedAtMs, null);
});

test("a kill of the primary on a topology that fails over watches the old primary come back as a replica", async (t) => {
  const log: string[] = [];
  let polls = 0;
  // The killed primary answers as a replica with its link up on the third look.
  const topology = fakeTopology({ caps: ["replicas", "peers", "autoFailover"], log });
  const old = topology.nodes[0] as unknown as { info: () => Promise<Map<string, string>> };
  old.info = async () => new Map(Object.entries(++polls < 3 ? { role: "master" } : { role: "slave", master_link_status: "up" }));
  const rec = await runFaultSpec(spec({ kind: "kill", at: 5, for: 0.05 }), context(topology));
  t.deepEqual(log, ["kill redis-0", "start redis-0"]);
  const d = rec.details as { rejoinedAsReplicaAfterHealMs: number | null; nodes: string[] };
  t.deepEqual(d.nodes, ["redis-0"]);
  t.true(d.rejoinedAsReplicaAfterHealMs !== null && d.rejoinedAsReplicaAfterHealMs >= 100, `rejoined after ${d.rejoinedAsReplicaAfterHealMs} ms`);
});

test("a partition blackholes every way into the node and drops its way out inside it; the heal undoes both", async (t) => {
  const log: string[] = [];
  const rec = await runFaultSpec(
    spec({ kind: "partition", at: 5, for: 0.05, clients: "keep" }),
    context(fakeTopology({ caps: ["replicas", "peers", "cuts"], log })),
  );
  t.is(rec.error, undefined);
  const added = log.filter((l) => l.startsWith("+"));
  t.deepEqual(
    added,
    ['+timeout upstream peer-redis-0 {"timeout":0}', '+timeout downstream peer-redis-0 {"timeout":0}'],
    "the node's peer link only: its clients still reach it",
  );
  t.true(
    log.some((l) => /^exec redis-0 iptables -w -I OUTPUT .* --dport 22000 -j DROP$/.test(l)),
    "its way out to the other node is dropped inside it",
  );
  const removed = log.filter((l) => l.startsWith("-") || l.includes("iptables -w -D"));
  t.is(removed.length, added.length + log.filter((l) => l.includes("iptables -w -I")).length, "everything added was taken away");
});

test("on hosts of their own (a target over SSH) a partition is iptables on the node's host against every other host, both chains; nothing blackholed; the heal removes each rule", async (t) => {
  const log: string[] = [];
  const rec = await runFaultSpec(
    spec({ kind: "partition", at: 5, for: 0.05, clients: "keep" }),
    context(fakeTopology({ caps: ["replicas", "cuts"], log, cut: "hosts" })),
  );
  t.is(rec.error, undefined);
  t.deepEqual(log, [
    "exec redis-0 iptables -w -I INPUT -s 10.0.0.3 -m comment --comment redis-chaos-test -j DROP",
    "exec redis-0 iptables -w -I OUTPUT -d 10.0.0.3 -m comment --comment redis-chaos-test -j DROP",
    "exec redis-0 iptables -w -D INPUT -s 10.0.0.3 -m comment --comment redis-chaos-test -j DROP",
    "exec redis-0 iptables -w -D OUTPUT -d 10.0.0.3 -m comment --comment redis-chaos-test -j DROP",
  ]);
  t.like(rec.details, { rulesApplied: 2, blackholedLinks: 0, where: "fake redis-0" });
});

test("a latency spike on the replies only delays the client link's downstream: +latencyMs a round trip, not twice that", async (t) => {
  const log: string[] = [];
  const rec = await runFaultSpec(
    spec({ kind: "latency-spike", at: 5, for: 0.05, latencyMs: 1, direction: "replies" }),
    context(fakeTopology({ caps: [], log })),
  );
  t.is(rec.error, undefined);
  t.deepEqual(
    log.filter((l) => l.startsWith("+")),
    ['+latency downstream client-redis-0 {"latency":1,"jitter":0}'],
  );
  t.is((rec.details as { direction: string }).direction, "replies");
});

test("a heal that fails half-way still runs every other undo step, and the record says what failed", async (t) => {
  const log: string[] = [];
  const rec = await runFaultSpec(
    spec({ kind: "latency-spike", at: 5, for: 0.05, latencyMs: 80, jitterMs: 5 }),
    context(fakeTopology({ caps: [], log, failRemove: true })),
  );
  t.deepEqual(log, ['+latency upstream client-redis-0 {"latency":80,"jitter":5}', '+latency downstream client-redis-0 {"latency":80,"jitter":5}']);
  t.regex(rec.error ?? "", /^heal failed: client-redis-0: toxiproxy is gone; client-redis-0: toxiproxy is gone$/);
  t.is(rec.healedAtMs, null, "a fault that could not be healed is not called healed");
});

test("an inject that fails is recorded; the heal still undoes what it did; no fault phase is opened", async (t) => {
  const log: string[] = [];
  const topology = fakeTopology({ caps: ["replicas", "peers"], log });
  (topology.nodes[0].control as unknown as { pause: () => Promise<void> }).pause = async () => Promise.reject(new Error("the engine refused"));
  const ctx = context(topology);
  const rec = await runFaultSpec(spec({ kind: "pause", at: 5, for: 10 }), ctx);
  t.is(rec.error, "the engine refused");
  t.is(rec.sentAtMs, null);
  t.deepEqual(log, ["unpause redis-0"], "undone at once, not after holding");
  t.is(ctx.phases.faultStartMs, undefined);
  t.deepEqual(
    ctx.timeline.events.map((e) => e.kind),
    ["fault-error"],
  );
});

test("a BGSAVE is healed when the save is seen done; its INFO measurements are kept, and a failed save is an error", async (t) => {
  const log: string[] = [];
  let polls = 0;
  const topology = fakeTopology({ caps: ["serverSideDataset"], log });
  (topology.nodes[0].admin as unknown as { info: () => Promise<string> }).info = async () =>
    [
      "role:master",
      `rdb_bgsave_in_progress:${++polls < 4 ? 1 : 0}`,
      "latest_fork_usec:16800",
      "rdb_last_cow_size:6594560",
      `rdb_last_bgsave_status:${polls > 6 ? "err" : "ok"}`,
      "total_forks:1",
      "db0:keys=1000,expires=0",
    ].join("\r\n");
  const rec = await runFaultSpec(spec({ kind: "bgsave", at: 5 }), context(topology));
  t.deepEqual(log, ["bgsave redis-0"]);
  t.like(rec.details, { node: "redis-0", forkUs: 16800, copyOnWriteBytes: 6594560, keys: 1000 });
  t.not(rec.healedAtMs, null);
  t.true(rec.sentAtMs! <= rec.healedAtMs!, "the fault phase starts when BGSAVE was sent, and ends when the save was seen done");
  polls = 6;
  const failed = await runFaultSpec(spec({ kind: "bgsave", at: 5 }), context(topology));
  t.is(failed.error, "BGSAVE ended with status err");
  t.not(failed.healedAtMs, null, "the save ended, badly: the fault phase ends with it");
});

test("a save that fails because its container ran out of memory is the save's outcome, not an error: the OOM checker judges it", async (t) => {
  const topology = fakeTopology({ caps: ["serverSideDataset"], log: [] });
  (topology.nodes[0].admin as unknown as { info: () => Promise<string> }).info = async () =>
    ["role:master", "rdb_bgsave_in_progress:0", "rdb_last_bgsave_status:err", "total_forks:1", "db0:keys=1000,expires=0"].join("\r\n");
  const ctx = context(topology);
  // Docker's oom event arrives a moment after the save is seen failed.
  setTimeout(() => (ctx.oomKills as OomKill[]).push({ tMs: ctx.clock(), node: "redis-0", limitBytes: 2 ** 30 }), 300);
  const rec = await runFaultSpec(spec({ kind: "bgsave", at: 5 }), ctx);
  t.is(rec.error, undefined);
  t.like(rec.details, { bgsaveStatus: "err (the save's child OOM-killed; the server answers)", oomKilled: true });

  const elsewhere = context(topology);
  (elsewhere.oomKills as OomKill[]).push({ tMs: elsewhere.clock(), node: "redis-1", limitBytes: 2 ** 30 });
  const failed = await runFaultSpec(spec({ kind: "bgsave", at: 5 }), elsewhere);
  t.is(failed.error, "BGSAVE ended with status err", "an OOM kill in another container does not explain this save");
});

test("a fault that cannot find its target is a record with the error, not an exception", async (t) => {
  const log: string[] = [];
  const topology = fakeTopology({ caps: ["replicas"], log });
  topology.replicasOf = async () => [];
  const rec = await runFaultSpec(spec({ kind: "pause", target: "replica", at: 5, for: 1 }), context(topology));
  t.is(rec.error, "redis-0 has no replica");
  t.deepEqual(log, []);
});

test("the registry: every fault is one file with one definition, and the schema's kinds are the registry's", (t) => {
  const kinds = FAULTS.map((f) => f.kind);
  t.deepEqual([...new Set(kinds)], kinds, "kinds are unique");
  for (const f of FAULTS) {
    const file = `harness/faults/${f.kind}.ts`;
    t.true(existsSync(file), `${f.kind} lives in ${file}`);
    t.regex(readFileSync(file, "utf8"), new RegExp(`kind: "${f.kind}"`));
    t.true(f.description.length > 0 && faultDefinition(f.kind) === (f as unknown), f.kind);
  }
  // The registration is one line in registry.ts: the latency-spike fault, added as a test of the registry, touches
  // its own file and that line, nothing else.
  const registry = readFileSync("harness/faults/registry.ts", "utf8");
  t.is(registry.split("\n").filter((l) => l.includes("latency-spike")).length, 1);
  t.true(faultSchema.safeParse({ kind: "latency-spike", at: 5, for: 2, latencyMs: 40 }).success);
});

test("a runbook that goes wrong half-way reopens writes and ends its fault phase: failed, not left open", async (t) => {
  const log: string[] = [];
  const topology = fakeTopology({ caps: ["replicas", "peers", "runbook"], log, replicaInfo: () => ({ role: "slave", slave_repl_offset: "100" }) });
  const old = topology.nodes[0] as unknown as { info: () => Promise<Map<string, string>> };
  old.info = async () => new Map([["master_repl_offset", "100"]]);
  const replica = topology.nodes[1].admin as unknown as { call: (...a: string[]) => Promise<void> };
  replica.call = async (...args: string[]) => (args[0] === "REPLICAOF" ? Promise.reject(new Error("ERR the replica refused")) : undefined);
  (topology as unknown as { runbook: object }).runbook = { setPrimary: () => log.push("setPrimary") };
  const ctx = context(topology);
  const rec = await runFaultSpec(spec({ kind: "manual-promotion", at: 5 }), ctx);
  t.is(rec.error, "ERR the replica refused");
  t.not(rec.healedAtMs, null);
  t.is(ctx.phases.faultEndMs, rec.healedAtMs!, "the fault phase ends with the runbook");
  t.true(ctx.pool.writesOpen, "writes are open again");
  t.deepEqual(
    (rec.details as { steps: Array<{ step: string }> }).steps.map((s) => s.step),
    ["writes-stopped", "replica-caught-up", "writes-reopened"],
  );
  t.false(log.includes("setPrimary"), "the clients were not pointed at a replica that refused");
});
