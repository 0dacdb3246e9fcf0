import test from "ava";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Comparison } from "../harness/report/compare.js";
import { cli } from "../test/helpers/cli.js";

// What TLS costs, as a user measures it: the tls-cost suite once per security level (plain, TLS, TLS with ACL users),
// then each level compared with plain: P50/P99 at a fixed rate and closed-loop throughput, side by side. Short runs
// here (docs/running.md gives the measured table from longer ones); what is asserted is that every side was measured, and
// secured as it says.

test("matrix tls-cost --security-levels none,tls,acl+tls measures each level and compares it with plain", async (t) => {
  const r = await cli(["matrix", "tls-cost", "--security-levels", "none,tls,acl+tls", "--repeats", "1", "--duration", "6s", "--quiet"], {
    env: { REPORTS_DIR: "reports/suites" },
  });
  t.log(r.stdout);
  t.is(r.code, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`);
  const root = /matrix: (.*)/.exec(r.stdout)![1].trim();
  for (const [level, folder] of [
    ["tls", "compare-none-vs-tls"],
    ["acl+tls", "compare-none-vs-acl-tls"],
  ]) {
    const c = JSON.parse(readFileSync(path.join(root, folder, "compare.json"), "utf8")) as Comparison;
    t.deepEqual([c.base.security, c.candidate.security], [["none"], [level]]);
    t.deepEqual(c.scenarios.map((s) => s.name).sort(), ["tls-cost-fixed-rate", "tls-cost-throughput"]);
    for (const s of c.scenarios) {
      t.false(
        s.notes.some((n) => /definition differs/.test(n)),
        "the security level is the one thing that varies",
      );
      const m = (key: string) => s.metrics.find((x) => x.key === key);
      for (const key of ["p50.baseline", "p99.baseline", "throughput"]) t.truthy(m(key), `${s.name}: ${key} on both sides`);
      const tput = m("throughput")!;
      if (s.name === "tls-cost-fixed-rate")
        for (const side of [tput.base, tput.candidate]) t.true(Math.abs(side.median - 2000) < 40, `the fixed rate held: ${side.median} ops/s`);
      else for (const side of [tput.base, tput.candidate]) t.true(side.median > 10_000, `closed loop goes past the fixed rate: ${side.median} ops/s`);
    }
  }
  // Every secured run proved it was secured before its load.
  const secured = readdirSync(root).filter((d) => /tls-cost-(tls|acl-tls)$/.test(d));
  t.is(secured.length, 2);
  for (const side of secured)
    for (const run of readdirSync(path.join(root, side)).filter((d) => d.includes("tls-cost-"))) {
      const report = JSON.parse(readFileSync(path.join(root, side, run, "report.json"), "utf8"));
      t.regex(report.security.refused["redis-0"].plaintext, /^(closed|no answer)/, `${side}/${run}`);
    }
});
