import test from "ava";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import type { ForkStudy } from "../../harness/study/fork-study.js";
import type { ResyncStudy } from "../../harness/study/resync-study.js";
import { provesSlo, type ThroughputStudy } from "../../harness/study/throughput-study.js";
import { ARTIFACTS, launchChromium, openPage } from "../helpers/browser.js";
import { cli } from "../helpers/cli.js";

// The capacity studies for real, in their short forms: a fork study over three sizes up to 1 GiB, a throughput study
// on standalone, a resync study on either side of the backlog's boundary, each page drawn in headless Chromium; then a
// recommendation that stands on what they measured.

const filesDir = (stdout: string) => {
  const m = /files: (\S+)\/[a-z]+\.md/.exec(stdout);
  if (!m) throw new Error(`no files line in: ${stdout}`);
  return m[1];
};
const json = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;

let browser: Browser;
test.before(async () => {
  browser = await launchChromium();
});
test.after.always(async () => {
  await browser?.close();
});

async function pageOf(
  t: { log: (s: string) => void; deepEqual: (a: unknown, b: unknown, m?: string) => void; true: (v: boolean, m?: string) => void },
  file: string,
  shot: string,
  charts: string[],
) {
  const { canvases, errors, network } = await openPage(browser, file, path.join(ARTIFACTS, shot));
  t.log(`screenshot: ${path.join(ARTIFACTS, shot)}`);
  t.deepEqual(errors, [], "console and page errors");
  t.deepEqual(network, [], "the page fetched nothing");
  t.deepEqual(
    canvases.map((c) => c.kind),
    charts,
  );
  for (const c of canvases) t.true(c.series > 50, `${c.kind}: ${c.series} pixels of a series' colour`);
}

test.serial("a short fork study: fork time grows with the dataset, at 5–60 ms per GiB; the page draws the fit and its band", async (t) => {
  const r = await cli(["study", "fork", "--sizes", "256mb,512mb,1gb", "--rates", "1000", "--repeats", "1", "--quiet"]);
  t.is(r.code, 0, r.stderr);
  const dir = filesDir(r.stdout);
  const s = json<ForkStudy>(path.join(dir, "study.json"));
  t.is(s.points.length, 3, JSON.stringify(s.skipped));
  const [small, , large] = [...s.points].sort((a, b) => a.rssBytes - b.rssBytes);
  t.log(
    `fork ${s.points.map((p) => `${Math.round(p.rssBytes / 2 ** 20)} MiB RSS: ${p.forkMs} ms`).join(", ")}; fit ${s.fit!.forkMsPerGb} ms/GiB (95% ${s.fit!.ci95.join("–")})`,
  );
  t.true(large.forkMs > small.forkMs, "a larger dataset forks slower");
  t.true(s.fit!.forkMsPerGb >= 5 && s.fit!.forkMsPerGb <= 60, `${s.fit!.forkMsPerGb} ms/GiB`);
  t.truthy(
    s.extrapolations.find((e) => e.sizeBytes === 25 * 2 ** 30 && e.beyondMeasured),
    "25 GB is an extrapolation from ≤ 1 GiB",
  );
  t.is(s.claims.length, 4);
  await pageOf(t, path.join(dir, "study.html"), "study-fork.png", ["fork", "latency", "cow", "save"]);
});

test.serial(
  "a short throughput study on standalone: the achieved rate rises step by step, and a maximum at the objective is reported, or the driver is named as the limit",
  async (t) => {
    const r = await cli([
      "study",
      "throughput",
      "--topology",
      "standalone",
      "--start-rate",
      "500",
      "--max-rate",
      "1700",
      "--step-seconds",
      "5",
      "--slo-p99",
      "50ms",
      "--quiet",
    ]);
    t.is(r.code, 0, r.stderr);
    const dir = filesDir(r.stdout);
    const s = json<ThroughputStudy>(path.join(dir, "study.json"));
    t.log(
      s.steps
        .map(
          (st) =>
            `${st.targetRate} → ${st.achievedRate} ops/s, P99 ${st.p99Ms} ms${st.driverBound ? " (driver-bound)" : ""}${st.repeated ? " (repeated)" : ""}`,
        )
        .join("; ") + `; stopped: ${s.stopped}`,
    );
    const counted = s.steps.filter((st) => !st.repeated);
    t.true(counted.length >= 1, s.stopped);
    for (let i = 1; i < counted.length; i++) t.true(counted[i].achievedRate > counted[i - 1].achievedRate, `step ${i + 1} achieved more than step ${i}`);
    if (s.maxRateAtSlo === null) {
      // On this shared host a stall can hold the driver back twice at the first rate: the study must then say the
      // instrument was the limit, never report a maximum. A 50 ms objective is broken by nothing else here.
      t.true(s.stoppedBy === "driver" || s.stoppedBy === "floor", s.stopped);
      t.regex(r.stdout, /max rate at P99 ≤ 50 ms: none; stopped: the driver was the bottleneck at 500 ops\/s|instrument's own P99 floor/);
    } else {
      // A driver-bound step counts when its P99, the driver's lag included, met the objective at the rate asked.
      t.is(s.maxRateAtSlo, Math.max(...counted.filter(provesSlo).map((st) => st.achievedRate)));
      t.true(counted.some((st) => st.achievedRate === s.maxRateAtSlo && st.p99Ms <= 50));
      t.regex(r.stdout, new RegExp(`max rate at P99 ≤ 50 ms: ${s.maxRateAtSlo} ops/s`));
    }
    await pageOf(t, path.join(dir, "study.html"), "study-throughput.png", ["knee", "achieved"]);
  },
);

test.serial(
  "a short resync study: a cut the backlog holds resumes with a partial resync, one it does not forces a full one; the page draws the boundary",
  async (t) => {
    // 1,000 writes/s of 1 KiB for 3 s is ~3.3 MB of stream: 8 MiB holds it, 256 KiB does not.
    const r = await cli(["study", "resync", "--backlogs", "256kb,8mb", "--outages", "3s", "--dataset", "16mb", "--quiet"]);
    t.is(r.code, 0, r.stderr);
    const dir = filesDir(r.stdout);
    const s = json<ResyncStudy>(path.join(dir, "study.json"));
    t.log(r.stdout);
    t.is(s.points.length, 2, JSON.stringify(s.skipped));
    const [small, large] = [...s.points].sort((a, b) => a.backlogBytes - b.backlogBytes);
    t.is(small.outcome, "full", "256 KiB: started over");
    t.true(small.forks >= 1, "a full sync forks the master");
    t.is(large.outcome, "partial", "8 MiB: resumed from the backlog");
    t.true(large.streamBytesDuringCut > small.backlogBytes && large.streamBytesDuringCut < large.backlogBytes, "the cut's stream lies between the two");
    t.true(s.boundary.bytesPerWrite! > 1024 && s.boundary.bytesPerWrite! < 1400, `${s.boundary.bytesPerWrite} B of stream per 1 KiB write`);
    t.regex(r.stdout, /backlog needed: writes\/s × \d+ B × \(outage \+ [\d.]+ s\)/);
    await pageOf(t, path.join(dir, "study.html"), "study-resync.png", ["boundary", "cost"]);
  },
);

test.serial("recommend answers from the studies just measured, naming them; bad input is refused with exit 2", async (t) => {
  const r = await cli(["recommend", "--dataset", "40gb", "--rto", "10s", "--rpo", "0", "--read-ratio", "0.8", "--ops", "50000", "--p99", "50ms", "--quiet"]);
  t.is(r.code, 0, r.stderr);
  const rec = json<{ recommended: string; steps: Array<{ requirement: string; perTopology: Record<string, { source?: string; judgement: string }> }> }>(
    path.join(filesDir(r.stdout), "recommendation.json"),
  );
  t.is(rec.recommended, "cluster", "40 GB is over the seed's 25 GB on one master");
  t.regex(rec.steps.find((s) => s.requirement === "dataset")!.perTopology.cluster.source ?? "", /study-fork/);
  t.regex(rec.steps.find((s) => s.requirement === "throughput")!.perTopology.standalone.source ?? "", /study-throughput-standalone/);
  for (const [args, message] of [
    [["study", "throughput", "--topology", "mesh"], /--topology mesh is not a topology/],
    [["study", "throughput", "--slo-p99", "0"], /an objective of 0 is met by nothing/],
    [["recommend", "--dataset", "lots", "--rto", "10s", "--rpo", "0", "--ops", "1000"], /--dataset: "lots" is not valid/],
  ] as const) {
    const bad = await cli([...args]);
    t.is(bad.code, 2, bad.stderr);
    t.regex(bad.stderr, message);
  }
});
