import test from "ava";
import { renderIndexHtml, renderIndexMarkdown, rtoBars, type IndexEntry } from "../../harness/report/index-page.js";
import type { RunReport } from "../../harness/report/types.js";
import type { Scenario } from "../../harness/scenario/schema.js";

/** A suite entry with the fields the index reads. */
function entry(name: string, o: { rto?: number | null; httpRto?: number | null; fault?: boolean; pass?: boolean } = {}): IndexEntry {
  const phase = { ops: 10, errors: 0, latency: { p99Us: 2000 } };
  const scenario = { name, description: `${name} <b>`, topology: { kind: "sentinel" } } as unknown as Scenario;
  const report = {
    scenario,
    status: "completed",
    verdict: { pass: o.pass ?? true, failures: o.pass === false ? ["RTO: budget ≤ 1 ms, measured 5 ms"] : [], checks: [] },
    topology: { server: { server: "redis", version: "7.0.15" } },
    faults: o.fault === false ? [] : [{ kind: "kill", details: {} }],
    phases: { baseline: phase, fault: phase, recovery: phase },
    availability: { rtoMs: o.rto === undefined ? 0 : o.rto, writesFailed: 1, writesAttempted: 10 },
    dataLoss: null,
    app: o.httpRto === undefined ? null : { availability: { rtoMs: o.httpRto }, phases: { fault: phase }, total: { errors: 1, ops: 10 } },
  } as unknown as RunReport;
  return { scenario, report, dir: `/r/run-${name}` };
}

test("the RTO chart draws one bar per run with a fault, for Redis and for the app's users, to one scale", (t) => {
  const svg = rtoBars([entry("a", { rto: 4000, httpRto: 2000 }), entry("b", { rto: 1000 }), entry("quiet", { fault: false })]);
  const widths = [...svg.matchAll(/<rect x="260" y="\d+" width="([\d.]+)"[^>]*><title>([^<]+)<\/title>/g)].map((m) => [m[2], Number(m[1])]);
  t.deepEqual(widths, [
    ["Redis clients: 4000 ms", 520],
    ["app users (HTTP): 2000 ms", 260],
    ["Redis clients: 1000 ms", 130],
  ]);
  t.notRegex(svg, /quiet/, "a run without a fault has no RTO to draw");
  t.regex(rtoBars([entry("down", { rto: null })]), /never recovered in the run/);
  t.is(rtoBars([entry("quiet", { fault: false })]), "");
});

test("the index links every run's charts, names what broke, and escapes what runs carry", (t) => {
  const entries = [entry("a", { rto: 4000, httpRto: 2000 }), entry("b", { pass: false }), { scenario: entry("c").scenario, error: "no Docker engine" }];
  const html = renderIndexHtml("tour", "/r", entries);
  t.deepEqual([...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]), ["run-a/report.html", "run-b/report.html"]);
  t.regex(html, /1 of 3 runs passed/);
  t.regex(html, /class="v ERROR">ERROR/);
  t.regex(html, /a &lt;b&gt;/);
  t.regex(html, /<svg data-chart="rto"/);
  const md = renderIndexMarkdown("tour", "/r", entries);
  t.regex(md, /- b: RTO: budget ≤ 1 ms, measured 5 ms/);
  t.regex(md, /- c: no Docker engine/);
});
