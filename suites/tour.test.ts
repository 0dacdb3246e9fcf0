import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { RunReport } from "../harness/report/types.js";
import { ARTIFACTS, launchChromium, openPage } from "../test/helpers/browser.js";
import { cli } from "../test/helpers/cli.js";

// The tour is the README's main job (`npm start`): all four topologies with their signature faults, one folder with
// an index, and beside every Redis-level number what the users of an app in front of Redis saw.

test("the tour runs all four topologies, writes one combined report, and shows what the app's users saw", async (t) => {
  const r = await cli(["tour", "--quiet"], { env: { REPORTS_DIR: "reports/suites" } });
  t.log(r.stdout);
  t.is(r.code, 0, `every budget of the tour holds:\n${r.stdout}\n${r.stderr.slice(-3000)}`);
  const dir = path.dirname(/index: (.*index\.html)/.exec(r.stdout)![1]);
  for (const f of ["index.html", "index.md", "junit.xml"]) t.true(existsSync(path.join(dir, f)), f);
  const junit = readFileSync(path.join(dir, "junit.xml"), "utf8");
  t.regex(junit, /tests="4" failures="0" errors="0"/);

  const index = readFileSync(path.join(dir, "index.html"), "utf8");
  const runDirs = [...index.matchAll(/href="([^"]+)\/report\.html"/g)].map((m) => path.join(dir, m[1]));
  t.is(runDirs.length, 4, "the index links every run's charts");
  const reports = runDirs.map((d) => {
    for (const f of ["report.html", "report.json", "summary.md", "junit.xml", "latency.hlog"]) t.true(existsSync(path.join(d, f)), `${d}/${f}`);
    return JSON.parse(readFileSync(path.join(d, "report.json"), "utf8")) as RunReport;
  });
  t.deepEqual(
    reports.map((x) => x.scenario.topology.kind),
    ["standalone", "replication", "sentinel", "cluster"],
  );

  const [standalone, ...kills] = reports;
  const save = standalone.faults[0];
  t.true(save.kind === "bgsave" && (save.details.forkUs ?? 0) > 0, "the fork was measured");
  // The point of the scenario, carried by a claim rather than a tight number (its fault P99 has a heavy tail here).
  const p99 = (phase: "baseline" | "fault") => standalone.phases[phase].latency.p99Us / 1000;
  t.true(p99("fault") > p99("baseline"), `P99 rose while the child saved: ${p99("baseline")} → ${p99("fault")} ms`);
  t.is(standalone.app!.total.errors, 0, "a fork slows the app's users down but fails none of them");
  t.true(standalone.app!.total.ops > 1500, `the app was driven all along: ${standalone.app!.total.ops} requests`);
  t.is(standalone.app!.connections, standalone.scenario.app!.rate, "one autocannon connection per request a second");
  t.true((standalone.app!.httpStatus["200"] ?? 0) > 0 && (standalone.app!.httpStatus["204"] ?? 0) > 0, "reads and writes answered");
  for (const k of kills) {
    const app = k.app!;
    const name = k.scenario.name;
    // Only requests in flight when the master died can fail before its death is confirmed (the fault's start).
    const before = app.phases.baseline;
    t.true(before.errors <= 0.02 * before.ops, `${name}: ${before.errors} of ${before.ops} HTTP requests failed before the fault`);
    t.true(app.phases.fault.errors > 0, `${name}: the app's users saw the master die (HTTP ${JSON.stringify(app.httpStatus)})`);
    t.true((app.availability.rtoMs ?? 0) > 1000, `${name}: HTTP writes unavailable for ${app.availability.rtoMs} ms`);
    t.true((k.availability.rtoMs ?? 0) > 1000, `${name}: Redis-level RTO ${k.availability.rtoMs} ms`);
    t.true((app.httpStatus["503"] ?? 0) + (app.httpStatus["504"] ?? 0) > 0, `${name}: failures came back as 5xx`);
  }

  // What a person opens first, in a real browser: the index links four runs, and a run's page draws its charts
  // (the app's among them). The screenshots are kept as artifacts.
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
    await page.goto(pathToFileURL(path.join(dir, "index.html")).href);
    t.is(await page.locator('a[href$="/report.html"]').count(), 4);
    t.true((await page.locator('svg[data-chart="rto"] rect title').count()) >= 4, "the RTO chart draws Redis and HTTP bars per run");
    await page.screenshot({ path: path.join(ARTIFACTS, "tour-index.png"), fullPage: true });
    const sentinel = runDirs[2];
    const shown = await openPage(browser, path.join(sentinel, "report.html"), path.join(ARTIFACTS, "tour-sentinel-master-kill.png"));
    t.deepEqual(shown.errors, []);
    t.deepEqual(
      shown.canvases.map((c) => c.kind),
      ["latency", "app", "throughput", "replication", "memory", "instrument", "harness"],
    );
    for (const c of shown.canvases) t.true(c.series > 500, `${c.kind}: ${c.series} pixels of its series`);
    t.log(`screenshots: ${ARTIFACTS}/tour-index.png, ${ARTIFACTS}/tour-sentinel-master-kill.png`);
  } finally {
    await browser.close();
  }
});
