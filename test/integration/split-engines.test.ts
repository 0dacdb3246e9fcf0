import test from "ava";
import path from "node:path";
import Docker from "dockerode";
import { useEngines } from "../../harness/infra/engines.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { pollUntil } from "../../harness/infra/poll.js";
import { runScenario } from "../../harness/run/run.js";
import { loadScenario } from "../../harness/scenario/load.js";
import { promoted, switchedMaster } from "../../suites/claims.js";
import { cli } from "../helpers/cli.js";
import { downEngine, upEngine, type NamespaceEngine } from "../helpers/namespace-engine.js";

// One topology over two Docker engines (--engines): this machine's, and a second dockerd in a network namespace of its
// own reached over TCP with TLS (test/hosts/engine.sh). The Sentinels and the fault layer run here, the data nodes
// there; every link crosses the fault layer at a published address, so a kill there is seen and failed over from here.

let e: NamespaceEngine | undefined;
const local = new Docker({ socketPath: "/var/run/docker.sock" });
/** The harness's node containers on an engine (not the fault layer's or the reaper's). */
const nodesOn = async (docker: Docker) =>
  (await docker.listContainers({ all: true })).filter((c) => c.Names.some((n) => /^\/redis-chaos-(redis|sentinel)-/.test(n))).map((c) => c.Names[0]);
/** Engine.sh's bridge is 10.214.<id>.1/24, the engine's namespace .2: this machine's side is what the engine reaches. */
const bridgeOf = (engine: NamespaceEngine) => engine.host.replace(/\.\d+$/, ".1");
const flags = () => ({ engines: `here,${e!.dockerHost}`, engineCerts: e!.certPath, reachHereAt: bridgeOf(e!), placement: "sentinel-*=0,redis-*=1" });

test.before(() => {
  const s = loadSettings();
  e = upEngine(100 + ((process.pid + 40) % 150), [s.redisImage, s.ryukImage]);
});
test.after.always(() => downEngine(e));

test.serial("sentinel-master-kill split over two engines: Sentinels here, data nodes there, failover within budget, nothing left on either", async (t) => {
  const remote = new Docker({ socketPath: e!.socket.replace(/^unix:\/\//, "") });
  const settings = { ...loadSettings(), engines: useEngines(flags()) };
  const { report, failure } = await runScenario(loadScenario("sentinel-master-kill", { duration: "24s" }), { settings });
  if (failure) throw failure;
  t.is(report.status, "completed", report.problem);
  t.true(report.verdict.pass, report.verdict.failures.join("; "));
  t.true(switchedMaster(report), "a replica on the other engine was promoted by the Sentinels here");
  t.deepEqual(
    report.topology!.nodes.map((n) => n.engine),
    [e!.dockerHost, e!.dockerHost, e!.dockerHost],
  );
  t.deepEqual(
    report.topology!.sentinels.map((s) => s.engine),
    ["here", "here", "here"],
  );
  t.log(`RTO ${report.availability.rtoMs} ms, lost ${report.dataLoss?.lost ?? "?"} acknowledged writes`);
  t.deepEqual(await nodesOn(remote), [], "the data nodes are gone from the other engine");
  t.deepEqual(await nodesOn(local), [], "the Sentinels are gone from this one");
});

test.serial("cluster-master-kill split round-robin over two engines: bus and replication cross them, a replica is promoted within budget", async (t) => {
  const remote = new Docker({ socketPath: e!.socket.replace(/^unix:\/\//, "") });
  const { placement: _, ...roundRobin } = flags();
  const settings = { ...loadSettings(), engines: useEngines(roundRobin) };
  const { report, failure } = await runScenario(loadScenario("cluster-master-kill", { duration: "24s" }), { settings });
  if (failure) throw failure;
  t.is(report.status, "completed", report.problem);
  t.true(report.verdict.pass, report.verdict.failures.join("; "));
  t.true(promoted(report).length > 0, "a replica was promoted over the bus links that cross the engines");
  t.deepEqual(
    report.topology!.nodes.map((n) => n.engine),
    report.topology!.nodes.map((_, i) => (i % 2 ? e!.dockerHost : "here")),
  );
  t.log(`RTO ${report.availability.rtoMs} ms, lost ${report.dataLoss?.lost ?? "?"} acknowledged writes`);
  t.deepEqual(await nodesOn(remote), [], "nothing left on the other engine");
});

test.serial("the harness killed mid-run: the reaper it started on the other engine removes what it left there", async (t) => {
  const remote = new Docker({ socketPath: e!.socket.replace(/^unix:\/\//, "") });
  const f = flags();
  let seenNodes = 0;
  // Killed once its load has begun (its progress goes to stderr): the topology is up on both engines then.
  const ran = await cli(
    [
      "run",
      "sentinel-master-kill",
      "--duration",
      "60s",
      ...Object.entries(f).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v]),
    ],
    {
      env: { REPORTS_DIR: path.join(e!.dir, "reports") },
      whenStderr: [
        /\[load\]/,
        async (p) => {
          seenNodes = (await nodesOn(remote)).length;
          p.kill("SIGKILL");
        },
      ],
    },
  );
  t.is(ran.code, null, `killed by its signal, not ended: ${ran.stderr.slice(-600)}`);
  t.is(seenNodes, 3, "the data nodes ran on the other engine");
  // The reaper waits 10 s for its connection to come back, then removes the session's containers and network.
  const r = await pollUntil(async () => ((await nodesOn(remote)).length === 0 ? true : Promise.reject(new Error("still there"))), {
    timeoutMs: 40_000,
    intervalMs: 1000,
  });
  t.false(r.timedOut, `left on the other engine: ${(await nodesOn(remote)).join(", ")}`);
  const networks = (await remote.listNetworks()).filter((n) => n.Labels?.["org.testcontainers.session-id"]);
  t.deepEqual(
    networks.map((n) => n.Name),
    [],
    "and the run's network there",
  );
  // This machine's side is testcontainers' reaper's to clean, as for any run.
  await pollUntil(async () => ((await nodesOn(local)).length === 0 ? true : Promise.reject(new Error("still there"))), { timeoutMs: 40_000, intervalMs: 1000 });
});
