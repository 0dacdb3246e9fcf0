import test from "ava";
import { parseKnownHosts } from "../../harness/scenario/target-file.js";
import type { RedisNode } from "../../harness/topology/redis-node.js";
import { targetSchema } from "../../harness/topology/target-spec.js";
import { startingPoint } from "../../harness/topology/starting-point.js";
import type { ReachedTarget } from "../../harness/topology/target.js";

// What the harness reads of a deployment it did not start before it does anything there: the target file's known hosts,
// and whether the deployment stands where a run can start (one master, addresses the file names, no keys of the
// harness's prefixes). Against the real thing: test/integration/targets.test.ts.

test("known_hosts: plain names and [host]:port entries are read, a revoked key is taken out, hashed and CA lines are not trusted", (t) => {
  const kh = parseKnownHosts(
    [
      "10.0.0.2 ssh-ed25519 AAAAkey2",
      "10.0.0.3,web ssh-ed25519 AAAAkey3",
      "[10.0.0.4]:2222 ssh-ed25519 AAAAkey4",
      "[10.0.0.5]:22 ssh-ed25519 AAAAkey5",
      "|1|hashedsalt|hashedhost ssh-ed25519 AAAAhashed",
      "@cert-authority *.example ssh-ed25519 AAAAca",
      "@revoked * ssh-ed25519 AAAAkey3",
      "# a comment",
      "",
    ].join("\n"),
  );
  t.deepEqual(kh.get("10.0.0.2"), ["AAAAkey2"]);
  t.deepEqual(kh.get("10.0.0.3"), [], "revoked");
  t.deepEqual(kh.get("[10.0.0.4]:2222"), ["AAAAkey4"]);
  t.is(kh.get("10.0.0.4"), undefined, "a key for port 2222 is not the host's key on 22");
  t.deepEqual(kh.get("10.0.0.5"), ["AAAAkey5"], "[host]:22 is the host");
  t.false([...kh.values()].flat().includes("AAAAhashed") || [...kh.values()].flat().includes("AAAAca"));
});

/** A node of a fake deployment: its role and whom it follows (INFO replication), and what its Sentinel says. */
function node(name: string, host: string, info: Record<string, string>, extra: { sentinelSays?: string[] | null; keys?: string[] } = {}): RedisNode {
  return {
    name,
    address: { host, port: 6379 },
    info: async () => new Map(Object.entries(info)),
    admin: {
      call: async () => extra.sentinelSays ?? null,
      dbsize: async () => 10,
      scan: async (_c: string, _m: string, pattern: string) => ["0", (extra.keys ?? []).filter((k) => k.startsWith(pattern.slice(0, -1)))],
    },
  } as unknown as RedisNode;
}

const spec = targetSchema.parse({
  kind: "sentinel",
  allow: { hosts: ["10.0.0.2", "10.0.0.3"] },
  nodes: [
    { name: "a", address: "10.0.0.2:6379" },
    { name: "b", address: "10.0.0.3:6379" },
  ],
  sentinels: { nodes: [{ name: "s", address: "10.0.0.2:26379" }] },
});
const reached = (nodes: RedisNode[], sentinels: RedisNode[]) =>
  ({ spec, nodes, sentinels, hosts: [], access: { login: null, tls: null }, close: async () => {} }) as ReachedTarget;

test("a settled deployment is where a run starts: its master found, its keyspace counted, nothing in the way", async (t) => {
  const r = await startingPoint(
    reached(
      [node("a", "10.0.0.2", { role: "master" }), node("b", "10.0.0.3", { role: "slave", master_host: "10.0.0.2", master_port: "6379" })],
      [node("s", "10.0.0.2", {}, { sentinelSays: ["10.0.0.2", "6379"] })],
    ),
  );
  t.deepEqual(r.problems, []);
  t.is(r.master?.name, "a");
  t.deepEqual(r.keyspace, { keys: 10, harnessKeys: {} });
});

test("a run is refused, each reason named: two masters, a replica or a Sentinel naming an address the file does not, keys under the harness's prefixes", async (t) => {
  const two = await startingPoint(reached([node("a", "10.0.0.2", { role: "master" }), node("b", "10.0.0.3", { role: "master" })], []));
  t.regex(two.problems.join(), /2 masters \(a: master, b: master\)/);
  const hostnames = await startingPoint(
    reached(
      [node("a", "10.0.0.2", { role: "master" }), node("b", "10.0.0.3", { role: "slave", master_host: "redis-a.internal", master_port: "6379" })],
      [node("s", "10.0.0.2", {}, { sentinelSays: ["redis-a.internal", "6379"] })],
    ),
  );
  t.regex(hostnames.problems.join("\n"), /b follows redis-a\.internal:6379, which the target file does not name/);
  t.regex(hostnames.problems.join("\n"), /s names redis-a\.internal:6379 as the master/);
  const nameless = await startingPoint(
    reached(
      [node("a", "10.0.0.2", { role: "master" }), node("b", "10.0.0.3", { role: "slave", master_host: "10.0.0.2", master_port: "6379" })],
      [node("s", "10.0.0.2", {}, { sentinelSays: null })],
    ),
  );
  t.regex(nameless.problems.join(), /s watches no master named mymaster/);
  const leftovers = await startingPoint(
    reached(
      [
        node("a", "10.0.0.2", { role: "master" }, { keys: ["w:17", "user:1"] }),
        node("b", "10.0.0.3", { role: "slave", master_host: "10.0.0.2", master_port: "6379" }),
      ],
      [],
    ),
  );
  t.regex(leftovers.problems.join(), /keys already where the harness writes \(w:\*: at least 1\)/);
});
