import test from "ava";
import { forkClaims, forkModel, SEED_SIZE_BYTES, type ForkPoint } from "../../harness/study/fork-model.js";
import { forkPointOf, forkScenario, forkStudyEta, thpVariant } from "../../harness/study/fork-study.js";
import { forkStudyView } from "../../harness/study/fork-study-view.js";
import { studyHtml, studyMarkdown } from "../../harness/study/study-page.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";

// The fork study's model: points in, fits, extrapolations and verdicts on the seed's claims out; and what a run's
// report gives as a point.

const GB = 2 ** 30;
/** A point on fork = 22 ms/GB + 2 ms (this host's order of magnitude), with the rest plausible. */
const point = (gb: number, extra: Partial<ForkPoint> = {}): ForkPoint => ({
  sizeBytes: gb * GB,
  rssBytes: gb * 1.1 * GB,
  usedMemoryBytes: gb * GB,
  usedMemoryPeakBytes: gb * 1.05 * GB,
  writeRate: 500,
  forkMs: 22 * gb * 1.1 + 2,
  cowBytes: 40e6,
  saveMs: 900 * gb,
  p99BaselineMs: 2,
  p99SaveMs: 30,
  maxSaveMs: 120,
  run: `reports/x/${gb}`,
  ...extra,
});

test("the fit recovers ms per GB from the points and extrapolates to the target and to 25 GB, marked as extrapolation", (t) => {
  const m = forkModel(
    [0.5, 1, 2, 4].map((g) => point(g, { forkMs: 22 * g * 1.1 + 2 + (g % 2 ? 0.3 : -0.3) })),
    [10 * GB],
  );
  t.true(Math.abs(m.fit!.forkMsPerGb - 22) < 0.5, `${m.fit!.forkMsPerGb}`);
  t.true(m.fit!.ci95[0] < 22 && 22 < m.fit!.ci95[1]);
  t.true(m.fit!.r2 > 0.99);
  t.deepEqual(
    m.extrapolations.map((e) => [e.sizeBytes, e.beyondMeasured]),
    [
      [10 * GB, false],
      [SEED_SIZE_BYTES, true],
    ],
    "4.4 GB RSS measured: 10 GB within 3×, 25 GB beyond",
  );
  const at25 = m.extrapolations[1];
  t.true(Math.abs(at25.forkMs - (22 * 25 + 2)) < 15, `${at25.forkMs}`);
});

test("claims: a 25 GB fork interval above 100 ms confirms the stall; below it refutes; a 2× bound held or broken; P99 not testable below 25 GB", (t) => {
  const pts = [0.5, 1, 2, 4].map((g) => point(g));
  const stall = (lo: number, hi: number) => forkClaims(pts, { sizeBytes: SEED_SIZE_BYTES, forkMs: (lo + hi) / 2, ci95: [lo, hi], beyondMeasured: true })[0];
  t.is(stall(400, 700).verdict, "confirmed");
  t.is(stall(20, 80).verdict, "refuted");
  t.is(stall(60, 300).verdict, "not testable on this host", "an interval across the claim's edge decides nothing");
  const claims = forkModel(pts, []).claims;
  t.is(claims.find((c) => /2×/.test(c.claim))!.verdict, "confirmed");
  t.regex(claims.find((c) => /2×/.test(c.claim))!.measured, /1\.0\d+×/);
  t.is(forkClaims([point(1, { cowBytes: 1.5 * GB })], null).find((c) => /2×/.test(c.claim))!.verdict, "refuted", "COW past the RSS breaks the bound");
  t.is(claims.find((c) => /P99/.test(c.claim))!.verdict, "not testable on this host");
  t.is(forkClaims([point(1, { p99SaveMs: 140 })], null).find((c) => /P99/.test(c.claim))!.verdict, "confirmed");
  const noisy = forkClaims([point(1, { p99SaveMs: 240, p99BaselineMs: 108 })], null).find((c) => /P99/.test(c.claim))!;
  t.is(noisy.verdict, "not testable on this host", "a baseline of 108 ms is not the claim's 1 ms");
  t.regex(noisy.measured, /no point with a baseline P99 under 10 ms whose driver kept up \(baselines: 108 ms\)/);
  const lagging = forkClaims([point(1, { p99SaveMs: 140, driverBound: true })], null).find((c) => /P99/.test(c.claim))!;
  t.is(lagging.verdict, "not testable on this host", "a driver-bound point's P99 is the driver's lag, not the save's");
  t.regex(lagging.measured, /baselines: 2 ms driver-bound/);
  t.is(claims.find((c) => /25 GB is where/.test(c.claim))!.verdict, "not testable on this host");
});

test("too few points: no fit, said why; the markdown still shows the points and the claims", (t) => {
  const m = forkModel([point(1), point(1)], [25 * GB]);
  t.is(m.fit, null);
  t.deepEqual(m.extrapolations, []);
  t.regex(m.notes.join("\n"), /no fork fit: a fit with an interval needs at least 3 points/);
  const md = studyMarkdown(
    forkStudyView({
      kind: "fork",
      sizes: [GB],
      rates: [1000],
      repeats: 2,
      persistence: ["rdb"],
      targetBytes: 25 * GB,
      points: [point(1), point(1)],
      skipped: [{ sizeBytes: 100 * GB, writeRate: 1000, reason: "too big for this host" }],
      thp: null,
      ...m,
    }),
  );
  t.regex(md, /## The seed's claims/);
  t.regex(md, /\| 1\.0 GiB \| BGSAVE \| off \| 1\.1 GiB \|/, "each point: size, the save, THP, then RSS");
  t.regex(md, /too big for this host/);
});

test("a point's scenario: a fresh standalone server, the dataset, writes over its keys, BGSAVE after the baseline, a load that outlasts the save", (t) => {
  const s = forkScenario(2 * GB, 1000);
  t.is(s.topology.kind, "standalone");
  t.is(s.dataset.size, 2 * GB);
  t.is(s.workload.keys, "dataset");
  t.is(s.faults[0].kind, "bgsave");
  t.true(s.workload.duration >= 30, `${s.workload.duration} s`);
});

test("a run's report gives a point with the save's numbers, in ms and bytes", (t) => {
  const report = syntheticReport(FIXTURES["report-standalone-bgsave.json"]);
  const p = forkPointOf(report, "reports/run-1", 2000);
  if ("reason" in p) return t.fail(p.reason);
  const d = report.faults[0].details as { forkUs: number; copyOnWriteBytes: number; usedMemoryRssBytes: number };
  t.is(p.forkMs, d.forkUs / 1000);
  t.is(p.cowBytes, d.copyOnWriteBytes);
  t.is(p.rssBytes, d.usedMemoryRssBytes);
  t.is(p.writeRate, 1000, "half of 2000 ops/s write");
  t.is(p.p99SaveMs, report.phases.fault.latency.p99Us / 1000);
  t.is(p.run, "reports/run-1");
  t.deepEqual(forkPointOf({ ...report, status: "failed", problem: "no Docker engine answered" }, "x", 1), {
    reason: "the run failed: no Docker engine answered",
  });
});

test("the page: the fork plot holds every point, the fit line with its band out past 25 GB, the published costs and the claim's 100 ms and 1 s", (t) => {
  const pts = [0.5, 1, 2, 4].flatMap((g) => [point(g), point(g, { writeRate: 5000, forkMs: 22 * g * 1.1 + 3 })]);
  const study = {
    kind: "fork" as const,
    sizes: [0.5, 1, 2, 4].map((g) => g * GB),
    rates: [1000, 10000],
    repeats: 1,
    persistence: ["rdb" as const],
    targetBytes: 40 * GB,
    points: pts,
    skipped: [],
    thp: null,
    ...forkModel(pts, [40 * GB]),
  };
  const view = forkStudyView(study);
  const fork = view.charts.find((c) => c.id === "fork")!;
  const measured = fork.series.filter((s) => s.kind === "points").flatMap((s) => s.values.filter((v) => v !== null));
  t.is(measured.length, pts.length, "every point drawn, repeats at one size included");
  const fit = fork.series.find((s) => s.label.startsWith("fit"))!;
  const drawnTo = Math.max(...fork.x.filter((_, i) => fit.values[i] !== null));
  t.true(drawnTo >= 40 * 1.1, `the fit is drawn past the 40 GiB target: to ${drawnTo} GiB`);
  t.is(fork.bands.length, 1);
  t.true(fork.series.some((s) => /published: KVM 23 ms\/GB/.test(s.label)));
  t.deepEqual(
    fork.refs.map((r) => [r.axis, r.at]),
    [
      ["y", 100],
      ["y", 1000],
      ["x", 25],
      ["x", 40],
    ],
  );
  const page = studyHtml(view);
  t.regex(page, /data-chart="fork"/);
  t.regex(page, /<script type="application\/json" id="report-data">/);
  t.notRegex(page, /<script[^>]+src=/, "self-contained: no script is fetched");
});

test("the THP variant: run where the host's THP is always (Redis told disable-thp no), said why not elsewhere; its points are drawn, not fitted", (t) => {
  t.is(thpVariant(false, "always"), null);
  t.true(thpVariant(true, "always")!.ran);
  const not = thpVariant(true, "madvise")!;
  t.false(not.ran);
  t.regex(not.why, /the host's THP is "madvise", so Redis's memory gets no huge pages/);
  t.deepEqual(forkScenario(GB, 1000, { thp: true }).topology.config, { "disable-thp": "no" });
  const pts = [0.5, 1, 2].map((g) => point(g));
  const withThp = [...pts, point(1, { thp: true, forkMs: 500 })];
  t.deepEqual(forkModel(withThp, []).fit, forkModel(pts, []).fit, "a THP point moves no fit");
});

test("the ETA: the mean per point until two sizes are done, then each point left from its size (larger sizes take longer)", (t) => {
  t.is(forkStudyEta([], [GB]), null, "nothing done, nothing to go on");
  t.is(
    forkStudyEta(
      [
        { sizeBytes: GB / 2, ms: 30_000 },
        { sizeBytes: GB / 2, ms: 40_000 },
      ],
      [GB, 8 * GB],
    ),
    70,
    "one size done: the mean, 35 s each",
  );
  // 20 s + 20 s per GiB, measured at 0.5, 1 and 2 GiB: 8 GiB then takes 180 s, 4 GiB 100 s.
  const done = [0.5, 1, 2].map((g) => ({ sizeBytes: g * GB, ms: 20_000 + 20_000 * g }));
  t.is(forkStudyEta(done, [4 * GB, 8 * GB]), 280);
  t.is(
    forkStudyEta(
      [
        { sizeBytes: GB, ms: 50_000 },
        { sizeBytes: 2 * GB, ms: 40_000 },
        { sizeBytes: 2 * GB, ms: 40_000 },
      ],
      [16 * GB],
    ),
    40,
    "a fit that falls with size is floored at the quickest point seen",
  );
});
