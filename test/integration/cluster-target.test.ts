import test from "ava";
import path from "node:path";
import { loadSettings } from "../../harness/infra/settings.js";
import { runScenario } from "../../harness/run/run.js";
import { loadScenario } from "../../harness/scenario/load.js";
import { loadTargetFile } from "../../harness/scenario/target-file.js";
import { promoted } from "../../suites/claims.js";
import { downDeployment, footprintAtRest, leftAsFound, upDeployment, type NamespaceDeployment } from "../helpers/namespace-deployment.js";

// A Redis Cluster the harness did not start: three hosts made of network namespaces, each running two cluster-mode
// servers over SSH, made into three masters with a replica each by a script that is not the harness
// (test/hosts/deployment.sh, flavor cluster). The harness targets it as any cluster: its clients follow the slots to the
// addresses the nodes announce (through a local fault layer), a kill is a real SIGKILL over SSH.

let d: NamespaceDeployment | undefined;

test.before(() => {
  d = upDeployment(100 + ((process.pid + 20) % 150), "cluster");
});
test.after.always(() => downDeployment(d));

test.serial(
  "cluster-master-kill against a cluster on its own hosts: a replica is promoted within budget, the killed node started again, nothing of the harness left",
  async (t) => {
    const before = await footprintAtRest(d!);
    const { report, failure } = await runScenario(loadScenario("cluster-master-kill", { duration: "24s" }), {
      settings: { ...loadSettings(), reportsDir: path.join(d!.dir, "reports") },
      target: loadTargetFile(d!.targetFile),
    });
    if (failure) throw failure;
    t.is(report.status, "completed", report.problem);
    t.true(report.verdict.pass, report.verdict.failures.join("; "));
    t.true(promoted(report).length > 0, "a replica became master");
    const facts = report.topology!.target!;
    t.is(facts.kind, "cluster");
    t.regex(facts.nodes[0].where, /^ssh root@10\.213\./);
    t.true(facts.harnessKeysRemoved! > 0, "the ledger's keys, on every master");
    t.log(`RTO ${report.availability.rtoMs} ms, lost ${report.dataLoss!.lost}, keys removed ${facts.harnessKeysRemoved}`);
    t.deepEqual(await leftAsFound(d!, before), before, "no key, rule or process left on the hosts; the killed server runs again");
  },
);
