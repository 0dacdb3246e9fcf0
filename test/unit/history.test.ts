import test from "ava";
import { judgeLatest } from "../../harness/history/baseline.js";
import { changePoints, welchPValue } from "../../harness/history/change-points.js";
import { sinceInstant } from "../../harness/commands/history.js";
import { judgeHistory, nightsOf } from "../../harness/history/judge-history.js";
import type { Point } from "../../harness/history/results-store.js";
import { Rng } from "../../harness/workload/rng.js";

// Judging a metric over nights: where a series shifted (E-divisive means with a t-test, as Apache Otava does), and the
// latest night against the median of the nights before it (as redis-benchmarks-specification does).

/** `n` nights of a P99 around `level` ms with ±`noise` ms of uniform noise, reproducible from `seed`. */
const nights = (n: number, level: number, noise: number, seed: number) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => level + (rng.next() * 2 - 1) * noise);
};

test("a 2 ms latency planted from night 7 on is one change point, at night 7 (index 6), with the levels either side", (t) => {
  const series = [...nights(6, 1.0, 0.2, 1), ...nights(4, 3.0, 0.2, 2)];
  const found = changePoints(series);
  t.deepEqual(
    found.map((c) => c.index),
    [6],
  );
  t.true(Math.abs(found[0].before - 1.0) < 0.2 && Math.abs(found[0].after - 3.0) < 0.2, `${found[0].before} → ${found[0].after}`);
  t.true(found[0].pValue < 0.001);
});

test("a series that never shifted has no change point: 20 noisy series of 30 nights each", (t) => {
  const flagged = [];
  for (let seed = 1; seed <= 20; seed++) {
    const found = changePoints(nights(30, 1.0, 0.5, seed));
    if (found.length) flagged.push(`seed ${seed}: ${found.map((c) => `${c.index} (p ${c.pValue.toExponential(1)})`).join(", ")}`);
  }
  t.deepEqual(flagged, []);
});

test("two shifts, up and back down, are both found: a regression and its fix", (t) => {
  const series = [...nights(8, 1.0, 0.1, 3), ...nights(6, 2.0, 0.1, 4), ...nights(8, 1.0, 0.1, 5)];
  t.deepEqual(
    changePoints(series).map((c) => c.index),
    [8, 14],
  );
});

test("the same 0.3 ms step is found in a quiet series and not in one whose nights vary by ±1 ms", (t) => {
  const quiet = [...nights(10, 1.0, 0.05, 6), ...nights(10, 1.3, 0.05, 7)];
  const noisy = [...nights(10, 1.0, 1.0, 6), ...nights(10, 1.3, 1.0, 7)];
  t.deepEqual(
    changePoints(quiet).map((c) => c.index),
    [10],
  );
  t.deepEqual(changePoints(noisy), []);
});

test("Welch's t-test: identical sides are never told apart, spreadless different sides always", (t) => {
  t.is(welchPValue([1, 1, 1], [1, 1, 1]), 1);
  t.is(welchPValue([1, 1, 1], [2, 2, 2]), 0);
  const p = welchPValue([1, 2, 3, 4], [2, 3, 4, 5]);
  t.true(p > 0.2 && p < 0.5, `p ${p}`); // t = 1.095, 6 dof: p ≈ 0.315
});

test("the latest night 20% over a steady baseline is a regression; 4% outside the band a potential one; inside the band no change", (t) => {
  const steady = [1.0, 1.01, 0.99, 1.0, 1.005, 0.995, 1.0];
  const r = judgeLatest([...steady, 1.2], "lower");
  t.is(r.judgement, "regression");
  t.is(r.baseline, 1.0);
  t.is(r.nights, 7);
  t.true(Math.abs(r.change! - 0.2) < 1e-9);
  t.is(judgeLatest([...steady, 1.04], "lower").judgement, "potential regression");
  t.is(judgeLatest([...steady, 1.01], "lower").judgement, "no change");
  t.is(judgeLatest([...steady, 0.8], "lower").judgement, "improvement");
});

test("which way is worse follows the metric: a throughput 20% down is a regression, up an improvement", (t) => {
  const steady = [100, 101, 99, 100, 100.5, 99.5, 100];
  t.is(judgeLatest([...steady, 80], "higher").judgement, "regression");
  t.is(judgeLatest([...steady, 120], "higher").judgement, "improvement");
});

test("a baseline whose spread is over 10% of its median is UNSTABLE, and a change inside its band is no regression", (t) => {
  const noisy = [1.0, 1.4, 0.7, 1.2, 0.8, 1.3, 0.9];
  const r = judgeLatest([...noisy, 1.3], "lower");
  t.true(r.unstable);
  t.is(r.judgement, "no change", "30% over the median, but inside its noise band");
  t.false(judgeLatest([1.0, 1.01, 0.99, 1.0, 1.0], "lower").unstable);
});

test("the baseline is the last 7 nights before the latest, and fewer than 3 are too few to judge", (t) => {
  // Nights long ago at 5 ms do not move a baseline of the last 7 at 1 ms.
  const r = judgeLatest([5, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1.2], "lower");
  t.is(r.baseline, 1);
  t.is(r.nights, 7);
  t.is(judgeLatest([1, 1, 2], "lower").judgement, "too few nights");
});

test("noise alone is no regression: 50 series of 30 nights of ±5% noise, judged night by night, regress on fewer than 1% of nights", (t) => {
  let judged = 0;
  let regressed = 0;
  for (let seed = 1; seed <= 50; seed++) {
    const series = nights(30, 1.0, 0.05, seed);
    for (let n = 4; n <= 30; n++) {
      judged++;
      if (judgeLatest(series.slice(0, n), "lower").judgement === "regression") regressed++;
    }
  }
  t.log(`${regressed} of ${judged} nights`);
  t.true(regressed / judged < 0.01, `${regressed} of ${judged} nights`);
});

test("an UNSTABLE baseline never makes a regression, only a potential one: its nights do not say what normal is", (t) => {
  const noisy = [1.0, 1.4, 0.7, 1.2, 0.8, 1.3, 0.9];
  const r = judgeLatest([...noisy, 5], "lower");
  t.true(r.unstable);
  t.is(r.judgement, "potential regression");
});

/** A series' point of run `i` under `label`, worth `value`. */
const point = (i: number, label: string | null, value: number): Point => ({
  runId: `run-${i}`,
  startedAt: new Date(Date.UTC(2026, 11, 1) + i * 3600_000).toISOString(),
  scenario: "smoke",
  scenarioHash: "h",
  fingerprint: "f",
  environment: "{}",
  image: "redis:7.0",
  imageDigest: null,
  security: "none",
  label,
  verdict: "PASS",
  reportPath: `reports/run-${i}/report.json`,
  key: "phases.baseline.latency.p99Us",
  metricLabel: "P99 baseline",
  unit: "us",
  better: "lower",
  value,
  censored: false,
  budget: null,
});

test("repeats in a row under one label (a commit) are one night at their median; unlabelled runs are a night each", (t) => {
  const runs = [
    point(0, "abc", 100),
    point(1, "abc", 300),
    point(2, "abc", 110),
    point(3, "def", 120),
    point(4, null, 130),
    point(5, null, 140),
    point(6, "abc", 90),
  ];
  const n = nightsOf(runs);
  t.deepEqual(
    n.map((x) => [x.label, x.runs, x.value, x.runId]),
    [
      ["abc", 3, 110, "run-2"],
      ["def", 1, 120, "run-3"],
      [null, 1, 130, "run-4"],
      [null, 1, 140, "run-5"],
      ["abc", 1, 90, "run-6"],
    ],
    "the night links its last run; a label seen again later is a new night",
  );
});

test("a nightly that repeats a scenario three times is judged night against nights, not run against its own repeats", (t) => {
  // Eight nights of three repeats each, steady at 1,000 µs ± 3%; the ninth night's three repeats are 20% slower.
  const rng = new Rng(7);
  const runs = Array.from({ length: 27 }, (_, i) =>
    point(i, `commit-${Math.floor(i / 3)}`, (Math.floor(i / 3) === 8 ? 1200 : 1000) * (1 + (rng.next() * 2 - 1) * 0.03)),
  );
  const [s] = judgeHistory(runs).series;
  t.is(s.nights.length, 9);
  t.is(s.latest.judgement, "regression");
  t.true(s.nights.slice(0, 8).every((n) => n.judgement.judgement !== "regression"));
  t.is(s.latest.nights, 7, "its baseline is the 7 nights before it, not its own repeats");
});

test("--since takes a date from its midnight UTC or the last days from now", (t) => {
  const now = Date.parse("2026-12-05T12:00:00Z");
  t.is(sinceInstant("2026-11-01", now), "2026-11-01T00:00:00.000Z");
  t.is(sinceInstant("30d", now), "2026-11-05T12:00:00.000Z");
  t.throws(() => sinceInstant("2026-13-45", now), { message: /--since 2026-13-45 is neither/ });
});
