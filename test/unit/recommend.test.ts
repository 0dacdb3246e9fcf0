import test from "ava";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RunReport } from "../../harness/report/types.js";
import { loadScenario } from "../../harness/scenario/load.js";
import { decides, decisiveRun, DECISIVE_RUNS, type RunRequirement } from "../../harness/study/decisive-runs.js";
import { ORDER } from "../../harness/study/requirements.js";
import { findEvidence, type Evidence, type RunEvidence } from "../../harness/study/evidence.js";
import type { ForkPoint } from "../../harness/study/fork-model.js";
import { recommend, type Requirements } from "../../harness/study/recommend.js";
import { recommendText, recommendView } from "../../harness/study/recommend-view.js";
import type { TopologyKind } from "../../harness/topology/registry.js";
import { studyMarkdown } from "../../harness/study/study-page.js";
import { main } from "../../harness/commands/program.js";
import { FIXTURES, syntheticReport } from "../helpers/synthetic-run.js";

// The seed's decision flow on measured numbers: each requirement judged per topology from the runs and studies it
// names; met or not met only on evidence, "not shown" when only runs of another kind were found (a kill cannot show
// RPO 0, a split brain can), "not measured" when nothing was; and the answer says what the pick rests on.

const GB = 2 ** 30;
const forkPoints: ForkPoint[] = [0.25, 0.5, 1].map((g) => ({
  sizeBytes: g * GB,
  rssBytes: g * 1.1 * GB,
  usedMemoryBytes: g * GB,
  usedMemoryPeakBytes: g * GB,
  writeRate: 500,
  forkMs: 30 + 5 * g * 1.1 + (g === 0.5 ? 0.4 : 0),
  cowBytes: 1e6,
  saveMs: 1000 * g,
  p99BaselineMs: 2,
  p99SaveMs: 40,
  maxSaveMs: 60,
  run: `r/${g}`,
}));

/** A run as findEvidence gives it, of a suite scenario (its real faults). */
const run = (scenario: string, o: { rtoMs?: number; lost?: number; rpoMs?: number; splitBrain?: number; heldMs?: number } = {}): RunEvidence => {
  const s = loadScenario(scenario);
  return {
    topology: s.topology.kind as TopologyKind,
    scenario,
    source: `reports/2026-12-04T01-00-00-000-${scenario}`,
    faults: s.faults,
    rtoMs: o.rtoMs ?? null,
    rtoCensored: false,
    loss: o.lost === undefined ? null : { lost: o.lost, rpoMs: o.rpoMs ?? null, splitBrain: o.splitBrain ?? 0, splitBrainHeldMs: o.heldMs ?? 0 },
  };
};

/** Invented evidence shaped like what the harness finds (throughput studies, failovers, split-brain losses); not measurements. */
const evidence = (over: Partial<Evidence> = {}): Evidence => ({
  throughput: {
    standalone: { maxRateAtSlo: 7594, sloP99Ms: 2, driverLimited: false, source: "reports/a/study.json" },
    cluster: { maxRateAtSlo: 11391, sloP99Ms: 2, driverLimited: false, source: "reports/b/study.json" },
  },
  throughputAtOtherSlo: {},
  fork: { points: forkPoints, source: "reports/f/study.json" },
  runs: [
    run("sentinel-master-kill", { rtoMs: 3500, lost: 0 }),
    run("cluster-master-kill", { rtoMs: 6200, lost: 0 }),
    run("replication-manual-promotion", { rtoMs: 900, lost: 0 }),
    run("sentinel-split-brain", { rtoMs: 9000, lost: 1180, splitBrain: 1180, heldMs: 12_000 }),
    run("cluster-split-brain", { rtoMs: 7000, lost: 840, splitBrain: 840, heldMs: 15_000 }),
  ],
  skipped: [],
  ...over,
});
const NOTHING: Evidence = { throughput: {}, throughputAtOtherSlo: {}, fork: null, runs: [], skipped: [] };

const asked = (over: Partial<Requirements> = {}): Requirements => ({
  datasetBytes: 40 * GB,
  rtoMs: 10_000,
  rpoMs: 0,
  readRatio: 0.8,
  ops: 50_000,
  p99Ms: 2,
  operatorResponseMs: 300_000,
  ...over,
});
const cellOf = (r: ReturnType<typeof recommend>, req: string, k: TopologyKind) => r.steps.find((s) => s.requirement === req)!.perTopology[k];

test("the issue's example: 40 GB over the seed's 25 GB takes a cluster; the split brains show RPO 0 not met, each naming its run", (t) => {
  const r = recommend(asked(), evidence());
  t.is(cellOf(r, "dataset", "sentinel").judgement, "not met");
  t.is(cellOf(r, "dataset", "cluster").judgement, "met");
  t.regex(cellOf(r, "dataset", "cluster").measured, /13\.3 GiB per master over 3, within the seed's 25 GB; fork .* at 13\.3 GiB/);
  t.is(r.recommended, "cluster");
  t.is(r.runnerUp, "sentinel", "of the three failing as many, the one shown to meet something (its automatic failover), not the simplest that met nothing");
  const rpo = cellOf(r, "rpo", "sentinel");
  t.is(rpo.judgement, "not met");
  t.regex(rpo.measured, /1,180 acknowledged writes lost in sentinel-split-brain, 1,180 of them taken by the old master during the split brain/);
  t.deepEqual(rpo.runs, ["2026-12-04T01-00-00-000-sentinel-split-brain"]);
  t.is(cellOf(r, "rpo", "replication").judgement, "not shown", "a promotion that lost nothing is not a master's death");
  t.is(cellOf(r, "throughput", "cluster").judgement, "not met", "50k ops/s over the 11,391 measured");
  t.true(
    r.unmet.some((u) => u.requirement === "throughput"),
    "every topology was shown not to carry 50k ops/s",
  );
  t.false(
    r.unmet.some((u) => u.requirement === "rpo"),
    "standalone's and replication's RPO were not shown, so not 'met by none'",
  );
  t.deepEqual(r.restsOn, ["dataset", "rto", "rpo", "throughput"]);
});

test("tour-only evidence (one kill per topology, no split brain, no throughput study): RPO not shown naming the split-brain scenario, throughput not measured, and the pick does not rest on either", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evidence-"));
  tourOnly(dir);
  const ev = findEvidence(dir, 2);
  t.is(ev.runs.length, 4);
  const r = recommend(asked(), ev);
  for (const k of ["sentinel", "cluster"] as const) {
    const c = cellOf(r, "rpo", k);
    t.is(c.judgement, "not shown", k);
    t.regex(c.measured, new RegExp(`no acknowledged write lost in 1 run \\(tour-${k}-master-kill: kill\\), but only a split brain .* shows it`));
    t.is(c.shownBy, `npm run harness -- run ${k}-split-brain`);
    t.is(c.scenario, `${k}-split-brain`);
    t.deepEqual(c.runs, [`2026-12-05T10-0${k === "sentinel" ? 2 : 3}-00-000-tour-${k}-master-kill`]);
    t.is(cellOf(r, "rto", k).judgement, "met", "the kill does show the failover's RTO");
  }
  t.is(cellOf(r, "rpo", "replication").judgement, "not met", "replication's kill lost writes: that shows it");
  t.regex(cellOf(r, "rpo", "replication").measured, /3 acknowledged writes lost in tour-replication-master-kill/);
  for (const k of ["standalone", "replication", "sentinel", "cluster"] as const) {
    t.is(cellOf(r, "throughput", k).judgement, "not measured", k);
    t.regex(cellOf(r, "throughput", k).shownBy!, /^npm run harness -- study throughput --topology (standalone|cluster) --slo-p99 2ms$/);
  }
  t.false(
    r.unmet.some((u) => u.requirement === "throughput"),
    "nothing measured is never 'not met by any'",
  );
  t.is(r.recommended, "cluster");
  t.deepEqual(r.restsOn, ["dataset", "rto"]);
  t.deepEqual(r.open, [
    { requirement: "rpo", judgement: "not shown", shownBy: "npm run harness -- run cluster-split-brain" },
    { requirement: "throughput", judgement: "not measured", shownBy: "npm run harness -- study throughput --topology cluster --slo-p99 2ms" },
  ]);
  const text = recommendText(r);
  t.regex(text, /Not shown for cluster: rpo \(the pick does not rest on it\); to show it: npm run harness -- run cluster-split-brain/);
  t.notRegex(text, /No topology met/);
});

test("a split brain that lost acknowledged writes: RPO 0 not met, naming that run", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evidence-"));
  tourOnly(dir);
  put(dir, "2026-12-05T11-00-00-000-sentinel-split-brain", splitBrainReport(40));
  const c = cellOf(recommend(asked(), findEvidence(dir, 2)), "rpo", "sentinel");
  t.is(c.judgement, "not met");
  t.regex(c.measured, /^40 acknowledged writes lost in sentinel-split-brain, 40 of them taken by the old master during the split brain/);
  t.deepEqual(c.runs, ["2026-12-05T11-00-00-000-sentinel-split-brain"]);
  t.is(c.shownBy, undefined, "shown: nothing left to run");
});

test("a split brain that lost nothing: RPO 0 met, naming it (and no more than 'none seen')", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evidence-"));
  tourOnly(dir);
  put(dir, "2026-12-05T11-00-00-000-sentinel-split-brain", splitBrainReport(0));
  const c = cellOf(recommend(asked(), findEvidence(dir, 2)), "rpo", "sentinel");
  t.is(c.judgement, "met");
  t.regex(c.measured, /no acknowledged write lost in 1 run \(sentinel-split-brain: partition\): none seen, not a proof/);
  t.deepEqual(c.runs, ["2026-12-05T11-00-00-000-sentinel-split-brain"]);
});

test("an RPO as time: a split brain's loss window is as long as it held, so a 60 s RPO is met by a 12 s split brain and a 5 s one is not", (t) => {
  t.is(cellOf(recommend(asked({ rpoMs: 60_000 }), evidence()), "rpo", "sentinel").judgement, "met");
  const c = cellOf(recommend(asked({ rpoMs: 5000 }), evidence()), "rpo", "sentinel");
  t.is(c.judgement, "not met");
  t.regex(c.measured, /loss window 12,000 ms/);
});

test("the decisive runs, as the faults declare them: the suite scenario found for each topology is of it and decides what it is found for; a kill never shows a failover topology's RPO, nor does a master cut off from its clients too", (t) => {
  const found = Object.fromEntries(ORDER.flatMap((k) => (["rto", "rpo"] as const).map((req) => [`${k} ${req}`, decisiveRun(req, k)?.scenario ?? null])));
  t.like(found, {
    "standalone rto": null,
    "standalone rpo": null,
    "replication rto": "replication-manual-promotion",
    "replication rpo": "replication-master-kill",
    "sentinel rto": "sentinel-master-kill",
    "sentinel rpo": "sentinel-split-brain",
    "cluster rto": "cluster-master-kill",
    "cluster rpo": "cluster-split-brain",
  });
  for (const [key, name] of Object.entries(found)) {
    if (name === null) continue;
    const [k, req] = key.split(" ") as [TopologyKind, RunRequirement];
    const s = loadScenario(name);
    t.is(s.topology.kind as string, k, name);
    t.true(decides(req, k, s.faults), name);
  }
  const declared = DECISIVE_RUNS.map((d) => `${d.requirement} ${d.fault} on ${d.failover.join("/")}`);
  for (const d of ["rpo kill on none/manual", "rto kill on automatic", "rpo partition on automatic", "rto manual-promotion on manual"])
    t.true(declared.includes(d), d);
  for (const name of ["sentinel-master-kill", "cluster-master-kill", "sentinel-master-isolated", "sentinel-replica-kill"]) {
    const s = loadScenario(name);
    t.false(decides("rpo", s.topology.kind as TopologyKind, s.faults), name);
  }
  t.false(decides("rto", "sentinel", loadScenario("sentinel-split-brain").faults), "a partition is no failover's RTO");
});

test("a small dataset, a loose RTO and a light load: standalone once a kill of it shows its RPO, replication next; without that run, the topology shown to meet everything, and the answer says what is open for standalone", (t) => {
  const q = asked({ datasetBytes: 2 * GB, rtoMs: 600_000, rpoMs: 60_000, ops: 2000 });
  const kills: RunEvidence[] = [
    { ...run("replication-master-kill", { rtoMs: 5000, lost: 0 }), topology: "standalone", scenario: "my-standalone-kill" },
    run("replication-master-kill-aof", { rtoMs: 5000, lost: 0 }),
  ];
  const shown = recommend(q, evidence({ runs: [...evidence().runs, ...kills] }));
  t.is(shown.recommended, "standalone");
  t.is(shown.runnerUp, "replication");
  const open = recommend(q, evidence());
  t.is(open.recommended, "sentinel");
  t.is(cellOf(open, "rpo", "standalone").judgement, "not measured");
  t.regex(
    cellOf(open, "rpo", "standalone").shownBy!,
    /^npm run harness -- run --file standalone-kill\.json   # a standalone scenario of yours with faults: \[\{"kind":"kill","target":"primary"/,
  );
  t.deepEqual(open.simpler[0], { topology: "standalone", notMet: [], open: ["rpo"] });
  t.regex(recommendText(open), /Not standalone, though nothing here rules it out: shown for fewer requirements \(rpo open for it\)/);
});

test("a 10 s RTO needs automatic failover: standalone and manual promotion do not meet it on the stated assumption, Sentinel meets it at its measured RTO", (t) => {
  const r = recommend(asked({ datasetBytes: 2 * GB, rpoMs: 60_000, ops: 2000 }), evidence());
  t.is(cellOf(r, "rto", "standalone").judgement, "not met");
  t.is(cellOf(r, "rto", "replication").judgement, "not met");
  t.deepEqual(cellOf(r, "rto", "replication").runs, [], "an assumption, stated, not a run");
  t.regex(cellOf(r, "rto", "sentinel").measured, /automatic failover: RTO 3,500 ms in sentinel-master-kill/);
  t.deepEqual(cellOf(r, "rto", "sentinel").runs, ["2026-12-04T01-00-00-000-sentinel-master-kill"], "the split brain's outage is not a failover's RTO");
  t.is(r.recommended, "sentinel");
  t.is(
    cellOf(recommend(asked({ datasetBytes: 2 * GB, rtoMs: 3000, rpoMs: 60_000, ops: 2000 }), evidence()), "rto", "sentinel").judgement,
    "not met",
    "3.5 s measured breaks a 3 s RTO",
  );
});

test("read scaling: reads spread over the replicas carry what one server cannot; a driver-limited maximum below the need is not shown, not 'not met'", (t) => {
  const r = recommend(asked({ datasetBytes: 2 * GB, rpoMs: 60_000, ops: 15_000 }), evidence());
  t.is(cellOf(r, "throughput", "standalone").judgement, "not met", "15k over the 7,594 one server held");
  t.is(cellOf(r, "throughput", "sentinel").judgement, "met", "3k writes on the master, 12k reads over three servers");
  t.deepEqual(cellOf(r, "throughput", "sentinel").runs, ["a"], "the standalone study it is read from");
  const bound = recommend(
    asked({ datasetBytes: 2 * GB, ops: 15_000 }),
    evidence({ throughput: { standalone: { maxRateAtSlo: 7594, sloP99Ms: 2, driverLimited: true, source: "s/study.json" } } }),
  );
  const c = cellOf(bound, "throughput", "standalone");
  t.is(c.judgement, "not shown");
  t.regex(c.measured, /at least 7,594 ops\/s.*the driver, not the topology, was the limit/);
});

test("nothing measured: every judgement says so and what would show it; nothing is 'not met' but what the stated assumption decides", (t) => {
  const r = recommend(asked({ datasetBytes: 2 * GB }), NOTHING);
  for (const s of r.steps.filter((x) => x.requirement !== "dataset"))
    for (const k of ["sentinel", "cluster"] as const) {
      t.is(s.perTopology[k].judgement, "not measured", `${s.requirement} ${k}`);
      t.truthy(s.perTopology[k].shownBy, `${s.requirement} ${k}`);
    }
  t.deepEqual(r.unmet, [], "the operator's assumption fails standalone's and replication's RTO; Sentinel's and Cluster's are unmeasured, not unmet");
  t.regex(cellOf(r, "dataset", "standalone").measured, /no fork study found/);
  t.is(r.recommended, "sentinel", "the only ones nothing rules out; the simplest of them");
  t.deepEqual(r.restsOn, ["dataset"]);
  const md = studyMarkdown(recommendView(r, NOTHING));
  t.regex(md, /Not measured for sentinel: rto \(the pick does not rest on it\); to show it: npm run harness -- run sentinel-master-kill/);
});

test("the evidence is found under the reports folder: a run killing Sentinel's master, with its RTO and its loss; a study at another objective is set aside and named; no folder is no evidence", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evidence-"));
  const kill = syntheticReport(FIXTURES["report-sentinel-master-kill.json"]);
  put(dir, "2026-12-03T01-sentinel-master-kill", kill);
  putStudy(dir, "2026-12-03T02-study-throughput-standalone", {
    kind: "throughput",
    topology: "standalone",
    sloP99Ms: 5,
    maxRateAtSlo: 9000,
    stoppedBy: "slo",
    steps: [],
  });
  putStudy(dir, "2026-12-03T03-study-fork", { kind: "fork", points: forkPoints });
  put(dir, "broken", { schemaVersion: 1 });
  const ev = findEvidence(dir, 2);
  t.is(ev.runs.length, 1);
  t.is(ev.runs[0].rtoMs, kill.availability.rtoMs);
  t.is(ev.runs[0].loss!.lost, kill.dataLoss!.lost);
  t.true(kill.dataLoss!.lost > 0, "the fixture lost writes");
  t.is(ev.throughput.standalone, undefined);
  t.deepEqual(ev.throughputAtOtherSlo.standalone, [5]);
  t.regex(cellOf(recommend(asked(), ev), "throughput", "standalone").measured, /only at P99 ≤ 5 ms: another objective/);
  t.regex(ev.skipped.join("\n"), /a throughput study at P99 ≤ 5 ms, not the 2 ms asked/);
  t.regex(ev.skipped.join("\n"), /broken\/report\.json: schemaVersion/);
  t.is(ev.fork!.points.length, 3);
  t.deepEqual(findEvidence(path.join(dir, "none-yet"), 2), { throughput: {}, throughputAtOtherSlo: {}, fork: null, runs: [], skipped: [] });
});

test("the latest study wins by the time its folder is named with, wherever it sits; a short fork study never replaces a longer one", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "evidence-"));
  const study = (max: number) => ({ kind: "throughput", topology: "cluster", sloP99Ms: 2, maxRateAtSlo: max, stoppedBy: "slo", steps: [] });
  putStudy(dir, "2026-12-04T03-00-study-throughput-cluster", study(3000));
  putStudy(dir, "test/2026-12-04T01-00-study-throughput-cluster", study(1000)); // older, though "test/" sorts after the dated folders
  putStudy(dir, "2026-12-04T02-00-study-fork", { kind: "fork", points: [...forkPoints, ...forkPoints] });
  putStudy(dir, "test/2026-12-04T05-00-study-fork", { kind: "fork", points: forkPoints }); // newer, but 3 points against 6
  const ev = findEvidence(dir, 2);
  t.is(ev.throughput.cluster!.maxRateAtSlo, 3000);
  t.regex(ev.fork!.source, /2026-12-04T02-00-study-fork/);
});

// --- the command line: flags in the user's words ---

/** `recommend` run in this process on a reports folder; what it printed, and its exit code (a thrown usage error's). */
async function cli(reports: string, flags: string[]): Promise<{ code: number; text: string }> {
  let text = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const saved = process.env.REPORTS_DIR;
  process.env.REPORTS_DIR = reports;
  process.stdout.write = process.stderr.write = ((chunk: string | Uint8Array) => ((text += String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { code: await main(["recommend", "--quiet", ...flags]), text };
  } catch (e) {
    const x = e as { exitCode?: number; message: string; hint?: string };
    return { code: x.exitCode ?? 4, text: `${text}${x.message}\n${x.hint ?? ""}` };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    if (saved === undefined) delete process.env.REPORTS_DIR;
    else process.env.REPORTS_DIR = saved;
  }
}
const REQUIRED = { "--dataset": "40gb", "--rto": "10s", "--rpo": "0", "--ops": "50000" };
const flags = (over: Record<string, string> = {}) => Object.entries({ ...REQUIRED, ...over }).flat();

test.serial("--rto 10 is refused with exit 2 naming the flag and the fix; --rto 10s answers, on a tour-only folder, with RPO not shown", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "recommend-cli-"));
  tourOnly(dir);
  const bare = await cli(dir, flags({ "--rto": "10" }));
  t.is(bare.code, 2);
  t.regex(bare.text, /--rto needs a unit: 10s or 800ms/);
  t.regex(bare.text, /--rto 10s for seconds, --rto 10ms for milliseconds/);
  const ok = await cli(dir, flags({ "--rto": "10s" }));
  t.is(ok.code, 0, ok.text);
  t.regex(ok.text, /cluster +not shown +no acknowledged write lost in 1 run \(tour-cluster-master-kill: kill\)/);
  t.regex(ok.text, /to show it: npm run harness -- run cluster-split-brain/);
  t.regex(ok.text, /Recommended: cluster; runner-up: sentinel\./);
});

test.serial("--p99 0, negative, NaN or a word, and a bare number for any time or size flag, are refused with exit 2 naming the flag", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "recommend-cli-"));
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ "--p99": "0" }, /--p99 0: an objective of 0 is met by nothing/],
    [{ "--p99": "0ms" }, /--p99 0ms: an objective of 0 is met by nothing/],
    [{ "--p99": "-2ms" }, /--p99: "-2ms" is not valid: write it like 2ms or 0\.5s/],
    [{ "--p99": "NaN" }, /--p99: "NaN" is not valid/],
    [{ "--p99": "fast" }, /--p99: "fast" is not valid/],
    [{ "--p99": "2" }, /--p99 needs a unit: 2ms or 0\.5s/],
    [{ "--rto": "0" }, /--rto 0: no failover takes no time/],
    [{ "--rpo": "5" }, /--rpo needs a unit: 1s or 500ms/],
    [{ "--operator-response": "300" }, /--operator-response needs a unit: 5m or 90s/],
    [{ "--dataset": "40" }, /--dataset needs a unit: 40gb or 512mb/],
    [{ "--ops": "0" }, /--ops: "0" is not valid/],
    [{ "--read-ratio": "NaN" }, /--read-ratio: "NaN" is not valid/],
  ];
  for (const [over, message] of cases) {
    const r = await cli(dir, flags(over));
    t.is(r.code, 2, JSON.stringify(over));
    t.regex(r.text, message, JSON.stringify(over));
  }
  t.is((await cli(dir, flags({ "--rpo": "0", "--operator-response": "90s", "--p99": "0.5s" }))).code, 0, "RPO 0 needs no unit: 0 is 0 in any");
});

// --- helpers: reports folders built from the fixtures ---

function put(dir: string, sub: string, body: unknown, file = "report.json"): void {
  mkdirSync(path.join(dir, sub), { recursive: true });
  writeFileSync(path.join(dir, sub, file), JSON.stringify(body));
}
const putStudy = (dir: string, sub: string, body: unknown) => put(dir, sub, body, "study.json");

/** A fixture's run under another scenario name (and topology): the tour's runs, from the reports the fixtures hold. */
function renamed(fixture: string, name: string, kind?: TopologyKind): RunReport {
  const r = syntheticReport(FIXTURES[fixture]);
  r.scenario.name = name;
  if (kind) (r.scenario.topology as { kind: string }).kind = kind;
  return r;
}

/** What `npm start` (the tour) leaves: one run per topology, a kill on each but standalone's BGSAVE. */
function tourOnly(dir: string): void {
  const tour = "2026-12-05T10-00-00-000-tour";
  put(dir, `${tour}/2026-12-05T10-00-00-000-tour-standalone-bgsave`, renamed("report-standalone-bgsave.json", "tour-standalone-bgsave"));
  put(
    dir,
    `${tour}/2026-12-05T10-01-00-000-tour-replication-master-kill`,
    renamed("report-sentinel-master-kill.json", "tour-replication-master-kill", "replication"),
  );
  put(dir, `${tour}/2026-12-05T10-02-00-000-tour-sentinel-master-kill`, renamed("report-tour-sentinel-app.json", "tour-sentinel-master-kill"));
  put(dir, `${tour}/2026-12-05T10-03-00-000-tour-cluster-master-kill`, renamed("report-cluster-master-kill.json", "tour-cluster-master-kill"));
}

/** sentinel-split-brain's run: the synthetic kill's history with `lost` writes taken during the fault, under the partition the suite schedules. */
function splitBrainReport(lost: number): RunReport {
  const r = syntheticReport({ ...FIXTURES["report-sentinel-master-kill.json"], name: "sentinel-split-brain", lostBeforeFault: 0, splitBrainLost: lost });
  r.scenario.faults = loadScenario("sentinel-split-brain").faults;
  return r;
}
