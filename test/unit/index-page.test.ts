import test from "ava";
import { faultDefinition } from "../../harness/faults/registry.js";
import { renderIndexHtml, renderIndexMarkdown, rtoBars, type IndexEntry } from "../../harness/report/index-page.js";
import { recoveryCaption } from "../../harness/report/run-view.js";
import type { RunReport } from "../../harness/report/types.js";
import { FIXTURES, syntheticReport, type SyntheticSpec } from "../helpers/synthetic-run.js";

// A suite's index, from synthetic runs built by buildReport: one row per run, the RTO drawn per run, what broke named.

const entryOf = (report: RunReport, name = report.scenario.name): IndexEntry => ({
  scenario: { ...report.scenario, name },
  report: { ...report, scenario: { ...report.scenario, name } },
  dir: `/r/run-${name}`,
});
const made = (spec: SyntheticSpec, name: string) => entryOf(syntheticReport({ ...spec, name }));
const app = () => made(FIXTURES["report-tour-sentinel-app.json"], "a");
const kill = () => made(FIXTURES["report-sentinel-master-kill.json"], "b");
const quiet = () => made({ name: "quiet", topology: "standalone", durationS: 10 }, "quiet");
const neverRecovered = () => made({ ...FIXTURES["report-sentinel-master-kill.json"], outage: { fromS: 8, toS: 30, error: "connection" } }, "down");

test("the RTO chart draws one bar per run with a fault, for Redis and for the app's users, to one scale", (t) => {
  const [a, b] = [app(), kill()];
  const svg = rtoBars([a, b, quiet()]).toString();
  const widths = [...svg.matchAll(/<rect x="260" y="\d+" width="([\d.]+)"[^>]*><title>([^<]+)<\/title>/g)].map((m) => [m[2], Number(m[1])]);
  const max = Math.max(a.report!.availability.rtoMs!, a.report!.app!.availability.rtoMs!, b.report!.availability.rtoMs!);
  const ms = (v: number) => `${Math.round(v).toLocaleString("en-US")} ms`;
  t.deepEqual(widths, [
    [`Redis clients: ${ms(a.report!.availability.rtoMs!)}`, (a.report!.availability.rtoMs! / max) * 520],
    [`app users (HTTP): ${ms(a.report!.app!.availability.rtoMs!)}`, (a.report!.app!.availability.rtoMs! / max) * 520],
    [`Redis clients: ${ms(b.report!.availability.rtoMs!)}`, (b.report!.availability.rtoMs! / max) * 520],
  ]);
  t.notRegex(svg, /quiet/, "a run without a fault has no RTO to draw");
  t.regex(rtoBars([neverRecovered()]).toString(), /Redis clients: never recovered in the run/);
  t.is(rtoBars([quiet()]), "");
});

test("the index links every run's charts, names what broke, and escapes what runs carry", (t) => {
  const failing = made({ ...FIXTURES["report-sentinel-master-kill.json"], budgets: { rtoMs: 1 } }, "fails");
  const bad = app();
  bad.scenario.description = "a <b>bold</b> claim";
  const entries: IndexEntry[] = [bad, failing, { scenario: kill().scenario, error: "no Docker engine" }];
  const html = renderIndexHtml("tour", "/r", entries);
  t.deepEqual(
    [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]),
    ["run-a/report.html", "run-fails/report.html"],
  );
  t.regex(html, /1 of 3 runs passed/);
  t.regex(html, /<td class="word ERROR">ERROR<\/td>/);
  t.regex(html, /a &lt;b&gt;bold&lt;\/b&gt; claim/);
  t.regex(html, /<svg data-chart="rto"/);
  const md = renderIndexMarkdown("tour", "/r", entries);
  t.regex(md, /\| PASS \| \[a\]\(run-a\/summary\.md\) \| sentinel \| redis 7\.0\.15 \| kill \|/);
  t.regex(md, /- fails: RTO: budget ≤ 1 ms, measured 3,500 ms/);
  t.regex(md, /- b: no Docker engine/);
});

test("a fault that measures something shows its first measurement in the index (a BGSAVE's fork time)", (t) => {
  const md = renderIndexMarkdown("s", "/r", [made(FIXTURES["report-standalone-bgsave.json"], "save")]);
  t.regex(md, /\| bgsave \(fork time 16\.8 ms\) \|/);
});

test("each run's RTO bars carry a caption from its report: the fault, and a failover or a restart with none", (t) => {
  const replication = made(
    {
      name: "replication-master-kill",
      topology: "replication",
      fault: { kind: "kill", atS: 8, forS: 5 },
      outage: { fromS: 8, toS: 13.6, error: "connection" },
    },
    "repl",
  );
  const entries = [replication, kill(), made(FIXTURES["report-standalone-bgsave.json"], "save"), quiet()];
  const svg = rtoBars(entries).toString();
  const captions = [...svg.matchAll(/<text class="rto-caption" [^>]*><title>([^<]*)<\/title>([^<]*)<\/text>/g)].map((m) => [m[1], m[2]]);
  const kill_ = "kill: SIGKILL a node (or a whole cluster shard), started again after a while";
  t.deepEqual(captions, [
    [kill_, recoveryCaption(replication.report!)!],
    [kill_, "kill on redis-0 (the primary): recovered by a failover to redis-1 (switched at +3.4 s); writes back at +3.5 s"],
    [`bgsave: ${faultDefinition("bgsave").description.replace("'", "&#39;")}`, "bgsave on redis-0: writes never stopped"],
  ]);
  t.regex(
    captions[0][1],
    /^kill on redis-0 \(the primary\): no failover; the same primary took writes again at \+5\.\d s, after the kill was healed at \+5\.0 s$/,
  );
  // Each caption sits under its own run's bars: after that run's name, before the next run's.
  const order = ["repl", "no failover", ">b<", "failover to redis-1", "save", "writes never stopped"].map((s) => svg.indexOf(s));
  t.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
  );
  t.false(order.includes(-1));
  // Text from a run stays text inside the SVG.
  const evil = made(FIXTURES["report-sentinel-master-kill.json"], "evil");
  evil.report!.timeline = evil.report!.timeline.map((e) => (e.kind === "role-change" ? { ...e, detail: { ...e.detail, node: "<b>x</b>" } } : e));
  t.regex(rtoBars([evil]).toString(), /failover to &lt;b&gt;x&lt;\/b&gt;/);
});
