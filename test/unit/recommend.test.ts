import test from "ava";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findEvidence, type Evidence } from "../../harness/study/evidence.js";
import type { ForkPoint } from "../../harness/study/fork-model.js";
import { recommend, type Requirements } from "../../harness/study/recommend.js";
import { recommendView } from "../../harness/study/recommend-view.js";
import { studyMarkdown } from "../../harness/study/study-page.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";

// The seed's decision flow on measured numbers: each requirement judged per topology from a named source, the
// simplest topology that meets them all, and every requirement no topology met, with why.

const GB = 2 ** 30;
const forkPoints: ForkPoint[] = [0.25, 0.5, 1].map((g) => ({ sizeBytes: g * GB, rssBytes: g * 1.1 * GB, usedMemoryBytes: g * GB, usedMemoryPeakBytes: g * GB, writeRate: 500, forkMs: 30 + 5 * g * 1.1 + (g === 0.5 ? 0.4 : 0), cowBytes: 1e6, saveMs: 1000 * g, p99BaselineMs: 2, p99SaveMs: 40, maxSaveMs: 60, run: `r/${g}` }));

/** Invented evidence shaped like what the harness finds (throughput studies, failovers, split-brain losses); not measurements. */
const evidence = (over: Partial<Evidence> = {}): Evidence => ({
  throughput: {
    standalone: { maxRateAtSlo: 7594, sloP99Ms: 2, driverLimited: false, source: "reports/a/study.json" },
    cluster: { maxRateAtSlo: 11391, sloP99Ms: 2, driverLimited: false, source: "reports/b/study.json" },
  },
  fork: { points: forkPoints, source: "reports/f/study.json" },
  failover: {
    sentinel: { scenario: "sentinel-master-kill", rtoMs: 3500, rtoCensored: false, source: "reports/s" },
    cluster: { scenario: "cluster-master-kill", rtoMs: 6200, rtoCensored: false, source: "reports/c" },
    replication: { scenario: "replication-manual-promotion", rtoMs: 900, rtoCensored: false, source: "reports/r" },
  },
  loss: {
    sentinel: { runs: 2, worst: { scenario: "sentinel-split-brain", lost: 1180, rpoMs: 9000, source: "reports/sb" } },
    cluster: { runs: 2, worst: { scenario: "cluster-split-brain", lost: 840, rpoMs: 7000, source: "reports/cb" } },
  },
  skipped: [],
  ...over,
});

const asked = (over: Partial<Requirements> = {}): Requirements => ({ datasetBytes: 40 * GB, rtoMs: 10_000, rpoMs: 0, readRatio: 0.8, ops: 50_000, p99Ms: 2, operatorResponseMs: 300_000, ...over });

test("the issue's example: 40 GB over the seed's 25 GB takes a cluster; RPO 0 is met by no topology, and the measured loss says why", (t) => {
  const r = recommend(asked(), evidence());
  const dataset = r.steps.find((s) => s.requirement === "dataset")!;
  t.is(dataset.perTopology.sentinel.judgement, "fails");
  t.is(dataset.perTopology.cluster.judgement, "meets");
  t.regex(dataset.perTopology.cluster.measured, /13\.3 GiB per master over 3; fork .* at 13\.3 GiB/);
  t.is(r.recommended, "cluster");
  t.is(r.runnerUp, "sentinel", "of the three failing as many, the one shown to meet something (its automatic failover), not the simplest that met nothing");
  const rpo = r.unmet.find((u) => u.requirement === "rpo")!;
  t.regex(rpo.why, /sentinel: 1,180 acknowledged writes lost in sentinel-split-brain .*: replication is asynchronous/);
  const tp = r.steps.find((s) => s.requirement === "throughput")!;
  t.is(tp.perTopology.cluster.judgement, "fails", "50k ops/s over the 11,391 measured");
  t.true(r.unmet.some((u) => u.requirement === "throughput"), "and no topology carried 50k ops/s at the objective here");
});

test("a small dataset, a loose RTO and a light load: the simplest topology, standalone, with replication next", (t) => {
  const r = recommend(asked({ datasetBytes: 2 * GB, rtoMs: 600_000, rpoMs: 60_000, ops: 2000 }), evidence());
  t.is(r.recommended, "standalone");
  t.is(r.runnerUp, "replication");
});

test("a 10 s RTO needs automatic failover: standalone and manual promotion fail it, Sentinel meets it at its measured RTO", (t) => {
  const r = recommend(asked({ datasetBytes: 2 * GB, rpoMs: 60_000, ops: 2000 }), evidence());
  const rto = r.steps.find((s) => s.requirement === "rto")!;
  t.is(rto.perTopology.standalone.judgement, "fails");
  t.is(rto.perTopology.replication.judgement, "fails");
  t.regex(rto.perTopology.sentinel.measured, /automatic failover: RTO 3,500 ms in sentinel-master-kill/);
  t.is(r.recommended, "sentinel");
  t.is(recommend(asked({ datasetBytes: 2 * GB, rtoMs: 3000, rpoMs: 60_000, ops: 2000 }), evidence()).steps[1].perTopology.sentinel.judgement, "fails", "3.5 s measured breaks a 3 s RTO");
});

test("read scaling: reads spread over the replicas carry what one server cannot; a driver-limited maximum below the need decides nothing", (t) => {
  const r = recommend(asked({ datasetBytes: 2 * GB, rpoMs: 60_000, ops: 15_000 }), evidence());
  const tp = r.steps.find((s) => s.requirement === "throughput")!;
  t.is(tp.perTopology.standalone.judgement, "fails", "15k over the 7,594 one server held");
  t.is(tp.perTopology.sentinel.judgement, "meets", "3k writes on the master, 12k reads over three servers");
  const bound = recommend(asked({ datasetBytes: 2 * GB, ops: 15_000 }), evidence({ throughput: { standalone: { maxRateAtSlo: 7594, sloP99Ms: 2, driverLimited: true, source: "s" } } }));
  t.is(bound.steps[3].perTopology.standalone.judgement, "not measured");
  t.regex(bound.steps[3].perTopology.standalone.measured, /at least 7,594 ops\/s/);
});

test("nothing measured: every judgement says so and names what is missing; nothing is filled in", (t) => {
  const r = recommend(asked({ datasetBytes: 2 * GB }), { throughput: {}, fork: null, failover: {}, loss: {}, skipped: [] });
  for (const s of r.steps.filter((x) => x.requirement !== "dataset")) t.is(s.perTopology.sentinel.judgement, "not measured", s.requirement);
  t.regex(r.steps[0].perTopology.standalone.measured, /no fork study found/);
  const md = studyMarkdown(recommendView(r, { throughput: {}, fork: null, failover: {}, loss: {}, skipped: [] }));
  t.regex(md, /Not measured for /);
});

test("the evidence is found under the reports folder: a run killing Sentinel's master gives its RTO and its loss; a study at another objective is set aside", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evidence-"));
  const put = (sub: string, file: string, body: unknown) => {
    mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, sub, file), JSON.stringify(body));
  };
  const kill = syntheticReport(FIXTURES["report-sentinel-master-kill.json"]);
  put("2026-12-03T01-sentinel-master-kill", "report.json", kill);
  put("2026-12-03T02-study-throughput-standalone", "study.json", { kind: "throughput", topology: "standalone", sloP99Ms: 5, maxRateAtSlo: 9000, stoppedBy: "slo", steps: [] });
  put("2026-12-03T03-study-fork", "study.json", { kind: "fork", points: forkPoints });
  put("broken", "report.json", { schemaVersion: 1 });
  const ev = findEvidence(dir, 2);
  t.is(ev.failover.sentinel!.rtoMs, kill.availability.rtoMs);
  t.is(ev.loss.sentinel!.worst.lost, kill.dataLoss!.lost);
  t.true(kill.dataLoss!.lost > 0, "the fixture lost writes");
  t.is(ev.throughput.standalone, undefined);
  t.regex(ev.skipped.join("\n"), /a throughput study at P99 ≤ 5 ms, not the 2 ms asked/);
  t.regex(ev.skipped.join("\n"), /broken\/report\.json: schemaVersion/);
  t.is(ev.fork!.points.length, 3);
});

test("the latest evidence wins by the time its folder is named with, wherever it sits; a short fork study never replaces a longer one", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evidence-"));
  const put = (sub: string, body: unknown) => {
    mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, sub, "study.json"), JSON.stringify(body));
  };
  const study = (max: number) => ({ kind: "throughput", topology: "cluster", sloP99Ms: 2, maxRateAtSlo: max, stoppedBy: "slo", steps: [] });
  put("2026-12-04T03-00-study-throughput-cluster", study(3000));
  put("test/2026-12-04T01-00-study-throughput-cluster", study(1000)); // older, though "test/" sorts after the dated folders
  put("2026-12-04T02-00-study-fork", { kind: "fork", points: [...forkPoints, ...forkPoints] });
  put("test/2026-12-04T05-00-study-fork", { kind: "fork", points: forkPoints }); // newer, but 3 points against 6
  const ev = findEvidence(dir, 2);
  t.is(ev.throughput.cluster!.maxRateAtSlo, 3000);
  t.regex(ev.fork!.source, /2026-12-04T02-00-study-fork/);
});
