import test from "ava";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { FAULT_SHADE, renderHtml } from "../../harness/report/html.js";
import type { RunReport } from "../../harness/report/types.js";

// The HTML report in a real browser (headless Chromium, no containers): opened from file:// with every network
// request refused, it must draw each chart into its canvas, shade the fault window, and log no error.

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = path.resolve("reports/artifacts");
const fixture = (name: string) => JSON.parse(readFileSync(path.resolve("test/fixtures", name), "utf8")) as RunReport;

let browser: Browser;
test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: harness/infra/setup.sh installs the Debian package chromium`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
test.after.always(async () => {
  await browser?.close();
});

interface Painted {
  kind: string;
  width: number;
  height: number;
  painted: number;
  series: number;
  faultShade: number;
}

/**
 * Per chart canvas: pixels painted at all, pixels near a series' colour (the data was drawn, not just the axes), and
 * pixels exactly the fault shade.
 * Source text, not a function: tsx's transform would wrap a function in helpers the page does not have.
 */
const INSPECT_CANVASES = `((shadeHex) => {
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const shade = rgb(shadeHex);
  return [...document.querySelectorAll("[data-chart]")].map((el) => {
    const kind = el.dataset.chart;
    const canvas = el.querySelector("canvas");
    const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const lines = data.charts[kind].series.map((s) => rgb(s.color));
    let painted = 0, series = 0, faultShade = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0) continue;
      painted++;
      if (px[i] === shade[0] && px[i + 1] === shade[1] && px[i + 2] === shade[2] && px[i + 3] === 255) faultShade++;
      // Antialiased line pixels blend with what is under them: near the colour is enough.
      const near = (c) => Math.abs(px[i] - c[0]) + Math.abs(px[i + 1] - c[1]) + Math.abs(px[i + 2] - c[2]) < 90;
      if (px[i + 3] > 200 && lines.some(near)) series++;
    }
    return { kind, width: canvas.width, height: canvas.height, painted, series, faultShade };
  });
})`;

async function open(report: RunReport, screenshot: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "html-report-"));
  const file = path.join(dir, "report.html");
  writeFileSync(file, renderHtml(report));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  const network: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  page.on("pageerror", (e) => void errors.push(e.message));
  // Anything but the file itself would mean the page is not self-contained.
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === pathToFileURL(file).href) return route.continue();
    network.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector("body[data-charts-rendered]", { timeout: 15_000 });
  const rendered = await page.evaluate(() => document.body.dataset.chartsRendered);
  const canvases = (await page.evaluate(`${INSPECT_CANVASES}(${JSON.stringify(FAULT_SHADE)})`)) as Painted[];
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { rendered, canvases, errors, network };
}

for (const [name, fixtureFile, charts, screenshot] of [
  ["sentinel master kill", "report-sentinel-master-kill.json", ["latency", "throughput", "replication"], "html-report.png"],
  ["cluster master kill", "report-cluster-master-kill.json", ["latency", "throughput", "cluster"], "html-report-cluster.png"],
] as const) {
  test(`${name}: every chart paints in headless Chromium from file://, the fault window is shaded, no errors, no network`, async (t) => {
    const shot = path.join(ARTIFACTS, screenshot);
    const { rendered, canvases, errors, network } = await open(fixture(fixtureFile), shot);
    t.log(`screenshot: ${shot}`);
    t.deepEqual(errors, [], "console and page errors");
    t.deepEqual(network, [], "requests other than the file itself");
    t.is(rendered, String(charts.length));
    t.deepEqual(canvases.map((c) => c.kind), [...charts]);
    for (const c of canvases) {
      t.true(c.width > 600 && c.height > 200, `${c.kind}: canvas ${c.width}x${c.height}`);
      // The fault shade alone covers about a third of the plot: far more than axes and grid would paint.
      t.true(c.painted > 0.1 * c.width * c.height, `${c.kind}: ${c.painted} painted pixels of ${c.width * c.height}`);
      t.true(c.series > 500, `${c.kind}: ${c.series} pixels in the series' colours`);
    }
    const latency = canvases.find((c) => c.kind === "latency")!;
    t.true(latency.faultShade > 5000, `latency: ${latency.faultShade} pixels of the fault shade`);
  });
}
