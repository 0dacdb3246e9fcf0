import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { FAULT_SHADE } from "../../harness/report/html.js";

// Debian's headless Chromium (harness/infra/setup.sh installs it) for the tests that look at HTML reports.

const CHROMIUM = "/usr/bin/chromium";
/** Where the tests keep their screenshots: an artifact of the test run. */
export const ARTIFACTS = path.resolve("reports/artifacts");

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: harness/infra/setup.sh installs the Debian package chromium`);
  // Without the background-networking flags Chromium keeps calling out, and this machine's closed network refuses it.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface Canvas {
  width: number;
  height: number;
  painted: number;
  series: number;
  faultShade: number;
}

export interface Painted extends Canvas {
  kind: string;
  /** The low chart under the main one (the app's errors per second), when the chart has one. */
  strip?: Canvas;
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
  const inspect = (canvas, spec) => {
    const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const lines = spec.series.map((s) => rgb(s.color));
    let painted = 0, series = 0, faultShade = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0) continue;
      painted++;
      if (px[i] === shade[0] && px[i + 1] === shade[1] && px[i + 2] === shade[2] && px[i + 3] === 255) faultShade++;
      // Antialiased line pixels blend with what is under them: near the colour is enough.
      const near = (c) => Math.abs(px[i] - c[0]) + Math.abs(px[i + 1] - c[1]) + Math.abs(px[i + 2] - c[2]) < 90;
      if (px[i + 3] > 200 && lines.some(near)) series++;
    }
    return { width: canvas.width, height: canvas.height, painted, series, faultShade };
  };
  return [...document.querySelectorAll("[data-chart]")].map((el) => {
    const kind = el.dataset.chart;
    const spec = data.charts[kind];
    const main = inspect(el.querySelector(".plot.main canvas"), spec);
    const strip = el.querySelector(".plot.strip canvas");
    return { kind, ...main, ...(strip ? { strip: inspect(strip, spec.strip) } : {}) };
  });
})`;

/**
 * Opens an HTML file from disk in a page that refuses and records every other request, waits until its charts are
 * drawn, inspects each chart's canvas, keeps a full-page screenshot, then lets the test act on the page.
 */
export async function openPage(browser: Browser, file: string, screenshot: string, act?: (page: Page) => Promise<void>) {
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
  // What the test does on the page afterwards (a click); what it makes the page ask for lands in `network`.
  if (act) await act(page);
  await page.close();
  return { rendered, canvases, errors, network };
}
