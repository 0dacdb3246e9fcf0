import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { engineOf, parsePlacement, useEngines, type EngineSet } from "../../harness/infra/engines.js";
import { BadInputError } from "../../harness/infra/errors.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { admitRun } from "../../harness/run/admit.js";
import { loadScenario } from "../../harness/scenario/load.js";
import type { LoadedTarget } from "../../harness/scenario/target-file.js";

// --engines: a topology split over several Docker engines. What the flags say is checked before any engine is called;
// the placement says which engine each node runs on.

const certs = (() => {
  const dir = mkdtempSync(path.join(tmpdir(), "engines-"));
  for (const f of ["ca.pem", "cert.pem", "key.pem"]) writeFileSync(path.join(dir, f), "-");
  return dir;
})();
/** One of this machine's own addresses, not loopback (the test runs where at least one exists: Docker's bridge). */
const mine = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)!.address;
const refused = (flags: Parameters<typeof useEngines>[0], words: RegExp) => (t: import("ava").ExecutionContext) => {
  const env: NodeJS.ProcessEnv = {};
  const err = t.throws(() => useEngines(flags, env), { instanceOf: BadInputError });
  t.regex(err!.message, words);
  t.deepEqual(env, {}, "nothing set for an engine when the flags are refused");
};

test("one engine is not a split", refused({ engines: "here" }, /at least two engines/));
test("--engine and --engines together are refused", refused({ engine: "tcp://10.0.0.5:2376", engines: "here,tcp://10.0.0.5:2376" }, /both given/));
test("an engine named twice", refused({ engines: "tcp://10.0.0.5:2376,tcp://10.0.0.5:2376", engineCerts: certs }, /twice/));
test("an engine that is neither here nor tcp://host:port", refused({ engines: "here,ssh://box", reachHereAt: mine }, /"ssh:\/\/box" is not an engine/));
test("a remote engine without certificates", refused({ engines: "here,tcp://10.0.0.5:2376", reachHereAt: mine }, /TLS only: give --engine-certs/));
test("here without the address the others reach it at", refused({ engines: "here,tcp://10.0.0.5:2376", engineCerts: certs }, /give --reach-here-at <address>/));
test(
  "an address that is not this machine's",
  refused({ engines: "here,tcp://10.0.0.5:2376", engineCerts: certs, reachHereAt: "10.253.253.253" }, /not an address of this machine/),
);
test(
  "loopback, which the other engines cannot reach",
  refused({ engines: "here,tcp://10.0.0.5:2376", engineCerts: certs, reachHereAt: "127.0.0.1" }, /not an address/),
);
test("--placement without --engines", refused({ placement: "round-robin" }, /--placement goes with --engines/));
test(
  "a placement rule that is not one",
  refused({ engines: "here,tcp://10.0.0.5:2376", engineCerts: certs, reachHereAt: mine, placement: "redis-0:1" }, /not a rule/),
);
test(
  "a placement naming an engine --engines does not have",
  refused({ engines: "here,tcp://10.0.0.5:2376", engineCerts: certs, reachHereAt: mine, placement: "redis-*=2" }, /engine 2 is not among the 2/),
);

test("here first: its ports bind where the others reach it; the remote engine is reached with TLS at its address", (t) => {
  const env: NodeJS.ProcessEnv = {};
  const set = useEngines({ engines: `here,tcp://10.0.0.5:2376`, engineCerts: certs, reachHereAt: mine }, env)!;
  t.deepEqual(
    set.engines.map((e) => [e.name, e.publishOn, e.local]),
    [
      ["here", mine, true],
      ["tcp://10.0.0.5:2376", "10.0.0.5", false],
    ],
  );
  t.is(env.HARNESS_PUBLISH_ON, mine);
  t.is(env.DOCKER_HOST, undefined, "testcontainers keeps this machine's engine");
});

test("a remote engine first: testcontainers is pointed at it, as --engine does", (t) => {
  const env: NodeJS.ProcessEnv = {};
  useEngines({ engines: `tcp://10.0.0.5:2376,tcp://10.0.0.6:2376`, engineCerts: certs }, env);
  t.like(env, { DOCKER_HOST: "tcp://10.0.0.5:2376", DOCKER_TLS_VERIFY: "1", TESTCONTAINERS_HOST_OVERRIDE: "10.0.0.5" });
});

test("round-robin places node i on engine i mod n, in the order the nodes start", (t) => {
  const p = parsePlacement("round-robin", 3);
  t.deepEqual(
    ["redis-0", "redis-1", "redis-2", "sentinel-0"].map((n, i) => engineOf(p, n, i, 3)),
    [0, 1, 2, 0],
  );
});

test("a map places by name pattern, the first matching rule winning; a node no rule names is refused by name", (t) => {
  const p = parsePlacement("redis-0=2,redis-*=1,sentinel-*=0", 3);
  t.deepEqual(
    ["redis-0", "redis-1", "sentinel-2"].map((n, i) => engineOf(p, n, i, 3)),
    [2, 1, 0],
  );
  const err = t.throws(() => engineOf(parsePlacement("redis-*=1", 2), "sentinel-0", 3, 2), { instanceOf: BadInputError });
  t.regex(err!.message, /no rule places sentinel-0/);
});

/** A split that refusals reach before any engine is called (its Docker clients would fail if they were). */
const split = (): EngineSet => ({
  engines: ["here", "tcp://10.0.0.5:2376"].map((name) => ({ name, publishOn: "10.0.0.5", cliFlags: "", local: false, docker: undefined as never })),
  placement: { kind: "round-robin" },
  reaperImage: "r",
});

test("a run against a target is not split: its nodes run where they are", async (t) => {
  const spec = { kind: "sentinel", name: "t", allow: { hosts: [] }, control: { kind: "none" }, nodes: [] } as unknown as LoadedTarget["spec"];
  const err = await t.throwsAsync(
    admitRun(loadScenario("sentinel-master-kill"), { ...loadSettings(), engines: split() }, undefined, { spec, secrets: {} as LoadedTarget["secrets"] }),
    { instanceOf: BadInputError },
  );
  t.regex(err!.message, /--engines with --target/);
});
