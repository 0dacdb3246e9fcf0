import { DEFAULT_LIMITS } from "../../harness/topology/definition.js";
import test from "ava";
import calculateSlot from "cluster-key-slot";
import { loadSettings } from "../../harness/infra/settings.js";
import { eventsOf, Timeline } from "../../harness/measure/timeline.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";
import { ClusterTopology } from "../../harness/topology/cluster.js";
import type { ReplyCallback } from "../../harness/workload/engines/command-client.js";
import { ENGINES } from "../../harness/workload/engines/index.js";
import { LeanClusterPool, parseRedirection } from "../../harness/workload/engines/lean-cluster.js";

// The lean engine on a real Redis Cluster: every key goes to the master that owns its slot (checked against each
// master's own keyspace), and a slot map gone stale is corrected by following the servers' MOVED replies.

let topology: ClusterTopology;
test.before(async () => {
  const s = loadSettings();
  topology = await ClusterTopology.start({
    image: s.redisImage,
    toxiproxyImage: s.toxiproxyImage,
    limits: DEFAULT_LIMITS,
    masters: 3,
    replicasPerMaster: 0,
    nodeTimeoutMs: 5000,
    requireFullCoverage: true,
    config: {},
    client: DEFAULT_CLIENT_SETTINGS,
  });
});
test.after.always(async () => topology?.stop());

const reply = (send: (cb: ReplyCallback) => void) =>
  new Promise<{ err: Error | null | undefined; value: unknown }>((resolve) => send((err, value) => resolve({ err, value })));

async function leanPool(timeline: Timeline): Promise<LeanClusterPool> {
  const pool = ENGINES.lean.create({
    topology,
    to: "primary",
    connections: 2,
    client: DEFAULT_CLIENT_SETTINGS,
    timeline,
    via: "fault-layer",
  }) as LeanClusterPool;
  await pool.connect();
  return pool;
}

test("MOVED and ASK replies are read as the cluster writes them", (t) => {
  t.deepEqual(parseRedirection("MOVED 3999 10.0.0.7:23001"), { kind: "MOVED", slot: 3999, host: "10.0.0.7", port: 23001 });
  t.deepEqual(parseRedirection("ASK 12 10.0.0.7:23002"), { kind: "ASK", slot: 12, host: "10.0.0.7", port: 23002 });
  t.is(parseRedirection("ERR unknown command"), undefined);
});

test.serial("with a fresh slot map every key lands on the master that owns its slot, with no redirection", async (t) => {
  const timeline = new Timeline(() => performance.now());
  const pool = await leanPool(timeline);
  try {
    const keys = Array.from({ length: 600 }, (_, i) => `lean-cluster:${i}`);
    const sets = await Promise.all(keys.map((k, i) => reply((cb) => pool.clients[i % 2].set(k, `v${i}`, cb))));
    t.deepEqual(
      sets.filter((r) => r.err).map((r) => r.err!.message),
      [],
    );
    t.deepEqual(pool.followed, { moved: 0, ask: 0 });
    // Each master holds exactly the keys of the slots it owns, asked directly (not through any router).
    const owners = await topology.slotOwners();
    for (const node of new Set(owners)) {
      const mine = keys.filter((k) => owners[calculateSlot(k)] === node).sort();
      const held = ((await node!.admin.call("KEYS", "lean-cluster:*")) as string[]).sort();
      t.deepEqual(held, mine, `${node!.name} holds the keys of its slots`);
    }
    t.true(new Set(owners).size === 3, "the keys spread over the three masters");
    t.is(eventsOf(timeline.events, "client-slots-refreshed")[0].detail.covered, 16384);
  } finally {
    pool.close();
  }
});

test.serial("a stale slot map is corrected by MOVED: the command is re-sent to the owner, counted, and the map re-read", async (t) => {
  const timeline = new Timeline(() => performance.now());
  const pool = await leanPool(timeline);
  try {
    // Point every slot at the first master, as a map read before a reshard would.
    const first = pool.slots[0]!;
    for (let s = 0; s < pool.slots.length; s++) pool.slots[s] = first;
    const keys = Array.from({ length: 300 }, (_, i) => `lean-stale:${i}`);
    const sets = await Promise.all(keys.map((k, i) => reply((cb) => pool.clients[i % 2].set(k, `v${i}`, cb))));
    t.deepEqual(
      sets.filter((r) => r.err).map((r) => r.err!.message),
      [],
      "no command failed: each was redirected",
    );
    const gets = await Promise.all(keys.map((k, i) => reply((cb) => pool.clients[i % 2].get(k, cb))));
    t.deepEqual(
      gets.map((g) => g.value),
      keys.map((_, i) => `v${i}`),
    );
    const notFirst = keys.filter((k) => pool.slots[calculateSlot(k)] !== first).length;
    t.true(pool.followed.moved >= notFirst && notFirst > 100, `MOVED followed ${pool.followed.moved} times for ${notFirst} keys owned elsewhere`);
    await new Promise((r) => setTimeout(r, 300));
    const refreshed = eventsOf(timeline.events, "client-slots-refreshed").filter((e) => e.detail.reason === "MOVED");
    t.true(refreshed.length >= 1, "a MOVED had the whole map re-read");
    t.true(refreshed.length <= 5, `at most one re-read per 100 ms, not one per MOVED: ${refreshed.length}`);
  } finally {
    pool.close();
  }
});
