import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { renderHtml } from "../../harness/report/html.js";
import type { RunReport } from "../../harness/report/types.js";
import { ARTIFACTS, launchChromium, openPage } from "../helpers/browser.js";

// The HTML report in a real browser (headless Chromium, no containers): opened from file:// with every network
// request refused, it must draw each chart into its canvas, shade the fault window, and log no error.

const fixture = (name: string) => JSON.parse(readFileSync(path.resolve("test/fixtures", name), "utf8")) as RunReport;

let browser: Browser;
test.before(async () => {
  browser = await launchChromium();
});
test.after.always(async () => {
  await browser?.close();
});

/** The report rendered to a temporary file, then opened. */
async function open(report: RunReport, screenshot: string) {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "html-report-")), "report.html");
  writeFileSync(file, renderHtml(report));
  return openPage(browser, file, screenshot);
}

for (const [name, fixtureFile, charts, screenshot] of [
  ["sentinel master kill", "report-sentinel-master-kill.json", ["latency", "throughput", "replication", "instrument", "harness"], "html-report.png"],
  ["cluster master kill", "report-cluster-master-kill.json", ["latency", "throughput", "cluster", "instrument", "harness"], "html-report-cluster.png"],
  [
    "sentinel master kill with the app tier",
    "report-tour-sentinel-app.json",
    ["latency", "app", "throughput", "replication", "instrument", "harness"],
    "html-report-app.png",
  ],
] as const) {
  test(`${name}: every chart paints in headless Chromium from file://, the fault window is shaded, no errors, no network`, async (t) => {
    const shot = path.join(ARTIFACTS, screenshot);
    const { rendered, canvases, errors, network } = await open(fixture(fixtureFile), shot);
    t.log(`screenshot: ${shot}`);
    t.deepEqual(errors, [], "console and page errors");
    t.deepEqual(network, [], "requests other than the file itself");
    t.is(rendered, String(charts.length));
    t.deepEqual(
      canvases.map((c) => c.kind),
      [...charts],
    );
    for (const c of canvases) {
      t.true(c.width > 600 && c.height > 200, `${c.kind}: canvas ${c.width}x${c.height}`);
      // The fault shade alone covers about a third of the plot: far more than axes and grid would paint.
      t.true(c.painted > 0.1 * c.width * c.height, `${c.kind}: ${c.painted} painted pixels of ${c.width * c.height}`);
      t.true(c.series > 500, `${c.kind}: ${c.series} pixels in the series' colours`);
    }
    const latency = canvases.find((c) => c.kind === "latency")!;
    t.true(latency.faultShade > 5000, `latency: ${latency.faultShade} pixels of the fault shade`);
    const app = canvases.find((c) => c.kind === "app");
    t.is(!!app, charts.includes("app" as never), "an app chart exactly when the report has an app tier");
    if (app) {
      // The app chart shades the same fault window, and so does the errors strip under it.
      t.true(app.faultShade > 5000, `app: ${app.faultShade} pixels of the fault shade`);
      const strip = app.strip!;
      t.truthy(strip, "app: the errors-per-second strip is drawn");
      t.is(strip.width, app.width, "the strip is as wide as the chart above it");
      t.true(strip.height > 100 && strip.height < app.height, `app strip: canvas ${strip.width}x${strip.height}`);
      t.true(strip.faultShade > 2000, `app strip: ${strip.faultShade} pixels of the fault shade`);
      t.true(strip.series > 300, `app strip: ${strip.series} pixels in the series' colours`);
    }
  });
}
