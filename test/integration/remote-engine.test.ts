import test from "ava";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { loadTargetFile } from "../../harness/scenario/target-file.js";
import Docker from "dockerode";
import { useEngine } from "../../harness/infra/engine.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { runScenario } from "../../harness/run/run.js";
import { loadScenario } from "../../harness/scenario/load.js";
import { switchedMaster } from "../../suites/claims.js";
import { downEngine, upEngine, type NamespaceEngine } from "../helpers/namespace-engine.js";

// A topology on a Docker engine that is not this machine's: a second dockerd in a network namespace of its own
// (test/hosts/engine.sh), reached over TCP with TLS from certificates of its own CA, as `--engine` names one. Every
// published port binds to and is reached at the engine's address; nothing of the run lands on this machine's engine.

let e: NamespaceEngine | undefined;
const local = new Docker({ socketPath: "/var/run/docker.sock" });
const ours = async (docker: Docker) => (await docker.listContainers({ all: true })).filter((c) => c.Names.some((n) => n.startsWith("/redis-chaos-")));

/** The containers an engine created since `since` (seconds), by name, from its own event log. */
async function created(docker: Docker, since: number): Promise<string[]> {
  const stream = (await docker.getEvents({
    since,
    until: Math.ceil(Date.now() / 1000),
    filters: { type: ["container"], event: ["create"] },
  })) as NodeJS.ReadableStream;
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { Actor: { Attributes: { name: string } } }).Actor.Attributes.name);
}

test.before(() => {
  const s = loadSettings();
  e = upEngine(100 + (process.pid % 150), [s.redisImage, s.toxiproxyImage, s.ryukImage]);
  // (The reaper mounts /var/run/docker.sock, which in that engine's mount namespace is its own socket, as on a host of its own.)
  useEngine({ engine: e.dockerHost, engineCerts: e.certPath });
});
test.after.always(() => downEngine(e));

test.serial(
  "sentinel-master-kill on a remote engine over TLS: every container there, ports at its address, Sentinel fails over within budget, nothing left",
  async (t) => {
    const since = Math.floor(Date.now() / 1000);
    const { report, failure } = await runScenario(loadScenario("sentinel-master-kill", { duration: "24s" }), { settings: loadSettings() });
    if (failure) throw failure;
    t.is(report.status, "completed", report.problem);
    t.true(report.verdict.pass, report.verdict.failures.join("; "));
    t.true(switchedMaster(report));
    t.is(report.environment.host?.engine.at, e!.dockerHost, "the report names the engine the containers ran on");
    t.true(report.topology!.links.length > 0);
    const remote = new Docker({ socketPath: e!.socket.replace(/^unix:\/\//, "") });
    const there = await created(remote, since);
    t.is(there.filter((n) => n.startsWith("redis-chaos-")).length, 6, `3 data nodes and 3 Sentinels created on the remote engine: ${there.join(", ")}`);
    t.true(there.length >= 8, "and the fault layer and the reaper");
    t.deepEqual(await created(local, since), [], "nothing created on this machine's engine");
    t.deepEqual(await ours(remote), [], "the run's containers are gone from the remote engine");
  },
);

test.serial(
  "a deployment of containers on that engine, targeted with control docker: a SIGKILL through the engine's API, failover within budget, its containers as they were",
  async (t) => {
    const engineHost = e!.host;
    const script = path.resolve(import.meta.dirname, "../hosts/container-deployment.sh");
    execFileSync("bash", [script, "up", e!.socket, engineHost, loadSettings().redisImage], { stdio: "ignore" });
    const remote = new Docker({ socketPath: e!.socket.replace(/^unix:\/\//, "") });
    const theirs = async () =>
      (await remote.listContainers({ all: true, filters: { label: ["rc-container-deployment"] } })).map((c) => `${c.Names[0]} ${c.State}`).sort();
    try {
      const node = (name: string, port: number, container: string) => ({ name, address: `${engineHost}:${port}`, container });
      const file = path.join(e!.dir, "containers.json");
      writeFileSync(
        file,
        JSON.stringify({
          kind: "sentinel",
          name: "containers",
          allow: { hosts: [engineHost] },
          control: { kind: "docker", engine: e!.dockerHost, certs: e!.certPath },
          nodes: [node("redis-0", 6379, "u-redis-0"), node("redis-1", 6380, "u-redis-1")],
          sentinels: { nodes: [0, 1, 2].map((i) => node(`sentinel-${i}`, 26379 + i, `u-sentinel-${i}`)) },
        }),
      );
      const before = await theirs();
      // (This process still uses the remote engine: the fault layer runs there too, beside the deployment.)
      const { report, failure } = await runScenario(loadScenario("sentinel-master-kill", { duration: "24s" }), {
        settings: loadSettings(),
        target: loadTargetFile(file),
      });
      if (failure) throw failure;
      t.true(report.verdict.pass, report.verdict.failures.join("; "));
      t.true(switchedMaster(report));
      t.regex(report.topology!.target!.nodes[0].where, /^container u-redis-0 \(-H tcp:/);
      t.deepEqual(await theirs(), before, "the deployment's containers, all running again, none added or removed");
      const left = (await remote.listContainers({ all: true })).filter((c) => !("rc-container-deployment" in c.Labels) && !c.Image.includes("ryuk"));
      t.deepEqual(
        left.map((c) => c.Names[0]),
        [],
        "nothing of the harness left on the deployment's engine",
      );
      const refused = await runScenario(loadScenario("sentinel-split-brain"), { settings: loadSettings(), target: loadTargetFile(file) }).catch(
        (err: Error) => err,
      );
      t.regex(String((refused as Error).message), /partition\): needs peers to cut it off from, both ways: .*control docker does not cut/);
    } finally {
      execFileSync("bash", [script, "down", e!.socket], { stdio: "ignore" });
    }
  },
);
