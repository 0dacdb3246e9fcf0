import test from "ava";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ClientMatrixRow } from "../harness/report/client-matrix.js";
import { cli } from "../test/helpers/cli.js";

// Client truths: the same scenario once per client profile (suites/clients/profiles.json), the profiles side by side.
// Short matrices here (docs/client-truths.md gives the measured tables): what is asserted is what each library does, shown by the
// harness's own checkers, and that node-redis runs through every topology's fault layer.

async function matrix(t: { log: (s: string) => void }, scenario: string, clients: string) {
  const r = await cli(["run", scenario, "--clients", clients, "--quiet"], { env: { REPORTS_DIR: "reports/suites" } });
  t.log(r.stdout);
  const file = /^matrix: (.*\.html)$/m.exec(r.stdout)?.[1];
  if (!file) throw new Error(`no matrix written (exit ${r.code}):\n${r.stdout}\n${r.stderr.slice(-3000)}`);
  const rows = (JSON.parse(readFileSync(path.join(path.dirname(file), "client-matrix.json"), "utf8")) as { rows: ClientMatrixRow[] }).rows;
  return { code: r.code, row: (profile: string) => rows.find((x) => x.profile === profile)! };
}

test.serial(
  "lost replies: ioredis with retries resends what the server had done (writes applied twice); without retries, and node-redis, it does not (indeterminate instead)",
  async (t) => {
    const m = await matrix(t, "standalone-lost-replies", "ioredis-harness,ioredis-failfast,node-redis-default");
    t.is(m.code, 0, "every run completed: a profile that misses a budget written for another client is a finding, not a failure");
    const resends = m.row("ioredis-harness");
    t.deepEqual(resends.againstBudgets?.missed, [], "the profile that resends meets the scenario's expectation of a duplicate");
    t.true(resends.duplicated! > 100, `every write of the 3 s loss is done again: ${resends.duplicated}`);
    for (const p of ["ioredis-failfast", "node-redis-default"]) {
      const r = m.row(p);
      t.is(r.duplicated, 0, `${p}: nothing applied twice`);
      t.true(
        r.againstBudgets!.missed.some((x) => x.startsWith("expected duplicate seen")),
        `${p}: shown as missing the duplicate: ${r.againstBudgets!.missed.join("; ")}`,
      );
      t.true(r.indeterminate! > 100, `${p}: the writes it gave up on were done anyway (${r.indeterminate} indeterminate)`);
      t.is(r.lost, 0);
    }
  },
);

test.serial("node-redis through Sentinel: it follows the failover of a killed master and loses nothing acknowledged", async (t) => {
  const m = await matrix(t, "sentinel-master-kill", "node-redis-failfast");
  const r = m.row("node-redis-failfast");
  t.is(r.error, undefined);
  t.not(r.rtoMs, null, "writes came back during the run");
  t.false(r.rtoCensored);
  t.true(r.failedOps > 0, "writes failed while there was no master (no offline queue)");
  t.is(r.lost, 0);
});

test.serial("node-redis through a cluster: its writes to the killed master's slots come back, and nothing acknowledged is lost", async (t) => {
  const m = await matrix(t, "cluster-master-kill", "node-redis-default");
  const r = m.row("node-redis-default");
  t.is(r.error, undefined);
  t.not(r.rtoMs, null, "writes came back during the run");
  t.true(r.failedOps > 0, "the killed master's slots failed for a while");
  t.is(r.lost, 0);
  t.not(r.reconnectionsPerS, null, "connections counted at the servers");
});
