import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { openStore } from "../../harness/history/results-store.js";
import { ARTIFACTS, launchChromium, openPage } from "../helpers/browser.js";
import { cli } from "../helpers/cli.js";
import { TEN_NIGHTS } from "../helpers/nightly-history.js";

// The trend page of a nightly history, drawn in headless Chromium: ten nights with 2 ms planted from night 7 on, as
// `history check` writes it the morning after night 7 (exit 1) and after night 10 (exit 0: the shift is the baseline's
// now, and the change point is what says so).

async function storeOf(nights: typeof TEN_NIGHTS): Promise<string> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "trend-page-")), "history.sqlite");
  const store = await openStore({ kind: "sqlite", file });
  await store.append(nights);
  await store.close();
  return file;
}

test("history check the morning after night 7 exits 1 and names the regression; after night 10 it exits 0 and names the shift", async (t) => {
  const seven = await cli(["history", "check", "--store", await storeOf(TEN_NIGHTS.slice(0, 7)), "--out", mkdtempSync(path.join(tmpdir(), "check-"))]);
  t.is(seven.code, 1, seven.stdout);
  t.regex(seven.stdout, /REGRESSION {2}nightly-smoke · P99 latency, baseline: regression: [23]\.\d+ ms against [01]\.\d+ ms \(median of 6 nights/);
  const ten = await cli(["history", "check", "--store", await storeOf(TEN_NIGHTS), "--out", mkdtempSync(path.join(tmpdir(), "check-"))]);
  t.is(ten.code, 0, ten.stdout);
  t.regex(ten.stdout, /P99 latency, baseline: .*shifted at night 7 \(2026-11-07 02:00\): [01](\.\d+)? ms → [23](\.\d+)? ms/);
});

test("the trend page draws each headline series over the nights, the shift at night 7 marked, and a night opens its run's report", async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), "trend-"));
  const r = await cli(["history", "check", "--store", await storeOf(TEN_NIGHTS), "--out", out]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const file = path.join(out, "history.html");
  const data = JSON.parse(/<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(readFileSync(file, "utf8"))![1]) as {
    charts: Record<string, { title: string; x: number[]; refs: Array<{ axis: string; at: number; label: string }>; links: string[] }>;
  };
  const p99 = Object.entries(data.charts).find(([, c]) => c.title === "nightly-smoke · P99 latency, baseline")!;
  t.truthy(
    p99,
    Object.values(data.charts)
      .map((c) => c.title)
      .join("; "),
  );
  t.deepEqual(p99[1].x, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.deepEqual(
    p99[1].refs.filter((x) => x.axis === "x"),
    [{ axis: "x", at: 6.5, label: "shift at night 7", color: "#8250df" }],
  );
  const browser = await launchChromium();
  try {
    const shot = path.join(ARTIFACTS, "history-trends.png");
    // A click on night 7 goes to its run's report: x runs from 0 to past night 10 (10.8), night 7 at 7 / 10.8 of it.
    const click = async (page: Page) => {
      const over = page.locator(`[data-chart="${p99[0]}"] .u-over`);
      const box = (await over.boundingBox())!;
      await over.click({ position: { x: (box.width * 7) / 10.8, y: box.height / 2 } });
      await page.waitForTimeout(300);
    };
    const { rendered, canvases, errors, network } = await openPage(browser, file, shot, click);
    t.log(`screenshot: ${shot}`);
    t.deepEqual(errors, []);
    t.deepEqual(
      network.map((u) => u.replace(/^.*\//, "…/")),
      ["…/report.html"],
      "the page fetched nothing by itself; the click asked for one report",
    );
    t.true(network[0].endsWith("/night-7/report.html"), network[0]);
    t.is(Number(rendered), Object.keys(data.charts).length);
    const drawn = canvases.find((c) => c.kind === p99[0])!;
    t.true(drawn.series > 200, `the nights, the baseline and its band painted: ${drawn.series} pixels`);
  } finally {
    await browser.close();
  }
});
