import { faultDefinition } from "../faults/registry.js";
import { targetAmong } from "../faults/targets.js";
import { formatBytes } from "../infra/units.js";
import type { Progress } from "../report/progress.js";
import type { Scenario } from "../scenario/schema.js";
import type { LoadedTarget } from "../scenario/target-file.js";
import { APP_KEY_PATTERNS } from "../security/acl.js";
import { hostPeerCut } from "../topology/peer-cut.js";
import type { RedisNode } from "../topology/redis-node.js";
import { startingPoint } from "../topology/starting-point.js";
import { reachTarget } from "../topology/target.js";
import { workloadDefinition } from "../workload/registry.js";

/**
 * `run --target … --dry-run`: every action the run would take against the target, in order, with the node each falls on
 * as the deployment stands now and the command that would do it; nothing is done. It connects (a PING, INFO, DBSIZE and
 * a SCAN per node; an SSH login per host) to show that the run could start, and changes nothing.
 */
export async function dryRun(scenario: Scenario, target: LoadedTarget, progress: Progress): Promise<{ lines: string[]; refused: string[] }> {
  const t = target.spec;
  const reached = await reachTarget(t, target.secrets, (m) => progress.step(m));
  try {
    const { roles, masters, keyspace: space, problems } = await startingPoint(reached);
    const role = (n: RedisNode) => roles[reached.nodes.indexOf(n)] ?? "a Sentinel";
    const lines = [
      `Dry run of ${scenario.name} against the target ${t.name} (${t.kind}, control ${t.control.kind}): nothing below is done.`,
      "",
      "Reached now:",
      ...[...reached.nodes, ...reached.sentinels].map(
        (n) => `  ${n.name} at ${n.address.host}:${n.address.port}: ${role(n)}; acted on through ${n.control.where}`,
      ),
      ...(space ? [`  keyspace: ${space.keys} key(s) of the deployment's own on ${masters.map((m) => m.name).join(", ")}, left alone`] : []),
      ...problems.map((p) => `  REFUSED: ${p}: the run would stop here`),
      "",
      "The run would, in order:",
    ];
    let step = 0;
    const say = (line: string) => lines.push(`  ${++step}. ${line}`);
    say(
      `start a fault layer on this machine (a Toxiproxy container) with a link to each of the ${reached.nodes.length + reached.sentinels.length} nodes; ${t.drivers ? "the harness's own clients go through it" : "every client goes through it"}`,
    );
    if (t.drivers)
      say(
        `start a driver process over SSH on each of ${t.drivers.hosts.join(", ")} (${t.drivers.node ?? "this machine's Node.js"}, the harness at ${t.drivers.harness ?? "this machine's path"}); they load the master at its own address, not through the fault layer, and end with the load`,
      );
    if (scenario.dataset.size > 0) say(`load a ${formatBytes(scenario.dataset.size)} dataset on the master with DEBUG POPULATE (keys data:*)`);
    const w = scenario.workload;
    const writes = w.mode === "open-loop" ? Math.round(w.rate * w.duration * (1 - w.readRatio)) : undefined;
    const keys = writes === undefined ? "" : `, leaving about ${workloadDefinition(w.keys).keysWritten(writes, w)} key(s)`;
    say(
      `run the ${w.keys} workload for ${w.duration} s (${w.mode === "open-loop" ? `${w.rate} operations/s` : "closed loop"}, ${Math.round(w.readRatio * 100)}% reads, ${w.connections} connection(s), engine ${w.engine}): writes under the harness's prefixes only${keys}`,
    );
    if (w.ledgerKeys !== undefined)
      say(`as the load goes, read the ledger's ${w.ledgerKeys} reused keys on the master and delete those read (the harness's own keys only)`);
    for (const f of scenario.faults) {
      const def = faultDefinition(f.kind);
      const steps = def.steps?.(f) ?? [];
      if (!steps.length) {
        say(`at ${f.at} s: ${f.kind}: ${def.doc}`);
        continue;
      }
      for (const s of steps) {
        const when = s.at === "inject" ? `at ${f.at} s` : `at ${"for" in f ? f.at + f.for : f.at} s`;
        const node = targetAmong(s.target, reached.nodes, reached.sentinels, roles);
        if (!node) {
          say(`${when}: ${f.kind}: ${s.does} the ${s.target} (none right now)`);
          continue;
        }
        const all = [...reached.nodes, ...reached.sentinels].map((n) => n.address.host);
        const detail =
          s.does === "cut" || s.does === "heal cut"
            ? hostPeerCut(node.address, all, "redis-chaos-<run>")
                .rules.map((r) => `${node.control.where}: iptables -w ${s.does === "cut" ? "-I" : "-D"} ${r.join(" ")}`)
                .join("; ")
            : node.control.explain(s.does);
        const which = s.at === "inject" ? `${node.name} now; the node that is ${s.target} then` : "the node it hit";
        say(`${when}: ${f.kind}: ${s.does} the ${s.target} (${which}): ${detail}`);
      }
    }
    say("after the load: wait for the deployment to settle (its masters agreed on, replicas caught up), read back every key the load wrote");
    say(`remove every key under the harness's prefixes (${APP_KEY_PATTERNS.join(", ")}) with SCAN and UNLINK on every master, then stop the fault layer`);
    lines.push(
      "",
      `Nothing else is touched: no FLUSHALL${t.allow.configSet ? "" : ", no CONFIG SET"}${t.allow.debug ? "" : ", no DEBUG"}${t.allow.save ? "" : ", no BGSAVE"}, no host outside the target file's allow.hosts.`,
    );
    return { lines, refused: problems };
  } finally {
    await reached.close();
  }
}
