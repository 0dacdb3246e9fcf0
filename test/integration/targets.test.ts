import test from "ava";
import { Redis } from "ioredis";
import { loadSettings } from "../../harness/infra/settings.js";
import type { RunReport } from "../../harness/report/types.js";
import { runScenario } from "../../harness/run/run.js";
import { loadScenario } from "../../harness/scenario/load.js";
import { loadTargetFile } from "../../harness/scenario/target-file.js";
import { hostPeerCut } from "../../harness/topology/peer-cut.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";
import { DEFAULT_LIMITS } from "../../harness/topology/definition.js";
import { attachTarget, reachTarget } from "../../harness/topology/target.js";
import { switchedMaster } from "../../suites/claims.js";
import { main } from "../../harness/commands/program.js";
import {
  downDeployment,
  footprint,
  footprintAtRest,
  leftAsFound,
  onHost,
  settled,
  upDeployment,
  type NamespaceDeployment,
} from "../helpers/namespace-deployment.js";

// A deployment the harness did not start (`run --target`): three hosts made of network namespaces, each running sshd,
// redis-server and redis-sentinel, started by a script of their own (test/hosts/deployment.sh). The harness reaches
// them only at the addresses the target file allows, acts on them over SSH (a real SIGKILL, real iptables), and must
// leave them as it found them: no key, rule, process or session of its own.

let d: NamespaceDeployment | undefined;
// A subnet of its own per process, so a run left behind by another never shares it.
const id = 100 + (process.pid % 150);

test.before(() => {
  d = upDeployment(id);
});
test.after.always(() => downDeployment(d));

const settings = () => ({ ...loadSettings(), reportsDir: `${d!.dir}/reports` });

/** The command line, in this process: its exit code and what it printed on stdout. */
async function cli(argv: string[]): Promise<{ code: number; text: string }> {
  let text = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => ((text += String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { code: await main([...argv, "--quiet"]), text };
  } catch (e) {
    const err = e as { exitCode?: number; message?: string };
    return { code: err.exitCode ?? 4, text: `${text}${err.message}` };
  } finally {
    process.stdout.write = write;
  }
}

async function runOnTarget(name: string, duration?: string): Promise<RunReport> {
  await settled(d!);
  const scenario = loadScenario(name, duration ? { duration } : {});
  const { report, failure } = await runScenario(scenario, { settings: settings(), target: loadTargetFile(d!.targetFile) });
  if (failure) throw failure;
  return report;
}

test.serial("--dry-run against a target prints each action with the command that would do it, and changes nothing there", async (t) => {
  const before = await footprintAtRest(d!);
  const primaryBefore = onHost(d!, 0, ["redis-cli", "-h", d!.hosts[0].ip, "-p", "26379", "SENTINEL", "get-master-addr-by-name", "mymaster"]).out;
  const r = await cli(["run", "sentinel-split-brain", "--target", d!.targetFile, "--dry-run"]);
  t.is(r.code, 0, r.text);
  t.regex(r.text, /nothing below is done/);
  t.regex(
    r.text,
    new RegExp(
      `partition: cut the primary \\(redis-0 now; .*\\): ssh root@${d!.hosts[0].ip.replace(/\./g, "\\.")}: iptables -w -I INPUT -s ${d!.subnet}\\.3 -m comment --comment redis-chaos-<run> -j DROP`,
    ),
  );
  t.regex(r.text, /UNLINK/);
  t.deepEqual(await leftAsFound(d!, before), before, "rules, keys and processes on every host as before");
  t.is(onHost(d!, 0, ["redis-cli", "-h", d!.hosts[0].ip, "-p", "26379", "SENTINEL", "get-master-addr-by-name", "mymaster"]).out, primaryBefore);
});

test.serial("a target already holding a key under the harness's prefixes is refused (exit 2, dry run or not), and the key is left where it was", async (t) => {
  const [h0] = d!.hosts;
  const cli0 = (...args: string[]) => onHost(d!, 0, ["redis-cli", "-h", h0.ip, ...args]).out.trim();
  t.is(cli0("SET", "w:42", "someone else's"), "OK");
  try {
    const dry = await cli(["run", "sentinel-master-kill", "--target", d!.targetFile, "--dry-run"]);
    t.is(dry.code, 2);
    t.regex(dry.text, /REFUSED: keys already where the harness writes \(w:\*: at least 1\)/);
    const run = await runScenario(loadScenario("sentinel-master-kill"), { settings: settings(), target: loadTargetFile(d!.targetFile) });
    t.regex(String((run.failure as Error)?.message), /keys already where the harness writes/);
    t.is((run.failure as { exitCode?: number }).exitCode, 2);
    t.is(cli0("GET", "w:42"), "someone else's", "never overwritten, never erased");
  } finally {
    cli0("DEL", "w:42");
  }
});

test.serial(
  "a cut made with iptables on a target's host drops both directions between it and the others, leaves the harness's path open, and heals",
  async (t) => {
    const before = await footprintAtRest(d!);
    const { spec, secrets } = loadTargetFile(d!.targetFile);
    const reached = await reachTarget(spec, secrets, () => {});
    // A replica's host (h2), so that the deployment's Sentinels have no master to fail over meanwhile.
    const [h0, h1, h2] = d!.hosts;
    const ping = (from: number, to: string) => onHost(d!, from, ["timeout", "2", "redis-cli", "-h", to, "PING"]).out.includes("PONG");
    const node = reached.nodes[2];
    const cut = hostPeerCut(
      node.address,
      reached.nodes.map((n) => n.address.host),
      "redis-chaos-test",
    );
    try {
      t.true(ping(2, h0.ip) && ping(0, h2.ip), "before: both ways");
      for (const rule of cut.rules) t.is((await node.control.exec(["iptables", "-w", "-I", ...rule])).exitCode, 0);
      t.false(ping(2, h0.ip), "h2 -> h0 is cut");
      t.false(ping(0, h2.ip), "h0 -> h2 is cut");
      t.true(ping(0, h1.ip), "h0 -> h1 is not h2's business: still open");
      t.notDeepEqual(footprint(d!), before, "the footprint sees rules left in (what every test's last check relies on)");
      const direct = new Redis({ host: h2.ip, port: h2.redisPort, lazyConnect: true, connectTimeout: 2000 });
      await direct.connect();
      t.is(await direct.ping(), "PONG", "the harness's own address still reaches the cut node (its clients and its SSH)");
      direct.disconnect();
      t.is((await node.control.exec(["true"])).exitCode, 0, "and SSH still works");
    } finally {
      for (const rule of cut.rules) await node.control.exec(["iptables", "-w", "-D", ...rule]);
    }
    t.true(ping(2, h0.ip) && ping(0, h2.ip), "healed: both ways again");
    await reached.close();
    t.deepEqual(await leftAsFound(d!, before), before);
  },
);

test.serial("the teardown puts back what a fault left in force: a killed node started, a frozen one thawed, the harness's tagged rules removed", async (t) => {
  await settled(d!);
  const before = await footprintAtRest(d!);
  const { spec, secrets } = loadTargetFile(d!.targetFile);
  const reached = await reachTarget(spec, secrets, () => {});
  const s = loadSettings();
  const topology = await attachTarget(reached, { toxiproxyImage: s.toxiproxyImage, limits: DEFAULT_LIMITS, client: DEFAULT_CLIENT_SETTINGS, onStep: () => {} });
  // As faults whose heals never ran (the run broke off, an SSH session dropped): a replica killed, a Sentinel frozen,
  // the replica's host cut off with the harness's rules.
  const replica = topology.nodes[2];
  const sentinel = topology.sentinels[0];
  await replica.control.kill();
  await sentinel.control.pause();
  for (const rule of hostPeerCut(
    replica.address,
    topology.nodes.map((n) => n.address.host),
    topology.ruleTag,
  ).rules)
    t.is((await replica.control.exec(["iptables", "-w", "-A", ...rule])).exitCode, 0);
  t.notDeepEqual(footprint(d!), before);
  await topology.stop();
  t.deepEqual(topology.facts.putBack, [
    `${replica.name} started again`,
    `${sentinel.name} thawed`,
    `root@${replica.address.host}: 4 iptables rule(s) of the harness removed`,
  ]);
  await settled(d!);
  t.deepEqual(await leftAsFound(d!, before), before);
});

test.serial(
  "sentinel-master-kill against the SSH-driven deployment: a real SIGKILL, Sentinel fails over within budget, and the harness leaves nothing behind",
  async (t) => {
    const before = await footprintAtRest(d!);
    const report = await runOnTarget("sentinel-master-kill", "24s");
    t.is(report.status, "completed", report.problem);
    t.true(report.verdict.pass, report.verdict.failures.join("; "));
    t.true(switchedMaster(report), "the deployment's own Sentinels switched the master");
    const target = report.topology!.target!;
    t.is(target.control, "ssh");
    t.true(report.faults[0].kind === "kill" && report.faults[0].details.nodes?.length === 1);
    t.is(
      target.harnessKeysRemoved,
      report.dataLoss!.acknowledged - report.dataLoss!.lost + report.dataLoss!.indeterminate,
      "every key the load left was removed",
    );
    t.deepEqual(await leftAsFound(d!, before), before, "no key, rule, process or SSH session of the harness left on any host");
  },
);

test.serial("sentinel-split-brain against it: real iptables on the master's host, acknowledged writes lost; with registers, not linearizable", async (t) => {
  const before = await footprintAtRest(d!);
  const ledger = await runOnTarget("sentinel-split-brain");
  t.is(ledger.status, "completed", ledger.problem);
  t.true(ledger.dataLoss!.lost > 0 && ledger.dataLoss!.splitBrain > 0, `acknowledged writes lost to the split brain: ${ledger.dataLoss!.lost}`);
  const p = ledger.faults[0];
  t.true(p.kind === "partition" && p.details.rulesApplied === 4 && p.details.where?.startsWith("ssh root@"), JSON.stringify(p.details));
  t.deepEqual(await leftAsFound(d!, before), before, "the rules are gone, and so are the keys");
  const registers = await runOnTarget("sentinel-split-brain-registers");
  t.is(registers.linearizability!.result, "not linearizable");
  t.deepEqual(await leftAsFound(d!, before), before);
});
